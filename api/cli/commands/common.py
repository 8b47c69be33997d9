"""Shared CLI plumbing: opening the ledger from settings and reporting its errors.

The ledger's modules are imported when a command opens it, not when the CLI
starts, so ``--help`` never pays for the database, web and PDF libraries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

import typer

from api.cli.console import err_console

if TYPE_CHECKING:
    from api.bootstrap import Ledger


@contextmanager
def opened_ledger(database_url: str | None = None) -> Iterator[Ledger]:
    """Build the ledger from settings (optionally another database URL); report errors."""
    from api.bootstrap import build
    from api.config import Settings
    from ledger.domain.errors import LedgerError

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


DATE_FORMS = "DD/MM/YYYY or YYYY-MM-DD"


def parse_day(value: str | date) -> date:
    """A date on the command line, read as the MIS import reads a date cell.

    One parser, so ``--as-of 01/09/2026`` means 1 September 2026 as it does in a
    CSV file; UK day-first, never month-first.
    """
    from ledger.service.imports.mis.values import CellError, parse_date

    if isinstance(value, date):
        return value
    try:
        return parse_date(value)
    except CellError as exc:
        raise typer.BadParameter(exc.reason) from None


def day_option(help: str) -> Any:
    """A ``--...`` date option: ``parse_day``, with the accepted forms in its help."""
    return typer.Option(None, parser=parse_day, metavar="DATE", help=f"{help} ({DATE_FORMS})")
