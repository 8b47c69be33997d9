"""The HTTP API: ``create_app(settings)`` builds everything; importing builds nothing.

``uvicorn --factory api.server:create_app`` (or ``careers-ledger serve``) calls it
once per worker process.  Endpoints are plain ``def``: the ledger library is
synchronous, so FastAPI runs them on its thread pool.  Appends are the
exception: ``async`` routes that send only the ledger call to the pool
(``api/http/routes/_append.py``), answered once committed while a follower
thread brings the projections up (``projections/runner/follower.py``).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, Response
from starlette.types import Scope

from api import pages
from api.bootstrap import Ledger, build
from api.config import Settings
from api.http import problems
from api.http.idempotency import InFlightKeys
from api.http.limits import BoundedBodies
from api.http.routes import audit, entries, evidence, health, imports, privacy, reports, students
from api.pages.web import SECURITY_HEADERS
from api.store.auth import Authenticator
from ledger.domain.clock import Clock
from ledger.service.group_commit import with_group_commit
from ledger.service.ledger_service import LedgerService

API_PREFIX = "/api/v1"
DOCS_URL = f"{API_PREFIX}/docs"
DOCS_ASSETS = f"{DOCS_URL}/static"
# Swagger UI's JS, CSS and favicon as fastapi-offline ships them (Swagger UI 5, Apache-2.0).
SWAGGER_UI = files("fastapi_offline") / "static"
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
        docs_url=None,  # served by _install_docs: local assets, the pages' security headers
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
    _install_docs(app)
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


def _install_docs(app: FastAPI) -> None:
    """Swagger UI at ``/api/v1/docs``, every byte from this server, under the pages' CSP.

    FastAPI's page starts Swagger UI with one inline script; the CSP allows exactly that
    script by its SHA-256 hash (computed here from the page served), so ``script-src``
    has no ``'unsafe-inline'`` and no other origin.  The assets get the same headers,
    but ``no-cache`` instead of ``no-store``: the browser revalidates the 1.5 MB bundle by
    its ETag rather than fetching it again on every visit.
    """
    page = get_swagger_ui_html(
        openapi_url=f"{API_PREFIX}/openapi.json",
        title=f"{app.title} - Swagger UI",
        swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
        # No badge from validator.swagger.io: the page talks only to this server.
        swagger_ui_parameters={"validatorUrl": None},
    )
    body = bytes(page.body)
    inline = re.findall(rb"<script>(.*?)</script>", body, flags=re.DOTALL)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in inline
    )
    policy = SECURITY_HEADERS["Content-Security-Policy"].replace(
        "script-src 'self';", f"script-src 'self' {hashes};"
    )
    page_headers = {**SECURITY_HEADERS, "Content-Security-Policy": policy}
    asset_headers = {**page_headers, "Cache-Control": "no-cache"}

    class Assets(StaticFiles):
        async def get_response(self, path: str, scope: Scope) -> Response:
            response = await super().get_response(path, scope)
            response.headers.update(asset_headers)
            return response

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(body, headers=page_headers)

    app.mount(DOCS_ASSETS, Assets(directory=str(SWAGGER_UI)), name="swagger-ui")
