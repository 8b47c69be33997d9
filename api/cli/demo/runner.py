"""Write a planned school into a ledger, in recorded-time order, through the service.

The simulated clock is set to each batch's recorded moment before the batch
is executed, so every event's recorded time is when the school "entered" it
and "known at" replays show the records growing week by week.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock_time

from api.bootstrap import Ledger
from api.cli.demo.defaults import DEFAULT_SEED, DEFAULT_STUDENTS
from api.cli.demo.generate import LeaverCohort, SchoolPlan, plan_school
from api.cli.demo.plan import batches, in_recorded_order
from api.cli.demo.sign_in import SampleStudent, sample_students
from ledger.domain.clock import SimulatedClock
from ledger.domain.errors import LedgerError

BATCH_SIZE = 400
CATCH_UP_BATCH = 10_000  # one read-side transaction per 10,000 events
EVENING = clock_time(20, 0, tzinfo=UTC)


class LedgerNotEmpty(LedgerError):
    code = "ledger_not_empty"
    status = 409
    title = "The ledger already holds events"


@dataclass(frozen=True)
class DemoOptions:
    seed: int = DEFAULT_SEED
    students: int = DEFAULT_STUDENTS
    today: date | None = None


@dataclass(frozen=True)
class DemoStats:
    """What the demo wrote, and how long each step took, for the summary."""

    seed: int
    today: date
    database_url: str
    roll_by_year_group: dict[int, int]
    entries_by_kind: dict[str, int]
    leaver_cohorts: list[LeaverCohort]
    events_written: int
    planning_seconds: float
    writing_seconds: float
    projecting_seconds: float
    samples: tuple[SampleStudent, ...] = ()

    @property
    def seconds(self) -> float:
        return self.planning_seconds + self.writing_seconds + self.projecting_seconds

    @property
    def events_per_second(self) -> float:
        return self.events_written / self.writing_seconds if self.writing_seconds else 0.0


@dataclass(frozen=True)
class Observer:
    """Progress callbacks: the total once planned, then events written and projected."""

    planned: Callable[[int], None] = lambda total: None
    written: Callable[[int], None] = lambda count: None
    projected: Callable[[int], None] = lambda count: None


def demo_now(today: date) -> datetime:
    """The demo's "now": this evening, or the real time when "today" is the real today."""
    real = datetime.now(UTC)
    return real if real.date() == today else datetime.combine(today, EVENING)


def refuse_non_empty(ledger: Ledger) -> None:
    count = ledger.service.event_count()
    if count:
        raise LedgerNotEmpty(
            f"the ledger at this database already holds {count} events; the demo writes only "
            "into an empty ledger: pass another --database-url or delete the database file"
        )


def plan_demo(options: DemoOptions) -> tuple[SchoolPlan, datetime]:
    today = options.today or datetime.now(UTC).date()
    now = demo_now(today)
    return plan_school(options.seed, options.students, today, now), now


def run_demo(
    ledger: Ledger,
    clock: SimulatedClock,
    options: DemoOptions,
    observer: Observer | None = None,
) -> DemoStats:
    """Plan the school, write it, then bring the read side up to date once.

    Refuses a ledger that already holds events.  Build the ledger with
    ``project_in_process=False``: projecting after every batch would cost more
    than the writing.
    """
    refuse_non_empty(ledger)
    observe = observer or Observer()
    started = time.perf_counter()
    school, now = plan_demo(options)
    ordered = in_recorded_order(school.streams)
    planned = time.perf_counter()
    observe.planned(len(ordered))
    for moment, commands in batches(ordered, BATCH_SIZE):
        clock.set(moment)
        ledger.service.execute(commands)
        observe.written(len(commands))
    clock.set(now)
    written = time.perf_counter()
    ledger.projections.projector.catch_up(batch_size=CATCH_UP_BATCH, progress=observe.projected)
    projected = time.perf_counter()
    return DemoStats(
        seed=options.seed,
        today=school.today,
        database_url=ledger.settings.database_url,
        roll_by_year_group=school.roll_by_year_group(),
        entries_by_kind=school.entries_by_kind(),
        leaver_cohorts=school.leaver_cohorts(),
        events_written=len(ordered),
        planning_seconds=planned - started,
        writing_seconds=written - planned,
        projecting_seconds=projected - written,
        samples=sample_students(school),
    )
