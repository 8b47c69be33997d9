"""Shared CLI plumbing: settings, errors and progress bars."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.bootstrap import Ledger, build
from api.config import Settings
from ledger.domain.errors import LedgerError

console = Console()
err_console = Console(stderr=True)


@contextmanager
def opened_ledger(database_url: str | None = None) -> Iterator[Ledger]:
    """Build the ledger from settings (optionally another database URL); report errors."""
    try:
        settings = Settings() if database_url is None else Settings(database_url=database_url)
        ledger = build(settings)
    except LedgerError as exc:
        err_console.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(2) from None
    try:
        yield ledger
    except LedgerError as exc:
        err_console.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(2) from None
    finally:
        ledger.close()


def progress_bar() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
