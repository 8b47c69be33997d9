"""The StudentRecord aggregate: one stream per student, the consistency boundary.

Decide, then apply: command methods check the rules and raise
:mod:`ledger.domain.errors`; the events' ``apply`` only assigns state (it runs on
every replay).  State is kept to JSON primitives so snapshots stay portable.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.domain.errors import EntryNotFound, IdempotencyKeyReused, RuleViolation, StudentErased
from ledger.domain.events import (
    EVENT_CLASSES,
    StudentEvent,
    StudentRegistered,
    payload_digest,
)

_ENTRY_FIELDS = frozenset(f.name for f in fields(StudentEvent)) - {
    "originator_id",
    "originator_version",
}
"""What ``StudentRecord.trigger_event`` must be given for an entry event."""


def scoped_key(institution_id: str | None, idempotency_key: str) -> str:
    """An idempotency key as the record remembers it: within the institution that sent it.

    Events store the key and the institution side by side (unchanged); only this
    derived state combines them, so one institution's key never replays, refuses
    or reveals another's entry on a record both hold.  The separator is not a
    printable character, so no key can spell another institution's scope.
    """
    if institution_id is None:
        return idempotency_key
    return f"{institution_id}\x1f{idempotency_key}"


class StudentRecord(Aggregate):
    """Everything recorded about one student's careers education."""

    TOPIC = "careers-ledger/StudentRecord"

    class Event(Aggregate.Event):
        TOPIC = "careers-ledger/StudentRecord.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "careers-ledger/StudentRecord.Created"

    class Snapshot(Aggregate.Snapshot):  # type: ignore[misc,valid-type]
        TOPIC = "careers-ledger/StudentRecord.Snapshot/v1"

    def __init__(
        self,
        occurred_on: date,
        data: dict[str, Any],
        idempotency_key: str | None,
        actor: str | None,
        institution_id: str | None,
        provenance: dict[str, Any] | None,
    ) -> None:
        self.kinds: dict[str, str] = {"1": StudentRegistered.KIND}
        self.idempotency: dict[str, tuple[int, str]] = {}
        self.retracted: list[int] = []
        self.institutions: list[str] = [institution_id] if institution_id else []
        self.current_institution: str | None = None
        self.legal_hold = False
        self.erased = False
        if idempotency_key is not None:
            digest = payload_digest(StudentRegistered.KIND, occurred_on, data)
            self.idempotency[scoped_key(institution_id, idempotency_key)] = (1, digest)

    def __deepcopy__(self, memo: dict[int, Any]) -> StudentRecord:
        # The repository hands out copies of cached records; every container of
        # state holds immutable values, so copying the containers is enough.
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        for name, value in self.__dict__.items():
            if isinstance(value, dict | list):
                clone.__dict__[name] = type(value)(value)
        return clone

    # -- commands ---------------------------------------------------------
    @classmethod
    def register(
        cls,
        *,
        student_id: UUID,
        occurred_on: date,
        data: dict[str, Any],
        idempotency_key: str | None,
        actor: str | None,
        institution_id: str | None,
        recorded_at: datetime,
        provenance: dict[str, Any] | None = None,
    ) -> StudentRecord:
        return cls._create(
            StudentRegistered,
            id=student_id,
            occurred_on=occurred_on,
            data=data,
            idempotency_key=idempotency_key,
            actor=actor,
            institution_id=institution_id,
            provenance=provenance,
            timestamp=recorded_at,
        )

    def append(
        self,
        kind: str,
        *,
        occurred_on: date,
        data: dict[str, Any],
        idempotency_key: str | None,
        actor: str | None,
        institution_id: str | None,
        recorded_at: datetime,
        provenance: dict[str, Any] | None = None,
    ) -> int:
        """Append one entry of ``kind`` and return its sequence number."""
        event_class = EVENT_CLASSES[kind]
        self._check_can_append(event_class, data)
        # Recorded time never runs backwards within a stream, so "known at" replays
        # see a prefix of the stream even when a simulated clock is set back.
        timestamp = max(recorded_at, self.modified_on)
        self.trigger_event(
            event_class,
            occurred_on=occurred_on,
            data=data,
            idempotency_key=idempotency_key,
            actor=actor,
            institution_id=institution_id,
            provenance=provenance,
            timestamp=timestamp,
        )
        return self.version

    def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None:
        """The library's ``trigger_event``, for this record's own entry events.

        Their explicit topics are checked once, when ``ledger.domain.events`` defines and
        registers them, not on every call; and the event gets its attributes all at
        once (``__dict__``, as the library's mapper rebuilds stored events) rather
        than through the frozen dataclass ``__init__``, one ``__setattr__`` each.
        Every attribute must be given, as the ``__init__`` would insist.
        """
        if not issubclass(event_class, StudentEvent):
            super().trigger_event(event_class, **kwargs)
            return
        if kwargs.keys() != _ENTRY_FIELDS:
            raise TypeError(f"{event_class.__name__} needs exactly {sorted(_ENTRY_FIELDS)}")
        kwargs["originator_id"] = self.id
        kwargs["originator_version"] = self.version + 1
        event = object.__new__(event_class)
        object.__setattr__(event, "__dict__", kwargs)
        event.mutate(self)
        self._pending_events.append(event)

    def earlier_result(
        self,
        idempotency_key: str,
        institution_id: str | None,
        kind: str,
        occurred_on: date,
        data: dict[str, Any],
    ) -> int | None:
        """Sequence this institution already recorded under this key, or None when new to it.

        The same key with different content is refused: a client must never
        have one key stand for two different facts.  Keys are the sending
        institution's own (:func:`scoped_key`): another institution's use of the
        same key is neither replayed nor refused here.
        """
        seen = self.idempotency.get(scoped_key(institution_id, idempotency_key))
        if seen is None:
            return None
        if seen[1] != payload_digest(kind, occurred_on, data):
            raise IdempotencyKeyReused(
                "the Idempotency-Key was first used with a different request body"
            )
        return int(seen[0])

    def kind_of(self, sequence: int) -> str:
        try:
            return self.kinds[str(sequence)]
        except KeyError:
            raise EntryNotFound(f"entry {sequence} does not exist in this record") from None

    def is_retracted(self, sequence: int) -> bool:
        return sequence in self.retracted

    # -- rules ------------------------------------------------------------
    def _check_can_append(self, event_class: type[StudentEvent], data: dict[str, Any]) -> None:
        if self.erased:
            raise StudentErased("this student's record has been erased")
        if event_class.KIND in {"correction", "retraction"}:
            target = int(data["amends_sequence"])
            target_kind = self.kind_of(target)
            if not EVENT_CLASSES[target_kind].CORRECTABLE:
                raise RuleViolation(f"a {target_kind} entry cannot be corrected or retracted")
            if self.is_retracted(target):
                raise RuleViolation(f"entry {target} has already been retracted")
        if event_class.KIND == "reflection" and data.get("about_sequence") is not None:
            self.kind_of(int(data["about_sequence"]))
        if event_class.KIND == "legal_hold_lifted" and not self.legal_hold:
            raise RuleViolation("there is no legal hold to lift")
        if event_class.KIND == "legal_hold_placed" and self.legal_hold:
            raise RuleViolation("a legal hold is already in place")
        if event_class.KIND == "erasure" and self.legal_hold:
            from ledger.domain.errors import LegalHoldActive

            raise LegalHoldActive("a legal hold blocks erasure of this record")

    # -- state changes (called from StudentEvent.apply) -------------------
    def note_entry(self, event: StudentEvent) -> None:
        self.kinds[str(event.originator_version)] = event.KIND
        if event.institution_id and event.institution_id not in self.institutions:
            self.institutions.append(event.institution_id)
        if event.idempotency_key is not None:
            digest = payload_digest(event.KIND, event.occurred_on, event.data)
            scoped = scoped_key(event.institution_id, event.idempotency_key)
            self.idempotency[scoped] = (event.originator_version, digest)
