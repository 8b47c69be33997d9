"""Rebuild every projection over a large demo ledger and compare with the raw read floor.

    python bench/rebuild.py --sqlite /tmp/careers-bench.db --events 1000000
    python bench/rebuild.py --postgres \
        'postgresql+psycopg://postgres@127.0.0.1:5432/test?schema=bench' --events 1000000

The ledger is the demo school (``api/demo``) planned large enough for
``--events`` and written in recorded-time order, in big batches, straight
through ``LedgerService.execute``; a database that already holds enough
events is reused.  In the same run the script measures the raw floor (read
every stored event in pages of 5,000 and decode it with orjson, nothing else)
twice, before and after the rebuild, and keeps the faster one; and the
projections' own read path with nothing projected (pages through the
application's recorder, each event decoded by its mapper), the ceiling any
projection that goes through the mapper can reach.

``--plaintext`` stores documents without encryption, so the floor is exactly
"select + orjson.loads".  By default the ledger is encrypted per student, as
deployed; the floor then also opens each AES-GCM envelope, with every
student's key unwrapped into memory first (that bulk unwrap is timed too).
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli.demo.plan import in_recorded_order
from api.cli.demo.runner import DemoOptions, plan_demo
from api.config import Settings
from api.store.database import engine_for, read_side_engine
from api.store.keys import load_keys
from ledger.domain.clock import SimulatedClock
from ledger.service.commands import Command
from ledger.service.ledger_service import LedgerService
from ledger.storage.application import LedgerApplication
from ledger.storage.crypto import envelope
from ledger.storage.page_reader import PageReader
from projections.runner.log import decode_page, keys_held_for_replay
from projections.runner.pipeline import LogSource
from projections.views.readside import ReadModels, build_read_models

EVENTS_PER_PUPIL = 53.5  # what the demo plans per pupil on roll (measured)
WRITE_BATCH = 5_000
PAGE = 5_000
console = Console()


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def compose(url: str, key_file: Path, plaintext: bool) -> tuple[LedgerService, ReadModels]:
    settings = Settings(database_url=url, key_file=key_file, project_in_process=False)
    keys = load_keys(settings)
    app = LedgerApplication(
        url,
        index_key=keys["index_key"],
        master_key=keys["master_key"],
        # The bench is the ledger's only writer while it writes the demo, so
        # every pupil stays cached and the cache need not re-read each stream's
        # tail on every load (as build(sole_writer=True) does for the demo).
        extra_env={"AGGREGATE_CACHE_MAXSIZE": "100000", "AGGREGATE_CACHE_FASTFORWARD": "n"},
        encrypt=not plaintext,
    )
    clock = SimulatedClock(datetime.now(UTC))
    source = LogSource(url, keys["index_key"], keys["master_key"], encrypt=not plaintext)
    # The projections' engine exactly as api/bootstrap.py builds it (synchronous=NORMAL on SQLite).
    read = build_read_models(app, read_side_engine(url, engine_for(url)), clock, log_source=source)
    return LedgerService(app, clock), read


def generate(service: LedgerService, wanted: int) -> None:
    have = service.event_count()
    if have >= wanted:
        console.print(f"reusing the ledger's {have:,} events")
        return
    if have:
        raise SystemExit("the database holds some events but too few; use an empty one")
    pupils = math.ceil(wanted / EVENTS_PER_PUPIL * 1.05)
    started = time.perf_counter()
    school, now = plan_demo(DemoOptions(students=pupils, today=date(2026, 6, 30)))
    ordered = in_recorded_order(school.streams)
    console.print(f"planned {len(ordered):,} events in {time.perf_counter() - started:.0f}s")
    assert isinstance(service.clock, SimulatedClock)
    started = time.perf_counter()
    with progress() as bar:
        task = bar.add_task("writing the demo ledger", total=len(ordered))
        for moment, commands in write_batches(ordered):
            service.clock.set(moment)
            service.execute(commands)
            bar.advance(task, len(commands))
    service.clock.set(now)
    elapsed = time.perf_counter() - started
    console.print(f"wrote {len(ordered):,} events at {len(ordered) / elapsed:,.0f} events/s")


def write_batches(
    ordered: list[tuple[datetime, Command]],
) -> Iterator[tuple[datetime, list[Command]]]:
    """Big batches spanning several recorded moments, each stamped with its last one.

    (The demo's runner keeps one moment per batch.)  A correction goes into a
    new batch when its student already has entries in this one: the service
    reads the corrected entry from the store, so it must be saved first.
    """
    batch: list[Command] = []
    students: set[Any] = set()
    moment = ordered[0][0] if ordered else datetime.now(UTC)
    for recorded_at, command in ordered:
        if len(batch) >= WRITE_BATCH or (
            command.kind == "correction" and command.student_id in students
        ):
            yield moment, batch
            batch, students = [], set()
        batch.append(command)
        students.add(command.student_id)
        moment = recorded_at
    if batch:
        yield moment, batch


def _pages(fetch: Callable[[int], list[tuple[Any, ...]]]) -> Iterator[list[tuple[Any, ...]]]:
    after = 0
    while rows := fetch(after):
        yield rows
        after = rows[-1][0]


def stored_pages(url: str, app: LedgerApplication) -> Iterator[list[tuple[Any, ...]]]:
    """(position, stream, version, topic, state) rows, keyset-paged like the projections read."""
    table = app.recorder.events_table_name  # type: ignore[attr-defined]
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.split("///", 1)[1])
        sql = (
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {table} "
            "WHERE rowid > ? ORDER BY rowid LIMIT ?"
        )
        yield from _pages(lambda after: connection.execute(sql, (after, PAGE)).fetchall())
        connection.close()
        return
    parts = urlsplit(url)
    schema = parse_qs(parts.query).get("schema", ["public"])[0]
    dsn = f"postgresql://{parts.netloc}{parts.path}"
    with psycopg.connect(dsn) as connection, connection.cursor(binary=True) as cursor:
        sql = (
            f"SELECT notification_id, originator_id::text, originator_version, topic, state "
            f'FROM "{schema}".{table} WHERE notification_id > %s '
            "ORDER BY notification_id LIMIT %s"
        )

        def fetch(after: int) -> list[tuple[Any, ...]]:
            cursor.execute(sql, (after, PAGE))
            return cursor.fetchall()

        yield from _pages(fetch)


def floor(url: str, app: LedgerApplication, plaintext: bool) -> tuple[int, float]:
    """Events/s to select every stored event and decode it, nothing else."""
    started = time.perf_counter()
    ciphers: dict[str, AESGCM] = {}
    if not plaintext:
        master = app.keyring.master
        for row in app.ledger_recorder.select_all_keys():
            if row.wrapped_dek is not None:
                dek = master.unwrap(row.student_id, row.key_id, row.wrapped_dek)
                ciphers[str(row.student_id).replace("-", "")] = AESGCM(dek)
    count = 0
    for rows in stored_pages(url, app):
        for _, stream, version, topic, state in rows:
            if plaintext or state[0] == envelope.FORMAT_CLEAR:
                orjson.loads(memoryview(state)[1:])
            else:
                student = str(stream).replace("-", "")
                document = envelope.open_sealed(
                    ciphers[student],
                    state,
                    student_id=_dashed(student),
                    sequence=version,
                    topic=topic,
                )
                orjson.loads(document)
            count += 1
    return count, count / (time.perf_counter() - started)


def _dashed(hex_id: str) -> str:
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"


def decode_only(read: ReadModels) -> float:
    """Events/s of the projections' own read path with nothing projected: the ceiling."""
    started = time.perf_counter()
    count = 0
    reader = PageReader(read.app.ledger_mapper)
    with keys_held_for_replay(read.app):  # as a rebuild does
        for page in read.projector.reader.pages(0, PAGE):
            count += len(decode_page(read.app, page, reader))
    return count / (time.perf_counter() - started)


def rebuild(read: ReadModels) -> tuple[int, float]:
    total = read.projector.reader.head()
    started = time.perf_counter()
    with progress() as bar:
        task = bar.add_task("rebuilding all projections", total=total)
        done = read.projector.rebuild(progress=lambda n: bar.advance(task, n))
    return done, done / (time.perf_counter() - started)


def ensure_schema(url: str) -> None:
    """PostgreSQL: create the URL's schema if it is missing (a reused one keeps its ledger)."""
    parts = urlsplit(url)
    schema = parse_qs(parts.query).get("schema", ["public"])[0]
    with psycopg.connect(f"postgresql://{parts.netloc}{parts.path}", autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')


def run(url: str, events: int, plaintext: bool, key_file: Path) -> list[str]:
    if not url.startswith("sqlite"):
        ensure_schema(url)
    service, read = compose(url, key_file, plaintext)
    try:
        generate(service, events)
        _, before = floor(url, service.app, plaintext)
        ceiling = decode_only(read)
        done, rate = rebuild(read)
        _, after = floor(url, service.app, plaintext)
    finally:
        read.engine.dispose()
        service.app.close()
    best = max(before, after)
    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    mode = "plaintext" if plaintext else "encrypted"
    return [
        f"{backend} ({mode})",
        f"{done:,}",
        f"{before:,.0f} / {after:,.0f}",
        f"{ceiling:,.0f} ({ceiling / best:.2f})",
        f"{rate:,.0f}",
        f"{rate / best:.2f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", help="SQLite file for the ledger (created if missing)")
    parser.add_argument("--postgres", help="postgresql+psycopg://... URL (?schema=name)")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--plaintext", action="store_true", help="store documents unencrypted")
    parser.add_argument("--key-file", type=Path, default=Path("/tmp/careers-bench.keys"))
    args = parser.parse_args()
    urls = ([f"sqlite:///{Path(args.sqlite).resolve()}"] if args.sqlite else []) + (
        [args.postgres] if args.postgres else []
    )
    if not urls:
        parser.error("give --sqlite PATH and/or --postgres URL")
    table = Table(
        "backend",
        "events",
        "raw floor ev/s (before / after)",
        "read + decode only ev/s (/ floor)",
        "rebuild ev/s",
        "rebuild / floor",
        title="Rebuild of all projections against the raw read floor",
    )
    for url in urls:
        table.add_row(*run(url, args.events, args.plaintext, args.key_file))
    console.print(table)


if __name__ == "__main__":
    main()
