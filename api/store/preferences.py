"""What a staff user last typed about themselves on a form, to fill it in next time.

One row per user: the adviser's name and qualification level from the last
guidance interview (or interview offer) they recorded successfully.  The name is
the user's own, never a student's; nothing else is kept.  The table is one of
the edge's (``api.store.database.metadata``), and is also created on first use
so a deployment made before it existed gains it without a migration step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Engine, Integer, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from api.store.database import metadata

preferences_table = Table(
    "api_page_preferences",
    metadata,
    Column("user_id", String(36), primary_key=True),
    Column("adviser_name", String(200)),
    Column("adviser_qualification_level", Integer),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class AdviserDetails:
    name: str | None
    qualification_level: int | None


class PreferenceStore:
    """Reads and writes one user's remembered adviser details."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        try:
            preferences_table.create(engine, checkfirst=True)
        except (IntegrityError, OperationalError, ProgrammingError):
            # Another worker created it between our check and our CREATE.
            preferences_table.create(engine, checkfirst=True)

    def adviser(self, user_id: str) -> AdviserDetails | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(
                    preferences_table.c.adviser_name,
                    preferences_table.c.adviser_qualification_level,
                ).where(preferences_table.c.user_id == user_id)
            ).first()
        if row is None:
            return None
        return AdviserDetails(row.adviser_name, row.adviser_qualification_level)

    def remember_adviser(self, user_id: str, details: AdviserDetails) -> None:
        """Keep the details for ``user_id``, replacing what was kept before."""
        values = {
            "adviser_name": details.name,
            "adviser_qualification_level": details.qualification_level,
            "updated_at": datetime.now(UTC),
        }
        replace = (
            update(preferences_table).where(preferences_table.c.user_id == user_id).values(**values)
        )
        try:
            with self.engine.begin() as connection:
                if not connection.execute(replace).rowcount:
                    connection.execute(insert(preferences_table).values(user_id=user_id, **values))
        except IntegrityError:
            # The same user's other tab inserted first: ours is the later one, so it wins.
            with self.engine.begin() as connection:
                connection.execute(replace)
