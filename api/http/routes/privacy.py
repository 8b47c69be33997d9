"""The data protection officer's endpoints: erasure and retention (docs/privacy.md).

Legal holds are entries (``POST /students/{id}/entries/legal_hold_placed`` and
``.../legal_hold_lifted``, data protection officers only); a held record
answers 409 to erasure and is skipped by retention.  Answers name students
by ledger id and reasons by code, never by personal data.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from api.http.deps import CurrentActor, IdempotencyKey, InFlightDep, ServiceDep, StudentId
from api.http.idempotency import scope_of
from api.http.limits import JsonDepthRoute
from api.http.problems import responses
from api.http.routes._append import append_route, appended
from api.http.schemas import AppendedPublic
from ledger.service.privacy import RetentionRun

router = APIRouter(tags=["privacy"], route_class=JsonDepthRoute)


class ErasureCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "request"}]}
    )

    reason: Literal["request", "retention", "other"] = Field(
        description="request: the data subject asked; retention: the period ended; other"
    )


class RetentionItemPublic(BaseModel):
    student_id: UUID
    reason: Literal["record_period_ended", "destination_period_ended"] = Field(
        description="record_period_ended: date of birth + 25 years; destination_period_ended: "
        "3 years after leaving, when that is later"
    )


class RetentionRunPublic(BaseModel):
    as_of: date
    dry_run: bool
    due: list[RetentionItemPublic] = Field(description="Past their retention period")
    erased: list[RetentionItemPublic] = Field(description="Erased by this run (none on a dry run)")
    held: list[UUID] = Field(description="Due, but a legal hold blocks erasure: skipped")
    still_enrolled: list[UUID] = Field(description="Past the period but enrolled: kept")

    @classmethod
    def of(cls, run: RetentionRun) -> RetentionRunPublic:
        return cls(
            as_of=run.as_of,
            dry_run=run.dry_run,
            due=[
                RetentionItemPublic(student_id=i.student_id, reason=i.reason.value) for i in run.due
            ],
            erased=[
                RetentionItemPublic(student_id=i.student_id, reason=i.reason.value)
                for i in run.erased
            ],
            held=run.held,
            still_enrolled=run.still_enrolled,
        )


@router.post("/students/{student_id}/erasure", **append_route(403, 404, 409, 410))
async def erase_student(
    actor: CurrentActor,
    service: ServiceDep,
    in_flight: InFlightDep,
    response: Response,
    student_id: StudentId,
    key: IdempotencyKey,
    erasure: ErasureCreate,
) -> AppendedPublic:
    """Erase the student's personal data for good (their key is destroyed); a legal hold: 409."""
    return await appended(
        response,
        in_flight,
        scope_of(str(student_id), actor.institution_id),
        key,
        lambda: service.erase(student_id, erasure.reason, actor=actor, idempotency_key=key),
    )


@router.get("/retention/due", response_model=RetentionRunPublic, responses=responses(403))
def retention_due(actor: CurrentActor, service: ServiceDep) -> RetentionRunPublic:
    """List the records past retention, and those held or still enrolled; erases nothing."""
    return RetentionRunPublic.of(service.run_retention(dry_run=True, actor=actor))


@router.post("/retention/runs", response_model=RetentionRunPublic, responses=responses(403))
def run_retention(actor: CurrentActor, service: ServiceDep) -> RetentionRunPublic:
    """Erase every record past retention in your scope; legal holds are skipped and listed."""
    return RetentionRunPublic.of(service.run_retention(dry_run=False, actor=actor))
