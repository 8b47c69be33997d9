"""``careers-ledger export STUDENT --format json``: a student's record as evidence.

Written as it is read.  JSON and CSV may go to standard output; a PDF needs
``--output`` (binary on a terminal is garbage, so it is refused, not guessed).
With ``--output`` the file appears only when complete (a sibling is written,
then renamed), so a failed export leaves nothing behind.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from api.cli.commands.common import opened_ledger
from api.cli.console import err_console

# Shown in --help without importing the renderers and the export service (which bring
# the PDF, database and event-store libraries): the names of ``api.render.RENDERERS``
# and ``ledger.service.export.DEFAULT_CONSISTENCY_LIMIT``, which a unit test compares.
FORMATS = ("json", "csv", "pdf")
DEFAULT_CONSISTENCY_LIMIT = 100


def register(app: typer.Typer) -> None:
    @app.command()
    def export(
        student: str = typer.Argument(..., help="The student's ledger id"),
        format: str = typer.Option("json", "--format", help=f"One of: {', '.join(FORMATS)}"),
        output: Path | None = typer.Option(
            None,
            help="Write here instead of standard output (required for --format pdf, which is "
            "binary: it is refused on standard output)",
        ),
        consistency_from: list[int] = typer.Option(
            [], help="Also prove the log extends this earlier tree size (repeatable)"
        ),
        consistency_limit: int = typer.Option(
            DEFAULT_CONSISTENCY_LIMIT, min=0, help="Earlier signed checkpoints to prove against"
        ),
        database_url: str | None = typer.Option(None, help="Overrides CAREERS_LEDGER_DATABASE_URL"),
    ) -> None:
        """Export every event with its chain data, a signed checkpoint and inclusion proofs."""
        from api.render import RENDERERS
        from ledger.domain.access import SYSTEM
        from ledger.service.commands import parse_student_id
        from ledger.service.export import export_record

        renderer = RENDERERS.get(format)
        if renderer is None:
            err_console.print(f"[red]error:[/red] --format: must be one of {', '.join(RENDERERS)}")
            raise typer.Exit(2)
        if format == "pdf" and output is None:
            # Binary on a terminal garbles it; a named file is the one safe place.
            err_console.print(
                "[red]error:[/red] --format pdf needs --output FILE (a PDF is binary and is "
                "not written to standard output)"
            )
            raise typer.Exit(2)
        with opened_ledger(database_url) as ledger:
            prepared = export_record(
                ledger.service,
                ledger.evidence,
                parse_student_id(student),
                actor=SYSTEM,
                consistency_from=consistency_from,
                consistency_limit=consistency_limit,
            )
            if output is None:
                renderer.render(prepared, sys.stdout.buffer)
                sys.stdout.buffer.flush()
                return
            partial = output.with_name(output.name + ".partial")
            try:
                with partial.open("wb") as handle:
                    renderer.render(prepared, handle)
                os.replace(partial, output)
            finally:
                partial.unlink(missing_ok=True)
        err_console.print(
            f"exported {prepared.header.event_count} events to {output} "
            f"(checkpoint {prepared.header.checkpoint.size})"
        )
