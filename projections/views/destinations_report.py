"""Leaver cohorts' destinations added up: sustained rates, NEET and unknown, intentions.

Rates: ``sustained_rate`` is of the students whose year is decided (not
pending); ``neet_rate`` and ``unknown_rate`` are of the students whose
destination year has begun, by their latest known activity (no record at all
counts as unknown).  Groups compare sustained rates, gaps in percentage points.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from projections.rules.cohorts import GroupComparison, compare_groups
from projections.rules.destinations import (
    YEARS_AFTER,
    DestinationYear,
    LeaverDestinations,
    Sustained,
)
from projections.rules.facts import StudentFacts


@dataclass(frozen=True)
class DestinationYearSummary:
    year_after: int
    academic_year: int
    students: int
    started: int  # students whose destination year has begun
    sustained: int
    not_sustained: int
    not_captured: int
    pending: int
    latest_activities: tuple[tuple[str, int], ...]  # NCCIS group ("none": no record) -> count
    neet: int
    unknown: int
    groups: tuple[GroupComparison, ...]

    @property
    def decided(self) -> int:
        return self.sustained + self.not_sustained + self.not_captured

    @property
    def sustained_rate(self) -> float | None:
        return self.sustained / self.decided if self.decided else None

    @property
    def neet_rate(self) -> float | None:
        return self.neet / self.started if self.started else None

    @property
    def unknown_rate(self) -> float | None:
        return self.unknown / self.started if self.started else None


@dataclass(frozen=True)
class IntendedVsActual:
    with_intended: int  # leavers with an intended destination recorded before leaving
    comparable: int  # ... and a known year-1 activity
    agreeing: int  # ... in the same NCCIS group

    @property
    def agreement_rate(self) -> float | None:
        return self.agreeing / self.comparable if self.comparable else None


@dataclass(frozen=True)
class LeaverCohort:
    stage: str
    leaving_year: int
    students: int
    years: tuple[DestinationYearSummary, ...]
    intended: IntendedVsActual


@dataclass(frozen=True)
class DestinationsReport:
    institution_id: str | None
    as_of: date
    known_at: date | None
    cohorts: tuple[LeaverCohort, ...]


def _sustained_rate(years: Sequence[DestinationYear]) -> float | None:
    decided = [y for y in years if y.state is not Sustained.PENDING]
    if not decided:
        return None
    return sum(1 for y in decided if y.state is Sustained.SUSTAINED) / len(decided)


def _year(
    members: Sequence[tuple[StudentFacts, LeaverDestinations]], index: int
) -> DestinationYearSummary:
    years = [(facts, leaver.years[index]) for facts, leaver in members]
    first = years[0][1]
    states = Counter(year.state for _, year in years)
    begun = [year for _, year in years if year.begun]
    groups = Counter(year.latest.group if year.latest else "none" for year in begun)
    return DestinationYearSummary(
        year_after=first.year_after,
        academic_year=first.academic_year,
        students=len(years),
        started=len(begun),
        sustained=states[Sustained.SUSTAINED],
        not_sustained=states[Sustained.NOT_SUSTAINED],
        not_captured=states[Sustained.NOT_CAPTURED],
        pending=states[Sustained.PENDING],
        latest_activities=tuple(sorted(groups.items())),
        neet=groups["neet"],
        unknown=groups["unknown"] + groups["none"],
        groups=compare_groups(
            [(facts.characteristics, year) for facts, year in years], _sustained_rate
        ),
    )


def summarise_leavers(
    leavers: Sequence[tuple[StudentFacts, LeaverDestinations]],
) -> tuple[LeaverCohort, ...]:
    cohorts: dict[tuple[str, int], list[tuple[StudentFacts, LeaverDestinations]]] = {}
    for facts, leaver in leavers:
        cohorts.setdefault((leaver.stage, leaver.leaving_year), []).append((facts, leaver))
    summaries = []
    for (stage, leaving_year), members in sorted(cohorts.items()):
        matches = [leaver.intended_matches_actual for _, leaver in members]
        summaries.append(
            LeaverCohort(
                stage=stage,
                leaving_year=leaving_year,
                students=len(members),
                years=tuple(_year(members, i) for i in range(len(YEARS_AFTER))),
                intended=IntendedVsActual(
                    with_intended=sum(1 for _, leaver in members if leaver.intended is not None),
                    comparable=sum(1 for m in matches if m is not None),
                    agreeing=sum(1 for m in matches if m),
                ),
            )
        )
    return tuple(summaries)
