"""Projection machinery: catch up, rebuild and follow the ledger's log.

Every batch is one transaction on the read side's database: each projection
first moves its position with a compare-and-set (old position and rebuild
generation), then writes its rows.  A batch that fails, or that lost a race
with another process, rolls back entirely, so a crash mid-batch neither loses
nor double-counts an event; the next run starts from the committed position.
The log is decoded once per batch for all projections.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from eventsourcing.persistence import Notification
from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import IntegrityError

from ledger.storage.application import LedgerApplication
from projections.rules.facts import LoggedEvent
from projections.runner.checkpoints import BackgroundCheckpoints, background_checkpoints
from projections.runner.listen import PostgresListener
from projections.runner.log import LogReader, decode_page, keys_held_for_replay
from projections.runner.pipeline import DecoderFailed, LogSource, PipelinedLog, worth_a_process
from projections.runner.tables import positions

log = logging.getLogger(__name__)

CATCH_UP_BATCH = 2_000
REBUILD_BATCH = 200_000  # fewer, longer runs of facts per student; ~820 MB RSS at peak (1.27M)
IN_PROCESS_LIMIT = 5_000


class Projection(Protocol):
    """A read model: owns its tables, applies decoded events inside the given transaction."""

    name: str

    def process(self, connection: Connection, events: Sequence[LoggedEvent]) -> None: ...

    def reset(self, connection: Connection) -> None:
        """Delete every row (a rebuild follows); caches may start out complete."""
        ...

    def forget_cache(self) -> None:
        """Drop anything cached: the tables may have moved on without this process."""
        ...


class PositionMoved(Exception):
    """Another process advanced or rebuilt a projection since this batch began."""


@dataclass(frozen=True)
class ProjectionPosition:
    name: str
    position: int
    lag: int


@dataclass(frozen=True)
class ProjectionStatus:
    head: int
    projections: tuple[ProjectionPosition, ...]

    @property
    def up_to_date(self) -> bool:
        return all(p.lag == 0 for p in self.projections)


Progress = Callable[[int], None]


class Projector:
    """Keeps a set of projections up to date with one ledger's log."""

    def __init__(
        self,
        app: LedgerApplication,
        engine: Engine,
        projections: Sequence[Projection],
        *,
        batch_size: int = CATCH_UP_BATCH,
        rebuild_batch_size: int = REBUILD_BATCH,
        log_source: LogSource | None = None,
    ) -> None:
        """``log_source`` lets long replays decode the log in a second process."""
        self.app = app
        self.log_source = log_source
        self.engine = engine
        self.projections = tuple(projections)
        self.batch_size = batch_size
        self.rebuild_batch_size = rebuild_batch_size
        self.reader = LogReader(app)
        # One catch-up at a time per process: the projections' caches are not shared safely.
        self._lock = threading.Lock()
        # Where this process last left each projection: a cache is only valid from there.
        self._committed: dict[str, int] = {}
        # During a rebuild on SQLite: the log is checkpointed beside the batches.
        self._checkpoints: BackgroundCheckpoints | None = None
        self._ensure_positions()

    # -- running ------------------------------------------------------------
    def catch_up(
        self,
        *,
        batch_size: int | None = None,
        progress: Progress | None = None,
        limit: int | None = None,
    ) -> int:
        """Process the events after the projections' positions (at most about ``limit``)."""
        with self._lock:
            return self._catch_up(batch_size or self.batch_size, progress, limit)

    def after_append(self) -> None:
        """The service's hook: project in-process, but never fail a write that committed.

        A projection error leaves the projection behind (``project --follow`` or
        the next append retries); it is logged without event data.  One append
        projects at most ``IN_PROCESS_LIMIT`` events, so a request never pays for
        a long backlog (after an upgrade, say): the next appends, or a worker or
        ``careers-ledger rebuild``, take the rest.
        """
        try:
            self.catch_up(limit=IN_PROCESS_LIMIT)
        except Exception as exc:  # the append is already durable; see docstring
            log.warning("projections lag behind the log: %s", type(exc).__name__)

    def rebuild(
        self, names: Sequence[str] | None = None, *, progress: Progress | None = None
    ) -> int:
        """Empty the named projections (all by default) and replay the whole log into them."""
        chosen = [p for p in self.projections if names is None or p.name in names]
        with self._lock:
            # Start the decoder first: it reads only the log, and its start (a new
            # interpreter, the ledger opened, keys unwrapped) overlaps the reset.
            pipeline = None
            if chosen and self.log_source is not None and worth_a_process(self.reader.head()):
                pipeline = PipelinedLog(self.log_source, 0, self.rebuild_batch_size)
            # The bulk loop makes no reference cycles, but millions of live
            # objects make each cyclic collection slow: a third of the time.
            collecting = gc.isenabled()
            gc.disable()
            self._checkpoints = background_checkpoints(self.engine)
            try:
                self._reset(chosen)
                with keys_held_for_replay(self.app):
                    done = 0
                    if pipeline is not None:
                        done = self._replay_pipelined(pipeline, progress)
                    return done + self._catch_up(self.rebuild_batch_size, progress, None)
            finally:
                if pipeline is not None:
                    pipeline.close()
                checkpoints, self._checkpoints = self._checkpoints, None
                if checkpoints is not None:
                    checkpoints.finish()
                if collecting:
                    gc.enable()

    def _reset(self, chosen: Sequence[Projection]) -> None:
        with self.engine.begin() as connection:
            for projection in chosen:
                projection.reset(connection)
                connection.execute(
                    update(positions)
                    .where(positions.c.name == projection.name)
                    .values(position=0, generation=positions.c.generation + 1)
                )
        for projection in chosen:
            self._committed[projection.name] = 0

    def follow(
        self,
        *,
        poll_seconds: float = 1.0,
        stop: threading.Event | None = None,
        on_batch: Progress | None = None,
    ) -> None:
        """Keep catching up until ``stop`` is set (a separate worker process)."""
        stop = stop or threading.Event()
        waiter = _waiter_for(self.app, poll_seconds)
        try:
            while not stop.is_set():
                done = self.catch_up(progress=on_batch)
                if done == 0:
                    waiter(stop)
        finally:
            close = getattr(waiter, "close", None)
            if close is not None:
                close()

    def status(self) -> ProjectionStatus:
        head = self.reader.head()
        marks = self._positions()
        return ProjectionStatus(
            head,
            tuple(
                ProjectionPosition(p.name, marks[p.name][0], max(head - marks[p.name][0], 0))
                for p in self.projections
            ),
        )

    # -- batches --------------------------------------------------------------
    def _catch_up(self, batch_size: int, progress: Progress | None, limit: int | None) -> int:
        done = 0
        while limit is None or done < limit:
            marks = self._positions()
            start = min(marks[p.name][0] for p in self.projections)
            page = self.reader.page(start, batch_size)
            if not page:
                return done
            if not self._project(marks, page):
                continue  # another process got there first: read the positions again
            done += len(page)
            if progress is not None:
                progress(len(page))
        return done

    def _replay_pipelined(self, pipeline: PipelinedLog, progress: Progress | None) -> int:
        """Replay from the start with a decoder process; stops early (the caller
        catches up) on any upset.  The caller closes ``pipeline``."""
        marks = self._positions()
        start = min(marks[p.name][0] for p in self.projections)
        done = 0
        try:
            if start != 0:
                return 0  # not every projection was reset: catch up in-process
            for last, count, events in pipeline:
                marks = self._positions()
                if min(marks[p.name][0] for p in self.projections) != start:
                    break  # another process moved a projection: carry on in-process
                if not self._apply(marks, last, events):
                    break
                start = last
                done += count
                if progress is not None:
                    progress(count)
        except DecoderFailed as failed:
            log.warning("replaying in this process instead: %s", failed)
        return done

    def _project(self, marks: dict[str, tuple[int, int]], page: Sequence[Notification]) -> bool:
        """Project one page in one transaction; False when another process won the race."""
        return self._apply(marks, page[-1].id, decode_page(self.app, page))

    def _apply(
        self, marks: dict[str, tuple[int, int]], last: int, events: list[LoggedEvent]
    ) -> bool:
        for projection in self.projections:
            if self._committed.get(projection.name) != marks[projection.name][0]:
                projection.forget_cache()
        try:
            self._commit_batch(marks, last, events)
        except PositionMoved:
            self._forget_caches()
            return False
        except BaseException:
            self._forget_caches()
            raise
        for projection in self.projections:
            self._committed[projection.name] = max(marks[projection.name][0], last)
        return True

    def _commit_batch(
        self, marks: dict[str, tuple[int, int]], last: int, events: list[LoggedEvent]
    ) -> None:
        checkpoints = self._checkpoints
        with checkpoints.batch() if checkpoints else self.engine.begin() as connection:
            for projection in self.projections:
                position, generation = marks[projection.name]
                if position >= last:
                    continue
                moved = connection.execute(
                    update(positions)
                    .where(
                        positions.c.name == projection.name,
                        positions.c.position == position,
                        positions.c.generation == generation,
                    )
                    .values(position=last)
                )
                if moved.rowcount != 1:
                    raise PositionMoved(projection.name)
                fresh = events if position == 0 else [e for e in events if e.position > position]
                projection.process(connection, fresh)

    def _positions(self) -> dict[str, tuple[int, int]]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(positions.c.name, positions.c.position, positions.c.generation)
            ).all()
        return {name: (int(position), int(generation)) for name, position, generation in rows}

    def _ensure_positions(self) -> None:
        known = self._positions()
        for projection in self.projections:
            if projection.name in known:
                continue
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        positions.insert().values(name=projection.name, position=0, generation=0)
                    )
            except IntegrityError:
                pass  # another process registered it first

    def _forget_caches(self) -> None:
        self._committed.clear()
        for projection in self.projections:
            projection.forget_cache()


def _waiter_for(app: LedgerApplication, poll_seconds: float) -> Callable[[threading.Event], None]:
    """How the follower waits for new events: PostgreSQL NOTIFY when available, else polling."""
    listener = PostgresListener.for_app(app, poll_seconds)
    if listener is not None:
        return listener

    def poll(stop: threading.Event) -> None:
        stop.wait(poll_seconds)

    return poll
