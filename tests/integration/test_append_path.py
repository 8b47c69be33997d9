"""The append path's shortcuts never trade away a guarantee.

A process remembers the last chain link it committed in each stream and keeps
the records it saved in its cache, so the next append to the same student reads
less; PostgreSQL checks the sealing key in the same round trip as the inserts.
These stories show that whatever a process remembers, the chain stays unbroken
when several writers take turns, and an event sealed under a key the key table
no longer holds is still refused with nothing written.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.bootstrap import Ledger, build
from api.config import Settings
from ledger.domain.clock import SimulatedClock
from ledger.domain.errors import VersionConflict
from ledger.service.commands import Command
from tests import factories


@pytest.fixture
def second_writer(settings: Settings, clock: SimulatedClock) -> Iterator[Ledger]:
    """Another process's ledger on the same store: its own caches, the same keys."""
    built = build(settings, clock)
    yield built
    built.close()


def test_two_writers_taking_turns_on_one_record_keep_one_unbroken_chain(
    ledger: Ledger, second_writer: Ledger
) -> None:
    first, second = ledger.service, second_writer.service
    student = first.register_student(factories.registration()).student_id
    first.record(student, "guidance_interview", factories.guidance_interview())
    # Each writer's last link is now out of date in turn: the other one moved the stream on.
    second.record(student, "employer_encounter", factories.employer_encounter())
    second.record(student, "provider_encounter", factories.provider_encounter())
    first.record(student, "destination", factories.destination())
    second.record(student, "workplace_experience", factories.workplace_experience())
    appended = first.record(student, "enrolment", factories.enrolment())

    assert appended.sequence == 7
    assert [e.sequence for e in second.history(student).entries] == [1, 2, 3, 4, 5, 6, 7]
    report = first.verify()
    assert report.ok, report.failures


def test_a_batch_and_single_appends_after_it_chain_on_from_the_batch(ledger: Ledger) -> None:
    service = ledger.service
    students = [service.register_student(factories.registration()).student_id for _ in range(3)]
    service.execute(
        [Command("guidance_interview", factories.guidance_interview(), s) for s in students]
        + [Command("employer_encounter", factories.employer_encounter(), s) for s in students]
    )
    for student in students:
        assert service.record(student, "destination", factories.destination()).sequence == 4

    report = service.verify()
    assert report.ok, report.failures
    assert report.events == 12


def test_an_append_sealed_under_a_key_destroyed_behind_the_ledgers_back_writes_nothing(
    ledger: Ledger,
) -> None:
    service = ledger.service
    student = service.register_student(factories.registration()).student_id
    service.record(student, "guidance_interview", factories.guidance_interview())
    recorder = ledger.app.ledger_recorder
    recorder._write_many(  # an operator destroying the key by hand; this process still holds it
        recorder._sql(f"UPDATE {recorder.keys_table} SET wrapped_dek = NULL"), [()]
    )
    before = service.event_count()

    with pytest.raises(VersionConflict):
        service.record(student, "employer_encounter", factories.employer_encounter())

    assert service.event_count() == before
    assert [row.sequence for row in ledger.app.iter_audit_rows()] == [1, 2]
    assert service.verify(full=False).ok
