"""The read side over HTTP: a student's benchmarks, timeline and destinations; cohort reports.

Per-student reads first pass ``LedgerService.authorise_read`` (scope check,
then the access log); cohort reports ask the service which institution the
caller may report on.  The figures come from the read use cases (``ledger.service.reads``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.http.deps import CurrentActor, LedgerDep, PageDep, StudentId
from api.http.limits import JsonDepthRoute
from api.http.problems import responses
from api.http.report_schemas import (
    CohortReportPublic,
    DestinationsReportPublic,
    ProjectionStatusPublic,
    ProviderAccessReportPublic,
    StudentAttainmentPublic,
    StudentDestinationsPublic,
    StudentProviderAccessPublic,
    TimelineEntryPublic,
    TimelinePublic,
)
from api.http.schemas import next_link
from ledger.domain.payloads import IsoDate
from ledger.service.reads import DEFAULT_RULESET
from projections.rules.registry import ruleset_names

Ruleset = StrEnum("Ruleset", {name: name for name in ruleset_names()})  # type: ignore[misc]


class Stage(StrEnum):
    KS4 = "ks4"
    KS5 = "ks5"


RulesetQuery = Annotated[Ruleset, Query(description="The named, versioned rule set")]
AsOf = Annotated[
    IsoDate | None,
    Query(
        description="What had happened by this day (default: today); "
        "from 1990-01-01 to a year after today, else 422"
    ),
]
KnownAt = Annotated[
    IsoDate | None,
    Query(
        description="What the ledger had recorded by the end of this day; "
        "from 1990-01-01 to today, else 422"
    ),
]
Institution = Annotated[
    str | None,
    Query(pattern=r"^(\d{6}|\d{8})$", description="URN or UKPRN (default: your institution)"),
]
AcademicYear = Annotated[
    int | None, Query(ge=2000, le=2100, description="Starting year: 2024 = 2024/25")
]
YearGroup = Annotated[int | None, Query(ge=7, le=14)]

students = APIRouter(
    prefix="/students/{student_id}", tags=["student reports"], route_class=JsonDepthRoute
)
cohorts = APIRouter(prefix="/reports", tags=["cohort reports"], route_class=JsonDepthRoute)
operations = APIRouter(prefix="/projections", tags=["operations"], route_class=JsonDepthRoute)


@students.get("/benchmarks", response_model=StudentAttainmentPublic, responses=responses(404))
def student_benchmarks(
    actor: CurrentActor,
    ledger: LedgerDep,
    student_id: StudentId,
    ruleset: RulesetQuery = Ruleset(DEFAULT_RULESET),
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> StudentAttainmentPublic:
    """A student's Gatsby Benchmark states, part by part, with the evidence for each."""
    found = ledger.service.reads.student_attainment(
        student_id, actor=actor, ruleset=ruleset.value, as_of=as_of, known_at=known_at
    )
    return StudentAttainmentPublic.model_validate(found)


@students.get(
    "/provider-access", response_model=StudentProviderAccessPublic, responses=responses(404)
)
def student_provider_access(
    actor: CurrentActor,
    ledger: LedgerDep,
    student_id: StudentId,
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> StudentProviderAccessPublic:
    """A student's Provider Access Legislation encounters against each statutory window."""
    found = ledger.service.reads.student_provider_access(
        student_id, actor=actor, as_of=as_of, known_at=known_at
    )
    return StudentProviderAccessPublic.model_validate(found)


@students.get("/destinations", response_model=StudentDestinationsPublic, responses=responses(404))
def student_destinations(
    actor: CurrentActor,
    ledger: LedgerDep,
    student_id: StudentId,
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> StudentDestinationsPublic:
    """A leaver's destination years, sustained or not by the DfE rule (empty before leaving)."""
    found = ledger.service.reads.student_destinations(
        student_id, actor=actor, as_of=as_of, known_at=known_at
    )
    return StudentDestinationsPublic.model_validate(
        {"student_id": student_id, "leavers": list(found)}
    )


@students.get("/timeline", response_model=TimelinePublic, responses=responses(404))
def student_timeline(
    actor: CurrentActor,
    ledger: LedgerDep,
    request: Request,
    student_id: StudentId,
    page: PageDep,
    include_retracted: Annotated[
        bool, Query(description="Show retracted entries too, marked")
    ] = False,
) -> TimelinePublic:
    """The transition-integrated record: advice and decisions across every institution."""
    found = ledger.service.reads.timeline(
        student_id, actor=actor, include_retracted=include_retracted
    )
    total = len(found.entries)
    window = found.entries[page.offset : page.offset + page.limit]
    query = {"include_retracted": str(include_retracted).lower()} if include_retracted else {}
    return TimelinePublic(
        student_id=student_id,
        hidden=found.hidden,
        institutions=list(found.institutions),
        total=total,
        limit=page.limit,
        offset=page.offset,
        next=next_link(request.url.path, query, total, page.limit, page.offset),
        entries=[TimelineEntryPublic.model_validate(entry) for entry in window],
    )


@cohorts.get("/benchmarks", response_model=CohortReportPublic, responses=responses(403))
def cohort_benchmarks(
    actor: CurrentActor,
    ledger: LedgerDep,
    ruleset: RulesetQuery = Ruleset(DEFAULT_RULESET),
    institution_id: Institution = None,
    academic_year: AcademicYear = None,
    year_group: YearGroup = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> CohortReportPublic:
    """Benchmark attainment for a cohort (institution, academic year, year group)."""
    found = ledger.service.reads.cohort_report(
        actor=actor,
        ruleset=ruleset.value,
        institution_id=institution_id,
        academic_year=academic_year,
        year_group=year_group,
        as_of=as_of,
        known_at=known_at,
    )
    return CohortReportPublic.model_validate(found)


@cohorts.get(
    "/provider-access", response_model=ProviderAccessReportPublic, responses=responses(403)
)
def cohort_provider_access(
    actor: CurrentActor,
    ledger: LedgerDep,
    institution_id: Institution = None,
    academic_year: AcademicYear = None,
    year_group: YearGroup = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> ProviderAccessReportPublic:
    """Provider Access Legislation compliance for a cohort."""
    found = ledger.service.reads.provider_access_report(
        actor=actor,
        institution_id=institution_id,
        academic_year=academic_year,
        year_group=year_group,
        as_of=as_of,
        known_at=known_at,
    )
    return ProviderAccessReportPublic.model_validate(found)


@cohorts.get("/destinations", response_model=DestinationsReportPublic, responses=responses(403))
def cohort_destinations(
    actor: CurrentActor,
    ledger: LedgerDep,
    institution_id: Institution = None,
    stage: Annotated[Stage | None, Query(description="ks4: Year 11 leavers; ks5: Year 13")] = None,
    leaving_year: AcademicYear = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> DestinationsReportPublic:
    """Destinations of leaver cohorts for three years after leaving, split by characteristics."""
    found = ledger.service.reads.destinations_report(
        actor=actor,
        institution_id=institution_id,
        stage=stage.value if stage else None,
        leaving_year=leaving_year,
        as_of=as_of,
        known_at=known_at,
    )
    return DestinationsReportPublic.model_validate(found)


@operations.get("/status", response_model=ProjectionStatusPublic, responses=responses(403))
def projection_status(actor: CurrentActor, ledger: LedgerDep) -> ProjectionStatusPublic:
    """How far each projection has read the log (lag 0 everywhere: reports are current)."""
    found = ledger.service.reads.projection_status(actor=actor)
    return ProjectionStatusPublic.model_validate(found)
