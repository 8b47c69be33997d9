"""Consistency proofs carried for ``--consistency-from`` sizes, which no signed checkpoint
anchors: checked as far as they can be, and never reported OK (docs/evidence.md)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import pytest
from typer.testing import CliRunner

from api.bootstrap import Ledger
from api.cli.main import app as cli
from ledger.domain.evidence.bundle_verify import verify_bundle
from ledger.domain.evidence.notes import Checkpoint
from tests.integration.test_export import careers_record, exported


@pytest.fixture
def amara(ledger: Ledger) -> UUID:
    return careers_record(ledger)


def unanchored(ledger: Ledger, student: UUID, size: int) -> dict[str, Any]:
    """A bundle whose only consistency proof is from ``size``, with no checkpoint note."""
    bundle: dict[str, Any] = orjson.loads(
        exported(ledger, student, consistency_from=[size], consistency_limit=0)
    )
    assert [(c["tree_size"], c["checkpoint"]) for c in bundle["consistency"]] == [(size, None)]
    return bundle


def corrupt(bundle: dict[str, Any], position: int = 0) -> None:
    proof = bundle["consistency"][0]["proof"]
    raw = bytearray(base64.b64decode(proof[position]))
    raw[0] ^= 0x01
    proof[position] = base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize("position", [0, -1])
def test_a_corrupted_unanchored_consistency_proof_fails(
    ledger: Ledger, amara: UUID, position: int
) -> None:
    bundle = unanchored(ledger, amara, 5)
    corrupt(bundle, position)
    report = verify_bundle(bundle, ledger.evidence.public_key())
    assert not report.ok
    assert report.status == "failed"
    assert any("consistency proof from size 5" in str(f) for f in report.failures)


def test_an_intact_unanchored_proof_is_unverified_and_names_the_old_root_it_implies(
    ledger: Ledger, amara: UUID
) -> None:
    bundle = unanchored(ledger, amara, 5)
    report = verify_bundle(bundle, ledger.evidence.public_key())
    assert report.failures == []
    assert not report.ok
    assert report.status == "unverified"
    [unchecked] = report.unverified
    root = base64.b64encode(ledger.evidence.log.root(5)).decode()
    assert root in str(unchecked)


def test_a_trusted_checkpoint_of_that_size_anchors_the_proof(ledger: Ledger, amara: UUID) -> None:
    bundle = unanchored(ledger, amara, 5)
    trusted = Checkpoint.sign(ledger.evidence.signer, 5, ledger.evidence.log.root(5))
    report = verify_bundle(bundle, ledger.evidence.public_key(), trusted.note)
    assert report.status == "ok"
    corrupt(bundle)
    assert verify_bundle(bundle, ledger.evidence.public_key(), trusted.note).status == "failed"


def test_a_power_of_two_size_carries_no_old_root_so_only_its_length_is_checked(
    ledger: Ledger, amara: UUID
) -> None:
    bundle = unanchored(ledger, amara, 4)
    corrupt(bundle)
    report = verify_bundle(bundle, ledger.evidence.public_key())
    assert report.status == "unverified"
    bundle["consistency"][0]["proof"].append(bundle["consistency"][0]["proof"][0])
    assert verify_bundle(bundle, ledger.evidence.public_key()).status == "failed"


def test_unanchored_proofs_of_impossible_sizes_fail(ledger: Ledger, amara: UUID) -> None:
    bundle = unanchored(ledger, amara, 5)
    size = Checkpoint.open(bundle["checkpoint"], ledger.evidence.verifier).size
    bundle["consistency"][0]["tree_size"] = size + 1
    assert verify_bundle(bundle, ledger.evidence.public_key()).status == "failed"
    bundle["consistency"][0]["tree_size"] = size
    assert verify_bundle(bundle, ledger.evidence.public_key()).status == "failed"


def test_verify_export_prints_unverified_and_exits_3_without_updating_the_trusted_checkpoint(
    ledger: Ledger, amara: UUID, tmp_path: Path
) -> None:
    key = tmp_path / "log.vkey"
    key.write_text(ledger.evidence.public_key())
    out = tmp_path / "amara.json"
    bundle = unanchored(ledger, amara, 5)
    out.write_bytes(orjson.dumps(bundle))
    trusted = tmp_path / "trusted.checkpoint"
    check = ["verify-export", str(out), "--public-key", str(key)]
    result = CliRunner().invoke(
        cli, [*check, "--trusted-checkpoint", str(trusted), "--update-trusted"]
    )
    assert result.exit_code == 3, result.output
    assert "UNVERIFIED" in result.stdout
    assert "OK" not in result.stdout
    assert not trusted.exists()
    corrupt(bundle)
    out.write_bytes(orjson.dumps(bundle))
    failed = CliRunner().invoke(cli, check)
    assert failed.exit_code == 1
    assert "FAIL" in failed.stdout
    assert "consistency proof from size 5" in " ".join(failed.stdout.split())
