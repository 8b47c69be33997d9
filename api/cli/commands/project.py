"""``careers-ledger rebuild`` and ``careers-ledger project``: keep the projections current."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from api.cli.commands.common import opened_ledger
from api.cli.console import console, progress_bar

if TYPE_CHECKING:
    from ledger.service.reads import ProjectionStatus


def register(app: typer.Typer) -> None:
    @app.command()
    def rebuild(
        only: list[str] | None = typer.Option(None, help="Rebuild just this projection"),
        database_url: str | None = typer.Option(None, help="Overrides CAREERS_LEDGER_DATABASE_URL"),
    ) -> None:
        """Empty the projections and replay the whole log into them."""
        with opened_ledger(database_url) as ledger:
            projector = ledger.projections.projector
            known = [p.name for p in projector.projections]
            unknown = [name for name in only or [] if name not in known]
            if unknown:
                raise typer.BadParameter(
                    f"unknown projection; known: {', '.join(known)}", param_hint="--only"
                )
            with progress_bar() as bar:
                task = bar.add_task("rebuilding projections", total=projector.reader.head())
                done = projector.rebuild(only or None, progress=lambda n: bar.advance(task, n))
            console.print(f"[green]rebuilt[/green] {', '.join(only or known)} from {done} events")

    @app.command()
    def project(
        follow: bool = typer.Option(False, help="Keep running, projecting new events"),
        status: bool = typer.Option(False, help="Show each projection's position and stop"),
        poll_seconds: float = typer.Option(1.0, min=0.05, help="Idle wait between checks"),
        database_url: str | None = typer.Option(None, help="Overrides CAREERS_LEDGER_DATABASE_URL"),
    ) -> None:
        """Bring the projections up to date; with --follow, a worker that keeps them so."""
        with opened_ledger(database_url) as ledger:
            read = ledger.projections
            reads = ledger.service.reads
            if status:
                console.print(status_table(reads.projection_status()))
                return
            with progress_bar() as bar:
                behind = reads.projection_status()
                lag = max((p.lag for p in behind.projections), default=0)
                task = bar.add_task("catching up", total=lag)
                read.projector.catch_up(progress=lambda n: bar.advance(task, n))
            if not follow:
                console.print(status_table(reads.projection_status()))
                return
            stop = threading.Event()

            def _stop(signum: int, frame: FrameType | None) -> None:
                stop.set()

            signal.signal(signal.SIGTERM, _stop)
            signal.signal(signal.SIGINT, _stop)
            console.print("following the ledger's log (Ctrl-C to stop)")
            read.projector.follow(
                poll_seconds=poll_seconds,
                stop=stop,
                on_batch=lambda n: console.print(f"projected {n} events"),
            )
            console.print("stopped")


def status_table(found: ProjectionStatus) -> Table:
    table = Table("projection", "position", "behind", title=f"log head: {found.head}")
    for projection in found.projections:
        table.add_row(projection.name, str(projection.position), str(projection.lag))
    return table
