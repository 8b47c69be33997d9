"""Audit reads: every stored event beside its chain row, for verification.

Each recorder runs ``audit_sql`` in one read transaction, in batches, and
yields ``AuditRow``s; a row missing on either side (a deleted event, a
deleted link) shows as NULLs, so verification can name it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AuditRow:
    """One stored event beside its chain row (either side may be missing)."""

    student_id: str
    sequence: int
    topic: str | None
    state: bytes | None
    recorded_at: str | None
    commitment: bytes | None
    link: bytes | None

    @classmethod
    def of(
        cls,
        student_id: str,
        sequence: int,
        topic: str | None,
        state: Any,
        recorded_at: str | None,
        commitment: Any,
        link: Any,
    ) -> AuditRow:
        return cls(
            student_id,
            int(sequence),
            topic,
            None if state is None else bytes(state),
            recorded_at,
            None if commitment is None else bytes(commitment),
            None if link is None else bytes(link),
        )


def audit_sql(events_table: str, chain_table: str) -> str:
    """The events and chain tables joined on (stream, version), ordered by both."""
    return (
        "SELECT COALESCE(e.originator_id, c.originator_id) AS student, "
        "COALESCE(e.originator_version, c.originator_version) AS seq, "
        "e.topic, e.state, c.recorded_at, c.commitment, c.link "
        f"FROM {events_table} e FULL OUTER JOIN {chain_table} c "
        "ON e.originator_id = c.originator_id "
        "AND e.originator_version = c.originator_version "
        "ORDER BY 1, 2"
    )
