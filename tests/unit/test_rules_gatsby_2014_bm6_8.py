"""gatsby-2014, one pupil at a time: BM6-BM8 parts against their deadlines.

The pupil and the sequence numbering are those of ``tests/unit/rule_cases.py``.
"""

from __future__ import annotations

import pytest

from tests.factories import entry as e
from tests.factories import pupil
from tests.unit.rule_cases import AT_RISK, MET, NA, NOT_MET, ON_TRACK, Case, check

CASES = [
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
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_gatsby_2014_bm6_to_bm8_part_states(case: Case) -> None:
    check("gatsby-2014", case)
