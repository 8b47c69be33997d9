"""Destinations the DfE way (docs/projections.md), per leaver and year after leaving.

A Year 11 (KS4) or Year 13 (KS5) leaver is followed for three destination
years, whether or not they stay on.  Destination year *k* is the academic
year *k* after the year of leaving (August to July for apprenticeships).
It is *sustained* when the student was in education for all of October to
March, employed for at least 5 of those 6 months, in some mix of the two for
all 6, or in an apprenticeship for 6 continuous months between August and
July.  Otherwise it is *not sustained* if any activity was captured, and
*not captured* if none was.  Until the year has ended an unsustained year is
*pending* (sustained is reported as soon as it holds).

A post-16 enrolment in the ledger is education (school sixth form or FE) even
without a destination entry, so students who stay on are not "not captured".
Activity known only to the evaluation date: an open-ended activity is taken
to run up to that date and no further.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID

from ledger.domain.calendar import academic_year_start, add_months
from projections.rules.activities import APPRENTICESHIP, EDUCATION_GROUPS, EMPLOYMENT_GROUPS
from projections.rules.base import until
from projections.rules.common import destination_group
from projections.rules.facts import StudentFacts
from projections.rules.standing import Standing

STAGES = {"ks4": 11, "ks5": 13}
YEARS_AFTER = (1, 2, 3)
CONTINUOUS_APPRENTICESHIP_MONTHS = 6
ONE_DAY = timedelta(days=1)


class Sustained(StrEnum):
    SUSTAINED = "sustained"
    NOT_SUSTAINED = "not_sustained"
    NOT_CAPTURED = "not_captured"
    PENDING = "pending"


@dataclass(frozen=True)
class Activity:
    """One known activity: an NCCIS code over a span, and the events it rests on."""

    code: str
    group: str
    start: date
    end: date | None
    obtained_on: date
    evidence: tuple[int, ...]
    source: str  # "destination" or "enrolment"

    def span(self, as_of: date) -> tuple[date, date]:
        """The part of the activity known on ``as_of``."""
        return self.start, min(self.end or as_of, as_of)


@dataclass(frozen=True)
class DestinationYear:
    year_after: int
    academic_year: int
    begun: bool  # the evaluation date is on or after 1 August of the year
    state: Sustained
    rule: str  # which route sustained it: education, employment, combination, apprenticeship
    latest: Activity | None
    evidence: tuple[int, ...]


@dataclass(frozen=True)
class LeaverDestinations:
    student_id: UUID
    stage: str
    leaving_year: int
    institution_id: str
    intended: Activity | None
    years: tuple[DestinationYear, ...]

    @property
    def intended_matches_actual(self) -> bool | None:
        """Does the intended destination's group match year 1's latest activity?"""
        actual = self.years[0].latest if self.years else None
        if self.intended is None or actual is None or actual.group == "unknown":
            return None
        return self.intended.group == actual.group


def activities(standing: Standing) -> tuple[Activity, ...]:
    """Recorded destinations plus post-16 enrolments, as activities."""
    found = [
        Activity(
            code=str(f.data["nccis_code"]),
            group=destination_group(f),
            start=date.fromisoformat(str(f.data["start_on"])),
            end=date.fromisoformat(str(f.data["end_on"])) if f.data.get("end_on") else None,
            obtained_on=f.occurred_on,
            evidence=f.evidence,
            source="destination",
        )
        for f in standing.facts.of_kind("destination")
    ]
    spells = standing.enrolments
    for index, spell in enumerate(spells):
        if spell.year_group < 12:
            continue
        start = max(spell.fact.occurred_on, academic_year_start(spell.academic_year))
        ends = [
            leaving.occurred_on
            for leaving in standing.facts.of_kind("leaving")
            if leaving.data.get("institution_id") == spell.institution_id
            and leaving.occurred_on >= spell.fact.occurred_on
        ]
        ends += [later.fact.occurred_on - ONE_DAY for later in spells[index + 1 :]]
        found.append(
            Activity(
                code="210" if spell.institution_kind == "school" else "230",
                group="education",
                start=start,
                end=min(ends) if ends else None,
                obtained_on=spell.fact.occurred_on,
                evidence=spell.fact.evidence,
                source="enrolment",
            )
        )
    return tuple(found)


def _months(academic_year: int) -> list[tuple[date, date]]:
    firsts = [add_months(date(academic_year, 10, 1), i) for i in range(6)]
    return [(first, add_months(first, 1) - ONE_DAY) for first in firsts]


def _covered(months: list[tuple[date, date]], spans: list[tuple[date, date]]) -> list[bool]:
    return [any(s <= last and e >= first for s, e in spans) for first, last in months]


def _continuous_apprenticeship(spans: list[tuple[date, date]], year: int) -> bool:
    window_start, window_end = date(year, 8, 1), date(year + 1, 7, 31)
    clipped = sorted(
        (max(s, window_start), min(e, window_end)) for s, e in spans if e >= window_start
    )
    merged: list[list[date]] = []
    for s, e in clipped:
        if merged and s <= merged[-1][1] + ONE_DAY:
            merged[-1][1] = max(merged[-1][1], e)
        elif s <= e:
            merged.append([s, e])
    months = CONTINUOUS_APPRENTICESHIP_MONTHS
    return any(e >= add_months(s, months) - ONE_DAY for s, e in merged)


def destination_year(
    known: tuple[Activity, ...], leaving_year: int, year_after: int, as_of: date
) -> DestinationYear:
    """One destination year of one leaver, from the activities known on ``as_of``."""
    year = leaving_year + year_after
    opens, closes = date(year, 8, 1), date(year + 1, 7, 31)
    if as_of < opens:
        return DestinationYear(year_after, year, False, Sustained.PENDING, "", None, ())
    in_year = [a for a in known if a.start <= closes and a.span(as_of)[1] >= opens]
    latest = max(in_year, key=lambda a: (a.start, a.obtained_on, a.evidence), default=None)
    captured = [a for a in in_year if a.group != "unknown"]
    evidence = tuple(s for a in captured for s in a.evidence)
    months = _months(year)
    education = _covered(months, [a.span(as_of) for a in captured if a.group in EDUCATION_GROUPS])
    employment = _covered(months, [a.span(as_of) for a in captured if a.group in EMPLOYMENT_GROUPS])
    apprenticeships = [a.span(as_of) for a in captured if a.group == APPRENTICESHIP]
    rule = ""
    if all(education):
        rule = "education"
    elif sum(employment) >= 5:
        rule = "employment"
    elif all(e or w for e, w in zip(education, employment, strict=True)):
        rule = "combination"
    elif _continuous_apprenticeship(apprenticeships, year):
        rule = "apprenticeship"
    if rule:
        state = Sustained.SUSTAINED
    elif as_of <= closes:
        state = Sustained.PENDING
    else:
        state = Sustained.NOT_SUSTAINED if captured else Sustained.NOT_CAPTURED
    return DestinationYear(year_after, year, True, state, rule, latest, evidence)


def leaver_destinations(facts: StudentFacts, stage: str, as_of: date) -> LeaverDestinations | None:
    """A student's destinations as a ``stage`` leaver, or None if not (yet) such a leaver."""
    standing = Standing(facts.as_of(as_of), as_of)
    leaving_year = standing.academic_year_for(STAGES[stage])
    if leaving_year is None or as_of < date(leaving_year + 1, 8, 1):
        return None
    spell = standing.on_roll(leaving_year)
    if spell is None or standing.year_group(leaving_year) != STAGES[stage]:
        return None
    known = activities(standing)
    end_of_stage = date(leaving_year + 1, 8, 31)
    planned = until(standing.facts.of_kind("intended_destination"), end_of_stage)
    intended = None
    if planned:
        last = planned[-1]
        code = str(last.data["nccis_code"])
        intended = Activity(
            code=code,
            group=destination_group(last),
            start=last.occurred_on,
            end=None,
            obtained_on=last.occurred_on,
            evidence=last.evidence,
            source="intended",
        )
    years = tuple(destination_year(known, leaving_year, k, as_of) for k in YEARS_AFTER)
    return LeaverDestinations(
        facts.student_id, stage, leaving_year, spell.institution_id, intended, years
    )
