"""Cohorts: who belongs to one, and how its students' results add up (pure).

A cohort is the students on roll at an institution (or anywhere) in an
academic year, optionally in one year group, as of a date.  Shares are of
the whole cohort; the rate compared between groups is ``met`` among the
students a benchmark applies to, and a group's gap is its rate minus the
rate of the rest of the cohort, in percentage points.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from projections.rules.base import BenchmarkResult, State
from projections.rules.facts import Characteristics, StudentFacts
from projections.rules.standing import Standing

T = TypeVar("T")
BINARY_CHARACTERISTICS = ("fsm", "send", "pupil_premium", "care_experienced")
GENDERS = ("female", "male", "other", "not_stated")


def is_member(
    facts: StudentFacts,
    as_of: date,
    academic_year: int,
    institution_id: str | None,
    year_group: int | None,
) -> bool:
    """Was the student on roll (there, in that year group) in ``academic_year`` as of ``as_of``?"""
    if facts.withdrawn:
        return False
    standing = Standing(facts.as_of(as_of), as_of)
    spell = standing.on_roll(academic_year)
    if spell is None or (institution_id is not None and spell.institution_id != institution_id):
        return False
    return year_group is None or standing.year_group(academic_year) == year_group


@dataclass(frozen=True)
class StateCounts:
    met: int = 0
    on_track: int = 0
    at_risk: int = 0
    not_met: int = 0
    not_applicable: int = 0

    @classmethod
    def of(cls, states: Iterable[State]) -> StateCounts:
        counts = dict.fromkeys(State, 0)
        for state in states:
            counts[state] += 1
        return cls(**{state.value: n for state, n in counts.items()})

    def count(self, state: State) -> int:
        return int(getattr(self, state.value))

    @property
    def total(self) -> int:
        return self.met + self.on_track + self.at_risk + self.not_met + self.not_applicable

    @property
    def applicable(self) -> int:
        return self.total - self.not_applicable

    def share(self, state: State) -> float:
        """Fraction of the whole group in ``state`` (0 for an empty group)."""
        return self.count(state) / self.total if self.total else 0.0

    @property
    def met_rate(self) -> float | None:
        return self.met / self.applicable if self.applicable else None


@dataclass(frozen=True)
class GroupComparison:
    """One characteristic group against the rest of the cohort."""

    characteristic: str
    group: str
    students: int
    rate: float | None
    gap_pp: float | None  # percentage points: this group's rate minus the rest's


@dataclass(frozen=True)
class PartSummary:
    part: str
    counts: StateCounts


@dataclass(frozen=True)
class BenchmarkSummary:
    benchmark: str
    title: str
    overall: StateCounts
    parts: tuple[PartSummary, ...]
    groups: tuple[GroupComparison, ...]


def groups_of(characteristics: Characteristics) -> list[tuple[str, str]]:
    """The (characteristic, group) pairs a student belongs to."""
    pairs = [
        (name, "yes" if getattr(characteristics, name) else "no") for name in BINARY_CHARACTERISTICS
    ]
    pairs.append(("gender", characteristics.gender))
    return pairs


def compare_groups(
    members: Sequence[tuple[Characteristics, T]],
    rate: Callable[[Sequence[T]], float | None],
) -> tuple[GroupComparison, ...]:
    """Each group's rate and its gap to the rest of the cohort."""
    labelled = [(set(groups_of(c)), item) for c, item in members]
    found: list[tuple[str, str]] = []
    for name in BINARY_CHARACTERISTICS:
        found += [(name, "yes"), (name, "no")]
    found += [("gender", g) for g in GENDERS]
    comparisons = []
    for pair in found:
        inside = [item for groups, item in labelled if pair in groups]
        if not inside:
            continue
        outside = [item for groups, item in labelled if pair not in groups]
        rate_in, rate_out = rate(inside), rate(outside) if outside else None
        gap = None if rate_in is None or rate_out is None else round((rate_in - rate_out) * 100, 1)
        comparisons.append(GroupComparison(pair[0], pair[1], len(inside), rate_in, gap))
    return tuple(comparisons)


def summarise(
    benchmark: str, title: str, members: Sequence[tuple[Characteristics, BenchmarkResult]]
) -> BenchmarkSummary:
    """One benchmark across a cohort: overall and per-part states, and group gaps."""
    parts: dict[str, list[State]] = {}
    for _, result in members:
        for part in result.parts:
            parts.setdefault(part.part, []).append(part.state)
    return BenchmarkSummary(
        benchmark=benchmark,
        title=title,
        overall=StateCounts.of(r.state for _, r in members),
        parts=tuple(PartSummary(name, StateCounts.of(states)) for name, states in parts.items()),
        groups=compare_groups(
            members, lambda results: StateCounts.of(r.state for r in results).met_rate
        ),
    )
