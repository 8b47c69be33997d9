"""The eventsourcing Application that owns the student streams."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import Application, LRUCache, ProcessingEvent
from eventsourcing.persistence import Mapper, Notification, Recording

from ledger.domain.student import StudentRecord
from ledger.storage.crypto.keyring import Keyring, MasterKey
from ledger.storage.crypto.sealer import StudentSealer
from ledger.storage.mapper import (
    IDENTIFIER_KINDS,
    LedgerMapper,
    OrjsonTranscoder,
    identifier_digest,
)
from ledger.storage.recorders.audit import AuditRow
from ledger.storage.recorders.postgres import LedgerPostgresRecorder
from ledger.storage.recorders.sqlite import LedgerSQLiteRecorder
from ledger.storage.urls import environment_for

LedgerRecorder = LedgerSQLiteRecorder | LedgerPostgresRecorder


@dataclass(frozen=True)
class RotationReport:
    rewrapped: int
    already_current: int
    shredded: int
    kek_id: str


class LedgerApplication(Application[UUID]):
    """Student streams on eventsourcing's SQLite or PostgreSQL recorder.

    Configured from one database URL; ``index_key`` keys the identifier digests,
    ``master_key`` wraps every student's data key (``previous_master_keys``
    still unwrap keys not yet rotated).  ``encrypt=False`` stores documents in
    clear: only the encryption bench uses it, to measure what encryption costs.
    """

    name = "CareersLedger"
    is_snapshotting_enabled = False

    def __init__(
        self,
        database_url: str,
        index_key: bytes,
        master_key: bytes,
        extra_env: Mapping[str, str] | None = None,
        *,
        previous_master_keys: Sequence[bytes] = (),
        encrypt: bool = True,
    ) -> None:
        self._index_key = index_key
        self.keyring = Keyring(master_key, previous_master_keys)
        self.sealer = StudentSealer(self.keyring)
        """Seals the read side's copies of personal data under each student's key."""
        self._encrypt = encrypt
        env = {
            **environment_for(database_url),
            "AGGREGATE_CACHE_MAXSIZE": "2000",
            "AGGREGATE_CACHE_FASTFORWARD": "y",
            **(extra_env or {}),
        }
        super().__init__(env=env)
        self.keyring.store = self.ledger_recorder

    def construct_mapper(self) -> Mapper[UUID]:
        mapper = LedgerMapper(transcoder=OrjsonTranscoder())
        mapper.index_key = self._index_key
        mapper.keyring = self.keyring if self._encrypt else None
        return mapper

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's ``save`` (record, snapshots, notify), for student records.

        The library tells aggregates from events with ``isinstance`` checks against
        runtime protocols, which cost more than mapping an event; a StudentRecord's
        pending events are collected directly, anything else goes the library's way.
        """
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, StudentRecord):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        # New streams' keys are cached only if their first events were stored.
        with self.keyring.saving():
            recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # the library still calls this (deprecated)
        self._cache_saved(objs)
        return recordings

    def _cache_saved(self, objs: Sequence[Any]) -> None:
        """Keep the records just stored as the repository's cached copies.

        With fast-forwarding on, the library caches a record only when it reads
        one, so the next command on a record just written would read back and
        decrypt the events it wrote (or replay a new stream from the start).  A
        saved record is what replaying its stored events gives; the next read
        still fast-forwards it over anything another writer stored since.
        """
        cache = self.repository.cache
        if cache is None:
            return
        for obj in objs:
            if not isinstance(obj, StudentRecord) or obj.pending_events:
                continue
            try:
                cached = cache.get(obj.id)
            except KeyError:
                cached = None
            if cached is None or cached.version <= obj.version:
                cache.put(obj.id, obj)

    # -- privacy operations -----------------------------------------------
    def forget_student(self, student_id: UUID) -> None:
        """Drop every in-memory copy of an erased student (key and cached record)."""
        self.keyring.note_erased(student_id)
        cache = self.repository.cache
        if isinstance(cache, LRUCache):
            with contextlib.suppress(KeyError):
                cache.get(student_id, evict=True)
        elif cache is not None:
            cache.cache.pop(student_id, None)

    def compact(self) -> None:
        """Physically remove deleted bytes (after erasures); see the recorders."""
        self.ledger_recorder.compact()

    def rotate_master_key(self, new_master_key: bytes) -> RotationReport:
        """Re-wrap every live student key under ``new_master_key``; events are untouched."""
        target = MasterKey(new_master_key)
        rows = self.ledger_recorder.select_all_keys()
        pending = [r for r in rows if not r.shredded and r.kek_id != target.kek_id]
        rewrapped = [(row, self.keyring.rewrap(row, target), target.kek_id) for row in pending]
        changed = self.ledger_recorder.rewrap_keys(rewrapped) if rewrapped else 0
        self.keyring.use_master(new_master_key)
        return RotationReport(
            rewrapped=changed,
            already_current=sum(1 for r in rows if not r.shredded and r.kek_id == target.kek_id),
            shredded=sum(1 for r in rows if r.shredded),
            kek_id=target.kek_id,
        )

    def key_counts(self) -> dict[str, int]:
        return self.ledger_recorder.key_counts()

    @property
    def ledger_recorder(self) -> LedgerRecorder:
        return cast(LedgerRecorder, self.recorder)

    @property
    def ledger_mapper(self) -> LedgerMapper:
        return cast(LedgerMapper, self.mapper)

    def get_student(self, student_id: UUID) -> StudentRecord:
        return cast(StudentRecord, self.repository.get(student_id))

    def lookup(self, kind: str, value: str) -> UUID | None:
        if kind not in IDENTIFIER_KINDS:
            raise ValueError(kind)
        digest = identifier_digest(self._index_key, kind, value)
        return self.ledger_recorder.lookup_identifier(kind, digest)

    def iter_notifications(
        self, start: int = 0, page: int = 1000, stop: int | None = None
    ) -> Iterator[Notification]:
        """Every stored event in log order, read in pages."""
        position = start
        while True:
            batch = self.recorder.select_notifications(
                position, page, stop=stop, inclusive_of_start=False
            )
            if not batch:
                return
            yield from batch
            position = batch[-1].id

    def iter_audit_rows(self) -> Iterator[AuditRow]:
        return self.ledger_recorder.iter_audit_rows()

    def with_keys_loaded(self, rows: Iterator[AuditRow], batch: int = 2000) -> Iterator[AuditRow]:
        """Pass ``rows`` through, loading each batch's students' keys in a few queries.

        A full verification decrypts every event: without this it would read
        the key table once per student.
        """
        pending: list[AuditRow] = []
        for row in rows:
            pending.append(row)
            if len(pending) == batch:
                self.keyring.warm({r.student_id for r in pending})
                yield from pending
                pending = []
        self.keyring.warm({r.student_id for r in pending})
        yield from pending

    def read_stored_document(self, stored: Any) -> dict[str, Any]:
        return self.ledger_mapper.read_document(stored)
