"""The careers leader's uploads over HTTP: a MIS CSV file and a record from elsewhere."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from api.bootstrap import Ledger, build
from api.config import Settings
from api.render import RENDERERS
from api.store.trust import TrustStore
from ledger.domain.access import Actor
from ledger.domain.clock import SimulatedClock
from ledger.domain.identifiers import UPN_CHECK_MISMATCH
from ledger.domain.vocabulary import Role
from ledger.service.export import export_record
from tests import factories
from tests.api_support import World, world_of
from tests.backends import START

DATA = Path(__file__).parents[1] / "data" / "mis"


@pytest.fixture
def world(ledger: Ledger) -> Iterator[World]:
    with world_of(ledger) as built:
        yield built


def upload_mis(world: World, role: str, kind: str, data: bytes, **form: str) -> Any:
    return world.client.post(
        "/api/v1/imports/mis",
        data={"kind": kind, **form},
        files={"file": ("export.csv", data, "text/csv")},
        headers=world.as_(role),
    )


def test_a_dry_run_upload_reports_rows_and_writes_nothing(world: World) -> None:
    before = world.total_events()
    response = upload_mis(
        world,
        "careers_leader",
        "students",
        (DATA / "students-sims.csv").read_bytes(),
        dry_run="true",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["dry_run"], body["rows"], body["valid"], body["imported"]) == (True, 4, 4, 0)
    assert world.total_events() == before


def test_an_upload_imports_valid_rows_and_names_rejected_ones_without_their_values(
    world: World,
) -> None:
    bad = (
        "B" + world.upns["same"][1:]
        if world.upns["same"][0] != "B"
        else "C" + world.upns["same"][1:]
    )
    data = (
        f"UPN,Activity Type,Date\r\n{world.upns['same']},LMI,01/10/2024\r\n{bad},LMI,01/10/2024\r\n"
    ).encode()
    response = upload_mis(world, "careers_leader", "activities", data)
    assert response.status_code == 200
    body = response.json()
    assert (body["imported"], body["entries_written"]) == (1, 1)
    assert body["rejected"] == [
        {"row": 3, "errors": [{"field": "UPN", "reason": UPN_CHECK_MISMATCH}]}
    ]
    assert bad not in response.text


def test_all_or_nothing_with_a_bad_row_is_a_422_and_writes_nothing(world: World) -> None:
    before = world.total_events()
    data = (
        "UPN,Activity Type,Date\r\n"
        f"{world.upns['same']},LMI,01/10/2024\r\n"
        f"{world.upns['same']},Hackathon,01/10/2024\r\n"
    ).encode()
    response = upload_mis(world, "careers_leader", "activities", data, all_or_nothing="true")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "field": "row 3: Activity Type",
            "reason": "is not a known activity type (see docs/mis-import.md)",
        }
    ]
    assert world.total_events() == before


def test_a_file_that_is_not_utf8_is_refused_with_the_way_out(world: World) -> None:
    data = f"UPN,Surname,Forename,DOB\r\n{factories.fresh_upn()},Nowak,Zoë,02/11/2009\r\n"
    response = upload_mis(world, "careers_leader", "students", data.encode("cp1252"))
    assert response.status_code == 422
    assert "Windows-1252" in response.json()["detail"]
    named = upload_mis(
        world, "careers_leader", "students", data.encode("cp1252"), encoding="cp1252"
    )
    assert named.status_code == 200
    assert named.json()["imported"] == 1


@pytest.mark.parametrize("role", ["adviser", "student", "auditor"])
def test_only_the_careers_leader_uploads_mis_files(world: World, role: str) -> None:
    before = world.total_events()
    response = upload_mis(world, role, "students", (DATA / "students-sims.csv").read_bytes())
    assert response.status_code == 403
    assert world.total_events() == before


@pytest.fixture
def school(tmp_path: Path) -> Iterator[Ledger]:
    """Another deployment (SQLite, its own keys): where the student came from."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'school.db'}", key_file=tmp_path / "school.keys"
    )
    built = build(settings, SimulatedClock(START))
    yield built
    built.close()


def exported_from(school: Ledger) -> bytes:
    adviser = Actor("adviser-s", Role.ADVISER, "100009")
    moved = school.service.register_student(factories.registration(), actor=adviser).student_id
    school.service.record(
        moved, "enrolment", factories.enrolment(institution_id="100009"), actor=adviser
    )
    school.service.record(
        moved, "guidance_interview", factories.guidance_interview(), actor=adviser
    )
    out = io.BytesIO()
    RENDERERS["json"].render(
        export_record(school.service, school.evidence, moved, actor=adviser), out
    )
    return out.getvalue()


def upload_record(world: World, data: bytes, role: str = "careers_leader", **form: str) -> Any:
    return world.client.post(
        "/api/v1/imports/records",
        files={"file": ("bundle.json", data, "application/json")},
        data=form,
        headers=world.as_(role),
    )


def test_a_record_from_a_trusted_origin_is_imported_and_a_tampered_one_refused(
    world: World, school: Ledger
) -> None:
    bundle = exported_from(school)
    untrusted = upload_record(world, bundle)
    assert untrusted.status_code == 422
    assert "is not trusted here" in untrusted.json()["detail"]
    TrustStore(world.ledger.engine).add(
        school.evidence.origin, school.evidence.public_key(), world.ledger.clock.now()
    )
    before = world.total_events()
    tampered = orjson.loads(bundle)
    tampered["events"][2]["data"]["duration_minutes"] = 45
    refused = upload_record(world, orjson.dumps(tampered))
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert "does not match its commitment" in refused.json()["detail"]
    assert world.total_events() == before
    accepted = upload_record(world, bundle)
    assert accepted.status_code == 200
    body = accepted.json()
    assert (body["events_in_bundle"], body["imported"], body["registered"]) == (3, 3, True)
    assert world.total_events() == before + 4
    again = upload_record(world, bundle).json()
    assert (again["imported"], again["already_present"]) == (0, 3)


def test_a_bundle_this_ledger_exported_itself_is_refused(world: World) -> None:
    student = world.students["same"]
    leader = Actor("leader", Role.CAREERS_LEADER, "100001")
    out = io.BytesIO()
    RENDERERS["json"].render(
        export_record(world.ledger.service, world.ledger.evidence, student, actor=leader), out
    )
    response = upload_record(world, out.getvalue())
    assert response.status_code == 422
    assert "exported by this ledger itself" in response.json()["detail"]


@pytest.mark.parametrize("role", ["student", "auditor"])
def test_students_and_auditors_cannot_import_records(
    world: World, school: Ledger, role: str
) -> None:
    assert upload_record(world, exported_from(school), role=role).status_code == 403
