"""Many writers on one student's record at once: nothing lost, nothing twice.

Advisers in two browser tabs, a CSV import and a retrying client can all write
to the same student at the same moment.  The student's stream is the guard:
the unique (stream, version) key settles every race, the loser reloads and
either applies its entry on top or finds its Idempotency-Key already used.
These stories run real OS processes (spawned, each with its own connections)
and threads sharing one service, on a SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from api.bootstrap import Ledger, build
from api.config import Settings
from ledger.domain.clock import SimulatedClock
from ledger.service.commands import Appended
from tests import factories
from tests.backends import START

WRITERS = {"processes": 2, "threads": 4}
ENTRIES_EACH = 12
SHARED_EVERY = 3  # every third request is also sent by every other writer
SPAWN = multiprocessing.get_context("spawn")


def reflection(key: str) -> dict[str, Any]:
    return factories.PAYLOADS["reflection"](text=f"What I learnt ({key})")


def append_from_a_process(
    database_url: str,
    key_file: str,
    student_id: str,
    keys: list[str],
    start: Any,
    results: Any,
) -> None:
    """One spawned writer: its own ledger, connections and aggregate cache."""
    ledger = build(
        Settings(database_url=database_url, key_file=Path(key_file)), SimulatedClock(START)
    )
    try:
        start.wait(timeout=60)
        for key in keys:
            appended = ledger.service.record(
                UUID(student_id), "reflection", reflection(key), idempotency_key=key
            )
            results.put((key, appended.sequence, appended.replayed))
    except Exception as exc:
        results.put(("failed", repr(exc), False))
        raise
    finally:
        ledger.close()


def run_processes(settings: Settings, student_id: UUID, key_lists: list[list[str]]) -> list[Any]:
    start = SPAWN.Barrier(len(key_lists))
    results = SPAWN.Queue()
    processes = [
        SPAWN.Process(
            target=append_from_a_process,
            args=(
                settings.database_url,
                str(settings.key_file),
                str(student_id),
                keys,
                start,
                results,
            ),
        )
        for keys in key_lists
    ]
    for process in processes:
        process.start()
    expected = sum(len(keys) for keys in key_lists)
    collected = []
    while len(collected) < expected:
        collected.append(results.get(timeout=180))
        assert collected[-1][0] != "failed", collected[-1][1]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return collected


def run_threads(ledger: Ledger, student_id: UUID, key_lists: list[list[str]]) -> list[Any]:
    start = threading.Barrier(len(key_lists))

    def writer(keys: list[str]) -> list[tuple[str, int, bool]]:
        start.wait(timeout=30)
        done = []
        for key in keys:
            appended: Appended = ledger.service.record(
                student_id, "reflection", reflection(key), idempotency_key=key
            )
            done.append((key, appended.sequence, appended.replayed))
        return done

    with ThreadPoolExecutor(max_workers=len(key_lists)) as pool:
        futures = [pool.submit(writer, keys) for keys in key_lists]
        return [row for future in futures for row in future.result(timeout=180)]


Runner = Callable[[Ledger, Settings, UUID, list[list[str]]], list[Any]]
RUNNERS: dict[str, Runner] = {
    "processes": lambda ledger, settings, sid, keys: run_processes(settings, sid, keys),
    "threads": lambda ledger, settings, sid, keys: run_threads(ledger, sid, keys),
}


@pytest.fixture
def student(ledger: Ledger) -> UUID:
    return ledger.service.register_student(factories.registration()).student_id


def stored_keys(ledger: Ledger, student_id: UUID) -> tuple[list[int], Counter[str | None]]:
    events = list(ledger.app.events.get(student_id))
    return [e.originator_version for e in events], Counter(e.idempotency_key for e in events[1:])


def key_lists(how: str) -> list[list[str]]:
    """Each writer's requests: its own, with the shared ones (a retrying client) among them."""
    return [
        [
            f"{how}-shared-{i}" if i % SHARED_EVERY == 0 else f"{how}-{w}-{i}"
            for i in range(ENTRIES_EACH)
        ]
        for w in range(WRITERS[how])
    ]


@pytest.mark.slow
@pytest.mark.parametrize("how", sorted(RUNNERS))
def test_concurrent_writers_to_one_student_lose_nothing_and_duplicate_nothing(
    ledger: Ledger, settings: Settings, student: UUID, how: str
) -> None:
    sent = key_lists(how)
    results = RUNNERS[how](ledger, settings, student, sent)

    distinct = {key for keys in sent for key in keys}
    sequences, stored = stored_keys(ledger, student)
    assert sequences == list(range(1, len(distinct) + 2))
    assert stored == Counter(distinct)
    assert len(results) == sum(len(keys) for keys in sent)
    for key in distinct:
        answers = [(sequence, replayed) for k, sequence, replayed in results if k == key]
        assert len({sequence for sequence, _ in answers}) == 1
        assert sum(not replayed for _, replayed in answers) == 1
    assert ledger.service.version_of(student) == len(distinct) + 1
    assert ledger.service.verify().ok


@pytest.mark.slow
def test_two_registrations_racing_with_one_key_create_one_student(
    ledger: Ledger, settings: Settings
) -> None:
    payload = factories.registration()
    racers = WRITERS["threads"]
    start = threading.Barrier(racers)

    def register() -> Appended:
        start.wait(timeout=30)
        return ledger.service.register_student(payload, idempotency_key="reg-race")

    with ThreadPoolExecutor(max_workers=racers) as pool:
        answers = [f.result(timeout=60) for f in [pool.submit(register) for _ in range(racers)]]

    assert len({a.student_id for a in answers}) == 1
    assert sum(not a.replayed for a in answers) == 1
    assert ledger.service.event_count() == 1
