"""gatsby-2014, one pupil at a time: BM2-BM5 and BM3 parts against their deadlines.

BM6-BM8 are in ``test_rules_gatsby_2014_bm6_8.py``.

Every story follows one pupil born 14 March 2011, so Year 7 is 2022/23,
Year 9 is 2024/25 (ends 31 August 2025), Year 11 is 2026/27 and Year 13 is
2028/29.  Sequence 1 is the registration and 2 the enrolment; entries count
on from 3.
"""

from __future__ import annotations

from datetime import date

import pytest

from projections.rules import get_ruleset
from tests.factories import entry as e
from tests.factories import pupil
from tests.unit.rule_cases import AT_RISK, LMI, MET, NA, NOT_MET, ON_TRACK, Case, check

CASES = [
    # BM2: LMI by the end of Year 9, with the 31 August / 1 September boundaries.
    Case(
        "BM2 met by LMI in Year 8",
        pupil(e(LMI, "2024-02-01")),
        "2024-06-01",
        {("BM2", "by_14"): MET},
    ),
    Case(
        "BM2 on track on 31 August before Year 9",
        pupil(),
        "2024-08-31",
        {("BM2", "by_14"): ON_TRACK},
    ),
    Case(
        "BM2 at risk from 1 September of Year 9", pupil(), "2024-09-01", {("BM2", "by_14"): AT_RISK}
    ),
    Case(
        "BM2 still at risk on the last day of Year 9",
        pupil(),
        "2025-08-31",
        {("BM2", "by_14"): AT_RISK},
    ),
    Case(
        "BM2 not met from 1 September of Year 10",
        pupil(),
        "2025-09-01",
        {("BM2", "by_14"): NOT_MET},
    ),
    Case(
        "BM2 LMI on the last day of Year 9 counts",
        pupil(e(LMI, "2025-08-31")),
        "2025-09-02",
        {("BM2", "by_14"): MET},
    ),
    Case(
        "BM2 LMI on the first day of Year 10 is too late",
        pupil(e(LMI, "2025-09-01")),
        "2025-09-02",
        {("BM2", "by_14"): NOT_MET},
    ),
    Case(
        "BM2 not applicable to a pupil who joined in Year 10",
        pupil(joined=10),
        "2026-01-10",
        {("BM2", "by_14"): NA, ("BM2", "overall"): NA},
    ),
    Case(
        "BM2 a late joiner's imported LMI from Year 8 still counts",
        pupil(e(LMI, "2024-01-10", provenance={"origin": "100002"}), joined=10),
        "2026-01-10",
        {("BM2", "by_14"): MET},
    ),
    Case(
        "BM2 not applicable to a pupil who left in Year 8",
        pupil(left=(8, "2024-02-01")),
        "2025-10-01",
        {("BM2", "by_14"): NA},
    ),
    Case(
        "BM2 a retracted LMI entry no longer counts",
        pupil(
            e(LMI, "2024-02-01"),
            e("retraction", "2024-03-01", amends_sequence=3, reason="wrong pupil"),
        ),
        "2024-10-01",
        {("BM2", "by_14"): AT_RISK},
    ),
    Case(
        "BM2 a correction moving LMI back into Year 9 meets it",
        pupil(
            e(LMI, "2025-10-01"),
            e(
                "correction",
                "2025-10-02",
                amends_sequence=3,
                changes={"occurred_on": "2025-06-01"},
                reason="date",
            ),
        ),
        "2025-10-03",
        {("BM2", "by_14"): MET},
    ),
    # BM4: STEM curriculum learning by the end of Year 9.
    Case(
        "BM4 met by physics careers learning in Year 8",
        pupil(e("curriculum_learning", "2024-03-01")),
        "2024-06-01",
        {("BM4", "by_14"): MET},
    ),
    Case(
        "BM4 not met with only non-STEM learning after Year 9",
        pupil(e("curriculum_learning", "2024-03-01", subject="History", stem=False)),
        "2025-09-10",
        {("BM4", "by_14"): NOT_MET},
    ),
    Case(
        "BM4 a correction marking the subject STEM meets it",
        pupil(
            e("curriculum_learning", "2024-03-01", subject="Design", stem=False),
            e(
                "correction",
                "2025-10-01",
                amends_sequence=3,
                changes={"stem": True},
                reason="DT is STEM",
            ),
        ),
        "2025-10-02",
        {("BM4", "by_14"): MET},
    ),
    # BM5: an employer encounter every year from Year 7.
    Case(
        "BM5 each year's part met by that year's encounter",
        pupil(e("employer_encounter", "2023-08-31"), e("employer_encounter", "2023-09-01")),
        "2024-01-10",
        {("BM5", "y7"): MET, ("BM5", "y8"): MET, ("BM5", "overall"): MET},
    ),
    Case(
        "BM5 the current year is at risk until it has an encounter",
        pupil(e("employer_encounter", "2023-01-10"), e("employer_encounter", "2024-01-10")),
        "2024-09-05",
        {
            ("BM5", "y7"): MET,
            ("BM5", "y8"): MET,
            ("BM5", "y9"): AT_RISK,
            ("BM5", "overall"): AT_RISK,
        },
    ),
    Case(
        "BM5 a year without an encounter is not met once it is over",
        pupil(e("employer_encounter", "2023-01-10")),
        "2024-09-05",
        {("BM5", "y8"): NOT_MET, ("BM5", "overall"): NOT_MET},
    ),
    Case(
        "BM5 years before a Year 9 joiner's enrolment are not applicable",
        pupil(e("employer_encounter", "2024-10-10"), joined=9),
        "2025-01-10",
        {("BM5", "y7"): NA, ("BM5", "y8"): NA, ("BM5", "y9"): MET, ("BM5", "overall"): MET},
    ),
    Case(
        "BM5 an imported encounter keeps a year before enrolment in play",
        pupil(e("employer_encounter", "2023-01-10", provenance={"origin": "100002"}), joined=9),
        "2025-01-10",
        {("BM5", "y7"): MET, ("BM5", "y8"): NA},
    ),
    Case(
        "BM5 has no parts for years after an early leaver left",
        pupil(e("employer_encounter", "2023-01-10"), left=(7, "2023-07-20")),
        "2025-01-10",
        {("BM5", "y7"): MET, ("BM5", "overall"): MET},
    ),
    # BM3: advice and decisions recorded; leavers' destinations for three years.
    Case(
        "BM3 interviews with agreed decisions are systematic records",
        pupil(e("guidance_interview", "2026-11-12")),
        "2027-01-10",
        {("BM3", "advice_recorded"): MET, ("BM3", "overall"): MET},
    ),
    Case(
        "BM3 no interviews yet: nothing to record",
        pupil(),
        "2027-01-10",
        {("BM3", "advice_recorded"): NA, ("BM3", "overall"): NA},
    ),
    Case(
        "BM3 an interview without agreed decisions is at risk this year",
        pupil(e("guidance_interview", "2026-11-12", agreed_actions=[])),
        "2027-01-10",
        {("BM3", "advice_recorded"): AT_RISK},
    ),
    Case(
        "BM3 ... and not met once that year is over",
        pupil(e("guidance_interview", "2026-11-12", agreed_actions=[])),
        "2027-09-01",
        {("BM3", "advice_recorded"): NOT_MET},
    ),
    Case(
        "BM3 a correction recording the decisions closes the gap",
        pupil(
            e("guidance_interview", "2026-11-12", agreed_actions=[]),
            e(
                "correction",
                "2027-10-01",
                amends_sequence=3,
                changes={"agreed_actions": ["Apply to college"]},
                reason="added",
            ),
        ),
        "2027-10-02",
        {("BM3", "advice_recorded"): MET},
    ),
    Case(
        "BM3 a leaver's destinations: year 1 recorded, year 2 due, year 3 ahead",
        pupil(e("destination", "2027-12-01", start_on="2027-09-05"), left=(11, "2027-07-20")),
        "2028-10-01",
        {
            ("BM3", "destinations_y1"): MET,
            ("BM3", "destinations_y2"): AT_RISK,
            ("BM3", "destinations_y3"): ON_TRACK,
        },
    ),
    Case(
        "BM3 an unknown destination is not a recorded one",
        pupil(
            e("destination", "2027-12-01", start_on="2027-12-01", nccis_code="810"),
            left=(11, "2027-07-20"),
        ),
        "2028-09-01",
        {("BM3", "destinations_y1"): NOT_MET},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_gatsby_2014_part_states(case: Case) -> None:
    check("gatsby-2014", case)


def test_every_result_names_the_rule_set_and_the_evidence_sequences() -> None:
    story = pupil(e(LMI, "2024-02-01"), e("employer_encounter", "2023-01-10"))
    attainment = get_ruleset("gatsby-2014").evaluate(story.facts(), date(2024, 6, 1))
    assert attainment.ruleset == "gatsby-2014"
    assert attainment.student_id == story.student_id
    assert attainment.benchmark("BM2").evidence == (3,)
    assert attainment.benchmark("BM5").parts[0].evidence == (4,)


def test_a_corrected_entry_is_evidence_together_with_its_correction() -> None:
    story = pupil(
        e(LMI, "2025-10-01"),
        e(
            "correction",
            "2025-10-02",
            amends_sequence=3,
            changes={"occurred_on": "2025-06-01"},
            reason="date",
        ),
    )
    attainment = get_ruleset("gatsby-2014").evaluate(story.facts(), date(2025, 10, 3))
    assert attainment.benchmark("BM2").evidence == (3, 4)
