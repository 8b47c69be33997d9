"""Group commit: appends arriving together share a transaction, each keeps its own answer."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from api.bootstrap import Ledger
from api.http import examples
from ledger.domain.access import Actor
from ledger.domain.errors import Forbidden, LedgerError, ValidationFailed
from ledger.domain.vocabulary import Role
from ledger.service.group_commit import with_group_commit
from ledger.service.ledger_service import LedgerService
from tests import factories
from tests.api_support import SCHOOL_A

ADVISER = Actor("adviser-1", Role.ADVISER, SCHOOL_A)
AUDITOR = Actor("auditor-1", Role.AUDITOR, SCHOOL_A)
DPO = Actor("dpo-1", Role.DATA_PROTECTION_OFFICER, SCHOOL_A)
LMI = examples.ENTRIES["labour_market_information"]


def at_once(calls: list[Any]) -> list[Any]:
    """Run the calls in threads released together; each slot holds a result or an error."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = calls[index]()
        except LedgerError as exc:
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def grouped(ledger: Ledger) -> LedgerService:
    return with_group_commit(ledger.service)


def test_sixteen_appends_at_once_are_all_recorded_with_distinct_sequences(
    grouped: LedgerService, ledger: Ledger
) -> None:
    student = grouped.register_student(factories.registration(), actor=ADVISER).student_id
    outcomes = at_once(
        [
            lambda i=i: grouped.record(
                student,
                "labour_market_information",
                {**LMI, "activity": f"Session {i}"},
                idempotency_key=str(uuid.uuid4()),
                actor=ADVISER,
            )
            for i in range(16)
        ]
    )
    assert sorted(o.sequence for o in outcomes) == list(range(2, 18))
    assert ledger.service.version_of(student) == 17


def test_a_refused_or_invalid_append_in_a_batch_fails_alone(
    grouped: LedgerService, ledger: Ledger
) -> None:
    student = grouped.register_student(factories.registration(), actor=ADVISER).student_id
    good = [
        lambda: grouped.record(student, "labour_market_information", LMI, actor=ADVISER)
        for _ in range(6)
    ]
    bad = [
        lambda: grouped.record(student, "labour_market_information", LMI, actor=AUDITOR),
        lambda: grouped.record(
            student,
            "labour_market_information",
            {**LMI, "occurred_on": "2999-01-01"},
            actor=ADVISER,
        ),
    ]
    outcomes = at_once([*good, *bad])
    assert all(not isinstance(o, LedgerError) for o in outcomes[:6])
    assert isinstance(outcomes[6], Forbidden)
    assert isinstance(outcomes[7], ValidationFailed)
    assert ledger.service.version_of(student) == 7


def test_a_retried_key_in_the_same_batch_is_answered_from_the_first(
    grouped: LedgerService, ledger: Ledger
) -> None:
    student = grouped.register_student(factories.registration(), actor=ADVISER).student_id
    key = str(uuid.uuid4())
    first = grouped.record(
        student, "labour_market_information", LMI, idempotency_key=key, actor=ADVISER
    )
    outcomes = at_once(
        [
            lambda: grouped.record(
                student, "labour_market_information", LMI, idempotency_key=key, actor=ADVISER
            )
            for _ in range(4)
        ]
    )
    assert {(o.sequence, o.replayed) for o in outcomes} == {(first.sequence, True)}
    assert ledger.service.version_of(student) == 2


def test_appends_are_answered_before_the_read_side_which_follows_in_a_catch_up_or_two(
    ledger: Ledger,
) -> None:
    held, catch_ups = threading.Event(), []

    def held_catch_up() -> None:
        catch_ups.append(1)
        held.wait(timeout=60)  # the read side stalls until every append has been answered
        ledger.projections.projector.after_append()

    service = LedgerService(
        ledger.app, ledger.clock, after_append=held_catch_up, access_log=ledger.service.access_log
    )
    grouped = with_group_commit(service)
    student = ledger.service.register_student(factories.registration(), actor=ADVISER).student_id
    outcomes = at_once(
        [
            lambda: grouped.record(
                student,
                "labour_market_information",
                LMI,
                idempotency_key=str(uuid.uuid4()),
                actor=ADVISER,
            )
            for _ in range(16)
        ]
    )
    assert sorted(o.sequence for o in outcomes) == list(range(2, 18))
    assert grouped.read_side is not None
    assert grouped.read_side.behind()
    held.set()
    grouped.read_side.wait()
    assert not grouped.read_side.behind()
    assert ledger.projections.projector.status().up_to_date
    assert len(catch_ups) <= 2


def test_an_erasure_is_answered_only_once_the_projections_have_dropped_the_student(
    grouped: LedgerService, ledger: Ledger
) -> None:
    student = grouped.register_student(factories.registration(), actor=ADVISER).student_id
    grouped.record(student, "labour_market_information", LMI, actor=ADVISER)
    assert grouped.read_side is not None
    grouped.read_side.wait()
    assert ledger.projections.facts_of(student) is not None
    grouped.erase(student, "request", actor=DPO)
    assert ledger.projections.facts_of(student) is None
