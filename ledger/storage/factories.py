"""Persistence modules for the ledger: eventsourcing's own SQLite and PostgreSQL
recorders, extended with the chain/index tables and durable SQLite settings."""

from __future__ import annotations

from eventsourcing.postgres import PostgresFactory
from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool, SQLiteFactory
from eventsourcing.utils import Environment

from .recorders import LedgerPostgresRecorder, LedgerSQLiteRecorder


class DurableSQLiteConnectionPool(SQLiteConnectionPool):
    """WAL (set by the library) plus ``synchronous=FULL``: a commit survives power loss.

    ``secure_delete`` zeroes deleted content (an erased student's wrapped key,
    their identifier digests) instead of leaving it in free space.
    """

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        return connection


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
