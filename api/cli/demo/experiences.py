"""Workplace experiences (BM6) and careers learning: LMI (BM2) and curriculum links (BM4).

Year 10 work experience is a fixed week in July; a few pupils split it or
miss it and catch up in Year 11.  Key stage 3 pupils get visits and in-school
days, rarely the 2025 "five days" in total.  Part-time jobs are recorded too
but flagged, since they do not count towards BM6.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from api.cli.demo import catalogue as cat
from api.cli.demo.calendar import SchoolYear
from api.cli.demo.school import REFRESHED_GUIDANCE_FROM, Context, Journey, in_lockdown, remote
from ledger.domain.calendar import academic_year_of
from ledger.domain.vocabulary import ExperienceKind as Kind

LMI_REACH = {7: 0.45, 8: 0.55, 9: 0.9, 10: 0.6, 11: 0.8, 12: 0.75, 13: 0.5}
# (occasion, year groups, subjects, reach)
CURRICULUM_LESSONS = (
    ("STEM careers lesson", range(7, 12), cat.STEM_SUBJECTS, 0.8),
    ("second STEM careers lesson", range(7, 10), cat.STEM_SUBJECTS, 0.55),
    ("subject careers lesson", range(7, 14), cat.OTHER_SUBJECTS, 0.65),
    (
        "sixth form subject careers lesson",
        range(12, 14),
        cat.STEM_SUBJECTS + cat.OTHER_SUBJECTS,
        0.6,
    ),
)


def _experience(
    journey: Journey,
    kind: Kind,
    employer: str,
    days: list[date],
    *,
    reflection: bool,
    recorded_at: datetime | None = None,
    part_time_job: bool = False,
    total_days: Decimal | None = None,
) -> None:
    if not days:
        return
    count = total_days if total_days is not None else Decimal(len(days))
    payload = {
        "kind": kind,
        "employer_name": employer,
        "end_on": days[-1],
        "days": count,
        "hours": count * Decimal(7) if not part_time_job else count * Decimal(6),
        "part_time_job": part_time_job,
        "reflection_recorded": reflection,
    }
    options = {"recorded_at": recorded_at} if recorded_at is not None else {}
    entry = journey.add("workplace_experience", days[0], payload, **options)
    if entry is not None and not part_time_job:
        journey.reflectable.append(entry)
        if journey.pupil.year_group(academic_year_of(days[0])) in (10, 11):
            journey.placement_days += float(count)


def workplace_experiences(
    ctx: Context, journey: Journey, year: SchoolYear, year_group: int
) -> None:
    pupil, rng = journey.pupil, ctx.rng
    employer = rng.choice(cat.EMPLOYERS)[0]
    if year_group <= 9:
        trip = ctx.session(
            "workplace visit",
            year,
            year_group,
            ((11, 3), (6, 30)),
            lambda r: {"employer": r.choice(cat.EMPLOYERS)[0]},
        )
        if trip.held and ctx.attends(pupil, 0.3 + 0.05 * (year_group - 7)):
            _experience(
                journey,
                Kind.VISIT,
                trip.details["employer"],
                [trip.day],
                reflection=ctx.chance(0.5),
                recorded_at=trip.recorded_at,
            )
    if year_group in (7, 9) and year.start >= REFRESHED_GUIDANCE_FROM.year:
        _world_of_work_days(ctx, journey, year, year_group)
    if year_group == 8:
        day = ctx.session("industry day", year, 8, ((6, 8), (7, 14)))
        if day.held and ctx.attends(pupil):
            _experience(
                journey,
                Kind.IN_SCHOOL,
                "Industry day partners",
                [day.day],
                reflection=ctx.chance(0.4),
                recorded_at=day.recorded_at,
            )
    if year_group == 9 and ctx.chance(0.5):
        start = year.pick_day(rng, ((6, 1), (7, 10)))
        _experience(
            journey, Kind.VIRTUAL, employer, year.week_of(start)[:2], reflection=ctx.chance(0.5)
        )
    if year_group == 10:
        _work_experience_week(ctx, journey, year)
    if year_group == 11 and journey.placement_days < 5 and ctx.chance(0.4):
        start = year.pick_day(rng, ((10, 1), (12, 12)))
        _experience(
            journey, Kind.PLACEMENT, employer, year.week_of(start)[:3], reflection=ctx.chance(0.6)
        )
    if year_group == 12:
        _sixth_form_experience(ctx, journey, year, employer)
    if year_group == 13 and ctx.chance(0.1):
        _experience(
            journey,
            Kind.SHADOWING,
            employer,
            [year.pick_day(rng, ((10, 1), (3, 20)))],
            reflection=ctx.chance(0.6),
        )
    if year_group >= 11:
        _part_time_job(ctx, journey, year)


def _world_of_work_days(ctx: Context, journey: Journey, year: SchoolYear, year_group: int) -> None:
    """Since the 2025 guidance, in-school days towards the key stage 3 "five days"."""
    days = ctx.session("world of work days", year, year_group, ((6, 8), (7, 14)), whole_week=True)
    if days.held and ctx.attends(journey.pupil):
        _experience(
            journey,
            Kind.IN_SCHOOL,
            "World of work partners",
            year.week_of(days.day)[: 1 if year_group == 7 else 2],
            reflection=ctx.chance(0.5),
            recorded_at=days.recorded_at,
        )


def _work_experience_week(ctx: Context, journey: Journey, year: SchoolYear) -> None:
    week = ctx.session(
        "work experience week", year, 10, ((6, 29), (7, 10)), chance_held=0.99, whole_week=True
    )
    pupil, rng = journey.pupil, ctx.rng
    if not week.held or in_lockdown(week.day):
        return
    days = year.week_of(week.day)
    employer = rng.choice(cat.EMPLOYERS)[0]
    if remote(week.day):
        _experience(journey, Kind.VIRTUAL, employer, days[:2], reflection=ctx.chance(0.5))
        return
    roll = rng.random() / pupil.engagement
    if roll < 0.86:
        _experience(
            journey,
            Kind.PLACEMENT,
            employer,
            days,
            reflection=ctx.chance(0.65),
            recorded_at=week.recorded_at,
        )
    elif roll < 0.91:  # split: two days shadowing in the spring, three in the placement week
        spring = year.week_of(year.pick_day(rng, ((2, 24), (3, 20))))
        _experience(journey, Kind.SHADOWING, employer, spring[:2], reflection=ctx.chance(0.5))
        _experience(
            journey,
            Kind.PLACEMENT,
            employer,
            days[:3],
            reflection=ctx.chance(0.5),
            recorded_at=week.recorded_at,
        )


def _sixth_form_experience(ctx: Context, journey: Journey, year: SchoolYear, employer: str) -> None:
    roll = ctx.rng.random()
    if roll < 0.6:
        week = ctx.session(
            "sixth form work experience", year, 12, ((6, 15), (7, 10)), whole_week=True
        )
        if week.held and ctx.attends(journey.pupil):
            _experience(
                journey,
                Kind.PLACEMENT,
                employer,
                year.week_of(week.day),
                reflection=ctx.chance(0.6),
                recorded_at=week.recorded_at,
            )
    elif roll < 0.75:
        day = year.pick_day(ctx.rng, ((10, 1), (5, 20)))
        _experience(
            journey, Kind.SHADOWING, employer, year.week_of(day)[:2], reflection=ctx.chance(0.6)
        )
    elif roll < 0.95:
        _experience(
            journey,
            Kind.VIRTUAL,
            employer,
            [year.pick_day(ctx.rng, ((10, 1), (5, 20)))],
            reflection=ctx.chance(0.4),
        )


def _part_time_job(ctx: Context, journey: Journey, year: SchoolYear) -> None:
    """Some staff-recorded as experiences (flagged), some added by the pupils themselves."""
    if ctx.chance(0.12):
        employer, role = ctx.rng.choice(cat.PART_TIME_EMPLOYERS)
        start = year.pick_day(ctx.rng, ((9, 20), (5, 1)))
        if ctx.chance(0.35) and start + timedelta(days=83) <= ctx.today:
            _experience(
                journey,
                Kind.PLACEMENT,
                employer,
                [start, start + timedelta(days=83)],
                reflection=False,
                part_time_job=True,
                total_days=Decimal(12),
            )
        journey.add(
            "part_time_work",
            start + timedelta(days=ctx.rng.randint(3, 40)),
            {
                "employer_name": employer,
                "role": role,
                "hours_per_week": Decimal(ctx.rng.choice((4, 6, 8, 10, 12))),
            },
            by_student=True,
        )


def _subject_from(subjects: tuple[str, ...]) -> Callable[[random.Random], dict[str, Any]]:
    return lambda rng: {"subject": rng.choice(subjects)}


def careers_learning(ctx: Context, journey: Journey, year: SchoolYear, year_group: int) -> None:
    pupil = journey.pupil
    lmi = ctx.session(
        "LMI session",
        year,
        year_group,
        ((10, 1), (6, 30)),
        lambda r: {"activity": r.choice(cat.LMI_ACTIVITIES)},
    )
    if lmi.held and ctx.attends(pupil, LMI_REACH[year_group]):
        activity, source = lmi.details["activity"]
        journey.add(
            "labour_market_information",
            lmi.day,
            {"activity": activity, "source": source},
            recorded_at=lmi.recorded_at,
        )
    for name, year_groups, subjects, reach in CURRICULUM_LESSONS:
        if year_group not in year_groups:
            continue
        lesson = ctx.session(
            name,
            year,
            year_group,
            ((9, 22), (7, 3)),
            _subject_from(subjects),
        )
        if not lesson.held or not ctx.attends(pupil, reach):
            continue
        subject = lesson.details["subject"]
        journey.add(
            "curriculum_learning",
            lesson.day,
            {
                "subject": subject,
                "stem": subject in cat.STEM_SUBJECTS,
                "description": cat.CAREERS_LINKS.get(subject, f"Careers that use {subject}"),
            },
            recorded_at=lesson.recorded_at,
        )
