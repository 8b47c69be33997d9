"""Security review: erased records, date windows and request bodies over HTTP (in process)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Ledger
from api.server import create_app
from ledger.domain.access import Actor
from ledger.domain.vocabulary import Role
from tests.api_support import SCHOOL_A, World, key, world_of

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def world(ledger: Ledger) -> Iterator[World]:
    with world_of(ledger) as built:
        yield built


def test_correcting_an_erased_record_answers_410_like_every_other_route(world: World) -> None:
    student = world.students["same"]
    erased = world.client.post(
        f"/api/v1/students/{student}/erasure",
        json={"reason": "request"},
        headers={**world.as_("data_protection_officer"), **key()},
    )
    assert erased.status_code == 201, erased.text
    for path, body in (
        (
            f"/api/v1/students/{student}/entries/1/correction",
            {"changes": {"given_name": "Ada"}, "reason": "typo"},
        ),
        (
            f"/api/v1/students/{student}/entries/2/correction",
            {"changes": {"institution_id": "100001"}, "reason": "typo"},
        ),
    ):
        response = world.client.post(path, json=body, headers={**world.as_("adviser"), **key()})
        assert response.status_code == 410, response.text
        assert response.json()["code"] == "student_erased"
        assert response.json()["errors"] == []


@pytest.mark.parametrize("authorization", [None, "Bearer clt_not-a-token", "Basic abc"])
def test_a_body_is_not_read_before_the_token_is_checked(
    world: World, authorization: str | None
) -> None:
    headers = {**key(), "Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    for path in (
        "/api/v1/students",
        f"/api/v1/students/{world.students['same']}/entries/1/correction",
    ):
        response = world.client.post(path, content=b'{"upn": ', headers=headers)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["code"] == "unauthenticated"


def test_invalid_json_with_a_valid_token_is_still_a_422(world: World) -> None:
    response = world.client.post(
        "/api/v1/students",
        content=b'{"upn": ',
        headers={**world.as_("adviser"), **key(), "Content-Type": "application/json"},
    )
    assert response.status_code == 422


def correction_of_depth(depth: int) -> bytes:
    """A correction body nested ``depth`` levels deep (the outer object is one)."""
    levels = depth - 1
    return b'{"reason": "x", "changes": ' + b'{"a": ' * levels + b"1" + b"}" * levels + b"}"


def test_a_body_nested_deeper_than_32_levels_answers_422_naming_the_body(world: World) -> None:
    path = f"/api/v1/students/{world.students['same']}/entries/2/correction"
    headers = {**world.as_("adviser"), "Content-Type": "application/json"}
    deep = correction_of_depth(33)
    response = world.client.post(path, content=deep, headers={**headers, **key()})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_failed"
    assert [e["field"] for e in body["errors"]] == ["body"]
    assert "32" in body["errors"][0]["reason"]
    # 32 levels pass the depth check (and are refused by the payload's own rules)
    within = correction_of_depth(32)
    allowed = world.client.post(path, content=within, headers={**headers, **key()})
    assert allowed.status_code == 422
    assert [e["field"] for e in allowed.json()["errors"]] != ["body"]
    # brackets inside strings are not nesting
    text = b'{"reason": "' + b"[{" * 100 + b'", "changes": {"institution_id": "100001"}}'
    plain = world.client.post(path, content=text, headers={**headers, **key()})
    assert plain.status_code == 201, plain.text


def test_a_body_over_the_limit_answers_413_and_an_upload_has_its_own_limit(world: World) -> None:
    limit = world.ledger.settings.max_body_bytes
    big = b'{"upn": "' + b"A" * limit + b'"}'
    response = world.client.post(
        "/api/v1/students",
        content=big,
        headers={**world.as_("adviser"), **key(), "Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "body_too_large"
    assert [e["field"] for e in response.json()["errors"]] == ["body"]
    streamed = world.client.post(
        "/api/v1/students",
        content=iter([big[i : i + 65536] for i in range(0, len(big), 65536)]),
        headers={**world.as_("adviser"), **key(), "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    upload = world.client.post(
        "/api/v1/imports/mis",
        data={"kind": "students", "dry_run": "true"},
        files={"file": ("s.csv", b"upn\n" + b"A" * limit, "text/csv")},
        headers=world.as_("careers_leader"),
    )
    assert upload.status_code != 413, upload.text


# -- the date window: as_of 1990-01-01 .. today + 1 year, known_at 1990-01-01 .. today ------
# (today is the test clock's: 2025-01-10)

STUDENT_ROUTES = ("benchmarks", "provider-access", "destinations")
COHORT_ROUTES = ("benchmarks", "provider-access", "destinations")
OUT_OF_WINDOW = (
    ("known_at", "9999-12-31"),
    ("known_at", "2025-01-11"),
    ("known_at", "1989-12-31"),
    ("as_of", "0001-01-01"),
    ("as_of", "1989-12-31"),
    ("as_of", "2026-01-11"),
    ("as_of", "9999-12-31"),
)


def reads_logged(world: World, name: str) -> int:
    auditor = Actor("review-auditor", Role.AUDITOR, SCHOOL_A)
    return world.ledger.service.access_log_of(world.students[name], actor=auditor).total


@pytest.mark.parametrize(("name", "value"), OUT_OF_WINDOW)
def test_a_date_outside_the_window_is_a_422_naming_it_and_nothing_is_logged(
    world: World, name: str, value: str
) -> None:
    student = world.students["same"]
    logged = reads_logged(world, "same")
    paths = [f"/api/v1/students/{student}/{route}" for route in STUDENT_ROUTES]
    paths += [f"/api/v1/reports/{route}" for route in COHORT_ROUTES]
    for path in paths:
        response = world.client.get(path, params={name: value}, headers=world.as_("adviser"))
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == [name], path
    assert reads_logged(world, "same") == logged


@pytest.mark.parametrize(
    ("name", "value"),
    [("known_at", "2025-01-10"), ("known_at", "1990-01-01"), ("as_of", "2026-01-10")],
)
def test_the_window_s_own_edges_are_answered(world: World, name: str, value: str) -> None:
    student = world.students["same"]
    for path in (f"/api/v1/students/{student}/benchmarks", "/api/v1/reports/benchmarks"):
        response = world.client.get(path, params={name: value}, headers=world.as_("adviser"))
        # answered (1990 knew of no student: 404), not refused as out of the window
        assert response.status_code in {200, 404}, (path, response.text)


@pytest.mark.parametrize(("name", "value"), [("known_at", "9999-12-31"), ("as_of", "0001-01-01")])
def test_the_pages_refuse_a_date_outside_the_window_naming_it(
    world: World, name: str, value: str
) -> None:
    client = TestClient(create_app(ledger=world.ledger), follow_redirects=False)
    with client:
        form = CSRF.search(client.get("/").text)
        assert form is not None
        signin = client.post(
            "/signin", data={"csrf_token": form.group(1), "token": world.tokens["careers_leader"]}
        )
        assert signin.status_code == 303
        logged = reads_logged(world, "same")
        for path in (f"/students/{world.students['same']}", "/cohort", "/cohort.csv", "/audit"):
            response = client.get(path, params={name: value})
            assert response.status_code == 422, (path, response.status_code, response.text[:300])
            assert name in response.text, path
        assert reads_logged(world, "same") == logged
