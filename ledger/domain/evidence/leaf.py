"""What one event contributes to the global log: a leaf binding student, sequence and link.

The chain link already covers the stored bytes, the metadata and the salted
commitment, so a leaf over (student id, sequence, link) pins all of it; a
rewrite that recomputes the student's chain still changes the leaf.
"""

from __future__ import annotations

import struct
from uuid import UUID

from ledger.domain import merkle

LEAF_DOMAIN = b"careers-ledger/log-leaf/v1\x00"


def leaf_data(student_id: UUID | str, sequence: int, link: bytes) -> bytes:
    student = str(UUID(str(student_id))).encode()
    return (
        LEAF_DOMAIN + struct.pack(">I", len(student)) + student + struct.pack(">Q", sequence) + link
    )


def event_leaf(student_id: UUID | str, sequence: int, link: bytes) -> bytes:
    """The RFC 6962 leaf hash of one event: SHA-256(0x00 || leaf data)."""
    return merkle.leaf_hash(leaf_data(student_id, sequence, link))
