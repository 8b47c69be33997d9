"""Who may do what to which student (docs/api.md, "Who may do what").

Roles are scoped to an institution.  A student outside the actor's scope is
reported exactly like a missing one (404), so existence never leaks; inside
the scope, an action the role may not take is 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ledger.domain.errors import Forbidden, StudentNotFound
from ledger.domain.events import EVENT_CLASSES
from ledger.domain.student import StudentRecord
from ledger.domain.vocabulary import Role

STAFF_WRITERS = frozenset({Role.ADVISER, Role.CAREERS_LEADER, Role.SYSTEM})
DPO_KINDS = frozenset({"legal_hold_placed", "legal_hold_lifted", "erasure"})
AMENDING_KINDS = frozenset({"correction", "retraction"})
REPORT_READERS = frozenset({Role.ADVISER, Role.CAREERS_LEADER, Role.AUDITOR, Role.SYSTEM})
VERIFIERS = frozenset(
    {Role.AUDITOR, Role.CAREERS_LEADER, Role.DATA_PROTECTION_OFFICER, Role.SYSTEM}
)
ACCESS_LOG_READERS = frozenset(
    {Role.STUDENT, Role.AUDITOR, Role.DATA_PROTECTION_OFFICER, Role.SYSTEM}
)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user id (never a name), a role and its scope."""

    id: str
    role: Role
    institution_id: str | None = None
    student_id: UUID | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls("system", Role.SYSTEM)


SYSTEM = Actor.system()


def in_scope(actor: Actor, student: StudentRecord) -> bool:
    if actor.role is Role.SYSTEM:
        return True
    if actor.role is Role.STUDENT:
        return actor.student_id == student.id
    return actor.institution_id is not None and actor.institution_id in student.institutions


def check_read(actor: Actor, student: StudentRecord) -> None:
    if not in_scope(actor, student):
        raise StudentNotFound("no student with this id is visible to you")


def check_append(actor: Actor, student: StudentRecord, kind: str) -> None:
    check_read(actor, student)
    check_append_kind(actor, kind)


def check_append_kind(actor: Actor, kind: str) -> None:
    """Whether the role may add this kind of entry at all (any student in its scope).

    ``check_append`` is this plus the scope; pages draw a form only when it passes.
    """
    if actor.role is Role.SYSTEM:
        return
    if kind in DPO_KINDS:
        if actor.role is not Role.DATA_PROTECTION_OFFICER:
            raise Forbidden("only a data protection officer may place holds or erase")
        return
    student_authored = EVENT_CLASSES[kind].STUDENT_AUTHORED
    if actor.role is Role.STUDENT:
        # A correction or retraction is allowed by the entry it amends (check_amend).
        if not student_authored and kind not in AMENDING_KINDS:
            raise Forbidden("students may add only their own reflections and part-time work")
        return
    if student_authored:
        # Marked as the student's own words: staff writing one would forge authorship.
        raise Forbidden("only the student can add their own reflections and part-time work")
    if actor.role not in STAFF_WRITERS:
        raise Forbidden(f"the {actor.role.value} role cannot write to records")


def check_amend(actor: Actor, kind: str, target_kind: str) -> None:
    """Who may correct or retract an entry, by the kind of entry amended.

    A student-authored entry (reflection, part-time work) holds the student's own
    words: only its author, the student, corrects or retracts it.  Staff may not
    correct it (the record would show their words as "My reflection: ..."); they
    may hide it with a retraction, which records who and why and is shown as
    hidden by staff.  Students amend nothing else.  ``check_append`` runs first.
    """
    if kind not in AMENDING_KINDS or actor.role is Role.SYSTEM:
        return
    target_is_students_own = EVENT_CLASSES[target_kind].STUDENT_AUTHORED
    if actor.role is Role.STUDENT:
        if not target_is_students_own:
            raise Forbidden(
                "students may correct or withdraw only their own reflections and part-time work"
            )
        return
    if target_is_students_own and kind == "correction":
        raise Forbidden(
            "only the student can correct their own words; staff may hide the entry "
            "with a retraction that gives the reason"
        )


def may_append_kind(actor: Actor, kind: str) -> bool:
    try:
        check_append_kind(actor, kind)
    except Forbidden:
        return False
    return True


def check_staff(actor: Actor) -> None:
    """Staff views (finding a student, their forms, imports): a student sees only their own."""
    if actor.role is Role.STUDENT:
        raise Forbidden("students can see only their own careers record")


def check_import(actor: Actor) -> None:
    """MIS imports register students and write entries: the roles that write records."""
    if actor.role not in STAFF_WRITERS:
        raise Forbidden(f"the {actor.role.value} role cannot import records")


def check_register(actor: Actor) -> None:
    if actor.role not in STAFF_WRITERS:
        raise Forbidden(f"the {actor.role.value} role cannot register students")
    if actor.role is not Role.SYSTEM and actor.institution_id is None:
        raise Forbidden("registering a student needs an institution scope")


def check_read_access_log(actor: Actor, student: StudentRecord) -> None:
    """The student, auditors and the DPO may see who read a record; advisers may not."""
    check_read(actor, student)
    if actor.role not in ACCESS_LOG_READERS:
        raise Forbidden(f"the {actor.role.value} role cannot read access logs")


def check_report(actor: Actor, institution_id: str | None) -> str | None:
    """Cohort reports: staff who report, for their own institution.

    Returns the institution the report covers (the actor's, when none is named;
    None only for the system actor's whole-ledger view).
    """
    if actor.role not in REPORT_READERS:
        raise Forbidden(f"the {actor.role.value} role cannot read cohort reports")
    if actor.role is Role.SYSTEM:
        return institution_id
    if institution_id is not None and institution_id != actor.institution_id:
        raise Forbidden("cohort reports cover your own institution only")
    return actor.institution_id


def check_verify(actor: Actor) -> None:
    """Replaying and verifying the chain is inspection evidence: auditors, leaders, DPOs."""
    if actor.role not in VERIFIERS:
        raise Forbidden(f"the {actor.role.value} role cannot verify the ledger")


def check_operations(actor: Actor) -> None:
    """Operational views (projection status): any staff role, not students."""
    if actor.role is Role.STUDENT:
        raise Forbidden("students cannot read operational status")
