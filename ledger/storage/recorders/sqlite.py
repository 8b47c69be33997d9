"""The SQLite recorder: the library's, plus the chain, identifier index and key table.

Appends write the events first (taking SQLite's write lock before any read),
then the chain rows through ``ChainWriter``, in the library's transaction.  A
chain row whose event is sealed under an existing key goes in only if that key
is live, so the key check costs no query of its own.  Also: a stream's tail
read without the library's BEGIN and ROLLBACK, the audit read, identifier
lookups, and compaction (VACUUM and WAL truncation after an erasure).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from ledger.storage.mapper import ChainedStoredEvent
from ledger.storage.recorders.audit import AuditRow, audit_sql
from ledger.storage.recorders.chain import ChainWriter, Insert
from ledger.storage.recorders.keys import UNKNOWN_KEY
from ledger.storage.recorders.schema import sqlite_statements


class LedgerSQLiteRecorder(ChainWriter, SQLiteApplicationRecorder):
    datastore: SQLiteDatastore

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        self._init_chain_writer()

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *sqlite_statements()]

    def _db_id(self, originator_id: UUID | str) -> Any:
        return originator_id.hex if isinstance(originator_id, UUID) else originator_id

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Write the events first: that takes SQLite's write lock before any read,
        # so a concurrent writer waits instead of failing on a stale snapshot.
        ids = super()._insert_events(c, stored_events, **kwargs)
        self._write_chain(c, stored_events)
        return ids

    def _check_sealing_keys(
        self, cursor: Any, chained: Sequence[ChainedStoredEvent], ids: Sequence[Any]
    ) -> None:
        """Checked row by row as the chain rows go in (``_insert_rows``), not by a query."""
        self._staged.chain_keys = self._sealing_key_ids(chained, ids)

    def _insert_rows(self, cursor: Any, inserts: Sequence[Insert]) -> None:
        """Each table's rows in one executemany; a chain row whose event is sealed under
        an existing key goes in only if that key is in the key table and live."""
        key_ids: list[bytes | None] | None = getattr(self._staged, "chain_keys", None)
        self._staged.chain_keys = None
        for table, columns, rows in inserts:
            if table == self.chain_table and key_ids and any(k is not None for k in key_ids):
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) SELECT ?, ?, ?, ?, ? "
                    f"WHERE ? IS NULL OR EXISTS (SELECT 1 FROM {self.keys_table} "
                    "WHERE originator_id = ? AND key_id = ? AND wrapped_dek IS NOT NULL)",
                    [(*row, k, row[0], k) for row, k in zip(rows, key_ids, strict=True)],
                )
                if cursor.sqlite_cursor.rowcount != len(rows):
                    # The service reloads the record and decides again (erased: refused).
                    raise IntegrityError(UNKNOWN_KEY)
            else:
                super()._insert_rows(cursor, [(table, columns, rows)])

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        self._stage_heads(None)
        ids = super().insert_events(stored_events, **kwargs)
        self._publish_heads()  # only reached once the transaction committed
        return ids

    def _select_tail(self, originator_id: UUID | str, gt: int) -> list[StoredEvent]:
        """One statement, which SQLite runs as its own read transaction, without the
        BEGIN and ROLLBACK the library wraps around every read."""
        statement = (
            f"{self.select_events_statement}AND originator_version>? ORDER BY originator_version"
        )
        with self.datastore.get_connection(commit=False) as conn:
            cursor = conn.cursor()
            try:
                cursor.execute(statement, (self._db_id(originator_id), gt))
                rows = cursor.fetchall()
            except sqlite3.Error as exc:
                raise OperationalError(exc) from exc
            finally:
                cursor.sqlite_cursor.close()
        return [
            StoredEvent(
                originator_id=self.convert_originator_id(row["originator_id"]),
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=row["state"],
            )
            for row in rows
        ]

    def iter_audit_rows(self, batch: int = 2000) -> Iterator[AuditRow]:
        with self.datastore.transaction(commit=False) as c:
            cursor = c.sqlite_cursor
            cursor.execute(audit_sql(self.events_table_name, self.chain_table))
            while rows := cursor.fetchmany(batch):
                for row in rows:
                    yield AuditRow.of(str(UUID(row[0])), *tuple(row)[1:])

    def lookup_identifier(self, kind: str, digest: bytes) -> UUID | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._lookup_sql(), (kind, digest))
            rows = c.fetchall()
        return UUID(rows[0][0]) if rows else None

    def execute_raw(self, statement: str, params: Iterable[Any] = ()) -> list[Any]:
        """Run one statement in its own transaction (maintenance and tests)."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(statement, tuple(params))
            return list(c.fetchall())

    def _read(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, tuple(params))
            return [tuple(row) for row in c.fetchall()]

    def _write_many(self, statement: str, rows: Sequence[Sequence[Any]]) -> int:
        with self.datastore.transaction(commit=True) as c:
            changed = 0
            for row in rows:
                c.execute(statement, tuple(row))
                changed += c.sqlite_cursor.rowcount
            return changed

    def compact(self) -> None:
        """Leave no deleted bytes on disk: rebuild the file, then empty the WAL.

        Our connections delete with ``secure_delete``; VACUUM also covers rows
        other connections deleted (the read side's), and the TRUNCATE
        checkpoints move every page out of ``-wal`` and cut it to zero bytes.
        """
        with self.datastore.get_connection(commit=True) as conn:
            cursor = conn.cursor()
            for statement in (
                "PRAGMA wal_checkpoint(TRUNCATE)",
                "VACUUM",
                "PRAGMA wal_checkpoint(TRUNCATE)",
            ):
                try:
                    cursor.execute(statement)
                    row = cursor.fetchone()
                except sqlite3.Error as exc:
                    raise OperationalError(str(exc)) from exc
                if row is not None and statement.startswith("PRAGMA") and row[0]:
                    msg = "the WAL could not be checkpointed: a reader is still open"
                    raise OperationalError(msg)
