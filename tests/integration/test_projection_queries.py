"""The queries the API, pages and CLI call, told as a school's year on both backends.

The simulated clock starts on 10 January 2025; the pupils (born 14 March
2011) are in Year 9 in 2024/25.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from api.bootstrap import Ledger
from ledger.domain.clock import SimulatedClock
from ledger.domain.errors import StudentNotFound, ValidationFailed
from projections.rules import RuleSet, State, forget_ruleset, register_ruleset
from projections.rules.base import BenchmarkRule, PartResult, evidence_of, judge
from projections.rules.standing import Standing
from projections.views import queries
from tests import factories


def enrolled(ledger: Ledger, **characteristics: object) -> object:
    service = ledger.service
    student = service.register_student(
        factories.registration(characteristics={"gender": "female", **characteristics})
    ).student_id
    service.record(student, "enrolment", factories.enrolment())
    return student


def test_what_had_happened_and_what_the_ledger_knew_are_different_questions(
    ledger: Ledger, clock: SimulatedClock
) -> None:
    student = enrolled(ledger)
    clock.set(datetime(2025, 3, 3, 16, tzinfo=UTC))
    # The careers talk on 10 February was written up on 3 March.
    ledger.service.record(
        student, "employer_encounter", factories.employer_encounter(occurred_on="2025-02-10")
    )
    read = ledger.projections

    def year_9(**when: date) -> State:
        found = queries.student_attainment(read, student, ruleset="gatsby-2014", **when)
        return found.benchmarks[3].parts[-1].state  # BM5, Year 9

    assert year_9(as_of=date(2025, 2, 9)) is State.AT_RISK
    assert year_9(as_of=date(2025, 2, 10)) is State.MET
    assert year_9(known_at=date(2025, 3, 2), as_of=date(2025, 3, 2)) is State.AT_RISK
    assert year_9(known_at=date(2025, 3, 3)) is State.MET


def test_the_live_facts_as_of_a_day_equal_a_replay_of_the_log(ledger: Ledger) -> None:
    student = enrolled(ledger)
    ledger.service.record(student, "employer_encounter", factories.employer_encounter())
    interview = ledger.service.record(student, "guidance_interview", factories.guidance_interview())
    ledger.service.correct(student, interview.sequence, {"occurred_on": "2024-12-02"}, "date")
    read = ledger.projections
    for as_of in (date(2024, 10, 1), date(2024, 12, 1), date(2025, 1, 10)):
        live = queries.cohort_report(read, as_of=as_of, institution_id="100001")
        replayed = queries.cohort_report(
            read, as_of=as_of, known_at=date(2025, 1, 10), institution_id="100001"
        )
        assert (live.students, live.benchmarks) == (replayed.students, replayed.benchmarks)


def test_a_timeline_shows_advice_across_institutions_with_corrections_and_provenance(
    ledger: Ledger,
) -> None:
    student = enrolled(ledger)
    service = ledger.service
    service.record(
        student,
        "guidance_interview",
        factories.guidance_interview(occurred_on="2024-03-01", advice_given="Consider FE."),
        provenance={"institution_id": "100002", "bundle_digest": "0" * 64},
    )
    kept = service.record(student, "guidance_interview", factories.guidance_interview())
    dropped = service.record(
        student, "intended_destination", factories.PAYLOADS["intended_destination"]()
    )
    service.correct(student, kept.sequence, {"advice_given": "Apply for the T Level."}, "typo")
    service.retract(student, dropped.sequence, "wrong pupil")

    record = queries.timeline(ledger.projections, student)
    assert [(e.sequence, e.origin) for e in record.entries] == [
        (3, "imported"),
        (2, "native"),
        (4, "native"),
    ]
    assert record.entries[0].imported_from == "100002"
    assert record.entries[2].details["advice_given"] == "Apply for the T Level."
    assert record.entries[2].corrected_by == (6,)
    assert record.hidden == 1
    assert record.institutions[:2] == ("100002", "100001")
    shown = queries.timeline(ledger.projections, student, include_retracted=True)
    assert [e.retracted_by for e in shown.entries if e.sequence == 5] == [7]


def test_a_cohort_report_splits_by_characteristic_with_the_gap(ledger: Ledger) -> None:
    for fsm in (True, False, False):
        student = enrolled(ledger, fsm=fsm)
        if not fsm:
            ledger.service.record(
                student,
                "labour_market_information",
                factories.PAYLOADS["labour_market_information"](),
            )
    report = queries.cohort_report(
        ledger.projections, ruleset="gatsby-2014", institution_id="100001", year_group=9
    )
    assert (report.students, report.academic_year, report.ruleset) == (3, 2024, "gatsby-2014")
    bm2 = report.benchmarks[0]
    assert bm2.benchmark == "BM2"
    assert (bm2.overall.met, bm2.overall.at_risk) == (2, 1)
    fsm = {g.group: g for g in bm2.groups if g.characteristic == "fsm"}
    assert (fsm["yes"].students, fsm["yes"].rate, fsm["yes"].gap_pp) == (1, 0.0, -100.0)
    assert fsm["no"].gap_pp == 100.0
    assert [p.part for p in report.benchmarks[3].parts] == ["y7", "y8", "y9"]


def test_a_cohort_is_the_roll_of_that_year_and_year_group(ledger: Ledger) -> None:
    enrolled(ledger)
    other = ledger.service.register_student(factories.registration()).student_id
    ledger.service.record(other, "enrolment", factories.enrolment(institution_id="100002"))
    read = ledger.projections
    assert queries.cohort_report(read, institution_id="100001").students == 1
    assert queries.cohort_report(read).students == 2
    assert queries.cohort_report(read, institution_id="100001", year_group=10).students == 0
    assert queries.cohort_report(read, institution_id="100001", academic_year=2023).students == 0


def test_provider_access_compliance_per_student_and_cohort(ledger: Ledger) -> None:
    complete = enrolled(ledger)
    for day in ("2023-11-01", "2024-10-01"):
        ledger.service.record(
            complete, "provider_encounter", factories.provider_encounter(occurred_on=day)
        )
    short = enrolled(ledger)
    read = ledger.projections
    assert queries.student_provider_access(read, complete).compliant
    # 10 January 2025: the Years 8-9 window is still open until 28 February.
    assert queries.student_provider_access(read, short).result.parts[0].state is State.AT_RISK
    late = queries.provider_access_report(read, institution_id="100001", as_of=date(2025, 3, 1))
    assert (late.students, late.compliant) == (2, 1)


def test_destinations_are_reported_per_leaver_cohort(ledger: Ledger, clock: SimulatedClock) -> None:
    clock.set(datetime(2028, 9, 1, 12, tzinfo=UTC))
    for code in ("230", "619"):
        student = enrolled(ledger, fsm=code == "619")
        ledger.service.record(student, "leaving", factories.leaving(occurred_on="2027-07-20"))
        ledger.service.record(
            student,
            "destination",
            factories.destination(occurred_on="2027-12-01", start_on="2027-09-05", nccis_code=code),
        )
    report = queries.destinations_report(ledger.projections, institution_id="100001", stage="ks4")
    (cohort,) = report.cohorts
    year_1 = cohort.years[0]
    assert (cohort.leaving_year, cohort.students) == (2026, 2)
    assert (year_1.sustained, year_1.not_sustained, year_1.neet_rate) == (1, 1, 0.5)
    with pytest.raises(ValidationFailed, match="stage"):
        queries.destinations_report(ledger.projections, stage="ks3")


def test_a_new_rule_set_works_without_touching_the_engine(ledger: Ledger) -> None:
    def two_encounters_a_year(standing: Standing) -> tuple[PartResult, ...]:
        encounters = standing.facts.of_kind("employer_encounter")
        found = evidence_of(encounters)
        enough = found if len(encounters) >= 2 else None
        return (judge(standing, "y9", deadline_year_group=9, satisfied=enough, evidence=found),)

    college = RuleSet(
        "test-college",
        "College thresholds",
        (BenchmarkRule("BM5", "Employers", two_encounters_a_year),),
    )
    register_ruleset(college)
    try:
        student = enrolled(ledger)
        ledger.service.record(student, "employer_encounter", factories.employer_encounter())
        report = queries.cohort_report(ledger.projections, ruleset="test-college")
        assert report.benchmarks[0].overall.at_risk == 1
        found = queries.student_attainment(ledger.projections, student, ruleset="test-college")
        assert found.ruleset == "test-college"
    finally:
        forget_ruleset("test-college")


def test_an_unknown_student_is_not_found(ledger: Ledger) -> None:
    import uuid

    with pytest.raises(StudentNotFound):
        queries.student_attainment(ledger.projections, uuid.uuid4())
    with pytest.raises(StudentNotFound):
        queries.timeline(ledger.projections, uuid.uuid4())
