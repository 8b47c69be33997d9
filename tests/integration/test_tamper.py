"""Tampering with stored bytes is detected, naming the student and sequence, or failing
the signed checkpoint; a clean ledger raises no alarm (docs/evidence.md)."""

from __future__ import annotations

import random
from typing import Any
from uuid import UUID

import pytest
from cryptography.exceptions import InvalidTag

from api.bootstrap import Ledger
from ledger.domain import chain
from ledger.domain.errors import StudentErased
from ledger.domain.evidence.notes import Checkpoint
from ledger.storage.evidence.sql import Database
from ledger.storage.page_reader import PageReader
from tests import factories

Place = tuple[UUID, int]


def two_students(ledger: Ledger) -> tuple[UUID, UUID]:
    """Two careers records interleaved in the log, then a signed checkpoint."""
    amara = ledger.service.register_student(factories.registration()).student_id
    ben = ledger.service.register_student(factories.registration(given_name="Ben")).student_id
    for kind in ("enrolment", "employer_encounter", "guidance_interview", "destination"):
        for student in (amara, ben):
            ledger.service.record(student, kind, factories.PAYLOADS[kind]())
    ledger.evidence.checkpoint()
    return amara, ben


def chain_failures(ledger: Ledger, *, full: bool = False) -> set[Place]:
    return {(UUID(f.student_id), f.sequence) for f in ledger.service.verify(full=full).failures}


def log_failures(ledger: Ledger, trusted: Checkpoint | None = None) -> set[Place]:
    report = ledger.evidence.verify_log(trusted)
    return {(f.student_id, f.sequence) for f in report.failures if f.student_id is not None}


def log_problems(ledger: Ledger, trusted: Checkpoint | None = None) -> list[str]:
    return [f.problem for f in ledger.evidence.verify_log(trusted).failures]


def run(db: Database, sql: str, *params: Any) -> list[Any]:
    with db.writing() as cursor:
        cursor.execute(db.sql(sql), params)
        try:
            return list(cursor.fetchall())
        except Exception:
            return []


def stored_state(db: Database, student: UUID, sequence: int) -> bytes:
    rows = run(
        db,
        f"SELECT state FROM {db.events} WHERE originator_id = %s AND originator_version = %s",
        db.db_id(student),
        sequence,
    )
    return bytes(rows[0][0])


def set_state(db: Database, student: UUID, sequence: int, state: bytes) -> None:
    run(
        db,
        f"UPDATE {db.events} SET state = %s WHERE originator_id = %s AND originator_version = %s",
        state,
        db.db_id(student),
        sequence,
    )


def rewrite_stream(ledger: Ledger, student: UUID, events: list[Any]) -> None:
    """What an attacker holding every key does: store new events, recompute the chain."""
    db = ledger.evidence.log.db
    run(db, f"DELETE FROM {db.events} WHERE originator_id = %s", db.db_id(student))
    run(db, f"DELETE FROM {db.chain} WHERE originator_id = %s", db.db_id(student))
    keys = ledger.app.ledger_recorder.keys_table
    previous = chain.GENESIS
    for sequence, event in enumerate(events, start=1):
        event.__dict__["originator_version"] = sequence
        stored = ledger.app.ledger_mapper.to_stored_event(event)
        if stored.new_key is not None:
            # Re-sealing the first event makes a new student key: store it too.
            run(
                db,
                f"INSERT INTO {keys} (originator_id, key_id, wrapped_dek, kek_id, created_at) "
                "VALUES (%s, %s, %s, %s, %s)",
                db.db_id(student),
                stored.new_key.key_id,
                stored.new_key.wrapped_dek,
                stored.new_key.kek_id,
                stored.new_key.created_at,
            )
        link = chain.link(
            previous,
            student_id=str(student),
            sequence=sequence,
            topic=stored.topic,
            recorded_at=stored.recorded_at,
            commitment_digest=stored.commitment,
            stored_state=stored.state,
        )
        run(
            db,
            f"INSERT INTO {db.events} (originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, %s, %s)",
            db.db_id(student),
            sequence,
            stored.topic,
            stored.state,
        )
        run(
            db,
            f"INSERT INTO {db.chain} (originator_id, originator_version, recorded_at, "
            "commitment, link) VALUES (%s, %s, %s, %s, %s)",
            db.db_id(student),
            sequence,
            stored.recorded_at,
            stored.commitment,
            link,
        )
        previous = link


def test_a_clean_ledger_raises_no_alarm_after_many_appends_and_checkpoints(
    ledger: Ledger,
) -> None:
    for _ in range(3):
        two_students(ledger)
    ledger.evidence.checkpoint()
    assert ledger.service.verify(full=True).ok
    report = ledger.evidence.verify_log(ledger.evidence.latest_checkpoint())
    assert report.ok
    assert (report.leaves, report.checkpoints) == (30, 3)


def test_flipping_any_one_byte_of_any_stored_event_names_that_student_and_sequence(
    ledger: Ledger,
) -> None:
    amara, _ = two_students(ledger)
    db = ledger.evidence.log.db
    rng = random.Random(5)
    for sequence in range(1, 6):
        original = stored_state(db, amara, sequence)
        flipped = bytearray(original)
        flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
        set_state(db, amara, sequence, bytes(flipped))
        assert chain_failures(ledger) == {(amara, sequence)}
        set_state(db, amara, sequence, original)
    assert ledger.service.verify(full=True).ok


def test_a_changed_commitment_or_recorded_time_in_the_chain_is_named(ledger: Ledger) -> None:
    amara, _ = two_students(ledger)
    db = ledger.evidence.log.db
    where = "WHERE originator_id = %s AND originator_version = %s"
    run(db, f"UPDATE {db.chain} SET commitment = %s {where}", b"\x00" * 32, db.db_id(amara), 2)
    run(db, f"UPDATE {db.chain} SET recorded_at = %s {where}", "2020-01-01", db.db_id(amara), 4)
    assert {(amara, 2), (amara, 4)} <= chain_failures(ledger)


def test_deleting_the_tail_of_a_stream_is_caught_by_the_global_log(ledger: Ledger) -> None:
    _amara, ben = two_students(ledger)
    db = ledger.evidence.log.db
    for table in (db.events, db.chain):
        run(
            db,
            f"DELETE FROM {table} WHERE originator_id = %s AND originator_version >= %s",
            db.db_id(ben),
            4,
        )
    assert ledger.service.verify(full=True).ok  # what is left still chains up
    assert log_failures(ledger) == {(ben, 4), (ben, 5)}


def test_reordering_two_events_names_both(ledger: Ledger) -> None:
    amara, _ = two_students(ledger)
    db = ledger.evidence.log.db
    second, third = stored_state(db, amara, 2), stored_state(db, amara, 3)
    set_state(db, amara, 2, third)
    set_state(db, amara, 3, second)
    assert {(amara, 2), (amara, 3)} <= chain_failures(ledger)


def test_editing_an_event_and_recomputing_the_chain_is_caught_only_by_the_log(
    ledger: Ledger,
) -> None:
    amara, _ben = two_students(ledger)
    events = list(ledger.app.events.get(amara))
    events[3].data["advice_given"] = "Leave school at 16 and do not apply anywhere."
    rewrite_stream(ledger, amara, events)
    assert ledger.service.verify(full=True).ok  # every link and commitment recomputed
    failures = log_failures(ledger)
    assert (amara, 4) in failures
    assert all(student == amara for student, _ in failures)


def test_inserting_an_event_into_a_stream_is_caught_by_the_log(ledger: Ledger) -> None:
    amara, _ = two_students(ledger)
    events = list(ledger.app.events.get(amara))
    inserted = type(events[2]).__new__(type(events[2]))
    inserted.__dict__.update({**events[2].__dict__, "data": dict(events[2].data)})
    rewrite_stream(ledger, amara, [*events[:2], inserted, *events[2:]])
    assert ledger.service.verify(full=True).ok
    assert (amara, 3) in log_failures(ledger)


def test_an_event_slipped_in_behind_the_log_is_named(ledger: Ledger) -> None:
    _amara, ben = two_students(ledger)
    db = ledger.evidence.log.db
    run(
        db,
        f"DELETE FROM {db.log} WHERE originator_id = %s AND originator_version = %s",
        db.db_id(ben),
        2,
    )
    failures = log_failures(ledger)
    assert (ben, 2) in failures


def test_rewriting_the_log_too_fails_the_signed_checkpoints_and_a_new_one_is_refused(
    ledger: Ledger,
) -> None:
    amara, _ = two_students(ledger)
    events = list(ledger.app.events.get(amara))
    events[1].data["employer_name"] = "Somebody Else Ltd"
    rewrite_stream(ledger, amara, events)
    db = ledger.evidence.log.db
    run(db, f"DELETE FROM {db.log}")
    run(db, f"DELETE FROM {db.nodes}")
    assert log_failures(ledger) == set()  # the attacker rebuilt the leaves from the new chain
    assert any("do not match checkpoint" in p for p in log_problems(ledger))


def test_a_rebuilt_and_re_signed_log_fails_against_a_checkpoint_kept_outside(
    ledger: Ledger,
) -> None:
    amara, _ = two_students(ledger)
    kept_by_the_governors = ledger.evidence.latest_checkpoint()
    events = list(ledger.app.events.get(amara))
    events[1].data["employer_name"] = "Somebody Else Ltd"
    rewrite_stream(ledger, amara, events)
    db = ledger.evidence.log.db
    for table in (db.log, db.nodes, db.checkpoints):
        run(db, f"DELETE FROM {table}")
    ledger.evidence.checkpoint()  # the attacker holds the signing key too
    assert ledger.evidence.verify_log().ok
    problems = log_problems(ledger, kept_by_the_governors)
    assert any("trusted checkpoint" in p and "forked" in p for p in problems)


def test_restoring_an_old_backup_is_caught_as_a_rollback(ledger: Ledger) -> None:
    two_students(ledger)
    kept = ledger.evidence.checkpoint()
    db = ledger.evidence.log.db
    for table in (db.log, db.nodes, db.checkpoints):
        run(db, f"DELETE FROM {table}")
    for table in (db.events, db.chain):
        run(db, f"DELETE FROM {table} WHERE originator_version > %s", 3)
    ledger.evidence.checkpoint()
    problems = log_problems(ledger, kept)
    assert any("shrank or was rolled back" in p for p in problems)


@pytest.mark.parametrize("position", [0, 7])
def test_a_changed_leaf_in_the_log_names_the_event_it_stands_for(
    ledger: Ledger, position: int
) -> None:
    two_students(ledger)
    db = ledger.evidence.log.db
    logged = next(e for e in ledger.evidence.log.iter_logged() if e.position == position)
    run(db, f"UPDATE {db.log} SET leaf_hash = %s WHERE position = %s", b"\x02" * 32, position)
    assert log_failures(ledger) == {(logged.student_id, logged.sequence)}


def test_a_page_read_in_bulk_says_exactly_what_reading_each_event_says(ledger: Ledger) -> None:
    """Replays open pages in bulk (``PageReader``): same documents, erased students absent,
    and a flipped byte still refused."""
    amara, ben = two_students(ledger)
    ledger.service.erase(ben, "request")
    app = ledger.app
    page = list(app.recorder.select_notifications(0, 1_000))

    def one_by_one(stored: Any) -> Any:
        try:
            return app.read_stored_document(stored)
        except StudentErased:
            return None

    expected = [one_by_one(n) for n in page]
    assert PageReader(app.ledger_mapper).read(page) == expected
    replay = PageReader(app.ledger_mapper)  # one reader for every page of a replay
    assert [
        d for start in range(0, len(page), 3) for d in replay.read(page[start : start + 3])
    ] == (expected)
    assert sum(d is not None for d in expected) > 5
    assert [n.originator_id for n, d in zip(page, expected, strict=True) if d is None] == [ben] * 5

    db = ledger.evidence.log.db
    state = bytearray(stored_state(db, amara, 3))
    state[-1] ^= 1
    set_state(db, amara, 3, bytes(state))
    tampered = list(app.recorder.select_notifications(0, 1_000))
    with pytest.raises(InvalidTag):
        PageReader(app.ledger_mapper).read(tampered)
