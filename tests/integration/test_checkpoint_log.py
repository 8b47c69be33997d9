"""Signed checkpoints of the ledger's own log: each extends the last, and a log that
shrank or forked since the last checkpoint it signed is refused.

The note format and the log's key, without a database: tests/unit/test_checkpoint.py.
"""

from __future__ import annotations

import pytest

from api.bootstrap import Ledger
from ledger.domain import merkle
from ledger.domain.evidence.notes import Checkpoint, NoteVerifier
from ledger.service.evidence import CheckpointRefused
from tests import factories


def student_with_entries(ledger: Ledger, entries: int) -> None:
    student = ledger.service.register_student(factories.registration()).student_id
    for _ in range(entries):
        ledger.service.record(student, "guidance_interview", factories.guidance_interview())


# -- checkpoints of the ledger's own log ----------------------------------------


def test_checkpoints_grow_with_the_log_and_each_extends_the_last(ledger: Ledger) -> None:
    student_with_entries(ledger, 2)
    first = ledger.evidence.checkpoint()
    student_with_entries(ledger, 4)
    second = ledger.evidence.checkpoint()
    assert (first.size, second.size) == (3, 8)
    proof = ledger.evidence.consistency_proof(first.size, second.size)
    assert merkle.verify_consistency(first.size, second.size, first.root, second.root, proof)
    assert Checkpoint.open(second.note, NoteVerifier.from_vkey(ledger.evidence.public_key()))


def test_signing_again_without_new_events_returns_the_same_checkpoint(ledger: Ledger) -> None:
    student_with_entries(ledger, 1)
    assert ledger.evidence.checkpoint() == ledger.evidence.checkpoint()
    assert len(ledger.evidence.checkpoints()) == 1


def test_an_inclusion_proof_from_the_ledger_verifies_against_its_checkpoint(
    ledger: Ledger,
) -> None:
    student_with_entries(ledger, 5)
    checkpoint = ledger.evidence.checkpoint()
    student = ledger.evidence.log.iter_logged().__next__().student_id
    proof = ledger.evidence.inclusion_proof(student, 4)
    assert proof.tree_size == checkpoint.size
    assert merkle.verify_inclusion(
        proof.index, proof.tree_size, proof.leaf, proof.hashes, checkpoint.root
    )


def test_a_log_that_shrank_since_the_last_checkpoint_is_refused(ledger: Ledger) -> None:
    student_with_entries(ledger, 4)
    ledger.evidence.checkpoint()
    db = ledger.evidence.log.db
    with db.writing() as cursor:
        cursor.execute(db.sql(f"DELETE FROM {db.log} WHERE position >= %s"), (3,))
        cursor.execute(db.sql(f"DELETE FROM {db.nodes} WHERE idx >= %s"), (1,))
        cursor.execute(db.sql(f"DELETE FROM {db.events} WHERE originator_version > %s"), (3,))
    with pytest.raises(CheckpointRefused, match="shrank"):
        ledger.evidence.checkpoint()


def test_a_log_rewritten_under_a_signed_checkpoint_is_refused_as_a_fork(ledger: Ledger) -> None:
    student_with_entries(ledger, 3)
    ledger.evidence.checkpoint()
    # Rewrite leaf 1 and every subtree above it, as a careful attacker would.
    log = ledger.evidence.log
    hashes = log.hashes([(0, 0), (1, 1)])
    forged_leaf = merkle.leaf_hash(b"forged")
    level_1 = merkle.node_hash(hashes[(0, 0)], forged_leaf)
    db = log.db
    with db.writing() as cursor:
        cursor.execute(
            db.sql(f"UPDATE {db.log} SET leaf_hash = %s WHERE position = 1"), (forged_leaf,)
        )
        cursor.execute(
            db.sql(f"UPDATE {db.nodes} SET hash = %s WHERE level = 1 AND idx = 0"), (level_1,)
        )
        cursor.execute(
            db.sql(f"UPDATE {db.nodes} SET hash = %s WHERE level = 2 AND idx = 0"),
            (merkle.node_hash(level_1, hashes[(1, 1)]),),
        )
    student_with_entries(ledger, 1)
    with pytest.raises(CheckpointRefused, match="forked"):
        ledger.evidence.checkpoint()


def test_a_stored_checkpoint_whose_signature_was_altered_is_refused(ledger: Ledger) -> None:
    student_with_entries(ledger, 1)
    checkpoint = ledger.evidence.checkpoint()
    forged = checkpoint.note.replace(f"\n{checkpoint.size}\n", "\n9\n")
    db = ledger.evidence.log.db
    with db.writing() as cursor:
        cursor.execute(db.sql(f"UPDATE {db.checkpoints} SET note = %s"), (forged,))
    with pytest.raises(CheckpointRefused, match="does not verify"):
        ledger.evidence.checkpoint()
