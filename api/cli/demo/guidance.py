"""Personal guidance (BM8), higher-education intentions and intended destinations.

Nearly every Year 11 pupil sees a careers adviser (disadvantaged and SEND
pupils first); a few decline or miss the appointment, most of them are seen
later.  Most Year 13 students have a second interview.  A trainee adviser
(Level 4, so not enough for BM8 2014) helped out for a few years.
"""

from __future__ import annotations

from datetime import date, timedelta

from api.cli.demo import catalogue as cat
from api.cli.demo.calendar import SchoolYear, school_year
from api.cli.demo.destinations import AFTER_SIXTH_FORM, AFTER_YEAR_11, intention
from api.cli.demo.school import Context, Journey, Route
from ledger.domain.vocabulary import InterviewFormat, InterviewOutcome

TRAINEE_YEARS = range(2019, 2023)


def higher_education_intent(ctx: Context, journey: Journey) -> None:
    """Considering-HE flags: first asked in Year 10, revisited in the sixth form."""
    pupil = journey.pupil
    considering = pupil.leans_to_higher_education
    year10 = school_year(pupil.cohort + 3)
    if pupil.join_year_group <= 10 and ctx.chance(0.85):
        _flag(ctx, journey, year10.pick_day(ctx.rng, ((3, 2), (5, 20))), considering)
    year12 = school_year(pupil.cohort + 5)
    if pupil.stays_on or pupil.join_year_group == 12:
        changed = ctx.chance(0.12 if considering else 0.25)
        considering = considering != changed
        if changed or pupil.join_year_group == 12:
            _flag(ctx, journey, year12.pick_day(ctx.rng, ((9, 20), (11, 15))), considering)
        if ctx.chance(0.08):
            year13 = school_year(pupil.cohort + 6)
            _flag(ctx, journey, year13.pick_day(ctx.rng, ((10, 1), (1, 30))), not considering)


def _flag(ctx: Context, journey: Journey, day: date, considering: bool) -> None:
    if journey.add("higher_education_intent", day, {"considering": considering}) is not None:
        journey.considering.append((day, considering))


def guidance(ctx: Context, journey: Journey, year: SchoolYear, year_group: int) -> None:
    pupil = journey.pupil
    priority = pupil.disadvantaged or pupil.send or pupil.care_experienced
    if year_group == 10 and ctx.chance(0.3 if priority else 0.06):
        _interview(ctx, journey, year, ((1, 10), (6, 30)), None)
    elif year_group == 11:
        window = ((10, 1), (12, 12)) if priority else ((10, 1), (3, 20))
        route = journey.routes.after_year_11
        held = _offer(ctx, journey, year, window, route, turnout=0.95, rebook=0.6)
        if held and ctx.chance(0.2):
            _interview(ctx, journey, year, ((4, 20), (6, 26)), route)
        if held:
            _intended(ctx, journey, held, route, AFTER_YEAR_11)
    elif year_group == 12 and ctx.chance(0.3):
        _interview(ctx, journey, year, ((1, 10), (6, 26)), None)
    elif year_group == 13 and journey.routes.after_sixth_form is not None:
        route = journey.routes.after_sixth_form
        held = _offer(
            ctx, journey, year, ((10, 1), (2, 27)), route, turnout=0.9, rebook=0.3, skipped=0.1
        )
        if held:
            _intended(ctx, journey, held, route, AFTER_SIXTH_FORM)


def _offer(
    ctx: Context,
    journey: Journey,
    year: SchoolYear,
    window: tuple[tuple[int, int], tuple[int, int]],
    route: Route,
    *,
    turnout: float,
    rebook: float,
    skipped: float = 0.02,
) -> date | None:
    """An interview offered: held, or declined / missed and perhaps rebooked."""
    if ctx.chance(skipped):
        return None
    if ctx.rng.random() < turnout * (journey.pupil.engagement + 0.05):
        return _interview(ctx, journey, year, window, route)
    day = year.pick_day(ctx.rng, window)
    outcome = InterviewOutcome.DECLINED if ctx.chance(0.4) else InterviewOutcome.DID_NOT_ATTEND
    adviser, level = _adviser(ctx, year)
    journey.add(
        "guidance_interview_not_taken",
        day,
        {"outcome": outcome, "adviser_name": adviser, "adviser_qualification_level": level},
    )
    if ctx.chance(rebook):
        later = day + timedelta(days=ctx.rng.randint(14, 45))
        return _interview(ctx, journey, year, ((later.month, later.day), (7, 10)), route)
    return None


def _adviser(ctx: Context, year: SchoolYear) -> tuple[str, int]:
    advisers = cat.ADVISERS if year.start in TRAINEE_YEARS else cat.ADVISERS[:3]
    weights = (35, 30, 30, 8)[: len(advisers)]
    return ctx.rng.choices(advisers, weights)[0]


def _interview(
    ctx: Context,
    journey: Journey,
    year: SchoolYear,
    window: tuple[tuple[int, int], tuple[int, int]],
    route: Route | None,
) -> date | None:
    rng = ctx.rng
    day = year.pick_day(rng, window)
    adviser, level = _adviser(ctx, year)
    group = ctx.chance(0.04)
    entry = journey.add(
        "guidance_interview",
        day,
        {
            "adviser_name": adviser,
            "adviser_qualification_level": level,
            "format": InterviewFormat.GROUP if group else InterviewFormat.ONE_TO_ONE,
            "duration_minutes": rng.choice((30, 40, 45, 50, 60)),
            "topics": rng.sample(cat.INTERVIEW_TOPICS, rng.randint(2, 4)),
            "advice_given": rng.choice(cat.ADVICE),
            "agreed_actions": rng.sample(cat.ACTIONS, rng.randint(1, 3)),
            "intended_destination": route.programme if route is not None else None,
            "follow_up_on": day + timedelta(days=rng.randint(21, 70)) if ctx.chance(0.6) else None,
        },
    )
    if entry is None:
        return None
    journey.reflectable.append(entry)
    return day


def _intended(
    ctx: Context,
    journey: Journey,
    day: date,
    actual: Route,
    alternatives: tuple[tuple[Route, float, float], ...],
) -> None:
    intended = intention(ctx, actual, alternatives, journey)
    journey.add(
        "intended_destination",
        day,
        {
            "nccis_code": intended.code,
            "provider_or_employer": intended.provider,
            "notes": f"{intended.programme} (discussed at the guidance interview)",
        },
    )


def reflections(ctx: Context, journey: Journey) -> None:
    """Student-authored notes on some encounters, experiences and interviews."""
    for target in list(journey.reflectable):
        if not ctx.chance(0.09 * journey.pupil.engagement):
            continue
        day = target.occurred_on + timedelta(days=ctx.rng.randint(0, 6))
        text = ctx.rng.choice(cat.REFLECTIONS)
        journey.add(
            "reflection", day, {"text": text}, by_student=True, reference=("about_sequence", target)
        )
