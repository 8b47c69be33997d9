"""A student's stored rows with their chain data and log position, read in pages.

What an export needs to let anyone re-derive each link: the exact stored
bytes, the chain row (recorded time, commitment, link) and where the event
sits in the global log.  Plain SQL on the ledger's own tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

from ledger.storage.evidence.sql import Database

PAGE = 200


@dataclass(frozen=True)
class StoredRow:
    student_id: UUID
    sequence: int
    topic: str
    state: bytes
    recorded_at: str
    commitment: bytes
    link: bytes
    position: int | None


def student_rows(
    db: Database, student_id: UUID, *, through: int, after: int = 0, page: int = PAGE
) -> Iterator[list[StoredRow]]:
    """Pages of the student's rows, sequences ``after + 1`` to ``through``, one short read each."""
    while after < through:
        with db.reading() as cursor:
            cursor.execute(
                db.sql(
                    "SELECT e.originator_version, e.topic, e.state, c.recorded_at, "
                    f"c.commitment, c.link, l.position FROM {db.events} e "
                    f"JOIN {db.chain} c ON c.originator_id = e.originator_id "
                    "AND c.originator_version = e.originator_version "
                    f"LEFT JOIN {db.log} l ON l.originator_id = e.originator_id "
                    "AND l.originator_version = e.originator_version "
                    "WHERE e.originator_id = %s AND e.originator_version > %s "
                    "AND e.originator_version <= %s ORDER BY e.originator_version LIMIT %s"
                ),
                (db.db_id(student_id), after, through, page),
            )
            rows = cursor.fetchall()
        if not rows:
            return
        yield [
            StoredRow(
                student_id,
                int(sequence),
                str(topic),
                bytes(state),
                str(recorded_at),
                bytes(commitment),
                bytes(link),
                None if position is None else int(position),
            )
            for sequence, topic, state, recorded_at, commitment, link, position in rows
        ]
        after = int(rows[-1][0])
