"""Server-rendered pages for advisers, students, careers leaders and auditors.

Jinja2 templates (``api/templates``), a little JavaScript and CSS
(``api/static``), inline SVG charts drawn on the server: nothing comes from
a CDN.  Pages call the same :class:`~ledger.service.ledger_service.LedgerService`
and its read use cases (``ledger.service.reads``) as the HTTP API; who may see or
do what is decided there.  ``install(app)`` mounts them on the API's app (``create_app``).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.pages.routes import router
from api.pages.session import SessionCodec
from api.pages.web import STATIC, build_templates
from api.store.keys import session_key
from api.store.sessions import SessionStore


def install(app: FastAPI) -> None:
    """Mount the pages, their static files and their session codec on ``app``."""
    settings = app.state.ledger.settings
    app.state.page_sessions = SessionCodec(
        session_key(settings), secure=settings.mode == "production"
    )
    app.state.page_session_store = SessionStore(app.state.ledger.engine)
    app.state.page_templates = build_templates()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router)
