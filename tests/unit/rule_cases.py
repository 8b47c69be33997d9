"""The shape of a rule-set case: one pupil's story, a day, and the part states expected.

Shared by the gatsby-2014 and gatsby-2025 case tables.  Every story follows one pupil
born 14 March 2011, so Year 7 is 2022/23, Year 9 is 2024/25 (ends 31 August 2025),
Year 11 is 2026/27 and Year 13 is 2028/29.  Sequence 1 is the registration and 2 the
enrolment; entries count on from 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from projections.rules import State, get_ruleset
from tests.factories import StudentStory

MET, ON_TRACK, AT_RISK, NOT_MET, NA = (
    State.MET,
    State.ON_TRACK,
    State.AT_RISK,
    State.NOT_MET,
    State.NOT_APPLICABLE,
)
LMI = "labour_market_information"


@dataclass
class Case:
    name: str
    story: StudentStory
    as_of: str
    expect: dict[tuple[str, str], State | None] = field(default_factory=dict)


def check(ruleset: str, case: Case) -> None:
    """Each expected (benchmark, part) state; ``overall`` is the benchmark's own state."""
    attainment = get_ruleset(ruleset).evaluate(case.story.facts(), date.fromisoformat(case.as_of))
    found = {}
    for result in attainment.benchmarks:
        found[(result.benchmark, "overall")] = result.state
        for part in result.parts:
            found[(result.benchmark, part.part)] = part.state
    assert {key: found.get(key) for key in case.expect} == case.expect
