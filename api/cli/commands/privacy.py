"""``careers-ledger erase | hold | retention | keys``: the data protection officer's commands.

Output names students by ledger id and reasons by code, never by personal data.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

import typer
from rich.table import Table

from api.cli.commands.common import opened_ledger
from api.cli.console import console, err_console

if TYPE_CHECKING:
    from ledger.domain.access import Actor

DATABASE = typer.Option(None, help="Overrides CAREERS_LEDGER_DATABASE_URL")


class ErasureReason(StrEnum):
    REQUEST = "request"
    RETENTION = "retention"
    OTHER = "other"


def register(app: typer.Typer) -> None:
    @app.command()
    def erase(
        student_id: str = typer.Argument(..., help="The student's ledger id"),
        reason: ErasureReason = typer.Option(..., help="Why: request, retention or other"),
        yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation"),
        database_url: str | None = DATABASE,
    ) -> None:
        """Erase a student's personal data for good (their key is destroyed); holds refuse."""
        sid = _student(student_id)
        if not yes:
            typer.confirm(f"Erase student {sid}? This cannot be undone", abort=True)
        with opened_ledger(database_url) as ledger:
            appended = ledger.service.erase(sid, reason.value, actor=_cli_actor())
        state = "was already erased" if appended.replayed else "erased"
        console.print(
            f"[green]{state}[/green]: student {sid} (entry {appended.sequence}); "
            "key destroyed, identifiers released, chain intact"
        )

    hold = typer.Typer(help="Legal holds: a held record cannot be erased, even when due.")
    app.add_typer(hold, name="hold")

    @hold.command("place")
    def place(
        student_id: str = typer.Argument(..., help="The student's ledger id"),
        reason: str = typer.Option(..., help="Why (a case reference, no personal data)"),
        database_url: str | None = DATABASE,
    ) -> None:
        """Place a legal hold: erasure and retention skip this record until it is lifted."""
        sid = _student(student_id)
        with opened_ledger(database_url) as ledger:
            appended = ledger.service.place_legal_hold(sid, reason, actor=_cli_actor())
        console.print(f"legal hold placed on {sid} (entry {appended.sequence})")

    @hold.command("lift")
    def lift(
        student_id: str = typer.Argument(..., help="The student's ledger id"),
        reason: str = typer.Option(..., help="Why (a case reference, no personal data)"),
        database_url: str | None = DATABASE,
    ) -> None:
        """Lift a legal hold."""
        sid = _student(student_id)
        with opened_ledger(database_url) as ledger:
            appended = ledger.service.lift_legal_hold(sid, reason, actor=_cli_actor())
        console.print(f"legal hold lifted from {sid} (entry {appended.sequence})")

    @app.command()
    def retention(
        dry_run: bool = typer.Option(False, "--dry-run", help="List what is due; erase nothing"),
        database_url: str | None = DATABASE,
    ) -> None:
        """Erase every record past retention (date of birth + 25 years; 3 years after leaving)."""
        with opened_ledger(database_url) as ledger:
            run = ledger.service.run_retention(dry_run=dry_run, actor=_cli_actor())
        listed = run.due if dry_run else run.erased
        title = "due for erasure (dry run)" if dry_run else "erased"
        table = Table("student", "reason", title=f"Retention on {run.as_of}: {title}")
        for item in listed:
            table.add_row(str(item.student_id), item.reason.value)
        for student in run.held:
            table.add_row(str(student), "legal_hold (skipped)")
        console.print(table)
        console.print(
            f"{len(listed)} {title}; {len(run.held)} held by a legal hold; "
            f"{len(run.still_enrolled)} past the period but still enrolled"
        )

    @app.command()
    def compact(database_url: str | None = DATABASE) -> None:
        """Remove erased data's old bytes from the database files now.

        Erasure and retention do this themselves; run it when they reported the
        compaction as deferred (the store was busy).
        """
        with opened_ledger(database_url) as ledger:
            ledger.service.compact(actor=_cli_actor())
        console.print("compacted: deleted bytes rewritten, write-ahead log emptied")

    keys = typer.Typer(help="Master key rotation and key table status.")
    app.add_typer(keys, name="keys")

    @keys.command("rotate-master")
    def rotate_master(database_url: str | None = DATABASE) -> None:
        """Re-wrap every student's key under a new master key; no event is rewritten.

        The new key comes from CAREERS_LEDGER_NEW_MASTER_KEY (hex).  In development
        mode, with the master key in the key file, a new one is generated there
        and the old one kept as previous_master_key.
        """
        from api.store.keys import load_keys, new_master_key

        with opened_ledger(database_url) as ledger:
            current = load_keys(ledger.settings)["master_key"]
            target = new_master_key(ledger.settings, current)
            report = ledger.service.rotate_master_key(target, actor=_cli_actor())
            configured = ledger.settings.master_key is not None
        console.print(
            f"re-wrapped {report.rewrapped} student keys under master key {report.kek_id} "
            f"({report.already_current} already were; {report.shredded} erased)"
        )
        if configured:
            console.print(
                "next: set CAREERS_LEDGER_MASTER_KEY to the new key and "
                "CAREERS_LEDGER_PREVIOUS_MASTER_KEY to the old one, restart every process, "
                "run this again to catch keys created meanwhile, then check `keys status` "
                "and remove the previous key"
            )

    @keys.command("status")
    def status(database_url: str | None = DATABASE) -> None:
        """Live student keys per master key id, and erased students' tombstones."""
        with opened_ledger(database_url) as ledger:
            counts = ledger.service.key_status(actor=_cli_actor())
            current = ledger.app.keyring.kek_id
        table = Table("master key id", "student keys")
        for name, count in sorted(counts.items()):
            label = f"{name} (current)" if name == current else name
            table.add_row(label, str(count))
        console.print(table)


def _cli_actor() -> Actor:
    """Who the ledger records as acting: the command line, as the system."""
    from ledger.domain.access import Actor
    from ledger.domain.vocabulary import Role

    return Actor("cli", Role.SYSTEM)


def _student(raw: str) -> UUID:
    from ledger.domain.errors import LedgerError
    from ledger.service.commands import parse_student_id

    try:
        return parse_student_id(raw)
    except LedgerError as exc:
        err_console.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(2) from None
