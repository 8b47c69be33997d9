"""One rule cuts "known at" days for every reader: the record page's list, advice and benchmarks.

An inspector asks what the ledger knew on a school day.  The day is the English
calendar day, so in British Summer Time an entry recorded at 23:30 UTC was recorded
at 00:30 the next morning in England.  Every part of the record page must say the same.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from api.bootstrap import Ledger
from api.pages.record import read_record
from ledger.domain.access import Actor
from ledger.domain.clock import SimulatedClock
from ledger.domain.vocabulary import Role
from tests import factories

SCHOOL = "100001"
ADVISER = Actor("adviser-1", Role.ADVISER, SCHOOL)
JULY_NIGHT = datetime(2025, 7, 10, 23, 30, tzinfo=UTC)  # 00:30 on 11 July in England (BST)


def shown_sequences(ledger: Ledger, student: object, known_at: date) -> dict[str, set[int]]:
    view = read_record(ledger, student, ADVISER, known_at=known_at)  # type: ignore[arg-type]
    assert view.attainment is not None
    return {
        "list": {s.entry.sequence for s in view.entries},
        "advice": {a.sequence for a in view.advice},
        "benchmarks": {e for b in view.attainment.benchmarks for e in b.evidence},
    }


def test_an_interview_recorded_at_half_past_eleven_utc_in_july_is_known_from_the_next_english_day(
    ledger: Ledger, clock: SimulatedClock
) -> None:
    clock.set(datetime(2025, 7, 1, 9, 0, tzinfo=UTC))
    student = ledger.service.register_student(factories.registration(), actor=ADVISER).student_id
    ledger.service.record(student, "enrolment", factories.enrolment(year_group=11), actor=ADVISER)
    clock.set(JULY_NIGHT)
    interview = ledger.service.record(
        student,
        "guidance_interview",
        factories.guidance_interview(occurred_on="2025-07-10"),
        actor=ADVISER,
    ).sequence

    on_the_tenth = shown_sequences(ledger, student, date(2025, 7, 10))
    assert interview not in on_the_tenth["list"]
    assert interview not in on_the_tenth["advice"]
    assert interview not in on_the_tenth["benchmarks"]

    on_the_eleventh = shown_sequences(ledger, student, date(2025, 7, 11))
    assert interview in on_the_eleventh["list"]
    assert interview in on_the_eleventh["advice"]
    assert interview in on_the_eleventh["benchmarks"]
