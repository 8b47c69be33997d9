"""A small world for the HTTP tests: two schools, their users and students.

School A (URN 100001) has one user per role; its student user is bound to
``own``, and ``same`` is another of its students.  School B (URN 100002) has
``other``.  ``missing`` is an id no record has.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from uuid import UUID

from fastapi.testclient import TestClient

from api.bootstrap import Ledger
from api.server import create_app
from ledger.domain.access import Actor
from ledger.domain.vocabulary import Role
from tests import factories

SCHOOL_A = "100001"
SCHOOL_B = "100002"
ROLES = ("student", "adviser", "careers_leader", "auditor", "data_protection_officer")


@dataclass
class World:
    ledger: Ledger
    client: TestClient
    students: dict[str, UUID] = field(default_factory=dict)
    upns: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def as_(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def version(self, student: UUID) -> int:
        return self.ledger.service.version_of(student)

    def total_events(self) -> int:
        return self.ledger.service.event_count()


def staff(institution: str) -> Actor:
    return Actor(f"seed-{institution}", Role.ADVISER, institution)


def register(ledger: Ledger, institution: str) -> tuple[UUID, str]:
    payload = factories.registration()
    appended = ledger.service.register_student(payload, actor=staff(institution))
    ledger.service.record(
        appended.student_id,
        "enrolment",
        factories.enrolment(institution_id=institution),
        actor=staff(institution),
    )
    return appended.student_id, payload["upn"]


def build_world(ledger: Ledger) -> World:
    world = World(ledger, TestClient(create_app(ledger=ledger)))
    for name, school in (("own", SCHOOL_A), ("same", SCHOOL_A), ("other", SCHOOL_B)):
        world.students[name], world.upns[name] = register(ledger, school)
    world.students["missing"] = uuid.uuid4()
    for role in ROLES:
        student = world.students["own"] if role == "student" else None
        issued = ledger.tokens.create_user(role, SCHOOL_A, student_id=student)
        world.tokens[role] = issued.token
    world.tokens["adviser_b"] = ledger.tokens.create_user("adviser", SCHOOL_B).token
    return world


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@contextmanager
def world_of(ledger: Ledger) -> Iterator[World]:
    world = build_world(ledger)
    with world.client:
        yield world


@contextmanager
def serving(app: object) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free loopback port; yields its base URL."""
    import threading
    import time

    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
