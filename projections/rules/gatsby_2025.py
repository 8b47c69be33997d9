"""``gatsby-2025``: the refreshed Gatsby Benchmarks (statutory from September 2025), schools.

Differences from 2014 that change a student's result: BM2 and BM4 are due in
every key stage / academic year; BM5 encounters count only when meaningful
(shared purpose, learning outcomes, two-way interaction, reflection); BM6 by
16 is the statutory "two weeks' worth" (5 days of activities in Years 7-9 and
5 days of placement in Years 10-11, each its own part because each has its
own window); BM3 adds integration with earlier institutions' records; BM8's
further meeting must be held, not just offered (with a Level 6+ adviser, as in 2014).
"""

from __future__ import annotations

from decimal import Decimal

from projections.rules.base import (
    BenchmarkRule,
    PartResult,
    RuleSet,
    evidence_of,
    judge,
    per_year,
)
from projections.rules.common import (
    advice_recorded,
    destinations_recorded,
    further_by_18,
    higher_education_visits,
    one_by_16_a_second_by_18,
    provider_range,
    qualified_interview,
    records_integrated,
)
from projections.rules.facts import Fact
from projections.rules.registry import register_ruleset
from projections.rules.standing import Standing

KEY_STAGES = (("ks3", range(7, 10)), ("ks4", range(10, 12)), ("ks5", range(12, 14)))
MEANINGFUL_FLAGS = (
    "shared_purpose",
    "learning_outcomes_defined",
    "two_way_interaction",
    "reflection_recorded",
)
DAYS_NEEDED = Decimal(5)
PROVIDER_RANGES = {
    "sixth form": frozenset({"sixth_form"}),
    "FE college": frozenset({"fe_college"}),
    "higher education": frozenset({"higher_education", "university"}),
    "independent training provider": frozenset(
        {"independent_training_provider", "apprenticeship_provider"}
    ),
}


def labour_market_information(standing: Standing) -> tuple[PartResult, ...]:
    """BM2: in each key stage attended, at least one use of careers/LMI information."""
    reached = standing.reached_year_group()
    if reached is None:
        return ()
    used = standing.facts.of_kind("labour_market_information")
    parts = []
    for name, years in KEY_STAGES:
        if years.start > reached:
            break
        in_stage = standing.in_year_groups(used, years)
        parts.append(
            judge(
                standing,
                name,
                deadline_year_group=years[-1],
                satisfied=evidence_of(in_stage[:1]) if in_stage else None,
            )
        )
    return tuple(parts)


def systematic_records(standing: Standing) -> tuple[PartResult, ...]:
    """BM3: as 2014, plus records integrated with earlier institutions' records."""
    return (
        advice_recorded(standing),
        *destinations_recorded(standing),
        records_integrated(standing),
    )


def _subjects(learning: tuple[Fact, ...]) -> str:
    subjects = sorted({str(f.data.get("subject", "")) for f in learning} - {""})
    return ", ".join(subjects)


def curriculum_learning(standing: Standing) -> tuple[PartResult, ...]:
    """BM4: every academic year, curriculum-linked careers learning (subjects reported)."""
    return per_year(
        standing,
        standing.facts.of_kind("curriculum_learning"),
        lambda _: True,
        describe=_subjects,
    )


def _meaningful(fact: Fact) -> bool:
    return all(fact.data.get(flag) for flag in MEANINGFUL_FLAGS)


def employer_encounters(standing: Standing) -> tuple[PartResult, ...]:
    """BM5: every academic year from Year 7, at least one meaningful employer encounter."""
    return per_year(standing, standing.facts.of_kind("employer_encounter"), _meaningful)


def _days(facts: tuple[Fact, ...]) -> Decimal:
    return sum((Decimal(str(f.data.get("days", "0"))) for f in facts), Decimal(0))


def _days_worth(
    standing: Standing, part: str, deadline_year_group: int, facts: tuple[Fact, ...]
) -> PartResult:
    """A BM6 part met by ``DAYS_NEEDED`` days of experiences by the end of a year group."""
    days = _days(facts)
    return judge(
        standing,
        part,
        deadline_year_group=deadline_year_group,
        satisfied=evidence_of(facts) if days >= DAYS_NEEDED else None,
        evidence=evidence_of(facts),
        detail=f"{days} of {DAYS_NEEDED} days",
    )


def workplace_experience(standing: Standing) -> tuple[PartResult, ...]:
    """BM6: 5 days of activities in Y7-9, 5 days of placement in Y10-11, one more by 18."""
    experiences = tuple(
        f for f in standing.facts.of_kind("workplace_experience") if not f.data.get("part_time_job")
    )
    early = standing.in_year_groups(experiences, range(7, 10))
    placements = tuple(
        f
        for f in standing.in_year_groups(experiences, range(10, 12))
        if f.data.get("kind") == "placement"
    )
    later = further_by_18(standing, experiences)
    return (
        _days_worth(standing, "by_16_y7_9", 9, early),
        _days_worth(standing, "by_16_y10_11", 11, placements),
        judge(
            standing,
            "by_18",
            deadline_year_group=13,
            satisfied=evidence_of(later[:1]) if later else None,
        ),
    )


def provider_encounters(standing: Standing) -> tuple[PartResult, ...]:
    """BM7: the full range of providers by 16; two HE visits by 18 if considering HE."""
    return (provider_range(standing, PROVIDER_RANGES), higher_education_visits(standing))


def personal_guidance(standing: Standing) -> tuple[PartResult, ...]:
    """BM8: a meeting with a Level 6+ adviser by 16 and a further one, held, by 18."""
    meetings = tuple(filter(qualified_interview, standing.facts.of_kind("guidance_interview")))
    return one_by_16_a_second_by_18(standing, meetings)


GATSBY_2025 = register_ruleset(
    RuleSet(
        name="gatsby-2025",
        title="Gatsby Benchmarks (2025), schools",
        benchmarks=(
            BenchmarkRule(
                "BM2",
                "Learning from career and labour market information",
                labour_market_information,
            ),
            BenchmarkRule("BM3", "Addressing the needs of each young person", systematic_records),
            BenchmarkRule("BM4", "Linking curriculum learning to careers", curriculum_learning),
            BenchmarkRule("BM5", "Encounters with employers and employees", employer_encounters),
            BenchmarkRule("BM6", "Experiences of workplaces", workplace_experience),
            BenchmarkRule(
                "BM7", "Encounters with further and higher education", provider_encounters
            ),
            BenchmarkRule("BM8", "Personal guidance", personal_guidance),
        ),
    )
)
