"""The ledger's use-case API: HTTP routes, CLI commands and pages all call this.

Appends are idempotent and concurrency-safe without a second table: events
carry their idempotency key, the StudentRecord remembers the keys it applied,
and the unique (stream, version) key settles races.  The loser of a race
reloads the stream, finds its key (returns the first result) or, without an
expected version, applies its command again on top of the winner's event.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent
from pydantic import ValidationError

from ledger.domain import access
from ledger.domain.access import Actor
from ledger.domain.access_log import (
    AccessEntry,
    AccessLog,
    AccessPage,
    AccessPurpose,
    InMemoryAccessLog,
)
from ledger.domain.clock import Clock, SystemClock
from ledger.domain.errors import (
    DuplicateStudent,
    FieldProblem,
    InvalidIdentifier,
    StorageUnavailable,
    StudentErased,
    StudentNotFound,
    ValidationFailed,
    VersionConflict,
)
from ledger.domain.events import ENTRY_KINDS, EVENT_CLASSES
from ledger.domain.identifiers import normalise_uln, normalise_upn
from ledger.domain.payloads import Payload
from ledger.domain.retention import RetentionPolicy
from ledger.domain.student import StudentRecord
from ledger.service import privacy
from ledger.service.verification import ChainReport, verify_rows
from ledger.storage.application import LedgerApplication, RotationReport

REGISTRATION_NAMESPACE = UUID("6f1c2a8e-2b7d-4c55-9a57-5d1c7c0e9b11")
MAX_ATTEMPTS = 30
RETRY_PAUSE = 0.002  # seconds, doubled after each lost race up to RETRY_PAUSE_MAX, jittered
RETRY_PAUSE_MAX = 0.05
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


class _Prepared(NamedTuple):
    command: Command
    occurred_on: date
    data: dict[str, Any]


class LedgerService:
    def __init__(
        self,
        app: LedgerApplication,
        clock: Clock | None = None,
        after_append: Callable[[], None] | None = None,
        access_log: AccessLog | None = None,
    ) -> None:
        self.app = app
        self.clock: Clock = clock or SystemClock()
        self._after_append = after_append
        self.access_log: AccessLog = access_log or InMemoryAccessLog()

    # -- writes -------------------------------------------------------------
    def register_student(
        self,
        payload: Mapping[str, Any] | Payload,
        *,
        idempotency_key: str | None = None,
        actor: Actor = access.SYSTEM,
    ) -> Appended:
        command = Command("registration", payload, idempotency_key=idempotency_key)
        return self.execute([command], actor=actor)[0]

    def record(
        self,
        student_id: UUID,
        kind: str,
        payload: Mapping[str, Any] | Payload,
        *,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
        actor: Actor = access.SYSTEM,
        provenance: dict[str, Any] | None = None,
    ) -> Appended:
        """Append one entry of ``kind`` (see ``ledger.domain.events.ENTRY_KINDS``)."""
        if kind not in ENTRY_KINDS:
            raise ValidationFailed(
                f"kind: unknown entry kind {kind!r}",
                (FieldProblem("kind", "is not a known entry kind"),),
            )
        command = Command(kind, payload, student_id, idempotency_key, expected_version, provenance)
        return self.execute([command], actor=actor)[0]

    def correct(
        self,
        student_id: UUID,
        amends_sequence: int,
        changes: Mapping[str, Any],
        reason: str,
        **options: Any,
    ) -> Appended:
        payload = {
            "occurred_on": self._today().isoformat(),
            "amends_sequence": amends_sequence,
            "changes": dict(changes),
            "reason": reason,
        }
        return self.record(student_id, "correction", payload, **options)

    def retract(
        self, student_id: UUID, amends_sequence: int, reason: str, **options: Any
    ) -> Appended:
        payload = {
            "occurred_on": self._today().isoformat(),
            "amends_sequence": amends_sequence,
            "reason": reason,
        }
        return self.record(student_id, "retraction", payload, **options)

    def execute(
        self, commands: Sequence[Command], *, actor: Actor = access.SYSTEM
    ) -> list[Appended]:
        """Apply commands to their streams and save them in one transaction.

        Nothing is written unless every command is valid and allowed.
        """
        today = self._today()
        prepared = [self._prepare(c, today) for c in commands]
        for attempt in range(MAX_ATTEMPTS):
            students: dict[UUID, StudentRecord] = {}
            now = self.clock.now()  # one recorded time per transaction
            results = [self._apply(p, students, actor, now, retrying=attempt > 0) for p in prepared]
            changed = [s for s in students.values() if s.pending_events]
            if not changed:
                return results
            try:
                self.app.save(*changed)
            except IntegrityError:
                # A concurrent writer won: reload and decide again, after a random pause
                # so that racing writers spread out instead of colliding every time.
                time.sleep(random.uniform(0, min(RETRY_PAUSE_MAX, RETRY_PAUSE * 2**attempt)))
                continue
            except OperationalError as exc:
                raise StorageUnavailable("the ledger store did not accept the write") from exc
            if self._after_append is not None:
                self._after_append()
            return results
        raise VersionConflict("the record kept changing while saving; try again")

    def _apply(
        self,
        prepared: _Prepared,
        students: dict[UUID, StudentRecord],
        actor: Actor,
        now: datetime,
        *,
        retrying: bool,
    ) -> Appended:
        command = prepared.command
        key = command.idempotency_key
        if command.kind == "registration":
            access.check_register(actor)
            student_id = command.student_id or (
                uuid.uuid5(REGISTRATION_NAMESPACE, key) if key else uuid.uuid4()
            )
            # Assume the stream is new: if it is not (a retried registration), the unique
            # (stream, version) key refuses the save and the retry reads it and replays.
            may_exist = retrying
            existing = students.get(student_id) or (self._load(student_id) if may_exist else None)
            if existing is not None:
                earlier = (
                    existing.earlier_result(
                        key, "registration", prepared.occurred_on, prepared.data
                    )
                    if key
                    else None
                )
                if earlier is None:
                    raise DuplicateStudent("a student stream with this id already exists")
                access.check_read(actor, existing)
                return Appended(student_id, earlier, "registration", True)
            if retrying:
                # The unique identifier index refused the first attempt, or a race
                # did: now say which, without revealing the identifier.
                self._check_identifiers_free(prepared.data)
            student = StudentRecord.register(
                student_id=student_id,
                occurred_on=prepared.occurred_on,
                data=prepared.data,
                idempotency_key=key,
                actor=actor.id,
                institution_id=actor.institution_id,
                recorded_at=now,
                provenance=command.provenance,
            )
            students[student_id] = student
            return Appended(student_id, 1, "registration", False)

        assert command.student_id is not None
        loaded = students.get(command.student_id)
        if loaded is None:
            loaded = students[command.student_id] = self._require(command.student_id)
        student = loaded
        access.check_append(actor, student, command.kind)
        if key is not None:
            earlier = student.earlier_result(key, command.kind, prepared.occurred_on, prepared.data)
            if earlier is not None:
                return Appended(student.id, earlier, command.kind, True)
        if command.expected_version is not None and command.expected_version != student.version:
            raise VersionConflict(
                f"expected version {command.expected_version}, the record is at {student.version}"
            )
        if command.kind == "correction":
            self._check_correction(student, prepared.data)
        sequence = student.append(
            command.kind,
            occurred_on=prepared.occurred_on,
            data=prepared.data,
            idempotency_key=key,
            actor=actor.id,
            institution_id=actor.institution_id,
            recorded_at=now,
            provenance=command.provenance,
        )
        return Appended(student.id, sequence, command.kind, False)

    # -- validation ---------------------------------------------------------
    def _prepare(self, command: Command, today: date) -> _Prepared:
        if command.idempotency_key is not None:
            _check_idempotency_key(command.idempotency_key)
        model = EVENT_CLASSES[command.kind].PAYLOAD
        payload = command.payload
        try:
            validated = (
                payload
                if isinstance(payload, model)
                else model.model_validate(
                    payload.model_dump() if isinstance(payload, Payload) else payload
                )
            )
        except ValidationError as exc:
            raise _validation_failed(exc) from None
        # The model's serialiser straight away: model_dump(mode="json") without its wrapper.
        data: dict[str, Any] = validated.__pydantic_serializer__.to_python(validated, mode="json")
        occurred_on = validated.occurred_on
        del data["occurred_on"]
        if occurred_on > today:
            raise ValidationFailed(
                "occurred_on: must not be in the future",
                (FieldProblem("occurred_on", "must not be in the future"),),
            )
        return _Prepared(command, occurred_on, data)

    def _check_correction(self, student: StudentRecord, data: dict[str, Any]) -> None:
        target = int(data["amends_sequence"])
        target_kind = student.kind_of(target)
        changes = data["changes"]
        if target_kind == "registration" and {"upn", "uln"} & set(changes):
            raise ValidationFailed(
                "changes: identifiers cannot be corrected; retract and re-register instead",
                (FieldProblem("changes", "upn and uln cannot be corrected"),),
            )
        # The target may be in this same batch, not yet saved (a transition import).
        pending = [e for e in student.pending_events if e.originator_version == target]
        original = self._entry(pending[0]) if pending else self._event(student.id, target)
        merged = {**original.data, "occurred_on": original.occurred_on.isoformat(), **changes}
        model = EVENT_CLASSES[target_kind].PAYLOAD
        try:
            validated = model.model_validate(merged).model_dump(mode="json")
        except ValidationError as exc:
            raise _validation_failed(exc, prefix="changes.") from None
        moved_to = date.fromisoformat(validated["occurred_on"])
        if "occurred_on" in changes and moved_to > self._today():
            # The same rule as a new entry: a correction must not date a fact in the future.
            raise ValidationFailed(
                "changes.occurred_on: must not be in the future",
                (FieldProblem("changes.occurred_on", "must not be in the future"),),
            )
        data["changes"] = {name: validated[name] for name in changes}

    def _check_identifiers_free(self, data: dict[str, Any]) -> None:
        for kind in ("upn", "uln"):
            value = data.get(kind)
            if value and self.app.lookup(kind, value) is not None:
                raise DuplicateStudent(f"a student with this {kind.upper()} is already registered")

    # -- reads --------------------------------------------------------------
    def history(
        self,
        student_id: UUID,
        *,
        actor: Actor = access.SYSTEM,
        purpose: AccessPurpose = AccessPurpose.RECORD,
    ) -> History:
        self.authorise_read(student_id, actor=actor, purpose=purpose)
        entries = [self._entry(e) for e in self.app.events.get(student_id)]
        return History(student_id, entries[-1].sequence if entries else 0, entries)

    def version_of(self, student_id: UUID, *, actor: Actor = access.SYSTEM) -> int:
        student = self._require(student_id)
        access.check_read(actor, student)
        return student.version

    def find_student(
        self, *, upn: str | None = None, uln: str | None = None, actor: Actor = access.SYSTEM
    ) -> UUID:
        if (upn is None) == (uln is None):
            raise ValidationFailed(
                "give exactly one of upn or uln",
                (FieldProblem("upn", "give exactly one of upn or uln"),),
            )
        kind, value = (
            ("upn", normalise_upn(upn)) if upn is not None else ("uln", normalise_uln(uln or ""))
        )
        student_id = self.app.lookup(kind, value)
        if student_id is None:
            raise StudentNotFound(f"no student with this {kind.upper()}")
        self.authorise_read(student_id, actor=actor, purpose=AccessPurpose.FIND)
        return student_id

    def authorise_read(self, student_id: UUID, *, actor: Actor, purpose: AccessPurpose) -> None:
        """Allow a read of the student's personal data and log it (ids only) first.

        Every entry point that shows a student's data, from the ledger or from a
        projection, comes through here: out of scope is 404, and nothing is shown
        that the access log does not record.
        """
        student = self._require(student_id)
        access.check_read(actor, student)
        if student.erased:
            raise StudentErased("this student's personal data has been erased")
        self.access_log.append(
            AccessEntry(
                student_id=student_id,
                actor_id=actor.id,
                role=actor.role.value,
                institution_id=actor.institution_id,
                purpose=purpose,
                accessed_at=self.clock.now(),
            )
        )

    def access_log_of(
        self, student_id: UUID, *, actor: Actor = access.SYSTEM, limit: int = 100, offset: int = 0
    ) -> AccessPage:
        """Who read this student's record, when and why (the student's export includes it)."""
        access.check_read_access_log(actor, self._require(student_id))
        return self.access_log.for_student(student_id, limit=limit, offset=offset)

    def verify(
        self,
        *,
        full: bool = True,
        progress: Callable[[int], None] | None = None,
        actor: Actor = access.SYSTEM,
    ) -> ChainReport:
        """Recompute every stream's chain; ``full`` also checks commitments."""
        access.check_verify(actor)
        reader = self.app.read_stored_document if full else None
        rows = self.app.iter_audit_rows()
        if full:
            rows = self.app.with_keys_loaded(rows)
        return verify_rows(rows, reader, progress)

    def report_scope(self, institution_id: str | None, *, actor: Actor) -> str | None:
        """The institution a cohort report covers for this actor (Forbidden otherwise)."""
        return access.check_report(actor, institution_id)

    def authorise_operations(self, *, actor: Actor) -> None:
        """Operational views such as projection status: staff only."""
        access.check_operations(actor)

    def event_count(self) -> int:
        return int(self.app.recorder.max_notification_id() or 0)

    # -- privacy: the data protection officer's use cases (ledger/privacy.py) --
    def erase(
        self,
        student_id: UUID,
        reason: str,
        *,
        actor: Actor = access.SYSTEM,
        idempotency_key: str | None = None,
        compact: bool = True,
    ) -> Appended:
        """Crypto-shred the student's personal data (reason: request, retention, other)."""
        return privacy.erase(
            self, student_id, reason, actor=actor, idempotency_key=idempotency_key, compact=compact
        )

    def place_legal_hold(
        self,
        student_id: UUID,
        reason: str,
        *,
        actor: Actor = access.SYSTEM,
        idempotency_key: str | None = None,
    ) -> Appended:
        """Block erasure (and retention) of this record until the hold is lifted."""
        return privacy.set_legal_hold(
            self, student_id, reason, placed=True, actor=actor, idempotency_key=idempotency_key
        )

    def lift_legal_hold(
        self,
        student_id: UUID,
        reason: str,
        *,
        actor: Actor = access.SYSTEM,
        idempotency_key: str | None = None,
    ) -> Appended:
        return privacy.set_legal_hold(
            self, student_id, reason, placed=False, actor=actor, idempotency_key=idempotency_key
        )

    def run_retention(
        self,
        *,
        dry_run: bool,
        actor: Actor = access.SYSTEM,
        policy: RetentionPolicy | None = None,
    ) -> privacy.RetentionRun:
        """Erase every record past its retention period; ``dry_run`` only lists them."""
        return privacy.run_retention(self, dry_run=dry_run, actor=actor, policy=policy)

    def compact(self, *, actor: Actor = access.SYSTEM) -> None:
        """Remove erased data's old bytes from the store's files now (normally automatic)."""
        privacy.compact(self, actor=actor)

    def rotate_master_key(
        self, new_master_key: bytes, *, actor: Actor = access.SYSTEM
    ) -> RotationReport:
        """Re-wrap every student's key under a new master key; events are untouched."""
        return privacy.rotate_master_key(self, new_master_key, actor=actor)

    def key_status(self, *, actor: Actor = access.SYSTEM) -> dict[str, int]:
        """Live student keys per master key id, and erased students' tombstones."""
        return privacy.key_status(self, actor=actor)

    # -- helpers ------------------------------------------------------------
    def _today(self) -> date:
        return self.clock.now().date()

    def _load(self, student_id: UUID) -> StudentRecord | None:
        try:
            return self.app.get_student(student_id)
        except AggregateNotFoundError:
            return None

    def _require(self, student_id: UUID) -> StudentRecord:
        student = self._load(student_id)
        if student is None:
            raise StudentNotFound("no student with this id is visible to you")
        return student

    def _event(self, student_id: UUID, sequence: int) -> Entry:
        events = list(self.app.events.get(student_id, gt=sequence - 1, lte=sequence))
        return self._entry(events[0])

    @staticmethod
    def _entry(event: Any) -> Entry:
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


def _check_idempotency_key(key: str) -> None:
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise ValidationFailed(
            "Idempotency-Key: must be 1-200 printable characters",
            (FieldProblem("Idempotency-Key", "must be 1-200 printable characters"),),
        )


def _validation_failed(exc: ValidationError, prefix: str = "") -> ValidationFailed:
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


def stored_event(student_id: UUID, sequence: int, topic: str, state: bytes) -> StoredEvent:
    return StoredEvent(student_id, sequence, topic, state)


__all__ = [
    "Appended",
    "Command",
    "Entry",
    "History",
    "InvalidIdentifier",
    "LedgerService",
    "parse_student_id",
]


def kinds() -> Iterable[str]:
    return ENTRY_KINDS
