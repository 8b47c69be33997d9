"""A students-file row for a student the ledger already knows: update, don't duplicate.

MIS student lists are exported again every term.  A known student (matched
by UPN, else ULN) whose details changed gets a correction of their
registration; an enrolment already on record is not added twice.
Identifiers are never changed by an import (the ledger refuses that), so a
row whose UPN/ULN disagrees with the record is rejected.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from ledger.domain.errors import FieldProblem
from ledger.service.commands import Command, History
from ledger.service.imports.mis import PlannedRow

NAME_FIELDS = ("given_name", "family_name", "date_of_birth")
CHARACTERISTICS = ("gender", "fsm", "send", "pupil_premium", "care_experienced")
CORRECTION_REASON = "updated from a MIS students import"


def current_registration(history: History) -> dict[str, Any]:
    """The registration as it stands: the first entry with its live corrections applied."""
    registration = dict(history.entries[0].data)
    retracted = {e.data["amends_sequence"] for e in history.entries if e.kind == "retraction"}
    for entry in history.entries:
        if (
            entry.kind == "correction"
            and entry.data["amends_sequence"] == 1
            and entry.sequence not in retracted
        ):
            registration.update(entry.data["changes"])
    return registration


def known_student_commands(
    row: PlannedRow,
    history: History,
    provided: frozenset[str],
    labels: dict[str, str],
    today: date,
) -> list[Command] | FieldProblem:
    """Commands that bring a known student's record in line with the row (maybe none)."""
    wanted = row.commands[0].payload.model_dump(mode="json")
    current = current_registration(history)
    for kind in ("upn", "uln"):
        if wanted.get(kind) and current.get(kind) != wanted[kind]:
            reason = (
                f"the student matched by the other identifier has no {kind.upper()} on record; "
                "identifiers cannot be added or changed by an import"
                if current.get(kind) is None
                else f"differs from the {kind.upper()} of the student matched by the other one"
            )
            return FieldProblem(labels.get(kind, kind.upper()), reason)
    commands = []
    changes = _changes(wanted, current, provided)
    if changes:
        correction = {
            "occurred_on": today.isoformat(),
            "amends_sequence": 1,
            "changes": changes,
            "reason": CORRECTION_REASON,
        }
        key = row.idempotency_key("students", 0, f"/v{history.version}")
        commands.append(Command("correction", correction, history.student_id, key))
    if len(row.commands) > 1 and not _enrolled(history, row.commands[1].payload.model_dump()):
        enrolment = row.commands[1]
        key = row.idempotency_key("students", 1)
        commands.append(Command("enrolment", enrolment.payload, history.student_id, key))
    return commands


def new_student_commands(row: PlannedRow, student_id: UUID) -> list[Command]:
    return [
        Command(c.kind, c.payload, student_id, row.idempotency_key("students", i))
        for i, c in enumerate(row.commands)
    ]


def _changes(
    wanted: dict[str, Any], current: dict[str, Any], provided: frozenset[str]
) -> dict[str, Any]:
    changes: dict[str, Any] = {
        name: wanted[name]
        for name in NAME_FIELDS
        if name in provided and wanted[name] != current.get(name)
    }
    now = dict(current.get("characteristics") or {})
    updated = {
        **now,
        **{k: wanted["characteristics"][k] for k in CHARACTERISTICS if k in provided},
    }
    if updated != now:
        changes["characteristics"] = updated
    return changes


def _enrolled(history: History, enrolment: dict[str, Any]) -> bool:
    retracted = {e.data["amends_sequence"] for e in history.entries if e.kind == "retraction"}
    same = ("institution_id", "academic_year", "year_group")
    return any(
        e.kind == "enrolment"
        and e.sequence not in retracted
        and all(e.data.get(k) == enrolment[k] for k in same)
        for e in history.entries
    )
