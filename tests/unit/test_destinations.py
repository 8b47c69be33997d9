"""Destinations the DfE way: each route to "sustained", and how each falls short.

The pupil (born 14 March 2011) finishes Year 11 in July 2027.  Destination
year 1 is 2027/28: October 2027 - March 2028 for education and employment,
August 2027 - July 2028 for an apprenticeship.
"""

from __future__ import annotations

from datetime import date

import pytest

from projections.rules.destinations import Sustained, leaver_destinations
from tests.factories import StudentStory, pupil
from tests.factories import entry as e

LEFT = (11, "2027-07-20")
AFTER_YEAR_1 = "2028-08-01"


def activity(code: str, start: str, end: str | None = None, on: str = "2027-12-01") -> tuple:
    fields = {"nccis_code": code, "start_on": start, "end_on": end}
    return e("destination", on, **fields)


def year_1(story: StudentStory, as_of: str = AFTER_YEAR_1) -> tuple[Sustained, str]:
    found = leaver_destinations(story.facts(), "ks4", date.fromisoformat(as_of))
    assert found is not None
    return found.years[0].state, found.years[0].rule


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([activity("230", "2027-09-05")], (Sustained.SUSTAINED, "education")),
        ([activity("230", "2027-09-05", "2028-02-15")], (Sustained.NOT_SUSTAINED, "")),
        ([activity("330", "2027-11-01")], (Sustained.SUSTAINED, "employment")),
        ([activity("330", "2027-12-01")], (Sustained.NOT_SUSTAINED, "")),
        (
            [activity("230", "2027-09-05", "2027-12-20"), activity("330", "2028-01-05")],
            (Sustained.SUSTAINED, "combination"),
        ),
        (
            [activity("230", "2027-09-05", "2027-11-20"), activity("330", "2028-01-05")],
            (Sustained.NOT_SUSTAINED, ""),
        ),
        ([activity("310", "2028-02-01")], (Sustained.SUSTAINED, "apprenticeship")),
        ([activity("310", "2028-03-01")], (Sustained.NOT_SUSTAINED, "")),
        (
            [
                activity("310", "2028-02-01", "2028-04-30"),
                activity("310", "2028-05-01", on="2028-05-10"),
            ],
            (Sustained.SUSTAINED, "apprenticeship"),
        ),
        ([activity("619", "2027-09-05")], (Sustained.NOT_SUSTAINED, "")),
        ([activity("810", "2027-09-05")], (Sustained.NOT_CAPTURED, "")),
        ([], (Sustained.NOT_CAPTURED, "")),
    ],
    ids=[
        "education all of October to March",
        "education that stopped in February",
        "employment for five of the six months",
        "employment for only four months",
        "education then employment covering all six months",
        "a mix with a month of nothing in between",
        "an apprenticeship of six continuous months within August-July",
        "an apprenticeship of only five months",
        "an apprenticeship carried on with a second employer",
        "NEET is captured but not sustained",
        "an unknown activity is not a captured one",
        "no record at all",
    ],
)
def test_sustained_routes_and_their_failures(
    entries: list[tuple], expected: tuple[Sustained, str]
) -> None:
    assert year_1(pupil(*entries, left=LEFT)) == expected


def test_an_unfinished_year_is_pending_until_it_is_sustained() -> None:
    dropped_out = pupil(activity("230", "2027-09-05", "2028-02-15"), left=LEFT)
    assert year_1(dropped_out, "2028-05-01") == (Sustained.PENDING, "")
    at_college = pupil(activity("230", "2027-09-05"), left=LEFT)
    assert year_1(at_college, "2028-04-01") == (Sustained.SUSTAINED, "education")


def test_an_open_ended_activity_counts_only_up_to_the_day_asked_about() -> None:
    story = pupil(activity("330", "2027-11-01", on="2027-11-02"), left=LEFT)
    assert year_1(story, "2028-02-10") == (Sustained.PENDING, "")


def test_a_pupil_who_stays_on_in_the_sixth_form_is_in_education() -> None:
    story = pupil(e("enrolment", "2027-09-04", year_group=12, academic_year=2027))
    found = leaver_destinations(story.facts(), "ks4", date(2028, 8, 1))
    assert found is not None
    assert found.years[0].state is Sustained.SUSTAINED
    assert found.years[0].latest is not None
    assert found.years[0].latest.code == "210"


def test_three_destination_years_follow_a_leaver() -> None:
    story = pupil(activity("230", "2027-09-05"), left=LEFT)
    found = leaver_destinations(story.facts(), "ks4", date(2029, 1, 10))
    assert found is not None
    assert [(y.year_after, y.academic_year, y.begun) for y in found.years] == [
        (1, 2027, True),
        (2, 2028, True),
        (3, 2029, False),
    ]
    assert found.years[1].state is Sustained.PENDING


def test_intended_and_actual_destinations_agree_by_activity_group() -> None:
    intended_college = e("intended_destination", "2027-03-01", nccis_code="230")
    intended_apprenticeship = e("intended_destination", "2027-03-01", nccis_code="310")
    college = activity("220", "2027-09-05")
    as_of = date(2028, 8, 1)
    agreed = leaver_destinations(pupil(intended_college, college, left=LEFT).facts(), "ks4", as_of)
    changed = leaver_destinations(
        pupil(intended_apprenticeship, college, left=LEFT).facts(), "ks4", as_of
    )
    assert agreed is not None
    assert changed is not None
    assert agreed.intended_matches_actual is True
    assert changed.intended_matches_actual is False


def test_no_leaver_record_before_the_first_destination_year_begins() -> None:
    story = pupil(left=LEFT)
    assert leaver_destinations(story.facts(), "ks4", date(2027, 7, 31)) is None
    assert leaver_destinations(story.facts(), "ks5", date(2030, 1, 1)) is None


def test_a_year_13_leaver_is_followed_from_the_end_of_year_13() -> None:
    story = pupil(activity("240", "2029-09-20", on="2029-10-01"), left=(13, "2029-07-15"))
    found = leaver_destinations(story.facts(), "ks5", date(2030, 8, 1))
    assert found is not None
    assert found.leaving_year == 2028
    assert found.years[0].state is Sustained.SUSTAINED
