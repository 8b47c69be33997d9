"""Signed checkpoints: the C2SP note format, the log's key, and refusing a log that
shrank or forked since the last checkpoint it signed."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import orjson
import pytest

from api.bootstrap import Ledger
from api.config import Settings, load_keys
from ledger.domain import merkle
from ledger.domain.errors import ValidationFailed
from ledger.domain.evidence.notes import Checkpoint, NoteError, NoteSigner, NoteVerifier
from ledger.service.evidence import CheckpointRefused, signer_for
from tests import factories

SEED = bytes(range(32))
OTHER_SEED = bytes(range(1, 33))
ORIGIN = "example.school/careers-ledger"


def signed(size: int = 3, root: bytes = b"\x07" * 32) -> Checkpoint:
    return Checkpoint.sign(NoteSigner(ORIGIN, SEED), size, root)


def student_with_entries(ledger: Ledger, entries: int) -> None:
    student = ledger.service.register_student(factories.registration()).student_id
    for _ in range(entries):
        ledger.service.record(student, "guidance_interview", factories.guidance_interview())


# -- the note format ------------------------------------------------------------


def test_a_checkpoint_is_origin_size_and_base64_root_then_a_signature_line() -> None:
    checkpoint = signed(3)
    lines = checkpoint.note.split("\n")
    assert lines[:4] == [ORIGIN, "3", base64.b64encode(b"\x07" * 32).decode(), ""]
    assert lines[4].startswith(f"\u2014 {ORIGIN} ")
    blob = base64.b64decode(lines[4].split(" ")[2])
    assert blob[:4] == NoteSigner(ORIGIN, SEED).verifier.key_id
    assert len(blob) == 4 + 64


def test_the_verifier_key_round_trips_through_its_vkey_text() -> None:
    verifier = NoteSigner(ORIGIN, SEED).verifier
    name, key_id, encoded = verifier.vkey.split("+", 2)
    assert (name, key_id) == (ORIGIN, verifier.key_id.hex())
    assert base64.b64decode(encoded)[0] == 0x01
    assert NoteVerifier.from_vkey(verifier.vkey) == verifier


def test_a_checkpoint_opens_with_the_right_key_and_origin() -> None:
    checkpoint = signed(5)
    opened = Checkpoint.open(checkpoint.note, NoteSigner(ORIGIN, SEED).verifier)
    assert (opened.origin, opened.size, opened.root) == (ORIGIN, 5, b"\x07" * 32)


def test_a_forged_signature_is_rejected() -> None:
    note = signed().note
    text, signature_line = note.split("\n\n")
    blob = bytearray(base64.b64decode(signature_line.split(" ")[2]))
    blob[10] ^= 1
    forged = f"{text}\n\n\u2014 {ORIGIN} {base64.b64encode(bytes(blob)).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        Checkpoint.open(forged, NoteSigner(ORIGIN, SEED).verifier)


def test_a_changed_tree_size_breaks_the_signature() -> None:
    note = signed(3).note.replace("\n3\n", "\n2\n", 1)
    with pytest.raises(NoteError, match="does not verify"):
        Checkpoint.open(note, NoteSigner(ORIGIN, SEED).verifier)


def test_a_checkpoint_signed_by_another_key_is_rejected() -> None:
    other = Checkpoint.sign(NoteSigner(ORIGIN, OTHER_SEED), 3, b"\x07" * 32)
    with pytest.raises(NoteError, match="no signature by"):
        Checkpoint.open(other.note, NoteSigner(ORIGIN, SEED).verifier)


def test_a_checkpoint_for_another_origin_is_rejected() -> None:
    elsewhere = Checkpoint.sign(NoteSigner("elsewhere.example/log", SEED), 3, b"\x07" * 32)
    verifier = NoteSigner("elsewhere.example/log", SEED).verifier
    with pytest.raises(NoteError, match="origin"):
        Checkpoint.open(elsewhere.note, verifier, origin=ORIGIN)


def test_signatures_by_unknown_keys_are_ignored_beside_a_good_one() -> None:
    note = signed().note + f"\u2014 witness.example {base64.b64encode(b'x' * 68).decode()}\n"
    assert Checkpoint.open(note, NoteSigner(ORIGIN, SEED).verifier).size == 3


@pytest.mark.parametrize(
    "note",
    [
        "",
        f"{ORIGIN}\n3\n",
        f"{ORIGIN}\n03\nAAAA\n\n\u2014 {ORIGIN} AAAAAAA=\n",
        f"{ORIGIN}\n3\nroot\n\n- {ORIGIN} AAAA\n",
    ],
    ids=["empty", "unsigned", "leading-zero", "wrong-dash"],
)
def test_malformed_notes_are_rejected_with_a_reason(note: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.open(note, NoteSigner(ORIGIN, SEED).verifier)


# -- the deployment's key -------------------------------------------------------


def test_an_existing_development_key_file_gains_a_signing_key_and_keeps_its_keys(
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "old.keys"
    old = {"index_key": "11" * 16 + "22" * 16, "master_key": "33" * 16 + "44" * 16}
    key_file.write_bytes(orjson.dumps(old))
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'l.db'}", key_file=key_file)
    keys = load_keys(settings)
    assert keys["index_key"].hex() == old["index_key"]
    assert len(keys["signing_key"]) == 32
    assert load_keys(settings)["signing_key"] == keys["signing_key"]
    assert set(orjson.loads(key_file.read_bytes())) >= {"index_key", "master_key", "signing_key"}


def test_production_refuses_to_sign_without_a_configured_origin(tmp_path: Path) -> None:
    settings = Settings(mode="production", database_url=f"sqlite:///{tmp_path / 'l.db'}")
    with pytest.raises(ValidationFailed, match="CAREERS_LEDGER_LOG_ORIGIN"):
        signer_for(settings, {"signing_key": SEED})


def test_production_refuses_a_placeholder_signing_key(tmp_path: Path) -> None:
    settings = Settings(
        mode="production",
        database_url=f"sqlite:///{tmp_path / 'l.db'}",
        index_key=secrets.token_hex(32),
        master_key=secrets.token_hex(32),
        signing_key="changeme",
        log_origin=ORIGIN,
    )
    with pytest.raises(ValidationFailed, match="CAREERS_LEDGER_SIGNING_KEY"):
        load_keys(settings)


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
