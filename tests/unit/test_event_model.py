"""The event model: stable stored names.

A stored topic is a persisted schema name, so every event class declares its
own.  Storage and replay on each backend: tests/integration/test_event_model_storage.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from eventsourcing.utils import resolve_topic

from ledger.domain.events import EVENT_CLASSES, TOPIC_PREFIX, StudentEvent, StudentRegistered
from ledger.domain.student import StudentRecord


def subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def stored_classes() -> list[type]:
    """Every class whose instances are stored: the student's events and the record itself."""
    events = [StudentRegistered, *subclasses(StudentEvent)]
    nested = [StudentRecord, StudentRecord.Event, StudentRecord.Created, StudentRecord.Snapshot]
    return [*events, *nested]


@pytest.mark.parametrize("cls", stored_classes(), ids=lambda c: c.__qualname__)
def test_every_stored_class_declares_its_own_topic_under_the_ledgers_prefix(cls: type) -> None:
    assert "TOPIC" in vars(cls)
    assert cls.TOPIC.startswith(TOPIC_PREFIX)


# StudentRecord.Event is abstract and snapshots are off (LedgerApplication), so
# neither is ever read back; everything else is, by its topic.
READ_BACK = [c for c in stored_classes() if c not in (StudentRecord.Event, StudentRecord.Snapshot)]


@pytest.mark.parametrize("cls", READ_BACK, ids=lambda c: c.__qualname__)
def test_every_stored_topic_resolves_to_its_class(cls: type) -> None:
    assert resolve_topic(cls.TOPIC) is cls


def test_no_two_stored_classes_share_a_topic() -> None:
    topics = Counter(cls.TOPIC for cls in stored_classes())
    assert [topic for topic, uses in topics.items() if uses > 1] == []


def test_every_event_class_is_reachable_by_exactly_one_kind() -> None:
    with_kind = [cls for cls in stored_classes() if "KIND" in vars(cls)]
    assert sorted(cls.KIND for cls in with_kind) == sorted(EVENT_CLASSES)
    assert {EVENT_CLASSES[cls.KIND] for cls in with_kind} == set(with_kind)
