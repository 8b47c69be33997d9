"""The command line starts without the ledger's heavy libraries (speed: bench/cli_startup.py).

``careers-ledger --help`` should cost little more than typer and rich, so each
command imports the database, web, PDF and read-side code it needs when it
runs, not when the CLI is built.  These checks count imported modules in a
fresh interpreter; they never time anything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = frozenset(
    {
        "sqlalchemy",
        "fastapi",
        "fpdf",
        "psycopg",
        "eventsourcing",
        "uvicorn",
        "starlette",
        "projections",
        "jinja2",
        "pydantic_settings",
    }
)
# The ledger's own layers below the CLI: opened by a command, never by building the CLI.
OWN_LAYERS = ("ledger.service", "ledger.storage", "api.bootstrap", "api.config", "api.render")


def imported_after(code: str) -> list[str]:
    """Every module in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def heavy(modules: list[str]) -> list[str]:
    return [
        m
        for m in modules
        if m.split(".")[0] in HEAVY or any(m == o or m.startswith(o + ".") for o in OWN_LAYERS)
    ]


def test_importing_the_cli_imports_no_heavy_library() -> None:
    modules = imported_after("import api.cli.main")
    assert "api.cli.main" in modules
    assert heavy(modules) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["verify", "--help"],
        ["export", "--help"],
        ["report", "benchmarks", "--help"],
        ["demo", "--help"],
        ["serve", "--help"],
    ],
    ids=" ".join,
)
def test_help_imports_no_heavy_library(argv: list[str]) -> None:
    code = (
        "import contextlib, io\n"
        "from api.cli.main import app\n"
        "shown = io.StringIO()\n"
        "try:\n"
        "    with contextlib.redirect_stdout(shown):\n"
        f"        app({argv!r}, prog_name='careers-ledger')\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, (exc.code, shown.getvalue())\n"
        "assert 'Usage' in shown.getvalue(), shown.getvalue()"
    )
    modules = imported_after(code)
    assert heavy(modules) == []


def test_a_check_on_the_heavy_list_sees_an_import() -> None:
    """The scan is not vacuous: opening a ledger's composition root brings the ORM."""
    assert "sqlalchemy" in {m.split(".")[0] for m in heavy(imported_after("import api.bootstrap"))}


def test_defaults_shown_in_help_match_the_code_that_uses_them() -> None:
    """--help shows these without importing their sources, so they are copies: kept equal."""
    from api.cli.commands import export, reports
    from api.render import RENDERERS
    from ledger.service.export import DEFAULT_CONSISTENCY_LIMIT
    from ledger.service.reads import DEFAULT_RULESET

    assert tuple(RENDERERS) == export.FORMATS
    assert DEFAULT_CONSISTENCY_LIMIT == export.DEFAULT_CONSISTENCY_LIMIT
    assert DEFAULT_RULESET == reports.DEFAULT_RULESET
