"""Liveness, the one path answered without a token."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import APIRouter

from api.http.limits import JsonDepthRoute
from api.http.schemas import HealthPublic

router = APIRouter(prefix="/health", tags=["health"], route_class=JsonDepthRoute)


@router.get("", response_model=HealthPublic)
def health() -> HealthPublic:
    """Report that the API process is up."""
    return HealthPublic(status="ok", version=version("careers-ledger"))
