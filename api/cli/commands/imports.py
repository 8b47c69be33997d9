"""Imports: ``import-csv`` (a school MIS export), ``import-record`` (a student's record
from an earlier institution) and ``trust`` (whose records are accepted)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from api.cli.commands.common import opened_ledger
from api.cli.console import console, err_console, progress_bar

if TYPE_CHECKING:
    from ledger.service.imports.mis.report import ImportReport
    from ledger.service.imports.transition import TransitionReport

SHOWN_ERRORS = 50
DATABASE = typer.Option(None, help="Overrides CAREERS_LEDGER_DATABASE_URL")


def register(app: typer.Typer) -> None:
    _register_csv(app)
    _register_record(app)
    trust = typer.Typer(help="Which other deployments' record bundles are accepted.")
    _register_trust(trust)
    app.add_typer(trust, name="trust")


def _register_csv(app: typer.Typer) -> None:
    @app.command("import-csv")
    def import_csv(
        kind: str = typer.Argument(..., help="students, enrolments, activities or destinations"),
        file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
        dry_run: bool = typer.Option(False, help="Check every row and write nothing"),
        all_or_nothing: bool = typer.Option(False, help="Import nothing if any row fails"),
        rejected: Path | None = typer.Option(
            None, help="Where to write rejected rows (default: FILE.rejected.csv on a real run)"
        ),
        institution: str | None = typer.Option(
            None, help="URN/UKPRN for rows without one (enrolments, year groups)"
        ),
        encoding: str | None = typer.Option(
            None, help="Read a non-UTF-8 file as this encoding (cp1252 or latin-1)"
        ),
        database_url: str | None = DATABASE,
    ) -> None:
        """Import a MIS CSV export; report every rejected row by number, column and reason."""
        from api.store.keys import load_keys
        from ledger.domain.access import Actor
        from ledger.domain.vocabulary import Role
        from ledger.service.imports.mis import FILE_KINDS
        from ledger.service.imports.mis.importer import MisImport, import_secret
        from ledger.service.imports.mis.report import rejected_csv

        if kind not in FILE_KINDS:
            err_console.print(f"[red]error:[/red] KIND must be one of {', '.join(FILE_KINDS)}")
            raise typer.Exit(2)
        data = file.read_bytes()
        actor = Actor("mis-import", Role.SYSTEM, institution_id=institution)
        with opened_ledger(database_url) as ledger:
            importer = MisImport(
                ledger.service, import_secret(load_keys(ledger.settings)["index_key"])
            )
            with progress_bar() as bar:
                task = bar.add_task("checking rows" if dry_run else "importing rows", total=None)
                report = importer.run(
                    kind,
                    data,
                    actor=actor,
                    dry_run=dry_run,
                    all_or_nothing=all_or_nothing,
                    encoding=encoding,
                    institution_id=institution,
                    progress=lambda n: bar.advance(task, n),
                    on_start=lambda total: bar.update(task, total=total),
                )
        _print(report)
        target = rejected or (None if dry_run else file.with_suffix(".rejected.csv"))
        if report.rejected and target is not None:
            target.write_bytes(rejected_csv(report))
            console.print(f"rejected rows written to {target}")
        if not report.ok:
            raise typer.Exit(1)


def _print(report: ImportReport) -> None:
    for warning in report.warnings:
        console.print(f"[yellow]note:[/yellow] {warning}")
    if report.encoding not in {"utf-8", "utf-8-sig"}:
        console.print(f"[yellow]note:[/yellow] read as {report.encoding}")
    if report.rejected:
        table = Table("row", "column", "reason", title="Rejected rows")
        rows = sorted(report.rejected, key=lambda r: r.number)
        for row in rows[:SHOWN_ERRORS]:
            for problem in row.problems:
                table.add_row(str(row.number), problem.field, problem.reason)
        console.print(table)
        if len(rows) > SHOWN_ERRORS:
            console.print(f"... and {len(rows) - SHOWN_ERRORS} more rejected rows")
    verb = "would import" if report.dry_run else "imported"
    console.print(
        f"{report.rows} rows: {report.valid if report.dry_run else report.imported} {verb}, "
        + ("" if report.dry_run else f"{report.unchanged} already in the ledger, ")
        + f"{len(report.rejected)} rejected"
        + ("" if report.dry_run else f"; {report.events_written} entries written")
    )
    if report.refused:
        console.print(f"[red]{report.refused}[/red]")
    elif report.dry_run:
        console.print("dry run: nothing was written")


def _register_record(app: typer.Typer) -> None:
    @app.command("import-record")
    def import_record(
        bundle: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
        dry_run: bool = typer.Option(False, help="Verify and report, write nothing"),
        institution: str | None = typer.Option(
            None, help="URN/UKPRN recorded as the importing institution"
        ),
        database_url: str | None = DATABASE,
    ) -> None:
        """Verify a student's record bundle from another deployment, then import what is new."""
        from api.store.trust import TrustStore
        from ledger.domain.access import Actor
        from ledger.domain.vocabulary import Role
        from ledger.service.imports.transition import TransitionImport

        actor = Actor("record-import", Role.SYSTEM, institution_id=institution)
        with opened_ledger(database_url) as ledger:
            importer = TransitionImport(
                ledger.service, TrustStore(ledger.engine), ledger.evidence.origin
            )
            report = importer.run(bundle.read_bytes(), actor=actor, dry_run=dry_run)
        _print_transition(report)


def _print_transition(report: TransitionReport) -> None:
    console.print(
        f"[green]verified[/green]: {report.events_in_bundle} entries of student "
        f"{report.origin_student_id} at {report.origin} (checkpoint {report.checkpoint_size})"
    )
    verb = "would import" if report.dry_run else "imported"
    who = "a new student" if report.registered else "student"
    console.print(
        f"{verb} {report.imported} entries into {who} {report.student_id}; "
        f"{report.already_present} were already here, {report.not_carried} not carried over"
    )


def _register_trust(trust: typer.Typer) -> None:
    @trust.command("add")
    def add(
        origin: str = typer.Argument(..., help="The other log's origin (its checkpoint name)"),
        keyfile: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
        replace: bool = typer.Option(False, help="Replace the key already trusted (rotation)"),
        database_url: str | None = DATABASE,
    ) -> None:
        """Trust the log key of ORIGIN (what `careers-ledger checkpoint --public-key` prints)."""
        from api.store.trust import TrustStore

        vkey = keyfile.read_text("utf-8").strip()
        with opened_ledger(database_url) as ledger:
            added = TrustStore(ledger.engine).add(origin, vkey, ledger.clock.now(), replace=replace)
        console.print(f"trusted {added.origin} (key id {added.key_id})")

    @trust.command("list")
    def list_(database_url: str | None = DATABASE) -> None:
        """The trusted origins, their key ids and the largest checkpoint seen from each."""
        from api.store.trust import TrustStore

        with opened_ledger(database_url) as ledger:
            origins = TrustStore(ledger.engine).all()
        table = Table("origin", "key id", "added", "last checkpoint", title="Trusted origins")
        for found in origins:
            seen = "" if found.last_size is None else str(found.last_size)
            table.add_row(found.origin, found.key_id, found.added_at.isoformat()[:19], seen)
        console.print(table)

    @trust.command("remove")
    def remove(origin: str, database_url: str | None = DATABASE) -> None:
        """Stop accepting bundles from ORIGIN (records already imported stay)."""
        from api.store.trust import TrustStore

        with opened_ledger(database_url) as ledger:
            removed = TrustStore(ledger.engine).remove(origin)
        if not removed:
            err_console.print(f"[red]error:[/red] ORIGIN: {origin} is not trusted")
            raise typer.Exit(2)
        console.print(f"no longer trusting {origin}")
