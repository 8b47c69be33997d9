"""MIS import throughput: 100,000 activity rows, next to the library's batched append rate.

    python bench/mis_import.py --sqlite /tmp/mis-bench.db
    python bench/mis_import.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Each run starts empty (a fresh SQLite file, or a fresh PostgreSQL schema that
is dropped afterwards), imports a students file (``--students`` pupils, each
with an enrolment), then an activities CSV of ``--rows`` rows (seven activity
types, rows in date order so every batch touches many students) through
``ledger.service.imports.mis.importer.MisImport`` exactly as ``careers-ledger import-csv`` does:
parse, validate with the ledger's payload models, match each UPN, append in
batches of ``--batch-rows`` through ``LedgerService.execute`` (hash chain,
identifier index, Merkle log and per-student encryption included).  It also
times a parse-only pass, a dry run and an idempotent re-run of the same file.

In the same run, the baseline: a bare ``eventsourcing`` application on the
same database (its own table) with one aggregate per pupil, saving the same
number of activity events in the same batches (load each pupil from the
library's aggregate cache, trigger one event per row, ``save(*changed)``).
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from api.bootstrap import Ledger, build
from api.config import Settings
from api.store.keys import load_keys
from ledger.domain.access import Actor
from ledger.domain.identifiers import make_upn
from ledger.domain.vocabulary import Role
from ledger.service.imports.mis import ImportOptions, parse_file
from ledger.service.imports.mis.importer import MisImport, import_secret
from ledger.storage.urls import environment_for

ACTOR = Actor("bench", Role.SYSTEM, institution_id="100001")
FIRST_DAY = date(2023, 9, 4)
TYPES = (
    ("Employer Talk", "Severn Trent", "Utilities", "", ""),
    ("LMI", "", "", "", "LMI for All session"),
    ("Curriculum Learning", "", "", "Physics", "Careers in energy"),
    ("Careers Fair", "Skills Show", "Various", "", ""),
    ("College Visit", "City College", "", "", ""),
    ("Workplace Visit", "Midlands Metro", "", "", ""),
    ("Mock Interview", "Lloyds Banking Group", "Finance", "", ""),
)


def students_csv(upns: list[str]) -> bytes:
    lines = ["UPN,Legal Surname,Legal Forename,DOB,Gender,FSM,Year Group,Academic Year"]
    for n, upn in enumerate(upns):
        lines.append(f"{upn},Pupil{n},Test,{14 + n % 14:02d}/03/2010,F,N,{9 + n % 3},2024/25")
    return ("\r\n".join(lines) + "\r\n").encode()


def activities_csv(upns: list[str], rows: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    header = "UPN,Activity Type,Date,Organisation,Sector,Subject,Description,Shared Purpose"
    lines = [header]
    span = (date(2025, 7, 18) - FIRST_DAY).days
    for n in range(rows):
        day = FIRST_DAY + timedelta(days=n * span // rows)
        kind, organisation, sector, subject, description = TYPES[n % len(TYPES)]
        if description:
            description = f"{description} {n}"
        if organisation:
            organisation = f"{organisation} {n % 97}"
        upn = upns[rng.randrange(len(upns))]
        shared = "Y" if n % 2 else "N"
        lines.append(
            f"{upn},{kind},{day:%d/%m/%Y},{organisation},{sector},{subject},{description},{shared}"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


class Pupil(Aggregate):
    @event("Registered")
    def __init__(self, upn: str) -> None:
        self.upn = upn
        self.activities = 0

    @event("ActivityRecorded")
    def record(self, kind: str, occurred_on: str, details: dict[str, Any]) -> None:
        self.activities += 1


class BareApp(Application[uuid.UUID]):
    name = "BareMis"


def bare_baseline(url: str, upns: list[str], data: bytes, batch: int) -> tuple[int, float]:
    """The library on its own: the same rows as events, saved in the same batches."""
    env = {k: v for k, v in environment_for(url).items() if k != "PERSISTENCE_MODULE"}
    env["PERSISTENCE_MODULE"] = (
        "eventsourcing.sqlite" if url.startswith("sqlite") else ("eventsourcing.postgres")
    )
    if url.startswith("sqlite"):
        env["SQLITE_DBNAME"] = env["SQLITE_DBNAME"] + ".bare"
    env["AGGREGATE_CACHE_MAXSIZE"] = "50000"
    app = BareApp(env=env)
    ids: dict[str, uuid.UUID] = {}
    pupils = [Pupil(upn) for upn in upns]
    for start in range(0, len(pupils), 500):
        app.save(*pupils[start : start + 500])
    ids = {p.upn: p.id for p in pupils}
    rows = data.decode().split("\r\n")[1:-1]
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        changed: dict[uuid.UUID, Pupil] = {}
        for line in rows[start : start + batch]:
            upn, kind, day, organisation, sector, subject, description, shared = line.split(",")
            pupil_id = ids[upn]
            pupil = changed.get(pupil_id) or app.repository.get(pupil_id)
            pupil.record(
                kind,
                day,
                {
                    "organisation": organisation,
                    "sector": sector,
                    "subject": subject,
                    "description": description,
                    "shared_purpose": shared == "Y",
                },
            )
            changed[pupil_id] = pupil
        app.save(*changed.values())
    elapsed = time.perf_counter() - started
    app.close()
    return len(rows), elapsed


def timed(label: str, rows: int, run: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - started
    print(
        f"{label:<58} {rows:>8,} rows {elapsed:>8.1f} s {rows / elapsed:>9,.0f} rows/s", flush=True
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--sqlite", type=Path)
    where.add_argument("--postgres")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--students", type=int, default=2_000)
    parser.add_argument("--batch-rows", type=int, default=250)
    parser.add_argument(
        "--no-projections",
        action="store_true",
        help="Do not bring the projections up to date after each batch",
    )
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="mis-bench-"))
    schema = None
    if args.sqlite:
        for suffix in ("", "-wal", "-shm", ".bare", ".bare-wal", ".bare-shm", ".keys"):
            Path(f"{args.sqlite}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{args.sqlite}"
    else:
        schema = "bench_mis_" + uuid.uuid4().hex[:8]
        libpq = "postgresql://" + args.postgres.split("://", 1)[1].split("?", 1)[0]
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{args.postgres}{'&' if '?' in args.postgres else '?'}schema={schema}"
    settings = Settings(
        database_url=url,
        key_file=folder / "bench.keys",
        project_in_process=not args.no_projections,
    )
    ledger: Ledger = build(settings)
    try:
        upns = [make_upn(801, 5000 + n // 1000, 23, n % 1000) for n in range(args.students)]
        students = students_csv(upns)
        activities = activities_csv(upns, args.rows)
        secret = import_secret(load_keys(settings)["index_key"])
        importer = MisImport(ledger.service, secret, batch_rows=args.batch_rows)
        backend = "postgres" if args.postgres else "sqlite"
        projections = "off" if args.no_projections else "in process"
        print(
            f"# {backend}: {args.students:,} students, {args.rows:,} activity rows, "
            f"{args.batch_rows} rows per transaction, projections {projections}"
        )
        timed(
            "students file: register + enrol",
            args.students,
            lambda: importer.run("students", students, actor=ACTOR),
        )
        options = ImportOptions(today=date.today(), institution_id="100001")
        timed(
            "activities: parse + validate only (ledger.service.imports.mis)",
            args.rows,
            lambda: sum(1 for _ in parse_file("activities", activities, options, secret).rows),
        )
        timed(
            "activities: dry run (parse, validate, match UPNs)",
            args.rows,
            lambda: importer.run("activities", activities, actor=ACTOR, dry_run=True),
        )
        report = timed(
            "activities: import (MisImport -> LedgerService.execute)",
            args.rows,
            lambda: importer.run("activities", activities, actor=ACTOR),
        )
        assert not report.rejected, report.rejected[:3]
        assert report.imported == args.rows
        again = timed(
            "activities: same file again (idempotent, writes nothing)",
            args.rows,
            lambda: importer.run("activities", activities, actor=ACTOR),
        )
        assert again.unchanged == args.rows
        assert again.events_written == 0
        count, elapsed = bare_baseline(url, upns, activities, args.batch_rows)
        print(
            f"{'baseline: bare eventsourcing app, same batches':<58} {count:>8,} ev   "
            f"{elapsed:>8.1f} s {count / elapsed:>9,.0f} ev/s",
            flush=True,
        )
        assert ledger.service.verify(full=False).ok
    finally:
        ledger.close()
        shutil.rmtree(folder, ignore_errors=True)
        if schema is not None:
            with psycopg.connect(libpq, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
