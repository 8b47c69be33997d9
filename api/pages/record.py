"""One student's record as the record page shows it, read through the service.

The service's ``reads.student_record`` authorises the read, writes the
access-log entry and cuts the entries, the benchmark panel and the advice by
one rule (``as_of``: what had happened by a date; ``known_at``: what the
ledger had recorded by the end of that English day).  This module only turns
the result into what the page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from api.bootstrap import Ledger
from api.render.readable import (
    AMENDMENTS,
    HiddenByStaff,
    ReadableEntry,
    readable_entries,
    registration,
    summary,
)
from ledger.domain.access import Actor
from ledger.domain.errors import FieldProblem, ValidationFailed
from ledger.service.commands import Entry
from ledger.service.reads import (
    DEFAULT_RULESET,
    LeaverDestinations,
    StudentAttainment,
    TimelineEntry,
)
from projections.rules import BenchmarkResult, State, ruleset_names

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
class HiddenShown:
    """A student's own entry staff hid, as the page shows it: who (role, user id, school),
    when and why.  ``readable.hidden_by_staff`` decides which entries; the role, looked
    up in the token store, is the page's alone (the exports name no roles for it)."""

    role: str
    user_id: str
    institution_id: str | None
    on: date
    reason: str


@dataclass(frozen=True)
class Shown:
    """A timeline line: the entry, its plain-English summary and what happened to it."""

    entry: ReadableEntry
    text: str
    reflectable: bool
    hidden: HiddenShown | None = None


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
    attainment: StudentAttainment | None
    destinations: tuple[LeaverDestinations, ...]
    advice: tuple[TimelineEntry, ...]

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
    return DEFAULT_RULESET


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


def _shown_hidden(ledger: Ledger, hidden: HiddenByStaff | None) -> HiddenShown | None:
    """The rule's who, when and why, with the user's role looked up for the page."""
    if hidden is None:
        return None
    user = ledger.tokens.get_user(hidden.user_id) if hidden.user_id else None
    return HiddenShown(
        role=user.role.value if user is not None else "staff",
        user_id=hidden.user_id or "unknown",
        institution_id=hidden.institution_id,
        on=hidden.on,
        reason=hidden.reason,
    )


def read_record(
    ledger: Ledger,
    student_id: UUID,
    actor: Actor,
    *,
    ruleset: str = DEFAULT_RULESET,
    as_of: date | None = None,
    known_at: date | None = None,
) -> RecordView:
    found = ledger.service.reads.student_record(
        student_id, actor=actor, ruleset=ruleset, as_of=as_of, known_at=known_at
    )
    readable = readable_entries(_as_export_event(e) for e in found.entries)
    person = registration(readable)
    newest_first = sorted(readable, key=lambda r: (r.occurred_on, r.sequence), reverse=True)
    shown = [
        Shown(
            r,
            summary(r),
            r.kind in REFLECTABLE and r.live,
            _shown_hidden(ledger, r.hidden) if r.kind not in AMENDMENTS else None,
        )
        for r in newest_first
        if r.kind != "registration"
    ]
    return RecordView(
        student_id=student_id,
        given_name=str(person.get("given_name", "")),
        family_name=str(person.get("family_name", "")),
        upn=person.get("upn"),
        uln=person.get("uln"),
        version=found.history.version,
        entries=shown,
        ruleset=ruleset,
        rulesets=ruleset_names(),
        as_of=as_of,
        known_at=known_at,
        attainment=found.attainment,
        destinations=found.destinations,
        advice=tuple(reversed(found.advice)),
    )
