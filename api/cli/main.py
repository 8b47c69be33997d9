"""The ``careers-ledger`` command line (typer + rich)."""

from __future__ import annotations

import typer

from api.cli.commands import (
    demo,
    evidence,
    export,
    imports,
    privacy,
    project,
    reports,
    serve,
    users,
    verify,
)

app = typer.Typer(
    name="careers-ledger",
    help="Careers Ledger: an event-sourced, verifiable record of careers education.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root() -> None:
    """Careers Ledger: an event-sourced, verifiable record of careers education."""


for module in (verify, users, serve, evidence, export, imports, privacy, demo, reports, project):
    module.register(app)


def main() -> None:
    app()
