"""Signed checkpoints without a database: the C2SP note format and the log's key.

The ledger's own checkpoints (growing, refusing a log that shrank or forked) run
on each backend in tests/integration/test_checkpoint_log.py.
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import orjson
import pytest

from api.config import Settings
from api.store.keys import load_keys, signer_for
from ledger.domain.errors import ValidationFailed
from ledger.domain.evidence.notes import Checkpoint, NoteError, NoteSigner, NoteVerifier

SEED = bytes(range(32))
OTHER_SEED = bytes(range(1, 33))
ORIGIN = "example.school/careers-ledger"


def signed(size: int = 3, root: bytes = b"\x07" * 32) -> Checkpoint:
    return Checkpoint.sign(NoteSigner(ORIGIN, SEED), size, root)


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
