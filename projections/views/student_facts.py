"""The student-facts projection: every student's facts as rows, and the rolls index.

``proj_students`` keeps what the rules need of a registration, ``proj_facts``
the live facts (corrections applied, retractions deleted), both built
with the pure functions of :mod:`projections.rules.facts`, so the stored facts are
exactly the fold of the student's events (a property test holds them to it).
``proj_roll`` indexes enrolment spells so a cohort (institution, academic
year, year group) is found without reading every student; it is a superset,
and reports confirm membership from the facts for the date asked about.  An
erasure deletes the student's rows from all three.

Facts are written in runs, one row per student per batch (see
:mod:`projections.views.fact_rows`); a correction or retraction reads and rewrites
only its student's runs, and the rolls index is recomputed only for students
whose enrolments or leavings changed in the batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, delete

from ledger.domain.events import EVENT_CLASSES
from projections.rules.facts import (
    REGISTRATION_SEQUENCE,
    Fact,
    LoggedEvent,
    corrected,
    corrected_registration,
    is_fact,
    new_fact,
    registration_of,
)
from projections.runner.sql import delete_many, empty, insert_many
from projections.runner.tables import facts, roll, students
from projections.views.fact_rows import (
    Key,
    Registration,
    Runs,
    fact_rows,
    forget_students,
    load_facts_of,
    load_registrations,
    load_runs,
    registration_row,
    roll_rows,
)
from projections.views.sealing import RowSealer

CACHE_LIMIT = 500_000
IN_CHUNK = 500
ROLL_KINDS = frozenset({"enrolment", "leaving"})
FOLDED_KINDS = frozenset(k for k in EVENT_CLASSES if is_fact(k))
FACT_COLUMNS = ("student_id", "first_sequence", "last_sequence", "sealed_facts")
STUDENT_COLUMNS = ("student_id", "sealed_registration", "evidence", "withdrawn")
ROLL_COLUMNS = (
    "student_id",
    "sequence",
    "institution_id",
    "institution_kind",
    "from_year",
    "until_year",
    "year0",
)


@dataclass
class _Batch:
    """What one batch changes, before it is written."""

    registrations: dict[UUID, Registration]
    new: dict[UUID, dict[int, Fact]]  # each student's new facts by sequence, in log order
    replaced: dict[Key, Fact]  # stored facts a correction changed
    deleted: set[Key]  # stored facts a retraction removed
    roll_changed: set[UUID]
    erased: set[UUID]
    runs: Runs  # the stored runs of amended students
    run_of: dict[Key, int]  # which run (by first sequence) holds a stored fact


def _as_int(student: UUID) -> int:
    return student.int  # sorting by the int compares in C, not through UUID.__lt__


class StudentFactsProjection:
    name = "student_facts"

    def __init__(self, sealer: RowSealer, cache_limit: int = CACHE_LIMIT) -> None:
        self.sealer = sealer
        self.cache_limit = cache_limit
        # After a reset, the enrolments and leavings of every student processed
        # since, and who was withdrawn: complete, so recomputing a roll needs no
        # read.  None means "read from the tables".
        self._spells: dict[UUID, dict[int, Fact]] | None = None
        self._withdrawn: set[UUID] = set()
        # With _spells: each student's rolls rows as stored, so an unchanged
        # roll (a re-enrolment in step extends the same row) is not rewritten.
        self._rolls: dict[UUID, list[tuple[Any, ...]]] = {}

    def process(self, connection: Connection, events: Sequence[LoggedEvent]) -> None:
        amended = {
            (e.student_id, int(e.data["amends_sequence"]))
            for e in events
            if e.kind in {"correction", "retraction"}
        }
        sealer = self.sealer.scoped()
        runs = load_runs(
            connection,
            sealer,
            {s for s, target in amended if target != REGISTRATION_SEQUENCE},
        )
        batch = _Batch({}, {}, {}, set(), set(), set(), runs, {})
        stored_facts: dict[Key, Fact] = {}
        for student, by_first in runs.items():
            for first, run in by_first.items():
                for fact in run:
                    stored_facts[(student, fact.sequence)] = fact
                    batch.run_of[(student, fact.sequence)] = first
        stored_registrations = load_registrations(
            connection,
            sealer,
            {s for s, target in amended if target == REGISTRATION_SEQUENCE},
        )
        new, roll_changed = batch.new, batch.roll_changed
        for event in events:
            # Most events are a new fact: keep that path short.
            kind = event.kind
            if kind in FOLDED_KINDS:
                student = event.student_id
                facts_of = new.get(student)
                if facts_of is None:
                    facts_of = new[student] = {}
                facts_of[event.sequence] = new_fact(event)
                if kind in ROLL_KINDS:
                    roll_changed.add(student)
            else:
                self._apply(batch, event, stored_facts, stored_registrations)
        sealer.warm([*new, *batch.registrations])  # one query per 500, not one per student
        self._write(connection, batch, sealer)

    def _apply(
        self,
        batch: _Batch,
        event: LoggedEvent,
        stored_facts: Mapping[Key, Fact],
        stored_registrations: Mapping[UUID, Registration],
    ) -> None:
        student, kind = event.student_id, event.kind
        if kind == "erasure":
            batch.erased.add(student)
            return
        if kind == "registration":
            batch.registrations[student] = Registration(
                registration_of(event.data), [event.sequence], False
            )
        elif kind in {"correction", "retraction"}:
            key = (student, int(event.data["amends_sequence"]))
            if key[1] == REGISTRATION_SEQUENCE:
                found = batch.registrations.get(student) or stored_registrations.get(student)
                if found is None:
                    return
                if kind == "retraction":
                    found.withdrawn = True
                    batch.roll_changed.add(student)
                else:
                    found.registration = corrected_registration(
                        found.registration, event.data["changes"]
                    )
                    found.evidence.append(event.sequence)
                batch.registrations[student] = found
                return
            new = batch.new.get(student, {})
            fact = new.get(key[1]) or batch.replaced.get(key)
            if fact is None and key not in batch.deleted:
                fact = stored_facts.get(key)
            if fact is None:
                return  # amends an entry that is not a fact (a legal hold, say)
            if fact.kind in ROLL_KINDS:
                batch.roll_changed.add(student)
            if kind == "retraction":
                if new.pop(key[1], None) is None:
                    batch.replaced.pop(key, None)
                if key in stored_facts:
                    batch.deleted.add(key)
            elif key[1] in new:
                new[key[1]] = corrected(fact, event.data["changes"], event.sequence)
            else:
                batch.replaced[key] = corrected(fact, event.data["changes"], event.sequence)

    def _write(self, connection: Connection, batch: _Batch, sealer: RowSealer) -> None:
        erased = batch.erased
        if erased:
            forget_students(connection, erased)
        rewritten = {
            (s, batch.run_of[(s, seq)])
            for s, seq in batch.deleted | batch.replaced.keys()
            if s not in erased
        }
        delete_many(
            connection,
            facts,
            ("student_id", "first_sequence"),
            [(s.hex, first) for s, first in sorted(rewritten)],
        )
        runs: list[tuple[UUID, list[Fact]]] = []
        for student, first in sorted(rewritten):
            run = [
                batch.replaced.get((student, f.sequence), f)
                for f in batch.runs[student][first]
                if (student, f.sequence) not in batch.deleted
            ]
            if run:
                runs.append((student, run))
        runs += [
            (student, list(by_sequence.values()))  # log order: ascending
            for student, by_sequence in batch.new.items()
            if by_sequence and student not in erased
        ]
        rows = [row for s, run in runs if (row := fact_rows(sealer, s, run)) is not None]
        insert_many(connection, facts, FACT_COLUMNS, rows)
        registrations = [
            row
            for s, r in batch.registrations.items()
            if s not in erased and (row := registration_row(sealer, s, r)) is not None
        ]
        insert_many(connection, students, STUDENT_COLUMNS, registrations, upsert_on=("student_id",))
        changed = sorted(batch.roll_changed - erased, key=_as_int)
        self._remember(batch)
        if changed:
            self._write_roll(connection, changed, sealer)

    def _remember(self, batch: _Batch) -> None:
        spells = self._spells
        if spells is None:
            return
        for student, by_sequence in batch.new.items():
            for sequence, fact in by_sequence.items():
                if fact.kind in ROLL_KINDS:
                    spells.setdefault(student, {})[sequence] = fact
        for (student, sequence), fact in batch.replaced.items():
            if fact.kind in ROLL_KINDS:
                spells.setdefault(student, {})[sequence] = fact
        for student, sequence in batch.deleted:
            spells.get(student, {}).pop(sequence, None)
        for student, registration in batch.registrations.items():
            if registration.withdrawn:
                self._withdrawn.add(student)
        for student in batch.erased:
            spells.pop(student, None)
            self._rolls.pop(student, None)
            self._withdrawn.discard(student)
        if len(spells) > self.cache_limit:
            self.forget_cache()

    def _write_roll(self, connection: Connection, changed: list[UUID], sealer: RowSealer) -> None:
        if self._spells is not None:
            spells = {s: list(self._spells.get(s, {}).values()) for s in changed}
            withdrawn = self._withdrawn
        else:
            spells = load_facts_of(connection, sealer, changed, kinds=ROLL_KINDS)
            registrations = load_registrations(connection, sealer, set(changed))
            withdrawn = {s for s, r in registrations.items() if r.withdrawn}
        computed = {
            student: [] if student in withdrawn else roll_rows(student, spells.get(student, []))
            for student in changed
        }
        if self._spells is not None:
            stored = self._rolls
            computed = {s: rows for s, rows in computed.items() if stored.get(s) != rows}
            stored.update(computed)
        keys = [s.hex for s in computed]
        for start in range(0, len(keys), IN_CHUNK):
            chunk = keys[start : start + IN_CHUNK]
            connection.execute(delete(roll).where(roll.c.student_id.in_(chunk)))
        insert_many(connection, roll, ROLL_COLUMNS, [r for rows in computed.values() for r in rows])

    def reset(self, connection: Connection) -> None:
        empty(connection, roll, facts, students)
        self._spells, self._withdrawn, self._rolls = {}, set(), {}

    def forget_cache(self) -> None:
        self._spells, self._withdrawn, self._rolls = None, set(), {}
