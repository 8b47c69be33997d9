"""Request bodies: the token checked before a body is read, and every body bounded.

``BoundedBodies`` is an ASGI middleware in front of the whole app (API and pages):

- a request to ``/api/v1`` (except ``/health``) that carries a body is authenticated from
  its ``Authorization`` header before one byte of the body is read: without a valid token it
  is answered ``401`` and the body is never read (the actor is kept in the scope, so the
  route's ``current_actor`` does not look the token up again);
- a body over its limit is ``413`` problem+json: at once when ``Content-Length`` says so, else
  as soon as the bytes counted while streaming in pass it (``BodyTooLarge`` raised from
  ``receive``), so nothing ever holds more than the limit.  Uploads (the MIS and record
  imports, the pages' import) have their own, larger limit.

``JsonDepthRoute`` refuses a JSON body nested deeper than ``MAX_JSON_DEPTH`` with ``422``
naming ``body``, before it is parsed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from itertools import accumulate
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.deps import ACTOR_SCOPE_KEY, authenticate, bearer_token
from api.http.problems import BodyTooLarge, Unauthenticated, body_too_large, problem
from ledger.domain.errors import FieldProblem, ValidationFailed

API_PREFIX = "/api/v1/"
UNAUTHENTICATED_PATHS = frozenset({"/api/v1/health"})
UPLOAD_PATHS = ("/api/v1/imports/", "/imports")
MAX_JSON_DEPTH = 32


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _has_body(scope: Scope) -> bool:
    length = _header(scope, b"content-length")
    return _header(scope, b"transfer-encoding") is not None or (
        length is not None and length.strip() != "0"
    )


class BoundedBodies:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def limit_for(self, path: str) -> int:
        upload = any(path == p.rstrip("/") or path.startswith(p) for p in UPLOAD_PATHS)
        return self.max_upload_bytes if upload else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(API_PREFIX) and path not in UNAUTHENTICATED_PATHS:
            authenticator = scope["app"].state.authenticator
            token = bearer_token(_header(scope, b"authorization"))
            try:
                scope[ACTOR_SCOPE_KEY] = await run_in_threadpool(authenticate, authenticator, token)
            except Unauthenticated as refused:
                headers = {
                    "WWW-Authenticate": 'Bearer realm="careers-ledger"',
                    "Connection": "close",
                }
                response = problem(
                    refused.status, refused.code, refused.title, refused.detail, (), headers
                )
                await response(scope, receive, send)
                return
        limit = self.limit_for(path)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await body_too_large(limit)(scope, receive, send)
            return

        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await body_too_large(limit)(scope, receive, send)


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [0] * 256
for _open, _close in (b"[]", b"{}"):
    _STEP[_open], _STEP[_close] = 1, -1


def json_depth(body: bytes) -> int:
    """How deep ``body``'s arrays and objects nest (brackets inside strings do not count)."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def check_json_depth(body: bytes) -> None:
    if json_depth(body) > MAX_JSON_DEPTH:
        reason = f"must not nest arrays and objects more than {MAX_JSON_DEPTH} levels deep"
        raise ValidationFailed(f"body: {reason}", (FieldProblem("body", reason),))


class JsonDepthRoute(APIRoute):
    """A route that refuses a JSON body nested too deep before parsing it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            content_type = request.headers.get("content-type", "application/json")
            if request.method in {"POST", "PUT", "PATCH"} and "json" in content_type:
                check_json_depth(await request.body())  # kept: the handler reads it again
            return await handler(request)

        return bounded
