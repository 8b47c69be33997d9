"""The one place errors become HTTP: RFC 9457 problem+json.

Every :class:`~ledger.domain.errors.LedgerError` (and FastAPI's request validation
and routing errors) is answered as ``application/problem+json`` with ``type``,
``title``, ``status``, ``detail`` and ``errors[{field, reason}]``.  Bodies name
fields and rules, never the values sent: personal data never comes back in an
error, nor goes to a log through one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from ledger.domain.errors import FieldProblem, LedgerError

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "tag:careers-ledger,2025:problems/"


class Unauthenticated(LedgerError):
    code = "unauthenticated"
    status = 401
    title = "A valid bearer token is required"


class IdempotencyKeyInFlight(LedgerError):
    """The same Idempotency-Key is still being processed by another request."""

    code = "idempotency_key_in_flight"
    status = 409
    title = "A request with this Idempotency-Key is still in progress"


class BodyTooLarge(StarletteHTTPException):
    """A request body over its limit, raised while it streams in (``api.http.limits``).

    An ``HTTPException`` so that FastAPI's body parsing passes it on untouched (it turns
    any other error met while reading a body into a 400).
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"body: must be at most {limit} bytes")
        self.limit = limit


def body_too_large(limit: int) -> Response:
    reason = f"must be at most {limit} bytes"
    return problem(
        413,
        "body_too_large",
        "The request body is too large",
        f"body: {reason}",
        (FieldProblem("body", reason),),
        {"Connection": "close"},
    )


class ProblemField(BaseModel):
    field: str = Field(examples=["occurred_on"])
    reason: str = Field(examples=["must not be in the future"])


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str = Field(examples=[TYPE_PREFIX + "validation_failed"])
    title: str = Field(examples=["The input is not valid"])
    status: int = Field(ge=400, le=599, examples=[422])
    detail: str = Field(examples=["occurred_on: must not be in the future"])
    code: str = Field(examples=["validation_failed"])
    errors: list[ProblemField] = Field(default_factory=list)


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: Iterable[FieldProblem] = (),
    headers: dict[str, str] | None = None,
) -> Response:
    body = {
        "type": TYPE_PREFIX + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "errors": [{"field": e.field, "reason": e.reason} for e in errors],
    }
    return Response(orjson.dumps(body), status, headers=headers, media_type=MEDIA_TYPE)


def _ledger_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LedgerError)
    headers = {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="careers-ledger"'
    if isinstance(exc, IdempotencyKeyInFlight):
        headers["Retry-After"] = "1"
    return problem(exc.status, exc.code, exc.title, exc.detail, exc.problems, headers)


def _body_too_large(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BodyTooLarge)
    return body_too_large(exc.limit)


def _validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        FieldProblem(_field(error["loc"]), str(error["msg"]).removeprefix("Value error, "))
        for error in exc.errors()
    ]
    detail = "; ".join(f"{p.field}: {p.reason}" for p in problems)
    return problem(422, "validation_failed", "The input is not valid", detail, problems)


def _field(location: Sequence[Any]) -> str:
    # ("body", "upn") -> "upn"; ("header", "Idempotency-Key") -> "Idempotency-Key"
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else phrase
    return problem(exc.status_code, code, phrase, detail, (), dict(exc.headers or {}))


def install(app: FastAPI) -> None:
    app.add_exception_handler(LedgerError, _ledger_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(BodyTooLarge, _body_too_large)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problems a route can answer (always 400, 401 and 422)."""
    wanted = sorted({400, 401, 422, *statuses})
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in wanted
    }
