"""The per-student hash chain (docs/evidence.md). Pure functions, no I/O.

Each event's *link* hashes:

* the previous link in the student's stream (32 zero bytes before the first),
* the event's metadata: student id, sequence number, topic, recorded time,
* a salted *commitment* to the event's plaintext (the random salt travels
  inside the stored payload, so it is encrypted with it and destroyed with
  the student's key on erasure), and
* a hash of the exact stored bytes.

A check without keys recomputes every link from the stored rows, so any
changed, removed, reordered or inserted byte shows; a check with keys also
re-derives each commitment from the plaintext.  Erasure destroys keys but no
stored byte, so every chain still verifies afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from typing import Any

import orjson

GENESIS = bytes(32)
LINK_DOMAIN = b"careers-ledger/link/v1\x00"
COMMITMENT_DOMAIN = b"careers-ledger/commitment/v1\x00"
SALT_BYTES = 16


def canonical(document: dict[str, Any]) -> bytes:
    """The canonical bytes of a plaintext document (sorted keys, compact)."""
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def salted(canonical_bytes: bytes, salt: bytes) -> bytes:
    """The stored plaintext: the canonical document with ``"salt"`` (hex) appended.

    The same JSON object as ``{**document, "salt": salt.hex()}``; readers drop the
    salt and re-canonicalise, so the member order here does not matter to them.
    """
    if canonical_bytes[-1:] != b"}" or len(canonical_bytes) < 3:
        raise ValueError("a document is a non-empty JSON object")
    return b"".join((canonical_bytes[:-1], b',"salt":"', salt.hex().encode(), b'"}'))


def commitment(salt: bytes, plaintext: bytes) -> bytes:
    return hashlib.sha256(COMMITMENT_DOMAIN + salt + plaintext).digest()


_U32 = struct.Struct(">I").pack
_U64 = struct.Struct(">Q").pack


def _field(value: bytes) -> bytes:
    return _U32(len(value)) + value


def link(
    previous: bytes,
    *,
    student_id: str,
    sequence: int,
    topic: str,
    recorded_at: str,
    commitment_digest: bytes,
    stored_state: bytes,
) -> bytes:
    """The link of one event, given the link before it."""
    sid, top, at = student_id.encode(), topic.encode(), recorded_at.encode()
    return hashlib.sha256(
        b"".join(
            (
                LINK_DOMAIN,
                previous,
                _U32(len(sid)),
                sid,
                _U64(sequence),
                _U32(len(top)),
                top,
                _U32(len(at)),
                at,
                commitment_digest,
                hashlib.sha256(stored_state).digest(),
            )
        )
    ).digest()


def same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)
