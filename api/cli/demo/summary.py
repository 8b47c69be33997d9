"""What the demo prints when it has finished: the school it made and what to try next.

``print_summary`` is the one place the demo's report is assembled; further
sections (the benchmark tables) are appended to it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console
from rich.table import Table

from api.bootstrap import Ledger
from api.cli.console import console as default_console
from api.cli.demo.catalogue import SCHOOL_NAME, SCHOOL_URN
from api.cli.demo.runner import DemoStats
from api.cli.demo.sign_in import SERVE_URL, DemoSignIn
from api.cli.report_tables import benchmark_table
from api.render.labels import STAGE_LABELS, kind_label
from api.render.readable import academic
from ledger.service.reads import CohortReport, DestinationsReport
from ledger.storage.urls import sqlite_path

YEAR_GROUPS = range(7, 14)

NEXT_COMMANDS = (
    ("careers-ledger report benchmarks", "Gatsby Benchmark attainment, per cohort and per part"),
    ("careers-ledger verify", "recompute every student's hash chain"),
    (
        f"careers-ledger users create --role careers_leader --institution {SCHOOL_URN}",
        "another sign-in token for the pages (or --role adviser, auditor; student with "
        "--student ID)",
    ),
    (
        "careers-ledger serve",
        f"then open {SERVE_URL} and paste a token: the cohort dashboard, "
        "student records, audit and evidence pages (the HTTP API is at /api/v1/docs)",
    ),
)


def print_summary(
    ledger: Ledger,
    stats: DemoStats,
    sign_ins: list[DemoSignIn] | None = None,
    console: Console | None = None,
) -> None:
    """``sign_ins``: the demo users just created; None in production mode (none made)."""
    out = console or default_console
    out.print(
        f"\n[bold]{SCHOOL_NAME}[/bold] (URN {SCHOOL_URN}), seed {stats.seed}, "
        f"today {stats.today:%d %B %Y}"
    )
    # Every figure about students comes from the read use cases the reports use, so the
    # summary and ``careers-ledger report benchmarks|destinations`` always agree.
    reads = ledger.service.reads
    reports = [
        reads.cohort_report(ruleset=ruleset, institution_id=SCHOOL_URN, as_of=stats.today)
        for ruleset in ("gatsby-2014", "gatsby-2025")
    ]
    out.print(
        f"Students in {academic(reports[-1].academic_year)}: everyone enrolled this academic "
        "year, leavers since 1 September included (the benchmark report's cohort). A leaver "
        "cohort: everyone on roll in Year 11 (or Year 13) that year, staying on or not (the "
        "destinations report's)."
    )
    out.print(
        _roll_table(ledger, stats, reports[-1]),
        _kinds_table(stats),
        _leavers_table(reads.destinations_report(institution_id=SCHOOL_URN, as_of=stats.today)),
    )
    for report in reports:
        out.print(benchmark_table(report))
    out.print(
        f"Planned the school in {stats.planning_seconds:.1f} s, wrote {stats.events_written:,} "
        f"events in {stats.writing_seconds:.1f} s ({stats.events_per_second:,.0f} events/s) and "
        f"brought the reports up to date in {stats.projecting_seconds:.1f} s: "
        f"{stats.seconds:.1f} s in all. The ledger holds {ledger.service.event_count():,} events."
    )
    # soft_wrap: a long path stays on one line, so it can be copied whole.
    out.print(f"Database: [bold]{where(stats.database_url)}[/bold]", soft_wrap=True)
    out.print(_next_table())
    _print_sign_in(out, stats, sign_ins)


def _print_sign_in(out: Console, stats: DemoStats, sign_ins: list[DemoSignIn] | None) -> None:
    """How to sign in and whom to open; plain lines, so a token is never wrapped."""
    out.print("\n[bold]Sign in[/bold]", soft_wrap=True)
    if sign_ins is None:
        out.print(
            "production mode: no demo users were created (create real ones with "
            "careers-ledger users create)",
            soft_wrap=True,
        )
    else:
        out.print(
            f"Run careers-ledger serve, open {SERVE_URL} and paste one of these tokens "
            "(development mode only; each is shown once, here):",
            soft_wrap=True,
        )
        width = max((len(s.role.value) for s in sign_ins), default=0)
        for sign_in in sign_ins:
            # markup=False: a token is printed exactly as issued.
            out.print(
                f"  sign in as {sign_in.role.value:<{width}}  {sign_in.token}",
                soft_wrap=True,
                markup=False,
                highlight=False,
            )
    if stats.samples:
        bound = {s.student_id for s in sign_ins or () if s.student_id is not None}
        out.print("\nStudents to open (invented by the demo):", soft_wrap=True)
        for sample in stats.samples:
            mine = (
                "  (the student token signs in as this student)"
                if sample.student_id in bound
                else ""
            )
            out.print(
                f"  {SERVE_URL}students/{sample.student_id}  Year {sample.year_group}, "
                f"{sample.entries} entries, {sample.invented_name}{mine}",
                soft_wrap=True,
                markup=False,
                highlight=False,
            )


def where(database_url: str) -> str:
    """The database as a person would look for it: a file's full path, or a server
    URL without its password."""
    if database_url.startswith("sqlite"):
        return f"{Path(sqlite_path(database_url)).resolve()} ({database_url})"
    parts = urlsplit(database_url)
    if parts.password is None:
        return database_url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _roll_table(ledger: Ledger, stats: DemoStats, whole: CohortReport) -> Table:
    """The benchmark report's cohort (docs/projections.md, Cohorts): enrolled this academic
    year, leavers since 1 September included, by year group."""
    year = whole.academic_year
    table = Table("year group", "students", title=f"Students in {academic(year)}")
    for year_group in YEAR_GROUPS:
        cohort = ledger.service.reads.cohort_report(
            institution_id=SCHOOL_URN, as_of=stats.today, year_group=year_group
        )
        if cohort.students:
            table.add_row(f"Year {year_group}", f"{cohort.students:,}")
    table.add_row("[bold]all[/bold]", f"[bold]{whole.students:,}[/bold]")
    return table


def _kinds_table(stats: DemoStats) -> Table:
    table = Table("kind", "events", title="Events by kind")
    for kind, count in stats.entries_by_kind.items():
        table.add_row(kind_label(kind), f"{count:,}")
    table.add_row("[bold]all[/bold]", f"[bold]{stats.events_written:,}[/bold]")
    return table


def _leavers_table(report: DestinationsReport) -> Table:
    """The destinations report's leaver cohorts: everyone on roll in Year 11 (or 13) that
    year, staying on or not; a known destination is a year-1 activity on record."""
    table = Table(
        "left in",
        "cohort",
        "students",
        "destination known in year 1",
        title="Leaver cohorts",
    )
    for cohort in sorted(report.cohorts, key=lambda c: (c.leaving_year, c.stage)):
        first = cohort.years[0]
        table.add_row(
            academic(cohort.leaving_year),
            STAGE_LABELS[cohort.stage],
            str(cohort.students),
            str(first.started - first.unknown) if first.started else "-",
        )
    return table


def _next_table() -> Table:
    table = Table("try next", "what it shows", title="Next steps", title_justify="left")
    for command, meaning in NEXT_COMMANDS:
        table.add_row(f"[bold]{command}[/bold]", meaning)
    return table
