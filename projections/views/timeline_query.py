"""Reading the transition-integrated record of one student."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import Engine, select

from projections.runner.tables import timeline as timeline_table
from projections.views.sealing import RowSealer, timeline_purpose


@dataclass(frozen=True)
class TimelineEntry:
    """One piece of advice, decision or transition, corrections applied."""

    sequence: int
    kind: str
    occurred_on: date
    recorded_at: datetime
    institution_id: str | None  # the institution that recorded it
    origin: str  # "native", or "imported" from an earlier institution's record
    imported_from: str | None
    corrected_by: tuple[int, ...]
    details: dict[str, Any]
    retracted_by: int | None = None


@dataclass(frozen=True)
class Timeline:
    student_id: UUID
    entries: tuple[TimelineEntry, ...]
    hidden: int  # retracted entries left out (still in the student's history)

    @property
    def institutions(self) -> tuple[str, ...]:
        """Every institution the entries come from or place the student at, in order."""
        seen: dict[str, None] = {}
        for entry in self.entries:
            for found in (
                entry.imported_from,
                entry.details.get("institution_id"),
                entry.institution_id,
            ):
                if isinstance(found, str) and found:
                    seen.setdefault(found, None)
        return tuple(seen)


def _imported_from(provenance: dict[str, Any] | None) -> str | None:
    if not provenance:
        return None
    for key in ("institution_id", "origin", "source"):
        value = provenance.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def read_timeline(
    engine: Engine, sealer: RowSealer, student_id: UUID, *, include_retracted: bool
) -> Timeline:
    query = (
        select(timeline_table)
        .where(timeline_table.c.student_id == student_id.hex)
        .order_by(timeline_table.c.occurred_on, timeline_table.c.sequence)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    entries, hidden = [], 0
    sealer = sealer.scoped()
    for row in rows:
        if row.retracted_by is not None and not include_retracted:
            hidden += 1
            continue
        opened = sealer.open(student_id, timeline_purpose(row.sequence), row.sealed)
        if opened is None:
            return Timeline(student_id, (), 0)  # erased since the rows were read
        details, provenance = orjson.loads(opened)
        entries.append(
            TimelineEntry(
                sequence=row.sequence,
                kind=row.kind,
                occurred_on=date.fromisoformat(row.occurred_on),
                recorded_at=datetime.fromisoformat(row.recorded_at),
                institution_id=row.institution_id,
                origin="imported" if provenance is not None else "native",
                imported_from=_imported_from(provenance),
                corrected_by=tuple(int(c) for c in row.corrected_by.split(",") if c),
                details=details,
                retracted_by=row.retracted_by,
            )
        )
    return Timeline(student_id, tuple(entries), hidden)
