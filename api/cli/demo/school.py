"""The shared state of one demo run: whole-year-group sessions and each pupil's journey.

Most careers activities are organised for a whole year group on one day (a
careers fair, a college taster day), and the careers team records everyone's
attendance in one sitting; a pupil's own journey (interviews, intentions,
destinations) is planned around them.  A journey carries the pupil's planned
routes, so the ``Route`` shape lives here; ``destinations`` chooses them.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from api.cli.demo.calendar import SchoolYear
from api.cli.demo.plan import Planned, Recording, Stream
from api.cli.demo.roster import Pupil

Window = tuple[tuple[int, int], tuple[int, int]]
REFRESHED_GUIDANCE_FROM = date(2025, 9, 1)  # statutory guidance adopting the 2024 refresh
LOCKDOWN = (date(2020, 3, 20), date(2020, 7, 31))  # no in-person activities
REMOTE = (date(2020, 9, 1), date(2021, 5, 17))  # encounters moved online


@dataclass(frozen=True)
class Route:
    code: str
    provider: str | None
    programme: str
    years: float | None  # expected length; None while open-ended


@dataclass
class Routes:
    after_year_11: Route
    after_sixth_form: Route | None


@dataclass(eq=False)
class Session:
    day: date
    recorded_at: datetime
    held: bool
    details: dict[str, Any]


@dataclass(eq=False)
class Journey:
    """One pupil's stream plus what later entries need to know about earlier ones."""

    pupil: Pupil
    stream: Stream
    considering: list[tuple[date, bool]] = field(default_factory=list)
    reflectable: list[Planned] = field(default_factory=list)
    placement_days: float = 0.0  # Years 10-11, towards BM6 (2025) "two weeks' worth"
    planned_routes: Routes | None = None

    @property
    def routes(self) -> Routes:
        """Post-16 and post-18 routes, planned right after the pupil's HE intentions."""
        if self.planned_routes is None:
            raise LookupError("plan the routes before the school years")
        return self.planned_routes

    def considering_on(self, day: date) -> bool:
        """Whether the pupil was considering higher education on ``day``."""
        position = bisect_right([d for d, _ in self.considering], day)
        if position:
            return self.considering[position - 1][1]
        return self.pupil.leans_to_higher_education

    def add(self, kind: str, day: date, payload: dict[str, Any], **options: Any) -> Planned | None:
        """Plan an entry for a day the pupil was on roll (leavers' entries go via ``stream``)."""
        pupil = self.pupil
        if day < pupil.joined_on or (pupil.left_on is not None and day > pupil.left_on):
            return None
        return self.stream.add(kind, day, payload, **options)


class Context:
    def __init__(self, rng: random.Random, today: date, recording: Recording) -> None:
        self.rng = rng
        self.today = today
        self.recording = recording
        self._sessions: dict[tuple[str, int, int], Session] = {}

    def session(
        self,
        name: str,
        year: SchoolYear,
        year_group: int,
        window: Window,
        details: Callable[[random.Random], dict[str, Any]] | None = None,
        chance_held: float = 0.96,
        whole_week: bool = False,
    ) -> Session:
        """The one occasion of ``name`` for a year group in an academic year.

        A ``whole_week`` occasion starts on the first teaching day of its week.
        """
        key = (name, year.start, year_group)
        if key not in self._sessions:
            day = year.pick_day(self.rng, window)
            if whole_week:
                day = year.week_of(day)[0]
            held = self.rng.random() < chance_held and not LOCKDOWN[0] <= day <= LOCKDOWN[1]
            self._sessions[key] = Session(
                day,
                self.recording.staff(day),
                held,
                details(self.rng) if details else {},
            )
        return self._sessions[key]

    def attends(self, pupil: Pupil, share: float = 1.0) -> bool:
        return self.rng.random() < pupil.engagement * share

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability


def remote(day: date) -> bool:
    return REMOTE[0] <= day <= REMOTE[1]


def in_lockdown(day: date) -> bool:
    return LOCKDOWN[0] <= day <= LOCKDOWN[1]


def new_vocabulary(day: date) -> bool:
    return day >= REFRESHED_GUIDANCE_FROM
