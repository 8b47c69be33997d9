"""Replays "as of" a date into memory, never touching the live tables.

*What the ledger knew on D* (``known_at``) replays only events recorded by
the end of D (English calendar day) and folds them afresh.  *What had
happened by D* (``as_of``) needs no replay: facts keep their corrected
occurrence dates, so the live facts limited to D are the same thing (a test
holds the two paths equal).  Erased students cannot be replayed: their
events no longer decrypt.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from uuid import UUID

from ledger.domain.calendar import DayCut
from ledger.storage.application import LedgerApplication
from ledger.storage.page_reader import PageReader
from projections.rules.facts import FactsBuilder, LoggedEvent, StudentFacts, fold
from projections.runner.log import LogReader, decode_page, stream_events

PAGE = 5_000


def _recorded(event: LoggedEvent) -> datetime:
    return datetime.fromisoformat(event.recorded_at)


def replay_all(
    app: LedgerApplication,
    *,
    known_at: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[UUID, StudentFacts]:
    """Every student's facts as the ledger knew them at the end of ``known_at``."""
    cutoff = DayCut(known_at=known_at).recorded_by
    builders: dict[UUID, FactsBuilder] = {}
    reader = PageReader(app.ledger_mapper)  # each student's key looked up once, not per page
    for page in LogReader(app).pages(0, PAGE):
        for event in decode_page(app, page, reader):
            if cutoff is not None and _recorded(event) > cutoff:
                continue
            if event.kind == "erasure":
                builders.pop(event.student_id, None)
                continue
            builder = builders.get(event.student_id)
            if builder is None:
                builder = builders[event.student_id] = FactsBuilder(event.student_id)
            builder.apply(event)
        if progress is not None:
            progress(len(page))
    return {student: builder.build() for student, builder in builders.items()}


def replay_student(
    app: LedgerApplication,
    student_id: UUID,
    *,
    known_at: date | None = None,
    through: int | None = None,
) -> StudentFacts | None:
    """One student's facts from their own stream, limited to what was recorded by ``known_at``.

    ``through`` keeps only the stream's first events, up to that sequence number.
    """
    cutoff = DayCut(known_at=known_at).recorded_by
    events = [
        e
        for e in stream_events(app, student_id)
        if (cutoff is None or _recorded(e) <= cutoff) and (through is None or e.sequence <= through)
    ]
    if not events or any(e.kind == "erasure" for e in events):
        return None
    return fold(student_id, events)
