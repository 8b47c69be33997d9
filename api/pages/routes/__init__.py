"""Page routes, one module per audience; each exposes ``router``."""

from __future__ import annotations

from fastapi import APIRouter

from ..web import PageRoute
from . import audit, cohort, entries, imports, signin, students

router = APIRouter(route_class=PageRoute, include_in_schema=False)
for _module in (signin, students, entries, cohort, imports, audit):
    router.include_router(_module.router)
