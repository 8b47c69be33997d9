"""Inspection evidence: chain verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.http.deps import CurrentActor, ServiceDep
from api.http.limits import JsonDepthRoute
from api.http.problems import responses
from api.http.schemas import ChainFailurePublic, VerificationPublic

router = APIRouter(prefix="/audit", tags=["audit"], route_class=JsonDepthRoute)


@router.get("/verification", response_model=VerificationPublic, responses=responses(403))
def verify_chains(
    actor: CurrentActor,
    service: ServiceDep,
    keyless: Annotated[
        bool, Query(description="Check links only, without decrypting payloads")
    ] = False,
) -> VerificationPublic:
    """Recompute every student's hash chain; failures name the student id and sequence."""
    report = service.verify(full=not keyless, actor=actor)
    return VerificationPublic(
        ok=report.ok,
        full=not keyless,
        streams=report.streams,
        events=report.events,
        failures=[
            ChainFailurePublic(student_id=f.student_id, sequence=f.sequence, problem=f.problem)
            for f in report.failures
        ],
    )
