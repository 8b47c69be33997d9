"""SQLite: during a rebuild, the write-ahead log is checkpointed beside the projecting.

In WAL mode the connection that commits past ``wal_autocheckpoint`` pages
copies the log back into the database file inside its commit.  A rebuild
commits a few large batches, so each commit stalled for the whole copy (and
its fsync): 4 of the 29 seconds of a 1.27M-event rebuild.  During a rebuild
the batches' connection turns automatic checkpoints off and a thread runs a
PASSIVE checkpoint after each commit on a connection of its own (sqlite3
releases the GIL while it copies), so the copy overlaps the next batch.
PASSIVE never blocks or waits for the writer; the rebuild ends with one
last checkpoint, and the setting is restored on the connection, so the log
is left as short as before.  PostgreSQL needs none of this.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)
DEFAULT_AUTOCHECKPOINT = 1_000  # SQLite's own default (pages)


class BackgroundCheckpoints:
    """Checkpoints after each commit, one at a time, off the projecting thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._thread: threading.Thread | None = None

    @contextmanager
    def batch(self) -> Iterator[Connection]:
        """A transaction whose commit does not checkpoint; one is started after it."""
        with self.engine.connect() as connection:
            previous = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
            connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            connection.commit()  # SQLAlchemy began a (driver-level empty) transaction
            try:
                with connection.begin():
                    yield connection
            finally:
                connection.exec_driver_sql(
                    f"PRAGMA wal_autocheckpoint={int(previous or DEFAULT_AUTOCHECKPOINT)}"
                )
                connection.commit()
        self._start()

    def finish(self) -> None:
        """Wait for the running checkpoint, then checkpoint what is left."""
        self._wait()
        self._checkpoint()

    def _start(self) -> None:
        self._wait()  # one at a time: a slow disk must not pile them up
        self._thread = threading.Thread(target=self._checkpoint, daemon=True)
        self._thread.start()

    def _wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _checkpoint(self) -> None:
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception as exc:  # the next commit's own checkpoint will do it
            log.warning("background checkpoint failed: %s", type(exc).__name__)


def background_checkpoints(engine: Engine) -> BackgroundCheckpoints | None:
    return BackgroundCheckpoints(engine) if engine.dialect.name == "sqlite" else None
