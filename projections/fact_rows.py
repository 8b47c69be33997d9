"""The student-facts projection's rows: converting facts to rows and reading them back.

Also the rolls index rows, computed from a student's enrolments and leavings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import Connection, delete, select, tuple_

from .calendar import academic_year_of
from .facts import Fact, StudentFacts, student_facts
from .tables import facts, roll, students

CHUNK = 500
Key = tuple[UUID, int]


@dataclass
class Registration:
    """What the rules need of a registration, and whether it was retracted."""

    registration: dict[str, Any]
    evidence: list[int]
    withdrawn: bool


def fact_row(student: UUID, fact: Fact) -> tuple[Any, ...]:
    return (
        student.hex,
        fact.sequence,
        fact.kind,
        fact.occurred_on.isoformat(),
        orjson.dumps(fact.data),
        fact.institution_id,
        int(fact.imported),
        joined(fact.amended_by),
    )


def joined(numbers: Iterable[int]) -> str:
    return ",".join(str(n) for n in numbers)


def _numbers(text: str) -> list[int]:
    return [int(n) for n in text.split(",") if n]


def _fact(row: Any) -> Fact:
    return Fact(
        sequence=int(row.sequence),
        kind=row.kind,
        occurred_on=date.fromisoformat(row.occurred_on),
        data=orjson.loads(row.data),
        institution_id=row.institution_id,
        imported=bool(row.imported),
        amended_by=tuple(_numbers(row.amended_by)),
    )


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def load_facts(connection: Connection, keys: set[Key]) -> dict[Key, Fact]:
    """The stored facts with these (student, sequence) keys."""
    found: dict[Key, Fact] = {}
    ids = {s.hex: s for s, _ in keys}
    for chunk in _chunks(sorted((s.hex, seq) for s, seq in keys)):
        query = select(facts).where(tuple_(facts.c.student_id, facts.c.sequence).in_(chunk))
        for row in connection.execute(query):
            found[(ids[row.student_id], int(row.sequence))] = _fact(row)
    return found


def load_facts_of(
    connection: Connection, student_ids: Sequence[UUID], *, kinds: Iterable[str] = ()
) -> dict[UUID, list[Fact]]:
    found: dict[UUID, list[Fact]] = {}
    wanted = sorted(kinds)
    for chunk in _chunks([s.hex for s in student_ids]):
        query = select(facts).where(facts.c.student_id.in_(chunk))
        if wanted:
            query = query.where(facts.c.kind.in_(wanted))
        for row in connection.execute(query):
            found.setdefault(UUID(hex=row.student_id), []).append(_fact(row))
    return found


def load_registrations(connection: Connection, student_ids: set[UUID]) -> dict[UUID, Registration]:
    found: dict[UUID, Registration] = {}
    for chunk in _chunks(sorted(s.hex for s in student_ids)):
        for row in connection.execute(select(students).where(students.c.student_id.in_(chunk))):
            found[UUID(hex=row.student_id)] = Registration(
                orjson.loads(row.registration), _numbers(row.evidence), bool(row.withdrawn)
            )
    return found


def load_student_facts(connection: Connection, student_ids: Sequence[UUID]) -> list[StudentFacts]:
    """The stored facts of these students (unknown and erased ones are left out)."""
    registrations = load_registrations(connection, set(student_ids))
    stored = load_facts_of(connection, list(registrations))
    return [
        student_facts(s, r.registration, r.evidence, r.withdrawn, stored.get(s, []))
        for s, r in registrations.items()
    ]


def forget_students(connection: Connection, student_ids: Iterable[UUID]) -> None:
    keys = sorted(s.hex for s in student_ids)
    for chunk in _chunks(keys):
        for table in (roll, facts, students):
            connection.execute(delete(table).where(table.c.student_id.in_(chunk)))


def roll_rows(student: UUID, spells_and_leavings: Iterable[Fact]) -> list[tuple[Any, ...]]:
    """Index rows for the enrolment spells: where, from which year, until which at most.

    Yearly re-enrolments at the same institution in step with the year group
    make one row; the index only has to be a superset of each year's roll.
    """
    ordered = sorted(spells_and_leavings, key=lambda f: (f.occurred_on, f.sequence))
    enrolments = sorted(
        (f for f in ordered if f.kind == "enrolment"),
        key=lambda f: (int(f.data["academic_year"]), f.occurred_on, f.sequence),
    )
    leavings = [f for f in ordered if f.kind == "leaving"]
    rows: list[list[Any]] = []
    for index, spell in enumerate(enrolments):
        institution = str(spell.data["institution_id"])
        ends = [
            academic_year_of(leaving.occurred_on)
            for leaving in leavings
            if leaving.data.get("institution_id") == institution
            and leaving.occurred_on >= spell.occurred_on
        ]
        ends += [int(later.data["academic_year"]) for later in enrolments[index + 1 :]]
        year = int(spell.data["academic_year"])
        until = max(min(ends), year) if ends else None
        year0 = year - int(spell.data["year_group"])
        last = rows[-1] if rows else None
        if last is not None and last[2] == institution and last[6] == year0 and last[5] == year:
            last[5] = until
            continue
        kind = str(spell.data.get("institution_kind", "school"))
        rows.append([student.hex, spell.sequence, institution, kind, year, until, year0])
    return [tuple(row) for row in rows]
