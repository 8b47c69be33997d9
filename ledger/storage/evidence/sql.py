"""The evidence tables on the ledger's own database, for SQLite and PostgreSQL.

Plain SQL through the recorder's datastore (no ORM).  Three tables sit beside
eventsourcing's ``stored_events`` and our ``ledger_chain``:

* ``ledger_log``: the global Merkle log's leaves in notification order
  (position, notification id, student, sequence, leaf hash),
* ``ledger_log_nodes``: the hash of every completed perfect subtree above the
  leaves, so any proof is a handful of look-ups, and
* ``ledger_checkpoints``: every signed checkpoint, by tree size.

Writers take a lock first (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL table
lock), so two processes extending the log cannot interleave.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol
from uuid import UUID

from psycopg.rows import tuple_row

from ledger.storage.recorders.postgres import LedgerPostgresRecorder
from ledger.storage.recorders.sqlite import LedgerSQLiteRecorder

LOG_TABLE = "ledger_log"
NODES_TABLE = "ledger_log_nodes"
CHECKPOINTS_TABLE = "ledger_checkpoints"


class Cursor(Protocol):
    def execute(self, query: Any, params: Any = ...) -> Any: ...
    def executemany(self, query: Any, params_seq: Any) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchmany(self, size: int = ...) -> list[Any]: ...


class Database(ABC):
    """One backend's connections, table names and id encoding."""

    placeholder = "?"
    notification_column = "rowid"
    events: str
    chain: str
    log = LOG_TABLE
    nodes = NODES_TABLE
    checkpoints = CHECKPOINTS_TABLE

    def sql(self, text: str) -> str:
        return text.replace("%s", self.placeholder)

    def db_id(self, student_id: UUID) -> Any:
        return student_id

    def student_id(self, value: Any) -> UUID:
        return value if isinstance(value, UUID) else UUID(str(value))

    @abstractmethod
    def create_statements(self) -> list[str]: ...

    @abstractmethod
    def writing(self) -> AbstractContextManager[Cursor]:
        """One locked write transaction: committed on success, rolled back on error."""

    @abstractmethod
    def reading(self) -> AbstractContextManager[Cursor]:
        """One read-only transaction (a consistent snapshot)."""

    def create_tables(self) -> None:
        with self.writing() as cursor:
            for statement in self.create_statements():
                cursor.execute(statement)


class SQLiteDatabase(Database):
    def __init__(self, recorder: LedgerSQLiteRecorder) -> None:
        self.datastore = recorder.datastore
        self.events = recorder.events_table_name
        self.chain = recorder.chain_table

    def db_id(self, student_id: UUID) -> Any:
        return student_id.hex

    def create_statements(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.log} (position INTEGER PRIMARY KEY, "
            "notification_id INTEGER NOT NULL UNIQUE, originator_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL, leaf_hash BLOB NOT NULL)",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {self.log}_event "
            f"ON {self.log} (originator_id, originator_version)",
            f"CREATE TABLE IF NOT EXISTS {self.nodes} (level INTEGER NOT NULL, "
            "idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID",
            f"CREATE TABLE IF NOT EXISTS {self.checkpoints} (tree_size INTEGER PRIMARY KEY, "
            "root_hash BLOB NOT NULL, note TEXT NOT NULL, created_at TEXT NOT NULL)",
        ]

    @contextmanager
    def writing(self) -> Iterator[Cursor]:
        with self.datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor().sqlite_cursor
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    @contextmanager
    def reading(self) -> Iterator[Cursor]:
        with self.datastore.get_connection(commit=False) as connection:
            cursor = connection.cursor().sqlite_cursor
            cursor.execute("BEGIN")
            try:
                yield cursor
            finally:
                connection.rollback()


class PostgresDatabase(Database):
    placeholder = "%s"
    notification_column = "notification_id"

    def __init__(self, recorder: LedgerPostgresRecorder) -> None:
        self.datastore = recorder.datastore
        self.schema = '"' + recorder.datastore.schema.replace('"', '""') + '"'
        self.events = f"{self.schema}.{recorder.events_table_name}"
        self.chain = recorder.chain_table
        self.log = f"{self.schema}.{LOG_TABLE}"
        self.nodes = f"{self.schema}.{NODES_TABLE}"
        self.checkpoints = f"{self.schema}.{CHECKPOINTS_TABLE}"

    def create_statements(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.log} (position bigint PRIMARY KEY, "
            "notification_id bigint NOT NULL UNIQUE, originator_id uuid NOT NULL, "
            "originator_version bigint NOT NULL, leaf_hash bytea NOT NULL, "
            "UNIQUE (originator_id, originator_version))",
            f"CREATE TABLE IF NOT EXISTS {self.nodes} (level integer NOT NULL, "
            "idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx))",
            f"CREATE TABLE IF NOT EXISTS {self.checkpoints} (tree_size bigint PRIMARY KEY, "
            "root_hash bytea NOT NULL, note text NOT NULL, created_at text NOT NULL)",
        ]

    def create_tables(self) -> None:
        # Two processes starting together may both try to create the tables:
        # an advisory lock makes the second wait and then find them there.
        with self.writing(lock=False) as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('careers-ledger/evidence'))")
            for statement in self.create_statements():
                cursor.execute(statement)

    @contextmanager
    def writing(self, lock: bool = True) -> Iterator[Cursor]:
        with (
            self.datastore.get_connection() as connection,
            connection.transaction(),
            connection.cursor(row_factory=tuple_row) as cursor,
        ):
            if lock:
                cursor.execute(f"LOCK TABLE {self.log} IN EXCLUSIVE MODE")
            yield cursor

    @contextmanager
    def reading(self) -> Iterator[Cursor]:
        with (
            self.datastore.get_connection() as connection,
            connection.transaction(force_rollback=True),
            connection.cursor(row_factory=tuple_row) as cursor,
        ):
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield cursor


def database_for(recorder: LedgerSQLiteRecorder | LedgerPostgresRecorder) -> Database:
    if isinstance(recorder, LedgerPostgresRecorder):
        return PostgresDatabase(recorder)
    return SQLiteDatabase(recorder)
