"""Where a student stands on an evaluation date: year groups, roll, leaving.

An explicit year group from an enrolment wins over one derived from the date
of birth (docs/projections.md).  For an academic year the governing
enrolment is the latest one that started on or before it; years before the
first enrolment extrapolate from the first one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from ledger.domain.calendar import academic_year_of, year0_from_birth
from projections.rules.facts import Fact, StudentFacts

FIRST_SECONDARY_YEAR = 7
LAST_SCHOOL_YEAR = 13


@dataclass(frozen=True)
class Enrolled:
    """One spell on a roll: where, from which academic year, as which year group."""

    institution_id: str
    institution_kind: str
    academic_year: int
    year_group: int
    fact: Fact

    @property
    def year0(self) -> int:
        return self.academic_year - self.year_group


@dataclass(frozen=True)
class Left:
    institution_id: str
    year_group: int
    on: date
    fact: Fact


@dataclass
class Standing:
    """A student's facts seen from ``as_of`` (facts already limited to that date)."""

    facts: StudentFacts
    as_of: date
    _year_groups: dict[int, int | None] = field(default_factory=dict, repr=False)

    @property
    def current_academic_year(self) -> int:
        return academic_year_of(self.as_of)

    @cached_property
    def enrolments(self) -> tuple[Enrolled, ...]:
        spells = [
            Enrolled(
                institution_id=str(f.data["institution_id"]),
                institution_kind=str(f.data.get("institution_kind", "school")),
                academic_year=int(f.data["academic_year"]),
                year_group=int(f.data["year_group"]),
                fact=f,
            )
            for f in self.facts.of_kind("enrolment")
        ]
        return tuple(sorted(spells, key=lambda e: (e.academic_year, e.fact.occurred_on)))

    @cached_property
    def left(self) -> Left | None:
        """The last leaving, unless a later enrolment followed it."""
        leavings = self.facts.of_kind("leaving")
        if not leavings:
            return None
        last = leavings[-1]
        after = (last.occurred_on, last.sequence)
        if any((e.fact.occurred_on, e.fact.sequence) > after for e in self.enrolments):
            return None
        return Left(
            str(last.data["institution_id"]), int(last.data["year_group"]), last.occurred_on, last
        )

    @cached_property
    def first_enrolled_year_group(self) -> int | None:
        return self.enrolments[0].year_group if self.enrolments else None

    def governing(self, academic_year: int) -> Enrolled | None:
        earlier = [e for e in self.enrolments if e.academic_year <= academic_year]
        if earlier:
            return earlier[-1]
        return self.enrolments[0] if self.enrolments else None

    def year_group(self, academic_year: int) -> int | None:
        """The year group in ``academic_year``; None without enrolment or birth date."""
        if academic_year not in self._year_groups:
            spell = self.governing(academic_year)
            if spell is not None:
                found: int | None = academic_year - spell.year0
            elif self.facts.date_of_birth is not None:
                found = academic_year - year0_from_birth(self.facts.date_of_birth)
            else:
                found = None
            self._year_groups[academic_year] = found
        return self._year_groups[academic_year]

    def year_group_on(self, day: date) -> int | None:
        return self.year_group(academic_year_of(day))

    @property
    def current_year_group(self) -> int | None:
        return self.year_group(self.current_academic_year)

    def academic_year_for(self, year_group: int) -> int | None:
        """The academic year that ends Year ``year_group`` (the later one after a repeat)."""
        anchors = [e.year0 for e in self.enrolments]
        if self.facts.date_of_birth is not None:
            anchors.append(year0_from_birth(self.facts.date_of_birth))
        if not anchors:
            return None
        candidates = range(min(anchors) + year_group - 3, max(anchors) + year_group + 4)
        reached = [a for a in candidates if (self.year_group(a) or 0) <= year_group]
        return max(reached) if reached else None

    def reached_year_group(self) -> int | None:
        """The highest year group the student has reached in school as of today."""
        current = self.current_year_group
        if current is None:
            return None
        if self.left is not None:
            current = min(current, self.left.year_group)
        return min(current, LAST_SCHOOL_YEAR)

    def in_year_groups(self, facts: tuple[Fact, ...], year_groups: range) -> tuple[Fact, ...]:
        return tuple(f for f in facts if self.year_group_on(f.occurred_on) in year_groups)

    def on_roll(self, academic_year: int) -> Enrolled | None:
        """The spell the student was on roll under during ``academic_year`` (or None).

        A leaving during the year still counts the student in that year's cohort.
        """
        spell = None
        for enrolled in self.enrolments:
            if enrolled.academic_year <= academic_year:
                spell = enrolled
        if spell is None:
            return None
        for leaving in self.facts.of_kind("leaving"):
            if (
                leaving.data.get("institution_id") == spell.institution_id
                and leaving.occurred_on >= spell.fact.occurred_on
                and academic_year_of(leaving.occurred_on) < academic_year
            ):
                return None
        return spell
