"""``careers-ledger serve``: run the HTTP API with uvicorn."""

from __future__ import annotations

import os

import typer

from api.cli.console import err_console


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
        port: int = typer.Option(8000, min=1, max=65535, help="TCP port"),
        workers: int = typer.Option(
            1, min=1, max=64, help="Worker processes (more than one needs PostgreSQL)"
        ),
        database_url: str | None = typer.Option(None, help="Overrides CAREERS_LEDGER_DATABASE_URL"),
        access_log: bool = typer.Option(True, help="Log one line per request (no bodies)"),
    ) -> None:
        """Serve the API (and its OpenAPI docs at /api/v1/docs) on the configured database."""
        import uvicorn

        from api.config import Settings
        from ledger.domain.errors import LedgerError

        if database_url is not None:
            os.environ["CAREERS_LEDGER_DATABASE_URL"] = database_url
        try:
            settings = Settings()
        except LedgerError as exc:
            err_console.print(f"[red]error:[/red] {exc.detail}")
            raise typer.Exit(2) from None
        if workers > 1 and settings.database_url.startswith("sqlite"):
            # One SQLite file takes one writer at a time: several processes only add
            # lock waits (p99 in seconds). Scale out on PostgreSQL.
            err_console.print(
                "[red]error:[/red] --workers above 1 needs PostgreSQL; "
                "SQLite is served by one process"
            )
            raise typer.Exit(2)
        if workers == 1:
            from api.server import create_app

            try:
                application = create_app(settings)
            except LedgerError as exc:
                err_console.print(f"[red]error:[/red] {exc.detail}")
                raise typer.Exit(2) from None
            uvicorn.run(application, host=host, port=port, access_log=access_log)
            return
        uvicorn.run(
            "api.server:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=access_log,
        )
