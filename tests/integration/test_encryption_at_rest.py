"""Every student's events are sealed under their own key; the key under the master key."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import MapperDeserialisationError

from api.bootstrap import Ledger, build
from api.config import Settings
from api.store.keys import load_keys
from ledger.domain import chain
from ledger.domain.clock import SimulatedClock
from ledger.domain.errors import DuplicateStudent, StudentErased, VersionConflict
from ledger.service.commands import Command
from ledger.storage.application import LedgerApplication
from ledger.storage.crypto import MasterKey, header_of
from ledger.storage.crypto.envelope import FORMAT_AES_GCM, FORMAT_CLEAR
from tests import factories
from tests.integration.canaries import (
    database_bytes,
    find,
    seed_student_with_canaries,
    table_bytes,
    text_needles,
)


def _stored_rows(ledger: Ledger) -> dict[tuple[str, int], bytes]:
    return {
        (row.student_id, row.sequence): row.state or b"" for row in ledger.app.iter_audit_rows()
    }


def _events_table(ledger: Ledger) -> str:
    recorder = ledger.app.ledger_recorder
    if hasattr(recorder.datastore, "schema"):
        return f'"{recorder.datastore.schema}".{recorder.events_table_name}'
    return recorder.events_table_name


def _overwrite(
    ledger: Ledger, table: str, column: str, student: str, sequence: int, value: bytes
) -> None:
    recorder = ledger.app.ledger_recorder
    statement = recorder._sql(
        f"UPDATE {table} SET {column} = %s WHERE originator_id = %s AND originator_version = %s"
    )
    recorder._write_many(statement, [(value, recorder._db_id(UUID(student)), sequence)])


def test_every_entry_kind_reads_back_exactly_as_recorded(
    ledger: Ledger, clock: SimulatedClock
) -> None:
    clock.set(datetime(2026, 8, 1, tzinfo=UTC))  # after the builders' leaving date
    service = ledger.service
    registration = factories.registration()
    student = service.register_student(registration).student_id
    recorded: dict[int, dict[str, Any]] = {}
    for kind, build_payload in factories.PAYLOADS.items():
        payload = build_payload()
        appended = service.record(student, kind, payload)
        recorded[appended.sequence] = payload
    ledger.app.keyring.forget(student)  # read back through the key table, not the cache
    ledger.app.repository.cache.get(student, evict=True)  # type: ignore[union-attr]
    history = service.history(student)
    assert history.entries[0].data["family_name"] == registration["family_name"]
    for entry in history.entries[1:]:
        sent = recorded[entry.sequence]
        assert entry.occurred_on.isoformat() == sent["occurred_on"]
        for name, value in sent.items():
            if name != "occurred_on":
                assert str(entry.data[name]) == str(value), (entry.kind, name)
    assert service.verify().ok


def test_stored_events_carry_the_students_key_id_and_only_the_erasure_is_in_clear(
    ledger: Ledger,
) -> None:
    student = ledger.service.register_student(factories.registration()).student_id
    ledger.service.record(student, "enrolment", factories.enrolment())
    [key] = ledger.app.ledger_recorder.select_keys(student)
    for state in _stored_rows(ledger).values():
        header = header_of(state)
        assert header.format == FORMAT_AES_GCM
        assert header.key_id == key.key_id
    ledger.service.erase(student, "request")
    erasure = _stored_rows(ledger)[(str(student), 3)]
    assert header_of(erasure).format == FORMAT_CLEAR


@pytest.fixture
def fifty_students_with_canaries(ledger: Ledger) -> list[str]:
    canaries: list[str] = []
    for _ in range(50):
        canaries += seed_student_with_canaries(ledger).canaries
    assert len(canaries) >= 50 * 20
    assert ledger.service.verify().ok
    return canaries


def test_fifty_students_canaries_appear_in_no_table_the_ledger_writes(
    fifty_students_with_canaries: list[str], settings: Settings
) -> None:
    """Events, chain, identifier index, keys, global log, access log, users: no plaintext."""
    ledger_tables = table_bytes(settings.database_url, skip_prefix="proj_")
    assert "table ledger_keys" in ledger_tables
    assert find(ledger_tables, text_needles(fifty_students_with_canaries)) == []


def test_fifty_students_canaries_appear_nowhere_at_rest(
    fifty_students_with_canaries: list[str], settings: Settings
) -> None:
    at_rest = database_bytes(settings.database_url)
    assert find(at_rest, text_needles(fifty_students_with_canaries)) == []


def test_swapping_two_rows_ciphertexts_is_detected_even_when_the_attacker_recomputes_the_chain(
    ledger: Ledger,
) -> None:
    service = ledger.service
    one = service.register_student(factories.registration()).student_id
    two = service.register_student(factories.registration()).student_id
    service.record(one, "guidance_interview", factories.guidance_interview())
    service.record(two, "guidance_interview", factories.guidance_interview())
    rows = _stored_rows(ledger)
    a, b = (str(one), 2), (str(two), 2)
    table = _events_table(ledger)
    _overwrite(ledger, table, "state", a[0], 2, rows[b])
    _overwrite(ledger, table, "state", b[0], 2, rows[a])

    keyless = service.verify(full=False)
    assert {(f.student_id, f.sequence) for f in keyless.failures} == {a, b}

    # An attacker with write access re-derives both links over the swapped bytes...
    recorder = ledger.app.ledger_recorder
    audit = {(r.student_id, r.sequence): r for r in ledger.app.iter_audit_rows()}
    for student, sequence in (a, b):
        row, previous = audit[(student, sequence)], audit[(student, sequence - 1)]
        forged = chain.link(
            previous.link or b"",
            student_id=student,
            sequence=sequence,
            topic=row.topic or "",
            recorded_at=row.recorded_at or "",
            commitment_digest=row.commitment or b"",
            stored_state=row.state or b"",
        )
        _overwrite(ledger, recorder.chain_table, "link", student, sequence, forged)
    assert service.verify(full=False).ok
    # ...but each ciphertext is bound to its own row, so neither decrypts.
    full = service.verify()
    assert {(f.student_id, f.sequence) for f in full.failures} == {a, b}
    assert all("cannot be read" in f.problem for f in full.failures)
    ledger.app.repository.cache.get(one, evict=True)  # type: ignore[union-attr]
    with pytest.raises(MapperDeserialisationError):
        list(ledger.app.events.get(one))


def test_a_sensitive_event_rewritten_in_clear_is_refused_on_read(ledger: Ledger) -> None:
    student = ledger.service.register_student(factories.registration()).student_id
    clear = bytes([FORMAT_CLEAR]) + b'{"data":{},"timestamp":"2025-01-10T09:00:00+00:00"}'
    _overwrite(ledger, _events_table(ledger), "state", str(student), 1, clear)
    with pytest.raises(MapperDeserialisationError):
        list(ledger.app.events.get(student))


def test_rotating_the_master_key_rewraps_student_keys_and_rewrites_no_event(
    ledger: Ledger, settings: Settings
) -> None:
    service = ledger.service
    kept = [service.register_student(factories.registration()).student_id for _ in range(3)]
    erased = service.register_student(factories.registration()).student_id
    service.erase(erased, "request")
    stored_before = _stored_rows(ledger)
    old_keys = load_keys(settings)
    new_master = secrets.token_bytes(32)

    report = service.rotate_master_key(new_master)

    assert (report.rewrapped, report.already_current, report.shredded) == (3, 0, 1)
    assert _stored_rows(ledger) == stored_before
    rows = ledger.app.ledger_recorder.select_all_keys()
    new_id = MasterKey(new_master).kek_id
    assert {r.kek_id for r in rows if not r.shredded} == {new_id}
    assert [r.wrapped_dek for r in rows if r.student_id == str(erased)] == [None]
    assert service.key_status() == {new_id: 3, "shredded": 1}
    again = service.rotate_master_key(new_master)
    assert (again.rewrapped, again.already_current) == (0, 3)

    with_new = LedgerApplication(
        settings.database_url, index_key=old_keys["index_key"], master_key=new_master
    )
    with_old = LedgerApplication(
        settings.database_url,
        index_key=old_keys["index_key"],
        master_key=old_keys["master_key"],
    )
    try:
        for student in kept:
            [registered] = with_new.events.get(student, lte=1)
            assert registered.data["family_name"] == "Okafor"
        with pytest.raises(MapperDeserialisationError):
            list(with_old.events.get(kept[0]))
    finally:
        with_new.close()
        with_old.close()


def test_a_second_process_stops_showing_a_record_another_process_erased(
    ledger: Ledger, settings: Settings, clock: SimulatedClock
) -> None:
    student = ledger.service.register_student(factories.registration()).student_id
    other = build(settings, clock)
    try:
        assert other.service.history(student).entries[0].data["family_name"] == "Okafor"
        ledger.service.erase(student, "request")
        with pytest.raises(StudentErased):
            other.service.history(student)
        assert other.app.keyring.dek(student, b"\x00" * 16) is None
    finally:
        other.close()


def test_an_event_sealed_under_a_key_the_table_does_not_hold_is_never_stored(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    student = ledger.service.register_student(factories.registration()).student_id
    stray = (secrets.token_bytes(16), AESGCM(secrets.token_bytes(32)))  # e.g. a lost race's
    monkeypatch.setattr(ledger.app.keyring, "sealing_cipher", lambda _sid: stray)
    with pytest.raises(VersionConflict):
        ledger.service.record(student, "enrolment", factories.enrolment())
    monkeypatch.undo()
    assert ledger.service.version_of(student) == 1
    assert ledger.service.verify().ok


def test_a_save_that_fails_leaves_its_new_key_out_of_the_cache(ledger: Ledger) -> None:
    payload = factories.registration()
    ledger.service.register_student(payload)
    twin = UUID(int=7)
    with pytest.raises(DuplicateStudent):  # same UPN: the identifier index refuses the save
        ledger.service.execute([Command("registration", payload, twin)])
    assert ledger.app.keyring._cached(str(twin)) is None
