"""The command line a data manager runs: import-csv, trust and import-record."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from api.bootstrap import Ledger
from api.cli.main import app as cli
from tests import factories

DATA = Path(__file__).parents[1] / "data" / "mis"


def said(result: Result) -> str:
    """What the command printed, with rich's line wrapping undone."""
    return " ".join(result.output.split())


@pytest.fixture
def runner(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CAREERS_LEDGER_DATABASE_URL", ledger.settings.database_url)
    monkeypatch.setenv("CAREERS_LEDGER_KEY_FILE", str(ledger.settings.key_file))
    return CliRunner()


def test_a_dry_run_prints_what_would_happen_and_writes_nothing(
    runner: CliRunner, ledger: Ledger
) -> None:
    result = runner.invoke(
        cli,
        [
            "import-csv",
            "students",
            str(DATA / "students-sims.csv"),
            "--dry-run",
            "--institution",
            "100001",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "4 rows: 4 would import, 0 rejected" in said(result)
    assert "dry run: nothing was written" in said(result)
    assert ledger.service.event_count() == 0


def test_rejected_rows_go_to_a_file_beside_the_input_and_the_exit_code_says_so(
    runner: CliRunner, ledger: Ledger, tmp_path: Path
) -> None:
    source = tmp_path / "students.csv"
    good = factories.fresh_upn()
    source.write_text(
        "UPN,Surname,Forename,DOB\r\n"
        f"{good},Okafor,Amara,14/03/2011\r\n"
        f"{good[:-1]}X,Hughes,Callum,21/01/2010\r\n",
        "utf-8",
    )
    result = runner.invoke(cli, ["import-csv", "students", str(source)])
    assert result.exit_code == 1
    assert "1 imported" in said(result)
    rejected = tmp_path / "students.rejected.csv"
    rows = list(csv.reader(io.StringIO(rejected.read_text("utf-8-sig"))))
    assert rows[0] == ["UPN", "Surname", "Forename", "DOB", "Import Row", "Import Errors"]
    assert rows[1][4] == "3"
    assert rows[1][5].startswith("UPN: ")
    again = runner.invoke(cli, ["import-csv", "students", str(source)])
    assert "1 already in the ledger" in said(again)
    assert ledger.service.event_count() == 1


def test_a_refused_file_exits_2_with_the_reason(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "students.csv"
    source.write_bytes("UPN,Surname,Forename,DOB\r\nx,Nowak,Zoë,1\r\n".encode("cp1252"))
    result = runner.invoke(cli, ["import-csv", "students", str(source)])
    assert result.exit_code == 2
    assert "is not UTF-8" in said(result)


def test_an_unknown_kind_exits_2(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["import-csv", "pupils", str(DATA / "students-sims.csv")])
    assert result.exit_code == 2


def test_trust_then_import_a_record_from_another_ledger(
    runner: CliRunner, ledger: Ledger, tmp_path: Path
) -> None:
    key = tmp_path / "school.vkey"
    key.write_text(runner.invoke(cli, ["checkpoint", "--public-key"]).stdout)
    origin = key.read_text().split("+", 1)[0]
    amara = ledger.service.register_student(factories.registration()).student_id
    ledger.service.record(amara, "guidance_interview", factories.guidance_interview())
    bundle = tmp_path / "amara.json"
    exported = runner.invoke(cli, ["export", str(amara), "--output", str(bundle)])
    assert exported.exit_code == 0, exported.output
    college = [
        "--database-url",
        f"sqlite:///{tmp_path / 'college.db'}",
    ]
    env = {"CAREERS_LEDGER_KEY_FILE": str(tmp_path / "college.keys")}
    untrusted = runner.invoke(cli, ["import-record", str(bundle), *college], env=env)
    assert untrusted.exit_code == 2
    assert "is not trusted here" in said(untrusted)
    added = runner.invoke(cli, ["trust", "add", origin, str(key), *college], env=env)
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["trust", "list", *college], env=env)
    assert "key id" in said(listed)
    imported = runner.invoke(
        cli, ["import-record", str(bundle), "--institution", "100002", *college], env=env
    )
    assert imported.exit_code == 0, imported.output
    assert "imported 2 entries into a new student" in said(imported)
    removed = runner.invoke(cli, ["trust", "remove", origin, *college], env=env)
    assert removed.exit_code == 0
