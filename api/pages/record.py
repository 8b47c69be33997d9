"""One student's record as the record page shows it, read through the service.

``history`` authorises the read and writes the access-log entry; only then
are the projections asked (their queries take ids, not actors).  ``as_of``
and ``known_at`` replay the record on both axes: what had happened by a date,
and what the ledger had recorded by the end of a date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from api.bootstrap import Ledger
from api.render.readable import ReadableEntry, readable_entries, registration, summary
from ledger.domain.access import Actor
from ledger.domain.errors import FieldProblem, StudentNotFound, ValidationFailed
from ledger.service.ledger_service import Entry
from projections.rules import BenchmarkResult, State, ruleset_names
from projections.views import queries

STAFF_KINDS = (
    "guidance_interview",
    "guidance_interview_not_taken",
    "employer_encounter",
    "workplace_experience",
    "provider_encounter",
    "labour_market_information",
    "curriculum_learning",
    "higher_education_intent",
    "intended_destination",
    "september_guarantee",
    "destination",
    "enrolment",
    "leaving",
)
STUDENT_KINDS = ("reflection", "part_time_work")
REFLECTABLE = frozenset(
    {"guidance_interview", "employer_encounter", "workplace_experience", "provider_encounter"}
)
GAP_STATES = (State.NOT_MET, State.AT_RISK)


@dataclass(frozen=True)
class Gap:
    benchmark: str
    title: str
    part: str
    state: State
    deadline: date | None


@dataclass(frozen=True)
class Shown:
    """A timeline line: the entry, its plain-English summary and what happened to it."""

    entry: ReadableEntry
    text: str
    reflectable: bool


@dataclass(frozen=True)
class RecordView:
    student_id: UUID
    given_name: str
    family_name: str
    upn: str | None
    uln: str | None
    version: int
    entries: list[Shown]
    ruleset: str
    rulesets: tuple[str, ...]
    as_of: date | None
    known_at: date | None
    attainment: queries.StudentAttainment | None
    destinations: tuple[queries.LeaverDestinations, ...]
    advice: tuple[queries.TimelineEntry, ...]

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def gaps(self) -> list[Gap]:
        """Parts not met or due this year, worst first: what an adviser acts on."""
        if self.attainment is None:
            return []
        results: list[BenchmarkResult] = [
            *self.attainment.benchmarks,
            self.attainment.provider_access,
        ]
        found = [
            Gap(r.benchmark, r.title, p.part, p.state, p.deadline)
            for r in results
            for p in r.parts
            if p.state in GAP_STATES
        ]
        return sorted(found, key=lambda g: (GAP_STATES.index(g.state), g.benchmark))

    def reflectable(self) -> list[Shown]:
        return [s for s in self.entries if s.reflectable]


def day_param(value: str | None, name: str) -> date | None:
    """A date from a query string; empty is none, anything else must be YYYY-MM-DD."""
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        reason = "must be a date written YYYY-MM-DD"
        raise ValidationFailed(f"{name}: {reason}", (FieldProblem(name, reason),)) from None


def ruleset_param(value: str | None) -> str:
    if value in ruleset_names():
        return str(value)
    return queries.DEFAULT_RULESET


def _as_export_event(entry: Entry) -> dict[str, Any]:
    return {
        "sequence": entry.sequence,
        "kind": entry.kind,
        "occurred_on": entry.occurred_on.isoformat(),
        "recorded_at": entry.recorded_at.isoformat(),
        "institution_id": entry.institution_id,
        "actor": entry.actor,
        "provenance": entry.provenance,
        "data": entry.data,
    }


def _known(entry: Entry, as_of: date | None, known_at: date | None) -> bool:
    if known_at is not None:
        end_of_day = datetime.combine(known_at + timedelta(days=1), time(), tzinfo=UTC)
        if entry.recorded_at >= end_of_day:
            return False
    return as_of is None or entry.occurred_on <= as_of


def read_record(
    ledger: Ledger,
    student_id: UUID,
    actor: Actor,
    *,
    ruleset: str = queries.DEFAULT_RULESET,
    as_of: date | None = None,
    known_at: date | None = None,
) -> RecordView:
    history = ledger.service.history(student_id, actor=actor)
    known = [e for e in history.entries if _known(e, as_of, known_at)]
    readable = readable_entries(_as_export_event(e) for e in known)
    person = registration(readable)
    newest_first = sorted(readable, key=lambda r: (r.occurred_on, r.sequence), reverse=True)
    shown = [
        Shown(r, summary(r), r.kind in REFLECTABLE and r.live)
        for r in newest_first
        if r.kind != "registration"
    ]
    read = ledger.projections
    try:
        attainment: queries.StudentAttainment | None = queries.student_attainment(
            read, student_id, ruleset=ruleset, as_of=as_of, known_at=known_at
        )
        destinations = queries.student_destinations(
            read, student_id, as_of=as_of, known_at=known_at
        )
        advice = tuple(
            e
            for e in queries.timeline(read, student_id).entries
            if e.kind in {"guidance_interview", "guidance_interview_not_taken"}
            and (known_at is None or e.recorded_at.date() <= known_at)
            and (as_of is None or e.occurred_on <= as_of)
        )
    except StudentNotFound:
        # The history says the student exists: the read side has not caught up yet.
        attainment, destinations, advice = None, (), ()
    return RecordView(
        student_id=student_id,
        given_name=str(person.get("given_name", "")),
        family_name=str(person.get("family_name", "")),
        upn=person.get("upn"),
        uln=person.get("uln"),
        version=history.version,
        entries=shown,
        ruleset=ruleset,
        rulesets=ruleset_names(),
        as_of=as_of,
        known_at=known_at,
        attainment=attainment,
        destinations=destinations,
        advice=tuple(reversed(advice)),
    )
