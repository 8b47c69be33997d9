"""The PostgreSQL recorder: the library's, plus the chain, identifier index and key table.

Appends lock, notify and insert the events as the library does; then, on a
second cursor, ``ChainWriter`` inserts the chain, claim and key rows in one
statement that also counts the live keys the events are sealed under (read
back before the commit).  A refusal escapes the library's transaction block so
that it rolls back.  The library's composed statements, and a stream's tail
read, are spelt once instead of on every execute.  Also: the audit read (a
server-side cursor), identifier lookups, and compaction (VACUUM FULL of the
tables an erasure deletes from).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.sql import SQL, Composable, Identifier

from ledger.storage.mapper import ChainedStoredEvent
from ledger.storage.recorders.audit import AuditRow, audit_sql
from ledger.storage.recorders.chain import ChainWriter, Insert
from ledger.storage.recorders.keys import UNKNOWN_KEY
from ledger.storage.recorders.schema import (
    CHAIN,
    IDENTIFIERS,
    KEYS,
    POSTGRES_CASTS,
    postgres_statements,
    quoted_schema,
)


class _AbortTransaction(BaseException):
    """Carries a refusal out of the library's ``except Exception`` so psycopg rolls back."""

    def __init__(self, refused: IntegrityError) -> None:
        super().__init__(str(refused))
        self.refused = refused


UNNEST_FROM = 16
"""Rows from which a PostgreSQL statement takes its values as binary column arrays."""


def _rows_source(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
    """A FROM item ``u(columns...)`` holding ``rows``, and its parameters (all binary).

    A few rows go as a VALUES list; more as one array per column, which psycopg
    dumps in one go per column instead of one parameter per value.
    """
    names = ", ".join(columns)
    if len(rows) < UNNEST_FROM:
        row = "(" + ", ".join(f"%b::{POSTGRES_CASTS[column]}" for column in columns) + ")"
        values = ", ".join([row] * len(rows))
        return f"(VALUES {values}) AS u({names})", [value for each in rows for value in each]
    arrays = ", ".join(f"%b::{POSTGRES_CASTS[column]}[]" for column in columns)
    return f"unnest({arrays}) AS u({names})", [list(column) for column in zip(*rows, strict=True)]


class LedgerPostgresRecorder(ChainWriter, PostgresApplicationRecorder):
    datastore: PostgresDatastore
    placeholder = "%s"

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self._init_chain_writer()
        # The library keeps its write statements as composed SQL objects, which
        # psycopg spells out again on every execute: spell them once.
        self.insert_events_statement = cast(Any, self.insert_events_statement.as_string())
        self.lock_table_statements = [
            s.as_string() if isinstance(s, Composable) else s for s in self.lock_table_statements
        ]
        self._notify_statement = SQL("NOTIFY {0}").format(Identifier(self.channel_name)).as_string()
        quoted = quoted_schema(datastore.schema)
        self.chain_table = f"{quoted}.{CHAIN.name}"
        self.identifiers_table = f"{quoted}.{IDENTIFIERS.name}"
        self.keys_table = f"{quoted}.{KEYS.name}"
        self._audited_events_table = f"{quoted}.{self.events_table_name}"
        self.sql_create_statements.extend(postgres_statements(datastore.schema))

    def _check_sealing_keys(
        self, cursor: Any, chained: Sequence[ChainedStoredEvent], ids: Sequence[Any]
    ) -> None:
        """Note the keys to check; ``_insert_rows`` counts the live ones in its statement."""
        self._staged.keys_used = self._sealing_keys_used(chained, ids)

    def _insert_rows(self, cursor: Any, inserts: Sequence[Insert]) -> None:
        """Every table's rows, and the sealing-key check, in one statement.

        Data-modifying WITH clauses insert each table's rows (executemany would send
        one statement per row through the pipeline); the statement's result is the
        count of live keys among those the events are sealed under, read once the
        library syncs the pipeline, before it commits (``_fetch_ids_after_insert_events``):
        the check costs no round trip of its own.  Every part sees the snapshot the
        statement started with, so the count excludes keys inserted with it (the
        check skips new streams' keys anyway).
        """
        used: list[tuple[Any, bytes]] = getattr(self._staged, "keys_used", None) or []
        self._staged.keys_used = None
        clauses, params = [], []
        for number, (table, columns, rows) in enumerate(inserts):
            source, values = _rows_source(columns, rows)
            clauses.append(
                f"i{number} AS (INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM {source})"
            )
            params += values
        if used:
            source, values = _rows_source(("originator_id", "key_id"), used)
            result = (
                f"SELECT count(*) AS live FROM {source} WHERE EXISTS (SELECT 1 FROM "
                f"{self.keys_table} k WHERE k.originator_id = u.originator_id "
                "AND k.key_id = u.key_id AND k.wrapped_dek IS NOT NULL)"
            )
            params += values
        else:
            result = "SELECT NULL AS live"
        statement = f"WITH {', '.join(clauses)} {result}"
        if not used:
            cursor.execute(statement, params)
            return
        check = cursor.connection.cursor()
        check.execute(statement, params)
        self._staged.key_check = (check, len(used))

    def _drop_key_check(self) -> tuple[Any, int] | None:
        staged: tuple[Any, int] | None = getattr(self._staged, "key_check", None)
        self._staged.key_check = None
        return staged

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        staged = self._drop_key_check()
        if staged is not None:
            check, expected = staged
            with check:
                row = check.fetchone()
            if row is None or int(row["live"]) != expected:
                # Escape the library's block so the transaction rolls back; the
                # service reloads the record and decides again (erased: refused).
                refused = IntegrityError(UNKNOWN_KEY)
                raise _AbortTransaction(refused) from refused
        return ids

    def _notify_channel(self, curs: Any) -> None:
        curs.execute(self._notify_statement)

    def _insert_stored_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # Lock, notify and insert the events first (so the unique key settles
        # races under the table lock), then the chain rows on a second cursor:
        # the first cursor's RETURNING rows are read afterwards by the library.
        super()._insert_stored_events(curs, stored_events, **kwargs)
        # Never prepare these: queued behind an insert that fails (a lost race), a
        # statement's PREPARE is skipped by the server but remembered by psycopg, and
        # the connection's next write fails ("prepared statement _pg3_N does not exist").
        connection = curs.connection
        threshold, connection.prepare_threshold = connection.prepare_threshold, None
        try:
            with connection.cursor() as chain_cursor:
                self._write_chain(chain_cursor, stored_events)
        except IntegrityError as refused:
            # A check of ours refused the write (a missing previous link, an unknown
            # key).  The library catches Exception inside its transaction block and
            # would commit the events already inserted; escape it so it rolls back.
            raise _AbortTransaction(refused) from refused
        finally:
            connection.prepare_threshold = threshold

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        self._stage_heads(None)
        try:
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
        except _AbortTransaction as aborted:
            raise aborted.refused from None
        finally:
            staged = self._drop_key_check()  # a save that failed before reading it
            if staged is not None:
                staged[0].close()
        self._publish_heads()  # only reached once the transaction committed
        return ids

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's
    def _select_tail(self, originator_id: UUID | str, gt: int) -> list[StoredEvent]:
        """A statement spelt once, where the library composes its SQL objects again on
        every call."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            if self._tail_statement is None:
                tail = SQL(" AND originator_version > %s ORDER BY originator_version ASC")
                self._tail_statement = (self.select_events_statement + tail).as_string(conn)
            curs.execute(self._tail_statement, (originator_id, gt), prepare=True)
            return [
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]

    _tail_statement: str | None = None

    def iter_audit_rows(self, batch: int = 2000) -> Iterator[AuditRow]:
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(name="ledger_audit") as curs,
        ):
            curs.itersize = batch
            curs.execute(audit_sql(self._audited_events_table, self.chain_table))
            for row in curs:
                values = list(row.values())
                yield AuditRow.of(str(values[0]), *values[1:])

    def lookup_identifier(self, kind: str, digest: bytes) -> UUID | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._lookup_sql(), (kind, digest))
            rows = curs.fetchall()
        return UUID(str(rows[0]["originator_id"])) if rows else None

    def execute_raw(self, statement: str, params: Iterable[Any] = ()) -> list[Any]:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(statement, tuple(params))
            try:
                return list(curs.fetchall())
            except Exception:
                return []

    def _read(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, tuple(params))
            return [tuple(row.values()) for row in curs.fetchall()]

    def _write_many(self, statement: str, rows: Sequence[Sequence[Any]]) -> int:
        with self.datastore.transaction(commit=True) as curs:
            changed = 0
            for row in rows:
                curs.execute(statement, tuple(row))
                changed += curs.rowcount
            return changed

    def compact(self) -> None:
        """Rewrite the tables erasure deletes from, so dead row versions leave the heap.

        Plain VACUUM only marks dead tuples reusable; VACUUM FULL writes new
        files and drops the old ones.  WAL archives and backups still hold the
        old versions until they expire (docs/privacy.md).
        """
        with self.datastore.get_connection() as conn:
            conn.execute(f"VACUUM FULL {self.keys_table}, {self.identifiers_table}")
