"""The data protection officer's HTTP calls: erasure and retention."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from api.bootstrap import Ledger
from ledger.domain.clock import SimulatedClock
from tests import factories
from tests.api_support import SCHOOL_A, SCHOOL_B, World, key, world_of


@pytest.fixture
def world(ledger: Ledger) -> Iterator[World]:
    with world_of(ledger) as built:
        yield built


def erasure_of(world: World, name: str) -> str:
    return f"/api/v1/students/{world.students[name]}/erasure"


def test_the_data_protection_officer_erases_a_student_once_per_idempotency_key(
    world: World,
) -> None:
    headers = {**world.as_("data_protection_officer"), **key()}
    first = world.client.post(
        erasure_of(world, "same"), json={"reason": "request"}, headers=headers
    )
    assert first.status_code == 201, first.text
    assert first.json()["kind"] == "erasure"
    again = world.client.post(
        erasure_of(world, "same"), json={"reason": "request"}, headers=headers
    )
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    record = world.client.get(
        f"/api/v1/students/{world.students['same']}/record", headers=world.as_("adviser")
    )
    assert record.status_code == 410
    assert "Okafor" not in record.text


@pytest.mark.parametrize("role", ["adviser", "careers_leader", "auditor", "student"])
def test_no_other_role_may_erase(world: World, role: str) -> None:
    response = world.client.post(
        erasure_of(world, "own"), json={"reason": "request"}, headers={**world.as_(role), **key()}
    )
    assert response.status_code in {403, 404}
    assert not world.ledger.app.get_student(world.students["own"]).erased


def test_another_institutions_student_answers_404_to_erasure(world: World) -> None:
    response = world.client.post(
        erasure_of(world, "other"),
        json={"reason": "request"},
        headers={**world.as_("data_protection_officer"), **key()},
    )
    assert response.status_code == 404


def test_a_held_record_answers_409_to_erasure(world: World) -> None:
    officer = world.as_("data_protection_officer")
    held = world.client.post(
        f"/api/v1/students/{world.students['same']}/entries/legal_hold_placed",
        json={"occurred_on": "2025-01-10", "reason": "case 4"},
        headers={**officer, **key()},
    )
    assert held.status_code == 201, held.text
    refused = world.client.post(
        erasure_of(world, "same"), json={"reason": "request"}, headers={**officer, **key()}
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "legal_hold_active"


def test_an_unknown_erasure_reason_is_refused_naming_the_field(world: World) -> None:
    response = world.client.post(
        erasure_of(world, "same"),
        json={"reason": "whim"},
        headers={**world.as_("data_protection_officer"), **key()},
    )
    assert response.status_code == 422
    assert "whim" not in response.text


def test_retention_lists_and_erases_only_the_officers_institutions_due_records(
    world: World, clock: SimulatedClock
) -> None:
    clock.set(datetime(2026, 8, 1, tzinfo=UTC))
    for name, school in (("same", SCHOOL_A), ("other", SCHOOL_B)):
        world.ledger.service.record(
            world.students[name], "leaving", factories.leaving(institution_id=school)
        )
    clock.set(datetime(2040, 1, 1, tzinfo=UTC))  # the seeded pupils (born 2011) are over 25
    officer = world.as_("data_protection_officer")
    due = world.client.get("/api/v1/retention/due", headers=officer)
    assert due.status_code == 200, due.text
    assert due.json()["due"] == [
        {"student_id": str(world.students["same"]), "reason": "record_period_ended"}
    ]
    assert due.json()["still_enrolled"] == [str(world.students["own"])]
    assert (
        world.client.get("/api/v1/retention/due", headers=world.as_("adviser")).status_code == 403
    )
    run = world.client.post("/api/v1/retention/runs", headers=officer)
    assert run.status_code == 200, run.text
    assert [item["student_id"] for item in run.json()["erased"]] == [str(world.students["same"])]
    assert world.ledger.app.get_student(world.students["same"]).erased
    assert not world.ledger.app.get_student(world.students["other"]).erased
