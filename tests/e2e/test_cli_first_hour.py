"""What a new user meets in the first hour at the command line: clear refusals, not surprises."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from api.cli.main import app as cli


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
