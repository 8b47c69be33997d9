"""One contract for the access-log port, run against the in-memory fake and the SQL adapter."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from api.store.access_log import SqlAccessLog
from api.store.database import create_tables, engine_for
from ledger.domain.access_log import AccessEntry, AccessLog, AccessPurpose, InMemoryAccessLog

WHEN = datetime(2025, 1, 10, 9, tzinfo=UTC)


@pytest.fixture(params=["memory", "sql"])
def log(request: pytest.FixtureRequest, database_url: str) -> Iterator[AccessLog]:
    if request.param == "memory":
        yield InMemoryAccessLog()
        return
    engine = engine_for(database_url)
    create_tables(engine)
    yield SqlAccessLog(engine)
    engine.dispose()


def entry(student: uuid.UUID, minutes: int, purpose: AccessPurpose) -> AccessEntry:
    return AccessEntry(
        student_id=student,
        actor_id="user-1",
        role="adviser",
        institution_id="100001",
        purpose=purpose,
        accessed_at=WHEN + timedelta(minutes=minutes),
    )


def test_entries_come_back_for_their_student_oldest_first_and_paged(log: AccessLog) -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    written = [entry(mine, i, purpose) for i, purpose in enumerate(AccessPurpose)]
    for item in written:
        log.append(item)
    log.append(entry(theirs, 99, AccessPurpose.RECORD))
    first = log.for_student(mine, limit=3, offset=0)
    rest = log.for_student(mine, limit=100, offset=3)
    assert first.total == rest.total == len(written)
    assert first.entries + rest.entries == written


def test_a_student_nobody_read_has_an_empty_log(log: AccessLog) -> None:
    page = log.for_student(uuid.uuid4(), limit=10, offset=0)
    assert (page.total, page.entries) == (0, [])
