"""Who is in the synthetic school: cohorts, identities, characteristics and routes.

A cohort is named by the academic year it started Year 7.  Most pupils join in
Year 7 and stay to the end of Year 11; about a third stay on into the sixth
form, which also takes students from other schools; a few move in or out
during the year.  The ledger holds everyone on roll now and everyone who left
in the last three academic years.
"""

from __future__ import annotations

import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from api.cli.demo import catalogue as cat
from api.cli.demo.calendar import school_year
from ledger.domain.calendar import academic_year_of, academic_year_start
from ledger.domain.identifiers import make_uln, make_upn
from ledger.domain.vocabulary import Gender

KS4_SHARE, SIXTH_FORM_SHARE = 0.17, 0.075  # of the roll, per year group
STAY_ON_SHARE = 0.36  # of each Year 11 stays into our own sixth form
LEAVER_YEARS = 3
FEEDER_PRIMARIES = tuple(range(2011, 2036))


@dataclass(eq=False)
class Pupil:
    index: int
    student_id: uuid.UUID
    given_name: str
    family_name: str
    gender: Gender
    date_of_birth: date
    upn: str
    cohort: int
    joined_on: date
    join_year_group: int
    fsm: bool
    send: bool
    pupil_premium: bool
    care_experienced: bool
    engagement: float
    leans_to_higher_education: bool
    uln: str | None = None
    left_on: date | None = None
    leave_year_group: int | None = None
    leave_reason: str | None = None
    stays_on: bool = False

    @property
    def disadvantaged(self) -> bool:
        return self.fsm or self.pupil_premium

    def year_group(self, academic_year: int) -> int:
        return 7 + academic_year - self.cohort

    def years_on_roll(self, today: date) -> range:
        last = self.left_on if self.left_on is not None and self.left_on <= today else today
        return range(academic_year_of(self.joined_on), academic_year_of(last) + 1)


@dataclass
class _Identities:
    rng: random.Random
    serials: dict[tuple[int, int, int], int] = field(default_factory=lambda: defaultdict(int))
    ulns: set[str] = field(default_factory=set)

    def upn(self, reception_year: int, local: bool) -> str:
        la = cat.SCHOOL_LA_CODE if local else self.rng.choice(cat.NEIGHBOURING_LA_CODES)
        establishment = self.rng.choice(FEEDER_PRIMARIES) if local else self.rng.randint(2000, 2999)
        key = (la, establishment, reception_year % 100)
        self.serials[key] += 1
        return make_upn(la, establishment, reception_year, self.serials[key])

    def uln(self) -> str:
        while True:
            uln = make_uln(self.rng.randint(100_000_000, 999_999_999))
            if uln is not None and uln not in self.ulns:
                self.ulns.add(uln)
                return uln


class RosterBuilder:
    def __init__(self, rng: random.Random, students: int, today: date) -> None:
        self.rng = rng
        self.today = today
        self.current = academic_year_of(today)
        self.ks4_size = max(2, round(students * KS4_SHARE))
        self.sixth_form_size = max(1, round(students * SIXTH_FORM_SHARE))
        self.ids = _Identities(rng)
        self.pupils: list[Pupil] = []

    def build(self) -> list[Pupil]:
        """Every cohort with someone on roll now or a leaver in the last three years."""
        oldest = self.current - 6 - LEAVER_YEARS
        for cohort in range(oldest, self.current + 1):
            self._cohort(cohort)
        kept = [p for p in self.pupils if self._belongs(p)]
        for index, pupil in enumerate(kept):
            pupil.index = index
            if self._reaches_key_stage_4(pupil):
                pupil.uln = pupil.uln or self.ids.uln()
        return kept

    def _belongs(self, pupil: Pupil) -> bool:
        if pupil.joined_on > self.today:
            return False
        if pupil.left_on is None or pupil.left_on > self.today:
            return True
        left = academic_year_of(pupil.left_on)
        if left >= self.current - LEAVER_YEARS:
            return True
        # The whole Year 11 cohort of every sixth-former kept, so that the KS4
        # destination cohorts they belong to are complete.
        return pupil.leave_year_group in (11, 12) and left >= self.current - LEAVER_YEARS - 2

    def _reaches_key_stage_4(self, pupil: Pupil) -> bool:
        # The ULN arrives at 14; the demo keeps it in the registration (identifiers
        # are not correctable) for everyone who reaches Year 10 within the demo.
        last = pupil.years_on_roll(self.today)[-1]
        return pupil.year_group(last) >= 10

    def _cohort(self, cohort: int) -> None:
        year7 = school_year(cohort).first_day
        core = [
            self._pupil(cohort, min(year7, self.today), 7, local=True) for _ in range(self.ks4_size)
        ]
        self._move_in_and_out(cohort, core)
        year11 = school_year(cohort + 4)
        on_roll = [p for p in core if p.left_on is None]
        stayers = self._weighted_sample(on_roll, round(STAY_ON_SHARE * len(on_roll)))
        for pupil in on_roll:
            if pupil in stayers:
                pupil.stays_on = True
            else:
                self._leave(pupil, year11.last_day, 11, "Completed Year 11")
        year12 = school_year(cohort + 5)
        joiners = max(0, self.sixth_form_size - len(stayers))
        sixth_form = list(stayers) + [
            self._pupil(cohort, year12.first_day, 12, local=False) for _ in range(joiners)
        ]
        for pupil in sixth_form:
            if self.rng.random() < 0.04:
                self._leave(pupil, year12.last_day, 12, "Left the sixth form after Year 12")
            else:
                self._leave(pupil, school_year(cohort + 6).last_day, 13, "Completed Year 13")

    def _move_in_and_out(self, cohort: int, core: list[Pupil]) -> None:
        for year_group in (8, 9, 10):
            year = school_year(cohort + year_group - 7)
            movers = [p for p in core if p.left_on is None and self.rng.random() < 0.012]
            for pupil in movers:
                day = year.pick_day(self.rng, ((10, 1), (6, 30)))
                self._leave(pupil, day, year_group, "Moved to another school")
            for _ in movers:
                day = year.pick_day(self.rng, ((9, 15), (5, 20)))
                core.append(self._pupil(cohort, day, year_group, local=False))

    def _leave(self, pupil: Pupil, day: date, year_group: int, reason: str) -> None:
        pupil.left_on, pupil.leave_year_group, pupil.leave_reason = day, year_group, reason

    def _weighted_sample(self, pupils: list[Pupil], k: int) -> list[Pupil]:
        # Efraimidis-Spirakis: disadvantaged pupils stay on less often, so gaps show.
        def key(pupil: Pupil) -> float:
            weight = (0.6 if pupil.disadvantaged else 1.0) * (0.8 if pupil.send else 1.0)
            weight *= 1.4 if pupil.leans_to_higher_education else 1.0
            return math.log(self.rng.random() or 1e-12) / weight

        chosen = set(sorted(pupils, key=key, reverse=True)[:k])
        return [p for p in pupils if p in chosen]  # in roll order, so runs repeat exactly

    def _pupil(self, cohort: int, joined_on: date, year_group: int, *, local: bool) -> Pupil:
        rng = self.rng
        gender = rng.choices(
            (Gender.FEMALE, Gender.MALE, Gender.OTHER, Gender.NOT_STATED), (49, 49, 0.5, 1.5)
        )[0]
        names = {Gender.FEMALE: cat.FEMALE_NAMES, Gender.MALE: cat.MALE_NAMES}
        given = rng.choice(names.get(gender, cat.NEUTRAL_NAMES))
        # Year 7 in September of ``cohort``: born in the academic year twelve before it.
        born_from = academic_year_start(cohort - 12)
        born = born_from + timedelta(
            days=rng.randrange((academic_year_start(cohort - 11) - born_from).days)
        )
        fsm = rng.random() < 0.24
        care = rng.random() < 0.01
        send = rng.random() < (0.19 if gender is Gender.MALE else 0.11)
        disadvantaged = fsm or care or rng.random() < 0.04
        engagement = 0.7 if rng.random() < 0.06 else rng.uniform(0.9, 0.99)
        engagement -= 0.04 * disadvantaged + 0.03 * send
        pupil = Pupil(
            index=len(self.pupils),
            student_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            given_name=given,
            family_name=rng.choice(cat.FAMILY_NAMES),
            gender=gender,
            date_of_birth=born,
            upn=self.ids.upn(cohort - 7, local),
            cohort=cohort,
            joined_on=joined_on,
            join_year_group=year_group,
            fsm=fsm,
            send=send,
            pupil_premium=disadvantaged,
            care_experienced=care,
            engagement=engagement,
            leans_to_higher_education=rng.random() < (0.38 if disadvantaged else 0.56),
        )
        if year_group >= 12:
            pupil.uln = self.ids.uln()
        self.pupils.append(pupil)
        return pupil


def build_roster(rng: random.Random, students: int, today: date) -> list[Pupil]:
    return RosterBuilder(rng, students, today).build()
