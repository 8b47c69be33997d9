"""Employer encounters (BM5).

Each year group has a few whole-group occasions a year; some are cancelled,
some pupils are absent, and not every occasion meets all four 2025
"meaningful" criteria, so the benchmark reports show every state.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from api.cli.demo import catalogue as cat
from api.cli.demo.calendar import SchoolYear
from api.cli.demo.school import Context, Journey, Window, remote
from ledger.domain.vocabulary import EmployerActivity as Act
from ledger.domain.vocabulary import LearningOutcome


@dataclass(frozen=True)
class EmployerOccasion:
    name: str
    year_groups: frozenset[int]
    window: Window
    activity: Act
    # chances that the occasion has a shared purpose, defined learning outcomes and
    # two-way interaction, and that a pupil records a reflection
    criteria: tuple[float, float, float, float]
    minutes: int
    each_pupil_meets_own_employer: bool = False
    through_curriculum: bool = False


def groups(*year_groups: int) -> frozenset[int]:
    return frozenset(year_groups)


EMPLOYER_OCCASIONS = (
    EmployerOccasion(
        "assembly talk", groups(7, 8), ((10, 1), (11, 30)), Act.TALK, (0.9, 0.8, 0.15, 0.3), 40
    ),
    EmployerOccasion(
        "careers week workshop",
        groups(7, 8),
        ((3, 1), (3, 28)),
        Act.WORKSHOP,
        (1.0, 0.95, 0.95, 0.9),
        75,
    ),
    EmployerOccasion(
        "enterprise day",
        groups(8),
        ((6, 3), (7, 12)),
        Act.ENTERPRISE_SCHEME,
        (1.0, 1.0, 1.0, 0.9),
        300,
    ),
    EmployerOccasion(
        "careers fair",
        groups(9, 10, 12),
        ((1, 12), (2, 12)),
        Act.CAREERS_FAIR,
        (0.9, 0.85, 0.95, 0.8),
        90,
        each_pupil_meets_own_employer=True,
    ),
    EmployerOccasion(
        "speed networking",
        groups(10),
        ((11, 3), (12, 12)),
        Act.SPEED_NETWORKING,
        (1.0, 1.0, 1.0, 0.9),
        60,
        each_pupil_meets_own_employer=True,
    ),
    EmployerOccasion(
        "mock interviews",
        groups(11),
        ((11, 17), (1, 30)),
        Act.MOCK_INTERVIEW,
        (1.0, 1.0, 1.0, 0.9),
        30,
        each_pupil_meets_own_employer=True,
    ),
    EmployerOccasion(
        "subject employer talk",
        groups(9, 11, 12, 13),
        ((2, 24), (5, 15)),
        Act.TALK,
        (1.0, 0.9, 0.85, 0.8),
        50,
        through_curriculum=True,
    ),
    EmployerOccasion(
        "virtual insight day",
        groups(12, 13),
        ((10, 6), (3, 27)),
        Act.VIRTUAL,
        (1.0, 0.9, 0.7, 0.8),
        180,
    ),
)
MENTORING_YEARS = groups(12, 13)


def _occasion_details(occasion: EmployerOccasion) -> Any:
    def details(rng: random.Random) -> dict[str, Any]:
        employer, sector = rng.choice(cat.EMPLOYERS)
        shared, outcomes, two_way, _ = occasion.criteria
        return {
            "employer": (employer, sector),
            "shared_purpose": rng.random() < shared,
            "learning_outcomes_defined": rng.random() < outcomes,
            "two_way_interaction": rng.random() < two_way,
            "tags": sorted(rng.sample(list(LearningOutcome), rng.randint(1, 3))),
            "subject": rng.choice(cat.STEM_SUBJECTS + cat.OTHER_SUBJECTS),
        }

    return details


def employer_encounters(ctx: Context, journey: Journey, year: SchoolYear, year_group: int) -> None:
    pupil = journey.pupil
    for occasion in EMPLOYER_OCCASIONS:
        if year_group not in occasion.year_groups:
            continue
        session = ctx.session(
            occasion.name, year, year_group, occasion.window, _occasion_details(occasion)
        )
        if not session.held or not ctx.attends(pupil):
            continue
        d = session.details
        employer, sector = (
            ctx.rng.choice(cat.EMPLOYERS)
            if (occasion.each_pupil_meets_own_employer)
            else d["employer"]
        )
        activity = Act.VIRTUAL if remote(session.day) else occasion.activity
        payload = {
            "employer_name": employer,
            "sector": sector,
            "activity": activity,
            "shared_purpose": d["shared_purpose"],
            "learning_outcomes_defined": d["learning_outcomes_defined"],
            "two_way_interaction": d["two_way_interaction"],
            "reflection_recorded": ctx.chance(occasion.criteria[3]),
            "curriculum_area": d["subject"] if occasion.through_curriculum else None,
            "learning_outcome_tags": d["tags"],
            "duration_minutes": occasion.minutes,
        }
        entry = journey.add(
            "employer_encounter", session.day, payload, recorded_at=session.recorded_at
        )
        if entry is not None:
            journey.reflectable.append(entry)
    if year_group in MENTORING_YEARS and ctx.chance(0.25):
        _mentoring(ctx, journey, year)


def _mentoring(ctx: Context, journey: Journey, year: SchoolYear) -> None:
    employer, sector = ctx.rng.choice(cat.EMPLOYERS)
    for window in (((10, 1), (12, 10)), ((1, 10), (3, 25)), ((4, 20), (6, 30))):
        if not ctx.attends(journey.pupil):
            continue
        entry = journey.add(
            "employer_encounter",
            year.pick_day(ctx.rng, window),
            {
                "employer_name": employer,
                "sector": sector,
                "activity": Act.MENTORING,
                "shared_purpose": True,
                "learning_outcomes_defined": True,
                "two_way_interaction": True,
                "reflection_recorded": ctx.chance(0.8),
                "learning_outcome_tags": [
                    LearningOutcome.MANAGE_CAREER,
                    LearningOutcome.CREATE_OPPORTUNITIES,
                ],
                "duration_minutes": 60,
            },
        )
        if entry is not None:
            journey.reflectable.append(entry)
