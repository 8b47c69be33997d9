"""A student's facts: their events folded, corrections applied, retractions removed.

This is the one input every rule reads.  The fold is pure and incremental
(:class:`FactsBuilder` takes one logged event at a time); the student-facts
projection stores the same facts as rows, built with the same functions
(:func:`new_fact`, :func:`corrected`, :func:`registration_of`).  Free text
and names (advice given, employer names, notes) are dropped on the way in:
rules read structured fields only, so the stored facts hold no more personal
data than the date of birth and characteristics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

REGISTRATION_SEQUENCE = 1  # a stream starts with its registration
NOT_FOLDED = frozenset({"registration", "correction", "retraction", "erasure"})

# Free text and names, per kind; every other field of the payload is kept.
DROPPED_FIELDS: Mapping[str, frozenset[str]] = {
    "enrolment": frozenset(),
    "leaving": frozenset({"reason"}),
    "higher_education_intent": frozenset(),
    "guidance_interview": frozenset(
        {"adviser_name", "advice_given", "agreed_actions", "topics", "intended_destination"}
    ),
    "guidance_interview_not_taken": frozenset({"adviser_name"}),
    "employer_encounter": frozenset({"employer_name"}),
    "workplace_experience": frozenset({"employer_name"}),
    "provider_encounter": frozenset({"provider_name"}),
    "labour_market_information": frozenset({"activity", "source"}),
    "curriculum_learning": frozenset({"description"}),
    "reflection": frozenset({"text"}),
    "part_time_work": frozenset({"employer_name", "role"}),
    "intended_destination": frozenset({"provider_or_employer", "notes"}),
    "september_guarantee": frozenset({"provider_name", "programme"}),
    "destination": frozenset({"provider_or_employer"}),
    "prior_record_import": frozenset({"checkpoint", "origin_student_id"}),
}
# Kinds that say nothing about careers education.
NOT_FACTS = frozenset({"legal_hold_placed", "legal_hold_lifted"})


class LoggedEvent(NamedTuple):
    """One decoded event of the log, as the projections see it.

    ``recorded_at`` is the store's ISO 8601 timestamp (UTC), kept as text:
    only "known at" replays compare it, and they parse it.
    """

    position: int
    student_id: UUID
    sequence: int
    kind: str
    occurred_on: date
    recorded_at: str
    data: Mapping[str, Any]
    institution_id: str | None = None
    provenance: Mapping[str, Any] | None = None


# Named tuples, not dataclasses: a rebuild makes one of each per event, and
# building a tuple costs a quarter of a frozen dataclass.
class Fact(NamedTuple):
    """One live entry of a record, corrections applied; ``evidence`` names its events."""

    sequence: int
    kind: str
    occurred_on: date
    data: Mapping[str, Any]
    institution_id: str | None = None
    imported: bool = False
    amended_by: tuple[int, ...] = ()

    @property
    def evidence(self) -> tuple[int, ...]:
        return (self.sequence, *self.amended_by)


@dataclass(frozen=True, slots=True)
class Characteristics:
    gender: str = "not_stated"
    fsm: bool = False
    send: bool = False
    pupil_premium: bool = False
    care_experienced: bool = False

    @classmethod
    def of(cls, raw: Mapping[str, Any] | None) -> Characteristics:
        raw = raw or {}
        return cls(
            gender=str(raw.get("gender", "not_stated")),
            fsm=bool(raw.get("fsm", False)),
            send=bool(raw.get("send", False)),
            pupil_premium=bool(raw.get("pupil_premium", False)),
            care_experienced=bool(raw.get("care_experienced", False)),
        )


@dataclass(frozen=True)
class StudentFacts:
    """Everything the rules may read about one student."""

    student_id: UUID
    date_of_birth: date | None = None
    characteristics: Characteristics = Characteristics()
    registration_evidence: tuple[int, ...] = ()
    withdrawn: bool = False  # the registration itself was retracted
    facts: tuple[Fact, ...] = ()
    _by_kind: dict[str, tuple[Fact, ...]] = field(default_factory=dict, compare=False, repr=False)

    def of_kind(self, *kinds: str) -> tuple[Fact, ...]:
        """Live facts of these kinds, in order of occurrence (then sequence)."""
        key = ",".join(kinds)
        found = self._by_kind.get(key)
        if found is None:
            found = tuple(
                sorted(
                    (f for f in self.facts if f.kind in kinds),
                    key=lambda f: (f.occurred_on, f.sequence),
                )
            )
            self._by_kind[key] = found
        return found

    def as_of(self, day: date) -> StudentFacts:
        """What had happened by ``day``: facts whose (corrected) date is on or before it."""
        return replace(
            self, facts=tuple(f for f in self.facts if f.occurred_on <= day), _by_kind={}
        )


def slim(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """A payload without its free text, plus the flags BM3 needs about that text."""
    dropped = DROPPED_FIELDS.get(kind)
    if dropped is None:
        return {}  # a kind added later keeps nothing until its free text is listed
    kept = dict(data)
    for name in dropped & kept.keys():
        del kept[name]
    if kind == "guidance_interview":
        if "advice_given" in data:
            kept["advice_recorded"] = bool(data["advice_given"])
        if "agreed_actions" in data:
            kept["decisions_recorded"] = bool(data["agreed_actions"])
    return kept


def is_fact(kind: str) -> bool:
    """Does an event of this kind become a fact of its own?"""
    return kind not in NOT_FOLDED and kind not in NOT_FACTS


def new_fact(event: LoggedEvent) -> Fact:
    kind = event.kind
    return Fact(
        event.sequence,
        kind,
        event.occurred_on,
        slim(kind, event.data),
        event.institution_id,
        event.provenance is not None,
    )


def corrected(fact: Fact, changes: Mapping[str, Any], sequence: int) -> Fact:
    """``fact`` with a correction's changed fields applied (its date too, if changed)."""
    fields = dict(changes)
    occurred_on = fields.pop("occurred_on", None)
    return fact._replace(
        occurred_on=_as_date(occurred_on) if occurred_on else fact.occurred_on,
        data=slim(fact.kind, {**fact.data, **fields}),
        amended_by=(*fact.amended_by, sequence),
    )


def registration_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """What the facts keep of a registration: no names, no identifiers."""
    return {
        "date_of_birth": data.get("date_of_birth"),
        "characteristics": dict(data.get("characteristics") or {}),
    }


def corrected_registration(
    registration: Mapping[str, Any], changes: Mapping[str, Any]
) -> dict[str, Any]:
    return registration_of({**registration, **changes})


def student_facts(
    student_id: UUID,
    registration: Mapping[str, Any],
    evidence: Iterable[int],
    withdrawn: bool,
    facts: Iterable[Fact],
) -> StudentFacts:
    dob = registration.get("date_of_birth")
    return StudentFacts(
        student_id=student_id,
        date_of_birth=_as_date(dob) if dob else None,
        characteristics=Characteristics.of(registration.get("characteristics")),
        registration_evidence=tuple(evidence),
        withdrawn=withdrawn,
        facts=tuple(sorted(facts, key=lambda f: f.sequence)),
    )


class FactsBuilder:
    """The incremental fold of one student's events into :class:`StudentFacts`."""

    def __init__(self, student_id: UUID) -> None:
        self.student_id = student_id
        self.registration: dict[str, Any] = {}
        self.registration_evidence: list[int] = []
        self.withdrawn = False
        self.live: dict[int, Fact] = {}

    def apply(self, event: LoggedEvent) -> None:
        kind = event.kind
        if kind == "registration":
            self.registration = registration_of(event.data)
            self.registration_evidence = [event.sequence]
        elif kind == "correction":
            target = int(event.data["amends_sequence"])
            changes = event.data["changes"]
            if target == REGISTRATION_SEQUENCE:
                self.registration = corrected_registration(self.registration, changes)
                self.registration_evidence.append(event.sequence)
            elif target in self.live:
                self.live[target] = corrected(self.live[target], changes, event.sequence)
        elif kind == "retraction":
            target = int(event.data["amends_sequence"])
            if target == REGISTRATION_SEQUENCE:
                self.withdrawn = True
            self.live.pop(target, None)
        elif is_fact(kind):
            self.live[event.sequence] = new_fact(event)

    def build(self) -> StudentFacts:
        return student_facts(
            self.student_id,
            self.registration,
            self.registration_evidence,
            self.withdrawn,
            self.live.values(),
        )


def fold(student_id: UUID, events: Iterable[LoggedEvent]) -> StudentFacts:
    """The facts of one student's events, in stream order."""
    builder = FactsBuilder(student_id)
    for event in events:
        builder.apply(event)
    return builder.build()


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
