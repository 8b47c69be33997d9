"""Writes docs/evidence-vectors.json: test vectors for the byte layouts in docs/evidence.md.

One student, three events, every intermediate value in hex: salt, the plaintext's
canonical JSON, the commitment (and the bytes it hashes), the previous link, the
link (and its preimage), the leaf data and leaf hash, and the tree root over the
three leaves; then the access-log digest and a few canonical JSON cases.

The values come from the ledger's own functions (``ledger/domain/chain.py``,
``ledger/domain/evidence/leaf.py``, ``ledger/domain/merkle.py``) with fixed
inputs: salts are derived from a label instead of drawn at random, and the
stored bytes are the clear envelope (0x00, then the salted plaintext). Real
rows holding personal data are AES-GCM ciphertext; the link only hashes them.
``tests/unit/test_evidence_vectors.py`` recomputes every value independently.

Run from the repository root: ``python docs/evidence_vectors.py`` (``--check``
exits 1 if the file is out of date).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from ledger.domain import chain, merkle
from ledger.domain.evidence.bundle import AccessDigest
from ledger.domain.evidence.leaf import leaf_data

OUTPUT = Path(__file__).with_name("evidence-vectors.json")
STUDENT_ID = "5c1e0a9e-3b7d-4f2a-9c61-2d8e4b7f1a03"
ADVISER = "adviser-1"
SCHOOL = "100001"

EVENTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "careers-ledger/StudentRegistered/v1",
        "2025-01-10T09:00:00+00:00",
        {
            "actor": ADVISER,
            "data": {
                "characteristics": {
                    "care_experienced": False,
                    "fsm": True,
                    "gender": "female",
                    "pupil_premium": False,
                    "send": False,
                },
                "date_of_birth": "2011-03-14",
                "family_name": "Okafor",
                "given_name": "Zoë",
                "uln": None,
                "upn": "K801200024001",
            },
            "idempotency_key": None,
            "institution_id": SCHOOL,
            "occurred_on": "2024-09-02",
            "originator_topic": "careers-ledger/StudentRecord",
            "provenance": None,
        },
    ),
    (
        "careers-ledger/StudentEnrolled/v1",
        "2025-01-10T09:00:00+00:00",
        {
            "actor": ADVISER,
            "data": {
                "academic_year": 2024,
                "institution_id": SCHOOL,
                "institution_kind": "school",
                "year_group": 9,
            },
            "idempotency_key": None,
            "institution_id": SCHOOL,
            "occurred_on": "2024-09-02",
            "provenance": None,
        },
    ),
    (
        "careers-ledger/GuidanceInterviewRecorded/v1",
        "2025-01-10T09:05:12.345678+00:00",
        {
            "actor": ADVISER,
            "data": {
                "advice_given": 'Explore the "Level 3" apprenticeship;\nvisit the college.',
                "adviser_name": "Priya Shah",
                "adviser_qualification_level": 6,
                "agreed_actions": ["Attend the college open evening"],
                "duration_minutes": 40,
                "format": "one_to_one",
                "intended_destination": "Level 3 engineering apprenticeship",
                "topics": ["post-16 options"],
            },
            "idempotency_key": "interview-2024-11-12",
            "institution_id": SCHOOL,
            "occurred_on": "2024-11-12",
            "provenance": None,
        },
    ),
]

ACCESS_LOG = [
    {
        "accessed_at": "2025-01-10T09:10:00+00:00",
        "actor_id": ADVISER,
        "role": "adviser",
        "institution_id": SCHOOL,
        "purpose": "export",
    }
]

# Inputs written as ASCII-escaped JSON text, so the file itself is unambiguous.
CANONICAL_CASES = [
    ("keys sort by code point", '{"b":1,"a":2,"A":3,"\\u00e9":4,"aa":5}'),
    (
        "U+FB01 sorts before U+1F600 (RFC 8785 puts it after)",
        '{"\\ud83d\\ude00":1,"\\ufb01":2}',
    ),
    (
        "non-ASCII is raw UTF-8",
        '{"name":"Zo\\u00eb \\u00c5ngstr\\u00f6m \\u2014 \\ud83d\\ude00"}',
    ),
    (
        "short escapes, other controls as lower-case \\u00xx, DEL raw",
        '["\\"\\\\/\\b\\t\\n\\f\\r\\u0001\\u001f\\u007f"]',
    ),
    (
        "integers, booleans, null, empty containers",
        '{"n":[0,-1,9007199254740993],"t":true,"f":false,"z":null,"o":{},"l":[]}',
    ),
    (
        "nested objects sort at every level; arrays keep order",
        '{"z":{"y":2,"x":[3,1,{"b":0,"a":0}]},"a":0}',
    ),
]


def _salt(sequence: int) -> bytes:
    return hashlib.sha256(f"careers-ledger test vector salt {sequence}".encode()).digest()[
        : chain.SALT_BYTES
    ]


def vectors() -> dict[str, Any]:
    events = []
    previous = chain.GENESIS
    leaves = []
    for sequence, (topic, recorded_at, fields) in enumerate(EVENTS, start=1):
        document = {**fields, "timestamp": recorded_at}
        salt = _salt(sequence)
        plaintext = chain.canonical(document)
        commitment = chain.commitment(salt, plaintext)
        stored = b"\x00" + chain.salted(plaintext, salt)
        link = chain.link(
            previous,
            student_id=STUDENT_ID,
            sequence=sequence,
            topic=topic,
            recorded_at=recorded_at,
            commitment_digest=commitment,
            stored_state=stored,
        )
        data = leaf_data(STUDENT_ID, sequence, link)
        leaf = merkle.leaf_hash(data)
        leaves.append(leaf)
        events.append(
            {
                "sequence": sequence,
                "topic": topic,
                "recorded_at": recorded_at,
                "document": document,
                "salt": salt.hex(),
                "plaintext_canonical_json": plaintext.hex(),
                "commitment_input": (chain.COMMITMENT_DOMAIN + salt + plaintext).hex(),
                "commitment": commitment.hex(),
                "stored_bytes": stored.hex(),
                "stored_bytes_sha256": hashlib.sha256(stored).hexdigest(),
                "previous_link": previous.hex(),
                "link": link.hex(),
                "leaf_data": data.hex(),
                "leaf_hash": leaf.hex(),
                "log_index": sequence - 1,
            }
        )
        previous = link
    access = AccessDigest()
    for entry in ACCESS_LOG:
        access.add(entry)
    return {
        "description": (
            "Test vectors for docs/evidence.md (byte layouts). Bytes are lower-case hex. "
            "Generated by docs/evidence_vectors.py; checked by "
            "tests/unit/test_evidence_vectors.py."
        ),
        "student_id": STUDENT_ID,
        "events": events,
        "tree": {
            "size": len(leaves),
            "leaf_hashes": [leaf.hex() for leaf in leaves],
            "roots_by_size": [merkle.root(leaves[:n]).hex() for n in range(len(leaves) + 1)],
            "root": merkle.root(leaves).hex(),
        },
        "access_log": {
            "entries": ACCESS_LOG,
            "lines": (b"".join(chain.canonical(e) + b"\n" for e in ACCESS_LOG)).hex(),
            "count": access.count,
            "digest": access.digest().hex(),
        },
        "canonical_json": [
            {
                "case": case,
                "input": text,
                "canonical": chain.canonical(json.loads(text)).hex(),
            }
            for case, text in CANONICAL_CASES
        ],
    }


def render() -> str:
    return json.dumps(vectors(), indent=2, ensure_ascii=True) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = OUTPUT.read_text("utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.name} is out of date: run python docs/evidence_vectors.py")
            return 1
        return 0
    OUTPUT.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
