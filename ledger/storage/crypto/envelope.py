"""The stored form of one event: a small clear header, then the sealed document.

Encrypted events (format 1)::

    0x01 | key id (16 bytes) | recorded at (8 bytes, microseconds since the epoch, UTC)
         | nonce (12 bytes) | AES-256-GCM ciphertext and tag

Clear events (format 0, only documents without personal data, such as the
erasure event)::

    0x00 | document

The associated data binds the ciphertext to its row: student id, sequence,
topic and the header itself.  A ciphertext copied onto another row, or a row
whose header was edited, fails to decrypt.  The recorded time is repeated in
the header (it is chain metadata, already in clear) so an event whose key was
destroyed can still be placed in time.  Pure functions, no I/O.
"""

from __future__ import annotations

import os
import struct
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_CLEAR = 0
FORMAT_AES_GCM = 1
KEY_ID_BYTES = 16
NONCE_BYTES = 12
DEK_BYTES = 32
_TIME = struct.Struct(">q")
HEADER_BYTES = 1 + KEY_ID_BYTES + _TIME.size
AAD_DOMAIN = b"careers-ledger/event/v1\x00"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class EnvelopeError(ValueError):
    """Stored bytes that are not a well-formed envelope."""


class Header(NamedTuple):
    format: int
    key_id: bytes = b""
    recorded_micros: int | None = None

    @property
    def encrypted(self) -> bool:
        return self.format == FORMAT_AES_GCM

    @property
    def recorded_at(self) -> datetime | None:
        return None if self.recorded_micros is None else from_micros(self.recorded_micros)


@lru_cache(maxsize=65_536)
def canonical_id(student_id: Any) -> str:
    """The one spelling of a student id used in associated data and key wrapping."""
    return str(student_id if isinstance(student_id, UUID) else UUID(str(student_id)))


def to_micros(moment: datetime) -> int:
    since = moment - EPOCH
    return (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


_U32 = struct.Struct(">I").pack
_U64 = struct.Struct(">Q").pack
_SEALED_HEADER = struct.Struct(">B16sq")  # format, key id, recorded micros (HEADER_BYTES)


@lru_cache(maxsize=65_536)
def _length_prefixed(text: str) -> bytes:
    raw = text.encode()
    return _U32(len(raw)) + raw


def associated_data(student_id: str, sequence: int, topic: str, header: bytes) -> bytes:
    return b"".join(
        (AAD_DOMAIN, _length_prefixed(student_id), _U64(sequence), _length_prefixed(topic), header)
    )


def student_aad_prefix(student_id: str) -> bytes:
    """The start of every associated data of one student's events (see :func:`open_prefixed`)."""
    return AAD_DOMAIN + _length_prefixed(student_id)


def open_prefixed(cipher: AESGCM, stored: bytes, prefix: bytes, sequence: int, topic: str) -> bytes:
    """:func:`open_sealed` with the student's part of the associated data built once.

    For replays that open many events of the same students: the result, and the
    rows refused, are exactly those of :func:`open_sealed` (a test holds them to it).
    """
    if len(stored) < HEADER_BYTES + NONCE_BYTES + 16:
        raise EnvelopeError("the stored event is shorter than its header")
    aad = b"".join((prefix, _U64(sequence), _length_prefixed(topic), stored[:HEADER_BYTES]))
    return cipher.decrypt(
        stored[HEADER_BYTES : HEADER_BYTES + NONCE_BYTES], stored[HEADER_BYTES + NONCE_BYTES :], aad
    )


def seal_clear(document: bytes) -> bytes:
    return bytes([FORMAT_CLEAR]) + document


Key = bytes | AESGCM
"""A data key, raw or as a ready ``AESGCM`` (the keyring caches those)."""


def _aead(key: Key) -> AESGCM:
    return key if isinstance(key, AESGCM) else AESGCM(key)


def seal(
    dek: Key,
    key_id: bytes,
    recorded_at: datetime,
    *,
    student_id: str,
    sequence: int,
    topic: str,
    document: bytes,
    nonce: bytes | None = None,
) -> bytes:
    """``nonce``: 12 fresh random bytes (drawn here when not given), never used twice."""
    if len(key_id) != KEY_ID_BYTES:
        raise EnvelopeError("a key id is 16 bytes")
    if nonce is None:
        nonce = os.urandom(NONCE_BYTES)
    elif len(nonce) != NONCE_BYTES:
        raise EnvelopeError("a nonce is 12 bytes")
    header = _SEALED_HEADER.pack(FORMAT_AES_GCM, key_id, to_micros(recorded_at))
    aad = associated_data(student_id, sequence, topic, header)
    return b"".join((header, nonce, _aead(dek).encrypt(nonce, document, aad)))


def header_of(stored: bytes) -> Header:
    if not stored:
        raise EnvelopeError("the stored event is empty")
    fmt = stored[0]
    if fmt == FORMAT_CLEAR:
        return Header(FORMAT_CLEAR)
    if fmt != FORMAT_AES_GCM:
        raise EnvelopeError(f"unknown stored format {fmt}")
    if len(stored) < HEADER_BYTES + NONCE_BYTES + 16:
        raise EnvelopeError("the stored event is shorter than its header")
    key_id = bytes(stored[1 : 1 + KEY_ID_BYTES])
    (micros,) = _TIME.unpack(stored[1 + KEY_ID_BYTES : HEADER_BYTES])
    return Header(FORMAT_AES_GCM, key_id, micros)


def open_clear(stored: bytes) -> bytes:
    if header_of(stored).format != FORMAT_CLEAR:
        raise EnvelopeError("the stored event is encrypted")
    return bytes(stored[1:])


def open_sealed(dek: Key, stored: bytes, *, student_id: str, sequence: int, topic: str) -> bytes:
    """Decrypt; raises ``cryptography.exceptions.InvalidTag`` when the row was tampered with."""
    header = bytes(stored[:HEADER_BYTES])
    nonce = bytes(stored[HEADER_BYTES : HEADER_BYTES + NONCE_BYTES])
    aad = associated_data(student_id, sequence, topic, header)
    return _aead(dek).decrypt(nonce, bytes(stored[HEADER_BYTES + NONCE_BYTES :]), aad)


FORMAT_DERIVED = 2
DERIVED_DOMAIN = b"careers-ledger/derived/v1\x00"
DERIVED_HEADER_BYTES = 1 + KEY_ID_BYTES


def _derived_aad(student_id: str, purpose: str, header: bytes) -> bytes:
    sid, what = student_id.encode(), purpose.encode()
    return b"".join(
        (
            DERIVED_DOMAIN,
            struct.pack(">I", len(sid)),
            sid,
            struct.pack(">I", len(what)),
            what,
            header,
        )
    )


def seal_derived(dek: Key, key_id: bytes, *, student_id: str, purpose: str, data: bytes) -> bytes:
    """A read-side copy of personal data: ``0x02 | key id | nonce | ciphertext``."""
    header = bytes([FORMAT_DERIVED]) + key_id
    nonce = os.urandom(NONCE_BYTES)
    aad = _derived_aad(student_id, purpose, header)
    return header + nonce + _aead(dek).encrypt(nonce, data, aad)


def derived_header(key_id: bytes) -> bytes:
    return bytes([FORMAT_DERIVED]) + key_id


def derived_aad_prefix(student_id: str) -> bytes:
    """The student's part of every derived value's associated data (built once per student)."""
    return DERIVED_DOMAIN + _length_prefixed(student_id)


def seal_derived_prefixed(
    cipher: AESGCM, header: bytes, prefix: bytes, purpose: str, data: bytes
) -> bytes:
    """:func:`seal_derived` with the header and the student's prefix made once (same bytes out)."""
    nonce = os.urandom(NONCE_BYTES)
    what = purpose.encode()
    aad = b"".join((prefix, _U32(len(what)), what, header))
    return b"".join((header, nonce, cipher.encrypt(nonce, data, aad)))


def derived_key_id(sealed: bytes) -> bytes:
    if len(sealed) < DERIVED_HEADER_BYTES + NONCE_BYTES + 16 or sealed[0] != FORMAT_DERIVED:
        raise EnvelopeError("not a sealed read-side value")
    return bytes(sealed[1:DERIVED_HEADER_BYTES])


def open_derived(dek: Key, sealed: bytes, *, student_id: str, purpose: str) -> bytes:
    header = bytes(sealed[:DERIVED_HEADER_BYTES])
    nonce = bytes(sealed[DERIVED_HEADER_BYTES : DERIVED_HEADER_BYTES + NONCE_BYTES])
    aad = _derived_aad(student_id, purpose, header)
    return _aead(dek).decrypt(nonce, bytes(sealed[DERIVED_HEADER_BYTES + NONCE_BYTES :]), aad)
