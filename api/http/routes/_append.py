"""What every append route shares: the in-flight guard and the response headers.

Append routes are ``async``: the ledger call (under its Idempotency-Key claim)
is the one step that blocks, so it alone goes to the thread pool.  A plain
``def`` route would also send its answer's validation there, one more round
trip through a worker thread per request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from api.http.idempotency import InFlightKeys
from api.http.problems import responses
from api.http.schemas import AppendedPublic
from ledger.service.commands import Appended

PREFIX = "/api/v1"

HEADERS: dict[str, Any] = {
    "ETag": {
        "description": "The record's version right after this entry",
        "schema": {"type": "string"},
        "required": True,
    },
    "Location": {
        "description": "The student's record",
        "schema": {"type": "string"},
        "required": True,
    },
    "Idempotent-Replayed": {
        "description": "`true` when this answers a repeat of an earlier request's key",
        "schema": {"type": "string", "enum": ["true"]},
        "required": False,
    },
}
CREATED: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "Recorded (or the original result of this Idempotency-Key)",
        "headers": HEADERS,
    }
}


def append_route(*problems: int) -> dict[str, Any]:
    """An append route's options: 201 with ``HEADERS``, the result, and these problems."""
    return {
        "status_code": 201,
        "response_model": AppendedPublic,
        "responses": {**CREATED, **responses(*problems)},
    }


async def appended(
    response: Response,
    in_flight: InFlightKeys,
    scope: str,
    key: str,
    append: Callable[[], Appended],
) -> AppendedPublic:
    """Run one append under its Idempotency-Key; replays answer exactly like the original."""
    result = await run_in_threadpool(_claimed, in_flight, scope, key, append)
    response.headers["ETag"] = f'"{result.sequence}"'
    response.headers["Location"] = f"{PREFIX}/students/{result.student_id}/record"
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return AppendedPublic.of(result)


def _claimed(
    in_flight: InFlightKeys, scope: str, key: str, append: Callable[[], Appended]
) -> Appended:
    with in_flight.claim(scope, key):
        return append()
