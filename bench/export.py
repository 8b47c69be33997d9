"""Time one student's export with 500 events, in every format, p50 and p95 over repeats.

    python bench/export.py --sqlite /tmp/export-bench.db --repeats 20
    python bench/export.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

The student's record is written once through ``LedgerService.execute``
(Years 7 to 11 of activities, interviews, corrections, destinations) and
reused (PostgreSQL: a throwaway schema, dropped afterwards); each repeat
prepares the export afresh (the access-logged read, the covering checkpoint,
proofs) and renders it to memory.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from api.bootstrap import Ledger, build
from api.config import Settings
from api.render import RENDERERS
from ledger.domain.access import SYSTEM
from ledger.domain.clock import SimulatedClock
from ledger.domain.errors import StudentNotFound
from ledger.domain.identifiers import make_upn
from ledger.service.commands import Command
from ledger.service.export import export_record

START = date(2020, 9, 7)
KINDS = (
    "employer_encounter",
    "labour_market_information",
    "curriculum_learning",
    "provider_encounter",
    "guidance_interview",
    "workplace_experience",
)


def payload(kind: str, day: date, n: int) -> dict[str, Any]:
    on = day.isoformat()
    if kind == "employer_encounter":
        return {
            "occurred_on": on,
            "employer_name": f"Employer {n % 40}",
            "sector": "Engineering",
            "activity": "talk",
            "shared_purpose": True,
            "two_way_interaction": n % 2 == 0,
        }
    if kind == "labour_market_information":
        return {"occurred_on": on, "activity": f"LMI session {n}"}
    if kind == "curriculum_learning":
        return {"occurred_on": on, "subject": "Physics", "stem": True, "description": "Careers"}
    if kind == "provider_encounter":
        return {"occurred_on": on, "provider_type": "fe_college", "provider_name": "City College"}
    if kind == "guidance_interview":
        return {
            "occurred_on": on,
            "adviser_name": "Priya Shah",
            "adviser_qualification_level": 6,
            "duration_minutes": 40,
            "advice_given": "Keep exploring engineering routes and talk to the college. " * 3,
            "agreed_actions": ["Visit the open evening", "Research T Levels"],
        }
    return {
        "occurred_on": on,
        "kind": "visit",
        "employer_name": f"Employer {n % 40}",
        "end_on": on,
        "days": "1",
    }


def student_with(ledger: Ledger, events: int) -> UUID:
    upn = make_upn(801, 4000, 20, 1)
    try:
        return ledger.service.find_student(upn=upn)
    except StudentNotFound:
        pass  # not written yet
    registration = {
        "occurred_on": START.isoformat(),
        "given_name": "Amara",
        "family_name": "Okafor",
        "date_of_birth": "2009-03-14",
        "upn": upn,
    }
    student = ledger.service.register_student(registration, idempotency_key="bench").student_id
    commands = [
        Command(
            "enrolment",
            {
                "occurred_on": date(2020 + y, 9, 1).isoformat(),
                "institution_id": "100001",
                "year_group": 7 + y,
                "academic_year": 2020 + y,
            },
            student,
        )
        for y in range(5)
    ]
    n = 0
    while len(commands) < events - 1 - 20:
        kind = KINDS[n % len(KINDS)]
        day = START + timedelta(days=(n * 3) % 1700)
        commands.append(Command(kind, payload(kind, day, n), student))
        n += 1
    ledger.service.execute(commands)
    for sequence in range(3, 23):
        changes = {"occurred_on": (START + timedelta(days=sequence)).isoformat()}
        ledger.service.correct(student, sequence + 5, changes, "date fixed")
    return student


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--sqlite", type=Path)
    where.add_argument("--postgres")
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--formats", default=",".join(RENDERERS))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="export-bench-"))
    schema = None
    if args.postgres:
        schema = "bench_export_" + uuid.uuid4().hex[:8]
        libpq = "postgresql://" + args.postgres.split("://", 1)[1].split("?", 1)[0]
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{args.postgres}{'&' if '?' in args.postgres else '?'}schema={schema}"
    else:
        url = f"sqlite:///{args.sqlite or folder / 'ledger.db'}"
    settings = Settings(database_url=url, key_file=folder / "bench.keys")
    ledger = build(settings, SimulatedClock(datetime(2025, 7, 1, 12, tzinfo=UTC)))
    try:
        student = student_with(ledger, args.events)
        count = ledger.service.version_of(student)
        backend = "postgres" if args.postgres else "sqlite"
        print(f"# {backend}: one student with {count} events, {args.repeats} repeats per format")
        print(f"{'format':<6} {'bytes':>9} {'p50 s':>8} {'p95 s':>8} {'max s':>8}")
        for fmt in args.formats.split(","):
            timings, size = [], 0
            for _ in range(args.repeats):
                out = io.BytesIO()
                started = time.perf_counter()
                prepared = export_record(ledger.service, ledger.evidence, student, actor=SYSTEM)
                RENDERERS[fmt].render(prepared, out)
                timings.append(time.perf_counter() - started)
                size = len(out.getvalue())
            print(
                f"{fmt:<6} {size:>9,} {statistics.median(timings):>8.3f} "
                f"{percentile(timings, 0.95):>8.3f} {max(timings):>8.3f}"
            )
    finally:
        ledger.close()
        if schema is not None:
            with psycopg.connect(libpq, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
