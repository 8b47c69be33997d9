"""Idempotency-Key handling that the ledger's own stream guard cannot see.

The ledger makes a repeated key safe on its own: the event carries the key,
so a replay returns the first result, a different body is refused (422), and
two racing writers still produce one event.  What it cannot tell is that an
identical request is *still running*; the Idempotency-Key draft asks for 409
then, so this process keeps the keys it is working on.  Across API worker
processes a duplicate that loses the race gets the original result instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from api.http.problems import IdempotencyKeyInFlight


def scope_of(target: str, institution_id: str | None) -> str:
    """Where a key is unique: one student's stream (or ``registration``) within one institution.

    The ledger keeps idempotency keys per institution, so another school's identical key is
    a different request and never "in flight" here.
    """
    return f"{target}/{institution_id or '-'}"


class InFlightKeys:
    def __init__(self) -> None:
        self._claimed: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    @contextmanager
    def claim(self, scope: str, key: str) -> Iterator[None]:
        """Hold ``key`` within ``scope`` while appending.

        Routes scope keys as the ledger does: per institution, on one student's stream
        or among registrations, so another school's identical key is never "in flight".
        """
        token = (scope, key)
        with self._lock:
            if token in self._claimed:
                raise IdempotencyKeyInFlight(
                    "an identical request with this Idempotency-Key is still being processed; "
                    "retry shortly to receive its result"
                )
            self._claimed.add(token)
        try:
            yield
        finally:
            with self._lock:
                self._claimed.discard(token)
