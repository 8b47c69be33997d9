"""Group commit: single appends arriving together share one transaction.

SQLite takes one writer at a time and each commit waits for the disk (an fsync
of the WAL).  With eight clients appending at once, one-commit-per-request
queues every request behind seven others.  Here concurrent single appends are
gathered and written by the service's append path (``Appends.execute``) as one batch (one
transaction), so the disk waits are shared.

The batch is all-or-nothing; when any command in it fails (refused, invalid,
conflicting) nothing of it was written and each command is run again on its
own, so every request still gets exactly the answer it would have got alone.
Idempotency and expected versions keep their meaning: commands for one student
apply in arrival order to the same record inside the transaction.

The read side's catch-up is not part of the request: an append is answered
once it is committed, and :class:`projections.runner.follower.ReadSideFollower` projects it
moments later in a thread of its own, many commits in one catch-up.  Reads
through the API wait for it (``api.http.deps.get_ledger``), so they see their own
writes; an erasure is answered only once the projections have dropped the
student's rows.

On SQLite this process writes one transaction at a time, batches and catch-ups
taking turns on a lock: the file takes one writer anyway, and a writer that
finds it locked would otherwise sleep in SQLite's busy handler (1, 2, 5, 10...
ms between tries) instead of starting the moment the other commits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from eventsourcing.sqlite import SQLiteApplicationRecorder

from ledger.domain import access
from ledger.domain.access import Actor
from ledger.domain.errors import LedgerError
from ledger.service.appends import Appends
from ledger.service.commands import Appended, Command
from ledger.service.ledger_service import LedgerService
from projections.runner.follower import ReadSideFollower

MAX_BATCH = 64


def with_group_commit(service: LedgerService) -> LedgerService:
    """The same use cases, with concurrent single appends sharing transactions.

    The service's in-process catch-up (if any) leaves the request for a
    follower thread of its own (see the module); the returned service's
    ``read_side`` is that follower, which reads wait on.
    """
    plain = service.appends
    appends = Appends(plain.app, plain.clock)  # the same store, no catch-up per commit
    group = GroupCommit(appends, plain.after_append)
    return service.with_writer(group)


@dataclass(eq=False)
class _Waiting:
    command: Command
    actor: Actor
    ready: threading.Event = field(default_factory=threading.Event)
    leads: bool = False
    result: Appended | None = None
    error: BaseException | None = None

    def outcome(self) -> Appended:
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


class GroupCommit:
    """A :class:`~ledger.service.appends.Writer` gathering single appends into batches.

    Whoever arrives while no batch is being written leads: it takes everything
    queued (its own command first), writes it, answers the others, then hands
    the lead to the next waiting request, so nobody waits on more than the batch
    in progress and their own.
    """

    def __init__(self, appends: Appends, catch_up: Callable[[], None] | None = None) -> None:
        self.appends = appends
        self._writing: AbstractContextManager[object] = (
            threading.Lock()
            if isinstance(appends.app.recorder, SQLiteApplicationRecorder)
            else nullcontext()
        )
        self.read_side: ReadSideFollower | None = (
            ReadSideFollower(catch_up, self._writing) if catch_up is not None else None
        )
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._leading = False

    def execute(
        self, commands: Sequence[Command], *, actor: Actor = access.SYSTEM
    ) -> list[Appended]:
        if len(commands) == 1:
            results = [self._grouped(commands[0], actor).outcome()]
        else:
            with self._writing:
                results = self.appends.execute(commands, actor=actor)
            self._committed(results)
        if self.read_side is not None and any(c.kind == "erasure" for c in commands):
            self.read_side.wait()  # the student's projected rows are gone before we answer
        return results

    def _grouped(self, command: Command, actor: Actor) -> _Waiting:
        mine = _Waiting(command, actor)
        with self._lock:
            self._queue.append(mine)
            if not self._leading:
                self._leading = mine.leads = True
        while not mine.leads:
            mine.ready.wait()
            mine.ready.clear()
            if mine.result is not None or mine.error is not None:
                return mine
        self._lead()
        return mine

    def _lead(self) -> None:
        with self._lock:
            batch = self._queue[:MAX_BATCH]
            del self._queue[:MAX_BATCH]
        try:
            with self._writing:
                self._write(batch)
        finally:
            # Reported before anyone is answered: a read after the answer waits for it.
            self._committed([w.result for w in batch if w.result is not None])
            with self._lock:
                if self._queue:
                    self._queue[0].leads = True
                    self._queue[0].ready.set()
                else:
                    self._leading = False
            for waiting in batch:
                waiting.ready.set()

    def _committed(self, results: Sequence[Appended]) -> None:
        if self.read_side is not None and not all(r.replayed for r in results):
            self.read_side.committed()

    def _write(self, batch: list[_Waiting]) -> None:
        by_actor: dict[Actor, list[_Waiting]] = {}
        for waiting in batch:
            by_actor.setdefault(waiting.actor, []).append(waiting)
        for actor, group in by_actor.items():
            try:
                results = self.appends.execute([w.command for w in group], actor=actor)
            except LedgerError:
                self._one_by_one(group, actor)
                continue
            except BaseException as exc:  # handed to each waiting request
                _fail(group, exc)
                continue
            for waiting, result in zip(group, results, strict=True):
                waiting.result = result

    def _one_by_one(self, group: list[_Waiting], actor: Actor) -> None:
        for waiting in group:
            try:
                waiting.result = self.appends.execute([waiting.command], actor=actor)[0]
            except BaseException as exc:  # raised again in its own request
                waiting.error = exc


def _fail(group: list[_Waiting], exc: BaseException) -> None:
    for waiting in group:
        waiting.error = exc


__all__ = ["GroupCommit", "with_group_commit"]
