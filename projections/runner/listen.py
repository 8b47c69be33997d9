"""Wake the follower when PostgreSQL says the log grew (LISTEN/NOTIFY).

eventsourcing's PostgreSQL recorder sends ``NOTIFY <channel>`` in every
insert transaction, so a follower can sleep until then instead of polling.
Notifications queue on the listening connection while a batch is being
projected, so none is missed between a catch-up and the next wait.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from ledger.storage.application import LedgerApplication


class PostgresListener:
    def __init__(self, recorder: PostgresApplicationRecorder, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self._context: AbstractContextManager[Any] = recorder.datastore.get_connection()
        self.connection = self._context.__enter__()
        self.connection.execute(SQL("LISTEN {0}").format(Identifier(recorder.channel_name)))
        if not self.connection.autocommit:
            self.connection.commit()

    @classmethod
    def for_app(cls, app: LedgerApplication, poll_seconds: float) -> PostgresListener | None:
        recorder = app.recorder
        if isinstance(recorder, PostgresApplicationRecorder):
            return cls(recorder, poll_seconds)
        return None

    def __call__(self, stop: threading.Event) -> None:
        """Return on the next notification, or after ``poll_seconds`` at most."""
        for _ in self.connection.notifies(timeout=self.poll_seconds, stop_after=1):
            break

    def close(self) -> None:
        self.connection.execute(SQL("UNLISTEN *"))
        if not self.connection.autocommit:
            self.connection.commit()
        self._context.__exit__(None, None, None)
