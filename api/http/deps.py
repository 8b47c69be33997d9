"""Request dependencies, each one ``Annotated`` alias the routes declare.

Those that only read the app's state or a header are ``async``: FastAPI runs
a plain ``def`` dependency on its thread pool, a round trip through a worker
thread for a dictionary lookup.  ``current_actor`` reads the database, and
``get_ledger`` may wait for the read side, each on the thread pool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool

from api.bootstrap import Ledger
from api.http.idempotency import InFlightKeys
from api.http.problems import Unauthenticated
from api.store.auth import Authenticator
from ledger.domain.access import Actor
from ledger.domain.errors import FieldProblem, ValidationFailed
from ledger.service.ledger_service import LedgerService

bearer = HTTPBearer(
    auto_error=False,
    description="A token from `careers-ledger users create` (or, later, an OIDC access token)",
)
ACTOR_SCOPE_KEY = "careers_ledger.actor"
STRONG_ETAG = re.compile(r'^"(\d{1,12})"$')


async def get_ledger(request: Request) -> Ledger:
    """The ledger, its projections including every append this process has answered.

    Appends are projected by a follower thread just after they are answered
    (``projections.runner.follower``); a request that reads projections waits for it here, so
    a client always reads its own writes.
    """
    service: LedgerService = request.app.state.service
    if service.read_side is not None and service.read_side.behind():
        await run_in_threadpool(service.read_side.wait)
    ledger: Ledger = request.app.state.ledger
    return ledger


async def get_service(request: Request) -> LedgerService:
    """The ledger's service with group commit in front of single appends (see group_commit)."""
    service: LedgerService = request.app.state.service
    return service


async def get_in_flight(request: Request) -> InFlightKeys:
    keys: InFlightKeys = request.app.state.in_flight
    return keys


def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    # A request with a body was authenticated before its body was read (api.http.limits).
    known = request.scope.get(ACTOR_SCOPE_KEY)
    if isinstance(known, Actor):
        return known
    authenticator: Authenticator = request.app.state.authenticator
    return authenticate(authenticator, None if credentials is None else credentials.credentials)


def authenticate(authenticator: Authenticator, token: str | None) -> Actor:
    """The actor a bearer token stands for, else :class:`Unauthenticated`."""
    if not token:
        raise Unauthenticated("send Authorization: Bearer <token>")
    actor = authenticator.actor_for(token)
    if actor is None:
        raise Unauthenticated("the bearer token is not valid or has been revoked")
    return actor


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, as ``HTTPBearer`` reads it."""
    scheme, token = get_authorization_scheme_param(authorization)
    if not authorization or not scheme or not token or scheme.lower() != "bearer":
        return None
    return token


async def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The record\'s ETag (e.g. `"7"`): append only if it is still at that '
            "version, else 409. `*` or no header appends whatever the version.",
            max_length=100,
        ),
    ] = None,
) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    match = STRONG_ETAG.match(if_match.strip())
    if match is None:
        raise ValidationFailed(
            'If-Match: must be one strong ETag such as "7", or *',
            (FieldProblem("If-Match", 'must be one strong ETag such as "7", or *'),),
        )
    return int(match.group(1))


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


async def page(
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page")] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip")] = 0,
) -> Page:
    return Page(limit, offset)


LedgerDep = Annotated[Ledger, Depends(get_ledger)]
ServiceDep = Annotated[LedgerService, Depends(get_service)]
InFlightDep = Annotated[InFlightKeys, Depends(get_in_flight)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
ExpectedVersion = Annotated[int | None, Depends(expected_version)]
PageDep = Annotated[Page, Depends(page)]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x20-\x7e]+$",
        description="A fresh UUID per logical append; a retry with the same key and body returns "
        "the first result and writes nothing",
        examples=["4f6e9a52-0d1c-4b8e-9a35-2f1d7c9be001"],
    ),
]
StudentId = Annotated[UUID, Path(description="The student's ledger id")]
