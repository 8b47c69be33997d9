"""The append path: validate commands, apply them to their streams, save in one transaction.

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
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypedDict
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, OperationalError
from pydantic import ValidationError

from ledger.domain import access
from ledger.domain.access import Actor
from ledger.domain.clock import Clock
from ledger.domain.errors import (
    DuplicateStudent,
    FieldProblem,
    StorageUnavailable,
    StudentErased,
    StudentNotFound,
    ValidationFailed,
    VersionConflict,
)
from ledger.domain.events import EVENT_CLASSES
from ledger.domain.payloads import Payload
from ledger.domain.student import StudentRecord
from ledger.service.commands import (
    Appended,
    Command,
    Entry,
    check_idempotency_key,
    entry_of,
    legacy_registration_stream_id,
    registration_stream_id,
    validation_failed,
)
from ledger.storage.application import LedgerApplication

if TYPE_CHECKING:
    from projections.runner.follower import ReadSideFollower

MAX_ATTEMPTS = 30
RETRY_PAUSE = 0.002  # seconds, doubled after each lost race up to RETRY_PAUSE_MAX, jittered
RETRY_PAUSE_MAX = 0.05
# One answer for a UPN or ULN the ledger holds, whoever holds it (docs/privacy.md).
DUPLICATE_DETAIL = (
    "this pupil cannot be registered here with this {kind}: if the pupil is on your roll, "
    "search for them (POST /students/search) and add to their record; if they joined from "
    "another school, that school records their enrolment with you, or you import the record "
    "it exports (a transition import); otherwise ask your data protection officer"
)


class Writer(Protocol):
    """What the use cases hand their commands to: one transaction per call.

    ``read_side`` is the follower that projects commits after they are
    answered (group commit), or None where each append catches up itself.
    """

    read_side: ReadSideFollower | None

    def execute(self, commands: Sequence[Command], *, actor: Actor) -> list[Appended]: ...


class _Prepared(NamedTuple):
    command: Command
    occurred_on: date
    data: dict[str, Any]


class _Recorded(TypedDict):
    """What an event records of its command, a registration's as any entry's."""

    occurred_on: date
    data: dict[str, Any]
    idempotency_key: str | None
    actor: str | None
    institution_id: str | None
    recorded_at: datetime
    provenance: dict[str, Any] | None


def _recorded(prepared: _Prepared, actor: Actor, now: datetime) -> _Recorded:
    command = prepared.command
    return _Recorded(
        occurred_on=prepared.occurred_on,
        data=prepared.data,
        idempotency_key=command.idempotency_key,
        actor=actor.id,
        institution_id=actor.institution_id,
        recorded_at=now,
        provenance=command.provenance,
    )


class Appends:
    """Writes commands to the event store (a :class:`Writer`)."""

    def __init__(
        self,
        app: LedgerApplication,
        clock: Clock,
        after_append: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.clock = clock
        # Run after each commit (the in-process projection catch-up, when configured).
        self.after_append = after_append
        self.read_side: ReadSideFollower | None = None  # appends catch up themselves

    def execute(
        self, commands: Sequence[Command], *, actor: Actor = access.SYSTEM
    ) -> list[Appended]:
        """Apply commands to their streams and save them in one transaction.

        Nothing is written unless every command is valid and allowed.
        """
        today = self.today()
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
            if self.after_append is not None:
                self.after_append()
            return results
        raise VersionConflict("the record kept changing while saving; try again")

    # -- reading the write model ---------------------------------------------
    def today(self) -> date:
        return self.clock.now().date()

    def load(self, student_id: UUID) -> StudentRecord | None:
        try:
            return self.app.get_student(student_id)
        except AggregateNotFoundError:
            return None

    def require(self, student_id: UUID) -> StudentRecord:
        student = self.load(student_id)
        if student is None:
            raise StudentNotFound("no student with this id is visible to you")
        return student

    def event(self, student_id: UUID, sequence: int) -> Entry:
        events = list(self.app.events.get(student_id, gt=sequence - 1, lte=sequence))
        return entry_of(events[0])

    # -- one command -----------------------------------------------------------
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
            return self._register(prepared, students, actor, now, retrying=retrying)

        assert command.student_id is not None
        loaded = students.get(command.student_id)
        if loaded is None:
            loaded = students[command.student_id] = self.require(command.student_id)
        student = loaded
        access.check_append(actor, student, command.kind)
        if command.kind in access.AMENDING_KINDS:
            target_kind = student.kind_of(int(prepared.data["amends_sequence"]))
            access.check_amend(actor, command.kind, target_kind)
        if key is not None:
            earlier = student.earlier_result(
                key, actor.institution_id, command.kind, prepared.occurred_on, prepared.data
            )
            if earlier is not None:
                return Appended(student.id, earlier, command.kind, True)
        if command.expected_version is not None and command.expected_version != student.version:
            raise VersionConflict(
                f"expected version {command.expected_version}, the record is at {student.version}"
            )
        if command.kind == "correction":
            self._check_correction(student, prepared.data)
        sequence = student.append(command.kind, **_recorded(prepared, actor, now))
        return Appended(student.id, sequence, command.kind, False)

    def _register(
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
        access.check_register(actor)
        student_id = command.student_id or (
            registration_stream_id(actor.institution_id, key) if key else uuid.uuid4()
        )
        # Assume the stream is new: if it is not (a retried registration), the unique
        # (stream, version) key refuses the save and the retry reads it and replays.
        existing = students.get(student_id) or (self.load(student_id) if retrying else None)
        if existing is not None:
            earlier = self._earlier_registration(existing, prepared, actor)
            if earlier is None:
                raise DuplicateStudent("a student stream with this id already exists")
            access.check_read(actor, existing)
            return Appended(student_id, earlier, "registration", True)
        if retrying:
            # The unique identifier index refused the first attempt, or a race did.
            legacy = self._registered_before_upgrade(prepared, actor)
            if legacy is not None:
                return legacy
            # Now refuse, without revealing the identifier or who holds it.
            self._check_identifiers_free(prepared.data)
        students[student_id] = StudentRecord.register(
            student_id=student_id, **_recorded(prepared, actor, now)
        )
        return Appended(student_id, 1, "registration", False)

    @staticmethod
    def _earlier_registration(
        existing: StudentRecord, prepared: _Prepared, actor: Actor
    ) -> int | None:
        key = prepared.command.idempotency_key
        if key is None:
            return None
        return existing.earlier_result(
            key, actor.institution_id, "registration", prepared.occurred_on, prepared.data
        )

    def _registered_before_upgrade(self, prepared: _Prepared, actor: Actor) -> Appended | None:
        """A retry of a registration whose stream id came from its key alone.

        Before ids were scoped by institution, ``registration_stream_id`` used the
        key only.  A retry of such a registration derives the new id, finds no
        stream there and is refused by the identifier index (every registration
        carries a UPN or ULN); it lands here and replays, for the institution
        that made it only.  Another institution's stream under that id is not
        its retry: ``earlier_result`` compares keys within the institution.
        """
        key = prepared.command.idempotency_key
        if key is None or prepared.command.student_id is not None:
            return None
        if actor.institution_id is None:
            return None  # the system actor's ids never changed
        legacy_id = legacy_registration_stream_id(key)
        legacy = self.load(legacy_id)
        if legacy is None:
            return None
        earlier = self._earlier_registration(legacy, prepared, actor)
        if earlier is None:
            return None
        access.check_read(actor, legacy)
        return Appended(legacy_id, earlier, "registration", True)

    # -- validation ---------------------------------------------------------
    def _prepare(self, command: Command, today: date) -> _Prepared:
        if command.idempotency_key is not None:
            check_idempotency_key(command.idempotency_key)
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
            raise validation_failed(exc) from None
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
        if student.erased:  # before the original's erased fields are read: 410, not 422
            raise StudentErased("this student's record has been erased")
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
        original = entry_of(pending[0]) if pending else self.event(student.id, target)
        merged = {**original.data, "occurred_on": original.occurred_on.isoformat(), **changes}
        model = EVENT_CLASSES[target_kind].PAYLOAD
        try:
            validated = model.model_validate(merged).model_dump(mode="json")
        except ValidationError as exc:
            raise validation_failed(exc, prefix="changes.") from None
        moved_to = date.fromisoformat(validated["occurred_on"])
        if "occurred_on" in changes and moved_to > self.today():
            # The same rule as a new entry: a correction must not date a fact in the future.
            raise ValidationFailed(
                "changes.occurred_on: must not be in the future",
                (FieldProblem("changes.occurred_on", "must not be in the future"),),
            )
        data["changes"] = {name: validated[name] for name in changes}

    def _check_identifiers_free(self, data: dict[str, Any]) -> None:
        """Refuse a registration whose UPN or ULN the ledger already holds.

        One answer whoever holds it, this institution or another: it neither
        names the institution nor says that one exists, and it tells staff what
        to do either way (docs/privacy.md, "Registration across institutions").
        """
        for kind in ("upn", "uln"):
            value = data.get(kind)
            if value and self.app.lookup(kind, value) is not None:
                raise DuplicateStudent(DUPLICATE_DETAIL.format(kind=kind.upper()))
