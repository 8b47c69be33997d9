"""Registration must not reveal another institution's pupils (security review item 6).

School A holds ``same``; school B's adviser (``adviser_b``) tries to register that
pupil, and reuses A's Idempotency-Key.  docs/privacy.md, "Registration across
institutions", gives the rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.bootstrap import Ledger
from ledger.domain.access import Actor
from ledger.domain.errors import DuplicateStudent
from ledger.domain.vocabulary import Role
from ledger.service.commands import REGISTRATION_NAMESPACE, Command, registration_stream_id
from ledger.service.imports.mis import importer as mis_importer
from ledger.service.imports.mis.importer import MisImport, import_secret
from tests import factories
from tests.api_support import SCHOOL_A, SCHOOL_B, World, staff, world_of


@pytest.fixture
def world(ledger: Ledger) -> Iterator[World]:
    with world_of(ledger) as built:
        yield built


def register(world: World, role: str, payload: dict[str, object], key: str) -> tuple[int, dict]:
    response = world.client.post(
        "/api/v1/students",
        json=payload,
        headers={**world.as_(role), "Idempotency-Key": key},
    )
    return response.status_code, response.json()


def test_registering_a_upn_held_elsewhere_answers_as_a_duplicate_at_home_would(
    world: World,
) -> None:
    events = world.total_events()
    elsewhere = register(
        world, "adviser_b", factories.registration(upn=world.upns["same"]), str(uuid.uuid4())
    )
    at_home = register(
        world, "adviser_b", factories.registration(upn=world.upns["other"]), str(uuid.uuid4())
    )
    assert elsewhere == at_home  # status and the whole problem body
    status, body = elsewhere
    assert status == 409
    assert body["code"] == "duplicate_student"
    # Says what to do, not where the pupil is (the title is the code's, fixed).
    assert "already registered" not in body["detail"]
    assert "search" in body["detail"]
    assert "transition" in body["detail"]
    assert world.total_events() == events


def test_reusing_another_institution_s_key_with_its_body_neither_replays_nor_reveals(
    world: World,
) -> None:
    key = str(uuid.uuid4())
    payload = factories.registration()
    status_a, body_a = register(world, "adviser", payload, key)
    assert status_a == 201
    # B sends A's key and A's body: before, it landed on A's stream and got a 404.
    status_b, body_b = register(world, "adviser_b", payload, key)
    assert (status_b, body_b.get("student_id")) != (201, body_a["student_id"])
    at_home = register(
        world, "adviser_b", factories.registration(upn=world.upns["other"]), str(uuid.uuid4())
    )
    assert (status_b, body_b) == at_home


def test_reusing_another_institution_s_key_for_a_new_pupil_is_just_a_new_key(
    world: World,
) -> None:
    key = str(uuid.uuid4())
    status_a, body_a = register(world, "adviser", factories.registration(), key)
    status_b, body_b = register(world, "adviser_b", factories.registration(), key)
    assert status_a == status_b == 201  # before: 422 idempotency_key_reused
    assert body_b["student_id"] != body_a["student_id"]


def test_each_institution_s_retry_replays_its_own_registration(world: World) -> None:
    key = str(uuid.uuid4())
    payload_a, payload_b = factories.registration(), factories.registration()
    first_a = register(world, "adviser", payload_a, key)
    first_b = register(world, "adviser_b", payload_b, key)
    assert first_a[0] == first_b[0] == 201
    assert register(world, "adviser", payload_a, key) == first_a
    assert register(world, "adviser_b", payload_b, key) == first_b
    # And the same key with a different body is still refused within one institution.
    status, body = register(world, "adviser", factories.registration(), key)
    assert (status, body["code"]) == (422, "idempotency_key_reused")


def test_an_entry_key_used_by_one_institution_is_a_new_key_for_another(ledger: Ledger) -> None:
    """A shared record (a pupil on both rolls): each school's keys are its own."""
    student = ledger.service.register_student(
        factories.registration(), actor=staff(SCHOOL_A)
    ).student_id
    ledger.service.record(
        student, "enrolment", factories.enrolment(institution_id=SCHOOL_B), actor=staff(SCHOOL_A)
    )
    key = str(uuid.uuid4())
    first = ledger.service.execute(
        [Command("enrolment", factories.enrolment(institution_id=SCHOOL_A), student, key)],
        actor=staff(SCHOOL_A),
    )[0]
    other = ledger.service.execute(
        [Command("enrolment", factories.enrolment(institution_id=SCHOOL_B), student, key)],
        actor=staff(SCHOOL_B),
    )[0]
    assert not other.replayed
    assert other.sequence == first.sequence + 1
    again = ledger.service.execute(
        [Command("enrolment", factories.enrolment(institution_id=SCHOOL_A), student, key)],
        actor=staff(SCHOOL_A),
    )[0]
    assert again.replayed
    assert again.sequence == first.sequence


def test_registration_stream_ids_are_per_institution() -> None:
    assert registration_stream_id(SCHOOL_A, "k") != registration_stream_id(SCHOOL_B, "k")
    assert registration_stream_id(SCHOOL_A, "k") == registration_stream_id(SCHOOL_A, "k")
    # No institution (the system actor): the derivation streams were created under before.
    assert registration_stream_id(None, "k") == uuid.uuid5(REGISTRATION_NAMESPACE, "k")


def test_a_registration_made_before_the_upgrade_still_replays_for_its_institution_only(
    ledger: Ledger,
) -> None:
    """A stream created under the old derivation (id from the key alone), retried after."""
    key = str(uuid.uuid4())
    payload = factories.registration()
    legacy_id = uuid.uuid5(REGISTRATION_NAMESPACE, key)
    ledger.service.execute(
        [Command("registration", payload, legacy_id, key)], actor=staff(SCHOOL_A)
    )
    events = ledger.service.event_count()
    retried = ledger.service.register_student(payload, idempotency_key=key, actor=staff(SCHOOL_A))
    assert (retried.student_id, retried.sequence, retried.replayed) == (legacy_id, 1, True)
    with pytest.raises(DuplicateStudent) as refused:
        ledger.service.register_student(payload, idempotency_key=key, actor=staff(SCHOOL_B))
    assert "already registered" not in refused.value.detail
    assert ledger.service.event_count() == events


MIS_STUDENTS = Path(__file__).parents[1] / "data" / "mis" / "students-sims.csv"
LEADER_A = Actor("leader-a", Role.CAREERS_LEADER, institution_id=SCHOOL_A)


def test_an_mis_import_first_run_before_the_upgrade_re_runs_without_writing(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its students were registered under the old ids; the re-run finds them and replays."""
    importer = MisImport(ledger.service, import_secret(b"i" * 32), batch_rows=3)
    data = MIS_STUDENTS.read_bytes()
    with monkeypatch.context() as patched:
        patched.setattr(
            mis_importer,
            "registration_stream_id",
            lambda _institution, key: uuid.uuid5(REGISTRATION_NAMESPACE, key),
        )
        first = importer.run("students", data, actor=LEADER_A)
    assert first.imported == first.rows == 4
    before = ledger.service.event_count()
    again = importer.run("students", data, actor=LEADER_A)
    assert (again.imported, again.events_written, again.rejected) == (0, 0, [])
    assert again.unchanged == again.rows
    assert ledger.service.event_count() == before
