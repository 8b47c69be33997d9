"""The read side of one ledger: its projections, their tables and how to read them.

Built once by the composition root (``api/bootstrap.py``) on the ledger's own
SQLAlchemy engine; queries take it as their first argument.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, or_, select

from ledger.domain.calendar import ENGLAND
from ledger.domain.clock import Clock
from ledger.storage.application import LedgerApplication
from projections.rules.facts import StudentFacts
from projections.runner.engine import Projection, Projector
from projections.runner.pipeline import LogSource
from projections.runner.tables import create_tables, roll
from projections.views.fact_rows import load_student_facts
from projections.views.sealing import RowSealer, row_sealer
from projections.views.student_facts import StudentFactsProjection
from projections.views.timeline import TimelineProjection

CHUNK = 500


def default_projections(sealer: RowSealer) -> list[Projection]:
    return [StudentFactsProjection(sealer), TimelineProjection(sealer)]


@dataclass
class ReadModels:
    app: LedgerApplication
    engine: Engine
    clock: Clock
    projector: Projector
    sealer: RowSealer

    def today(self) -> date:
        """Today in England (the school calendar's day)."""
        return self.clock.now().astimezone(ENGLAND).date()

    def facts_of(self, student_id: UUID) -> StudentFacts | None:
        found = list(self.facts_for([student_id]))
        return found[0] if found else None

    def facts_for(self, student_ids: Sequence[UUID]) -> Iterator[StudentFacts]:
        """Live facts of these students (those the projection holds), a chunk at a time."""
        ordered = list(dict.fromkeys(student_ids))
        sealer = self.sealer.scoped()
        with self.engine.connect() as connection:
            for start in range(0, len(ordered), CHUNK):
                chunk = ordered[start : start + CHUNK]
                yield from load_student_facts(connection, sealer, chunk)

    def roll_candidates(
        self,
        *,
        institution_id: str | None,
        academic_year: int | None,
        year_group: int | None,
    ) -> list[UUID]:
        """Students the rolls index puts in a cohort (a superset; membership is re-checked)."""
        query: Any = select(roll.c.student_id).distinct()
        if institution_id is not None:
            query = query.where(roll.c.institution_id == institution_id)
        if academic_year is not None:
            query = query.where(
                roll.c.from_year <= academic_year,
                or_(roll.c.until_year.is_(None), roll.c.until_year >= academic_year),
            )
            if year_group is not None:
                query = query.where(roll.c.year0 == academic_year - year_group)
        with self.engine.connect() as connection:
            return [UUID(hex=key) for (key,) in connection.execute(query)]


def build_read_models(
    app: LedgerApplication,
    engine: Engine,
    clock: Clock,
    projections: Sequence[Projection] | None = None,
    *,
    log_source: LogSource | None = None,
) -> ReadModels:
    """Create the read side's tables if missing and wire its projector.

    With ``log_source``, long replays decode the log in a second process.
    """
    create_tables(engine)
    sealer = row_sealer(app)
    projector = Projector(
        app, engine, projections or default_projections(sealer), log_source=log_source
    )
    return ReadModels(app, engine, clock, projector, sealer)
