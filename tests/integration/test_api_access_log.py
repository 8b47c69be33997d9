"""Every read of a student's personal data leaves an access-log entry (ids only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from api.bootstrap import Ledger
from api.store.access_log import access_log_table
from ledger.domain.access import Actor
from ledger.domain.access_log import AccessPurpose
from ledger.domain.vocabulary import Role
from tests.api_support import World, world_of


@pytest.fixture
def world(ledger: Ledger) -> Iterator[World]:
    with world_of(ledger) as built:
        yield built


def log_of(world: World, student: str) -> list[tuple[str, str]]:
    page = world.ledger.service.access_log_of(world.students[student], limit=100)
    return [(entry.role, entry.purpose.value) for entry in page.entries]


def test_an_adviser_finding_and_reading_a_record_is_logged_with_purpose(world: World) -> None:
    world.client.post(
        "/api/v1/students/search", json={"upn": world.upns["same"]}, headers=world.as_("adviser")
    )
    world.client.get(
        f"/api/v1/students/{world.students['same']}/record", headers=world.as_("adviser")
    )
    assert log_of(world, "same") == [("adviser", "find"), ("adviser", "record")]


def test_a_refused_read_is_not_logged_as_a_read(world: World) -> None:
    world.client.get(
        f"/api/v1/students/{world.students['other']}/record", headers=world.as_("adviser")
    )
    assert log_of(world, "other") == []


def test_the_student_sees_who_read_their_record_and_an_adviser_may_not(world: World) -> None:
    student = world.students["own"]
    world.client.get(f"/api/v1/students/{student}/record", headers=world.as_("careers_leader"))
    mine = world.client.get(f"/api/v1/students/{student}/access-log", headers=world.as_("student"))
    assert mine.status_code == 200
    body = mine.json()
    assert body["total"] == 1
    assert body["entries"][0]["role"] == "careers_leader"
    assert body["entries"][0]["purpose"] == "record"
    refused = world.client.get(
        f"/api/v1/students/{student}/access-log", headers=world.as_("adviser")
    )
    assert refused.status_code == 403


def test_the_log_holds_ids_and_vocabularies_but_no_personal_data(world: World) -> None:
    world.client.get(
        f"/api/v1/students/{world.students['same']}/record", headers=world.as_("auditor")
    )
    with world.ledger.engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(select(access_log_table))]
    assert rows
    text = repr(rows)
    for personal in ("Amara", "Okafor", "2011-03-14", world.upns["same"]):
        assert personal not in text
    assert {row["purpose"] for row in rows} <= {p.value for p in AccessPurpose}


def test_the_access_log_is_paginated_oldest_first(world: World) -> None:
    student = world.students["own"]
    for _ in range(3):
        world.client.get(f"/api/v1/students/{student}/record", headers=world.as_("adviser"))
    url = f"/api/v1/students/{student}/access-log?limit=2"
    first = world.client.get(url, headers=world.as_("data_protection_officer")).json()
    assert (first["total"], len(first["entries"])) == (3, 2)
    assert first["next"] == f"/api/v1/students/{student}/access-log?limit=2&offset=2"
    second = world.client.get(first["next"], headers=world.as_("data_protection_officer")).json()
    assert (len(second["entries"]), second["next"]) == (1, None)


def test_a_cli_read_as_the_system_is_logged_too(world: World) -> None:
    world.ledger.service.history(world.students["same"], actor=Actor.system())
    assert log_of(world, "same") == [(Role.SYSTEM.value, "record")]
