"""The demo school: a small seeded run, read back from the ledger it wrote.

The plan alone, without a database: tests/unit/test_demo_plan.py.
"""

from __future__ import annotations

import io
import re
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from rich.console import Console
from typer.testing import CliRunner

from api.bootstrap import Ledger, build
from api.cli.demo.catalogue import SCHOOL_URN
from api.cli.demo.generate import plan_school
from api.cli.demo.plan import in_recorded_order
from api.cli.demo.runner import DemoOptions, DemoStats, LedgerNotEmpty, run_demo
from api.cli.demo.summary import print_summary
from api.cli.main import app as cli
from api.config import Settings
from ledger.domain.access import Actor
from ledger.domain.clock import SimulatedClock
from ledger.domain.identifiers import is_valid_uln, is_valid_upn
from ledger.domain.vocabulary import Role
from projections.rules import State
from projections.views import queries

TODAY = date(2025, 11, 20)  # a Thursday in the autumn term; fixed, so runs repeat
NOW = datetime(2025, 11, 20, 20, 0, tzinfo=UTC)
SEED = 7
STUDENTS = 40

pytestmark = pytest.mark.xdist_group("demo")  # one worker writes the module's school


@dataclass(frozen=True)
class Logged:
    student_id: UUID
    sequence: int
    kind: str
    occurred_on: date
    recorded_at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class School:
    ledger: Ledger
    stats: DemoStats
    log: list[Logged]
    database_url: str


def write_demo(
    database_url: str, key_file: Path, *, students: int = STUDENTS, seed: int = SEED
) -> School:
    clock = SimulatedClock(datetime(2000, 1, 1, tzinfo=UTC))
    settings = Settings(database_url=database_url, key_file=key_file, project_in_process=False)
    ledger = build(settings, clock, sole_writer=True)
    stats = run_demo(ledger, clock, DemoOptions(seed=seed, students=students, today=TODAY))
    return School(ledger, stats, read_log(ledger), database_url)


def read_log(ledger: Ledger) -> list[Logged]:
    decoded = (ledger.app.mapper.to_domain_event(n) for n in ledger.app.iter_notifications())
    return [
        Logged(e.originator_id, e.originator_version, e.KIND, e.occurred_on, e.timestamp, e.data)
        for e in decoded
    ]


def by_student(log: list[Logged]) -> dict[UUID, list[Logged]]:
    streams: dict[UUID, list[Logged]] = defaultdict(list)
    for event in log:
        streams[event.student_id].append(event)
    return streams


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[School]:
    folder = tmp_path_factory.mktemp("demo")
    written = write_demo(f"sqlite:///{folder / 'school.db'}", folder / "school.keys")
    yield written
    written.ledger.close()


def test_the_same_seed_writes_the_same_school_again(school: School, tmp_path: Path) -> None:
    again = write_demo(f"sqlite:///{tmp_path / 'again.db'}", tmp_path / "again.keys")
    try:

        def content(log: list[Logged]) -> list[tuple[Any, ...]]:
            return [(e.kind, e.occurred_on, e.recorded_at, e.data) for e in log]

        assert content(again.log) == content(school.log)
        assert again.stats.entries_by_kind == school.stats.entries_by_kind
    finally:
        again.ledger.close()


def test_every_students_chain_verifies_and_every_planned_event_was_written(school: School) -> None:
    report = school.ledger.service.verify()
    assert report.ok
    assert report.events == school.stats.events_written == len(school.log)
    assert dict(Counter(e.kind for e in school.log)) == school.stats.entries_by_kind


def test_every_year_group_from_7_to_13_is_on_roll_this_year(school: School) -> None:
    on_roll = set()
    for events in by_student(school.log).values():
        enrolled = [e for e in events if e.kind == "enrolment" and e.data["academic_year"] == 2025]
        left = [e for e in events if e.kind == "leaving"]
        if enrolled and not left:
            on_roll.add(enrolled[-1].data["year_group"])
    assert on_roll == set(range(7, 14))
    assert set(school.stats.roll_by_year_group) == set(range(7, 14))


def test_registrations_have_valid_identifiers_and_birthdays_that_fit_the_year_group(
    school: School,
) -> None:
    for events in by_student(school.log).values():
        registration, enrolments = events[0], [e for e in events if e.kind == "enrolment"]
        assert registration.kind == "registration"
        data = registration.data
        assert is_valid_upn(data["upn"])
        first = enrolments[0].data
        year7 = first["academic_year"] - (first["year_group"] - 7)
        born = date.fromisoformat(data["date_of_birth"])
        assert date(year7 - 12, 9, 1) <= born <= date(year7 - 11, 8, 31)
        reached_year_10 = max(e.data["year_group"] for e in enrolments) >= 10
        assert (data["uln"] is not None) == reached_year_10
        assert data["uln"] is None or is_valid_uln(data["uln"])


def test_nothing_is_recorded_before_it_happened_nor_more_than_a_fortnight_later(
    school: School,
) -> None:
    for events in by_student(school.log).values():
        assert [e.sequence for e in events] == list(range(1, len(events) + 1))
        recorded = [e.recorded_at for e in events]
        assert recorded == sorted(recorded)
        for event in events:
            assert event.occurred_on <= TODAY
            assert event.occurred_on <= event.recorded_at.date()
            assert event.recorded_at.date() - event.occurred_on <= timedelta(days=14)
            assert event.recorded_at <= NOW


def test_most_leavers_who_finished_year_11_or_13_have_destinations(school: School) -> None:
    leavers = with_destination = 0
    for events in by_student(school.log).values():
        finished = [e for e in events if e.kind == "leaving" and e.data["year_group"] in (11, 13)]
        if finished:
            leavers += 1
            with_destination += any(e.kind == "destination" for e in events)
    assert leavers >= 20
    assert with_destination / leavers >= 0.9


def test_a_few_entries_are_corrected_or_retracted_and_each_names_an_earlier_entry(
    school: School,
) -> None:
    amendments = [e for e in school.log if e.kind in {"correction", "retraction"}]
    assert {e.kind for e in amendments} == {"correction", "retraction"}
    assert len(amendments) < 0.02 * len(school.log)
    for amendment in amendments:
        assert amendment.data["amends_sequence"] < amendment.sequence


def test_the_benchmark_reports_show_every_state(school: School) -> None:
    seen: set[State] = set()
    for ruleset in ("gatsby-2014", "gatsby-2025"):
        report = queries.cohort_report(school.ledger.projections, ruleset=ruleset, as_of=TODAY)
        for summary in report.benchmarks:
            seen |= {state for state in State if summary.overall.count(state)}
    assert {State.MET, State.ON_TRACK, State.AT_RISK, State.NOT_MET} <= seen


@pytest.fixture(scope="module")
def larger_school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[School]:
    """200 pupils: enough for a pupil who left this term and sixth-formers who left in
    Year 12, where "on roll today" and "left in year X" would disagree with the reports."""
    folder = tmp_path_factory.mktemp("larger")
    written = write_demo(f"sqlite:///{folder / 'school.db'}", folder / "k.keys", students=200)
    yield written
    written.ledger.close()


def test_the_summary_counts_students_and_leavers_as_the_reports_do(larger_school: School) -> None:
    """One definition each (docs/projections.md, Cohorts and Destinations): students in
    the academic year, leavers since 1 September included; a leaver cohort is everyone on
    roll in Year 11 (or 13) that year."""
    school = larger_school
    out = io.StringIO()
    print_summary(school.ledger, school.stats, console=Console(file=out, width=200))
    printed = out.getvalue()
    assert "Students in 2025/26: everyone enrolled this academic year" in printed
    roll = printed.split("year group")[1].split("Events by kind")[0]
    by_year_group = {int(g): int(n) for g, n in re.findall(r"│ Year (\d+)\s+│ ([\d,]+)", roll)}
    total = int(re.findall(r"│ all\s+│ ([\d,]+)", roll)[0].replace(",", ""))
    leavers = sorted(
        (year, stage.strip(), int(n))
        for year, stage, n in re.findall(r"│ (\d{4}/\d\d) │ ([^│]+)│ (\d+)", printed)
    )

    reads = school.ledger.service.reads
    whole = reads.cohort_report(institution_id=SCHOOL_URN, as_of=TODAY)
    assert total == whole.students
    assert f"gatsby-2025: {whole.students:,} students" in printed
    expected = {
        g: reads.cohort_report(institution_id=SCHOOL_URN, as_of=TODAY, year_group=g).students
        for g in range(7, 14)
    }
    assert by_year_group == {g: n for g, n in expected.items() if n}
    assert sum(by_year_group.values()) == total
    report = reads.destinations_report(institution_id=SCHOOL_URN, as_of=TODAY)
    stages = {"ks4": "Year 11 leavers", "ks5": "Year 13 leavers"}
    assert leavers == sorted(
        (f"{c.leaving_year}/{(c.leaving_year + 1) % 100:02d}", stages[c.stage], c.students)
        for c in report.cohorts
    )
    assert leavers


def test_a_ledger_that_already_holds_events_is_refused_and_left_as_it_was(school: School) -> None:
    clock = SimulatedClock(NOW)
    with pytest.raises(LedgerNotEmpty):
        run_demo(school.ledger, clock, DemoOptions(seed=SEED, students=STUDENTS, today=TODAY))
    assert school.ledger.service.event_count() == school.stats.events_written


def test_the_demo_command_refuses_a_database_that_already_holds_events(school: School) -> None:
    result = CliRunner().invoke(
        cli, ["demo", "--database-url", school.database_url, "--today", TODAY.isoformat()]
    )
    assert result.exit_code == 1
    assert "already holds" in result.output
    assert "--database-url" in result.output
    assert school.ledger.service.event_count() == school.stats.events_written


def test_the_demo_command_writes_a_school_and_says_what_to_try_next(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    args = ["demo", "--database-url", url, "--students", "20", "--today", TODAY.isoformat()]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Students in 2025/26" in result.output
    assert "careers-ledger verify" in result.output
    assert url in result.output


def test_the_demo_command_refuses_a_today_in_the_future(tmp_path: Path) -> None:
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    url = f"sqlite:///{tmp_path / 'future.db'}"
    result = CliRunner().invoke(cli, ["demo", "--database-url", url, "--today", str(tomorrow)])
    assert result.exit_code == 2
    assert "--today" in result.output


def test_the_demo_writes_exactly_the_planned_school_on_either_backend(
    database_url: str, tmp_path: Path
) -> None:
    written = write_demo(database_url, tmp_path / "demo.keys", students=20)
    try:
        assert written.ledger.service.verify().ok
        planned = in_recorded_order(plan_school(SEED, 20, TODAY, NOW).streams)
        assert [(e.recorded_at, e.kind, e.occurred_on) for e in written.log] == [
            (moment, command.kind, command.payload["occurred_on"]) for moment, command in planned
        ]
    finally:
        written.ledger.close()


def sign_ins(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s*sign in as (\S+)\s+(clt_\S+)\s*$", output, re.MULTILINE))


def test_the_demo_command_creates_a_user_per_role_and_prints_how_to_sign_in(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'signin.db'}"
    args = ["demo", "--database-url", url, "--students", "20", "--today", TODAY.isoformat()]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "careers-ledger serve" in out
    assert "http://127.0.0.1:8000/" in out
    tokens = sign_ins(out)
    assert set(tokens) == {
        "adviser",
        "careers_leader",
        "student",
        "auditor",
        "data_protection_officer",
    }
    assert all(out.count(token) == 1 for token in tokens.values())  # printed once
    samples = {UUID(found) for found in re.findall(r"/students/([0-9a-f-]{36})", out)}
    assert len(samples) >= 3
    ledger = build(Settings(database_url=url, key_file=tmp_path / "signin.db.keys"))
    try:
        for role, token in tokens.items():
            actor = ledger.tokens.actor_for(token)
            assert actor is not None, role
            assert (actor.role.value, actor.institution_id) == (role, SCHOOL_URN)
        student = ledger.tokens.actor_for(tokens["student"])
        assert student is not None
        assert student.student_id in samples
        adviser = Actor("test", Role.ADVISER, SCHOOL_URN)
        assert all(ledger.service.version_of(sample, actor=adviser) > 1 for sample in samples)
    finally:
        ledger.close()


def test_the_demo_creates_no_users_in_production_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("INDEX_KEY", "MASTER_KEY", "SIGNING_KEY", "SESSION_KEY"):
        monkeypatch.setenv(f"CAREERS_LEDGER_{name}", secrets.token_hex(32))
    monkeypatch.setenv("CAREERS_LEDGER_LOG_ORIGIN", "demo.example-school.org.uk/ledger")
    monkeypatch.setenv("CAREERS_LEDGER_MODE", "production")
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    args = ["demo", "--database-url", url, "--students", "20", "--today", TODAY.isoformat()]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert sign_ins(result.output) == {}
    assert "clt_" not in result.output
    assert "production mode: no demo users" in " ".join(result.output.split())
    ledger = build(Settings(database_url=url))
    try:
        assert ledger.tokens.users() == []
    finally:
        ledger.close()
