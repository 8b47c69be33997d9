"""Provider Access Legislation (the "Baker clause", statutory since January 2023).

Six encounters with technical-education or apprenticeship providers: two in
Years 8-9 and two in Years 10-11, which the pupil must attend, and two in
Years 12-13, which must be offered.  Each window opens on 1 September of its
first year and closes on 28 February of its second (literally the 28th: an
encounter on 29 February of a leap year falls outside).  A window that
closed before the duty came into force is not applicable.  The duty is the
same under every Gatsby rule set, so it is not part of one.
"""

from __future__ import annotations

from datetime import date

from ledger.domain.calendar import academic_year_start
from projections.rules.base import BenchmarkResult, PartResult, evidence_of, judge, overall
from projections.rules.facts import StudentFacts
from projections.rules.standing import Standing

IN_FORCE_FROM = date(2023, 1, 2)
ENCOUNTERS_PER_WINDOW = 2
WINDOWS = (("y8_9", 8, 9, True), ("y10_11", 10, 11, True), ("y12_13", 12, 13, False))
CODE = "PAL"
TITLE = "Provider Access Legislation encounters"


def _window(standing: Standing, name: str, first: int, last: int, must_attend: bool) -> PartResult:
    before = standing.academic_year_for(first - 1)
    closing_year = standing.academic_year_for(last)
    if before is None or closing_year is None:
        return judge(standing, name, deadline_year_group=last, satisfied=None)
    opens, closes = academic_year_start(before + 1), date(closing_year + 1, 2, 28)
    encounters = tuple(
        f
        for f in standing.facts.of_kind("provider_encounter")
        if f.data.get("provider_access")
        and opens <= f.occurred_on <= closes
        and (f.data.get("attended", True) or not must_attend)
    )
    enough = len(encounters) >= ENCOUNTERS_PER_WINDOW
    return judge(
        standing,
        name,
        deadline_year_group=last,
        satisfied=evidence_of(encounters[:ENCOUNTERS_PER_WINDOW]) if enough else None,
        evidence=evidence_of(encounters),
        closes_on=closes,
        applies=closes >= IN_FORCE_FROM,
        detail="" if closes >= IN_FORCE_FROM else "window closed before the duty began",
    )


def provider_access(facts: StudentFacts, as_of: date) -> BenchmarkResult:
    """One student's Provider Access result: one part per window, worst applicable overall."""
    standing = Standing(facts.as_of(as_of), as_of)
    parts = tuple(_window(standing, *window) for window in WINDOWS)
    return BenchmarkResult(CODE, TITLE, overall(parts), parts)
