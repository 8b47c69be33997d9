"""SQLAlchemy adapter for the access-log port (``ledger.domain.access_log.AccessLog``)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Column, DateTime, Engine, Integer, String, Table, func, insert, select

from api.store.database import metadata
from ledger.domain.access_log import AccessEntry, AccessPage, AccessPurpose

access_log_table = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("student_id", String(36), nullable=False, index=True),
    Column("actor_id", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("institution_id", String(16)),
    Column("purpose", String(32), nullable=False),
    Column("accessed_at", DateTime(timezone=True), nullable=False),
)


class SqlAccessLog:
    """Each entry commits in its own short transaction before the read is answered."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def append(self, entry: AccessEntry) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                insert(access_log_table).values(
                    student_id=str(entry.student_id),
                    actor_id=entry.actor_id,
                    role=entry.role,
                    institution_id=entry.institution_id,
                    purpose=entry.purpose.value,
                    accessed_at=entry.accessed_at,
                )
            )

    def for_student(self, student_id: UUID, *, limit: int, offset: int) -> AccessPage:
        key = str(student_id)
        t = access_log_table
        with self.engine.connect() as connection:
            total = connection.execute(
                select(func.count()).select_from(t).where(t.c.student_id == key)
            ).scalar_one()
            rows = connection.execute(
                select(t).where(t.c.student_id == key).order_by(t.c.id).limit(limit).offset(offset)
            ).all()
        entries = [
            AccessEntry(
                student_id=student_id,
                actor_id=row.actor_id,
                role=row.role,
                institution_id=row.institution_id,
                purpose=AccessPurpose(row.purpose),
                accessed_at=_utc(row.accessed_at),
            )
            for row in rows
        ]
        return AccessPage(int(total), entries)


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
