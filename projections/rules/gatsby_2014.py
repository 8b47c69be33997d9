"""``gatsby-2014``: the original Gatsby Benchmarks for schools, per student (BM2-BM8).

BM1 is about the institution's programme, not a student, so it has no rule here.
"""

from __future__ import annotations

from projections.rules.base import (
    BenchmarkRule,
    PartResult,
    RuleSet,
    deadline_of,
    evidence_of,
    judge,
    per_year,
    until,
)
from projections.rules.common import (
    a_further_by_18,
    advice_recorded,
    destinations_recorded,
    higher_education_visits,
    one_by_16,
    one_by_16_a_second_by_18,
    provider_range,
    qualified_adviser,
    qualified_interview,
)
from projections.rules.facts import Fact
from projections.rules.registry import register_ruleset
from projections.rules.standing import Standing

WORKPLACE_KINDS = frozenset({"visit", "shadowing", "placement"})
PROVIDER_RANGES = {
    "sixth form": frozenset({"sixth_form"}),
    "FE college": frozenset({"fe_college"}),
    "university": frozenset({"university", "higher_education"}),
    "apprenticeship provider": frozenset(
        {"apprenticeship_provider", "independent_training_provider"}
    ),
}


def labour_market_information(standing: Standing) -> tuple[PartResult, ...]:
    """BM2: by the end of Year 9 the student has used careers/labour-market information."""
    used = until(standing.facts.of_kind("labour_market_information"), deadline_of(standing, 9))
    satisfied = evidence_of(used[:1]) if used else None
    return (judge(standing, "by_14", deadline_year_group=9, satisfied=satisfied),)


def systematic_records(standing: Standing) -> tuple[PartResult, ...]:
    """BM3: advice and decisions recorded; leavers' destinations for three years."""
    return (advice_recorded(standing), *destinations_recorded(standing))


def stem_learning(standing: Standing) -> tuple[PartResult, ...]:
    """BM4: by the end of Year 9, careers learning linked to a STEM subject."""
    learning = until(standing.facts.of_kind("curriculum_learning"), deadline_of(standing, 9))
    stem = [f for f in learning if f.data.get("stem")]
    return (
        judge(
            standing,
            "by_14",
            deadline_year_group=9,
            satisfied=evidence_of(stem[:1]) if stem else None,
            evidence=evidence_of(learning),
        ),
    )


def employer_encounters(standing: Standing) -> tuple[PartResult, ...]:
    """BM5: every academic year from Year 7, at least one employer encounter."""
    return per_year(standing, standing.facts.of_kind("employer_encounter"), lambda _: True)


def _workplace(fact: Fact) -> bool:
    return fact.data.get("kind") in WORKPLACE_KINDS and not fact.data.get("part_time_job")


def workplace_experience(standing: Standing) -> tuple[PartResult, ...]:
    """BM6: a workplace experience by the end of Year 11, a further one in Years 12-13.

    Visits, shadowing and work experience count; part-time jobs do not.
    """
    experiences = tuple(filter(_workplace, standing.facts.of_kind("workplace_experience")))
    return one_by_16_a_second_by_18(standing, experiences)


def provider_encounters(standing: Standing) -> tuple[PartResult, ...]:
    """BM7: the full range of providers by 16; two university visits by 18 if considering HE."""
    return (provider_range(standing, PROVIDER_RANGES), higher_education_visits(standing))


def guidance_interviews(standing: Standing) -> tuple[PartResult, ...]:
    """BM8: a Level 6+ guidance interview by 16; the opportunity of a further one by 18.

    The further opportunity, in Years 12-13 and after the first interview, is a
    second qualifying interview or one offered by a Level 6+ adviser and declined
    or not attended.
    """
    history = standing.facts.of_kind("guidance_interview", "guidance_interview_not_taken")
    interviews = [f for f in history if qualified_interview(f)]
    first = interviews[0] if interviews else None
    opportunities = [
        f
        for f in history
        if qualified_interview(f)
        or (f.kind == "guidance_interview_not_taken" and qualified_adviser(f))
    ]
    return (
        one_by_16(standing, interviews),
        a_further_by_18(standing, first, opportunities, (first,) if first else ()),
    )


GATSBY_2014 = register_ruleset(
    RuleSet(
        name="gatsby-2014",
        title="Gatsby Benchmarks (2014), schools",
        benchmarks=(
            BenchmarkRule(
                "BM2",
                "Learning from career and labour market information",
                labour_market_information,
            ),
            BenchmarkRule("BM3", "Addressing the needs of each pupil", systematic_records),
            BenchmarkRule("BM4", "Linking curriculum learning to careers", stem_learning),
            BenchmarkRule("BM5", "Encounters with employers and employees", employer_encounters),
            BenchmarkRule("BM6", "Experiences of workplaces", workplace_experience),
            BenchmarkRule(
                "BM7", "Encounters with further and higher education", provider_encounters
            ),
            BenchmarkRule("BM8", "Personal guidance", guidance_interviews),
        ),
    )
)
