"""The student-facts projection's rows: converting facts to rows and reading them back.

Facts are stored in runs: one row per student per batch, holding that
student's new facts of the batch (a rebuild writes a few rows per student, not
one per event).  A correction or retraction rewrites the run that holds its
target.

Also the rolls index rows, computed from a student's enrolments and leavings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import Connection, delete, select

from ledger.domain.calendar import academic_year_of
from projections.rules.facts import Fact, StudentFacts, student_facts
from projections.runner.tables import facts, roll, students
from projections.views.sealing import REGISTRATION, RowSealer, facts_purpose, seal_or_none

CHUNK = 500
Key = tuple[UUID, int]
Runs = dict[UUID, dict[int, list[Fact]]]


@dataclass
class Registration:
    """What the rules need of a registration, and whether it was retracted."""

    registration: dict[str, Any]
    evidence: list[int]
    withdrawn: bool


def fact_rows(sealer: RowSealer, student: UUID, chunk: Sequence[Fact]) -> tuple[Any, ...] | None:
    """One row holding a run of a student's facts (in sequence order), sealed.

    None when the student was erased while the batch was being written.
    """
    first = chunk[0].sequence
    # [sequence, kind, date, fields, institution, imported, corrections]
    sealed = seal_or_none(
        sealer, student, facts_purpose(first), orjson.dumps([tuple(f) for f in chunk])
    )
    return None if sealed is None else (student.hex, first, chunk[-1].sequence, sealed)


def registration_row(
    sealer: RowSealer, student: UUID, registration: Registration
) -> tuple[Any, ...] | None:
    sealed = seal_or_none(sealer, student, REGISTRATION, orjson.dumps(registration.registration))
    if sealed is None:
        return None
    return (student.hex, sealed, joined(registration.evidence), int(registration.withdrawn))


def joined(numbers: Iterable[int]) -> str:
    return ",".join(str(n) for n in numbers)


def _numbers(text: str) -> list[int]:
    return [int(n) for n in text.split(",") if n]


def _facts(blob: bytes) -> list[Fact]:
    return [
        Fact(
            row[0],
            row[1],
            date.fromisoformat(row[2]),
            row[3],
            row[4],
            row[5],
            tuple(row[6]) if len(row) > 6 else (),
        )
        for row in orjson.loads(blob)
    ]


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def load_runs(connection: Connection, sealer: RowSealer, student_ids: Iterable[UUID]) -> Runs:
    """Each student's stored runs of facts, by the first sequence of the run.

    A run that no longer opens (its student was just erased) is left out.
    """
    found: dict[UUID, dict[int, list[Fact]]] = {}
    for chunk in _chunks(sorted({s.hex for s in student_ids})):
        sealer.warm(chunk)
        rows = connection.execute(
            select(facts.c.student_id, facts.c.first_sequence, facts.c.sealed_facts).where(
                facts.c.student_id.in_(chunk)
            )
        )
        for student, first, sealed in rows:
            blob = sealer.open(student, facts_purpose(int(first)), sealed)
            if blob is not None:
                found.setdefault(UUID(hex=student), {})[int(first)] = _facts(blob)
    return found


def load_facts_of(
    connection: Connection,
    sealer: RowSealer,
    student_ids: Sequence[UUID],
    *,
    kinds: Iterable[str] = (),
) -> dict[UUID, list[Fact]]:
    wanted = frozenset(kinds)
    return {
        student: [f for run in runs.values() for f in run if not wanted or f.kind in wanted]
        for student, runs in load_runs(connection, sealer, student_ids).items()
    }


def load_registrations(
    connection: Connection, sealer: RowSealer, student_ids: set[UUID]
) -> dict[UUID, Registration]:
    found: dict[UUID, Registration] = {}
    for chunk in _chunks(sorted(s.hex for s in student_ids)):
        sealer.warm(chunk)
        for row in connection.execute(select(students).where(students.c.student_id.in_(chunk))):
            blob = sealer.open(row.student_id, REGISTRATION, row.sealed_registration)
            if blob is not None:
                found[UUID(hex=row.student_id)] = Registration(
                    orjson.loads(blob), _numbers(row.evidence), bool(row.withdrawn)
                )
    return found


def load_student_facts(
    connection: Connection, sealer: RowSealer, student_ids: Sequence[UUID]
) -> list[StudentFacts]:
    """The stored facts of these students (unknown and erased ones are left out)."""
    registrations = load_registrations(connection, sealer, set(student_ids))
    stored = load_facts_of(connection, sealer, list(registrations))
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
    A spell ends at the earliest of its institution's later leavings and the
    next enrolment (enrolments are taken in academic-year order, so the next
    one has the smallest later year).  Recomputed for every student whose
    enrolments change in a batch, so kept lean; a property test holds it to
    the plain statement of the rule.
    """
    enrolments: list[Fact] = []
    leavings: list[tuple[str | None, date, int]] = []
    for fact in spells_and_leavings:
        if fact.kind == "enrolment":
            enrolments.append(fact)
        elif fact.kind == "leaving":
            day = fact.occurred_on
            leavings.append((fact.data.get("institution_id"), day, academic_year_of(day)))
    enrolments.sort(key=_enrolment_order)
    rows: list[list[Any]] = []
    last: list[Any] | None = None
    for index, spell in enumerate(enrolments):
        institution = str(spell.data["institution_id"])
        year = int(spell.data["academic_year"])
        began = spell.occurred_on
        ends = [left for where, day, left in leavings if where == institution and day >= began]
        if index + 1 < len(enrolments):
            ends.append(int(enrolments[index + 1].data["academic_year"]))
        until = max(min(ends), year) if ends else None
        year0 = year - int(spell.data["year_group"])
        if last is not None and last[2] == institution and last[6] == year0 and last[5] == year:
            last[5] = until
            continue
        kind = str(spell.data.get("institution_kind", "school"))
        last = [student.hex, spell.sequence, institution, kind, year, until, year0]
        rows.append(last)
    return [tuple(row) for row in rows]


def _enrolment_order(fact: Fact) -> tuple[int, date, int]:
    return (int(fact.data["academic_year"]), fact.occurred_on, fact.sequence)
