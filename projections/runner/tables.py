"""The read side's tables, on the ledger's own database (SQLAlchemy Core).

Each projection owns its tables (``proj_students``, ``proj_facts`` and
``proj_roll`` the student-facts projection, ``proj_timeline`` the timeline);
``proj_positions`` holds each one's last processed notification id and is
written in the same transaction as its rows.  Student ids are stored as
32-character hex, dates as ISO text and documents as orjson bytes, which reads
the same on SQLite and PostgreSQL and needs no per-row type conversion on the
hot path.  Columns named ``sealed*`` hold personal data sealed under the
student's own key (see :mod:`projections.views.sealing`); the rest is keys, dates,
kinds and institution ids.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    inspect,
    update,
)
from sqlalchemy.exc import IntegrityError, ProgrammingError

metadata = MetaData()

positions = Table(
    "proj_positions",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    # Bumped by every rebuild, so a batch begun before a rebuild cannot commit after it.
    Column("generation", Integer, nullable=False),
)

students = Table(
    "proj_students",
    metadata,
    Column("student_id", String(32), primary_key=True),
    # Sealed: what the rules need of the registration (date of birth, characteristics).
    Column("sealed_registration", LargeBinary, nullable=False),
    Column("evidence", String(200), nullable=False),  # registration and its corrections
    Column("withdrawn", Integer, nullable=False),  # the registration was retracted
)

facts = Table(
    "proj_facts",
    metadata,
    Column("student_id", String(32), primary_key=True),
    Column("first_sequence", Integer, primary_key=True),
    Column("last_sequence", Integer, nullable=False),
    # Sealed: a run of the student's facts: [sequence, kind, date, fields,
    # institution, imported, (corrections)], structured fields only, no free text.
    Column("sealed_facts", LargeBinary, nullable=False),
)

roll = Table(
    "proj_roll",
    metadata,
    Column("student_id", String(32), primary_key=True),
    Column("sequence", Integer, primary_key=True),
    Column("institution_id", String(16), nullable=False),
    Column("institution_kind", String(16), nullable=False),
    Column("from_year", Integer, nullable=False),
    Column("until_year", Integer),  # the last academic year it could cover; open when NULL
    Column("year0", Integer, nullable=False),  # Year G falls in academic year year0 + G
    Index("proj_roll_institution", "institution_id", "from_year"),
)

timeline = Table(
    "proj_timeline",
    metadata,
    Column("student_id", String(32), primary_key=True),
    Column("sequence", Integer, primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("occurred_on", String(10), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("institution_id", String(16)),
    Column("corrected_by", String(200), nullable=False, default=""),
    Column("retracted_by", Integer),
    # Sealed: [details (corrections applied), provenance or null].
    Column("sealed", LargeBinary, nullable=False),
)


OWNERS = {
    students.name: "student_facts",
    facts.name: "student_facts",
    roll.name: "student_facts",
    timeline.name: "timeline",
}


def create_tables(engine: Engine) -> None:
    """Create missing tables; tolerate another process creating them at the same moment.

    A projection table whose columns differ from this code's (an upgrade
    changed it) is dropped with the rest of its projection's tables, and the
    projection starts again from position 0: projections are rebuildable, so
    the next catch-up (or ``careers-ledger rebuild``) fills them from the log.
    """
    stale = _stale_projections(engine)
    if stale:
        with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                if OWNERS.get(table.name) in stale:
                    table.drop(connection, checkfirst=True)
            if inspect(connection).has_table(positions.name):
                connection.execute(
                    update(positions)
                    .where(positions.c.name.in_(sorted(stale)))
                    .values(position=0, generation=positions.c.generation + 1)
                )
    try:
        metadata.create_all(engine)
    except (IntegrityError, ProgrammingError):
        metadata.create_all(engine)


def _stale_projections(engine: Engine) -> set[str]:
    found = inspect(engine)
    stale = set()
    for table in metadata.sorted_tables:
        if table.name in OWNERS and found.has_table(table.name):
            existing = {column["name"] for column in found.get_columns(table.name)}
            if existing != {column.name for column in table.columns}:
                stale.add(OWNERS[table.name])
    return stale
