"""Provider encounters (BM7) and the Provider Access Legislation encounters.

Technical-education and apprenticeship providers come in twice in Years 8-9
and twice in Years 10-11 (pupils must attend) and are offered twice in
Years 12-13 (attendance optional).  Students considering higher education
visit universities in the sixth form.  From September 2025 records use the
refreshed provider words (higher education, independent training provider).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from api.cli.demo import catalogue as cat
from api.cli.demo.calendar import SchoolYear
from api.cli.demo.encounters import groups
from api.cli.demo.school import Context, Journey, Window, new_vocabulary, remote
from ledger.domain.vocabulary import EncounterMode, ProviderType


@dataclass(frozen=True)
class ProviderOccasion:
    name: str
    year_groups: frozenset[int]
    window: Window
    kind: str  # "fe", "sixth_form", "university", "training", "utc"
    mode: EncounterMode
    met_students: bool
    provider_access: bool = False
    higher_education_visit: bool = False
    only_if_considering_higher_education: bool = False
    share: float = 1.0
    one_date_per_pupil: bool = False
    offered_to_all: bool = False  # Y12-13 Provider Access: offered, attendance optional


PROVIDER_OCCASIONS = (
    ProviderOccasion(
        "apprenticeship assembly",
        groups(8),
        ((1, 12), (2, 24)),
        "training",
        EncounterMode.ON_SITE,
        met_students=False,
        provider_access=True,
    ),
    ProviderOccasion(
        "college assembly",
        groups(8),
        ((3, 2), (5, 20)),
        "fe",
        EncounterMode.ON_SITE,
        met_students=True,
        provider_access=True,
    ),
    ProviderOccasion(
        "technical education workshop",
        groups(9),
        ((10, 1), (2, 24)),
        "utc",
        EncounterMode.ON_SITE,
        met_students=True,
        provider_access=True,
    ),
    ProviderOccasion(
        "university ambassadors",
        groups(9, 10),
        ((3, 2), (6, 30)),
        "university",
        EncounterMode.ON_SITE,
        met_students=True,
    ),
    ProviderOccasion(
        "college taster day",
        groups(10),
        ((2, 24), (6, 26)),
        "fe",
        EncounterMode.VISIT,
        met_students=True,
        provider_access=True,
    ),
    ProviderOccasion(
        "apprenticeship provider talk",
        groups(10, 11),
        ((10, 1), (2, 24)),
        "training",
        EncounterMode.ON_SITE,
        met_students=False,
        provider_access=True,
    ),
    ProviderOccasion(
        "sixth form open evening",
        groups(11),
        ((10, 6), (11, 20)),
        "sixth_form",
        EncounterMode.ON_SITE,
        met_students=True,
        share=0.85,
    ),
    ProviderOccasion(
        "college open evening",
        groups(11),
        ((10, 13), (12, 11)),
        "fe",
        EncounterMode.VISIT,
        met_students=True,
        share=0.6,
    ),
    ProviderOccasion(
        "apprenticeship fair",
        groups(12, 13),
        ((10, 1), (2, 24)),
        "training",
        EncounterMode.ON_SITE,
        met_students=True,
        provider_access=True,
        offered_to_all=True,
    ),
    ProviderOccasion(
        "university visit day",
        groups(12),
        ((3, 2), (6, 30)),
        "university",
        EncounterMode.VISIT,
        met_students=True,
        higher_education_visit=True,
        only_if_considering_higher_education=True,
        share=0.9,
    ),
    ProviderOccasion(
        "university summer school",
        groups(12),
        ((6, 22), (7, 17)),
        "university",
        EncounterMode.VISIT,
        met_students=True,
        higher_education_visit=True,
        only_if_considering_higher_education=True,
        share=0.2,
        one_date_per_pupil=True,
    ),
    ProviderOccasion(
        "university open day",
        groups(13),
        ((9, 12), (11, 28)),
        "university",
        EncounterMode.VISIT,
        met_students=True,
        higher_education_visit=True,
        only_if_considering_higher_education=True,
        share=0.85,
        one_date_per_pupil=True,
    ),
    ProviderOccasion(
        "widening participation taster",
        groups(10),
        ((6, 1), (7, 10)),
        "university",
        EncounterMode.VISIT,
        met_students=True,
        higher_education_visit=True,
        share=0.15,
        one_date_per_pupil=True,
    ),
)


def provider(kind: str, day: date, rng: random.Random) -> tuple[ProviderType, str]:
    """The provider type (in the vocabulary in use on ``day``) and a provider's name."""
    newer = new_vocabulary(day)
    if kind == "fe":
        return ProviderType.FE_COLLEGE, cat.FE_COLLEGE
    if kind == "sixth_form":
        return ProviderType.SIXTH_FORM, cat.SIXTH_FORM_NAME
    if kind == "university":
        kind_now = ProviderType.HIGHER_EDUCATION if newer else ProviderType.UNIVERSITY
        return kind_now, rng.choice(cat.UNIVERSITIES)
    if kind == "utc":
        return ProviderType.UNIVERSITY_TECHNICAL_COLLEGE, cat.UTC_NAME
    kind_now = (
        ProviderType.INDEPENDENT_TRAINING_PROVIDER
        if newer
        else ProviderType.APPRENTICESHIP_PROVIDER
    )
    return kind_now, rng.choice(cat.TRAINING_PROVIDERS)


def provider_encounters(ctx: Context, journey: Journey, year: SchoolYear, year_group: int) -> None:
    pupil, rng = journey.pupil, ctx.rng
    for occasion in PROVIDER_OCCASIONS:
        if year_group not in occasion.year_groups:
            continue
        session = ctx.session(
            occasion.name, year, year_group, occasion.window, lambda r: {"seed": r.random()}
        )
        day = year.pick_day(rng, occasion.window) if occasion.one_date_per_pupil else session.day
        if not session.held:
            continue
        if occasion.only_if_considering_higher_education and not journey.considering_on(day):
            continue
        attended = ctx.attends(pupil, occasion.share)
        if not attended and not occasion.offered_to_all:
            continue
        # A whole-group occasion has one provider; pupils choose their own open days.
        chooser = rng if occasion.one_date_per_pupil else random.Random(session.details["seed"])
        provider_type, name = provider(occasion.kind, day, chooser)
        payload = {
            "provider_type": provider_type,
            "provider_name": name,
            "mode": EncounterMode.VIRTUAL if remote(day) else occasion.mode,
            "met_staff": True,
            "met_students": occasion.met_students,
            "higher_education_visit": occasion.higher_education_visit,
            "provider_access": occasion.provider_access,
            "attended": attended,
        }
        recorded = None if occasion.one_date_per_pupil else session.recorded_at
        journey.add("provider_encounter", day, payload, recorded_at=recorded)
