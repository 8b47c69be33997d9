"""``careers-ledger report benchmarks|destinations``: cohort reports from the projections.

Read through the service's read use cases (``ledger.service.reads``), as the system.
"""

from __future__ import annotations

import csv
import sys
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer

from api.cli.commands.common import day_option, opened_ledger
from api.cli.console import console

if TYPE_CHECKING:
    from ledger.service.reads import CohortReport, DestinationsReport
    from projections.rules.cohorts import BenchmarkSummary


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"


STAGES = {11: "ks4", 13: "ks5"}
# Shown in --help without importing the read side: ``ledger.service.reads.DEFAULT_RULESET``,
# which a unit test compares.
DEFAULT_RULESET = "gatsby-2025"
AS_OF = day_option("The day the report describes (default: today)")
KNOWN_AT = day_option("Replay only what the ledger had recorded by this day")


def _benchmark_rows(report: CohortReport) -> list[dict[str, Any]]:
    from projections.rules import State

    scope = {
        "ruleset": report.ruleset,
        "institution_id": report.institution_id or "",
        "academic_year": report.academic_year,
        "year_group": "" if report.year_group is None else report.year_group,
        "as_of": report.as_of.isoformat(),
        "known_at": "" if report.known_at is None else report.known_at.isoformat(),
    }
    rows: list[dict[str, Any]] = []
    summary: BenchmarkSummary
    for summary in (*report.benchmarks, report.provider_access):
        scopes = [("overall", summary.overall)] + [(p.part, p.counts) for p in summary.parts]
        for part, counts in scopes:
            for state in State:
                rows.append(
                    {
                        **scope,
                        "benchmark": summary.benchmark,
                        "part": part,
                        "state": state.value,
                        "students": counts.count(state),
                        "share": f"{counts.share(state):.4f}",
                    }
                )
        for group in summary.groups:
            rows.append(
                {
                    **scope,
                    "benchmark": summary.benchmark,
                    "part": "overall",
                    "characteristic": group.characteristic,
                    "group": group.group,
                    "students": group.students,
                    "met_rate": "" if group.rate is None else f"{group.rate:.4f}",
                    "gap_pp": "" if group.gap_pp is None else group.gap_pp,
                }
            )
    return rows


def _write_csv(rows: list[dict[str, Any]], columns: list[str]) -> None:
    writer = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore", restval="")
    writer.writeheader()
    writer.writerows(rows)


def _destination_rows(report: DestinationsReport) -> list[dict[str, Any]]:
    rows = []
    for cohort in report.cohorts:
        for year in cohort.years:
            rows.append(
                {
                    "institution_id": report.institution_id or "",
                    "as_of": report.as_of.isoformat(),
                    "stage": cohort.stage,
                    "leaving_year": cohort.leaving_year,
                    "year_after": year.year_after,
                    "destination_year": year.academic_year,
                    "students": year.students,
                    "sustained": year.sustained,
                    "not_sustained": year.not_sustained,
                    "not_captured": year.not_captured,
                    "pending": year.pending,
                    "neet": year.neet,
                    "unknown": year.unknown,
                    "intended": cohort.intended.with_intended,
                    "intended_comparable": cohort.intended.comparable,
                    "intended_agreeing": cohort.intended.agreeing,
                }
            )
    return rows


def register(app: typer.Typer) -> None:
    report = typer.Typer(help="Cohort reports from the projections.", no_args_is_help=True)
    app.add_typer(report, name="report")

    @report.command("benchmarks")
    def benchmarks(
        ruleset: str = typer.Option(DEFAULT_RULESET, help="gatsby-2014 or gatsby-2025"),
        institution: str | None = typer.Option(None, help="URN or UKPRN; all when omitted"),
        year_group: int | None = typer.Option(None, min=7, max=14),
        academic_year: int | None = typer.Option(
            None, min=2000, max=2100, help="Starting year (2025 = 2025/26); as-of's by default"
        ),
        as_of: date | None = AS_OF,
        known_at: date | None = KNOWN_AT,
        format: Format = typer.Option(Format.TABLE, "--format"),
        database_url: str | None = typer.Option(None, help="Overrides CAREERS_LEDGER_DATABASE_URL"),
    ) -> None:
        """Benchmark attainment of a cohort: each benchmark BM2..BM8 on its own row."""
        from api.cli.report_tables import benchmark_table, gaps_table, parts_table

        with opened_ledger(database_url) as ledger:
            found = ledger.service.reads.cohort_report(
                ruleset=ruleset,
                institution_id=institution,
                academic_year=academic_year,
                year_group=year_group,
                as_of=as_of,
                known_at=known_at,
            )
        if format is Format.CSV:
            columns = [
                "ruleset",
                "institution_id",
                "academic_year",
                "year_group",
                "as_of",
                "known_at",
                "benchmark",
                "part",
                "state",
                "characteristic",
                "group",
                "students",
                "share",
                "met_rate",
                "gap_pp",
            ]
            _write_csv(_benchmark_rows(found), columns)
            return
        console.print(benchmark_table(found))
        console.print(parts_table(found))
        console.print(gaps_table(found))

    @report.command("destinations")
    def destinations(
        institution: str | None = typer.Option(None, help="URN or UKPRN; all when omitted"),
        year_group: int | None = typer.Option(None, help="11 (KS4 leavers) or 13 (KS5 leavers)"),
        leaving_year: int | None = typer.Option(None, min=2000, max=2100),
        as_of: date | None = AS_OF,
        known_at: date | None = KNOWN_AT,
        format: Format = typer.Option(Format.TABLE, "--format"),
        database_url: str | None = typer.Option(None, help="Overrides CAREERS_LEDGER_DATABASE_URL"),
    ) -> None:
        """Destinations of leaver cohorts, one to three years after leaving."""
        from api.cli.report_tables import destination_gaps_table, destinations_table, scope

        if year_group is not None and year_group not in STAGES:
            raise typer.BadParameter(
                "must be 11 or 13 (the years leavers are followed from)", param_hint="--year-group"
            )
        with opened_ledger(database_url) as ledger:
            found = ledger.service.reads.destinations_report(
                institution_id=institution,
                stage=None if year_group is None else STAGES[year_group],
                leaving_year=leaving_year,
                as_of=as_of,
                known_at=known_at,
            )
        if format is Format.CSV:
            rows = _destination_rows(found)
            _write_csv(rows, list(rows[0]) if rows else ["stage", "leaving_year"])
            return
        if not found.cohorts:
            console.print(f"No leaver cohorts yet ({scope(found)}).")
        for cohort in found.cohorts:
            console.print(destinations_table(cohort))
            console.print(destination_gaps_table(cohort))
