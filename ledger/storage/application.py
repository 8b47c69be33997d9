"""The eventsourcing Application that owns the student streams."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, Notification

from ..student import StudentRecord
from .mapper import IDENTIFIER_KINDS, LedgerMapper, OrjsonTranscoder, identifier_digest
from .recorders import AuditRow, LedgerPostgresRecorder, LedgerSQLiteRecorder
from .urls import environment_for

LedgerRecorder = LedgerSQLiteRecorder | LedgerPostgresRecorder


class LedgerApplication(Application[UUID]):
    """Student streams on eventsourcing's SQLite or PostgreSQL recorder.

    Configured from one database URL; ``index_key`` keys the identifier digests.
    """

    name = "CareersLedger"
    is_snapshotting_enabled = False

    def __init__(
        self, database_url: str, index_key: bytes, extra_env: Mapping[str, str] | None = None
    ) -> None:
        self._index_key = index_key
        env = {
            **environment_for(database_url),
            "AGGREGATE_CACHE_MAXSIZE": "2000",
            "AGGREGATE_CACHE_FASTFORWARD": "y",
            **(extra_env or {}),
        }
        super().__init__(env=env)

    def construct_mapper(self) -> Mapper[UUID]:
        mapper = LedgerMapper(transcoder=OrjsonTranscoder(), cipher=self.factory.cipher())
        mapper.index_key = self._index_key
        return mapper

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

    def read_stored_document(self, stored: Any) -> dict[str, Any]:
        return self.ledger_mapper.read_document(stored)
