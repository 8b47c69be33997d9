"""Shared CLI plumbing: opening the ledger from settings and reporting its errors.

The ledger's modules are imported when a command opens it, not when the CLI
starts, so ``--help`` never pays for the database, web and PDF libraries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

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
