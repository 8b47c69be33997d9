"""The transition-integrated record: advice and decisions, in order, across institutions.

One row per entry that carries advice or a decision (guidance interviews,
offers not taken, intended destinations, September Guarantee offers,
destinations, higher-education intent) or places it (enrolments, leavings,
imported prior records), with its provenance.  A correction rewrites the
row's details and names itself in ``corrected_by``; a retraction marks the
row (``retracted_by``), which hides it from the timeline but not from the
student's history.  An erasure deletes the student's rows.

The details and provenance are personal data: each row keeps them in one
value sealed under the student's key (:mod:`projections.views.sealing`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select

from projections.rules.facts import LoggedEvent
from projections.runner.sql import delete_many, empty, insert_many
from projections.runner.tables import timeline
from projections.views.sealing import RowSealer, seal_or_none, timeline_purpose

TIMELINE_KINDS = frozenset(
    {
        "enrolment",
        "leaving",
        "prior_record_import",
        "guidance_interview",
        "guidance_interview_not_taken",
        "higher_education_intent",
        "intended_destination",
        "september_guarantee",
        "destination",
    }
)
AMENDMENTS = frozenset({"correction", "retraction"})
COLUMNS = (
    "student_id",
    "sequence",
    "kind",
    "occurred_on",
    "recorded_at",
    "institution_id",
    "corrected_by",
    "retracted_by",
    "sealed",
)
CHUNK = 500

# COLUMNS in order, but the last holds [details, provenance] until it is sealed and written.
Row = list[Any]
OCCURRED_ON, CORRECTED_BY, RETRACTED_BY, BODY = 3, 6, 7, 8
Key = tuple[str, int]


class TimelineProjection:
    name = "timeline"

    def __init__(self, sealer: RowSealer) -> None:
        self.sealer = sealer

    def process(self, connection: Connection, events: Sequence[LoggedEvent]) -> None:
        new: dict[Key, Row] = {}
        amendments: list[LoggedEvent] = []
        erased: set[str] = set()
        for event in events:
            kind = event.kind
            if kind in TIMELINE_KINDS:
                new[(event.student_id.hex, event.sequence)] = _row(event)
            elif kind in AMENDMENTS:
                amendments.append(event)
            elif kind == "erasure":
                student = event.student_id.hex
                erased.add(student)
                new = {key: row for key, row in new.items() if key[0] != student}
                amendments = [a for a in amendments if a.student_id != event.student_id]
        targets = {_target(a) for a in amendments} - new.keys()
        sealer = self.sealer.scoped()
        sealer.warm({key[0] for key in new})
        stored = self._load(connection, sealer, targets)
        changed: set[Key] = set()
        for amendment in amendments:
            key = _target(amendment)
            row = new.get(key) or stored.get(key)
            if row is None:
                continue  # amends an entry the timeline does not show (e.g. an encounter)
            _amend(row, amendment)
            if key in stored:
                changed.add(key)
        for chunk in _chunks(sorted(erased)):
            connection.execute(delete(timeline).where(timeline.c.student_id.in_(chunk)))
        delete_many(connection, timeline, ("student_id", "sequence"), sorted(changed))
        rows = [*new.values(), *(stored[key] for key in changed)]
        sealed = [row for row in (_sealed(sealer, r) for r in rows) if row is not None]
        insert_many(connection, timeline, COLUMNS, sealed)

    def reset(self, connection: Connection) -> None:
        empty(connection, timeline)

    def forget_cache(self) -> None:
        """Nothing cached: every batch reads what it amends."""

    def _load(self, connection: Connection, sealer: RowSealer, keys: set[Key]) -> dict[Key, Row]:
        found: dict[Key, Row] = {}
        for chunk in _chunks(sorted({student for student, _ in keys})):
            sealer.warm(chunk)
            rows = connection.execute(
                select(timeline).where(timeline.c.student_id.in_(chunk))
            ).mappings()
            for row in rows:
                key = (row["student_id"], row["sequence"])
                if key not in keys:
                    continue
                opened = sealer.open(key[0], timeline_purpose(key[1]), row["sealed"])
                if opened is not None:  # None: erased since; its erasure deletes the rows
                    loaded = [row[c] for c in COLUMNS]
                    loaded[BODY] = orjson.loads(opened)
                    found[key] = loaded
        return found


def _row(event: LoggedEvent) -> Row:
    return [
        event.student_id.hex,
        event.sequence,
        event.kind,
        event.occurred_on.isoformat(),
        event.recorded_at,
        event.institution_id,
        "",
        None,
        [event.data, event.provenance],  # never mutated: a correction makes a new list
    ]


def _sealed(sealer: RowSealer, row: Row) -> tuple[Any, ...] | None:
    body = orjson.dumps(row[BODY])
    sealed = seal_or_none(sealer, row[0], timeline_purpose(row[1]), body)
    return None if sealed is None else (*row[:BODY], sealed)


def _target(amendment: LoggedEvent) -> Key:
    return (amendment.student_id.hex, int(amendment.data["amends_sequence"]))


def _amend(row: Row, amendment: LoggedEvent) -> None:
    if amendment.kind == "retraction":
        row[RETRACTED_BY] = amendment.sequence
        return
    changes = dict(amendment.data["changes"])
    moved_to = changes.pop("occurred_on", None)
    if moved_to is not None:
        row[OCCURRED_ON] = str(moved_to)
    details, provenance = row[BODY]
    row[BODY] = [{**details, **changes}, provenance]
    corrected = [c for c in str(row[CORRECTED_BY]).split(",") if c]
    row[CORRECTED_BY] = ",".join([*corrected, str(amendment.sequence)])


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
