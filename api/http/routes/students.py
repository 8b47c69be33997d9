"""Registering and finding students; a student's record and its access log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response

from api.http import examples
from api.http.deps import CurrentActor, IdempotencyKey, InFlightDep, PageDep, ServiceDep, StudentId
from api.http.idempotency import scope_of
from api.http.limits import JsonDepthRoute
from api.http.problems import responses
from api.http.routes._append import append_route, appended
from api.http.schemas import (
    AccessEntryPublic,
    AccessLogPublic,
    AppendedPublic,
    EntryPublic,
    RecordPublic,
    StudentPublic,
    StudentSearch,
    next_link,
)
from ledger.domain.payloads import StudentRegistration

router = APIRouter(prefix="/students", tags=["students"], route_class=JsonDepthRoute)

ETAG = {"ETag": {"description": "The record's version", "schema": {"type": "string"}}}


@router.post("", **append_route(403, 409))
async def register_student(
    actor: CurrentActor,
    service: ServiceDep,
    in_flight: InFlightDep,
    response: Response,
    key: IdempotencyKey,
    payload: Annotated[
        StudentRegistration, Body(openapi_examples={"student": {"value": examples.REGISTRATION}})
    ],
) -> AppendedPublic:
    """Register a student at your institution (identifiers are validated and never echoed)."""
    return await appended(
        response,
        in_flight,
        scope_of("registration", actor.institution_id),
        key,
        lambda: service.register_student(payload, idempotency_key=key, actor=actor),
    )


@router.post("/search", response_model=StudentPublic, responses=responses(404))
def find_student(actor: CurrentActor, service: ServiceDep, query: StudentSearch) -> StudentPublic:
    """Find a student by UPN or ULN, sent in the body so identifiers stay out of URLs and logs."""
    student_id = service.find_student(upn=query.upn, uln=query.uln, actor=actor)
    return StudentPublic(student_id=student_id)


@router.get(
    "/{student_id}/record",
    response_model=RecordPublic,
    responses={200: {"description": "The record", "headers": ETAG}, **responses(404)},
)
def student_record(
    actor: CurrentActor,
    service: ServiceDep,
    request: Request,
    response: Response,
    student_id: StudentId,
    page: PageDep,
) -> RecordPublic:
    """A student's full history as stored, oldest first (corrections listed, not applied)."""
    history = service.history(student_id, actor=actor)
    response.headers["ETag"] = f'"{history.version}"'
    total = len(history.entries)
    window = history.entries[page.offset : page.offset + page.limit]
    return RecordPublic(
        student_id=student_id,
        version=history.version,
        total=total,
        limit=page.limit,
        offset=page.offset,
        next=next_link(request.url.path, {}, total, page.limit, page.offset),
        entries=[EntryPublic.of(entry) for entry in window],
    )


@router.get(
    "/{student_id}/access-log", response_model=AccessLogPublic, responses=responses(403, 404)
)
def student_access_log(
    actor: CurrentActor,
    service: ServiceDep,
    request: Request,
    student_id: StudentId,
    page: PageDep,
) -> AccessLogPublic:
    """Who read this student's record, when and why: for the student, auditors and the DPO."""
    found = service.access_log_of(student_id, actor=actor, limit=page.limit, offset=page.offset)
    return AccessLogPublic(
        student_id=student_id,
        total=found.total,
        limit=page.limit,
        offset=page.offset,
        next=next_link(request.url.path, {}, found.total, page.limit, page.offset),
        entries=[
            AccessEntryPublic(
                actor_id=e.actor_id,
                role=e.role,
                institution_id=e.institution_id,
                purpose=e.purpose,
                accessed_at=e.accessed_at,
            )
            for e in found.entries
        ],
    )
