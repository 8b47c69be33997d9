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
