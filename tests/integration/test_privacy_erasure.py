"""Erasure by crypto-shredding: the key goes, every stored byte and every chain stays."""

from __future__ import annotations

import logging
import uuid

import pytest
from typer.testing import CliRunner

from api.bootstrap import Ledger
from api.cli.main import app as cli
from api.config import Settings
from ledger.domain.errors import LegalHoldActive, StudentErased, StudentNotFound
from ledger.domain.events import (
    EntryCorrected,
    GuidanceInterviewRecorded,
    StudentEnrolled,
    StudentRegistered,
    is_erased_placeholder,
)
from tests import factories
from tests.integration.canaries import (
    database_bytes,
    find,
    seed_student_with_canaries,
    text_needles,
)


def test_an_erased_students_canaries_and_key_are_nowhere_at_rest_and_every_chain_still_verifies(
    ledger: Ledger, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    erased = seed_student_with_canaries(ledger)
    kept = seed_student_with_canaries(ledger)
    assert len(erased.canaries) >= 20
    _, dek = ledger.app.keyring.current(erased.student_id)
    [key_row] = ledger.app.ledger_recorder.select_keys(erased.student_id)
    assert key_row.wrapped_dek is not None
    secrets_of_erased = {
        **text_needles(erased.canaries),
        "data key": [dek],
        "wrapped data key": [key_row.wrapped_dek],
    }
    seeded = ledger.service.history(erased.student_id).entries
    assert seeded[0].data["family_name"] in erased.canaries

    ledger.service.erase(erased.student_id, "request")

    at_rest = database_bytes(settings.database_url)
    assert find(at_rest, secrets_of_erased) == []
    assert find({"logs": caplog.text.encode()}, secrets_of_erased) == []
    report = ledger.service.verify()
    assert report.ok, report.failures
    assert report.erased_streams == [str(erased.student_id)]
    assert report.streams == 2
    kept_history = ledger.service.history(kept.student_id)
    assert kept_history.entries[0].data["family_name"] in kept.canaries


def test_the_erasure_event_names_no_person_and_stays_readable(ledger: Ledger) -> None:
    student = ledger.service.register_student(factories.registration()).student_id
    appended = ledger.service.erase(student, "retention")
    events = list(ledger.app.events.get(student))
    erasure = events[-1]
    assert erasure.originator_version == appended.sequence == 2
    assert not is_erased_placeholder(erasure)
    assert erasure.data == {"reason": "retention"}
    assert erasure.actor == "system"


def test_an_erased_stream_replays_as_placeholders_of_the_original_classes(
    ledger: Ledger,
) -> None:
    service = ledger.service
    student = service.register_student(factories.registration()).student_id
    service.record(student, "enrolment", factories.enrolment())
    service.record(student, "guidance_interview", factories.guidance_interview())
    service.correct(student, 3, {"duration_minutes": 45}, reason="typo")
    service.erase(student, "request")

    events = list(ledger.app.events.get(student))
    assert [type(e) for e in events[:4]] == [
        StudentRegistered,
        StudentEnrolled,
        GuidanceInterviewRecorded,
        EntryCorrected,
    ]
    assert all(is_erased_placeholder(e) and e.data == {} for e in events[:4])
    assert [e.timestamp for e in events] == sorted(e.timestamp for e in events)
    record = ledger.app.get_student(student)
    assert record.erased
    assert record.version == 5
    assert record.kinds["3"] == "guidance_interview"


def test_reading_or_writing_an_erased_record_answers_erased(ledger: Ledger) -> None:
    service = ledger.service
    payload = factories.registration()
    student = service.register_student(payload).student_id
    service.erase(student, "request")
    with pytest.raises(StudentErased):
        service.history(student)
    with pytest.raises(StudentErased):
        service.record(student, "enrolment", factories.enrolment())
    with pytest.raises(StudentNotFound):
        service.find_student(upn=payload["upn"])


def test_the_identifiers_of_an_erased_student_can_be_registered_again(ledger: Ledger) -> None:
    payload = factories.registration()
    first = ledger.service.register_student(payload).student_id
    ledger.service.erase(first, "request")
    again = ledger.service.register_student(payload).student_id
    assert again != first
    assert ledger.service.find_student(upn=payload["upn"]) == again


def test_a_legal_hold_blocks_erasure_until_it_is_lifted(ledger: Ledger) -> None:
    service = ledger.service
    student = service.register_student(factories.registration()).student_id
    service.place_legal_hold(student, "case 2025-17")
    with pytest.raises(LegalHoldActive):
        service.erase(student, "request")
    assert service.version_of(student) == 2
    assert ledger.app.ledger_recorder.select_keys(student)[0].wrapped_dek is not None
    service.lift_legal_hold(student, "case closed")
    service.erase(student, "request")
    assert ledger.app.get_student(student).erased


def test_erasure_is_idempotent_under_its_key(ledger: Ledger) -> None:
    student = ledger.service.register_student(factories.registration()).student_id
    key = str(uuid.uuid4())
    first = ledger.service.erase(student, "request", idempotency_key=key)
    again = ledger.service.erase(student, "request", idempotency_key=key)
    assert again.replayed
    assert again.sequence == first.sequence
    assert ledger.service.event_count() == 2


def test_an_erasure_reason_outside_the_vocabulary_is_refused(ledger: Ledger) -> None:
    from ledger.domain.errors import ValidationFailed

    student = ledger.service.register_student(factories.registration()).student_id
    with pytest.raises(ValidationFailed) as refused:
        ledger.service.erase(student, "because")
    assert refused.value.problems[0].field == "reason"
    assert not ledger.app.get_student(student).erased


def test_a_key_destroyed_without_an_erasure_event_fails_verification(ledger: Ledger) -> None:
    student = ledger.service.register_student(factories.registration()).student_id
    ledger.service.record(student, "enrolment", factories.enrolment())
    recorder = ledger.app.ledger_recorder
    recorder._write_many(  # an operator "erasing" by hand, without the ledger
        recorder._sql(f"UPDATE {recorder.keys_table} SET wrapped_dek = NULL"), [()]
    )
    ledger.app.keyring.forget(student)
    report = ledger.service.verify()
    assert not report.ok
    assert {(f.student_id, f.sequence) for f in report.failures} == {
        (str(student), 1),
        (str(student), 2),
    }
    assert "no erasure event" in report.failures[0].problem


def test_a_deleted_key_row_is_a_verification_failure_not_an_erasure(ledger: Ledger) -> None:
    student = ledger.service.register_student(factories.registration()).student_id
    recorder = ledger.app.ledger_recorder
    recorder._write_many(f"DELETE FROM {recorder.keys_table}", [()])
    ledger.app.keyring.forget(student)
    report = ledger.service.verify()
    assert [(f.student_id, f.sequence) for f in report.failures] == [(str(student), 1)]
    assert report.erased_streams == []


def test_the_cli_erases_places_and_lifts_holds_naming_only_ids(
    ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREERS_LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CAREERS_LEDGER_KEY_FILE", str(settings.resolved_key_file()))
    monkeypatch.setenv("COLUMNS", "200")
    payload = factories.registration(family_name="Cnclifamily")
    student = str(ledger.service.register_student(payload).student_id)
    runner = CliRunner()

    placed = runner.invoke(cli, ["hold", "place", student, "--reason", "case 9"])
    assert placed.exit_code == 0, placed.output
    refused = runner.invoke(cli, ["erase", student, "--reason", "request", "--yes"])
    assert refused.exit_code == 2
    assert "legal hold" in refused.output
    lifted = runner.invoke(cli, ["hold", "lift", student, "--reason", "case 9 closed"])
    assert lifted.exit_code == 0, lifted.output
    aborted = runner.invoke(cli, ["erase", student, "--reason", "request"], input="n\n")
    assert aborted.exit_code == 1
    erased = runner.invoke(cli, ["erase", student, "--reason", "request", "--yes"])
    assert erased.exit_code == 0, erased.output
    assert student in erased.output
    assert "Cnclifamily" not in placed.output + lifted.output + erased.output
    wrong = runner.invoke(cli, ["erase", student, "--reason", "whim", "--yes"])
    assert wrong.exit_code == 2
    compacted = runner.invoke(cli, ["compact"])
    assert compacted.exit_code == 0, compacted.output
    verified = runner.invoke(cli, ["verify"])
    assert verified.exit_code == 0, verified.output
    assert "1 erased student streams: links verified" in verified.output


def test_a_busy_store_defers_compaction_but_never_the_erasure(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from eventsourcing.persistence import OperationalError

    def busy() -> None:
        raise OperationalError("database is locked")

    student = ledger.service.register_student(factories.registration()).student_id
    monkeypatch.setattr(ledger.app, "compact", busy)
    ledger.service.erase(student, "request")
    assert ledger.app.get_student(student).erased
    assert ledger.app.ledger_recorder.select_keys(student)[0].wrapped_dek is None
    assert "compaction after erasure deferred" in caplog.text
