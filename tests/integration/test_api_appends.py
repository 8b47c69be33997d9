"""Appending over HTTP: idempotent retries, conditional appends, problem details."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from api.bootstrap import Ledger
from api.http import examples
from api.http.idempotency import scope_of
from api.http.routes.entries import APPENDABLE, HANDLED_ELSEWHERE
from ledger.domain.events import ENTRY_KINDS
from tests import factories
from tests.api_support import SCHOOL_A, SCHOOL_B, World, key, world_of

INTERVIEW = examples.ENTRIES["guidance_interview"]


@pytest.fixture
def world(ledger: Ledger) -> Iterator[World]:
    with world_of(ledger) as built:
        yield built


def entries_url(world: World, kind: str, student: str = "same") -> str:
    return f"/api/v1/students/{world.students[student]}/entries/{kind}"


def test_an_adviser_records_an_interview_and_gets_its_sequence_etag_and_location(
    world: World,
) -> None:
    response = world.client.post(
        entries_url(world, "guidance_interview"),
        json=INTERVIEW,
        headers={**world.as_("adviser"), **key()},
    )
    assert response.status_code == 201
    assert response.json() == {
        "student_id": str(world.students["same"]),
        "sequence": 3,
        "kind": "guidance_interview",
    }
    assert response.headers["ETag"] == '"3"'
    assert response.headers["Location"] == f"/api/v1/students/{world.students['same']}/record"
    assert "Idempotent-Replayed" not in response.headers


def test_a_retried_append_returns_the_original_response_and_writes_nothing(world: World) -> None:
    headers = {**world.as_("adviser"), **key()}
    first = world.client.post(
        entries_url(world, "guidance_interview"), json=INTERVIEW, headers=headers
    )
    events = world.total_events()
    again = world.client.post(
        entries_url(world, "guidance_interview"), json=INTERVIEW, headers=headers
    )
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert world.total_events() == events


def test_a_retried_registration_returns_the_same_student(world: World) -> None:
    headers = {**world.as_("adviser"), **key()}
    payload = factories.registration()
    first = world.client.post("/api/v1/students", json=payload, headers=headers)
    again = world.client.post("/api/v1/students", json=payload, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_the_same_key_with_a_different_body_is_refused_and_writes_nothing(world: World) -> None:
    headers = {**world.as_("adviser"), **key()}
    world.client.post(entries_url(world, "guidance_interview"), json=INTERVIEW, headers=headers)
    events = world.total_events()
    changed = {**INTERVIEW, "duration_minutes": 55}
    response = world.client.post(
        entries_url(world, "guidance_interview"), json=changed, headers=headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert world.total_events() == events


def test_a_duplicate_arriving_while_the_first_is_in_progress_is_a_409(world: World) -> None:
    headers = {**world.as_("adviser"), **key()}
    in_flight = world.client.app.state.in_flight  # type: ignore[attr-defined]
    with in_flight.claim(
        scope_of(str(world.students["same"]), SCHOOL_A), headers["Idempotency-Key"]
    ):
        response = world.client.post(
            entries_url(world, "guidance_interview"), json=INTERVIEW, headers=headers
        )
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_flight"
    assert response.headers["Retry-After"] == "1"
    after = world.client.post(
        entries_url(world, "guidance_interview"), json=INTERVIEW, headers=headers
    )
    assert after.status_code == 201


def test_another_schools_identical_key_in_progress_does_not_hold_up_a_registration(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = key()
    service = world.client.app.state.service  # type: ignore[attr-defined]
    register, entered, release = service.register_student, threading.Event(), threading.Event()

    def held_for_school_b(payload: object, **options: Any) -> object:
        if options["actor"].institution_id == SCHOOL_B:
            entered.set()
            release.wait(10)
        return register(payload, **options)

    monkeypatch.setattr(service, "register_student", held_for_school_b)
    answers: list[Any] = []
    school_b = threading.Thread(
        target=lambda: answers.append(
            world.client.post(
                "/api/v1/students",
                json=factories.registration(),
                headers={**world.as_("adviser_b"), **shared},
            )
        )
    )
    school_b.start()
    assert entered.wait(10)
    try:
        school_a = world.client.post(
            "/api/v1/students",
            json=factories.registration(),
            headers={**world.as_("adviser"), **shared},
        )
    finally:
        release.set()
        school_b.join(10)
    assert school_a.status_code == 201
    assert answers[0].status_code == 201


def test_an_append_without_an_idempotency_key_is_refused_naming_the_header(world: World) -> None:
    response = world.client.post(
        entries_url(world, "guidance_interview"), json=INTERVIEW, headers=world.as_("adviser")
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "Idempotency-Key", "reason": "Field required"}]


def test_if_match_with_the_current_etag_appends_and_a_stale_one_is_a_409(world: World) -> None:
    record = world.client.get(
        f"/api/v1/students/{world.students['same']}/record", headers=world.as_("adviser")
    )
    etag = record.headers["ETag"]
    url = entries_url(world, "labour_market_information")
    body = examples.ENTRIES["labour_market_information"]
    fresh = world.client.post(
        url, json=body, headers={**world.as_("adviser"), **key(), "If-Match": etag}
    )
    assert fresh.status_code == 201
    stale = world.client.post(
        url, json=body, headers={**world.as_("adviser"), **key(), "If-Match": etag}
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_conflict"
    assert world.version(world.students["same"]) == int(fresh.headers["ETag"].strip('"'))


def test_a_malformed_if_match_is_refused_naming_the_header(world: World) -> None:
    response = world.client.post(
        entries_url(world, "guidance_interview"),
        json=INTERVIEW,
        headers={**world.as_("adviser"), **key(), "If-Match": 'W/"2"'},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "If-Match"


def test_an_entry_is_corrected_and_then_retracted_with_history_keeping_all_three(
    world: World,
) -> None:
    student = world.students["same"]
    base = f"/api/v1/students/{student}/entries/2"
    corrected = world.client.post(
        base + "/correction",
        json={"changes": {"year_group": 10}, "reason": "Year group mistyped"},
        headers={**world.as_("careers_leader"), **key()},
    )
    retracted = world.client.post(
        base + "/retraction",
        json={"reason": "Wrong school"},
        headers={**world.as_("careers_leader"), **key()},
    )
    assert (corrected.status_code, retracted.status_code) == (201, 201)
    record = world.client.get(f"/api/v1/students/{student}/record", headers=world.as_("adviser"))
    kinds = [entry["kind"] for entry in record.json()["entries"]]
    assert kinds == ["registration", "enrolment", "correction", "retraction"]


def test_retracting_an_entry_twice_is_a_409_naming_the_rule(world: World) -> None:
    url = f"/api/v1/students/{world.students['same']}/entries/2/retraction"
    world.client.post(url, json={"reason": "dup"}, headers={**world.as_("adviser"), **key()})
    again = world.client.post(
        url, json={"reason": "dup"}, headers={**world.as_("adviser"), **key()}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "rule_violation"


def test_invalid_input_is_named_by_field_and_reason_without_echoing_values(world: World) -> None:
    canary = "Zebedee-Canary-7731"
    payload = factories.registration(given_name=canary, upn=canary, date_of_birth="not-a-date")
    response = world.client.post(
        "/api/v1/students", json=payload, headers={**world.as_("adviser"), **key()}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {e["field"] for e in body["errors"]} >= {"date_of_birth"}
    assert canary not in response.text
    assert body["type"].endswith("validation_failed")


def test_a_rule_the_schema_cannot_express_is_a_422_naming_the_field(world: World) -> None:
    response = world.client.post(
        entries_url(world, "guidance_interview"),
        json={**INTERVIEW, "occurred_on": "2031-01-01"},
        headers={**world.as_("adviser"), **key()},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "occurred_on", "reason": "must not be in the future"}
    ]


def test_every_entry_kind_has_an_append_route_or_a_named_owner() -> None:
    assert set(APPENDABLE) | HANDLED_ELSEWHERE == set(ENTRY_KINDS)
    assert set(APPENDABLE) <= set(examples.ENTRIES)


@pytest.mark.parametrize("kind", APPENDABLE)
def test_each_kind_s_openapi_example_is_accepted(world: World, kind: str) -> None:
    role = {
        "reflection": "student",
        "part_time_work": "student",
        "legal_hold_placed": "data_protection_officer",
        "legal_hold_lifted": "data_protection_officer",
    }.get(kind, "adviser")
    if kind == "legal_hold_lifted":
        world.client.post(
            entries_url(world, "legal_hold_placed", "own"),
            json=examples.ENTRIES["legal_hold_placed"],
            headers={**world.as_(role), **key()},
        )
    response = world.client.post(
        entries_url(world, kind, "own"),
        json=examples.ENTRIES[kind],
        headers={**world.as_(role), **key()},
    )
    assert response.status_code == 201, response.json()
