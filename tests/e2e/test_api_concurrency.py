"""Eight HTTP clients appending at once through a real uvicorn server lose and duplicate nothing."""

from __future__ import annotations

import queue
import threading
import uuid
from collections import Counter
from typing import Any

import httpx

from api.bootstrap import Ledger
from api.http import examples
from api.server import create_app
from tests import factories
from tests.api_support import SCHOOL_A, serving

CLIENTS = 8
STUDENTS = 50
APPENDS = 1000


def test_eight_clients_append_a_thousand_entries_over_fifty_students_exactly_once(
    ledger: Ledger,
) -> None:
    token = ledger.tokens.create_user("adviser", SCHOOL_A).token
    auth = {"Authorization": f"Bearer {token}"}
    with serving(create_app(ledger=ledger)) as base, httpx.Client(base_url=base) as client:
        students = [
            client.post(
                "/api/v1/students",
                json=factories.registration(),
                headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
            ).json()["student_id"]
            for _ in range(STUDENTS)
        ]
        work: queue.Queue[tuple[int, str, dict[str, Any]] | None] = queue.Queue()
        for i in range(APPENDS):
            body = {**examples.ENTRIES["labour_market_information"], "activity": f"Session {i}"}
            request = (i, str(uuid.uuid4()), body)
            work.put(request)
            if i % 20 == 0:
                work.put(request)  # a client retrying while, or after, the first is handled
        statuses: list[tuple[int, int]] = []
        lock = threading.Lock()

        def client_loop() -> None:
            with httpx.Client(base_url=base, timeout=60) as mine:
                while (item := work.get()) is not None:
                    i, key, body = item
                    response = mine.post(
                        f"/api/v1/students/{students[i % STUDENTS]}/entries/"
                        "labour_market_information",
                        json=body,
                        headers={**auth, "Idempotency-Key": key},
                    )
                    with lock:
                        statuses.append((i, response.status_code))

        for _ in range(CLIENTS):
            work.put(None)
        threads = [threading.Thread(target=client_loop) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    created = {i for i, status in statuses if status == 201}
    assert created == set(range(APPENDS))
    assert {status for _, status in statuses} <= {201, 409}
    recorded = Counter(
        entry.data["activity"]
        for student in students
        for entry in ledger.service.history(uuid.UUID(student)).entries
        if entry.kind == "labour_market_information"
    )
    assert len(recorded) == APPENDS
    assert set(recorded.values()) == {1}
    assert ledger.service.event_count() == STUDENTS + APPENDS
    assert ledger.service.verify().ok


def _all_at_once(base: str, count: int, send: Any) -> list[int]:
    barrier = threading.Barrier(count)
    statuses: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            barrier.wait()
            status = send(client)
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_eight_clients_racing_with_one_etag_give_one_append_and_seven_conflicts(
    ledger: Ledger,
) -> None:
    token = ledger.tokens.create_user("adviser", SCHOOL_A).token
    auth = {"Authorization": f"Bearer {token}"}
    with serving(create_app(ledger=ledger)) as base, httpx.Client(base_url=base) as client:
        student = client.post(
            "/api/v1/students",
            json=factories.registration(),
            headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
        ).json()["student_id"]
        url = f"/api/v1/students/{student}/entries/labour_market_information"
        statuses = _all_at_once(
            base,
            CLIENTS,
            lambda c: (
                c.post(
                    url,
                    json=examples.ENTRIES["labour_market_information"],
                    headers={**auth, "Idempotency-Key": str(uuid.uuid4()), "If-Match": '"1"'},
                ).status_code
            ),
        )
    assert sorted(statuses) == [201] + [409] * (CLIENTS - 1)
    assert ledger.service.version_of(uuid.UUID(student)) == 2


def test_eight_copies_of_one_request_at_once_write_one_event(ledger: Ledger) -> None:
    token = ledger.tokens.create_user("adviser", SCHOOL_A).token
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    with serving(create_app(ledger=ledger)) as base, httpx.Client(base_url=base) as client:
        student = client.post(
            "/api/v1/students",
            json=factories.registration(),
            headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        ).json()["student_id"]
        url = f"/api/v1/students/{student}/entries/guidance_interview"
        statuses = _all_at_once(
            base,
            CLIENTS,
            lambda c: (
                c.post(
                    url, json=examples.ENTRIES["guidance_interview"], headers=headers
                ).status_code
            ),
        )
    assert 201 in statuses
    assert set(statuses) <= {201, 409}
    assert ledger.service.version_of(uuid.UUID(student)) == 2
