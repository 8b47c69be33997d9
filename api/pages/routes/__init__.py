"""Page routes, one module per audience; each exposes ``router``."""

from __future__ import annotations

from fastapi import APIRouter

from api.pages.routes import audit, cohort, entries, imports, signin, students
from api.pages.web import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
for _module in (signin, students, entries, cohort, imports, audit):
    router.include_router(_module.router)
