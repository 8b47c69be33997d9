"""Event recorders that keep the hash chain and identifier index atomically.

Both subclass eventsourcing's own recorders (faster than the SQLAlchemy
extension, see README) and add, in the same transaction as the events:

* ``ledger_chain``: one link per event (student, sequence, recorded time,
  commitment, link), and
* ``ledger_identifiers``: keyed digests of UPN/ULN -> student, unique, so a
  second registration of the same pupil fails atomically with the events.
* ``ledger_keys``: each student's wrapped data key, inserted with the stream's
  first event and destroyed with its erasure event (see ``keytable``).

The previous link is the one this process last committed for the stream
when it knows it (``ChainHeads``), else it is read by primary key; either way
it was committed before the aggregate was loaded, and the unique (stream,
version) key settles races: a stale head can only be used for a version that
another writer already holds, so that save is refused and decided again.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from eventsourcing.utils import retry
from psycopg.sql import SQL, Composable, Identifier

from ledger.domain import chain
from ledger.storage.crypto.envelope import canonical_id
from ledger.storage.keytable import KEYS_TABLE, NEW_KEY_COLUMNS, UNKNOWN_KEY, KeyTable
from ledger.storage.mapper import ChainedStoredEvent

CHAIN_TABLE = "ledger_chain"
IDENTIFIERS_TABLE = "ledger_identifiers"
CHAIN_COLUMNS = ("originator_id", "originator_version", "recorded_at", "commitment", "link")
IDENTIFIER_COLUMNS = ("kind", "digest", "originator_id")
Insert = tuple[str, Sequence[str], Sequence[Sequence[Any]]]
"""Rows for one table: (table, columns, rows)."""
HEADS_CACHED = 10_000


class _Cursor(Protocol):
    def execute(self, query: Any, params: Any = ...) -> Any: ...
    def executemany(self, query: Any, params_seq: Any) -> Any: ...
    def fetchall(self) -> Any: ...


@dataclass(frozen=True)
class AuditRow:
    """One stored event beside its chain row (either side may be missing)."""

    student_id: str
    sequence: int
    topic: str | None
    state: bytes | None
    recorded_at: str | None
    commitment: bytes | None
    link: bytes | None

    @classmethod
    def of(
        cls,
        student_id: str,
        sequence: int,
        topic: str | None,
        state: Any,
        recorded_at: str | None,
        commitment: Any,
        link: Any,
    ) -> AuditRow:
        return cls(
            student_id,
            int(sequence),
            topic,
            None if state is None else bytes(state),
            recorded_at,
            None if commitment is None else bytes(commitment),
            None if link is None else bytes(link),
        )


class ChainHeads:
    """The last link this process committed in each stream, for its next append.

    Only links of committed transactions enter it (see ``_ChainWriter``), and a
    link is used only for the version right after it, so a head is either
    current or older than the stream: then the append's version is already
    taken and the unique (stream, version) key refuses the save.  Bounded;
    the oldest entries go first.
    """

    def __init__(self, size: int = HEADS_CACHED) -> None:
        self._heads: dict[Any, tuple[int, bytes]] = {}
        self._size = size
        self._lock = threading.Lock()

    def link_at(self, stream: Any, version: int) -> bytes | None:
        head = self._heads.get(stream)
        return head[1] if head is not None and head[0] == version else None

    def remember(self, heads: dict[Any, tuple[int, bytes]]) -> None:
        with self._lock:
            for stream, head in heads.items():
                self._heads.pop(stream, None)
                self._heads[stream] = head
            while len(self._heads) > self._size:
                del self._heads[next(iter(self._heads))]

    def clear(self) -> None:
        with self._lock:
            self._heads.clear()


class _ChainWriter(KeyTable):
    """SQL-dialect-neutral chain, index and key maintenance."""

    placeholder = "?"
    chain_table = CHAIN_TABLE
    identifiers_table = IDENTIFIERS_TABLE

    def _init_chain_writer(self) -> None:
        self.chain_heads = ChainHeads()
        # The heads written by this thread's transaction, remembered once it commits.
        self._staged = threading.local()

    def _sql(self, text: str) -> str:
        return text.replace("%s", self.placeholder)

    def _db_id(self, originator_id: UUID | str) -> Any:
        return originator_id

    def _insert_rows(self, cursor: _Cursor, inserts: Sequence[Insert]) -> None:
        for table, columns, rows in inserts:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                self._sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"), rows
            )

    def _stage_heads(self, heads: dict[Any, tuple[int, bytes]] | None) -> None:
        self._staged.heads = heads

    def _publish_heads(self) -> None:
        """The transaction committed: its last links are the streams' heads."""
        heads = getattr(self._staged, "heads", None)
        self._staged.heads = None
        if heads:
            self.chain_heads.remember(heads)

    def _write_chain(self, cursor: _Cursor, stored_events: Sequence[StoredEvent]) -> None:
        chained: list[ChainedStoredEvent] = []
        for event in stored_events:
            if not isinstance(event, ChainedStoredEvent):
                msg = "events must be mapped by LedgerMapper before they are recorded"
                raise TypeError(msg)
            chained.append(event)
        # Every read happens before any write on this cursor, in one query each:
        # PostgreSQL's pipeline mode misreads a fetch queued behind executemany().
        ids = [self._db_id(event.originator_id) for event in chained]
        heads = self._previous_links(cursor, chained, ids)
        self._check_sealing_keys(cursor, chained, ids)
        rows = []
        written: dict[Any, tuple[int, bytes]] = {}
        for key, event in zip(ids, chained, strict=True):
            link = chain.link(
                heads[key],
                student_id=canonical_id(event.originator_id),
                sequence=event.originator_version,
                topic=event.topic,
                recorded_at=event.recorded_at,
                commitment_digest=event.commitment,
                stored_state=event.state,
            )
            heads[key] = link
            written[key] = (event.originator_version, link)
            rows.append((key, event.originator_version, event.recorded_at, event.commitment, link))
        inserts: list[Insert] = [(self.chain_table, CHAIN_COLUMNS, rows)]
        claims = [
            (kind, digest, key)
            for key, e in zip(ids, chained, strict=True)
            for kind, digest in e.claims
        ]
        if claims:
            inserts.append((self.identifiers_table, IDENTIFIER_COLUMNS, claims))
        new_keys = self._new_key_rows(chained, ids)
        if new_keys:
            inserts.append((self.keys_table, NEW_KEY_COLUMNS, new_keys))
        self._insert_rows(cursor, inserts)
        # An erasure releases what the same batch may just have inserted.
        for key, e in zip(ids, chained, strict=True):
            if e.releases_claims:
                cursor.execute(
                    self._sql(f"DELETE FROM {self.identifiers_table} WHERE originator_id = %s"),
                    (key,),
                )
        self._destroy_keys(cursor, chained, ids)
        self._stage_heads(written)

    def _previous_links(
        self, cursor: _Cursor, chained: Sequence[ChainedStoredEvent], ids: Sequence[Any]
    ) -> dict[Any, bytes]:
        """The link before each stream's first event in this batch.

        Known heads come from ``chain_heads``; the others are read in one query per 400.
        """
        heads: dict[Any, bytes] = {}
        wanted: list[tuple[Any, int]] = []
        for key, event in zip(ids, chained, strict=True):
            if key in heads:
                continue
            if event.originator_version == 1:
                heads[key] = chain.GENESIS
                continue
            known = self.chain_heads.link_at(key, event.originator_version - 1)
            if known is not None:
                heads[key] = known
            else:
                wanted.append((key, event.originator_version - 1))
                heads[key] = b""
        if not wanted:
            return heads
        found = {
            (row[0], int(row[1])): bytes(row[2])
            for row in self._select_pairs(
                cursor, self.chain_table, "originator_version", wanted, "link"
            )
        }
        for key, version in wanted:
            link = found.get((key, version))
            if link is None:
                msg = f"chain link {version} missing for stream being appended"
                raise IntegrityError(msg)
            heads[key] = link
        return heads

    def _select_pairs(
        self,
        cursor: _Cursor,
        table: str,
        second: str,
        pairs: Sequence[tuple[Any, Any]],
        columns: str,
        condition: str = "",
    ) -> list[tuple[Any, ...]]:
        """Rows matching any (originator_id, second) pair: one indexed query per chunk."""
        results: list[tuple[Any, ...]] = []
        for start in range(0, len(pairs), 400):
            chunk = pairs[start : start + 400]
            where = " OR ".join(f"(originator_id = %s AND {second} = %s)" for _ in chunk)
            params = [value for pair in chunk for value in pair]
            cursor.execute(
                self._sql(
                    f"SELECT originator_id, {second}, {columns} FROM {table} "
                    f"WHERE ({where}){condition}"
                ),
                params,
            )
            results.extend(tuple(self._row_values(row)) for row in cursor.fetchall())
        return results

    @staticmethod
    def _row_values(row: Any) -> Sequence[Any]:
        return list(row.values()) if isinstance(row, dict) else tuple(row)

    # -- reads used by verification and lookups ---------------------------
    def _audit_sql(self, events_table: str) -> str:
        # Every stored event beside its chain row; a row missing on either side
        # (a deleted event, a deleted link) shows as NULLs.
        return (
            "SELECT COALESCE(e.originator_id, c.originator_id) AS student, "
            "COALESCE(e.originator_version, c.originator_version) AS seq, "
            "e.topic, e.state, c.recorded_at, c.commitment, c.link "
            f"FROM {events_table} e FULL OUTER JOIN {self.chain_table} c "
            "ON e.originator_id = c.originator_id "
            "AND e.originator_version = c.originator_version "
            "ORDER BY 1, 2"
        )

    def _lookup_sql(self) -> str:
        return self._sql(
            f"SELECT originator_id FROM {self.identifiers_table} WHERE kind = %s AND digest = %s"
        )


class LedgerSQLiteRecorder(_ChainWriter, SQLiteApplicationRecorder):
    datastore: SQLiteDatastore

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        self._init_chain_writer()

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} (originator_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL, recorded_at TEXT NOT NULL, "
            "commitment BLOB NOT NULL, link BLOB NOT NULL, "
            "PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID",
            f"CREATE TABLE IF NOT EXISTS {IDENTIFIERS_TABLE} (kind TEXT NOT NULL, "
            "digest BLOB NOT NULL, originator_id TEXT NOT NULL, "
            "PRIMARY KEY (kind, digest)) WITHOUT ROWID",
            f"CREATE INDEX IF NOT EXISTS {IDENTIFIERS_TABLE}_student "
            f"ON {IDENTIFIERS_TABLE} (originator_id)",
            f"CREATE TABLE IF NOT EXISTS {KEYS_TABLE} (originator_id TEXT NOT NULL, "
            "key_id BLOB NOT NULL, wrapped_dek BLOB, kek_id TEXT, created_at TEXT NOT NULL, "
            "shredded_at TEXT, PRIMARY KEY (originator_id, key_id)) WITHOUT ROWID",
        ]

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

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """The library's query.  A stream's tail (``gt`` alone: how the repository
        fast-forwards a cached record before each command) is read by one statement,
        which SQLite runs as its own read transaction, without the BEGIN and ROLLBACK
        the library wraps around every read."""
        if gt is None or lte is not None or desc or limit is not None:
            return super().select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
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
            cursor.execute(self._audit_sql(self.events_table_name))
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


class _AbortTransaction(BaseException):
    """Carries a refusal out of the library's ``except Exception`` so psycopg rolls back."""

    def __init__(self, refused: IntegrityError) -> None:
        super().__init__(str(refused))
        self.refused = refused


_PG_TYPES = {
    "originator_id": "uuid",
    "originator_version": "int8",
    "recorded_at": "text",
    "commitment": "bytea",
    "link": "bytea",
    "kind": "text",
    "digest": "bytea",
    "key_id": "bytea",
    "wrapped_dek": "bytea",
    "kek_id": "text",
    "created_at": "text",
}


UNNEST_FROM = 16
"""Rows from which a PostgreSQL statement takes its values as binary column arrays."""


def _rows_source(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
    """A FROM item ``u(columns...)`` holding ``rows``, and its parameters (all binary).

    A few rows go as a VALUES list; more as one array per column, which psycopg
    dumps in one go per column instead of one parameter per value.
    """
    names = ", ".join(columns)
    if len(rows) < UNNEST_FROM:
        row = "(" + ", ".join(f"%b::{_PG_TYPES[column]}" for column in columns) + ")"
        values = ", ".join([row] * len(rows))
        return f"(VALUES {values}) AS u({names})", [value for each in rows for value in each]
    arrays = ", ".join(f"%b::{_PG_TYPES[column]}[]" for column in columns)
    return f"unnest({arrays}) AS u({names})", [list(column) for column in zip(*rows, strict=True)]


class LedgerPostgresRecorder(_ChainWriter, PostgresApplicationRecorder):
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
        schema = Identifier(datastore.schema)
        quoted = '"' + datastore.schema.replace('"', '""') + '"'
        self.chain_table = f"{quoted}.{CHAIN_TABLE}"
        self.identifiers_table = f"{quoted}.{IDENTIFIERS_TABLE}"
        self.keys_table = f"{quoted}.{KEYS_TABLE}"
        self.sql_create_statements.extend(
            [
                SQL(
                    "CREATE TABLE IF NOT EXISTS {schema}.{table} (originator_id uuid NOT NULL, "
                    "originator_version bigint NOT NULL, recorded_at text NOT NULL, "
                    "commitment bytea NOT NULL, link bytea NOT NULL, "
                    "PRIMARY KEY (originator_id, originator_version))"
                ).format(schema=schema, table=Identifier(CHAIN_TABLE)),
                SQL(
                    "CREATE TABLE IF NOT EXISTS {schema}.{table} (kind text NOT NULL, "
                    "digest bytea NOT NULL, originator_id uuid NOT NULL, "
                    "PRIMARY KEY (kind, digest))"
                ).format(schema=schema, table=Identifier(IDENTIFIERS_TABLE)),
                SQL(
                    "CREATE INDEX IF NOT EXISTS {index} ON {schema}.{table} (originator_id)"
                ).format(
                    index=Identifier(IDENTIFIERS_TABLE + "_student"),
                    schema=schema,
                    table=Identifier(IDENTIFIERS_TABLE),
                ),
                SQL(
                    "CREATE TABLE IF NOT EXISTS {schema}.{table} (originator_id uuid NOT NULL, "
                    "key_id bytea NOT NULL, wrapped_dek bytea, kek_id text, "
                    "created_at text NOT NULL, shredded_at text, "
                    "PRIMARY KEY (originator_id, key_id))"
                ).format(schema=schema, table=Identifier(KEYS_TABLE)),
            ]
        )

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

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """The library's query.  A stream's tail (``gt`` alone: how the repository
        fast-forwards a cached record before each command) uses a statement spelt
        once, where the library composes its SQL objects again on every call."""
        if gt is None or lte is not None or desc or limit is not None:
            events: Sequence[StoredEvent] = super().select_events(
                originator_id, gt=gt, lte=lte, desc=desc, limit=limit
            )
            return events
        tail: list[StoredEvent] = self._select_tail(originator_id, gt)
        return tail

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's
    def _select_tail(self, originator_id: UUID | str, gt: int) -> list[StoredEvent]:
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
        quoted = '"' + self.datastore.schema.replace('"', '""') + '"'
        table = f"{quoted}.{self.events_table_name}"
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(name="ledger_audit") as curs,
        ):
            curs.itersize = batch
            curs.execute(self._audit_sql(table))
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
