"""Rendering pages, and the one place a page's errors become HTML.

Page routes use :class:`PageRoute`: a :class:`~ledger.domain.errors.LedgerError`
raised anywhere below a page (the service's 404 for a student out of scope,
403 for a role that may not act, 410 for an erased record) is answered with
the error page and its status, never with problem+json and never with the
values that were sent.  A missing or expired session redirects to sign-in.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.pages import labels
from api.pages.session import Session, SessionCodec
from api.store.sessions import SessionStore
from ledger.domain.errors import FieldProblem, LedgerError, ValidationFailed

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
SECURITY_HEADERS = {
    # Everything is served from the package: no CDN, no inline script, no framing.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class SignInRequired(Exception):
    """No valid session: the person is sent to the sign-in page."""


class CsrfRefused(LedgerError):
    code = "csrf_refused"
    status = 403
    title = "This form has expired"


def build_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    labels.install(templates.env)
    return templates


def codec_of(request: Request) -> SessionCodec:
    codec: SessionCodec = request.app.state.page_sessions
    return codec


def sessions_of(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.page_session_store
    return store


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    session: Session | None = None,
) -> HTMLResponse:
    """Render ``template``; a session not yet in the browser is sent as its cookie."""
    codec = codec_of(request)
    session = session or codec.read(request)
    templates: Jinja2Templates = request.app.state.page_templates
    values = {
        "session": session,
        "csrf_token": session.csrf,
        "actor": getattr(request.state, "actor", None),
        **(context or {}),
    }
    response = templates.TemplateResponse(request, template, values, status_code=status)
    if session.fresh:
        codec.write(response, session)
    response.headers.update(SECURITY_HEADERS)
    return response


def redirect(
    url: str, *, session: Session | None = None, request: Request | None = None
) -> Response:
    """A 303 See Other (after a POST, the browser GETs the result: no resubmission)."""
    response = RedirectResponse(url, status_code=303)
    if session is not None and request is not None:
        codec_of(request).write(response, session)
    response.headers.update(SECURITY_HEADERS)
    return response


def error_page(request: Request, exc: LedgerError) -> HTMLResponse:
    phrase = HTTPStatus(exc.status).phrase
    return render(
        request,
        "error.html",
        {"status": exc.status, "phrase": phrase, "title": exc.title, "detail": exc.detail},
        status=exc.status,
    )


class PageRoute(APIRoute):
    """An HTML route: ledger errors render the error page, no session means sign in."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                wanted = request.url.path if request.method == "GET" else "/"
                return redirect("/?next=" + quote(wanted, safe="/"))
            except LedgerError as exc:
                return error_page(request, exc)
            except RequestValidationError as exc:
                # A hand-edited address (a query value of the wrong type): say which one.
                names = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
                reason = "is not a value this page understands"
                refused = ValidationFailed(
                    "the address is not valid: " + ", ".join(f"{n} {reason}" for n in names),
                    tuple(FieldProblem(n, reason) for n in names),
                )
                return error_page(request, refused)

        return page_handler
