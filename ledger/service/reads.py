"""The read use cases: what careers leaders, students and inspectors ask of the read side.

Every edge (HTTP API, pages, CLI, the demo's summary, the PDF export) reads
through here, never through the projections' queries directly: each question
about a student is authorised and written to the access log once, here, with
the purpose it serves; each cohort question is scoped to the institutions the
caller may report on.  "As of" and "known at" are cut by one rule,
:class:`ledger.domain.calendar.DayCut` (English calendar days).

Results are the projections' own frozen dataclasses
(:mod:`projections.views.queries`); their dates and defaults are documented
there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from ledger.domain import access
from ledger.domain.access import Actor
from ledger.domain.access_log import AccessPurpose
from ledger.domain.calendar import DayCut, check_day_window
from ledger.domain.errors import StudentNotFound
from ledger.service.commands import Entry, History
from projections.views import queries
from projections.views.queries import (
    DEFAULT_RULESET,
    CohortReport,
    DestinationsReport,
    LeaverDestinations,
    ProjectionStatus,
    ProviderAccessReport,
    StudentAttainment,
    StudentProviderAccess,
    Timeline,
    TimelineEntry,
)

if TYPE_CHECKING:
    from projections.views.readside import ReadModels

ADVICE_KINDS = frozenset({"guidance_interview", "guidance_interview_not_taken"})

__all__ = [
    "DEFAULT_RULESET",
    "CohortReport",
    "DestinationsReport",
    "LeaverDestinations",
    "ProjectionStatus",
    "ProviderAccessReport",
    "Reads",
    "StudentAttainment",
    "StudentProviderAccess",
    "StudentRecord",
    "Timeline",
    "TimelineEntry",
]


class Gate(Protocol):
    """The service's access decisions that reads go through (LedgerService)."""

    def authorise_read(self, student_id: UUID, *, actor: Actor, purpose: AccessPurpose) -> None: ...

    def history(self, student_id: UUID, *, actor: Actor, purpose: AccessPurpose) -> History: ...

    def report_scope(self, institution_id: str | None, *, actor: Actor) -> str | None: ...

    def authorise_operations(self, *, actor: Actor) -> None: ...


@dataclass(frozen=True)
class StudentRecord:
    """A student's whole record cut at one pair of days: entries, benchmarks, advice.

    ``entries`` are the stored entries (corrections not applied) that the cut
    keeps; ``attainment`` is None and ``destinations``/``advice`` are empty when
    the read side has not caught up with a student the ledger already holds.
    """

    history: History
    cut: DayCut
    ruleset: str
    entries: tuple[Entry, ...]
    attainment: StudentAttainment | None
    destinations: tuple[LeaverDestinations, ...]
    advice: tuple[TimelineEntry, ...]  # oldest first


class Reads:
    def __init__(self, gate: Gate, read: ReadModels) -> None:
        self.gate = gate
        self.read = read

    # -- one student ------------------------------------------------------------
    def student_attainment(
        self,
        student_id: UUID,
        *,
        actor: Actor = access.SYSTEM,
        ruleset: str = DEFAULT_RULESET,
        as_of: date | None = None,
        known_at: date | None = None,
    ) -> StudentAttainment:
        self.check_window(as_of, known_at)
        self.gate.authorise_read(student_id, actor=actor, purpose=AccessPurpose.BENCHMARKS)
        return queries.student_attainment(
            self.read, student_id, ruleset=ruleset, as_of=as_of, known_at=known_at
        )

    def student_provider_access(
        self,
        student_id: UUID,
        *,
        actor: Actor = access.SYSTEM,
        as_of: date | None = None,
        known_at: date | None = None,
    ) -> StudentProviderAccess:
        self.check_window(as_of, known_at)
        self.gate.authorise_read(student_id, actor=actor, purpose=AccessPurpose.PROVIDER_ACCESS)
        return queries.student_provider_access(
            self.read, student_id, as_of=as_of, known_at=known_at
        )

    def student_destinations(
        self,
        student_id: UUID,
        *,
        actor: Actor = access.SYSTEM,
        as_of: date | None = None,
        known_at: date | None = None,
    ) -> tuple[LeaverDestinations, ...]:
        self.check_window(as_of, known_at)
        self.gate.authorise_read(student_id, actor=actor, purpose=AccessPurpose.DESTINATIONS)
        return queries.student_destinations(self.read, student_id, as_of=as_of, known_at=known_at)

    def timeline(
        self, student_id: UUID, *, actor: Actor = access.SYSTEM, include_retracted: bool = False
    ) -> Timeline:
        self.gate.authorise_read(student_id, actor=actor, purpose=AccessPurpose.TIMELINE)
        return queries.timeline(self.read, student_id, include_retracted=include_retracted)

    def student_record(
        self,
        student_id: UUID,
        *,
        actor: Actor = access.SYSTEM,
        purpose: AccessPurpose = AccessPurpose.RECORD,
        ruleset: str = DEFAULT_RULESET,
        as_of: date | None = None,
        known_at: date | None = None,
    ) -> StudentRecord:
        """The record page's whole view, authorised and logged once (purpose ``record``).

        The entries, the benchmark panel and the advice beside them are cut by
        the same :class:`DayCut`, so they always agree on what was known when.
        """
        self.check_window(as_of, known_at)
        history = self.gate.history(student_id, actor=actor, purpose=purpose)
        cut = DayCut(as_of=as_of, known_at=known_at)
        entries = tuple(e for e in history.entries if cut.keeps(e.occurred_on, e.recorded_at))
        try:
            attainment: StudentAttainment | None = queries.student_attainment(
                self.read, student_id, ruleset=ruleset, as_of=as_of, known_at=known_at
            )
            destinations = queries.student_destinations(
                self.read, student_id, as_of=as_of, known_at=known_at
            )
            advice = tuple(
                e
                for e in queries.timeline(self.read, student_id).entries
                if e.kind in ADVICE_KINDS and cut.keeps(e.occurred_on, e.recorded_at)
            )
        except StudentNotFound:
            # The history says the student exists: the read side has not caught up yet.
            attainment, destinations, advice = None, (), ()
        return StudentRecord(history, cut, ruleset, entries, attainment, destinations, advice)

    # -- cohorts ----------------------------------------------------------------
    def cohort_report(
        self,
        *,
        actor: Actor = access.SYSTEM,
        ruleset: str = DEFAULT_RULESET,
        institution_id: str | None = None,
        academic_year: int | None = None,
        year_group: int | None = None,
        as_of: date | None = None,
        known_at: date | None = None,
    ) -> CohortReport:
        self.check_window(as_of, known_at)
        return queries.cohort_report(
            self.read,
            ruleset=ruleset,
            institution_id=self.gate.report_scope(institution_id, actor=actor),
            academic_year=academic_year,
            year_group=year_group,
            as_of=as_of,
            known_at=known_at,
        )

    def provider_access_report(
        self,
        *,
        actor: Actor = access.SYSTEM,
        institution_id: str | None = None,
        academic_year: int | None = None,
        year_group: int | None = None,
        as_of: date | None = None,
        known_at: date | None = None,
    ) -> ProviderAccessReport:
        self.check_window(as_of, known_at)
        return queries.provider_access_report(
            self.read,
            institution_id=self.gate.report_scope(institution_id, actor=actor),
            academic_year=academic_year,
            year_group=year_group,
            as_of=as_of,
            known_at=known_at,
        )

    def destinations_report(
        self,
        *,
        actor: Actor = access.SYSTEM,
        institution_id: str | None = None,
        stage: str | None = None,
        leaving_year: int | None = None,
        as_of: date | None = None,
        known_at: date | None = None,
    ) -> DestinationsReport:
        self.check_window(as_of, known_at)
        return queries.destinations_report(
            self.read,
            institution_id=self.gate.report_scope(institution_id, actor=actor),
            stage=stage,
            leaving_year=leaving_year,
            as_of=as_of,
            known_at=known_at,
        )

    # -- operations ---------------------------------------------------------------
    def projection_status(self, *, actor: Actor = access.SYSTEM) -> ProjectionStatus:
        self.gate.authorise_operations(actor=actor)
        return queries.projection_status(self.read)

    def check_window(self, as_of: date | None, known_at: date | None) -> None:
        """The one date window (``calendar.check_day_window``), checked before any authorising.

        Every read taking ``as_of`` or ``known_at`` calls it first, so a refused day is a
        422 naming the parameter at every edge (API, pages, CLI), and nothing is logged.
        """
        check_day_window(self.today(), as_of=as_of, known_at=known_at)

    def today(self) -> date:
        """Today in England, by the ledger's clock: the default "as of"."""
        return self.read.today()
