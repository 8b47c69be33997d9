"""gatsby-2014, one pupil at a time: each benchmark part against its deadline.

Every story follows one pupil born 14 March 2011, so Year 7 is 2022/23,
Year 9 is 2024/25 (ends 31 August 2025), Year 11 is 2026/27 and Year 13 is
2028/29.  Sequence 1 is the registration and 2 the enrolment; entries count
on from 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from projections.rules import State, get_ruleset
from tests.factories import StudentStory, pupil
from tests.factories import entry as e

MET, ON_TRACK, AT_RISK, NOT_MET, NA = (
    State.MET,
    State.ON_TRACK,
    State.AT_RISK,
    State.NOT_MET,
    State.NOT_APPLICABLE,
)


@dataclass
class Case:
    name: str
    story: StudentStory
    as_of: str
    expect: dict[tuple[str, str], State] = field(default_factory=dict)


def check(ruleset: str, case: Case) -> None:
    attainment = get_ruleset(ruleset).evaluate(case.story.facts(), date.fromisoformat(case.as_of))
    found = {}
    for result in attainment.benchmarks:
        found[(result.benchmark, "overall")] = result.state
        for part in result.parts:
            found[(result.benchmark, part.part)] = part.state
    assert {key: found.get(key) for key in case.expect} == case.expect


LMI = "labour_market_information"
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
    # BM6: a workplace experience by 16, another by 18; part-time jobs do not count.
    Case(
        "BM6 a workplace visit meets the by-16 part",
        pupil(e("workplace_experience", "2025-06-02", kind="visit", end_on="2025-06-02", days="1")),
        "2025-07-01",
        {("BM6", "by_16"): MET, ("BM6", "by_18"): ON_TRACK},
    ),
    Case(
        "BM6 a part-time job is not workplace experience",
        pupil(e("workplace_experience", "2027-03-01", end_on="2027-03-05", part_time_job=True)),
        "2027-03-10",
        {("BM6", "by_16"): AT_RISK},
    ),
    Case(
        "BM6 a virtual experience does not count under 2014",
        pupil(
            e("workplace_experience", "2027-03-01", kind="virtual", end_on="2027-03-01", days="1")
        ),
        "2027-09-10",
        {("BM6", "by_16"): NOT_MET},
    ),
    Case(
        "BM6 a second experience meets the by-18 part",
        pupil(
            e("workplace_experience", "2026-07-01", end_on="2026-07-05"),
            e("workplace_experience", "2028-07-01", end_on="2028-07-05"),
        ),
        "2028-07-10",
        {("BM6", "by_16"): MET, ("BM6", "by_18"): MET, ("BM6", "overall"): MET},
    ),
    Case(
        "BM6 a Year 8 visit and a Year 10 placement leave by 18 on track before Year 12",
        pupil(
            e("workplace_experience", "2024-02-01", kind="visit", end_on="2024-02-01", days="1"),
            e("workplace_experience", "2026-03-02", end_on="2026-03-06"),
        ),
        "2026-06-01",
        {("BM6", "by_16"): MET, ("BM6", "by_18"): ON_TRACK},
    ),
    Case(
        "BM6 two experiences before Year 12 and none after leave by 18 not met",
        pupil(
            e("workplace_experience", "2024-02-01", kind="visit", end_on="2024-02-01", days="1"),
            e("workplace_experience", "2026-03-02", end_on="2026-03-06"),
        ),
        "2029-09-01",
        {("BM6", "by_16"): MET, ("BM6", "by_18"): NOT_MET},
    ),
    Case(
        "BM6 by 18 is not applicable once the pupil left after Year 11",
        pupil(
            e("workplace_experience", "2026-07-01", end_on="2026-07-05"), left=(11, "2027-07-20")
        ),
        "2027-09-10",
        {("BM6", "by_18"): NA, ("BM6", "overall"): MET},
    ),
    # BM7: the full range of providers by 16; two university visits by 18 if considering HE.
    Case(
        "BM7 met with every kind of provider, meeting staff and students",
        pupil(
            *(
                e("provider_encounter", "2026-10-01", provider_type=t)
                for t in ("sixth_form", "fe_college", "university", "apprenticeship_provider")
            )
        ),
        "2026-11-01",
        {("BM7", "by_16"): MET, ("BM7", "by_18"): NA},
    ),
    Case(
        "BM7 a missing university leaves the range short",
        pupil(
            *(
                e("provider_encounter", "2026-10-01", provider_type=t)
                for t in ("sixth_form", "fe_college", "apprenticeship_provider")
            )
        ),
        "2027-09-02",
        {("BM7", "by_16"): NOT_MET},
    ),
    Case(
        "BM7 an encounter that met no students does not count",
        pupil(
            *(
                e(
                    "provider_encounter",
                    "2026-10-01",
                    provider_type=t,
                    met_students=t != "university",
                )
                for t in ("sixth_form", "fe_college", "university", "apprenticeship_provider")
            )
        ),
        "2026-11-01",
        {("BM7", "by_16"): AT_RISK},
    ),
    Case(
        "BM7 two university visits by 18 for a pupil considering HE",
        pupil(
            e("higher_education_intent", "2027-10-01", considering=True),
            e(
                "provider_encounter",
                "2028-03-01",
                provider_type="university",
                higher_education_visit=True,
            ),
            e(
                "provider_encounter",
                "2028-06-01",
                provider_type="university",
                higher_education_visit=True,
            ),
        ),
        "2028-07-01",
        {("BM7", "by_18"): MET},
    ),
    Case(
        "BM7 one visit is not met after Year 13",
        pupil(
            e("higher_education_intent", "2027-10-01", considering=True),
            e(
                "provider_encounter",
                "2028-03-01",
                provider_type="university",
                higher_education_visit=True,
            ),
        ),
        "2029-09-01",
        {("BM7", "by_18"): NOT_MET},
    ),
    Case(
        "BM7 a corrected intent (not considering HE) makes the visits not applicable",
        pupil(
            e("higher_education_intent", "2027-10-01", considering=True),
            e(
                "correction",
                "2027-10-05",
                amends_sequence=3,
                changes={"considering": False},
                reason="mistake",
            ),
        ),
        "2029-09-01",
        {("BM7", "by_18"): NA},
    ),
    # BM8: a Level 6+ interview by 16, the opportunity of a further one by 18.
    Case(
        "BM8 a Year 11 pupil with an interview is on track overall",
        pupil(e("guidance_interview", "2026-11-12")),
        "2027-01-10",
        {("BM8", "by_16"): MET, ("BM8", "by_18"): ON_TRACK, ("BM8", "overall"): ON_TRACK},
    ),
    Case(
        "BM8 ... and met once they leave after Year 11",
        pupil(e("guidance_interview", "2026-11-12"), left=(11, "2027-07-20")),
        "2027-09-10",
        {("BM8", "by_18"): NA, ("BM8", "overall"): MET},
    ),
    Case(
        "BM8 an adviser below Level 6 does not count",
        pupil(e("guidance_interview", "2026-11-12", adviser_qualification_level=4)),
        "2027-09-01",
        {("BM8", "by_16"): NOT_MET},
    ),
    Case(
        "BM8 a group session is not a guidance interview",
        pupil(e("guidance_interview", "2026-11-12", format="group")),
        "2027-01-10",
        {("BM8", "by_16"): AT_RISK},
    ),
    Case(
        "BM8 a further interview offered and declined meets by 18",
        pupil(
            e("guidance_interview", "2026-11-12"),
            e(
                "guidance_interview_not_taken",
                "2028-01-10",
                outcome="declined",
                adviser_qualification_level=6,
            ),
        ),
        "2028-02-01",
        {("BM8", "by_18"): MET, ("BM8", "overall"): MET},
    ),
    Case(
        "BM8 a further interview offered by an adviser below Level 6 does not meet by 18",
        pupil(
            e("guidance_interview", "2026-11-12"),
            e(
                "guidance_interview_not_taken",
                "2028-01-10",
                outcome="declined",
                adviser_qualification_level=4,
            ),
        ),
        "2029-09-01",
        {("BM8", "by_18"): NOT_MET},
    ),
    Case(
        "BM8 a further interview offered with no adviser level recorded does not meet by 18",
        pupil(
            e("guidance_interview", "2026-11-12"),
            e(
                "guidance_interview_not_taken",
                "2028-01-10",
                outcome="did_not_attend",
                adviser_qualification_level=None,
            ),
        ),
        "2029-09-01",
        {("BM8", "by_18"): NOT_MET},
    ),
    Case(
        "BM8 interviews in Years 10 and 11 leave by 18 on track before Year 12",
        pupil(e("guidance_interview", "2025-11-12"), e("guidance_interview", "2026-11-12")),
        "2027-06-01",
        {("BM8", "by_16"): MET, ("BM8", "by_18"): ON_TRACK},
    ),
    Case(
        "BM8 an offer declined in Year 11 after the first interview is not a further one",
        pupil(
            e("guidance_interview", "2025-11-12"),
            e("guidance_interview_not_taken", "2026-11-12", outcome="declined"),
        ),
        "2029-09-01",
        {("BM8", "by_16"): MET, ("BM8", "by_18"): NOT_MET},
    ),
    Case(
        "BM8 an offer declined before the first interview is not a further one",
        pupil(
            e("guidance_interview_not_taken", "2026-10-01", outcome="did_not_attend"),
            e("guidance_interview", "2026-11-12"),
        ),
        "2029-09-01",
        {("BM8", "by_18"): NOT_MET},
    ),
    Case(
        "BM8 retracting the only interview puts by 16 back at risk",
        pupil(
            e("guidance_interview", "2026-11-12"),
            e("retraction", "2026-11-20", amends_sequence=3, reason="wrong pupil"),
        ),
        "2027-01-10",
        {("BM8", "by_16"): AT_RISK},
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
