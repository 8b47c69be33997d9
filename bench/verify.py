"""The global Merkle log at scale: logging, checkpoints, proofs and full audits.

    python bench/verify.py --events 1000000
    python bench/verify.py --postgres \
        'postgresql+psycopg://postgres@127.0.0.1:5432/test?schema=bench_verify' --events 200000

Seeds ``--events`` stored events straight into the event and chain tables
(opaque 300-byte states, 50 events per student, links computed as the
recorders do, so the keyless chain check passes), then times, in one run:

* logging every event from an empty log (leaves and subtree hashes stored),
* an incremental checkpoint after 1,000 more events,
* inclusion and consistency proofs (mean over 1,000 random ones),
* the full log audit (``verify_log``) and the keyless chain check, in events/s,
* rebuilding the tree head in memory from all leaf hashes (the O(n) alternative
  to stored subtrees that every proof would otherwise pay).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from api.bootstrap import Ledger, build
from api.config import Settings
from ledger.domain import chain, merkle

PER_STUDENT = 50
TOPIC = "careers-ledger/GuidanceInterviewRecorded/v1"
BATCH = 20_000


def seed(ledger: Ledger, count: int, first: int = 0) -> None:
    db = ledger.evidence.log.db
    rng = random.Random(first)
    events, links = [], []
    student, previous = uuid.uuid4(), chain.GENESIS
    for n in range(first, first + count):
        sequence = n % PER_STUDENT + 1
        if sequence == 1:
            student, previous = uuid.UUID(int=rng.getrandbits(128), version=4), chain.GENESIS
        state = rng.randbytes(300)
        recorded_at = f"2025-01-10T09:00:{n % 60:02d}+00:00"
        commitment = rng.randbytes(32)
        link = chain.link(
            previous,
            student_id=str(student),
            sequence=sequence,
            topic=TOPIC,
            recorded_at=recorded_at,
            commitment_digest=commitment,
            stored_state=state,
        )
        previous = link
        key = db.db_id(student)
        events.append((key, sequence, TOPIC, state))
        links.append((key, sequence, recorded_at, commitment, link))
        if len(events) == BATCH or n == first + count - 1:
            with db.writing() as cursor:
                cursor.executemany(
                    db.sql(
                        f"INSERT INTO {db.events} (originator_id, originator_version, topic, "
                        "state) VALUES (%s, %s, %s, %s)"
                    ),
                    events,
                )
                cursor.executemany(
                    db.sql(
                        f"INSERT INTO {db.chain} (originator_id, originator_version, "
                        "recorded_at, commitment, link) VALUES (%s, %s, %s, %s, %s)"
                    ),
                    links,
                )
            events, links = [], []


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--postgres", help="A PostgreSQL URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    url = args.postgres or f"sqlite:///{workdir / 'ledger.db'}"
    ledger = build(Settings(database_url=url, key_file=workdir / "bench.keys"))
    n = args.events
    try:
        print(f"backend: {url.split(':', 1)[0]}, events: {n:,}, cpus: {os.cpu_count()}")
        print(f"seed (direct inserts):  {timed(lambda: seed(ledger, n)):8.2f} s")
        evidence = ledger.evidence
        took = timed(evidence.checkpoint)
        print(f"log {n:,} events + sign: {took:8.2f} s  ({n / took:,.0f} events/s)")
        seed(ledger, 1000, first=n)
        took = timed(evidence.checkpoint)
        print(f"checkpoint after +1,000: {took * 1000:8.1f} ms")
        size = n + 1000
        rng = random.Random(1)
        inclusion = [
            timed(lambda: evidence.log.inclusion_proofs([rng.randrange(size)], size))
            for _ in range(1000)
        ]
        consistency = [
            timed(lambda: evidence.log.consistency_proof(rng.randrange(1, size), size))
            for _ in range(1000)
        ]
        print(f"inclusion proof (mean): {statistics.mean(inclusion) * 1000:8.2f} ms")
        print(f"consistency proof (mean): {statistics.mean(consistency) * 1000:6.2f} ms")
        took = timed(lambda: evidence.verify_log())
        print(f"verify-log (full audit): {took:8.2f} s  ({size / took:,.0f} events/s)")
        took = timed(lambda: ledger.service.verify(full=False))
        print(f"keyless chain verify:    {took:8.2f} s  ({size / took:,.0f} events/s)")
        leaves = [e.leaf for e in evidence.log.iter_logged()]
        took = timed(lambda: merkle.root(leaves))
        print(f"tree head from leaves in memory (O(n)): {took:6.2f} s")
    finally:
        ledger.close()


if __name__ == "__main__":
    main()
