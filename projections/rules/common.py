"""Requirements the two Gatsby rule sets share in shape, parameterised by wording.

BM3 (systematic records) and BM7 (encounters with providers) differ between
the 2014 and 2025 versions only in vocabulary and one extra part, so both
rule sets build their parts here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ledger.domain.calendar import academic_year_end, academic_year_of, academic_year_start
from projections.rules.activities import activity_group
from projections.rules.base import PartResult, State, deadline_of, evidence_of, judge, until
from projections.rules.facts import Fact
from projections.rules.standing import FIRST_SECONDARY_YEAR, Standing

DESTINATION_YEARS = (1, 2, 3)
QUALIFIED_LEVEL = 6


def qualified_adviser(fact: Fact) -> bool:
    """Recorded with an adviser qualified to Level 6 or above (an unrecorded level is not)."""
    return int(fact.data.get("adviser_qualification_level") or 0) >= QUALIFIED_LEVEL


def qualified_interview(fact: Fact) -> bool:
    """BM8, both rule sets: a one-to-one guidance interview with a Level 6+ adviser."""
    return (
        fact.kind == "guidance_interview"
        and qualified_adviser(fact)
        and fact.data.get("format", "one_to_one") == "one_to_one"
    )


def destination_group(fact: Fact) -> str:
    """The NCCIS group of a destination or intended-destination fact."""
    version = fact.data.get("nccis_version")
    code = str(fact.data.get("nccis_code"))
    return activity_group(code, str(version)) if version else activity_group(code)


# -- BM3: systematic records ---------------------------------------------------
def advice_recorded(standing: Standing) -> PartResult:
    """Every guidance interview has its advice and agreed decisions recorded.

    A gap can still be closed by a correction during the interview's academic
    year (``at_risk``); a gap from an earlier year is ``not_met``.
    """
    interviews = standing.facts.of_kind("guidance_interview")
    if not interviews:
        return PartResult("advice_recorded", State.NOT_APPLICABLE, detail="no interviews yet")
    gaps = [
        i
        for i in interviews
        if not (i.data.get("advice_recorded", True) and i.data.get("decisions_recorded", False))
    ]
    if not gaps:
        return PartResult("advice_recorded", State.MET, evidence_of(interviews))
    current = standing.current_academic_year
    oldest = min(academic_year_of(g.occurred_on) for g in gaps)
    state = State.NOT_MET if oldest < current else State.AT_RISK
    detail = f"{len(gaps)} of {len(interviews)} interviews lack agreed decisions"
    return PartResult(
        "advice_recorded", state, evidence_of(gaps), academic_year_end(oldest), detail
    )


def destinations_recorded(standing: Standing) -> tuple[PartResult, ...]:
    """A leaver has a destination obtained in each of the three years after leaving."""
    left = standing.left
    if left is None:
        return ()
    leaving_year = academic_year_of(left.on)
    destinations = standing.facts.of_kind("destination")
    current = standing.current_academic_year
    parts = []
    for k in DESTINATION_YEARS:
        year = leaving_year + k
        start, end = academic_year_start(year), academic_year_end(year)
        found = [
            d
            for d in destinations
            if start <= d.occurred_on <= end and destination_group(d) != "unknown"
        ]
        name = f"destinations_y{k}"
        if found:
            parts.append(PartResult(name, State.MET, evidence_of(found), end))
            continue
        state = (
            State.ON_TRACK
            if current < year
            else State.AT_RISK
            if current == year
            else State.NOT_MET
        )
        parts.append(PartResult(name, state, (), end))
    return tuple(parts)


def records_integrated(standing: Standing) -> PartResult:
    """2025: a student who came from another institution has that record integrated.

    Moving between two institutions that both use this ledger keeps one
    stream, so the record is integrated by construction; arriving after Year 7
    from elsewhere needs an imported prior record, due by the end of the year
    of arrival.
    """
    name = "records_integrated"
    spells = standing.enrolments
    if not spells:
        return PartResult(name, State.NOT_APPLICABLE, detail="no enrolment recorded")
    first = spells[0]
    came_from_outside = first.year_group > FIRST_SECONDARY_YEAR
    moved = len({s.institution_id for s in spells}) > 1
    if not came_from_outside and not moved:
        return PartResult(name, State.NOT_APPLICABLE, detail="one institution since Year 7")
    imports = standing.facts.of_kind("prior_record_import")
    if imports:
        return PartResult(name, State.MET, evidence_of(imports))
    if not came_from_outside:
        return PartResult(name, State.MET, evidence_of(s.fact for s in spells), detail="one stream")
    arrival = first.academic_year
    state = State.AT_RISK if standing.current_academic_year == arrival else State.NOT_MET
    if standing.current_academic_year < arrival:
        state = State.ON_TRACK
    return PartResult(
        name, state, (), academic_year_end(arrival), f"joined in Year {first.year_group}"
    )


# -- BM7: encounters with providers ---------------------------------------------
def provider_range(standing: Standing, ranges: Mapping[str, frozenset[str]]) -> PartResult:
    """By the end of Year 11: an encounter, meeting staff and students, with each range."""
    last_day = deadline_of(standing, 11)
    encounters = [
        e
        for e in until(standing.facts.of_kind("provider_encounter"), last_day)
        if e.data.get("attended", True) and e.data.get("met_staff") and e.data.get("met_students")
    ]
    found: dict[str, Fact] = {}
    for label, types in ranges.items():
        first = next((e for e in encounters if e.data.get("provider_type") in types), None)
        if first is not None:
            found[label] = first
    missing = [label for label in ranges if label not in found]
    return judge(
        standing,
        "by_16",
        deadline_year_group=11,
        satisfied=None if missing else evidence_of(found.values()),
        evidence=evidence_of(found.values()),
        detail=("missing: " + ", ".join(missing)) if missing else "",
    )


def higher_education_visits(standing: Standing, needed: int = 2) -> PartResult:
    """By the end of Year 13, for a student considering higher education: HE visits."""
    intents = standing.facts.of_kind("higher_education_intent")
    considering = bool(intents[-1].data.get("considering")) if intents else False
    condition = intents[-1].evidence if intents else ()
    visits = [
        e
        for e in until(standing.facts.of_kind("provider_encounter"), deadline_of(standing, 13))
        if e.data.get("attended", True) and e.data.get("higher_education_visit")
    ]
    return judge(
        standing,
        "by_18",
        deadline_year_group=13,
        satisfied=condition + evidence_of(visits[:needed]) if len(visits) >= needed else None,
        evidence=condition + evidence_of(visits),
        applies=considering,
        detail="" if considering else "not considering higher education",
    )


def one_by_16(standing: Standing, items: Sequence[Fact]) -> PartResult:
    """The ``by_16`` part of BM6/BM8: one qualifying fact by the end of Year 11."""
    by_16 = until(items, deadline_of(standing, 11))
    satisfied = evidence_of(by_16[:1]) if by_16 else None
    return judge(standing, "by_16", deadline_year_group=11, satisfied=satisfied)


FURTHER_YEAR_GROUPS = range(12, 14)


def further_by_18(
    standing: Standing, items: Sequence[Fact], *, after: Fact | None = None
) -> tuple[Fact, ...]:
    """The facts that count as "further" for a BM6/BM8 ``by_18`` part: in Years 12-13.

    One reading for every rule set (docs/projections.md, "The rules in brief"): a
    second interview or experience before the end of Year 11 satisfies only the
    ``by_16`` part. With ``after``, only facts later than it (by date, then
    sequence) count, so the first one is never its own further one.
    """
    later = standing.in_year_groups(tuple(items), FURTHER_YEAR_GROUPS)
    if after is None:
        return later
    mark = (after.occurred_on, after.sequence)
    return tuple(f for f in later if (f.occurred_on, f.sequence) > mark)


def a_further_by_18(
    standing: Standing, first: Fact | None, further: Sequence[Fact], evidence: Sequence[Fact]
) -> PartResult:
    """The BM6/BM8 ``by_18`` part: met by ``first`` and a further fact in Years 12-13."""
    found = further_by_18(standing, further, after=first) if first is not None else ()
    return judge(
        standing,
        "by_18",
        deadline_year_group=13,
        satisfied=evidence_of((first, found[0])) if first is not None and found else None,
        evidence=evidence_of(evidence),
    )


def one_by_16_a_second_by_18(standing: Standing, items: tuple[Fact, ...]) -> tuple[PartResult, ...]:
    """The BM6/BM8 shape: one qualifying fact by the end of Year 11, a further one in
    Years 12-13 (after the first)."""
    first = items[0] if items else None
    return (
        one_by_16(standing, items),
        a_further_by_18(standing, first, items, until(items, deadline_of(standing, 13))),
    )
