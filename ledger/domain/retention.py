"""When a student's record is due for erasure (docs/privacy.md, "Retention").

Two statutory-guidance minimums apply, and the later one wins:

* the pupil record is kept until the student's 25th birthday (the IRMS
  schools schedule: date of birth + 25 years); a 29 February birthday falls
  on 1 March in other years (the later date, as English law counts age);
* a leaver's destinations are kept for at least 3 years after they left
  (Gatsby Benchmark 3 and the DfE destination measures), counted from the
  latest leaving date still in the record.

A student still enrolled somewhere is never due, whatever their age (adult
learners at colleges).  A legal hold blocks erasure: such students are
skipped and reported, never erased.  Pure functions over facts gathered from
the student's events; corrections and retractions are applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from ledger.domain.events import is_erased_placeholder

RECORD_YEARS = 25
DESTINATION_YEARS = 3


class RetentionReason(StrEnum):
    """Why a record is (or is not) erased today; ids and these codes are all a report shows."""

    RECORD_PERIOD_ENDED = "record_period_ended"  # date of birth + 25 years
    DESTINATION_PERIOD_ENDED = "destination_period_ended"  # left + 3 years, the later date
    LEGAL_HOLD = "legal_hold"
    STILL_ENROLLED = "still_enrolled"


@dataclass(frozen=True)
class RetentionPolicy:
    record_years: int = RECORD_YEARS
    destination_years: int = DESTINATION_YEARS


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return date(day.year + years, 3, 1)


@dataclass
class RetentionFacts:
    """What retention needs from one stream, folded from its events in order."""

    student_id: UUID
    date_of_birth: date | None = None
    enrolments: dict[int, tuple[date, str]] = field(default_factory=dict)
    leavings: dict[int, tuple[date, str]] = field(default_factory=dict)
    legal_hold: bool = False
    erased: bool = False

    def apply(self, event: Any) -> None:
        kind = getattr(event, "KIND", "")
        if kind == "erasure":
            self.erased = True
        if is_erased_placeholder(event) or self.erased:
            return
        data = event.data
        sequence = event.originator_version
        if kind == "registration":
            self.date_of_birth = date.fromisoformat(data["date_of_birth"])
        elif kind == "enrolment":
            self.enrolments[sequence] = (event.occurred_on, data["institution_id"])
        elif kind == "leaving":
            self.leavings[sequence] = (event.occurred_on, data["institution_id"])
        elif kind == "legal_hold_placed":
            self.legal_hold = True
        elif kind == "legal_hold_lifted":
            self.legal_hold = False
        elif kind == "retraction":
            self.enrolments.pop(data["amends_sequence"], None)
            self.leavings.pop(data["amends_sequence"], None)
        elif kind == "correction":
            self._correct(int(data["amends_sequence"]), data["changes"])

    def _correct(self, target: int, changes: dict[str, Any]) -> None:
        if target == 1 and "date_of_birth" in changes:
            self.date_of_birth = date.fromisoformat(changes["date_of_birth"])
        for entries in (self.enrolments, self.leavings):
            if target in entries:
                on, institution = entries[target]
                if "occurred_on" in changes:
                    on = date.fromisoformat(changes["occurred_on"])
                entries[target] = (on, changes.get("institution_id", institution))

    @property
    def enrolled(self) -> bool:
        """Enrolled somewhere now: replay enrolments and leavings in date order."""
        moves = [(on, seq, "in", inst) for seq, (on, inst) in self.enrolments.items()]
        moves += [(on, seq, "out", inst) for seq, (on, inst) in self.leavings.items()]
        current: set[str] = set()
        for _, _, direction, institution in sorted(moves):
            if direction == "in":
                current.add(institution)
            else:
                current.discard(institution)
        return bool(current)

    @property
    def left_on(self) -> date | None:
        return max((on for on, _ in self.leavings.values()), default=None)


@dataclass(frozen=True)
class RetentionDecision:
    student_id: UUID
    due: bool
    reason: RetentionReason | None
    due_on: date | None


def due_on(facts: RetentionFacts, policy: RetentionPolicy) -> tuple[date, RetentionReason] | None:
    """The day the record may be erased, and which rule set it; None without a birth date."""
    if facts.date_of_birth is None:
        return None
    candidates = [
        (add_years(facts.date_of_birth, policy.record_years), RetentionReason.RECORD_PERIOD_ENDED)
    ]
    if facts.left_on is not None:
        candidates.append(
            (
                add_years(facts.left_on, policy.destination_years),
                RetentionReason.DESTINATION_PERIOD_ENDED,
            )
        )
    return max(candidates)


def decide(facts: RetentionFacts, today: date, policy: RetentionPolicy) -> RetentionDecision:
    """Is this student's record due today?  Held and enrolled records never are."""
    found = due_on(facts, policy)
    if facts.erased or found is None or found[0] > today:
        return RetentionDecision(facts.student_id, False, None, found[0] if found else None)
    if facts.enrolled:
        return RetentionDecision(facts.student_id, False, RetentionReason.STILL_ENROLLED, found[0])
    if facts.legal_hold:
        return RetentionDecision(facts.student_id, False, RetentionReason.LEGAL_HOLD, found[0])
    return RetentionDecision(facts.student_id, True, found[1], found[0])
