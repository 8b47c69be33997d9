"""Validated payloads: what each kind of entry must contain before it is stored.

These pydantic models are the single gate between untrusted input (HTTP, CSV,
forms, imports) and the event store.  They validate types, ranges, dates and
closed vocabularies; the stored event keeps ``model_dump(mode="json")``.
Error messages are built from field paths and rules only, never input values.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from ledger.domain.identifiers import normalise_uln, normalise_upn
from ledger.domain.nccis import CURRENT_VERSION, activity_codes
from ledger.domain.vocabulary import (
    DestinationSource,
    EmployerActivity,
    EncounterMode,
    ExperienceKind,
    Gender,
    InstitutionKind,
    InterviewFormat,
    InterviewOutcome,
    LearningOutcome,
    ProviderType,
)

EARLIEST_DATE = date(2000, 1, 1)


# [0-9], not \d: \d also matches other scripts' digits (docs/identifiers.md).
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date_only(value: object) -> object:
    """Calendar dates arrive as YYYY-MM-DD text (or date objects), never as numbers.

    The one date rule for payloads and query strings alike: lax parsing would
    read ``0`` as 1970-01-01 (a Unix timestamp) and accept date-times.
    """
    if isinstance(value, date) or (isinstance(value, str) and ISO_DATE.match(value)):
        return value
    raise ValueError("must be a date in YYYY-MM-DD form")


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]

# NUL cuts text short in C-string readers and PostgreSQL text; the embedding, override and
# isolate controls reorder how the rest of a line displays ("Trojan Source"), so a name or
# a note could read differently from what is stored. The left-to-right and right-to-left
# marks (U+200E, U+200F) only settle the direction of neighbouring neutral characters, as
# names in Arabic or Hebrew script need, so they are kept (docs/identifiers.md).
_NUL = "\x00"
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _plain_text(value: str) -> str:
    if _NUL in value:
        raise ValueError("must not contain a NUL character")
    if _BIDI_CONTROLS.search(value):
        raise ValueError(
            "must not contain a bidirectional embedding, override or isolate character"
            " (U+202A-U+202E, U+2066-U+2069)"
        )
    return value


PlainText = AfterValidator(_plain_text)
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), PlainText
]
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000), PlainText
]
NccisVersion = Annotated[str, PlainText]
InstitutionId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^([0-9]{6}|[0-9]{8})$")
]  # a 6-digit URN or an 8-digit UKPRN
YearGroup = Annotated[int, Field(ge=7, le=14)]
QualificationLevel = Annotated[int, Field(ge=2, le=8, description="RQF level, 6+ = qualified")]
AcademicYear = Annotated[int, Field(ge=2000, le=2100, description="Start year: 2025 = 2025/26")]


class Payload(BaseModel):
    """Every entry says when the thing happened (``occurred_on``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    occurred_on: IsoDate

    @field_validator("occurred_on")
    @classmethod
    def _not_prehistoric(cls, value: date) -> date:
        if value < EARLIEST_DATE:
            raise ValueError("must be on or after 2000-01-01")
        return value


class Characteristics(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    gender: Gender = Gender.NOT_STATED
    fsm: bool = False
    send: bool = False
    pupil_premium: bool = False
    care_experienced: bool = False


class StudentRegistration(Payload):
    given_name: ShortText
    family_name: ShortText
    date_of_birth: IsoDate
    upn: str | None = None
    uln: str | None = None
    characteristics: Characteristics = Characteristics()

    @field_validator("upn")
    @classmethod
    def _upn(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else _identifier(normalise_upn, value)

    @field_validator("uln")
    @classmethod
    def _uln(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else _identifier(normalise_uln, value)

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth(cls, value: date) -> date:
        if value.year < 1990:
            raise ValueError("must be in 1990 or later")
        return value

    @model_validator(mode="after")
    def _needs_an_identifier(self) -> StudentRegistration:
        if self.upn is None and self.uln is None:
            raise ValueError("a UPN or a ULN is required")
        if self.date_of_birth >= self.occurred_on:
            raise ValueError("date_of_birth must be before the registration date")
        return self


def _identifier(check: Any, value: str) -> str:
    from ledger.domain.errors import InvalidIdentifier

    try:
        return str(check(value, field="value"))
    except InvalidIdentifier as exc:
        # pydantic prefixes the field path; keep only the reason.
        raise ValueError(exc.problems[0].reason) from None


class Enrolment(Payload):
    institution_id: InstitutionId
    institution_kind: InstitutionKind = InstitutionKind.SCHOOL
    year_group: YearGroup
    academic_year: AcademicYear


class Leaving(Payload):
    institution_id: InstitutionId
    year_group: YearGroup
    reason: ShortText | None = None


class HigherEducationIntent(Payload):
    considering: bool


class GuidanceInterview(Payload):
    """A guidance interview / personal guidance meeting (BM8; advice and decisions, BM3)."""

    adviser_name: ShortText
    adviser_qualification_level: QualificationLevel
    format: InterviewFormat = InterviewFormat.ONE_TO_ONE
    duration_minutes: Annotated[int, Field(ge=5, le=480)]
    topics: Annotated[list[ShortText], Field(max_length=20)] = []
    advice_given: LongText
    agreed_actions: Annotated[list[LongText], Field(max_length=30)] = []
    intended_destination: ShortText | None = None
    follow_up_on: IsoDate | None = None

    @model_validator(mode="after")
    def _follow_up_after(self) -> GuidanceInterview:
        if self.follow_up_on is not None and self.follow_up_on < self.occurred_on:
            raise ValueError("follow_up_on must not be before occurred_on")
        return self


class GuidanceInterviewNotHeld(Payload):
    """An interview offered but declined or not attended (v2 of its event).

    Counts as the further opportunity of BM8 2014 only when offered by a Level 6+
    adviser; ``None`` (not recorded, and every v1 event) never counts.
    """

    outcome: InterviewOutcome
    adviser_name: ShortText | None = None
    adviser_qualification_level: QualificationLevel | None = None


class EmployerEncounter(Payload):
    employer_name: ShortText
    sector: ShortText
    activity: EmployerActivity
    shared_purpose: bool = False
    learning_outcomes_defined: bool = False
    two_way_interaction: bool = False
    reflection_recorded: bool = False
    curriculum_area: ShortText | None = None
    learning_outcome_tags: Annotated[list[LearningOutcome], Field(max_length=6)] = []
    duration_minutes: Annotated[int, Field(ge=5, le=4800)] | None = None


class WorkplaceExperience(Payload):
    """``occurred_on`` is the first day; ``end_on`` the last."""

    kind: ExperienceKind
    employer_name: ShortText
    end_on: IsoDate
    days: Annotated[Decimal, Field(gt=0, le=100, multiple_of=Decimal("0.5"))]
    hours: Annotated[Decimal, Field(gt=0, le=1000)] | None = None
    part_time_job: bool = False
    reflection_recorded: bool = False

    @model_validator(mode="after")
    def _dates(self) -> WorkplaceExperience:
        if self.end_on < self.occurred_on:
            raise ValueError("end_on must not be before occurred_on")
        span = (self.end_on - self.occurred_on).days + 1
        if self.days > span:
            raise ValueError("days must not exceed the days between occurred_on and end_on")
        return self


class ProviderEncounter(Payload):
    provider_type: ProviderType
    provider_name: ShortText
    mode: EncounterMode = EncounterMode.ON_SITE
    met_staff: bool = True
    met_students: bool = False
    higher_education_visit: bool = False
    provider_access: bool = Field(
        default=False, description="Counts towards the Provider Access Legislation encounters"
    )
    attended: bool = True


class LabourMarketInformationUse(Payload):
    """BM2: the student used careers or labour-market information."""

    activity: ShortText
    source: ShortText | None = None


class CurriculumCareersLearning(Payload):
    """BM4: careers learning linked to a curriculum subject."""

    subject: ShortText
    stem: bool = False
    description: ShortText | None = None


class StudentReflection(Payload):
    """Student-authored: what they took from an encounter, experience or interview."""

    about_sequence: Annotated[int, Field(ge=1)] | None = None
    text: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000), PlainText
    ]


class PartTimeWork(Payload):
    """Student-authored: their own part-time job (colleges must take it into account)."""

    employer_name: ShortText
    role: ShortText
    hours_per_week: Annotated[Decimal, Field(gt=0, le=60)]
    end_on: IsoDate | None = None


def _known_code(code: str) -> str:
    if code not in activity_codes(CURRENT_VERSION):
        raise ValueError(f"is not an NCCIS current-activity code in {CURRENT_VERSION}")
    return code


class IntendedDestination(Payload):
    nccis_code: str
    provider_or_employer: ShortText | None = None
    notes: LongText | None = None
    nccis_version: NccisVersion = CURRENT_VERSION

    _code = field_validator("nccis_code")(classmethod(lambda cls, v: _known_code(v)))


class SeptemberGuaranteeOffer(Payload):
    provider_name: ShortText
    programme: ShortText
    accepted: bool | None = None


class Destination(Payload):
    """An actual activity after leaving. ``occurred_on`` is when the information was obtained."""

    nccis_code: str
    provider_or_employer: ShortText | None = None
    start_on: IsoDate
    end_on: IsoDate | None = None
    source: DestinationSource
    nccis_version: NccisVersion = CURRENT_VERSION

    _code = field_validator("nccis_code")(classmethod(lambda cls, v: _known_code(v)))

    @model_validator(mode="after")
    def _dates(self) -> Destination:
        if self.end_on is not None and self.end_on < self.start_on:
            raise ValueError("end_on must not be before start_on")
        return self


class Correction(Payload):
    amends_sequence: Annotated[int, Field(ge=1)]
    changes: dict[str, Any]
    reason: ShortText

    @field_validator("changes")
    @classmethod
    def _not_empty(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not value:
            raise ValueError("must name at least one field to change")
        return value


class Retraction(Payload):
    amends_sequence: Annotated[int, Field(ge=1)]
    reason: ShortText


class PriorRecordImport(Payload):
    origin: ShortText
    origin_student_id: ShortText
    bundle_digest: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    checkpoint: LongText
    event_count: Annotated[int, Field(ge=0)]


class LegalHold(Payload):
    reason: ShortText


class Erasure(Payload):
    reason: Annotated[str, StringConstraints(pattern=r"^(request|retention|other)$")]
