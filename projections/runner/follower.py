"""The read side follows this process's appends in a thread of its own.

A writer reports each commit (``committed``) and returns at once; a follower
thread, started when there is work and gone when there is none, runs the
service's catch-up at most once per ``PACE`` seconds, so a burst of appends
costs a few catch-ups instead of one each, and no append waits for one.

Reads still see their own writes: ``wait`` returns once a catch-up that began
after everything committed so far has finished (it read the log after those
commits, so it projected them), running it at once if none is under way.
Every route that reads projections gets the ledger through
``api.http.deps.get_ledger``, which waits when the read side is behind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

PACE = 0.02  # seconds between the follower's catch-ups while appends keep coming


class ReadSideFollower:
    """Runs ``catch_up`` (the service's ``after_append``) behind commits, holding ``turn``."""

    def __init__(
        self,
        catch_up: Callable[[], None],
        turn: AbstractContextManager[object] | None = None,
        *,
        pace: float = PACE,
    ) -> None:
        self._catch_up = catch_up
        self._turn = turn if turn is not None else nullcontext()
        self._pace = pace
        self._state = threading.Condition()
        self._taken = 0  # commits reported so far
        self._covered = 0  # commits a finished catch-up covers
        self._running = False
        self._following = False

    def committed(self) -> None:
        """A commit happened: the follower will project it shortly."""
        with self._state:
            self._taken += 1
            if self._following:
                return
            self._following = True
        threading.Thread(target=self._follow, name="read-side follower", daemon=True).start()

    def behind(self) -> bool:
        with self._state:
            return self._covered < self._taken

    def wait(self) -> None:
        """Return once the read side includes every commit reported before this call."""
        with self._state:
            ticket = self._taken
            while self._covered < ticket and self._running:
                self._state.wait()
            if self._covered >= ticket:
                return
            self._running = True
        covers = 0
        try:
            with self._turn:
                with self._state:
                    covers = self._taken  # read once the turn is ours: it covers more
                self._catch_up()  # the service's hook: it logs a failure and never raises one
        finally:
            with self._state:
                self._covered = max(self._covered, covers)
                self._running = False
                self._state.notify_all()

    def _follow(self) -> None:
        while True:
            time.sleep(self._pace)  # let the commits of the next few milliseconds join this run
            with self._state:
                if self._covered >= self._taken:
                    self._following = False
                    return
            self.wait()


__all__ = ["PACE", "ReadSideFollower"]
