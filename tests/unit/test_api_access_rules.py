"""The access rules the API relies on, checked directly on ``ledger.domain.access`` (no HTTP)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from ledger.domain import access
from ledger.domain.access import Actor
from ledger.domain.errors import Forbidden, StudentNotFound
from ledger.domain.student import StudentRecord
from ledger.domain.vocabulary import Role

SCHOOL = "100001"
ELSEWHERE = "100002"


def student_at(institution: str) -> StudentRecord:
    return StudentRecord.register(
        student_id=uuid.uuid4(),
        occurred_on=date(2024, 9, 2),
        data={},
        idempotency_key=None,
        actor="seed",
        institution_id=institution,
        recorded_at=datetime(2025, 1, 10, tzinfo=UTC),
    )


def staff(role: Role, institution: str = SCHOOL) -> Actor:
    return Actor(f"{role.value}-1", role, institution)


@pytest.mark.parametrize("kind", ["reflection", "part_time_work"])
@pytest.mark.parametrize("role", [Role.ADVISER, Role.CAREERS_LEADER])
def test_staff_cannot_write_a_student_s_own_words(role: Role, kind: str) -> None:
    with pytest.raises(Forbidden):
        access.check_append(staff(role), student_at(SCHOOL), kind)


def test_the_student_writes_their_own_words_and_the_system_may_import_them() -> None:
    record = student_at(SCHOOL)
    access.check_append(Actor("s-1", Role.STUDENT, SCHOOL, record.id), record, "reflection")
    access.check_append(Actor.system(), record, "part_time_work")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.STUDENT, True),
        (Role.AUDITOR, True),
        (Role.DATA_PROTECTION_OFFICER, True),
        (Role.ADVISER, False),
        (Role.CAREERS_LEADER, False),
    ],
)
def test_who_may_read_a_student_s_access_log(role: Role, allowed: bool) -> None:
    record = student_at(SCHOOL)
    actor = Actor("x-1", role, SCHOOL, record.id if role is Role.STUDENT else None)
    if allowed:
        access.check_read_access_log(actor, record)
    else:
        with pytest.raises(Forbidden):
            access.check_read_access_log(actor, record)


def test_an_access_log_out_of_scope_is_a_404_before_any_role_rule() -> None:
    with pytest.raises(StudentNotFound):
        access.check_read_access_log(staff(Role.AUDITOR), student_at(ELSEWHERE))


@pytest.mark.parametrize("role", [Role.ADVISER, Role.CAREERS_LEADER, Role.AUDITOR])
def test_reporting_staff_get_their_own_institution_and_no_other(role: Role) -> None:
    assert access.check_report(staff(role), None) == SCHOOL
    assert access.check_report(staff(role), SCHOOL) == SCHOOL
    with pytest.raises(Forbidden):
        access.check_report(staff(role), ELSEWHERE)


@pytest.mark.parametrize("role", [Role.STUDENT, Role.DATA_PROTECTION_OFFICER])
def test_students_and_the_dpo_do_not_read_cohort_reports(role: Role) -> None:
    with pytest.raises(Forbidden):
        access.check_report(staff(role), None)


def test_the_system_reports_on_any_institution_or_all() -> None:
    assert access.check_report(Actor.system(), None) is None
    assert access.check_report(Actor.system(), ELSEWHERE) == ELSEWHERE


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.AUDITOR, True),
        (Role.CAREERS_LEADER, True),
        (Role.DATA_PROTECTION_OFFICER, True),
        (Role.ADVISER, False),
        (Role.STUDENT, False),
    ],
)
def test_who_may_verify_the_chains(role: Role, allowed: bool) -> None:
    if allowed:
        access.check_verify(staff(role))
    else:
        with pytest.raises(Forbidden):
            access.check_verify(staff(role))


def test_students_do_not_see_operational_status() -> None:
    with pytest.raises(Forbidden):
        access.check_operations(staff(Role.STUDENT))
    access.check_operations(staff(Role.AUDITOR))


@pytest.mark.parametrize(
    ("role", "kind", "allowed"),
    [
        (Role.ADVISER, "guidance_interview", True),
        (Role.CAREERS_LEADER, "curriculum_learning", True),
        (Role.AUDITOR, "guidance_interview", False),
        (Role.DATA_PROTECTION_OFFICER, "guidance_interview", False),
        (Role.ADVISER, "reflection", False),
    ],
)
def test_a_role_may_be_offered_only_the_entry_kinds_it_may_add(
    role: Role, kind: str, allowed: bool
) -> None:
    assert access.may_append_kind(staff(role), kind) is allowed


def test_a_student_is_refused_staff_views_and_imports() -> None:
    student = Actor("student-1", Role.STUDENT, SCHOOL, uuid.uuid4())
    assert access.may_append_kind(student, "reflection")
    assert not access.may_append_kind(student, "guidance_interview")
    with pytest.raises(Forbidden):
        access.check_staff(student)
    with pytest.raises(Forbidden):
        access.check_import(student)
    with pytest.raises(Forbidden):
        access.check_import(staff(Role.AUDITOR))
    access.check_staff(staff(Role.AUDITOR))
    access.check_import(staff(Role.CAREERS_LEADER))


@pytest.mark.parametrize("target", ["reflection", "part_time_work"])
@pytest.mark.parametrize("role", [Role.ADVISER, Role.CAREERS_LEADER])
def test_staff_may_hide_a_student_s_own_words_but_never_correct_them(
    role: Role, target: str
) -> None:
    with pytest.raises(Forbidden):
        access.check_amend(staff(role), "correction", target)
    access.check_amend(staff(role), "retraction", target)
    access.check_amend(staff(role), "correction", "guidance_interview")


def test_a_student_amends_only_their_own_words() -> None:
    student = Actor("student-1", Role.STUDENT, SCHOOL, uuid.uuid4())
    for kind in ("correction", "retraction"):
        access.check_amend(student, kind, "reflection")
        with pytest.raises(Forbidden):
            access.check_amend(student, kind, "guidance_interview")
