"""Security review: erased records, date windows and request bodies over HTTP (in process)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.bootstrap import Ledger
from tests.api_support import World, key, world_of


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
