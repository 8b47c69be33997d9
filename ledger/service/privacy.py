"""Erasure, legal holds, retention and key rotation: the data protection officer's work.

Erasure is crypto-shredding.  One transaction stores the erasure event (no
personal data, kept in clear so it stays readable), turns the student's key
row into a tombstone and releases their identifier claims.  Then every
in-memory copy is dropped (key cache, cached record), the read side catches
up (projections delete the student's rows when they see the erasure event)
and the deleted bytes are compacted away.  Stored events are never deleted,
so the student's chain and everyone else's still verify.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import DatabaseError, OperationalError

from ledger.domain import access
from ledger.domain.access import Actor
from ledger.domain.clock import Clock
from ledger.domain.errors import Forbidden, LegalHoldActive, StorageUnavailable, StudentErased
from ledger.domain.events import EVENT_CLASSES
from ledger.domain.retention import (
    RetentionFacts,
    RetentionPolicy,
    RetentionReason,
    decide,
)
from ledger.domain.vocabulary import Role
from ledger.service.commands import Appended
from ledger.storage.application import LedgerApplication, RotationReport


class LedgerService(Protocol):
    """What the privacy use cases need of the service: its store, its clock, one append."""

    app: LedgerApplication
    clock: Clock

    def record(
        self,
        student_id: UUID,
        kind: str,
        payload: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        actor: Actor = ...,
    ) -> Appended: ...


log = logging.getLogger(__name__)
PRIVACY_ROLES = frozenset({Role.DATA_PROTECTION_OFFICER, Role.SYSTEM})
RETENTION_KINDS = (
    "registration",
    "enrolment",
    "leaving",
    "correction",
    "retraction",
    "legal_hold_placed",
    "legal_hold_lifted",
    "erasure",
)


@dataclass(frozen=True)
class RetentionItem:
    student_id: UUID
    reason: RetentionReason


@dataclass
class RetentionRun:
    """What a retention run found and did: ids and reason codes only."""

    as_of: date
    dry_run: bool
    due: list[RetentionItem] = field(default_factory=list)
    erased: list[RetentionItem] = field(default_factory=list)
    held: list[UUID] = field(default_factory=list)
    still_enrolled: list[UUID] = field(default_factory=list)


def check_privacy_role(actor: Actor) -> None:
    if actor.role not in PRIVACY_ROLES:
        raise Forbidden("only a data protection officer may run retention or manage keys")


def erase(
    service: LedgerService,
    student_id: UUID,
    reason: str,
    *,
    actor: Actor,
    idempotency_key: str | None = None,
    compact: bool = True,
) -> Appended:
    """Destroy the student's personal data; a legal hold refuses (409)."""
    payload = {"occurred_on": service.clock.now().date().isoformat(), "reason": reason}
    appended = service.record(
        student_id, "erasure", payload, idempotency_key=idempotency_key, actor=actor
    )
    service.app.forget_student(student_id)
    if compact and not appended.replayed:
        _compact(service)
    return appended


def _compact(service: LedgerService) -> None:
    # The key is already destroyed; a busy store only delays removing the old bytes,
    # which the next erasure or retention run does again.
    try:
        service.app.compact()
    except (OperationalError, DatabaseError):
        log.warning(
            "compaction after erasure deferred: the store was busy (run `careers-ledger compact`)"
        )


def set_legal_hold(
    service: LedgerService,
    student_id: UUID,
    reason: str,
    *,
    placed: bool,
    actor: Actor,
    idempotency_key: str | None = None,
) -> Appended:
    kind = "legal_hold_placed" if placed else "legal_hold_lifted"
    payload = {"occurred_on": service.clock.now().date().isoformat(), "reason": reason}
    return service.record(student_id, kind, payload, idempotency_key=idempotency_key, actor=actor)


def run_retention(
    service: LedgerService,
    *,
    dry_run: bool,
    actor: Actor,
    policy: RetentionPolicy | None = None,
) -> RetentionRun:
    """Erase every record past its retention period (``dry_run``: only list them)."""
    check_privacy_role(actor)
    policy = policy or RetentionPolicy()
    today = service.clock.now().date()
    run = RetentionRun(as_of=today, dry_run=dry_run)
    for facts in gather_facts(service.app):
        decision = decide(facts, today, policy)
        if decision.reason is None or not _in_scope(service, actor, facts.student_id):
            continue
        if decision.reason is RetentionReason.LEGAL_HOLD:
            run.held.append(facts.student_id)
        elif decision.reason is RetentionReason.STILL_ENROLLED:
            run.still_enrolled.append(facts.student_id)
        elif decision.due and decision.reason is not None:
            run.due.append(RetentionItem(facts.student_id, decision.reason))
    if dry_run:
        return run
    for item in run.due:
        try:
            erase(service, item.student_id, "retention", actor=actor, compact=False)
        except LegalHoldActive:
            run.held.append(item.student_id)  # placed since the scan: the hold wins
            continue
        except StudentErased:
            continue  # erased since the scan
        run.erased.append(item)
    if run.erased:
        _compact(service)
    return run


def _in_scope(service: LedgerService, actor: Actor, student_id: UUID) -> bool:
    """A data protection officer acts for their own institution's students only."""
    return actor.role is Role.SYSTEM or access.in_scope(actor, service.app.get_student(student_id))


def gather_facts(app: LedgerApplication, page: int = 1000) -> Iterator[RetentionFacts]:
    """Retention facts of every student, reading only the events retention needs."""
    topics = [EVENT_CLASSES[kind].TOPIC for kind in RETENTION_KINDS]
    facts: dict[UUID, RetentionFacts] = {}
    position = 0
    while True:
        batch = app.recorder.select_notifications(
            position, page, topics=topics, inclusive_of_start=False
        )
        if not batch:
            break
        app.keyring.warm({n.originator_id for n in batch})
        for notification in batch:
            event: Any = app.mapper.to_domain_event(notification)
            student_id = event.originator_id
            if student_id not in facts:
                facts[student_id] = RetentionFacts(student_id)
            facts[student_id].apply(event)
        position = batch[-1].id
    yield from facts.values()


def compact(service: LedgerService, *, actor: Actor) -> None:
    """Remove erased data's old bytes now (after a compaction was deferred)."""
    check_privacy_role(actor)
    try:
        service.app.compact()
    except (OperationalError, DatabaseError) as exc:
        raise StorageUnavailable("the store is busy; compaction did not finish") from exc


def rotate_master_key(
    service: LedgerService, new_master_key: bytes, *, actor: Actor
) -> RotationReport:
    check_privacy_role(actor)
    return service.app.rotate_master_key(new_master_key)


def key_status(service: LedgerService, *, actor: Actor) -> dict[str, int]:
    check_privacy_role(actor)
    return service.app.key_counts()
