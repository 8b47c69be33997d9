"""Post-16 and post-18 routes, leaving, September Guarantee offers and destinations.

KS4 routes follow the national shape (DfE KS4 destination measures): about 94%
sustained, mostly education split between FE colleges and sixth forms, a few
apprenticeships and jobs; disadvantaged pupils drop out and go unrecorded more
often, so equality gaps show.

Each destination record is one activity: when it started, its expected end
(two-year courses, three-year degrees, apprenticeships) and, once an activity
has ended early, a correction giving the real end date.  A destination year
with no activity covering it reads as not captured.
"""

from __future__ import annotations

from datetime import date, timedelta

from api.cli.demo import catalogue as cat
from api.cli.demo.calendar import school_year
from api.cli.demo.school import Context, Journey, Route, Routes
from ledger.domain.calendar import academic_year_of
from ledger.domain.vocabulary import DestinationSource as Source

OWN_SIXTH_FORM = Route("210", cat.SIXTH_FORM_NAME, "A levels in our sixth form", 2)
# (route, weight, weight multiplier for disadvantaged pupils)
AFTER_YEAR_11 = (
    (Route("230", cat.FE_COLLEGE, "Level 3 study programme", 2), 58, 1.15),
    (Route("220", cat.SIXTH_FORM_COLLEGE, "A levels", 2), 17, 0.6),
    (Route("210", cat.OTHER_SCHOOL_SIXTH_FORM, "A levels", 2), 4.7, 0.8),
    (Route("270", cat.UTC_NAME, "T Level in engineering", 2), 3, 1.0),
    (Route("310", cat.TRAINING_PROVIDERS[0], "Level 2 apprenticeship", 1.5), 6, 1.0),
    (Route("340", "Kestrel Logistics", "Warehouse operative with training", None), 2.4, 1.3),
    (Route("330", "Market Street Bakery", "Full-time job without training", None), 2.3, 1.3),
    (Route("619", None, "Not yet in education, employment or training", None), 2.3, 2.5),
    (Route("810", None, "Not known", None), 1.0, 1.6),
)
AFTER_SIXTH_FORM = (
    (Route("240", "University of Severnside", "Degree course", 3), 50, 0.85),
    (Route("310", cat.TRAINING_PROVIDERS[1], "Higher apprenticeship", 2), 10, 1.0),
    (Route("340", "Brindley Bank", "Trainee with professional qualification", None), 12, 1.0),
    (Route("330", "Copperleaf Hotels", "Full-time job", None), 10, 1.2),
    (Route("230", cat.FE_COLLEGE, "Access course", 1), 5, 1.3),
    (Route("260", None, "Gap year", 1), 4, 0.6),
    (Route("619", None, "Seeking work or training", None), 5, 2.0),
    (Route("810", None, "Not known", None), 2.5, 1.6),
)
LATER = (
    (Route("240", cat.UNIVERSITIES[1], "Degree course", 3), 30, 0.8),
    (Route("310", cat.TRAINING_PROVIDERS[2], "Level 3 apprenticeship", 2), 15, 1.0),
    (Route("340", "Midland Rail Engineering", "Technician with training", None), 20, 1.0),
    (Route("330", "Greenway Garden Centre", "Full-time job", None), 17, 1.1),
    (Route("230", cat.FE_COLLEGE, "Level 3 course", 1), 6, 1.2),
    (Route("619", None, "Seeking work or training", None), 6, 2.0),
)
EDUCATION = {"210", "220", "230", "240", "260", "270"}
UNKNOWN, NEET = "810", "619"


def _choose(
    ctx: Context, options: tuple[tuple[Route, float, float], ...], journey: Journey
) -> Route:
    needy = journey.pupil.disadvantaged
    weights = [w * (m if needy else 1.0) for _, w, m in options]
    return ctx.rng.choices([r for r, _, _ in options], weights)[0]


def plan_routes(ctx: Context, journey: Journey) -> Routes:
    pupil = journey.pupil
    after_11 = OWN_SIXTH_FORM if pupil.stays_on else _choose(ctx, AFTER_YEAR_11, journey)
    sixth_form = None
    if pupil.stays_on or pupil.join_year_group >= 12:
        after_year_12 = pupil.leave_year_group == 12
        sixth_form = _choose(ctx, AFTER_YEAR_11 if after_year_12 else AFTER_SIXTH_FORM, journey)
        last = pupil.left_on or ctx.today
        if sixth_form.code == "240" and not journey.considering_on(last):
            sixth_form = AFTER_SIXTH_FORM[1][0]
    return Routes(after_11, sixth_form)


def intention(
    ctx: Context,
    actual: Route,
    alternatives: tuple[tuple[Route, float, float], ...],
    journey: Journey,
) -> Route:
    """What the pupil said they meant to do: mostly what they went on to do."""
    if actual.code in {NEET, UNKNOWN} or ctx.chance(0.2):
        choice = _choose(ctx, alternatives, journey)
        return choice if choice.code not in {NEET, UNKNOWN} else alternatives[0][0]
    return actual


def leaving(ctx: Context, journey: Journey) -> None:
    pupil = journey.pupil
    if pupil.left_on is None:
        return
    journey.stream.add(
        "leaving",
        pupil.left_on,
        {
            "institution_id": cat.SCHOOL_URN,
            "year_group": pupil.leave_year_group,
            "reason": pupil.leave_reason,
        },
    )


def september_guarantee(ctx: Context, journey: Journey, academic_year: int, route: Route) -> None:
    """The offer of a suitable post-16 place made in the summer of Year 11 (or Year 12)."""
    year = school_year(academic_year)
    offer = route if route.code in EDUCATION else AFTER_YEAR_11[0][0]
    accepted = None if ctx.chance(0.06) else offer is route and route.code in EDUCATION
    day = year.month_day(6, 1) + timedelta(days=ctx.rng.randint(0, 80))
    journey.stream.add(
        "september_guarantee",
        day,
        {
            "provider_name": offer.provider or cat.FE_COLLEGE,
            "programme": offer.programme,
            "accepted": accepted,
        },
    )


def destinations(ctx: Context, journey: Journey, routes: Routes) -> None:
    """Every activity from the end of Year 11 until three years after leaving."""
    pupil = journey.pupil
    if pupil.join_year_group <= 11 and (pupil.stays_on or pupil.leave_year_group == 11):
        year11 = pupil.cohort + 4
        start = school_year(year11 + 1).first_day
        if pupil.stays_on:
            end = pupil.left_on if pupil.leave_year_group == 12 else None
            _record(ctx, journey, OWN_SIXTH_FORM, start, Source.SCHOOL, ended_on=end)
        else:
            _follow(ctx, journey, routes.after_year_11, start, horizon=year11 + 3)
    left_on = pupil.left_on
    if routes.after_sixth_form is not None and left_on and pupil.leave_year_group in (12, 13):
        left = academic_year_of(left_on)
        start = _next_september(left_on)
        if routes.after_sixth_form.code == "240":
            start += timedelta(days=ctx.rng.randint(14, 24))  # university terms start later
        _follow(ctx, journey, routes.after_sixth_form, start, horizon=left + 3)


def _follow(ctx: Context, journey: Journey, route: Route, start: date, horizon: int) -> None:
    """Record a route and whatever follows it, up to the end of the horizon year."""
    limit = school_year(horizon).month_day(7, 31)
    needy = journey.pupil.disadvantaged
    while start <= min(limit, ctx.today):
        ended = None
        if route.code in EDUCATION | {"310"}:
            risk = 0.05 * (2.2 if needy else 1.0) * (1.3 if journey.pupil.send else 1.0)
            if ctx.chance(risk):
                ended = start + timedelta(days=ctx.rng.randint(40, 170))
        if route.code == UNKNOWN and ctx.chance(0.5):
            return  # never captured at all
        _record(ctx, journey, route, start, _source(ctx), ended_on=ended)
        if ended is not None:
            route = ctx.rng.choice(
                (
                    Route(NEET, None, "Seeking work or training", None),
                    Route("350", "Kestrel Logistics", "Temporary work", None),
                    Route("530", cat.FE_COLLEGE, "Re-engagement programme", 1),
                )
            )
            start = ended + timedelta(days=ctx.rng.randint(7, 40))
            continue
        if route.years is None:
            if route.code in {NEET, UNKNOWN} and ctx.chance(0.6):
                start, route = _next_september(start), _choose(ctx, LATER, journey)
                continue
            return
        finish = _expected_end(route, start) or start
        if ctx.chance(0.07 * (1.6 if needy else 1.0)):
            return  # the next step was never captured
        route = _choose(ctx, LATER, journey)
        start = finish + timedelta(days=ctx.rng.randint(30, 60))


def _next_september(day: date) -> date:
    return school_year(academic_year_of(day) + 1).first_day


def _expected_end(route: Route, start: date) -> date | None:
    """Courses end in July; apprenticeships run their length; jobs are open-ended."""
    if route.years is None:
        return None
    if route.code == "310":
        return start + timedelta(days=int(365 * route.years))
    # A course runs whole programme years of August to July, from the one it starts in.
    programme_year = start.year if start.month >= 8 else start.year - 1
    return date(programme_year + int(route.years), 7, 31)


def _source(ctx: Context) -> Source:
    return ctx.rng.choices(
        (Source.LOCAL_AUTHORITY, Source.SCHOOL, Source.STUDENT, Source.ALUMNI_SURVEY, Source.DFE),
        (50, 15, 10, 15, 10),
    )[0]


def _record(
    ctx: Context,
    journey: Journey,
    route: Route,
    start: date,
    source: Source,
    *,
    ended_on: date | None,
) -> None:
    obtained = start + timedelta(days=ctx.rng.randint(10, 70))
    expected_end = _expected_end(route, start)
    record = journey.stream.add(
        "destination",
        obtained,
        {
            "nccis_code": route.code,
            "provider_or_employer": route.provider,
            "start_on": start,
            "end_on": expected_end,
            "source": source,
        },
    )
    if record is None or ended_on is None:
        return
    found_out = max(ended_on, obtained) + timedelta(days=ctx.rng.randint(14, 60))
    journey.stream.add(
        "correction",
        found_out,
        {"changes": {"end_on": ended_on}, "reason": "Left before the expected end date"},
        recorded_at=ctx.recording.staff(found_out, lag=0),
        reference=("amends_sequence", record),
    )
