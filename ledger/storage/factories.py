"""Persistence modules for the ledger: eventsourcing's own SQLite and PostgreSQL
recorders, extended with the chain/index tables and durable SQLite settings."""

from __future__ import annotations

import sqlite3

from eventsourcing.persistence import InterfaceError
from eventsourcing.postgres import PostgresFactory
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteFactory,
)
from eventsourcing.utils import Environment

from ledger.storage.recorders.postgres import LedgerPostgresRecorder
from ledger.storage.recorders.sqlite import LedgerSQLiteRecorder

STATEMENT_CACHE = 128
"""Prepared statements kept per SQLite connection."""


class DurableSQLiteConnectionPool(SQLiteConnectionPool):
    """WAL (as the library sets it) plus ``synchronous=FULL``: a commit survives power loss.

    ``secure_delete`` zeroes deleted content (an erased student's wrapped key,
    their identifier digests) instead of leaving it in free space.

    Connections keep a real prepared-statement cache: the library opens them
    with ``cached_statements=True``, a cache of one, so a transaction that
    alternates statements (BEGIN, the events, the chain rows, the key check,
    the next read) would parse and plan each of them again every time.
    """

    def _create_connection(self) -> SQLiteConnection:
        try:
            raw = sqlite3.connect(
                database=self.db_name,
                uri=True,
                check_same_thread=False,
                isolation_level=None,  # autocommit: the library issues BEGIN itself
                cached_statements=STATEMENT_CACHE,
                timeout=self.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT,
            )
        except (sqlite3.Error, TypeError) as exc:
            raise InterfaceError(exc) from exc
        cursor = raw.cursor()
        if not self.is_journal_mode_wal:
            cursor.execute("PRAGMA journal_mode;")
            if str(cursor.fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL;")
                self.journal_mode_was_changed_to_wal = True
            self.is_journal_mode_wal = True
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        raw.row_factory = sqlite3.Row
        return SQLiteConnection(sqlite_conn=raw, max_age=self.max_age)


class LedgerSQLiteFactory(SQLiteFactory):
    application_recorder_class = LedgerSQLiteRecorder

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        old = self.datastore.pool
        self.datastore.pool = DurableSQLiteConnectionPool(
            db_name=old.db_name, lock_timeout=old.lock_timeout
        )


class LedgerPostgresFactory(PostgresFactory):
    application_recorder_class = LedgerPostgresRecorder
