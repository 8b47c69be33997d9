"""Response models for the read use cases (``ledger.service.reads``), read from their dataclasses.

Each model lists the dataclass's fields and the rates it derives, so OpenAPI
documents exactly what a report holds.  Built with ``from_attributes``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.http.schemas import STUDENT_ID_EXAMPLE, PagePublic

STATE_EXAMPLE = "on_track"


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)


class PartResultPublic(_Read):
    part: str = Field(examples=["by 16"])
    state: str = Field(examples=[STATE_EXAMPLE])
    evidence: list[int] = Field(description="Sequences of the entries this rests on")
    deadline: date | None
    detail: str


class BenchmarkResultPublic(_Read):
    benchmark: str = Field(examples=["BM8"])
    title: str = Field(examples=["Personal guidance"])
    state: str = Field(examples=[STATE_EXAMPLE])
    parts: list[PartResultPublic]
    evidence: list[int]


class StudentAttainmentPublic(_Read):
    """One student's benchmark results under one rule set, with their evidence."""

    student_id: UUID = Field(examples=[STUDENT_ID_EXAMPLE])
    ruleset: str = Field(examples=["gatsby-2025"])
    as_of: date
    known_at: date | None
    academic_year: int = Field(examples=[2024])
    year_group: int | None = Field(examples=[10])
    benchmarks: list[BenchmarkResultPublic]
    provider_access: BenchmarkResultPublic


class StudentProviderAccessPublic(_Read):
    """Provider Access Legislation encounters for one student, window by window."""

    student_id: UUID = Field(examples=[STUDENT_ID_EXAMPLE])
    as_of: date
    known_at: date | None
    result: BenchmarkResultPublic
    compliant: bool = Field(description="No window has closed short of its encounters")


class StateCountsPublic(_Read):
    met: int
    on_track: int
    at_risk: int
    not_met: int
    not_applicable: int
    total: int
    applicable: int
    met_rate: float | None = Field(description="met / applicable")


class PartSummaryPublic(_Read):
    part: str
    counts: StateCountsPublic


class GroupComparisonPublic(_Read):
    characteristic: str = Field(examples=["fsm"])
    group: str = Field(examples=["yes"])
    students: int
    rate: float | None
    gap_pp: float | None = Field(description="This group's rate minus the rest's, in points")


class BenchmarkSummaryPublic(_Read):
    benchmark: str = Field(examples=["BM5"])
    title: str
    overall: StateCountsPublic
    parts: list[PartSummaryPublic]
    groups: list[GroupComparisonPublic]


class CohortReportPublic(_Read):
    """A cohort's benchmark states, per part, split by characteristics with the gaps."""

    ruleset: str = Field(examples=["gatsby-2025"])
    institution_id: str | None = Field(examples=["100001"])
    academic_year: int = Field(examples=[2024])
    year_group: int | None
    as_of: date
    known_at: date | None
    students: int
    benchmarks: list[BenchmarkSummaryPublic]
    provider_access: BenchmarkSummaryPublic


class ProviderAccessReportPublic(_Read):
    """Provider Access Legislation compliance across a cohort."""

    institution_id: str | None = Field(examples=["100001"])
    academic_year: int
    year_group: int | None
    as_of: date
    known_at: date | None
    students: int
    compliant: int
    summary: BenchmarkSummaryPublic


class ActivityPublic(_Read):
    code: str = Field(examples=["230"])
    group: str = Field(examples=["fe"])
    start: date
    end: date | None
    obtained_on: date
    evidence: list[int]
    source: str


class DestinationYearPublic(_Read):
    year_after: int = Field(ge=1, le=3)
    academic_year: int
    begun: bool
    state: str = Field(examples=["sustained"])
    rule: str
    latest: ActivityPublic | None
    evidence: list[int]


class LeaverDestinationsPublic(_Read):
    stage: str = Field(examples=["ks4"])
    leaving_year: int
    institution_id: str
    intended: ActivityPublic | None
    years: list[DestinationYearPublic]
    intended_matches_actual: bool | None


class StudentDestinationsPublic(_Read):
    """A leaver's three destination years (sustained or not, by the DfE rule)."""

    student_id: UUID = Field(examples=[STUDENT_ID_EXAMPLE])
    leavers: list[LeaverDestinationsPublic]


class DestinationYearSummaryPublic(_Read):
    year_after: int
    academic_year: int
    students: int
    started: int
    sustained: int
    not_sustained: int
    not_captured: int
    pending: int
    latest_activities: dict[str, int] = Field(description="NCCIS group to count")
    neet: int
    unknown: int
    groups: list[GroupComparisonPublic]
    decided: int
    sustained_rate: float | None
    neet_rate: float | None
    unknown_rate: float | None

    @field_validator("latest_activities", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        return dict(value) if isinstance(value, tuple | list) else value


class IntendedVsActualPublic(_Read):
    with_intended: int
    comparable: int
    agreeing: int
    agreement_rate: float | None


class LeaverCohortPublic(_Read):
    stage: str = Field(examples=["ks4"])
    leaving_year: int
    students: int
    years: list[DestinationYearSummaryPublic]
    intended: IntendedVsActualPublic


class DestinationsReportPublic(_Read):
    """Leaver cohorts' destinations for three years after leaving."""

    institution_id: str | None = Field(examples=["100001"])
    as_of: date
    known_at: date | None
    cohorts: list[LeaverCohortPublic]


class TimelineEntryPublic(_Read):
    sequence: int
    kind: str = Field(examples=["guidance_interview"])
    occurred_on: date
    recorded_at: datetime
    institution_id: str | None
    origin: str = Field(examples=["native"])
    imported_from: str | None
    corrected_by: list[int]
    details: dict[str, Any]
    retracted_by: int | None


class TimelinePublic(PagePublic):
    """Advice, decisions and transitions across every institution, corrections applied."""

    student_id: UUID = Field(examples=[STUDENT_ID_EXAMPLE])
    hidden: int = Field(description="Retracted entries left out (still in the history)")
    institutions: list[str]
    entries: list[TimelineEntryPublic]


class ProjectionPositionPublic(_Read):
    name: str = Field(examples=["student_facts"])
    position: int
    lag: int


class ProjectionStatusPublic(_Read):
    """How far each projection has read the ledger's log."""

    head: int
    up_to_date: bool
    projections: list[ProjectionPositionPublic]
