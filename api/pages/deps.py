"""What page routes depend on: the signed-in actor, a CSRF-checked form, the ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from api.pages.session import CSRF_FIELD
from api.pages.web import CsrfRefused, SignInRequired, codec_of, sessions_of
from api.store.auth import Authenticator
from ledger.domain.access import Actor

MAX_FORM_FILES = 1
MAX_FORM_FIELDS = 200


def session_actor(request: Request) -> Actor | None:
    """The person behind the session cookie, resolved afresh, or None.

    The session must still be live on the server (not signed out, not expired, the
    user not revoked) and its token still valid: both checks are immediate.
    """
    session = codec_of(request).read(request)
    if session.token is None or session.sid is None:
        return None
    if not sessions_of(request).is_live(session.sid, session.token):
        return None
    authenticator: Authenticator = request.app.state.authenticator
    actor = authenticator.actor_for(session.token)
    if actor is not None:
        request.state.actor = actor
    return actor


def page_actor(request: Request) -> Actor:
    """The signed-in person; no live session means sign in."""
    actor = session_actor(request)
    if actor is None:
        raise SignInRequired
    return actor


async def posted_form(request: Request) -> FormData:
    """The submitted form, refused unless it carries this session's CSRF token."""
    form = await request.form(max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS)
    sent = form.get(CSRF_FIELD)
    session = codec_of(request).read(request)
    if not isinstance(sent, str) or not session.csrf_matches(sent):
        raise CsrfRefused(
            "the form's security token did not match your session; reload the page and try again"
        )
    return form


PageActor = Annotated[Actor, Depends(page_actor)]
PostedForm = Annotated[FormData, Depends(posted_form)]
