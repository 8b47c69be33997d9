"""``careers-ledger checkpoint | verify-log | verify-export``: the log's signed evidence.

``checkpoint`` brings the global Merkle log up to date and signs its head
(``--public-key`` prints the key that verifies it instead); ``verify-log`` is
the full audit of the log against every chain and signed checkpoint;
``verify-export`` checks a student's bundle offline, needing only the key.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from api.cli.commands.common import opened_ledger
from api.cli.console import console, err_console, progress_bar

DATABASE = typer.Option(None, help="Overrides CAREERS_LEDGER_DATABASE_URL")
UNVERIFIED_EXIT = 3
"""verify-export: no failure, but something could not be checked (docs/evidence.md)."""


def read_public_key(value: str) -> str:
    """A vkey given inline or as a file holding one."""
    path = Path(value)
    if "+" not in value or path.is_file():
        try:
            return path.read_text("utf-8").strip()
        except OSError:
            err_console.print("[red]error:[/red] --public-key: no such file, and not a vkey")
            raise typer.Exit(2) from None
    return value.strip()


def _read_text(path: Path, option: str) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        err_console.print(
            f"[red]error:[/red] {option}: cannot read the file ({type(exc).__name__})"
        )
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    @app.command()
    def checkpoint(
        public_key: bool = typer.Option(
            False, "--public-key", help="Print the C2SP verifier key (vkey) instead of signing"
        ),
        output: Path | None = typer.Option(None, help="Also write the signed checkpoint here"),
        database_url: str | None = DATABASE,
    ) -> None:
        """Sign a checkpoint of the global log (refused if the log shrank or forked)."""
        with opened_ledger(database_url) as ledger:
            if public_key:
                typer.echo(ledger.evidence.public_key())
                return
            signed = ledger.evidence.checkpoint()
        if output is not None:
            output.write_text(signed.note, "utf-8")
        typer.echo(signed.note, nl=False)

    @app.command("verify-log")
    def verify_log(
        trusted_checkpoint: Path | None = typer.Option(
            None, help="A checkpoint kept outside the system: the log must still extend it"
        ),
        database_url: str | None = DATABASE,
    ) -> None:
        """Audit the global log: every leaf against its chain, every signed checkpoint."""
        from ledger.domain.evidence.notes import Checkpoint, NoteError

        with opened_ledger(database_url) as ledger:
            trusted = None
            if trusted_checkpoint is not None:
                note = _read_text(trusted_checkpoint, "--trusted-checkpoint")
                try:
                    trusted = Checkpoint.open(note, ledger.evidence.verifier)
                except NoteError as exc:
                    err_console.print(f"[red]error:[/red] --trusted-checkpoint: {exc}")
                    raise typer.Exit(1) from None
            with progress_bar() as bar:
                task = bar.add_task("auditing the global log", total=ledger.service.event_count())
                report = ledger.evidence.verify_log(trusted, lambda n: bar.advance(task, n))
        if report.ok:
            console.print(
                f"[green]OK[/green]: {report.leaves} logged events match their chains and "
                f"{report.checkpoints} signed checkpoints"
            )
            return
        table = Table("student", "sequence", "problem", title="Global log failures")
        for failure in report.failures:
            table.add_row(
                str(failure.student_id or "-"),
                "-" if failure.sequence is None else str(failure.sequence),
                failure.problem,
            )
        console.print(table)
        console.print(f"[red]FAILED[/red]: {len(report.failures)} problems")
        raise typer.Exit(1)

    @app.command("verify-export")
    def verify_export(
        bundle: Path = typer.Argument(
            ..., exists=True, dir_okay=False, help="A JSON export bundle"
        ),
        public_key: str = typer.Option(
            ..., help="The exporter's verifier key (vkey), or a file holding it"
        ),
        trusted_checkpoint: Path | None = typer.Option(
            None, help="A checkpoint of the exporter's log trusted earlier (catches rollback)"
        ),
        update_trusted: bool = typer.Option(
            False, help="After success, save the bundle's checkpoint as the trusted one"
        ),
    ) -> None:
        """Check a student's export offline with only the public key.

        Exit 0 when everything verifies, 1 on any failure, 2 for unusable input,
        3 when nothing failed but a consistency proof could not be checked.
        """
        import orjson

        from ledger.domain.evidence.bundle_verify import verify_bundle
        from ledger.domain.evidence.notes import NoteError, NoteVerifier

        vkey = read_public_key(public_key)
        try:
            NoteVerifier.from_vkey(vkey)
            parsed = orjson.loads(bundle.read_bytes())
        except NoteError as exc:
            err_console.print(f"[red]error:[/red] --public-key: {exc}")
            raise typer.Exit(2) from None
        except (OSError, orjson.JSONDecodeError) as exc:
            err_console.print(f"[red]error:[/red] BUNDLE: not a readable JSON file ({exc})")
            raise typer.Exit(2) from None
        if not isinstance(parsed, dict):
            err_console.print("[red]error:[/red] BUNDLE: not a JSON object")
            raise typer.Exit(2)
        trusted = None
        if trusted_checkpoint is not None and trusted_checkpoint.exists():
            trusted = _read_text(trusted_checkpoint, "--trusted-checkpoint")
        elif trusted_checkpoint is not None and not update_trusted:
            err_console.print("[red]error:[/red] --trusted-checkpoint: no such file")
            raise typer.Exit(2)
        report = verify_bundle(parsed, vkey, trusted)
        for failure in report.failures:
            console.print(f"[red]FAIL[/red] {failure}")
        for unchecked in report.unverified:
            console.print(f"[yellow]UNVERIFIED[/yellow] {unchecked}")
        if report.failures:
            console.print(f"[red]FAILED[/red]: {len(report.failures)} problems")
            raise typer.Exit(1)
        assert report.checkpoint is not None
        verified = (
            f"student {report.student_id}, {report.events} events verify against checkpoint "
            f"{report.checkpoint.size} of {report.checkpoint.origin}"
        )
        if report.unverified:
            console.print(
                f"[yellow]UNVERIFIED[/yellow]: {verified}, but {len(report.unverified)} "
                "consistency proofs could not be checked (the trusted checkpoint is not updated)"
            )
            raise typer.Exit(UNVERIFIED_EXIT)
        console.print(f"[green]OK[/green]: {verified}")
        if update_trusted and trusted_checkpoint is not None:
            trusted_checkpoint.write_text(report.checkpoint.note, "utf-8")
