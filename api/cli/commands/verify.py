"""``careers-ledger verify``: recompute every student's hash chain."""

from __future__ import annotations

import typer
from rich.table import Column, Table

from api.cli.commands.common import opened_ledger
from api.cli.console import console, progress_bar


def register(app: typer.Typer) -> None:
    @app.command()
    def verify(
        database_url: str | None = typer.Option(None, help="Overrides CAREERS_LEDGER_DATABASE_URL"),
        keyless: bool = typer.Option(False, help="Check links only, without reading payloads"),
    ) -> None:
        """Check every stream's hash chain; name each student and sequence that fails."""
        with opened_ledger(database_url) as ledger:
            total = ledger.service.event_count()
            with progress_bar() as bar:
                task = bar.add_task("verifying chains", total=total)
                report = ledger.service.verify(
                    full=not keyless, progress=lambda n: bar.advance(task, n)
                )
        if report.erased_streams:
            console.print(
                f"{len(report.erased_streams)} erased student streams: links verified "
                "(their keys are destroyed, so their commitments cannot be re-derived)"
            )
        if report.ok:
            console.print(
                f"[green]OK[/green]: {report.events} events in "
                f"{report.streams} student streams verify"
            )
            return
        # The student id is the finding: never truncate it, even in an 80-column log.
        student = Column("student", no_wrap=True, min_width=36)
        table = Table(student, "sequence", "problem", title="Chain verification failures")
        for failure in report.failures:
            table.add_row(failure.student_id, str(failure.sequence), failure.problem)
        console.print(table)
        console.print(f"[red]FAILED[/red]: {len(report.failures)} of {report.events} events")
        raise typer.Exit(1)
