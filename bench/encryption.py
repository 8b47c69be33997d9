"""What per-student encryption costs: the same workload with and without it, in one run.

    python bench/encryption.py
    python bench/encryption.py --postgres \
        'postgresql+psycopg://postgres@127.0.0.1:5432/test?schema=bench_crypto'

Each round runs both modes, alternating, and the best figure of all rounds is kept
(the machine is shared: other work only ever makes a figure worse).  For each mode
(``clear``: documents stored unencrypted, a switch only this bench
uses; ``encrypted``: the product) on a fresh database:

* the mapper alone: encode (``to_stored_event``) of a stream's further events and
  decode (``to_domain_event``) of stored ones, in microseconds per event;
* appends, one event per transaction (``LedgerService.record``), events/s;
* appends in bulk, ``LedgerService.execute`` of 100 students x 5 events per
  transaction (a new student's key is created and stored with its first event), events/s;
* full verification (links and commitments, so every payload is decrypted) on a
  freshly opened application (cold key cache), and the keyless link check, events/s;
* one erasure (append, key destroyed, compaction: SQLite VACUUM, PostgreSQL VACUUM FULL
  of the key and identifier tables) at that database size.

The service runs without projections, so the figures are the storage pipeline's.
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from ledger.domain.identifiers import make_upn
from ledger.service.commands import Command
from ledger.service.ledger_service import LedgerService
from ledger.storage.application import LedgerApplication

KEYS = {"index_key": secrets.token_bytes(32), "master_key": secrets.token_bytes(32)}
_serial = iter(range(10_000_000))


def registration() -> dict[str, Any]:
    serial = next(_serial)
    return {
        "occurred_on": "2024-09-02",
        "given_name": "Amara",
        "family_name": "Okafor",
        "date_of_birth": "2011-03-14",
        "upn": make_upn(801, 2000 + serial // 1000, 24, serial % 1000),
        "characteristics": {"gender": "female", "fsm": True},
    }


ENTRIES: list[tuple[str, dict[str, Any]]] = [
    (
        "guidance_interview",
        {
            "occurred_on": "2024-11-12",
            "adviser_name": "Priya Shah",
            "adviser_qualification_level": 6,
            "duration_minutes": 40,
            "topics": ["post-16 options", "apprenticeships"],
            "advice_given": "Explore the engineering apprenticeship at the local college; "
            "visit the open evening and speak to the admissions tutor.",
            "agreed_actions": ["Attend the college open evening", "Draft a CV"],
            "intended_destination": "Level 3 engineering apprenticeship",
        },
    ),
    (
        "employer_encounter",
        {
            "occurred_on": "2024-10-03",
            "employer_name": "Severn Trent",
            "sector": "Utilities",
            "activity": "talk",
            "shared_purpose": True,
            "two_way_interaction": True,
            "learning_outcome_tags": ["explore_possibilities"],
        },
    ),
    (
        "workplace_experience",
        {
            "occurred_on": "2024-07-01",
            "kind": "placement",
            "employer_name": "Midlands Metro",
            "end_on": "2024-07-05",
            "days": "5",
        },
    ),
    (
        "destination",
        {
            "occurred_on": "2024-12-01",
            "nccis_code": "230",
            "provider_or_employer": "City College",
            "start_on": "2024-09-05",
            "source": "local_authority",
        },
    ),
]


@contextmanager
def database(postgres: str | None, workdir: Path, name: str) -> Iterator[str]:
    if postgres is None:
        yield f"sqlite:///{workdir / f'{name}.db'}"
        return
    schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    libpq = "postgresql://" + postgres.split("://", 1)[1].split("?", 1)[0]
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    base = postgres.split("?", 1)[0]
    try:
        yield f"{base}?schema={schema}"
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def opened(url: str, encrypt: bool) -> LedgerApplication:
    return LedgerApplication(
        url, index_key=KEYS["index_key"], master_key=KEYS["master_key"], encrypt=encrypt
    )


def rate(count: int, action: Callable[[], object]) -> tuple[float, float]:
    started = time.perf_counter()
    action()
    took = time.perf_counter() - started
    return took, count / took


def bulk(service: LedgerService, students: int) -> None:
    for start in range(0, students, 100):
        commands: list[Command] = []
        for _ in range(start, min(start + 100, students)):
            sid = uuid.uuid4()
            commands.append(Command("registration", registration(), sid))
            commands += [Command(kind, payload, sid) for kind, payload in ENTRIES]
        service.execute(commands)


def singles(service: LedgerService, count: int) -> None:
    student = service.register_student(registration()).student_id
    for n in range(count - 1):
        kind, payload = ENTRIES[n % len(ENTRIES)]
        service.record(student, kind, payload)


def mapper_costs(app: LedgerApplication, limit: int = 2000) -> tuple[float, float]:
    """Encode a stream's further events (the per-event path) and decode stored ones."""
    stored = list(app.recorder.select_notifications(0, limit))
    mapper = app.mapper
    events = [mapper.to_domain_event(n) for n in stored]
    further = [e for e in events if e.originator_version > 1]
    started = time.perf_counter()
    for _ in range(3):
        for event in further:
            mapper.to_stored_event(event)
    encode = (time.perf_counter() - started) / (3 * len(further))
    started = time.perf_counter()
    for _ in range(3):
        for notification in stored:
            mapper.to_domain_event(notification)
    decode = (time.perf_counter() - started) / (3 * len(stored))
    return encode * 1e6, decode * 1e6


def run_mode(url: str, encrypt: bool, students: int, single: int) -> dict[str, float]:
    app = opened(url, encrypt)
    service = LedgerService(app)
    figures: dict[str, float] = {}
    per_student = 1 + len(ENTRIES)
    _, figures["bulk"] = rate(students * per_student, lambda: bulk(service, students))
    _, figures["single"] = rate(single, lambda: singles(service, single))
    figures["encode_us"], figures["decode_us"] = mapper_costs(app)
    app.close()
    total = students * per_student + single
    cold = opened(url, encrypt)
    cold_service = LedgerService(cold)
    _, figures["verify_full"] = rate(total, lambda: cold_service.verify(full=True))
    _, figures["verify_keyless"] = rate(total, lambda: cold_service.verify(full=False))
    victim = next(iter(cold.recorder.select_notifications(0, 1))).originator_id
    took, _ = rate(1, lambda: cold_service.erase(victim, "request"))
    figures["erase_ms"] = took * 1000
    assert cold_service.verify(full=True).ok
    cold.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=2000, help="bulk: students x 5 events")
    parser.add_argument("--single", type=int, default=1000, help="one-event transactions")
    parser.add_argument("--postgres", help="A PostgreSQL URL (default: fresh SQLite files)")
    parser.add_argument("--rounds", type=int, default=2, help="alternate modes; keep the best")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-crypto-"))
    backend = "postgresql" if args.postgres else "sqlite"
    events = args.students * (1 + len(ENTRIES))
    print(
        f"backend: {backend}, bulk events: {events:,}, single appends: {args.single:,}, "
        f"cpus: {os.cpu_count()}"
    )
    results: dict[str, dict[str, float]] = {"clear": {}, "encrypted": {}}
    for round_ in range(args.rounds):
        for mode, encrypt in (("clear", False), ("encrypted", True)):
            with database(args.postgres, workdir, f"{mode}{round_}") as url:
                for key, value in run_mode(url, encrypt, args.students, args.single).items():
                    best = min if key.endswith(("_us", "_ms")) else max
                    previous = results[mode].get(key)
                    results[mode][key] = value if previous is None else best(previous, value)
    rows = [
        ("mapper encode, us/event", "encode_us", "{:,.1f}"),
        ("mapper decode, us/event", "decode_us", "{:,.1f}"),
        ("appends, 1 event/txn, events/s", "single", "{:,.0f}"),
        ("appends, 500 events/txn, events/s", "bulk", "{:,.0f}"),
        ("full verify (cold keys), events/s", "verify_full", "{:,.0f}"),
        ("keyless verify, events/s", "verify_keyless", "{:,.0f}"),
        ("one erasure incl. compaction, ms", "erase_ms", "{:,.0f}"),
    ]
    print(f"{'':38} {'clear':>12} {'encrypted':>12} {'ratio':>7}")
    for label, key, fmt in rows:
        clear, enc = results["clear"][key], results["encrypted"][key]
        print(f"{label:38} {fmt.format(clear):>12} {fmt.format(enc):>12} {enc / clear:7.2f}")


if __name__ == "__main__":
    main()
