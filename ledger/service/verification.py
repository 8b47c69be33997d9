"""Chain verification: recompute every link from the stored bytes.

Reports name the student and the sequence number that fail.  ``full`` also
re-derives each salted commitment from the decrypted plaintext.

An erased student's events cannot be decrypted any more (their key is
destroyed), so their commitments cannot be re-derived: such a stream is
reported as *erased, links verified* instead of failing, provided it ends
in an erasure event.  A key destroyed without one is a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import StoredEvent

from ledger.domain import chain
from ledger.domain.errors import StudentErased
from ledger.domain.events import StudentErased as StudentErasedEvent
from ledger.storage.recorders.audit import AuditRow

_KEY_DESTROYED = "the payload's key was destroyed"


@dataclass(frozen=True)
class ChainFailure:
    student_id: str
    sequence: int
    problem: str


@dataclass
class ChainReport:
    streams: int = 0
    events: int = 0
    failures: list[ChainFailure] = field(default_factory=list)
    erased_streams: list[str] = field(default_factory=list)
    """Erased students: every link verified, commitments unreadable by design."""

    @property
    def ok(self) -> bool:
        return not self.failures


def verify_rows(
    rows: Iterable[AuditRow],
    read_document: Callable[[StoredEvent], dict[str, Any]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ChainReport:
    """Check rows ordered by (student, sequence)."""
    report = ChainReport()
    stream = _Stream("")
    previous_link = chain.GENESIS
    expected_sequence = 1
    for row in rows:
        if row.student_id != stream.student_id:
            stream.close(report)
            stream = _Stream(row.student_id)
            report.streams += 1
            previous_link = chain.GENESIS
            expected_sequence = 1
        report.events += 1
        if progress is not None and report.events % 1000 == 0:
            progress(1000)
        problem = _check(row, previous_link, expected_sequence, read_document)
        if row.topic == StudentErasedEvent.TOPIC and problem is None:
            stream.erased = True
        if problem == _KEY_DESTROYED:
            stream.unreadable.append(row.sequence)
        elif problem:
            report.failures.append(ChainFailure(row.student_id, row.sequence, problem))
        previous_link = row.link if row.link is not None else previous_link
        expected_sequence = row.sequence + 1
    stream.close(report)
    if progress is not None:
        progress(report.events % 1000)
    return report


@dataclass
class _Stream:
    student_id: str
    erased: bool = False
    unreadable: list[int] = field(default_factory=list)

    def close(self, report: ChainReport) -> None:
        if self.erased:
            report.erased_streams.append(self.student_id)
            return
        for sequence in self.unreadable:
            problem = "the payload's key was destroyed but the stream has no erasure event"
            report.failures.append(ChainFailure(self.student_id, sequence, problem))


def _check(
    row: AuditRow,
    previous_link: bytes,
    expected_sequence: int,
    read_document: Callable[[StoredEvent], dict[str, Any]] | None,
) -> str | None:
    if row.sequence != expected_sequence:
        return f"sequence {expected_sequence} is missing before {row.sequence}"
    if row.state is None or row.topic is None:
        return "the stored event is missing (its chain link remains)"
    if row.link is None or row.commitment is None or row.recorded_at is None:
        return "the chain link is missing for this stored event"
    recomputed = chain.link(
        previous_link,
        student_id=row.student_id,
        sequence=row.sequence,
        topic=row.topic,
        recorded_at=row.recorded_at,
        commitment_digest=row.commitment,
        stored_state=row.state,
    )
    if not chain.same(recomputed, row.link):
        return "the stored bytes or metadata do not match the chain link"
    if read_document is not None:
        return _check_commitment(row, read_document)
    return None


def _check_commitment(
    row: AuditRow, read_document: Callable[[StoredEvent], dict[str, Any]]
) -> str | None:
    assert row.state is not None
    assert row.topic is not None
    assert row.commitment is not None
    stored = StoredEvent(row.student_id, row.sequence, row.topic, row.state)
    try:
        document = read_document(stored)
        salt = bytes.fromhex(document.pop("salt"))
    except StudentErased:
        return _KEY_DESTROYED
    except Exception:
        return "the stored payload cannot be read"
    if document.get("timestamp") != row.recorded_at:
        return "the recorded time differs from the chain link"
    if not chain.same(chain.commitment(salt, chain.canonical(document)), row.commitment):
        return "the plaintext does not match its commitment"
    return None
