"""School calendar arithmetic: academic years, year groups, and where a day ends.

The academic year runs 1 September to 31 August and is named by the year it
starts in (2025 = 2025/26).  A year group is kept as the academic year in
which the student was (or would have been) in "Year 0": Year G falls in
academic year ``year0 + G``.  A child born 1 Sep Y-12 .. 31 Aug Y-11 starts
Year 7 in September of Y, so ``year0 = academic_year_of(date_of_birth) + 5``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ledger.domain.errors import FieldProblem, ValidationFailed

ENGLAND = ZoneInfo("Europe/London")
EARLIEST_DAY = date(1990, 1, 1)
"""No "as of" or "known at" day before this: older than any record a school keeps."""


def academic_year_of(day: date) -> int:
    """The academic year (by its starting calendar year) that contains ``day``."""
    return day.year if day.month >= 9 else day.year - 1


def academic_year_start(academic_year: int) -> date:
    return date(academic_year, 9, 1)


def academic_year_end(academic_year: int) -> date:
    return date(academic_year + 1, 8, 31)


def year0_from_birth(date_of_birth: date) -> int:
    """Year 7 starts in the September twelve academic years after the birth year's."""
    return academic_year_of(date_of_birth) + 12 - 7


def end_of_day(day: date) -> datetime:
    """The last instant of ``day`` in England, in UTC: the "known at" cut-off.

    Inspectors ask what the ledger knew on a school day, so the day is the
    English calendar day (BST in summer), not the UTC one.
    """
    next_midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=ENGLAND)
    return next_midnight.astimezone(UTC) - timedelta(microseconds=1)


@dataclass(frozen=True)
class DayCut:
    """The one place "as of" and "known at" days are cut, for every reader.

    ``as_of`` keeps what had happened by the end of that day (``occurred_on``
    on or before it); ``known_at`` keeps what the ledger had recorded by the
    end of that English calendar day (:func:`end_of_day`, so BST is honoured).
    Either may be None: no cut on that axis.
    """

    as_of: date | None = None
    known_at: date | None = None

    @property
    def recorded_by(self) -> datetime | None:
        """The last recorded instant kept, or None when nothing is cut on that axis."""
        return None if self.known_at is None else end_of_day(self.known_at)

    def keeps(self, occurred_on: date, recorded_at: datetime) -> bool:
        if self.known_at is not None and recorded_at > end_of_day(self.known_at):
            return False
        return self.as_of is None or occurred_on <= self.as_of


def check_day_window(today: date, *, as_of: date | None, known_at: date | None) -> None:
    """Refuse an "as of" or "known at" day outside the window every reader answers.

    ``as_of`` from :data:`EARLIEST_DAY` to a year after ``today`` (a plan may look ahead);
    ``known_at`` from :data:`EARLIEST_DAY` to ``today`` (the ledger knows nothing later).
    Outside it a day would mean nothing, and 9999-12-31 overflows :func:`end_of_day`.
    Raises :class:`ValidationFailed` naming the parameter; every edge calls it through
    ``ledger.service.reads`` before anything is authorised or logged.
    """
    latest_as_of = add_months(today, 12)
    problems = []
    if as_of is not None and not EARLIEST_DAY <= as_of <= latest_as_of:
        reason = f"must be from {EARLIEST_DAY.isoformat()} to {latest_as_of.isoformat()}"
        problems.append(FieldProblem("as_of", reason))
    if known_at is not None and not EARLIEST_DAY <= known_at <= today:
        reason = f"must be from {EARLIEST_DAY.isoformat()} to today ({today.isoformat()})"
        problems.append(FieldProblem("known_at", reason))
    if problems:
        raise ValidationFailed(
            "; ".join(f"{p.field}: {p.reason}" for p in problems), tuple(problems)
        )


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months (clamped to the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError("unreachable: every month has 28 days")
