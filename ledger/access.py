"""Who may do what to which student (DESIGN.md section 5).

Roles are scoped to an institution.  A student outside the actor's scope is
reported exactly like a missing one (404), so existence never leaks; inside
the scope, an action the role may not take is 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from .errors import Forbidden, StudentNotFound
from .events import EVENT_CLASSES
from .student import StudentRecord
from .vocabulary import Role

STAFF_WRITERS = frozenset({Role.ADVISER, Role.CAREERS_LEADER, Role.SYSTEM})
DPO_KINDS = frozenset({"legal_hold_placed", "legal_hold_lifted", "erasure"})


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
    if actor.role is Role.SYSTEM:
        return
    if kind in DPO_KINDS:
        if actor.role is not Role.DATA_PROTECTION_OFFICER:
            raise Forbidden("only a data protection officer may place holds or erase")
        return
    if actor.role is Role.STUDENT:
        if not EVENT_CLASSES[kind].STUDENT_AUTHORED:
            raise Forbidden("students may add only their own reflections and part-time work")
        return
    if actor.role not in STAFF_WRITERS:
        raise Forbidden(f"the {actor.role.value} role cannot write to records")


def check_register(actor: Actor) -> None:
    if actor.role not in STAFF_WRITERS:
        raise Forbidden(f"the {actor.role.value} role cannot register students")
    if actor.role is not Role.SYSTEM and actor.institution_id is None:
        raise Forbidden("registering a student needs an institution scope")
