"""What a new user meets in the first hour at the command line: clear refusals, not surprises."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner, Result

from api.cli.commands.common import parse_day
from api.cli.main import app as cli

DATE_FORMS = "DD/MM/YYYY or YYYY-MM-DD"


def said(result: Result) -> str:
    """What the command printed, with rich's line wrapping and box drawing undone."""
    return " ".join(result.output.replace("│", " ").split())


def test_a_pdf_export_without_output_is_refused_before_writing_binary_to_the_terminal(
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "export",
            "00000000-0000-0000-0000-000000000001",
            "--format",
            "pdf",
            "--database-url",
            f"sqlite:///{tmp_path / 'never-opened.db'}",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "--format pdf needs --output FILE" in said(result)
    assert not (tmp_path / "never-opened.db").exists()


def test_verify_export_of_a_missing_bundle_says_the_bundle_is_missing(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-bundle.json"
    for extra in ([], ["--public-key", "example.org+1234abcd+AAAA"]):
        result = CliRunner().invoke(cli, ["verify-export", str(missing), *extra])
        assert result.exit_code == 2, result.output
        assert "does not exist" in said(result), said(result)
        assert "public-key" not in said(result).lower(), said(result)


def _options(command: Any, path: str = "") -> list[tuple[str, Any]]:
    found = [(f"{path}{p.name}", p) for p in command.params]
    for name, sub in getattr(command, "commands", {}).items():
        found += _options(sub, f"{path}{name} ")
    return found


def test_every_cli_date_option_reads_one_format_set_and_says_which_in_its_help() -> None:
    options = _options(typer.main.get_command(cli))
    dated = {
        name: p
        for name, p in options
        if p.type_descriptor.annotation in (date, datetime) or p.metavar == "DATE"
    }
    assert {
        "demo today",
        "report benchmarks as_of",
        "report benchmarks known_at",
        "report destinations as_of",
        "report destinations known_at",
    } <= set(dated)
    for name, param in dated.items():
        assert param.type_descriptor.parameter_info.parser is parse_day, name
        assert param.metavar == "DATE", name
        assert DATE_FORMS in (param.help or ""), name


def test_demo_today_reads_day_first_and_refuses_an_impossible_date(tmp_path: Path) -> None:
    database = ["--database-url", f"sqlite:///{tmp_path / 'demo.db'}"]
    future = CliRunner().invoke(cli, ["demo", "--today", "01/09/2999", *database])
    assert future.exit_code == 2, future.output
    assert "--today: must not be after the real date" in said(future)
    impossible = CliRunner().invoke(cli, ["demo", "--today", "31/02/2025", *database])
    assert impossible.exit_code == 2, impossible.output
    assert "is not a real calendar date" in said(impossible)
    assert not (tmp_path / "demo.db").exists()
