"""Result types and the deadline logic every benchmark part shares (docs/projections.md).

A part is ``met`` as soon as its requirement is satisfied, even before its
deadline; unmet, it is ``on_track`` before the academic year of its deadline,
``at_risk`` during it and ``not_met`` after it.  It is ``not_applicable``
when the student left before its deadline year, when its condition does not
hold, or when it falls before the student's first enrolment and no evidence
exists for it.  A benchmark is the worst of its applicable parts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from ledger.domain.calendar import academic_year_end
from projections.rules.facts import Fact, StudentFacts
from projections.rules.standing import FIRST_SECONDARY_YEAR, Standing


class State(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    NOT_MET = "not_met"
    NOT_APPLICABLE = "not_applicable"


STATES: tuple[State, ...] = tuple(State)
_WORST_FIRST = (State.NOT_MET, State.AT_RISK, State.ON_TRACK, State.MET)


@dataclass(frozen=True)
class PartResult:
    """One requirement of a benchmark for one student; ``evidence`` lists sequences."""

    part: str
    state: State
    evidence: tuple[int, ...] = ()
    deadline: date | None = None
    detail: str = ""


@dataclass(frozen=True)
class BenchmarkResult:
    benchmark: str
    title: str
    state: State
    parts: tuple[PartResult, ...]

    @property
    def evidence(self) -> tuple[int, ...]:
        return tuple(sorted({s for part in self.parts for s in part.evidence}))


@dataclass(frozen=True)
class Attainment:
    """One student's benchmarks under one rule set, as of a date."""

    student_id: UUID
    ruleset: str
    as_of: date
    benchmarks: tuple[BenchmarkResult, ...]

    def benchmark(self, code: str) -> BenchmarkResult:
        for result in self.benchmarks:
            if result.benchmark == code:
                return result
        raise KeyError(code)


PartsRule = Callable[[Standing], tuple[PartResult, ...]]


@dataclass(frozen=True)
class BenchmarkRule:
    code: str
    title: str
    parts: PartsRule

    def evaluate(self, standing: Standing) -> BenchmarkResult:
        parts = self.parts(standing)
        return BenchmarkResult(self.code, self.title, overall(parts), parts)


@dataclass(frozen=True)
class RuleSet:
    """A named, versioned set of per-student benchmark rules."""

    name: str
    title: str
    benchmarks: tuple[BenchmarkRule, ...]

    def evaluate(self, facts: StudentFacts, as_of: date) -> Attainment:
        standing = Standing(facts.as_of(as_of), as_of)
        results = tuple(rule.evaluate(standing) for rule in self.benchmarks)
        return Attainment(facts.student_id, self.name, as_of, results)


def overall(parts: Iterable[PartResult]) -> State:
    states = {p.state for p in parts}
    for state in _WORST_FIRST:
        if state in states:
            return state
    return State.NOT_APPLICABLE


def evidence_of(facts: Iterable[Fact]) -> tuple[int, ...]:
    return tuple(s for f in facts for s in f.evidence)


def until(facts: Iterable[Fact], last_day: date | None) -> tuple[Fact, ...]:
    """Facts dated on or before ``last_day`` (all of them when it is unknown)."""
    if last_day is None:
        return tuple(facts)
    return tuple(f for f in facts if f.occurred_on <= last_day)


def deadline_of(standing: Standing, year_group: int) -> date | None:
    """The last day of Year ``year_group`` for this student."""
    academic_year = standing.academic_year_for(year_group)
    return None if academic_year is None else academic_year_end(academic_year)


def judge(
    standing: Standing,
    part: str,
    *,
    deadline_year_group: int,
    satisfied: tuple[int, ...] | None,
    evidence: tuple[int, ...] = (),
    closes_on: date | None = None,
    applies: bool = True,
    detail: str = "",
) -> PartResult:
    """The state of one part; ``satisfied`` is the evidence that meets it, or None.

    ``closes_on`` replaces the end of the deadline year (the Provider Access
    windows close on 28 February).
    """
    if not applies:
        return PartResult(part, State.NOT_APPLICABLE, detail=detail)
    left = standing.left
    if left is not None and left.year_group < deadline_year_group:
        return PartResult(part, State.NOT_APPLICABLE, detail=f"left in Year {left.year_group}")
    first = standing.first_enrolled_year_group
    if first is not None and deadline_year_group < first and not evidence and not satisfied:
        return PartResult(part, State.NOT_APPLICABLE, detail=f"joined in Year {first}")
    deadline_year = standing.academic_year_for(deadline_year_group)
    deadline = closes_on or (None if deadline_year is None else academic_year_end(deadline_year))
    if satisfied is not None:
        return PartResult(part, State.MET, satisfied, deadline, detail)
    if deadline_year is None:
        return PartResult(part, State.ON_TRACK, evidence, None, "no year group known")
    current = standing.current_academic_year
    if (closes_on is not None and standing.as_of > closes_on) or current > deadline_year:
        state = State.NOT_MET
    elif current == deadline_year:
        state = State.AT_RISK
    else:
        state = State.ON_TRACK
    return PartResult(part, state, evidence, deadline, detail)


def per_year(
    standing: Standing,
    facts: tuple[Fact, ...],
    qualifies: Callable[[Fact], bool],
    *,
    describe: Callable[[tuple[Fact, ...]], str] | None = None,
) -> tuple[PartResult, ...]:
    """One part per academic year from Year 7 to the one reached: >=1 qualifying fact."""
    reached = standing.reached_year_group()
    if reached is None:
        return ()
    parts = []
    for year_group in range(FIRST_SECONDARY_YEAR, reached + 1):
        in_year = tuple(f for f in facts if standing.year_group_on(f.occurred_on) == year_group)
        good = tuple(f for f in in_year if qualifies(f))
        parts.append(
            judge(
                standing,
                f"y{year_group}",
                deadline_year_group=year_group,
                satisfied=evidence_of(good) if good else None,
                evidence=evidence_of(in_year),
                detail=describe(good) if describe else "",
            )
        )
    return tuple(parts)
