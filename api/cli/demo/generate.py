"""Plan the whole synthetic school: every pupil's stream, from registration to destinations.

Everything comes from one seeded random generator consumed in a fixed order,
so the same seed, size and "today" always plan the same entries.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from api.cli.demo import catalogue as cat
from api.cli.demo.amendments import amendments
from api.cli.demo.calendar import school_year
from api.cli.demo.destinations import destinations, leaving, plan_routes, september_guarantee
from api.cli.demo.encounters import employer_encounters
from api.cli.demo.experiences import careers_learning, workplace_experiences
from api.cli.demo.guidance import guidance, higher_education_intent, reflections
from api.cli.demo.plan import Recording, Stream
from api.cli.demo.providers import provider_encounters
from api.cli.demo.roster import Pupil, build_roster
from api.cli.demo.school import Context, Journey
from ledger.domain.calendar import academic_year_of


@dataclass(frozen=True)
class LeaverCohort:
    """One stage's leavers of one academic year: KS4 counts everyone who finished
    Year 11 (staying on or not), KS5 everyone who left the sixth form."""

    academic_year: int
    stage: str
    students: int
    left_the_school: int
    with_destination: int


@dataclass(frozen=True)
class SchoolPlan:
    pupils: list[Pupil]
    streams: list[Stream]
    today: date

    def roll_by_year_group(self) -> dict[int, int]:
        """Pupils on roll on the demo's today, by year group."""
        current = academic_year_of(self.today)
        counts = Counter(
            p.year_group(current)
            for p in self.pupils
            if p.left_on is None or p.left_on > self.today
        )
        return dict(sorted(counts.items()))

    def entries_by_kind(self) -> dict[str, int]:
        counts = Counter(e.kind for s in self.streams for e in s.entries)
        return dict(counts.most_common())

    def entry_count(self) -> int:
        return sum(len(s.entries) for s in self.streams)

    def leaver_cohorts(self) -> list[LeaverCohort]:
        """Every leaver cohort the ledger holds, oldest first, KS4 before the sixth form."""
        recorded = {
            s.student_id for s in self.streams if any(e.kind == "destination" for e in s.entries)
        }
        finished = [p for p in self.pupils if p.left_on is not None and p.left_on <= self.today]
        cohorts = []
        for year in sorted({academic_year_of(p.left_on) for p in finished if p.left_on}):
            left = [p for p in finished if p.left_on and academic_year_of(p.left_on) == year]
            after_11 = [p for p in left if p.leave_year_group == 11]
            stayed = [
                p
                for p in self.pupils
                if p.stays_on and p.join_year_group <= 11 and p.cohort + 4 == year
            ]
            sixth_form = [p for p in left if p.leave_year_group in (12, 13)]
            for stage, students, leavers in (
                ("KS4", len(after_11) + len(stayed), after_11),
                ("sixth form", len(sixth_form), sixth_form),
            ):
                if leavers:
                    with_destination = sum(p.student_id in recorded for p in leavers)
                    cohorts.append(
                        LeaverCohort(year, stage, students, len(leavers), with_destination)
                    )
        return cohorts


def plan_school(seed: int, students: int, today: date, now: datetime) -> SchoolPlan:
    """Plan a school of about ``students`` on roll, as its ledger would hold it at ``now``."""
    rng = random.Random(seed)
    pupils = build_roster(rng, students, today)
    recording = Recording(rng, now)
    ctx = Context(rng, today, recording)
    streams = []
    for pupil in pupils:
        journey = Journey(pupil, Stream(pupil.student_id, pupil.index, recording, today))
        _register(ctx, journey)
        higher_education_intent(ctx, journey)
        journey.planned_routes = plan_routes(ctx, journey)
        for academic_year in pupil.years_on_roll(today):
            _school_year(ctx, journey, academic_year)
        leaving(ctx, journey)
        destinations(ctx, journey, journey.routes)
        reflections(ctx, journey)
        amendments(ctx, journey)
        streams.append(journey.stream)
    return SchoolPlan(pupils, streams, today)


def _register(ctx: Context, journey: Journey) -> None:
    pupil = journey.pupil
    journey.stream.add(
        "registration",
        pupil.joined_on,
        {
            "given_name": pupil.given_name,
            "family_name": pupil.family_name,
            "date_of_birth": pupil.date_of_birth,
            "upn": pupil.upn,
            "uln": pupil.uln,
            "characteristics": {
                "gender": pupil.gender,
                "fsm": pupil.fsm,
                "send": pupil.send,
                "pupil_premium": pupil.pupil_premium,
                "care_experienced": pupil.care_experienced,
            },
        },
        recorded_at=ctx.recording.staff(pupil.joined_on, lag=0),
    )


def _school_year(ctx: Context, journey: Journey, academic_year: int) -> None:
    pupil = journey.pupil
    year = school_year(academic_year)
    year_group = pupil.year_group(academic_year)
    enrolled_on = max(pupil.joined_on, min(year.first_day, ctx.today))
    journey.add(
        "enrolment",
        enrolled_on,
        {
            "institution_id": cat.SCHOOL_URN,
            "year_group": year_group,
            "academic_year": academic_year,
        },
        recorded_at=ctx.recording.staff(enrolled_on, lag=0),
    )
    employer_encounters(ctx, journey, year, year_group)
    provider_encounters(ctx, journey, year, year_group)
    workplace_experiences(ctx, journey, year, year_group)
    careers_learning(ctx, journey, year, year_group)
    guidance(ctx, journey, year, year_group)
    completes_year_11 = pupil.stays_on or pupil.leave_year_group == 11
    if year_group == 11 and completes_year_11:
        september_guarantee(ctx, journey, academic_year, journey.routes.after_year_11)
    routes = journey.routes
    if year_group == 12 and pupil.leave_year_group == 12 and routes.after_sixth_form:
        september_guarantee(ctx, journey, academic_year, routes.after_sixth_form)
