"""The tables a person reads in a terminal: the pages' words, whole headers, 80 columns.

A small demo school, then ``report benchmarks``, ``report destinations`` and ``users list``
as a new user runs them in an 80-column terminal.  CSV keeps the machine keys.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from api.cli.console import console
from api.cli.main import app as cli

TODAY = "2025-11-20"
# A rule set's part keys (by_16_y7_9, records_integrated, y7, ks3) or any snake_case name.
INTERNAL_NAME = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\b(?:y|ks)\d+(?:_\d+)?\b")
# A minus zero standing on its own (not the "-02" of a date).
MINUS_ZERO = re.compile(r"(?<![\w./-])-0(?![\d.])")

pytestmark = pytest.mark.xdist_group("demo")


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('narrow') / 'school.db'}"
    written = invoke(["demo", "--database-url", url, "--students", "80", "--today", TODAY])
    assert written.exit_code == 0, written.output
    return url


def invoke(args: list[str], columns: int = 80) -> Result:
    """Run a command as in a terminal ``columns`` wide (rich reads COLUMNS only when the
    CLI's console is made, at import, so the width is set on the console itself)."""
    saved = console._width
    console.width = columns
    try:
        return CliRunner().invoke(cli, args, env={"COLUMNS": str(columns)})
    finally:
        console._width = saved


def run(*args: str, columns: int = 80) -> str:
    shown = invoke(list(args), columns)
    assert shown.exit_code == 0, shown.output
    return shown.stdout


def assert_readable_at_80(out: str) -> None:
    assert out.strip()
    too_long = [line for line in out.splitlines() if len(line) > 80]
    assert too_long == []
    assert "…" not in out  # no header or cell cut short with an ellipsis
    assert INTERNAL_NAME.findall(out) == []
    assert MINUS_ZERO.findall(out) == []


@pytest.mark.parametrize(
    "command",
    [
        ["report", "benchmarks"],
        ["report", "benchmarks", "--ruleset", "gatsby-2014"],
        ["report", "destinations"],
    ],
)
def test_reports_use_the_pages_words_and_fit_80_columns(
    database_url: str, command: list[str]
) -> None:
    out = run(*command, "--database-url", database_url, "--as-of", TODAY)
    assert_readable_at_80(out)


def test_the_benchmark_report_names_parts_and_states_as_the_pages_do(database_url: str) -> None:
    out = run("report", "benchmarks", "--database-url", database_url, "--as-of", TODAY, columns=200)
    for words in ("Does not apply", "On track", "Records integrated", "By 16, Years 7-9"):
        assert words in out


def test_the_destinations_report_shows_whole_headers(database_url: str) -> None:
    out = run("report", "destinations", "--database-url", database_url, "--as-of", TODAY)
    for header in ("Sustained", "sustained", "captured", "Unknown", "NEET"):
        assert re.search(rf"[┃│] {header}\s", out), header


def test_the_csv_keeps_the_stable_machine_keys(database_url: str) -> None:
    out = run("report", "benchmarks", "--database-url", database_url, "--format", "csv")
    assert ",by_16_y7_9,not_applicable," in out


def test_the_user_list_fits_80_columns_with_every_id_whole(database_url: str) -> None:
    out = run("users", "list", "--database-url", database_url)
    assert [line for line in out.splitlines() if len(line) > 80] == []
    assert "…" not in out
    ids = re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", out)
    assert len(ids) >= 6  # five users and the student user's student
    roles = re.findall(r"│ (Auditor|Student|Careers|Data) ", out)
    assert set(roles) == {"Auditor", "Student", "Careers", "Data"}  # role labels, wrapped
    assert "careers_leader" not in out


def test_a_gap_that_rounds_to_nothing_is_zero() -> None:
    from api.cli.report_tables import whole_points

    assert [whole_points(v) for v in (-0.4, 0.4, -0.6, 2.5, -12.2)] == ["0", "0", "-1", "+2", "-12"]


def test_the_demo_summary_fits_80_columns_too(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'summary.db'}"
    shown = invoke(["demo", "--database-url", url, "--students", "20", "--today", TODAY])
    assert shown.exit_code == 0, shown.output
    tables = shown.stdout.split("Planned the school")[0]  # then paths, commands and tokens
    assert_readable_at_80(tables)
