"""A real bundle's events (encrypted, a correction and a retraction among them) recompute from
the byte layout docs/evidence.md writes, spelled out in tests/unit/test_evidence_vectors.py
with hashlib alone."""

from __future__ import annotations

import base64

import orjson

from api.bootstrap import Ledger
from ledger.domain.evidence.bundle import ENTRY_KEYS
from tests.integration.test_export import careers_record, exported
from tests.unit import test_evidence_vectors as layout


def test_every_exported_event_recomputes_from_the_documented_layout(ledger: Ledger) -> None:
    bundle = orjson.loads(exported(ledger, careers_record(ledger)))
    previous = bytes(32)
    leaves = []
    for entry in bundle["events"]:
        proofs = {k: base64.b64decode(v) for k, v in entry["chain"].items() if k != "recorded_at"}
        document = {k: v for k, v in entry.items() if k not in ENTRY_KEYS}
        document["timestamp"] = entry["recorded_at"]
        digest = layout.commitment(proofs["salt"], layout.canonical_json(document))
        assert digest == proofs["commitment"]
        link = layout.chain_link(
            previous,
            bundle["student_id"],
            entry["sequence"],
            entry["topic"],
            entry["chain"]["recorded_at"],
            digest,
            proofs["stored_bytes"],
        )
        assert link == proofs["link"]
        data = layout.log_leaf_data(bundle["student_id"], entry["sequence"], link)
        leaves.append((entry["log"]["index"], layout.sha256(b"\x00", data)))
        previous = link
    assert len(leaves) == bundle["event_count"] == 8
    # The student's events are the whole log here, so the leaves make the signed root.
    size = int(bundle["checkpoint"].split("\n")[1])
    assert [index for index, _ in leaves] == list(range(size))
    root = base64.b64decode(bundle["checkpoint"].split("\n")[2])
    assert layout.tree_root([leaf for _, leaf in leaves]) == root
