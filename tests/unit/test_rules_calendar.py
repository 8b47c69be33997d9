"""School calendar arithmetic: academic years, year groups and the "known at" day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ledger.domain.calendar import academic_year_of, add_months, end_of_day, year0_from_birth
from projections.rules.standing import Standing
from tests.factories import entry as e
from tests.factories import pupil


@pytest.mark.parametrize(
    ("day", "year"),
    [("2024-08-31", 2023), ("2024-09-01", 2024), ("2025-01-01", 2024), ("2025-08-31", 2024)],
)
def test_the_academic_year_runs_from_1_september_to_31_august(day: str, year: int) -> None:
    assert academic_year_of(date.fromisoformat(day)) == year


@pytest.mark.parametrize(
    ("born", "year_7_starts"),
    [("2010-09-01", 2022), ("2011-08-31", 2022), ("2011-09-01", 2023), ("2011-03-14", 2022)],
)
def test_a_child_born_september_to_august_starts_year_7_together(
    born: str, year_7_starts: int
) -> None:
    assert year0_from_birth(date.fromisoformat(born)) + 7 == year_7_starts


def test_an_explicit_year_group_from_enrolment_wins_over_the_date_of_birth() -> None:
    # Born 2011-03-14 would be Year 9 in 2024/25; the school enrolled them in Year 10.
    story = pupil(e("enrolment", "2024-09-04", year_group=10, academic_year=2024), joined=7)
    standing = Standing(story.facts(), date(2025, 1, 10))
    assert standing.year_group(2024) == 10
    assert standing.year_group(2022) == 7  # earlier years follow the earlier enrolment


def test_without_an_enrolment_the_year_group_comes_from_the_date_of_birth() -> None:
    from tests.factories import StudentStory

    standing = Standing(StudentStory(born="2011-03-14").facts(), date(2025, 1, 10))
    assert standing.current_year_group == 9


def test_a_repeated_year_moves_the_deadline_to_the_later_year() -> None:
    story = pupil(e("enrolment", "2025-09-04", year_group=9, academic_year=2025))
    standing = Standing(story.facts(), date(2025, 10, 1))
    assert standing.academic_year_for(9) == 2025


def test_known_at_means_the_end_of_the_english_day() -> None:
    # Summer time: the English day ends at 23:00 UTC; in winter at midnight UTC.
    assert end_of_day(date(2025, 7, 1)) == datetime(2025, 7, 1, 22, 59, 59, 999999, tzinfo=UTC)
    assert end_of_day(date(2025, 1, 10)) == datetime(2025, 1, 10, 23, 59, 59, 999999, tzinfo=UTC)


def test_adding_months_clamps_to_the_end_of_a_short_month() -> None:
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2027, 10, 1), 6) == date(2028, 4, 1)
