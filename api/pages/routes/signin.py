"""Signing in with the same bearer token the API takes, and signing out."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.pages.deps import PostedForm, session_actor
from api.pages.session import MAX_AGE
from api.pages.web import PageRoute, codec_of, redirect, render, sessions_of
from api.store.auth import Authenticator
from ledger.domain.access import Actor
from ledger.domain.vocabulary import Role

router = APIRouter(route_class=PageRoute)


def home_of(actor: Actor) -> str:
    """Where each role starts."""
    if actor.role is Role.STUDENT and actor.student_id is not None:
        return f"/students/{actor.student_id}"
    if actor.role is Role.CAREERS_LEADER:
        return "/cohort"
    if actor.role is Role.AUDITOR:
        return "/audit"
    return "/students"


def _local(path: str | None) -> str | None:
    """Only a path on this site may be a redirect target (no open redirects)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    return path


@router.get("/", name="page_signin")
def signin_page(request: Request, next: str | None = None) -> Response:
    """Sign in (or, already signed in, go to your start page)."""
    actor = session_actor(request)
    if actor is not None:
        return redirect(_local(next) or home_of(actor))
    return render(request, "signin.html", {"next": _local(next) or ""})


@router.post("/signin", name="page_signin_submit")
def signin(request: Request, form: PostedForm) -> Response:
    token = str(form.get("token") or "").strip()
    wanted = _local(str(form.get("next") or ""))
    authenticator: Authenticator = request.app.state.authenticator
    actor = authenticator.actor_for(token) if token else None
    if actor is None:
        reason = (
            "Enter your access token" if not token else "This token is not valid or was revoked"
        )
        return render(
            request,
            "signin.html",
            {"next": wanted or "", "errors": {"token": reason}},
            status=401 if token else 422,
        )
    before = codec_of(request).read(request)
    if before.sid is not None:
        sessions_of(request).end(before.sid)  # one session per browser: the old cookie is done
    sid = sessions_of(request).start(actor.id, token, timedelta(seconds=MAX_AGE))
    session = before.signed_in(token, sid)
    return redirect(wanted or home_of(actor), session=session, request=request)


@router.post("/signout", name="page_signout")
def signout(request: Request, form: PostedForm) -> Response:
    """End the session on the server (a copy of the cookie opens nothing) and drop the cookie."""
    sid = codec_of(request).read(request).sid
    if sid is not None:
        sessions_of(request).end(sid)
    response = redirect("/")
    codec_of(request).clear(response)
    return response
