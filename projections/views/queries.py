"""What careers leaders, students and inspectors ask of the read side.

The HTTP API, the CLI and the demo call these; the signatures are stable.
Every function takes the :class:`~projections.views.readside.ReadModels` of one
ledger first, and ids, never actors: callers check access before asking.

    student_attainment(read, student_id, *, ruleset="gatsby-2025",
                       as_of=None, known_at=None) -> StudentAttainment
    cohort_report(read, *, ruleset="gatsby-2025", institution_id=None,
                  academic_year=None, year_group=None,
                  as_of=None, known_at=None) -> CohortReport
    student_provider_access(read, student_id, *, as_of=None,
                            known_at=None) -> StudentProviderAccess
    provider_access_report(read, *, institution_id=None, academic_year=None,
                           year_group=None, as_of=None,
                           known_at=None) -> ProviderAccessReport
    student_destinations(read, student_id, *, as_of=None,
                         known_at=None) -> tuple[LeaverDestinations, ...]
    destinations_report(read, *, institution_id=None, stage=None,
                        leaving_year=None, as_of=None,
                        known_at=None) -> DestinationsReport
    timeline(read, student_id, *, include_retracted=False) -> Timeline
    projection_status(read) -> ProjectionStatus

Dates: ``as_of`` (what had happened by that day) defaults to today in
England, or to ``known_at`` when that is given; ``known_at`` (what the ledger
had recorded by the end of that day) replays the log into memory and leaves
the live tables alone.  ``academic_year`` (by its starting year) defaults to
the one containing ``as_of``; ``stage`` is ``ks4`` (Year 11 leavers) or
``ks5`` (Year 13 leavers), both when None.  A student the read side does not
hold (unknown, withdrawn or erased) raises ``StudentNotFound``; an unknown
rule set or stage raises ``ValidationFailed`` naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from ledger.domain.calendar import academic_year_of
from ledger.domain.errors import FieldProblem, StudentNotFound, ValidationFailed
from projections.rules import BenchmarkResult, State, get_ruleset, provider_access
from projections.rules.cohorts import BenchmarkSummary, is_member, summarise
from projections.rules.destinations import STAGES, LeaverDestinations, leaver_destinations
from projections.rules.facts import StudentFacts
from projections.rules.provider_access import CODE as PAL_CODE
from projections.rules.provider_access import TITLE as PAL_TITLE
from projections.rules.standing import Standing
from projections.runner.engine import ProjectionStatus
from projections.views.destinations_report import (
    DestinationsReport,
    LeaverCohort,
    summarise_leavers,
)
from projections.views.readside import ReadModels
from projections.views.replay import replay_all, replay_student
from projections.views.timeline_query import Timeline, TimelineEntry, read_timeline

DEFAULT_RULESET = "gatsby-2025"

__all__ = [
    "CohortReport",
    "DestinationsReport",
    "LeaverCohort",
    "LeaverDestinations",
    "ProjectionStatus",
    "ProviderAccessReport",
    "StudentAttainment",
    "StudentProviderAccess",
    "Timeline",
    "TimelineEntry",
    "cohort_report",
    "destinations_report",
    "projection_status",
    "provider_access_report",
    "student_attainment",
    "student_destinations",
    "student_provider_access",
    "timeline",
]


@dataclass(frozen=True)
class StudentAttainment:
    student_id: UUID
    ruleset: str
    as_of: date
    known_at: date | None
    academic_year: int
    year_group: int | None
    benchmarks: tuple[BenchmarkResult, ...]
    provider_access: BenchmarkResult


@dataclass(frozen=True)
class CohortReport:
    ruleset: str
    institution_id: str | None
    academic_year: int
    year_group: int | None
    as_of: date
    known_at: date | None
    students: int
    benchmarks: tuple[BenchmarkSummary, ...]
    provider_access: BenchmarkSummary


@dataclass(frozen=True)
class StudentProviderAccess:
    student_id: UUID
    as_of: date
    known_at: date | None
    result: BenchmarkResult
    compliant: bool  # no window has closed short of its encounters


@dataclass(frozen=True)
class ProviderAccessReport:
    institution_id: str | None
    academic_year: int
    year_group: int | None
    as_of: date
    known_at: date | None
    students: int
    compliant: int
    summary: BenchmarkSummary


def student_attainment(
    read: ReadModels,
    student_id: UUID,
    *,
    ruleset: str = DEFAULT_RULESET,
    as_of: date | None = None,
    known_at: date | None = None,
) -> StudentAttainment:
    rules = get_ruleset(ruleset)
    day = _as_of(read, as_of, known_at)
    facts = _student(read, student_id, known_at)
    attainment = rules.evaluate(facts, day)
    year = academic_year_of(day)
    return StudentAttainment(
        student_id,
        rules.name,
        day,
        known_at,
        year,
        Standing(facts.as_of(day), day).year_group(year),
        attainment.benchmarks,
        provider_access(facts, day),
    )


def cohort_report(
    read: ReadModels,
    *,
    ruleset: str = DEFAULT_RULESET,
    institution_id: str | None = None,
    academic_year: int | None = None,
    year_group: int | None = None,
    as_of: date | None = None,
    known_at: date | None = None,
) -> CohortReport:
    rules = get_ruleset(ruleset)
    day = _as_of(read, as_of, known_at)
    year = academic_year if academic_year is not None else academic_year_of(day)
    members = _cohort(read, institution_id, year, year_group, day, known_at)
    evaluated = [(f.characteristics, rules.evaluate(f, day)) for f in members]
    summaries = tuple(
        summarise(rule.code, rule.title, [(c, a.benchmark(rule.code)) for c, a in evaluated])
        for rule in rules.benchmarks
    )
    access = [(f.characteristics, provider_access(f, day)) for f in members]
    return CohortReport(
        rules.name,
        institution_id,
        year,
        year_group,
        day,
        known_at,
        len(members),
        summaries,
        summarise(PAL_CODE, PAL_TITLE, access),
    )


def student_provider_access(
    read: ReadModels,
    student_id: UUID,
    *,
    as_of: date | None = None,
    known_at: date | None = None,
) -> StudentProviderAccess:
    day = _as_of(read, as_of, known_at)
    result = provider_access(_student(read, student_id, known_at), day)
    return StudentProviderAccess(student_id, day, known_at, result, result.state != State.NOT_MET)


def provider_access_report(
    read: ReadModels,
    *,
    institution_id: str | None = None,
    academic_year: int | None = None,
    year_group: int | None = None,
    as_of: date | None = None,
    known_at: date | None = None,
) -> ProviderAccessReport:
    day = _as_of(read, as_of, known_at)
    year = academic_year if academic_year is not None else academic_year_of(day)
    members = _cohort(read, institution_id, year, year_group, day, known_at)
    results = [(f.characteristics, provider_access(f, day)) for f in members]
    compliant = sum(1 for _, r in results if r.state != State.NOT_MET)
    summary = summarise(PAL_CODE, PAL_TITLE, results)
    return ProviderAccessReport(
        institution_id, year, year_group, day, known_at, len(members), compliant, summary
    )


def student_destinations(
    read: ReadModels,
    student_id: UUID,
    *,
    as_of: date | None = None,
    known_at: date | None = None,
) -> tuple[LeaverDestinations, ...]:
    day = _as_of(read, as_of, known_at)
    facts = _student(read, student_id, known_at)
    found = (leaver_destinations(facts, stage, day) for stage in STAGES)
    return tuple(d for d in found if d is not None)


def destinations_report(
    read: ReadModels,
    *,
    institution_id: str | None = None,
    stage: str | None = None,
    leaving_year: int | None = None,
    as_of: date | None = None,
    known_at: date | None = None,
) -> DestinationsReport:
    if stage is not None and stage not in STAGES:
        reason = "must be ks4 (Year 11 leavers) or ks5 (Year 13 leavers)"
        raise ValidationFailed(f"stage: {reason}", (FieldProblem("stage", reason),))
    stages = (stage,) if stage else tuple(STAGES)
    day = _as_of(read, as_of, known_at)
    year_group = STAGES[stage] if stage and leaving_year is not None else None
    pool = _pool(read, institution_id, leaving_year, year_group, known_at)
    leavers: list[tuple[StudentFacts, LeaverDestinations]] = []
    for facts in pool:
        if facts.withdrawn:
            continue
        for name in stages:
            found = leaver_destinations(facts, name, day)
            if (
                found is not None
                and (institution_id is None or found.institution_id == institution_id)
                and (leaving_year is None or found.leaving_year == leaving_year)
            ):
                leavers.append((facts, found))
    return DestinationsReport(institution_id, day, known_at, summarise_leavers(leavers))


def timeline(read: ReadModels, student_id: UUID, *, include_retracted: bool = False) -> Timeline:
    found = read_timeline(read.engine, read.sealer, student_id, include_retracted=include_retracted)
    if not found.entries and not found.hidden and read.facts_of(student_id) is None:
        raise StudentNotFound("no student with this id is visible to you")
    return found


def projection_status(read: ReadModels) -> ProjectionStatus:
    return read.projector.status()


# -- helpers -------------------------------------------------------------------
def _as_of(read: ReadModels, as_of: date | None, known_at: date | None) -> date:
    return as_of or known_at or read.today()


def _student(read: ReadModels, student_id: UUID, known_at: date | None) -> StudentFacts:
    if known_at is not None:
        facts = replay_student(read.app, student_id, known_at=known_at)
    else:
        facts = read.facts_of(student_id)
    if facts is None or facts.withdrawn:
        raise StudentNotFound("no student with this id is visible to you")
    return facts


def _cohort(
    read: ReadModels,
    institution_id: str | None,
    academic_year: int,
    year_group: int | None,
    as_of: date,
    known_at: date | None,
) -> list[StudentFacts]:
    pool = _pool(read, institution_id, academic_year, year_group, known_at)
    return [f for f in pool if is_member(f, as_of, academic_year, institution_id, year_group)]


def _pool(
    read: ReadModels,
    institution_id: str | None,
    academic_year: int | None,
    year_group: int | None,
    known_at: date | None,
) -> Iterable[StudentFacts]:
    """Every student as the ledger knew them at ``known_at`` (a replay), or else the
    live read model's candidates for the cohort (a superset: callers re-check)."""
    if known_at is not None:
        return replay_all(read.app, known_at=known_at).values()
    candidates = read.roll_candidates(
        institution_id=institution_id, academic_year=academic_year, year_group=year_group
    )
    return read.facts_for(candidates)
