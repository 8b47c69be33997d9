"""The read side over HTTP: a Year 9 student's benchmarks, timeline and cohort reports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.bootstrap import Ledger
from api.http import examples
from projections.runner.follower import ReadSideFollower
from tests.api_support import World, build_world, key, world_of


@pytest.fixture
def world(ledger: Ledger) -> Iterator[World]:
    with world_of(ledger) as built:
        yield built


def record(world: World, kind: str, **changes: object) -> int:
    response = world.client.post(
        f"/api/v1/students/{world.students['own']}/entries/{kind}",
        json={**examples.ENTRIES[kind], **changes},
        headers={**world.as_("adviser"), **key()},
    )
    assert response.status_code == 201
    return int(response.json()["sequence"])


def benchmark(body: dict[str, object], code: str) -> dict[str, object]:
    found = [b for b in body["benchmarks"] if b["benchmark"] == code]  # type: ignore[attr-defined]
    return found[0]  # type: ignore[no-any-return]


def test_a_student_sees_their_interview_as_evidence_for_benchmark_8(world: World) -> None:
    sequence = record(world, "guidance_interview")
    response = world.client.get(
        f"/api/v1/students/{world.students['own']}/benchmarks?ruleset=gatsby-2014",
        headers=world.as_("student"),
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["ruleset"], body["year_group"], body["as_of"]) == ("gatsby-2014", 9, "2025-01-10")
    bm8 = benchmark(body, "BM8")
    assert sequence in bm8["evidence"]  # type: ignore[operator]
    assert bm8["parts"][0]["state"] == "met"  # type: ignore[index]


def test_a_report_read_right_after_an_append_waits_for_the_read_side_to_include_it(
    world: World,
) -> None:
    service = world.client.app.state.service  # type: ignore[attr-defined]
    # A follower that would not catch up on its own for an hour: only the read's wait can.
    service.writer.read_side = ReadSideFollower(
        world.ledger.projections.projector.after_append, pace=3600
    )
    sequence = record(world, "guidance_interview")
    assert service.read_side.behind()
    response = world.client.get(
        f"/api/v1/students/{world.students['own']}/benchmarks?ruleset=gatsby-2014",
        headers=world.as_("student"),
    )
    assert sequence in benchmark(response.json(), "BM8")["evidence"]  # type: ignore[operator]
    assert not service.read_side.behind()


def test_an_api_shutting_down_first_brings_its_projections_level_with_the_log(
    ledger: Ledger,
) -> None:
    world = build_world(ledger)
    with world.client:
        service = world.client.app.state.service  # type: ignore[attr-defined]
        service.writer.read_side = ReadSideFollower(
            ledger.projections.projector.after_append, pace=3600
        )
        record(world, "guidance_interview")
        assert not ledger.projections.projector.status().up_to_date
    assert ledger.projections.projector.status().up_to_date


def test_known_at_shows_what_the_ledger_knew_before_an_entry_was_recorded(world: World) -> None:
    world.ledger.clock.advance(__import__("datetime").timedelta(days=30))  # type: ignore[attr-defined]
    record(world, "guidance_interview")
    url = f"/api/v1/students/{world.students['own']}/benchmarks"
    before = world.client.get(f"{url}?known_at=2025-01-20", headers=world.as_("auditor")).json()
    now = world.client.get(url, headers=world.as_("auditor")).json()
    assert benchmark(before, "BM8")["evidence"] == []
    assert benchmark(now, "BM8")["evidence"] != []


def test_the_timeline_applies_corrections_and_hides_retractions(world: World) -> None:
    interview = record(world, "guidance_interview")
    mistaken = record(world, "guidance_interview", occurred_on="2024-11-13")
    student = world.students["own"]
    headers = {**world.as_("adviser"), **key()}
    world.client.post(
        f"/api/v1/students/{student}/entries/{interview}/correction",
        json={"changes": {"duration_minutes": 45}, "reason": "Typo"},
        headers=headers,
    )
    world.client.post(
        f"/api/v1/students/{student}/entries/{mistaken}/retraction",
        json={"reason": "Wrong student"},
        headers={**world.as_("adviser"), **key()},
    )
    body = world.client.get(
        f"/api/v1/students/{student}/timeline", headers=world.as_("student")
    ).json()
    shown = {entry["sequence"]: entry for entry in body["entries"]}
    assert mistaken not in shown
    assert body["hidden"] == 1
    assert shown[interview]["details"]["duration_minutes"] == 45
    assert shown[interview]["corrected_by"] == [interview + 2]


def test_a_careers_leader_reports_the_cohort_of_their_school(world: World) -> None:
    record(world, "guidance_interview")
    response = world.client.get(
        "/api/v1/reports/benchmarks?academic_year=2024&year_group=9",
        headers=world.as_("careers_leader"),
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["institution_id"], body["students"]) == ("100001", 2)
    bm8 = benchmark(body, "BM8")
    assert bm8["overall"]["total"] == 2  # type: ignore[index]


def test_provider_access_and_destinations_reports_answer_for_the_school(world: World) -> None:
    record(world, "provider_encounter")
    access = world.client.get(
        "/api/v1/reports/provider-access", headers=world.as_("careers_leader")
    ).json()
    assert access["students"] == 2
    destinations = world.client.get(
        "/api/v1/reports/destinations?stage=ks4", headers=world.as_("careers_leader")
    )
    assert destinations.status_code == 200
    assert destinations.json()["institution_id"] == "100001"


def test_reading_benchmarks_and_the_timeline_is_logged_with_its_purpose(world: World) -> None:
    student = world.students["own"]
    for path in ("benchmarks", "timeline", "provider-access", "destinations"):
        world.client.get(f"/api/v1/students/{student}/{path}", headers=world.as_("adviser"))
    page = world.ledger.service.access_log_of(student)
    assert [e.purpose.value for e in page.entries] == [
        "benchmarks",
        "timeline",
        "provider_access",
        "destinations",
    ]


def test_an_unknown_rule_set_is_refused_naming_the_parameter(world: World) -> None:
    response = world.client.get(
        "/api/v1/reports/benchmarks?ruleset=gatsby-1999", headers=world.as_("careers_leader")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "ruleset"


def test_projection_status_shows_every_projection_caught_up(world: World) -> None:
    body = world.client.get("/api/v1/projections/status", headers=world.as_("auditor")).json()
    assert body["up_to_date"] is True
    assert {p["lag"] for p in body["projections"]} == {0}
