"""The export bundle's shared vocabulary: what the exporter writes and the verifier reads.

An event entry carries its committed plaintext document as readable fields:
every key except :data:`ENTRY_KEYS` is a field of the document, and
``recorded_at`` is the document's ``timestamp``.  So the verifier rebuilds
the exact document, re-derives the salted commitment from it, and
recomputes the chain link from the exact stored bytes (ciphertext, once
records are encrypted): both checks, with nothing but the bundle.

A signed *statement* (a C2SP signed note by the log's key) closes the bundle.
It binds the student, the event count and last link, the checkpoint and a
digest of the access-log entries, so nothing can be dropped from the end or
added to the access log unnoticed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger.domain import chain

FORMAT = "careers-ledger/export-bundle/v1"
STATEMENT_TYPE = "careers-ledger/export-statement/v1"
ENTRY_KEYS = frozenset({"sequence", "kind", "topic", "recorded_at", "chain", "log"})
NO_LINK = "-"


class BundleFormatError(ValueError):
    """A bundle field that is missing or malformed (the message names the field)."""


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def unb64(value: Any, field: str) -> bytes:
    if not isinstance(value, str):
        raise BundleFormatError(f"{field} must be a base64 string")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise BundleFormatError(f"{field} is not valid base64") from None


def entry_fields(document: Mapping[str, Any]) -> dict[str, Any]:
    """The readable fields of an event entry, from its stored plaintext document."""
    fields = {k: v for k, v in document.items() if k not in {"salt", "timestamp"}}
    if ENTRY_KEYS & set(fields):
        raise BundleFormatError("a stored document uses a field name the bundle reserves")
    return {"recorded_at": document["timestamp"], **fields}


def entry_document(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The committed plaintext document an event entry stands for (salt excluded)."""
    document = {k: v for k, v in entry.items() if k not in ENTRY_KEYS}
    document["timestamp"] = entry["recorded_at"]
    return document


class AccessDigest:
    """SHA-256 over the access-log entries, one canonical JSON line each, in order."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.count = 0

    def add(self, entry: Mapping[str, Any]) -> None:
        self._hash.update(chain.canonical(dict(entry)) + b"\n")
        self.count += 1

    def digest(self) -> bytes:
        return self._hash.digest()


@dataclass(frozen=True)
class Statement:
    """The exporter's signed account of what the bundle holds."""

    origin: str
    student_id: UUID
    exported_at: str
    events: int
    head: bytes | None
    tree_size: int
    root: bytes
    access_entries: int
    access_digest: bytes

    def text(self) -> str:
        head = NO_LINK if self.head is None else b64(self.head)
        return (
            f"{self.origin}\n{STATEMENT_TYPE}\n"
            f"student {self.student_id}\n"
            f"exported {self.exported_at}\n"
            f"events {self.events} {head}\n"
            f"checkpoint {self.tree_size} {b64(self.root)}\n"
            f"access-log {self.access_entries} {b64(self.access_digest)}\n"
        )

    @classmethod
    def parse(cls, text: str) -> Statement:
        lines = text.split("\n")
        pattern = (
            r"(\S+)\n" + re.escape(STATEMENT_TYPE) + r"\nstudent (\S+)\nexported (\S+)\n"
            r"events (0|[1-9][0-9]*) (\S+)\ncheckpoint (0|[1-9][0-9]*) (\S+)\n"
            r"access-log (0|[1-9][0-9]*) (\S+)\n"
        )
        match = re.fullmatch(pattern, text)
        if match is None or len(lines) != 8:
            raise BundleFormatError("the statement is not a careers-ledger export statement")
        origin, student, exported, events, head, size, root, entries, digest = match.groups()
        try:
            student_id = UUID(student)
        except ValueError:
            raise BundleFormatError("the statement's student id is not a UUID") from None
        return cls(
            origin=origin,
            student_id=student_id,
            exported_at=exported,
            events=int(events),
            head=None if head == NO_LINK else unb64(head, "statement head link"),
            tree_size=int(size),
            root=unb64(root, "statement checkpoint root"),
            access_entries=int(entries),
            access_digest=unb64(digest, "statement access-log digest"),
        )
