"""Appends over HTTP against ``careers-ledger serve``, next to the in-process service rate.

Bounded load on loopback: a fresh ledger, STUDENTS students, then APPENDS
appends from CLIENTS concurrent clients (each with its own connection and
Idempotency-Key per request).  The in-process figure is LedgerService.record
called in a loop on another fresh ledger of the same backend, in the same run.
Targets: HTTP >= half the in-process rate, p99 < 50 ms at 8 clients
on SQLite.

    python bench/http_append.py [--appends 2000] [--clients 8] [--database-url URL]

Without --database-url both ledgers are SQLite files in a temporary folder.
With a PostgreSQL URL (no ?schema=) each run gets a fresh schema, dropped after.
"""

from __future__ import annotations

import argparse
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.bootstrap import build
from api.config import Settings
from api.http import examples
from ledger.domain.access import Actor
from ledger.domain.vocabulary import Role
from tests import factories

SCHOOL = "100001"
BODY = examples.ENTRIES["labour_market_information"]


def in_process_rate(settings: Settings, students: int, appends: int) -> float:
    ledger = build(settings)
    try:
        actor = Actor("bench", Role.ADVISER, SCHOOL)
        ids = [
            ledger.service.register_student(factories.registration(), actor=actor).student_id
            for _ in range(students)
        ]
        started = time.perf_counter()
        for i in range(appends):
            ledger.service.record(
                ids[i % students],
                "labour_market_information",
                BODY,
                idempotency_key=str(uuid.uuid4()),
                actor=actor,
            )
        return appends / (time.perf_counter() - started)
    finally:
        ledger.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(settings: Settings, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CAREERS_LEDGER_DATABASE_URL": settings.database_url,
        "CAREERS_LEDGER_KEY_FILE": str(settings.resolved_key_file()),
    }
    cli = str(Path(sys.executable).parent / "careers-ledger")
    command = [cli, "serve", "--port", str(port), "--workers", str(workers), "--no-access-log"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"serve exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("serve did not come up in 300 s")


def http_run(
    base: str, token: str, students: int, appends: int, clients: int
) -> tuple[float, list[float]]:
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=60) as client:
        ids = [
            client.post(
                "/api/v1/students",
                json=factories.registration(),
                headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
            ).json()["student_id"]
            for _ in range(students)
        ]
    work: queue.SimpleQueue[int | None] = queue.SimpleQueue()
    for i in range(appends):
        work.put(i)
    for _ in range(clients):
        work.put(None)
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()

    def client_loop() -> None:
        mine: list[float] = []
        with httpx.Client(base_url=base, timeout=60) as client:
            while (i := work.get()) is not None:
                sent = time.perf_counter()
                response = client.post(
                    f"/api/v1/students/{ids[i % students]}/entries/labour_market_information",
                    json=BODY,
                    headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
                )
                mine.append(time.perf_counter() - sent)
                if response.status_code != 201:
                    failures.append(response.status_code)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} appends failed: {sorted(set(failures))}")
    return appends / elapsed, latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=1, help="API processes (PostgreSQL only)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        keys = Path(folder) / "bench.keys"
        if args.database_url:
            if "schema=" in args.database_url:
                raise SystemExit("give a PostgreSQL URL without ?schema=; the bench makes its own")
            http_settings = Settings(database_url=_fresh_schema(args.database_url), key_file=keys)
            local = Settings(database_url=_fresh_schema(args.database_url), key_file=keys)
        else:
            http_settings = Settings(database_url=f"sqlite:///{folder}/http.db", key_file=keys)
            local = Settings(database_url=f"sqlite:///{folder}/local.db", key_file=keys)
        rate_local = in_process_rate(local, args.students, args.appends)
        ledger = build(http_settings)
        token = ledger.tokens.create_user("adviser", SCHOOL).token
        ledger.close()
        port = free_port()
        process = serve(http_settings, port, args.workers)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, process)
            rate_http, latencies = http_run(base, token, args.students, args.appends, args.clients)
        finally:
            process.terminate()
            process.wait(timeout=30)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
    ratio = rate_http / rate_local
    print(f"backend                      {backend}, {args.workers} API process(es)")
    print(f"appends                      {args.appends} over {args.students} students")
    print(f"in-process LedgerService     {rate_local:8.0f} appends/s (one caller)")
    print(f"HTTP, {args.clients} clients              {rate_http:8.0f} appends/s")
    print(
        f"HTTP latency                 p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
        f"mean {statistics.fmean(latencies) * 1000:6.1f} ms"
    )
    print(f"HTTP / in-process            {ratio:8.2f}  (target >= 0.50)")
    print(f"p99 under 50 ms              {'yes' if p99 < 50 else 'no'}")


def _fresh_schema(url: str) -> str:
    import atexit

    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    plain = "postgresql://" + url.split("://", 1)[1].split("?", 1)[0]
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')

    atexit.register(drop)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}schema={schema}"


if __name__ == "__main__":
    main()
