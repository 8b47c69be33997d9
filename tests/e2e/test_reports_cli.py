"""The reporting commands: tables for people, CSV for spreadsheets, clear refusals."""

from __future__ import annotations

import csv
import io

import pytest
from typer.testing import CliRunner

from api.bootstrap import Ledger
from api.cli.main import app as cli
from api.config import Settings
from tests import factories


@pytest.fixture
def runner(settings: Settings, ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CAREERS_LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CAREERS_LEDGER_KEY_FILE", str(settings.resolved_key_file()))
    monkeypatch.setenv("COLUMNS", "200")
    service = ledger.service
    for fsm in (True, False):
        student = service.register_student(
            factories.registration(characteristics={"gender": "male", "fsm": fsm})
        ).student_id
        service.record(student, "enrolment", factories.enrolment())
        service.record(student, "employer_encounter", factories.employer_encounter())
    return CliRunner()


def test_the_benchmark_table_names_each_benchmark_on_its_own_row(runner: CliRunner) -> None:
    shown = runner.invoke(
        cli,
        [
            "report",
            "benchmarks",
            "--institution",
            "100001",
            "--year-group",
            "9",
            "--as-of",
            "2025-01-10",
        ],
    )
    assert shown.exit_code == 0, shown.output
    assert "gatsby-2025: 2 students, institution 100001, 2024/25, Year 9" in " ".join(
        shown.stdout.split()
    )
    rows = [line.split("│")[1].strip() for line in shown.stdout.splitlines() if "│ BM" in line]
    assert rows[:7] == ["BM2", "BM3", "BM4", "BM5", "BM6", "BM7", "BM8"]
    assert "│ PAL" in shown.stdout


def test_the_csv_has_a_row_per_state_and_per_group(runner: CliRunner) -> None:
    shown = runner.invoke(
        cli,
        [
            "report",
            "benchmarks",
            "--ruleset",
            "gatsby-2014",
            "--as-of",
            "2025-01-10",
            "--format",
            "csv",
        ],
    )
    assert shown.exit_code == 0, shown.output
    rows = list(csv.DictReader(io.StringIO(shown.stdout)))
    met = [r for r in rows if (r["benchmark"], r["part"], r["state"]) == ("BM5", "y9", "met")]
    assert met[0]["students"] == "2"
    assert met[0]["ruleset"] == "gatsby-2014"
    gaps = [r for r in rows if r["benchmark"] == "BM5" and r["characteristic"] == "fsm"]
    assert {r["group"] for r in gaps} == {"yes", "no"}


@pytest.mark.parametrize("command", ["benchmarks", "destinations"])
def test_report_dates_read_day_first_as_the_csv_import_does(
    runner: CliRunner, command: str
) -> None:
    def report(as_of: str, known_at: str) -> str:
        shown = runner.invoke(
            cli,
            ["report", command, "--as-of", as_of, "--known-at", known_at, "--format", "csv"],
        )
        assert shown.exit_code == 0, shown.output
        return shown.stdout

    uk = report("10/01/2025", "9/1/2025")
    assert uk == report("2025-01-10", "2025-01-09")
    if command == "benchmarks":
        rows = list(csv.DictReader(io.StringIO(uk)))
        assert {(r["as_of"], r["known_at"]) for r in rows} == {("2025-01-10", "2025-01-09")}


def test_a_known_at_report_replays_what_the_ledger_knew(runner: CliRunner) -> None:
    before = runner.invoke(
        cli, ["report", "benchmarks", "--known-at", "2025-01-09", "--format", "csv"]
    )
    assert before.exit_code == 0, before.output
    rows = list(csv.DictReader(io.StringIO(before.stdout)))
    assert {r["known_at"] for r in rows} == {"2025-01-09"}
    assert (
        sum(
            int(r["students"])
            for r in rows
            if r["part"] == "overall" and r["state"] and r["benchmark"] == "BM2"
        )
        == 0
    )


def test_the_destinations_report_says_when_there_are_no_leavers_yet(runner: CliRunner) -> None:
    shown = runner.invoke(cli, ["report", "destinations", "--year-group", "11"])
    assert shown.exit_code == 0, shown.output
    assert "No leaver cohorts yet" in shown.stdout


def test_bad_options_are_refused_naming_the_option(runner: CliRunner) -> None:
    unknown = runner.invoke(cli, ["report", "benchmarks", "--ruleset", "gatsby-2030"])
    assert unknown.exit_code == 2
    assert "ruleset: is not a known rule set" in unknown.output
    wrong_year = runner.invoke(cli, ["report", "destinations", "--year-group", "12"])
    assert wrong_year.exit_code == 2
    assert "--year-group" in wrong_year.output
    not_a_date = runner.invoke(cli, ["report", "benchmarks", "--as-of", "01/13/2025"])
    assert not_a_date.exit_code == 2
    assert "--as-of" in not_a_date.output
    assert "is not a real calendar date" in " ".join(not_a_date.output.split())


def test_rebuild_and_project_report_the_positions(runner: CliRunner) -> None:
    rebuilt = runner.invoke(cli, ["rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rebuilt student_facts, timeline from 6 events" in rebuilt.stdout
    status = runner.invoke(cli, ["project", "--status"])
    assert status.exit_code == 0, status.output
    assert "log head: 6" in status.stdout
    assert "student_facts │ 6" in status.stdout
    refused = runner.invoke(cli, ["rebuild", "--only", "nonsense"])
    assert refused.exit_code == 2
