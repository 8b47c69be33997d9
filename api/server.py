"""The HTTP API: ``create_app(settings)`` builds everything; importing builds nothing.

``uvicorn --factory api.server:create_app`` (or ``careers-ledger serve``) calls it
once per worker process.  Endpoints are plain ``def``: the ledger library is
synchronous, so FastAPI runs them on its thread pool.  Appends are the
exception: ``async`` routes that send only the ledger call to the pool
(``api/http/routes/_append.py``), answered once committed while a follower
thread brings the projections up (``projections/runner/follower.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware

from api import pages
from api.bootstrap import Ledger, build
from api.config import Settings
from api.http import problems
from api.http.idempotency import InFlightKeys
from api.http.limits import BoundedBodies
from api.http.routes import audit, entries, evidence, health, imports, privacy, reports, students
from api.store.auth import Authenticator
from ledger.domain.clock import Clock
from ledger.service.group_commit import with_group_commit
from ledger.service.ledger_service import LedgerService

API_PREFIX = "/api/v1"
DESCRIPTION = """\
An event-sourced, tamper-evident record of each student's careers education.

Every path except `/api/v1/health` needs `Authorization: Bearer <token>`.
Errors are RFC 9457 `application/problem+json`, naming fields and rules but never
the values sent. Appends need an `Idempotency-Key`; `If-Match` with a record's
ETag makes an append conditional (409 when the record moved on).
"""


def create_app(
    settings: Settings | None = None,
    *,
    ledger: Ledger | None = None,
    authenticator: Authenticator | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """Build the API around a ledger (built here from ``settings`` unless one is given).

    A ledger built here is closed when the app shuts down; a given one belongs to
    the caller.  ``authenticator`` defaults to the ledger's bearer-token store.
    """
    owned = ledger is None
    built = ledger if ledger is not None else build(settings or Settings(), clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        service: LedgerService = app.state.service
        if service.read_side is not None:
            await run_in_threadpool(service.read_side.wait)  # projections level with the log
        if owned:
            built.close()

    app = FastAPI(
        title="Careers Ledger API",
        version=version("careers-ledger"),
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.ledger = built
    app.state.authenticator = authenticator if authenticator is not None else built.tokens
    app.state.in_flight = InFlightKeys()
    app.state.service = with_group_commit(built.service)
    problems.install(app)
    app.add_middleware(
        BoundedBodies,
        max_body_bytes=built.settings.max_body_bytes,
        max_upload_bytes=built.settings.max_upload_bytes,
    )
    # Outermost: pages, downloads and API JSON of 1 KB or more are gzipped for clients that
    # send Accept-Encoding: gzip (the dashboard's HTML, 125 KB, goes as about 10 KB).
    app.add_middleware(GZipMiddleware, minimum_size=1024)

    api = APIRouter(prefix=API_PREFIX)
    for router in (
        health.router,
        students.router,
        entries.router,
        reports.students,
        reports.cohorts,
        audit.router,
        evidence.router,
        reports.operations,
        privacy.router,
        imports.router,
    ):
        api.include_router(router)
    app.include_router(api)
    pages.install(app)  # the web pages: sign-in at /, static files at /static
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = FastAPI.openapi(app)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem_schema = problems.Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components.update(problem_schema.pop("$defs", {}))
        components["Problem"] = problem_schema
        app.openapi_schema = schema
    return app.openapi_schema
