"""Auditors fetch signed checkpoints and proofs over HTTP and check them with the public key."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from api.bootstrap import Ledger
from ledger.domain import merkle
from ledger.domain.evidence.leaf import event_leaf
from ledger.domain.evidence.notes import Checkpoint, NoteVerifier
from tests import factories
from tests.api_support import World, staff, world_of

API = "/api/v1/evidence"


@pytest.fixture
def world(ledger: Ledger) -> Iterator[World]:
    with world_of(ledger) as built:
        yield built


def unb64(values: list[str]) -> list[bytes]:
    return [base64.b64decode(v) for v in values]


def test_an_auditor_checks_an_event_is_in_the_signed_checkpoint(world: World) -> None:
    world.ledger.evidence.checkpoint()
    auditor = world.as_("auditor")
    key = world.client.get(f"{API}/public-key", headers=auditor).json()
    verifier = NoteVerifier.from_vkey(key["vkey"])
    latest = world.client.get(f"{API}/checkpoints/latest", headers=auditor).json()
    checkpoint = Checkpoint.open(latest["note"], verifier)
    own = world.students["own"]
    answer = world.client.get(f"{API}/students/{own}/proofs/2", headers=auditor)
    assert answer.status_code == 200
    proof = answer.json()
    link = next(
        e.link
        for e in world.ledger.evidence.log.iter_logged()
        if e.student_id == own and e.sequence == 2
    )
    assert link is not None
    leaf = event_leaf(own, 2, link)
    assert base64.b64decode(proof["leaf_hash"]) == leaf
    assert merkle.verify_inclusion(
        proof["log_index"], checkpoint.size, leaf, unb64(proof["proof"]), checkpoint.root
    )


def test_consistency_between_two_checkpoints_is_served_and_verifies(world: World) -> None:
    first = world.ledger.evidence.checkpoint()
    world.ledger.service.record(
        world.students["same"],
        "employer_encounter",
        factories.employer_encounter(),
        actor=staff("100001"),
    )
    second = world.ledger.evidence.checkpoint()
    leader = world.as_("careers_leader")
    answer = world.client.get(
        f"{API}/proofs/consistency", params={"from": first.size}, headers=leader
    ).json()
    assert answer["to_size"] == second.size
    assert merkle.verify_consistency(
        first.size, second.size, first.root, second.root, unb64(answer["proof"])
    )
    listed = world.client.get(f"{API}/checkpoints", headers=leader).json()
    assert [c["tree_size"] for c in listed] == [second.size, first.size]
    one = world.client.get(f"{API}/checkpoints/{first.size}", headers=leader).json()
    assert one["note"] == first.note


def test_students_and_advisers_may_not_read_the_evidence_endpoints(world: World) -> None:
    world.ledger.evidence.checkpoint()
    for role in ("student", "adviser"):
        answer = world.client.get(f"{API}/checkpoints/latest", headers=world.as_(role))
        assert answer.status_code == 403


def test_another_schools_student_answers_404_like_a_missing_one(world: World) -> None:
    world.ledger.evidence.checkpoint()
    auditor = world.as_("auditor")
    for name in ("other", "missing"):
        answer = world.client.get(
            f"{API}/students/{world.students[name]}/proofs/1", headers=auditor
        )
        assert answer.status_code == 404


def test_before_any_checkpoint_the_latest_is_a_404_problem(world: World) -> None:
    answer = world.client.get(f"{API}/checkpoints/latest", headers=world.as_("auditor"))
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_a_proof_from_a_later_size_than_the_log_is_a_404(world: World) -> None:
    world.ledger.evidence.checkpoint()
    answer = world.client.get(
        f"{API}/proofs/consistency",
        params={"from": 1, "to": 10_000},
        headers=world.as_("data_protection_officer"),
    )
    assert answer.status_code == 404
