"""``careers-ledger demo``: generate a synthetic school into an empty ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import typer

from api.cli.commands.common import day_option
from api.cli.console import err_console, progress_bar
from api.cli.demo.defaults import DEFAULT_SEED, DEFAULT_STUDENTS

if TYPE_CHECKING:
    from api.bootstrap import Ledger
    from api.cli.demo.runner import DemoStats
    from api.cli.demo.sign_in import DemoSignIn

EARLIEST_TODAY = date(2012, 9, 1)  # the demo reaches back nine years before "today"


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        database_url: str | None = typer.Option(None, help="Overrides CAREERS_LEDGER_DATABASE_URL"),
        seed: int = typer.Option(DEFAULT_SEED, help="The same seed always makes the same school"),
        students: int = typer.Option(
            DEFAULT_STUDENTS, min=20, max=20_000, help="Students on roll in Years 7-13"
        ),
        today: date | None = day_option("The demo's today (default: the real date)"),
    ) -> None:
        """Generate a synthetic secondary school with a sixth form, three years of leavers
        and their careers records, then print a summary."""
        from api.bootstrap import build
        from api.cli.demo.runner import (
            DemoOptions,
            LedgerNotEmpty,
            Observer,
            refuse_non_empty,
            run_demo,
        )
        from api.cli.demo.summary import print_summary
        from api.config import Settings
        from ledger.domain.clock import SimulatedClock
        from ledger.domain.errors import LedgerError

        day = _today(today)
        clock = SimulatedClock(datetime.combine(day, datetime.min.time(), tzinfo=UTC))
        try:
            # Projections catch up once at the end, not after every batch.
            settings = (
                Settings(project_in_process=False)
                if database_url is None
                else Settings(database_url=database_url, project_in_process=False)
            )
            ledger = build(settings, clock, sole_writer=True)
        except LedgerError as exc:
            err_console.print(f"[red]error:[/red] {exc.detail}")
            raise typer.Exit(2) from None
        try:
            refuse_non_empty(ledger)
            with progress_bar() as bar:
                writing = bar.add_task("writing the school's records", total=None, start=False)
                projecting = bar.add_task(
                    "bringing the reports up to date", total=None, start=False
                )

                def planned(total: int) -> None:
                    bar.start_task(writing)
                    bar.update(writing, total=total)
                    bar.update(projecting, total=total)

                def projected(count: int) -> None:
                    bar.start_task(projecting)  # its clock starts with its first batch
                    bar.advance(projecting, count)

                stats = run_demo(
                    ledger,
                    clock,
                    DemoOptions(seed=seed, students=students, today=day),
                    Observer(
                        planned=planned,
                        written=lambda count: bar.advance(writing, count),
                        projected=projected,
                    ),
                )
            print_summary(ledger, stats, _demo_users(ledger, stats))
        except LedgerNotEmpty as exc:
            err_console.print(f"[red]refused:[/red] {exc.detail}")
            raise typer.Exit(1) from None
        except LedgerError as exc:
            err_console.print(f"[red]error:[/red] {exc.detail}")
            raise typer.Exit(2) from None
        finally:
            ledger.close()


def _demo_users(ledger: Ledger, stats: DemoStats) -> list[DemoSignIn] | None:
    """A user per role in development mode; None in production mode (never demo users)."""
    from api.cli.demo.sign_in import create_demo_users

    if ledger.settings.mode != "development":
        return None
    if not stats.samples:
        return []
    return create_demo_users(ledger, stats.samples[0].student_id)


def _today(given: date | None) -> date:
    real = datetime.now(UTC).date()
    day = given if given is not None else real
    if day > real:
        err_console.print("[red]error:[/red] --today: must not be after the real date")
        raise typer.Exit(2)
    if day < EARLIEST_TODAY:
        err_console.print(f"[red]error:[/red] --today: must be on or after {EARLIEST_TODAY}")
        raise typer.Exit(2)
    return day
