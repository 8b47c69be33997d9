"""Tamper evidence: whoever edits the database directly is caught, and named.

Each story records two students, then changes stored rows the way someone
with database access could (bypassing the ledger), and expects verification
to name the student and the sequence number that no longer check out, and
nothing else.  The ``careers-ledger verify`` command says the same and fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from api.bootstrap import Ledger
from api.cli.main import app as cli
from api.config import Settings
from ledger.storage.recorders.postgres import LedgerPostgresRecorder
from tests import factories


@dataclass
class Students:
    amara: UUID  # 1 registration, 2 guidance interview, 3 employer encounter, 4 destination
    bilal: UUID  # 1 registration, 2 workplace experience


@pytest.fixture
def students(ledger: Ledger) -> Students:
    service = ledger.service
    amara = service.register_student(factories.registration()).student_id
    service.record(amara, "guidance_interview", factories.guidance_interview())
    service.record(amara, "employer_encounter", factories.employer_encounter())
    service.record(amara, "destination", factories.destination())
    bilal = service.register_student(factories.registration(given_name="Bilal")).student_id
    service.record(bilal, "workplace_experience", factories.workplace_experience())
    return Students(amara, bilal)


class Tables:
    """The stored rows, reached directly: SQLite ``stored_events``, PostgreSQL
    ``<schema>.careersledger_events``, and the chain table beside them."""

    def __init__(self, ledger: Ledger) -> None:
        recorder = ledger.app.ledger_recorder
        self.run = recorder.execute_raw
        self.chain = recorder.chain_table
        if isinstance(recorder, LedgerPostgresRecorder):
            self.events = f'"{recorder.datastore.schema}".{recorder.events_table_name}'
            self.mark = "%s"
            self.key: Callable[[UUID], Any] = lambda student_id: student_id
        else:
            self.events = recorder.events_table_name
            self.mark = "?"
            self.key = lambda student_id: student_id.hex

    def _where(self) -> str:
        return f"WHERE originator_id = {self.mark} AND originator_version = {self.mark}"

    def state(self, student_id: UUID, sequence: int) -> bytes:
        rows = self.run(
            f"SELECT state FROM {self.events} {self._where()}", (self.key(student_id), sequence)
        )
        return bytes(rows[0]["state"])

    def set(self, student_id: UUID, sequence: int, column: str, value: Any) -> None:
        self.run(
            f"UPDATE {self.events} SET {column} = {self.mark} {self._where()}",
            (value, self.key(student_id), sequence),
        )

    def delete_event(self, student_id: UUID, sequence: int) -> None:
        self.run(f"DELETE FROM {self.events} {self._where()}", (self.key(student_id), sequence))

    def delete_link(self, student_id: UUID, sequence: int) -> None:
        self.run(f"DELETE FROM {self.chain} {self._where()}", (self.key(student_id), sequence))

    def insert_event(self, student_id: UUID, sequence: int, topic: str, state: bytes) -> None:
        m = self.mark
        self.run(
            f"INSERT INTO {self.events} (originator_id, originator_version, topic, state) "
            f"VALUES ({m}, {m}, {m}, {m})",
            (self.key(student_id), sequence, topic, state),
        )


@pytest.fixture
def tables(ledger: Ledger) -> Tables:
    return Tables(ledger)


def failures(ledger: Ledger, *, full: bool = True) -> set[tuple[str, int]]:
    report = ledger.service.verify(full=full)
    return {(f.student_id, f.sequence) for f in report.failures}


def test_an_untouched_ledger_verifies_with_and_without_keys(
    ledger: Ledger, students: Students
) -> None:
    for full in (True, False):
        report = ledger.service.verify(full=full)
        assert report.ok
        assert (report.streams, report.events) == (2, 6)


@pytest.mark.parametrize("full", [True, False], ids=["with-keys", "keyless"])
def test_one_flipped_byte_in_a_stored_event_names_its_student_and_sequence(
    ledger: Ledger, students: Students, tables: Tables, full: bool
) -> None:
    state = bytearray(tables.state(students.amara, 2))
    state[len(state) // 2] ^= 0x01
    tables.set(students.amara, 2, "state", bytes(state))
    assert failures(ledger, full=full) == {(str(students.amara), 2)}


def test_a_deleted_middle_event_is_named(
    ledger: Ledger, students: Students, tables: Tables
) -> None:
    tables.delete_event(students.amara, 2)
    report = ledger.service.verify()
    assert {(f.student_id, f.sequence) for f in report.failures} == {(str(students.amara), 2)}
    assert "missing" in report.failures[0].problem


def test_a_deleted_last_event_is_named(ledger: Ledger, students: Students, tables: Tables) -> None:
    tables.delete_event(students.amara, 4)
    assert failures(ledger) == {(str(students.amara), 4)}


def test_a_deleted_chain_link_is_named(ledger: Ledger, students: Students, tables: Tables) -> None:
    tables.delete_link(students.amara, 2)
    named = failures(ledger)
    assert (str(students.amara), 2) in named
    assert all(student == str(students.amara) for student, _ in named)


def test_an_event_slipped_in_without_a_link_is_named(
    ledger: Ledger, students: Students, tables: Tables
) -> None:
    copied = tables.state(students.bilal, 2)
    tables.insert_event(students.bilal, 3, "careers-ledger/WorkplaceExperienceRecorded/v1", copied)
    assert failures(ledger, full=False) == {(str(students.bilal), 3)}


def test_a_changed_event_type_is_named(ledger: Ledger, students: Students, tables: Tables) -> None:
    tables.set(students.amara, 3, "topic", "careers-ledger/GuidanceInterviewRecorded/v1")
    assert failures(ledger) == {(str(students.amara), 3)}


def test_two_events_with_their_contents_swapped_are_both_named(
    ledger: Ledger, students: Students, tables: Tables
) -> None:
    second, third = tables.state(students.amara, 2), tables.state(students.amara, 3)
    tables.set(students.amara, 2, "state", third)
    tables.set(students.amara, 3, "state", second)
    assert failures(ledger) == {(str(students.amara), 2), (str(students.amara), 3)}


def run_verify_command(settings: Settings) -> Any:
    env = {
        "CAREERS_LEDGER_DATABASE_URL": settings.database_url,
        "CAREERS_LEDGER_KEY_FILE": str(settings.key_file),
        "COLUMNS": "80",  # a CI log or a pipe: the narrowest usual width
    }
    return CliRunner().invoke(cli, ["verify"], env=env)


def test_the_verify_command_passes_an_untouched_ledger(
    ledger: Ledger, settings: Settings, students: Students
) -> None:
    result = run_verify_command(settings)
    assert result.exit_code == 0, result.output
    assert "6 events in 2 student streams verify" in result.output


def test_the_verify_command_fails_and_names_the_tampered_student_and_sequence(
    ledger: Ledger, settings: Settings, students: Students, tables: Tables
) -> None:
    state = bytearray(tables.state(students.amara, 3))
    state[-1] ^= 0xFF
    tables.set(students.amara, 3, "state", bytes(state))

    result = run_verify_command(settings)

    assert result.exit_code == 1
    failing_rows = [line for line in result.output.splitlines() if str(students.amara) in line]
    assert len(failing_rows) == 1
    assert " 3 " in failing_rows[0]
    assert str(students.bilal) not in result.output
