"""The demo school's calendar: teaching days, terms and holidays.

Academic years (1 September to 31 August, named by their start year: 2025 =
2025/26) are the ledger's own rule, :mod:`ledger.domain.calendar`; this module
adds only what the demo needs to place activities: term dates and holidays,
following the usual English pattern closely enough that no demo activity lands
on a weekend or in a break.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, cached_property

from ledger.domain.calendar import academic_year_of

MONDAY, FRIDAY = 0, 4


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous algorithm), for the spring break."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (h - 7 * (a + 11 * h + 22 * m) // 451 + m + 114) // 31
    p = (h - 7 * (a + 11 * h + 22 * m) // 451 + m + 114) % 31
    return date(year, n, p + 1)


def _monday_on_or_after(day: date) -> date:
    return day + timedelta(days=(MONDAY - day.weekday()) % 7)


def _week_from(monday: date, weeks: int = 1) -> tuple[date, date]:
    return monday, monday + timedelta(days=7 * weeks - 1)


@dataclass(frozen=True)
class SchoolYear:
    """One academic year's term dates; ``start`` is the first day of the year."""

    start: int

    @cached_property
    def first_day(self) -> date:
        """The first teaching day: the first weekday on or after 3 September."""
        day = date(self.start, 9, 3)
        while day.weekday() > FRIDAY:
            day += timedelta(days=1)
        return day

    @cached_property
    def last_day(self) -> date:
        """The last teaching day: the Friday on or before 22 July."""
        day = date(self.start + 1, 7, 22)
        while day.weekday() != FRIDAY:
            day -= timedelta(days=1)
        return day

    @cached_property
    def holidays(self) -> tuple[tuple[date, date], ...]:
        autumn = _week_from(_monday_on_or_after(date(self.start, 10, 23)))
        christmas = (date(self.start, 12, 20), date(self.start + 1, 1, 4))
        february = _week_from(_monday_on_or_after(date(self.start + 1, 2, 13)))
        easter = easter_sunday(self.start + 1)
        spring = _week_from(easter - timedelta(days=6), 2)
        may = _week_from(_monday_on_or_after(date(self.start + 1, 5, 25)))
        return autumn, christmas, february, spring, may

    def is_school_day(self, day: date) -> bool:
        if day.weekday() > FRIDAY or not self.first_day <= day <= self.last_day:
            return False
        return not any(start <= day <= end for start, end in self.holidays)

    def school_days(self, start: date, end: date) -> list[date]:
        return _school_days(self, max(start, self.first_day), min(end, self.last_day))

    def month_day(self, month: int, day: int) -> date:
        """The date of (month, day) inside this academic year."""
        in_start_year = date(self.start, month, day)
        if academic_year_of(in_start_year) == self.start:
            return in_start_year
        return date(self.start + 1, month, day)

    def pick_day(self, rng: random.Random, window: tuple[tuple[int, int], tuple[int, int]]) -> date:
        """A random teaching day between two (month, day) points of this year."""
        days = self.school_days(self.month_day(*window[0]), self.month_day(*window[1]))
        return rng.choice(days) if days else self.first_day

    def week_of(self, day: date) -> list[date]:
        """The teaching days of the week containing ``day``."""
        monday = day - timedelta(days=day.weekday())
        return self.school_days(monday, monday + timedelta(days=4))


@cache
def _school_days(year: SchoolYear, start: date, end: date) -> list[date]:
    days = []
    day = start
    while day <= end:
        if year.is_school_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


@cache
def school_year(start: int) -> SchoolYear:
    return SchoolYear(start)
