"""Retention: records are erased when due, never while held or enrolled (simulated years)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from typer.testing import CliRunner

from api.bootstrap import Ledger
from api.cli.main import app as cli
from api.config import Settings
from ledger.domain.access import Actor
from ledger.domain.clock import SimulatedClock
from ledger.domain.errors import Forbidden, StudentErased
from ledger.domain.retention import RetentionReason, add_years
from ledger.domain.vocabulary import Role
from tests import factories


def on(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=2, tzinfo=UTC)


def pupil(
    ledger: Ledger,
    *,
    born: str,
    enrolled: str,
    left: str | None,
    institution: str = "100001",
    year_group: int = 7,
) -> UUID:
    service = ledger.service
    student = service.register_student(
        factories.registration(occurred_on=enrolled, date_of_birth=born)
    ).student_id
    service.record(
        student,
        "enrolment",
        factories.enrolment(
            occurred_on=enrolled,
            institution_id=institution,
            year_group=year_group,
            academic_year=int(enrolled[:4]),
        ),
    )
    if left is not None:
        service.record(
            student,
            "leaving",
            factories.leaving(occurred_on=left, institution_id=institution, year_group=11),
        )
    return student


def test_a_pupils_record_is_erased_on_their_25th_birthday_and_not_a_day_before(
    ledger: Ledger, clock: SimulatedClock
) -> None:
    student = pupil(ledger, born="2008-05-20", enrolled="2019-09-02", left="2024-07-20")
    clock.set(on("2033-05-19"))
    early = ledger.service.run_retention(dry_run=False)
    assert early.erased == []
    assert ledger.service.history(student).entries
    clock.set(on("2033-05-20"))
    run = ledger.service.run_retention(dry_run=False)
    assert [(i.student_id, i.reason) for i in run.erased] == [
        (student, RetentionReason.RECORD_PERIOD_ENDED)
    ]
    with pytest.raises(StudentErased):
        ledger.service.history(student)
    erasure = list(ledger.app.events.get(student))[-1]
    assert erasure.data == {"reason": "retention"}
    assert erasure.timestamp == on("2033-05-20")
    assert ledger.service.verify().ok


def test_a_late_leavers_destinations_are_kept_three_years_after_leaving(
    ledger: Ledger, clock: SimulatedClock
) -> None:
    # A college learner who left at 29: date of birth + 25 passed long ago.
    student = pupil(
        ledger, born="1995-03-01", enrolled="2023-09-04", left="2024-12-20", year_group=13
    )
    ledger.service.record(student, "destination", factories.destination(occurred_on="2025-01-06"))
    clock.set(on("2027-12-19"))
    assert ledger.service.run_retention(dry_run=False).erased == []
    clock.set(on("2027-12-20"))
    run = ledger.service.run_retention(dry_run=False)
    assert [(i.student_id, i.reason) for i in run.erased] == [
        (student, RetentionReason.DESTINATION_PERIOD_ENDED)
    ]


def test_a_student_still_enrolled_is_kept_past_the_period_and_reported(
    ledger: Ledger, clock: SimulatedClock
) -> None:
    student = pupil(ledger, born="1995-03-01", enrolled="2024-09-02", left=None, year_group=13)
    clock.set(on("2030-01-01"))
    run = ledger.service.run_retention(dry_run=False)
    assert run.erased == []
    assert run.still_enrolled == [student]


def test_a_legal_hold_is_skipped_and_reported_until_it_is_lifted(
    ledger: Ledger, clock: SimulatedClock
) -> None:
    held = pupil(ledger, born="2008-05-20", enrolled="2019-09-02", left="2024-07-20")
    free = pupil(ledger, born="2008-06-01", enrolled="2019-09-02", left="2024-07-20")
    ledger.service.place_legal_hold(held, "inquiry 2031/4")
    clock.set(on("2034-01-01"))
    run = ledger.service.run_retention(dry_run=False)
    assert [i.student_id for i in run.erased] == [free]
    assert run.held == [held]
    assert ledger.service.history(held).entries
    clock.set(on("2035-01-01"))
    ledger.service.lift_legal_hold(held, "inquiry closed")
    again = ledger.service.run_retention(dry_run=False)
    assert [i.student_id for i in again.erased] == [held]
    assert again.held == []


def test_a_dry_run_lists_ids_and_reasons_and_erases_nothing(
    ledger: Ledger, clock: SimulatedClock
) -> None:
    due = pupil(ledger, born="2008-05-20", enrolled="2019-09-02", left="2024-07-20")
    pupil(ledger, born="2010-05-20", enrolled="2021-09-02", left=None)
    clock.set(on("2034-01-01"))
    events = ledger.service.event_count()
    run = ledger.service.run_retention(dry_run=True)
    assert run.dry_run
    assert [(i.student_id, i.reason) for i in run.due] == [
        (due, RetentionReason.RECORD_PERIOD_ENDED)
    ]
    assert run.erased == []
    assert ledger.service.event_count() == events


def test_a_corrected_date_of_birth_moves_the_due_date(
    ledger: Ledger, clock: SimulatedClock
) -> None:
    student = pupil(ledger, born="2008-05-20", enrolled="2019-09-02", left="2024-07-20")
    ledger.service.correct(student, 1, {"date_of_birth": "2009-05-20"}, reason="MIS typo")
    clock.set(on("2033-06-01"))
    assert ledger.service.run_retention(dry_run=True).due == []
    clock.set(on("2034-05-20"))
    assert [i.student_id for i in ledger.service.run_retention(dry_run=True).due] == [student]


def test_a_data_protection_officer_runs_retention_for_their_own_institution_only(
    ledger: Ledger, clock: SimulatedClock
) -> None:
    mine = pupil(ledger, born="2008-05-20", enrolled="2019-09-02", left="2024-07-20")
    theirs = pupil(
        ledger, born="2008-05-20", enrolled="2019-09-02", left="2024-07-20", institution="100002"
    )
    clock.set(on("2034-01-01"))
    officer = Actor("dpo-1", Role.DATA_PROTECTION_OFFICER, "100001")
    run = ledger.service.run_retention(dry_run=False, actor=officer)
    assert [i.student_id for i in run.erased] == [mine]
    assert ledger.service.history(theirs).entries
    with pytest.raises(Forbidden):
        ledger.service.run_retention(dry_run=True, actor=Actor("a-1", Role.ADVISER, "100001"))


def test_a_29_february_birthday_counts_from_1_march_in_other_years() -> None:
    assert add_years(date(2008, 2, 29), 25) == date(2033, 3, 1)
    assert add_years(date(2008, 2, 29), 24) == date(2032, 2, 29)
    assert add_years(date(2008, 5, 20), 25) == date(2033, 5, 20)


def test_the_retention_command_lists_what_is_due_without_names(
    ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command runs on the real clock: this pupil turned 25 in 2020.
    student = pupil(ledger, born="1995-03-01", enrolled="2006-09-04", left="2011-07-20")
    monkeypatch.setenv("CAREERS_LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CAREERS_LEDGER_KEY_FILE", str(settings.resolved_key_file()))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    dry = runner.invoke(cli, ["retention", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert str(student) in dry.output
    assert "record_period_ended" in dry.output
    assert "Okafor" not in dry.output
    assert "1995-03-01" not in dry.output
    assert ledger.service.history(student).entries
    done = runner.invoke(cli, ["retention"])
    assert done.exit_code == 0, done.output
    assert "1 erased" in done.output
    with pytest.raises(StudentErased):
        ledger.service.history(student)
