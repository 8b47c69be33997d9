"""What the ledger costs per event, next to the bare eventsourcing library, in one run.

    python bench/append.py                      # SQLite, plus PostgreSQL when
                                                # CAREERS_LEDGER_TEST_POSTGRES_URL is set
    python bench/append.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/append.py --students 5000 --single-students 500 --no-postgres

Each backend gets fresh storage (temporary SQLite files; a throwaway PostgreSQL
schema, dropped afterwards) and three phases, done by the ledger and by a bare
``eventsourcing`` Application (``eventsourcing.sqlite`` / ``eventsourcing.postgres``,
default JSON transcoder, no cipher) whose plain Aggregate carries the same payload
dicts.  The two take turns in small rounds, so a shared machine's load falls on both:

(a) one event per transaction: per student, a registration then N entries.
    Ours: ``LedgerService.register_student`` / ``record`` (validation, a read of
    the stream's tail, per-student encryption, hash chain, identifier index).
    Bare: trigger the event on the aggregate held in memory, ``app.save`` it.
(b) bulk: ``--batch`` students' registrations and entries per transaction.
    Ours: one ``LedgerService.execute`` per batch.  Bare: ``app.save(*students)``.
(c) read everything back in log order and decode it.
    Ours: ``iter_notifications`` + ``mapper.to_domain_event`` (decrypts).
    Bare: ``recorder.select_notifications`` pages + ``mapper.to_domain_event``.

The service runs without projections: these are the write model's figures.
The target is that the ledger costs no more than twice the bare library per event.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from ledger.domain.identifiers import make_upn
from ledger.service.commands import Command
from ledger.service.ledger_service import LedgerService
from ledger.storage.application import LedgerApplication
from ledger.storage.urls import environment_for

READ_PAGE = 1000
ROUND_STUDENTS = 20  # phase (a) alternates between the sides every this many students
_serials = iter(range(100_000_000))


def registration() -> dict[str, Any]:
    serial = next(_serials)
    return {
        "occurred_on": "2024-09-02",
        "given_name": "Amara",
        "family_name": "Okafor",
        "date_of_birth": "2011-03-14",
        "upn": make_upn(801, serial // 1000, 24, serial % 1000),
        "characteristics": {"gender": "female", "fsm": True, "send": False},
    }


ENTRIES: list[tuple[str, dict[str, Any]]] = [
    (
        "guidance_interview",
        {
            "occurred_on": "2024-11-12",
            "adviser_name": "Priya Shah",
            "adviser_qualification_level": 6,
            "format": "one_to_one",
            "duration_minutes": 40,
            "topics": ["post-16 options", "apprenticeships"],
            "advice_given": "Explore the engineering apprenticeship at the local college.",
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
            "learning_outcomes_defined": True,
            "two_way_interaction": True,
            "reflection_recorded": True,
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


def entries(count: int) -> list[tuple[str, dict[str, Any]]]:
    return [ENTRIES[n % len(ENTRIES)] for n in range(count)]


def split(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    data = dict(payload)
    return data.pop("occurred_on"), data


# -- the bare library --------------------------------------------------------------


class Student(Aggregate):
    """A plain aggregate: the library's own events, the same payload dicts."""

    @event("Registered")
    def __init__(self, occurred_on: str, data: dict[str, Any]) -> None:
        self.entries = 0

    @event("EntryRecorded")
    def record(self, kind: str, occurred_on: str, data: dict[str, Any]) -> None:
        self.entries += 1


class BareLedger(Application[uuid.UUID]):
    pass


def bare_student(payload: dict[str, Any]) -> Student:
    occurred_on, data = split(payload)
    return Student(occurred_on=occurred_on, data=data)


def bare_record(student: Student, kind: str, payload: dict[str, Any]) -> None:
    occurred_on, data = split(payload)
    student.record(kind=kind, occurred_on=occurred_on, data=data)


class Bare:
    name = "bare eventsourcing"

    def __init__(self, url: str) -> None:
        env = environment_for(url)
        library_module = (
            "eventsourcing.postgres" if "POSTGRES_DBNAME" in env else "eventsourcing.sqlite"
        )
        self.app = BareLedger(env={**env, "PERSISTENCE_MODULE": library_module})

    def one_per_transaction(self, students: int, per_student: int) -> None:
        for _ in range(students):
            student = bare_student(registration())
            self.app.save(student)
            for kind, payload in entries(per_student):
                bare_record(student, kind, payload)
                self.app.save(student)

    def batches(self, students: int, per_student: int, batch: int) -> None:
        for start in range(0, students, batch):
            group = []
            for _ in range(min(batch, students - start)):
                student = bare_student(registration())
                for kind, payload in entries(per_student):
                    bare_record(student, kind, payload)
                group.append(student)
            self.app.save(*group)

    def read_all(self) -> int:
        recorder, to_domain_event = self.app.recorder, self.app.mapper.to_domain_event
        count, position = 0, 0
        while page := recorder.select_notifications(position, READ_PAGE, inclusive_of_start=False):
            for notification in page:
                to_domain_event(notification)
            count += len(page)
            position = page[-1].id
        return count

    def close(self) -> None:
        self.app.close()


# -- the ledger --------------------------------------------------------------------


class Ours:
    name = "careers ledger"

    def __init__(self, url: str) -> None:
        self.app = LedgerApplication(
            url, index_key=secrets.token_bytes(32), master_key=secrets.token_bytes(32)
        )
        self.service = LedgerService(self.app)

    def one_per_transaction(self, students: int, per_student: int) -> None:
        for _ in range(students):
            student_id = self.service.register_student(registration()).student_id
            for kind, payload in entries(per_student):
                self.service.record(student_id, kind, payload)

    def batches(self, students: int, per_student: int, batch: int) -> None:
        for start in range(0, students, batch):
            commands: list[Command] = []
            for _ in range(min(batch, students - start)):
                student_id = uuid.uuid4()
                commands.append(Command("registration", registration(), student_id))
                commands += [
                    Command(kind, payload, student_id) for kind, payload in entries(per_student)
                ]
            self.service.execute(commands)

    def read_all(self) -> int:
        to_domain_event = self.app.mapper.to_domain_event
        count = 0
        for notification in self.app.iter_notifications(page=READ_PAGE):
            to_domain_event(notification)
            count += 1
        return count

    def close(self) -> None:
        self.app.close()


# -- running -----------------------------------------------------------------------


@dataclass
class Figure:
    backend: str
    phase: str
    events: int
    ours: float  # events/s, wall clock
    bare: float
    ours_cpu_us: float  # this process's CPU time per event (the database server's is not in it)
    bare_cpu_us: float

    @property
    def cost(self) -> float:
        """How many times the bare library's time per event the ledger takes."""
        return self.bare / self.ours


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and this process's CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


@contextmanager
def storage(backend: str, postgres: str | None, workdir: Path, name: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir / f'{name}.db'}"
        return
    assert postgres is not None
    schema = f"bench_append_{name}_{uuid.uuid4().hex[:8]}"
    base, _, query = postgres.partition("?")
    libpq = "postgresql://" + base.split("://", 1)[1]
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?{query + '&' if query else ''}schema={schema}"
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


Side = Bare | Ours
READS = 3  # phase (c) is short: each side reads everything this many times, the best counts


def interleaved(sides: dict[str, Side], args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Wall and CPU seconds per phase and side, the sides taking turns in small rounds.

    The machine is shared, so background load comes and goes; taking turns puts both
    sides in the same conditions instead of one side in a quiet minute, the other in a busy one.
    """
    took = {name: {"a": [0.0, 0.0], "b": [0.0, 0.0]} for name in sides}

    def turn(name: str, phase: str, action: Callable[..., object], *arguments: int) -> None:
        wall, cpu = timed(lambda: action(*arguments))
        took[name][phase][0] += wall
        took[name][phase][1] += cpu

    for start in range(0, args.single_students, ROUND_STUDENTS):
        count = min(ROUND_STUDENTS, args.single_students - start)
        for name, side in sides.items():
            turn(name, "a", side.one_per_transaction, count, args.entries)
    for start in range(0, args.students, args.batch):
        count = min(args.batch, args.students - start)
        for name, side in sides.items():
            turn(name, "b", side.batches, count, args.entries, count)
    stored = (args.single_students + args.students) * (1 + args.entries)
    for side in sides.values():
        assert side.read_all() == stored
    for name, side in sides.items():
        took[name]["c"] = list(min(timed(side.read_all) for _ in range(READS)))
    return took


def measure(
    backend: str, postgres: str | None, workdir: Path, args: argparse.Namespace
) -> list[Figure]:
    events = {
        "a": args.single_students * (1 + args.entries),
        "b": args.students * (1 + args.entries),
    }
    events["c"] = events["a"] + events["b"]
    labels = {
        "a": "(a) one event per transaction",
        "b": f"(b) {args.batch} students per transaction",
        "c": "(c) read all + decode",
    }
    with ExitStack() as stack:
        sides: dict[str, Side] = {}
        for side in (Bare, Ours):
            url = stack.enter_context(storage(backend, postgres, workdir, side.__name__.lower()))
            sides[side.__name__] = side(url)
            stack.callback(sides[side.__name__].close)
        took = interleaved(sides, args)
    print(f"  {backend}: done", flush=True)

    def rate(name: str, key: str) -> tuple[float, float]:
        wall, cpu = took[name][key]
        return events[key] / wall, cpu / events[key] * 1e6

    figures = []
    for key, label in labels.items():
        ours, ours_cpu = rate("Ours", key)
        bare, bare_cpu = rate("Bare", key)
        figures.append(Figure(backend, label, events[key], ours, bare, ours_cpu, bare_cpu))
    return figures


def machine(postgres: str | None) -> str:
    facts = [
        f"python {platform.python_version()}",
        f"eventsourcing {version('eventsourcing')}",
        f"psycopg {version('psycopg')}",
        f"sqlite {sqlite3.sqlite_version}",
        f"{os.cpu_count()} vCPU {platform.machine()} {platform.system()} {platform.release()}",
        "load avg {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()),
    ]
    if postgres:
        libpq = "postgresql://" + postgres.split("://", 1)[1].split("?", 1)[0]
        with psycopg.connect(libpq) as conn:
            server = conn.execute("SHOW server_version").fetchone()
            sync = conn.execute("SHOW synchronous_commit").fetchone()
        facts.append(f"postgresql {server and server[0]} (synchronous_commit={sync and sync[0]})")
    return " | ".join(facts)


def table(figures: list[Figure]) -> str:
    lines = [
        "| backend | phase | events | ours ev/s | bare ev/s | ours/bare cost "
        "| ours CPU µs/ev | bare CPU µs/ev |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for f in figures:
        lines.append(
            f"| {f.backend} | {f.phase} | {f.events:,} | {f.ours:,.0f} | {f.bare:,.0f} "
            f"| {f.cost:.2f}x | {f.ours_cpu_us:,.0f} | {f.bare_cpu_us:,.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=2000, help="students in phase (b)")
    parser.add_argument("--single-students", type=int, default=200, help="students in phase (a)")
    parser.add_argument("--entries", type=int, default=4, help="entries after each registration")
    parser.add_argument("--batch", type=int, default=100, help="students per transaction in (b)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CAREERS_LEDGER_TEST_POSTGRES_URL"),
        help="PostgreSQL URL (default: $CAREERS_LEDGER_TEST_POSTGRES_URL; skipped if unset)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    postgres = None if args.no_postgres else args.postgres

    print("#", machine(postgres), flush=True)
    print(
        f"# (a) {args.single_students} students x {1 + args.entries} events, "
        f"(b) {args.students} students x {1 + args.entries} events, batches of {args.batch}",
        flush=True,
    )
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-append-") as workdir:
        figures += measure("sqlite", None, Path(workdir), args)
        if postgres:
            figures += measure("postgresql", postgres, Path(workdir), args)
        else:
            print("  postgresql: skipped (no --postgres and no CAREERS_LEDGER_TEST_POSTGRES_URL)")
    print()
    print(table(figures))
    worst = max(figures, key=lambda f: f.cost)
    verdict = "within" if worst.cost <= 2 else "OVER"
    print(f"\nworst: {worst.backend} {worst.phase} at {worst.cost:.2f}x ({verdict} the 2x target)")


if __name__ == "__main__":
    main()
