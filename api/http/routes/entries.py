"""Appending to a student's record: one route per entry kind, plus corrections.

Every append takes an ``Idempotency-Key`` and an optional ``If-Match``.  Who
may append what is decided by ``ledger.domain.access`` inside the service, never
here.  (This module does not use postponed annotations: each generated route
needs its payload class as a real annotation.)
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response

from api.http import examples
from api.http.deps import (
    CurrentActor,
    ExpectedVersion,
    IdempotencyKey,
    InFlightDep,
    ServiceDep,
    StudentId,
)
from api.http.idempotency import scope_of
from api.http.limits import JsonDepthRoute
from api.http.routes._append import append_route, appended
from api.http.schemas import AppendedPublic, CorrectionCreate, RetractionCreate
from ledger.domain.events import ENTRY_KINDS, EVENT_CLASSES

router = APIRouter(
    prefix="/students/{student_id}/entries", tags=["entries"], route_class=JsonDepthRoute
)

SUMMARIES = {
    "enrolment": "Record that the student enrolled at an institution (URN or UKPRN).",
    "leaving": "Record that the student left an institution.",
    "higher_education_intent": "Record whether the student is considering higher education.",
    "guidance_interview": "Record a guidance interview / personal guidance meeting (BM8, BM3).",
    "guidance_interview_not_taken": "Record a guidance interview offered but not taken (BM8).",
    "employer_encounter": "Record an employer encounter with its meaningful-criteria flags (BM5).",
    "workplace_experience": "Record an experience of a workplace (BM6).",
    "provider_encounter": "Record an encounter with a provider (BM7, Provider Access).",
    "labour_market_information": "Record the student's use of labour-market information (BM2).",
    "curriculum_learning": "Record curriculum-linked careers learning (BM4).",
    "reflection": "Add the student's own reflection (students only; marked student-authored).",
    "part_time_work": "Add the student's own part-time work (students only; student-authored).",
    "intended_destination": "Record the student's intended destination (NCCIS code).",
    "september_guarantee": "Record a September Guarantee offer.",
    "destination": "Record an actual destination after leaving (NCCIS activity).",
    "legal_hold_placed": "Place a legal hold blocking erasure (data protection officer only).",
    "legal_hold_lifted": "Lift a legal hold (data protection officer only).",
}
# Kinds appended here only through their own use cases, which do more than append:
# corrections and retractions have routes below; an erasure must destroy the
# student's data key and an imported record must be verified first, so those
# belong to the erasure and transition-import endpoints, never to a raw append.
HANDLED_ELSEWHERE = frozenset({"correction", "retraction", "erasure", "prior_record_import"})
APPENDABLE = tuple(kind for kind in ENTRY_KINDS if kind not in HANDLED_ELSEWHERE)
APPEND_ROUTE = append_route(403, 404, 409, 410)


def _add_append_route(kind: str) -> None:
    model: Any = EVENT_CLASSES[kind].PAYLOAD

    async def append(
        actor: CurrentActor,
        service: ServiceDep,
        in_flight: InFlightDep,
        response: Response,
        student_id: StudentId,
        key: IdempotencyKey,
        expected_version: ExpectedVersion,
        payload: Annotated[model, Body(openapi_examples={kind: {"value": examples.ENTRIES[kind]}})],
    ) -> AppendedPublic:
        return await appended(
            response,
            in_flight,
            scope_of(str(student_id), actor.institution_id),
            key,
            lambda: service.record(
                student_id,
                kind,
                payload,
                idempotency_key=key,
                expected_version=expected_version,
                actor=actor,
            ),
        )

    router.add_api_route(
        f"/{kind}",
        append,
        methods=["POST"],
        **APPEND_ROUTE,
        name=f"append_{kind}",
        summary=SUMMARIES[kind],
        description=SUMMARIES[kind],
    )


for _kind in APPENDABLE:
    _add_append_route(_kind)

Sequence = Annotated[int, Path(ge=1, le=1_000_000, description="The entry being amended")]


@router.post("/{sequence}/correction", **APPEND_ROUTE)
async def correct_entry(
    actor: CurrentActor,
    service: ServiceDep,
    in_flight: InFlightDep,
    response: Response,
    student_id: StudentId,
    sequence: Sequence,
    key: IdempotencyKey,
    expected_version: ExpectedVersion,
    correction: CorrectionCreate,
) -> AppendedPublic:
    """Correct fields of an earlier entry; history keeps both, reports apply the correction."""
    return await appended(
        response,
        in_flight,
        scope_of(str(student_id), actor.institution_id),
        key,
        lambda: service.correct(
            student_id,
            sequence,
            correction.changes,
            correction.reason,
            idempotency_key=key,
            expected_version=expected_version,
            actor=actor,
        ),
    )


@router.post("/{sequence}/retraction", **APPEND_ROUTE)
async def retract_entry(
    actor: CurrentActor,
    service: ServiceDep,
    in_flight: InFlightDep,
    response: Response,
    student_id: StudentId,
    sequence: Sequence,
    key: IdempotencyKey,
    expected_version: ExpectedVersion,
    retraction: RetractionCreate,
) -> AppendedPublic:
    """Retract an earlier entry; history keeps it, every report leaves it out."""
    return await appended(
        response,
        in_flight,
        scope_of(str(student_id), actor.institution_id),
        key,
        lambda: service.retract(
            student_id,
            sequence,
            retraction.reason,
            idempotency_key=key,
            expected_version=expected_version,
            actor=actor,
        ),
    )
