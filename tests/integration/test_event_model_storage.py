"""The event model on each backend: faithful storage, and replay that agrees.

Whatever a student's history, rebuilding the record from the stored stream (in
the same application or a fresh one) gives back the same record.  The stored
names themselves are checked without a database (tests/unit/test_event_model.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.bootstrap import Ledger, build
from api.config import Settings
from ledger.domain.clock import SimulatedClock
from ledger.domain.student import StudentRecord
from tests import factories

# -- the storage pipeline --------------------------------------------------------

RECORDED_AT = datetime(2025, 1, 10, 9, 30, 15, 123456, tzinfo=UTC)


def test_an_event_stored_and_read_back_through_the_mapper_keeps_its_dates_and_data(
    ledger: Ledger,
) -> None:
    record = StudentRecord.register(
        student_id=uuid4(),
        occurred_on=date(2024, 9, 2),
        data={"given_name": "Amara", "upn": factories.fresh_upn(), "nested": {"a": [1, "2"]}},
        idempotency_key="reg-7",
        actor="adviser-1",
        institution_id="100001",
        recorded_at=RECORDED_AT,
        provenance={"source": "mis-import", "row": 12},
    )
    record.append(
        "workplace_experience",
        occurred_on=date(2024, 7, 1),
        data={"kind": "placement", "end_on": "2024-07-05", "days": "4.5"},
        idempotency_key=None,
        actor="adviser-2",
        institution_id=None,
        recorded_at=RECORDED_AT,
    )
    written = list(record.pending_events)
    ledger.app.save(record)  # the mapper seals each event under the student's new key

    stored = ledger.app.recorder.select_events(record.id)
    assert [s.originator_version for s in stored] == [1, 2]
    for event, row in zip(written, stored, strict=True):
        back = ledger.app.mapper.to_domain_event(row)
        assert type(back) is type(event)
        assert back.originator_id == event.originator_id
        assert back.originator_version == event.originator_version
        assert back.occurred_on == event.occurred_on
        assert isinstance(back.occurred_on, date)
        assert back.timestamp == event.timestamp == RECORDED_AT
        assert back.timestamp.tzinfo is not None
        assert back.data == event.data
        assert (back.idempotency_key, back.actor, back.institution_id, back.provenance) == (
            event.idempotency_key,
            event.actor,
            event.institution_id,
            event.provenance,
        )


def test_the_log_read_back_from_the_database_matches_each_students_history(
    ledger: Ledger,
) -> None:
    amara = ledger.service.register_student(factories.registration()).student_id
    ledger.service.record(amara, "workplace_experience", factories.workplace_experience())
    bilal = ledger.service.register_student(factories.registration()).student_id
    ledger.service.record(amara, "destination", factories.destination())
    ledger.service.record(bilal, "guidance_interview", factories.guidance_interview())

    read = [ledger.app.mapper.to_domain_event(n) for n in ledger.app.iter_notifications()]

    assert [(e.originator_id, e.originator_version) for e in read] == [
        (amara, 1),
        (amara, 2),
        (bilal, 1),
        (amara, 3),
        (bilal, 2),
    ]
    for student_id in (amara, bilal):
        entries = ledger.service.history(student_id).entries
        mine = [e for e in read if e.originator_id == student_id]
        assert [(e.occurred_on, e.timestamp, e.data) for e in mine] == [
            (entry.occurred_on, entry.recorded_at, entry.data) for entry in entries
        ]


# -- replay --------------------------------------------------------------------

CHANGES: dict[str, dict[str, Any]] = {
    "guidance_interview": {"duration_minutes": 55},
    "employer_encounter": {"sector": "Energy"},
    "workplace_experience": {"employer_name": "Network Rail"},
    "provider_encounter": {"provider_name": "Sixth Form College"},
    "destination": {"provider_or_employer": "Town College"},
    "reflection": {"text": "On reflection, I would like to try engineering."},
    "labour_market_information": {"activity": "Local skills report"},
    "curriculum_learning": {"subject": "Chemistry"},
    "higher_education_intent": {"considering": False},
}
Step = tuple[str, Any]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("record"), st.sampled_from(sorted(CHANGES))),
        st.tuples(st.just("correct"), st.integers(0, 100)),
        st.tuples(st.just("retract"), st.integers(0, 100)),
    ),
    max_size=10,
)


@dataclass
class Expected:
    """What the record must say, kept by hand beside the real thing."""

    kinds: dict[str, str] = field(default_factory=lambda: {"1": "registration"})
    retracted: list[int] = field(default_factory=list)

    @property
    def version(self) -> int:
        return len(self.kinds)

    def open_entries(self) -> list[int]:
        return [
            int(sequence)
            for sequence, kind in self.kinds.items()
            if kind in CHANGES and int(sequence) not in self.retracted
        ]


def walk(ledger: Ledger, student_id: UUID, plan: list[Step]) -> Expected:
    expected = Expected()
    for action, choice in plan:
        if action == "record":
            ledger.service.record(student_id, choice, factories.PAYLOADS[choice]())
            expected.kinds[str(expected.version + 1)] = choice
            continue
        targets = expected.open_entries()
        if not targets:
            continue
        target = targets[choice % len(targets)]
        if action == "correct":
            changes = CHANGES[expected.kinds[str(target)]]
            ledger.service.correct(student_id, target, changes, "Corrected on review")
            expected.kinds[str(expected.version + 1)] = "correction"
        else:
            ledger.service.retract(student_id, target, "Recorded in error")
            expected.kinds[str(expected.version + 1)] = "retraction"
            expected.retracted.append(target)
    return expected


def summary(record: StudentRecord) -> tuple[int, dict[str, str], list[int]]:
    return record.version, dict(record.kinds), list(record.retracted)


@pytest.fixture
def second_ledger(settings: Settings) -> Iterator[Ledger]:
    """Another application on the same database: its own connections, an empty cache."""
    other = build(settings, SimulatedClock(datetime(2025, 1, 10, 9, tzinfo=UTC)))
    yield other
    other.close()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps)
def test_replaying_any_students_stream_rebuilds_the_same_record(
    ledger: Ledger, second_ledger: Ledger, plan: list[Step]
) -> None:
    student_id = ledger.service.register_student(factories.registration()).student_id
    expected = walk(ledger, student_id, plan)
    want = (expected.version, expected.kinds, expected.retracted)

    assert summary(ledger.app.get_student(student_id)) == want
    rebuilt = ledger.app.repository.get(student_id, version=expected.version)
    assert summary(rebuilt) == want
    assert summary(second_ledger.app.get_student(student_id)) == want
    history = second_ledger.service.history(student_id)
    assert [e.kind for e in history.entries] == list(expected.kinds.values())
