"""Role x endpoint x {own, same institution, other institution, missing}.

Every cell is a real HTTP request.  The rules live in ``ledger.domain.access``; this
matrix checks the API applies them everywhere: nothing out of scope answers
anything but 404, auditors never write, students write only their own
reflections and part-time work, and a refused write leaves the ledger as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.bootstrap import Ledger
from api.http import examples
from api.http.routes.entries import APPENDABLE
from tests.api_support import ROLES, World, key, world_of

TARGETS = ("own", "same", "other", "missing")
STUDENT_KINDS = {"reflection", "part_time_work"}
DPO_KINDS = {"legal_hold_placed", "legal_hold_lifted"}
READS = ("record", "timeline", "benchmarks", "provider-access", "destinations", "access-log")
AMENDS = ("correction", "retraction")
ACCESS_LOG_READERS = {"student", "auditor", "data_protection_officer"}
VERIFIERS = {"careers_leader", "auditor", "data_protection_officer"}
REPORTERS = {"adviser", "careers_leader", "auditor"}
REPORTS = ("benchmarks", "provider-access", "destinations")


@pytest.fixture
def world(ledger: Ledger) -> Iterator[World]:
    with world_of(ledger) as built:
        yield built


def expected(role: str, target: str, operation: str) -> int:
    if target in {"other", "missing"} or (role == "student" and target != "own"):
        return 404
    if operation in READS and operation != "access-log":
        return 200
    if operation == "access-log":
        return 200 if role in ACCESS_LOG_READERS else 403
    if role == "student":
        return 201 if operation in STUDENT_KINDS else 403
    if role == "data_protection_officer":
        return 201 if operation in DPO_KINDS else 403
    if role == "auditor" or operation in STUDENT_KINDS | DPO_KINDS:
        return 403
    return 201


def call(world: World, role: str, target: str, operation: str) -> Any:
    student = world.students[target]
    base = f"/api/v1/students/{student}"
    headers = world.as_(role)
    if operation in READS:
        return world.client.get(f"{base}/{operation}", headers=headers)
    headers = {**headers, **key()}
    if operation in AMENDS:
        sequence = 2
        if target != "missing":
            # A fresh entry to amend, so each cell tests access and not an earlier cell's state.
            sequence = world.ledger.service.record(
                student, "labour_market_information", examples.ENTRIES["labour_market_information"]
            ).sequence
        body: dict[str, Any] = {"reason": "Matrix check"}
        if operation == "correction":
            body["changes"] = {"activity": "Careers fair LMI stall"}
        return world.client.post(
            f"{base}/entries/{sequence}/{operation}", json=body, headers=headers
        )
    return world.client.post(
        f"{base}/entries/{operation}", json=examples.ENTRIES[operation], headers=headers
    )


def test_every_role_meets_every_student_endpoint_exactly_as_the_rules_say(world: World) -> None:
    operations = (*READS, *APPENDABLE, *AMENDS)
    unexpected = []
    for role in ROLES:
        for target in TARGETS:
            for operation in operations:
                before = world.total_events()
                response = call(world, role, target, operation)
                want = expected(role, target, operation)
                wrote = world.total_events() - before
                if operation in AMENDS and target != "missing":
                    wrote -= 1  # the seeded entry to amend
                if response.status_code != want or (want != 201 and wrote):
                    unexpected.append((role, target, operation, response.status_code, want, wrote))
                if response.status_code >= 400:
                    assert response.headers["content-type"] == "application/problem+json"
    assert unexpected == []


def test_another_schools_student_is_indistinguishable_from_a_missing_one(world: World) -> None:
    answers = [
        world.client.get(
            f"/api/v1/students/{world.students[target]}/record", headers=world.as_("adviser")
        )
        for target in ("other", "missing")
    ]
    assert answers[0].status_code == answers[1].status_code == 404
    assert answers[0].json() == answers[1].json()


@pytest.mark.parametrize("role", ROLES)
def test_only_advisers_and_careers_leaders_register_students(world: World, role: str) -> None:
    from tests import factories

    before = world.total_events()
    response = world.client.post(
        "/api/v1/students",
        json=factories.registration(),
        headers={**world.as_(role), **key()},
    )
    allowed = role in {"adviser", "careers_leader"}
    assert response.status_code == (201 if allowed else 403)
    assert world.total_events() - before == (1 if allowed else 0)


@pytest.mark.parametrize("role", ROLES)
def test_finding_by_upn_sees_only_students_in_scope(world: World, role: str) -> None:
    found = {
        target: world.client.post(
            "/api/v1/students/search", json={"upn": world.upns[target]}, headers=world.as_(role)
        ).status_code
        for target in ("own", "same", "other")
    }
    in_scope = {"own", "same"} if role != "student" else {"own"}
    assert found == {t: 200 if t in in_scope else 404 for t in found}


@pytest.mark.parametrize("role", ROLES)
def test_chain_verification_is_for_auditors_leaders_and_the_dpo(world: World, role: str) -> None:
    response = world.client.get("/api/v1/audit/verification", headers=world.as_(role))
    assert response.status_code == (200 if role in VERIFIERS else 403)
    if response.status_code == 200:
        assert response.json()["ok"] is True


@pytest.mark.parametrize("role", ROLES)
def test_cohort_reports_are_for_reporting_staff_and_their_own_school(
    world: World, role: str
) -> None:
    for report in REPORTS:
        own = world.client.get(f"/api/v1/reports/{report}", headers=world.as_(role))
        assert own.status_code == (200 if role in REPORTERS else 403), report
        elsewhere = world.client.get(
            f"/api/v1/reports/{report}?institution_id=100002", headers=world.as_(role)
        )
        assert elsewhere.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_projection_status_is_for_staff(world: World, role: str) -> None:
    response = world.client.get("/api/v1/projections/status", headers=world.as_(role))
    assert response.status_code == (403 if role == "student" else 200)
