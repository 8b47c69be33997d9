"""The report commands refuse an --as-of or --known-at outside the date window, naming it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from api.bootstrap import Ledger
from api.cli.main import app as cli
from api.config import Settings


@pytest.fixture
def runner(settings: Settings, ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CAREERS_LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CAREERS_LEDGER_KEY_FILE", str(settings.resolved_key_file()))
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


@pytest.mark.parametrize("command", ["benchmarks", "destinations"])
@pytest.mark.parametrize(
    ("option", "name", "value"),
    [("--known-at", "known_at", "9999-12-31"), ("--as-of", "as_of", "0001-01-01")],
)
def test_a_report_day_outside_the_window_is_refused_naming_the_option(
    runner: CliRunner, command: str, option: str, name: str, value: str
) -> None:
    refused = runner.invoke(cli, ["report", command, option, value])
    assert refused.exit_code == 2, refused.output
    assert f"{name}: must be from 1990-01-01" in refused.output
    assert "Traceback" not in refused.output
