"""The API's own request and response shapes (``XCreate`` in, ``XPublic`` out).

Entry payloads are the ledger's validated payload models (``ledger.domain.payloads``)
used as they are; this module adds what only the HTTP edge needs, with the
examples OpenAPI shows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ledger.domain.access_log import AccessPurpose
from ledger.domain.events import EVENT_CLASSES
from ledger.service.commands import Appended, Entry

STUDENT_ID_EXAMPLE = "0b6f3f0e-7f4c-5a7d-9a43-1c2d3e4f5a6b"


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True)


class HealthPublic(_Public):
    status: str = Field(examples=["ok"])
    version: str = Field(examples=["0.1.0"])


class AppendedPublic(_Public):
    """What an append answers, the first time and on every replay of its Idempotency-Key."""

    student_id: UUID = Field(examples=[STUDENT_ID_EXAMPLE])
    sequence: int = Field(ge=1, examples=[4], description="The entry's place in the record")
    kind: str = Field(examples=["guidance_interview"])

    @classmethod
    def of(cls, appended: Appended) -> AppendedPublic:
        return cls(student_id=appended.student_id, sequence=appended.sequence, kind=appended.kind)


class StudentSearch(BaseModel):
    """Find a student by exactly one identifier; sent in the body so it stays out of URLs."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"upn": "H801200001001"}, {"uln": "1000000043"}]},
    )

    upn: str | None = Field(default=None, min_length=1, max_length=20)
    uln: str | None = Field(default=None, min_length=1, max_length=20)


class StudentPublic(_Public):
    student_id: UUID = Field(examples=[STUDENT_ID_EXAMPLE])


class CorrectionCreate(BaseModel):
    """Amend fields of an earlier entry; the original stays in the history."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"changes": {"duration_minutes": 45}, "reason": "Duration was mistyped"},
            ]
        },
    )

    changes: dict[str, Any] = Field(min_length=1, description="Field name to corrected value")
    reason: str = Field(min_length=1, max_length=200)


class RetractionCreate(BaseModel):
    """Withdraw an earlier entry from every report; the history keeps it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Recorded against the wrong student"}]},
    )

    reason: str = Field(min_length=1, max_length=200)


class EntryPublic(_Public):
    sequence: int = Field(ge=1, examples=[2])
    kind: str = Field(examples=["guidance_interview"])
    occurred_on: date = Field(examples=["2024-11-12"])
    recorded_at: datetime = Field(examples=["2024-11-12T15:04:05Z"])
    data: dict[str, Any] = Field(examples=[{"adviser_qualification_level": 6}])
    student_authored: bool = Field(description="The student's own words (reflection, job)")
    actor: str | None = Field(description="The user id that recorded it (never a name)")
    institution_id: str | None = Field(examples=["100001"])
    provenance: dict[str, Any] | None = None

    @classmethod
    def of(cls, entry: Entry) -> EntryPublic:
        return cls(
            sequence=entry.sequence,
            kind=entry.kind,
            occurred_on=entry.occurred_on,
            recorded_at=entry.recorded_at,
            data=entry.data,
            student_authored=EVENT_CLASSES[entry.kind].STUDENT_AUTHORED,
            actor=entry.actor,
            institution_id=entry.institution_id,
            provenance=entry.provenance,
        )


class PagePublic(_Public):
    total: int = Field(ge=0, examples=[12])
    limit: int = Field(ge=1, examples=[100])
    offset: int = Field(ge=0, examples=[0])
    next: str | None = Field(description="The next page's URL, or null on the last page")


class RecordPublic(PagePublic):
    """A student's full history as stored: corrections and retractions listed, not applied."""

    student_id: UUID = Field(examples=[STUDENT_ID_EXAMPLE])
    version: int = Field(ge=1, examples=[12], description="Also sent as the ETag")
    entries: list[EntryPublic]


class AccessEntryPublic(_Public):
    actor_id: str
    role: str = Field(examples=["adviser"])
    institution_id: str | None = Field(examples=["100001"])
    purpose: AccessPurpose
    accessed_at: datetime


class AccessLogPublic(PagePublic):
    """Who read this student's record, when and why (ids only)."""

    student_id: UUID = Field(examples=[STUDENT_ID_EXAMPLE])
    entries: list[AccessEntryPublic]


class ChainFailurePublic(_Public):
    student_id: str
    sequence: int
    problem: str


class VerificationPublic(_Public):
    """Every student's hash chain recomputed from the stored bytes."""

    ok: bool
    full: bool = Field(description="Commitments re-derived from decrypted payloads as well")
    streams: int = Field(ge=0)
    events: int = Field(ge=0)
    failures: list[ChainFailurePublic]


def next_link(path: str, query: dict[str, Any], total: int, limit: int, offset: int) -> str | None:
    if offset + limit >= total:
        return None
    params = {**{k: v for k, v in query.items() if v is not None}, "limit": limit}
    params["offset"] = offset + limit
    return path + "?" + "&".join(f"{k}={v}" for k, v in params.items())
