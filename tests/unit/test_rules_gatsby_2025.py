"""gatsby-2025, one pupil at a time, and where it parts company with gatsby-2014.

Same pupil as the 2014 tests: born 14 March 2011, Year 7 in 2022/23, Year 9
ends 31 August 2025, Year 11 is 2026/27, Year 13 is 2028/29.
"""

from __future__ import annotations

from datetime import date

import pytest

from projections.rules import get_ruleset
from tests.factories import entry as e
from tests.factories import pupil
from tests.unit.rule_cases import AT_RISK, LMI, MET, NA, NOT_MET, ON_TRACK, Case, check

UNREFLECTED = {"reflection_recorded": False}


def days(on: str, end: str, n: str, kind: str = "placement") -> tuple[str, dict[str, object]]:
    return e("workplace_experience", on, kind=kind, end_on=end, days=n)


CASES = [
    # BM2: LMI in each key stage reached.
    Case(
        "BM2 one part per key stage reached: KS3 met, KS4 at risk in Year 10",
        pupil(e(LMI, "2023-03-01")),
        "2025-10-01",
        {("BM2", "ks3"): MET, ("BM2", "ks4"): ON_TRACK, ("BM2", "overall"): ON_TRACK},
    ),
    Case(
        "BM2 KS4 is at risk in Year 11 and KS5 has no part yet",
        pupil(e(LMI, "2023-03-01")),
        "2026-10-01",
        {("BM2", "ks4"): AT_RISK, ("BM2", "ks5"): None},
    ),
    Case(
        "BM2 KS3 not met once Year 9 is over without LMI",
        pupil(),
        "2025-09-01",
        {("BM2", "ks3"): NOT_MET},
    ),
    Case(
        "BM2 KS3 not applicable to a Year 10 joiner",
        pupil(e(LMI, "2025-10-01"), joined=10),
        "2025-10-02",
        {("BM2", "ks3"): NA, ("BM2", "ks4"): MET},
    ),
    # BM3: records integrated with earlier institutions'.
    Case(
        "BM3 one institution since Year 7: integration not applicable",
        pupil(),
        "2025-01-10",
        {("BM3", "records_integrated"): NA},
    ),
    Case(
        "BM3 a Year 10 arrival without an imported record is at risk that year",
        pupil(joined=10),
        "2026-01-10",
        {("BM3", "records_integrated"): AT_RISK},
    ),
    Case(
        "BM3 ... and not met the year after",
        pupil(joined=10),
        "2026-09-10",
        {("BM3", "records_integrated"): NOT_MET},
    ),
    Case(
        "BM3 an imported prior record integrates it",
        pupil(e("prior_record_import", "2025-09-06"), joined=10),
        "2026-09-10",
        {("BM3", "records_integrated"): MET},
    ),
    Case(
        "BM3 moving between two institutions on this ledger keeps one record",
        pupil(
            e(
                "enrolment",
                "2024-09-04",
                institution_id="100002",
                year_group=9,
                academic_year=2024,
            )
        ),
        "2025-01-10",
        {("BM3", "records_integrated"): MET},
    ),
    # BM4: curriculum learning every year, subjects reported.
    Case(
        "BM4 every year needs curriculum-linked learning",
        pupil(e("curriculum_learning", "2023-01-10", subject="History", stem=False)),
        "2023-09-10",
        {("BM4", "y7"): MET, ("BM4", "y8"): AT_RISK},
    ),
    # BM5: only meaningful encounters count.
    Case(
        "BM5 an encounter without reflection is not meaningful",
        pupil(e("employer_encounter", "2023-01-10", **UNREFLECTED)),
        "2023-09-10",
        {("BM5", "y7"): NOT_MET},
    ),
    Case(
        "BM5 a meaningful encounter meets the year",
        pupil(e("employer_encounter", "2023-01-10")),
        "2023-06-10",
        {("BM5", "y7"): MET},
    ),
    Case(
        "BM5 a correction recording the reflection makes it meaningful",
        pupil(
            e("employer_encounter", "2023-01-10", **UNREFLECTED),
            e(
                "correction",
                "2023-10-01",
                amends_sequence=3,
                changes={"reflection_recorded": True},
                reason="reflection found",
            ),
        ),
        "2023-10-02",
        {("BM5", "y7"): MET},
    ),
    # BM6: the statutory two weeks' worth, each half in its own window.
    Case(
        "BM6 five days of activities in Years 7-9 may be split",
        pupil(
            days("2023-06-01", "2023-06-03", "2.5", "visit"),
            days("2025-06-02", "2025-06-04", "2.5", "in_school"),
        ),
        "2025-07-01",
        {("BM6", "by_16_y7_9"): MET, ("BM6", "by_16_y10_11"): ON_TRACK},
    ),
    Case(
        "BM6 four and a half days are not enough once Year 9 is over",
        pupil(days("2023-06-01", "2023-06-05", "4.5", "visit")),
        "2025-09-01",
        {("BM6", "by_16_y7_9"): NOT_MET},
    ),
    Case(
        "BM6 five days of placement in Years 10-11, split over two employers",
        pupil(days("2026-07-01", "2026-07-03", "3"), days("2027-02-01", "2027-02-02", "2")),
        "2027-03-01",
        {("BM6", "by_16_y10_11"): MET},
    ),
    Case(
        "BM6 a visit in Year 10 is not placement",
        pupil(days("2026-07-01", "2026-07-05", "5", "visit")),
        "2027-03-01",
        {("BM6", "by_16_y10_11"): AT_RISK},
    ),
    Case(
        "BM6 a Year 10 joiner's Years 7-9 part is not applicable",
        pupil(joined=10),
        "2026-01-10",
        {("BM6", "by_16_y7_9"): NA, ("BM6", "by_16_y10_11"): ON_TRACK},
    ),
    Case(
        "BM6 one more experience in Years 12-13 meets by 18",
        pupil(days("2028-03-01", "2028-03-01", "1", "shadowing")),
        "2028-04-01",
        {("BM6", "by_18"): MET},
    ),
    # BM7: the 2025 provider vocabulary.
    Case(
        "BM7 independent training provider and HE provider complete the range",
        pupil(
            *(
                e("provider_encounter", "2026-10-01", provider_type=t)
                for t in (
                    "sixth_form",
                    "fe_college",
                    "higher_education",
                    "independent_training_provider",
                )
            )
        ),
        "2026-11-01",
        {("BM7", "by_16"): MET},
    ),
    # BM8: the further meeting must be held.
    Case(
        "BM8 a declined further meeting does not meet by 18 under 2025",
        pupil(
            e("guidance_interview", "2026-11-12"),
            e("guidance_interview_not_taken", "2028-01-10", outcome="declined"),
        ),
        "2028-10-01",
        {("BM8", "by_18"): AT_RISK},
    ),
    Case(
        "BM8 meetings in Years 10 and 11 leave by 18 on track before Year 12",
        pupil(e("guidance_interview", "2025-11-12"), e("guidance_interview", "2026-11-12")),
        "2027-06-01",
        {("BM8", "by_16"): MET, ("BM8", "by_18"): ON_TRACK},
    ),
    Case(
        "BM8 meetings in Years 10 and 11 and none after leave by 18 not met",
        pupil(e("guidance_interview", "2025-11-12"), e("guidance_interview", "2026-11-12")),
        "2029-09-01",
        {("BM8", "by_16"): MET, ("BM8", "by_18"): NOT_MET},
    ),
    Case(
        "BM8 a group session is not a personal guidance meeting",
        pupil(e("guidance_interview", "2026-11-12", format="group")),
        "2027-09-01",
        {("BM8", "by_16"): NOT_MET},
    ),
    Case(
        "BM8 meetings with an adviser below Level 6 do not count under 2025",
        pupil(
            e("guidance_interview", "2026-11-12", adviser_qualification_level=4),
            e("guidance_interview", "2028-01-12", adviser_qualification_level=4),
        ),
        "2029-09-01",
        {("BM8", "by_16"): NOT_MET, ("BM8", "by_18"): NOT_MET},
    ),
    Case(
        "BM8 a further meeting with an adviser below Level 6 does not meet by 18 under 2025",
        pupil(
            e("guidance_interview", "2026-11-12"),
            e("guidance_interview", "2028-01-12", adviser_qualification_level=5),
        ),
        "2029-09-01",
        {("BM8", "by_16"): MET, ("BM8", "by_18"): NOT_MET},
    ),
    Case(
        "BM8 two Level 6+ meetings, the second in Year 12, meet both parts under 2025",
        pupil(
            e("guidance_interview", "2026-11-12", adviser_qualification_level=6),
            e("guidance_interview", "2028-01-12", adviser_qualification_level=7),
        ),
        "2028-02-01",
        {("BM8", "by_16"): MET, ("BM8", "by_18"): MET, ("BM8", "overall"): MET},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_gatsby_2025_part_states(case: Case) -> None:
    check("gatsby-2025", case)


def test_the_same_record_can_meet_a_benchmark_under_2014_and_miss_it_under_2025() -> None:
    story = pupil(
        e("employer_encounter", "2023-01-10", **UNREFLECTED),
        e("guidance_interview", "2026-11-12"),
        e(
            "guidance_interview_not_taken",
            "2028-01-10",
            outcome="declined",
            adviser_qualification_level=6,
        ),
    )
    as_of = date(2029, 9, 1)
    old = get_ruleset("gatsby-2014").evaluate(story.facts(), as_of)
    new = get_ruleset("gatsby-2025").evaluate(story.facts(), as_of)
    assert (old.ruleset, new.ruleset) == ("gatsby-2014", "gatsby-2025")
    assert old.benchmark("BM5").parts[0].state is MET
    assert new.benchmark("BM5").parts[0].state is NOT_MET
    assert old.benchmark("BM8").state is MET
    assert new.benchmark("BM8").state is NOT_MET


def test_curriculum_learning_parts_report_the_subjects_covered() -> None:
    story = pupil(
        e("curriculum_learning", "2023-01-10", subject="Physics"),
        e("curriculum_learning", "2023-02-10", subject="History", stem=False),
    )
    result = get_ruleset("gatsby-2025").evaluate(story.facts(), date(2023, 6, 1))
    assert result.benchmark("BM4").parts[0].detail == "History, Physics"


def test_an_unknown_rule_set_is_refused_naming_the_field() -> None:
    from ledger.domain.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        get_ruleset("gatsby-2030")
    assert refused.value.problems[0].field == "ruleset"
