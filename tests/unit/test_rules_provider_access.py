"""Provider Access Legislation: two encounters per window, windows closing on 28 February.

The pupil (born 14 March 2011) is in Year 8 in 2023/24, so the Years 8-9
window runs 1 September 2023 - 28 February 2025, Years 10-11 1 September 2025
- 28 February 2027, Years 12-13 1 September 2027 - 28 February 2029.
"""

from __future__ import annotations

from datetime import date

import pytest

from projections.rules import State, provider_access
from tests.factories import StudentStory, pupil
from tests.factories import entry as e

MET, ON_TRACK, AT_RISK, NOT_MET, NA = (
    State.MET,
    State.ON_TRACK,
    State.AT_RISK,
    State.NOT_MET,
    State.NOT_APPLICABLE,
)


def pal(on: str, **fields: object) -> tuple[str, dict[str, object]]:
    return e("provider_encounter", on, provider_access=True, **fields)


def windows(story: StudentStory, as_of: str) -> dict[str, State]:
    result = provider_access(story.facts(), date.fromisoformat(as_of))
    return {part.part: part.state for part in result.parts} | {"overall": result.state}


@pytest.mark.parametrize(
    ("story", "as_of", "expected"),
    [
        (pupil(pal("2023-10-01"), pal("2024-03-01")), "2024-06-01", {"y8_9": MET}),
        (pupil(pal("2023-10-01")), "2024-08-31", {"y8_9": ON_TRACK}),
        (pupil(pal("2023-10-01")), "2024-09-01", {"y8_9": AT_RISK}),
        (pupil(pal("2023-10-01")), "2025-02-28", {"y8_9": AT_RISK}),
        (pupil(pal("2023-10-01")), "2025-03-01", {"y8_9": NOT_MET, "overall": NOT_MET}),
        (pupil(pal("2023-10-01"), pal("2025-02-28")), "2025-03-01", {"y8_9": MET}),
        (pupil(pal("2023-10-01"), pal("2025-03-01")), "2025-03-02", {"y8_9": NOT_MET}),
        (pupil(pal("2023-06-01"), pal("2023-10-01")), "2025-03-01", {"y8_9": NOT_MET}),
        (
            pupil(pal("2023-10-01"), pal("2024-03-01", attended=False)),
            "2025-03-01",
            {"y8_9": NOT_MET},
        ),
        (
            pupil(pal("2027-10-01", attended=False), pal("2028-01-10", attended=False)),
            "2028-02-01",
            {"y12_13": MET},
        ),
        (
            pupil(pal("2023-10-01"), e("provider_encounter", "2024-03-01", provider_access=False)),
            "2025-03-01",
            {"y8_9": NOT_MET},
        ),
        (
            pupil(pal("2025-10-01"), pal("2026-10-01"), left=(11, "2027-07-20")),
            "2027-09-10",
            {"y10_11": MET, "y12_13": NA},
        ),
        (
            pupil(pal("2025-10-01"), pal("2025-11-01"), joined=10),
            "2026-01-10",
            {"y8_9": NA, "y10_11": MET, "overall": ON_TRACK},
        ),
    ],
    ids=[
        "two encounters in Year 8 meet the first window",
        "one encounter: on track on 31 August of Year 8",
        "one encounter: at risk from 1 September of Year 9",
        "one encounter: still at risk on 28 February of Year 9",
        "one encounter: not met from 1 March of Year 9",
        "an encounter on 28 February counts",
        "an encounter on 1 March is after the window",
        "an encounter in Year 7 is before the window",
        "a Years 8-9 encounter must be attended",
        "Years 12-13 encounters need only be offered",
        "an encounter not flagged for Provider Access does not count",
        "a pupil who left after Year 11 has no sixth-form window",
        "a Year 10 joiner has no Years 8-9 window",
    ],
)
def test_provider_access_windows(
    story: StudentStory, as_of: str, expected: dict[str, State]
) -> None:
    found = windows(story, as_of)
    assert {k: found[k] for k in expected} == expected


def test_a_window_that_closed_before_the_duty_began_is_not_applicable() -> None:
    # Born 2007: Years 8-9 closed on 28 February 2021, Years 10-11 on 28 February 2023.
    story = pupil(pal("2022-10-01"), pal("2023-01-15"), born="2007-05-01", joined=10)
    found = windows(story, "2023-03-01")
    assert found["y8_9"] is NA
    assert found["y10_11"] is MET


def test_29_february_of_a_leap_year_is_after_the_window() -> None:
    # Born 2014: the Years 8-9 window closes on 28 February 2028.
    story = pupil(pal("2026-10-01"), pal("2028-02-29"), born="2014-03-14")
    assert windows(story, "2028-03-01")["y8_9"] is NOT_MET


def test_each_met_window_names_the_two_encounters_it_rests_on() -> None:
    story = pupil(pal("2023-10-01"), pal("2024-01-10"), pal("2024-03-01"))
    result = provider_access(story.facts(), date(2024, 6, 1))
    assert result.parts[0].evidence == (3, 4)
