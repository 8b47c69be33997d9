"""What the use cases take and give back: commands, results and a record's entries.

Also the rules every entry point shares about them: how a registration's
stream id follows from its idempotency key and the registering institution
(the MIS and transition imports derive the same ids), what an idempotency key
may be, how a student id is read from text, and how a payload's validation
errors become field problems.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from ledger.domain.errors import FieldProblem, StudentNotFound, ValidationFailed
from ledger.domain.payloads import Payload

REGISTRATION_NAMESPACE = UUID("6f1c2a8e-2b7d-4c55-9a57-5d1c7c0e9b11")
IDEMPOTENCY_KEY_MAX = 200


@dataclass(frozen=True)
class Command:
    """One append: validated before any stream is touched."""

    kind: str
    payload: Mapping[str, Any] | Payload
    student_id: UUID | None = None
    idempotency_key: str | None = None
    expected_version: int | None = None
    provenance: dict[str, Any] | None = None


@dataclass(frozen=True)
class Appended:
    student_id: UUID
    sequence: int
    kind: str
    replayed: bool


@dataclass(frozen=True)
class Entry:
    """One event of a student's history, as stored (corrections not applied)."""

    student_id: UUID
    sequence: int
    kind: str
    topic: str
    occurred_on: date
    recorded_at: datetime
    data: dict[str, Any]
    actor: str | None
    institution_id: str | None
    provenance: dict[str, Any] | None


@dataclass(frozen=True)
class History:
    student_id: UUID
    version: int
    entries: list[Entry] = field(default_factory=list)


def registration_stream_id(institution_id: str | None, idempotency_key: str) -> UUID:
    """The stream a registration with this idempotency key creates at this institution.

    A retried registration derives the same id, collides with the stream its
    first attempt created and replays instead of creating a twin.  Imports
    spell their keys from the source row, so a re-run finds the same streams.
    The institution is part of the id, so one institution's key can never name,
    replay or reveal another's registration (docs/privacy.md, "Registration
    across institutions").  Without an institution (the system actor) the id
    is the key's alone: the derivation every stream was created under before.
    """
    if institution_id is None:
        return legacy_registration_stream_id(idempotency_key)
    scope = uuid.uuid5(REGISTRATION_NAMESPACE, f"institution:{institution_id}")
    return uuid.uuid5(scope, idempotency_key)


def legacy_registration_stream_id(idempotency_key: str) -> UUID:
    """The id a registration's key gave before ids were scoped by institution.

    Streams created then keep it; a retry after the upgrade finds them here
    (``Appends._register``) and replays only for the institution that created them.
    """
    return uuid.uuid5(REGISTRATION_NAMESPACE, idempotency_key)


def entry_of(event: Any) -> Entry:
    """A stored domain event as the use cases hand it out."""
    return Entry(
        student_id=event.originator_id,
        sequence=event.originator_version,
        kind=event.KIND,
        topic=event.TOPIC,
        occurred_on=event.occurred_on,
        recorded_at=event.timestamp,
        data=event.data,
        actor=event.actor,
        institution_id=event.institution_id,
        provenance=event.provenance,
    )


def parse_student_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise StudentNotFound("no student with this id is visible to you") from None


def check_idempotency_key(key: str) -> None:
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise ValidationFailed(
            "Idempotency-Key: must be 1-200 printable characters",
            (FieldProblem("Idempotency-Key", "must be 1-200 printable characters"),),
        )


def validation_failed(exc: ValidationError, prefix: str = "") -> ValidationFailed:
    """A payload's validation errors as field problems (the value itself never shown)."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        location = (
            prefix + ".".join(str(part) for part in error["loc"])
            if error["loc"]
            else (prefix.rstrip(".") or "body")
        )
        reason = str(error["msg"]).removeprefix("Value error, ")
        problems.append(FieldProblem(location, reason))
    detail = "; ".join(f"{p.field}: {p.reason}" for p in problems)
    return ValidationFailed(detail, tuple(problems))
