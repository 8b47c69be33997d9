"""The storage pipeline: event <-> stored bytes, with chain commitments.

One place turns a domain event into stored bytes (orjson, then sealed under
the student's own data key, see :mod:`ledger.storage.crypto`) and computes what the
hash chain needs: a salted commitment to the plaintext and the recorded time.
It also derives keyed digests of the identifiers an event claims (UPN/ULN),
so the recorder can keep the identifier index in the same transaction as the
events, and hands the recorder a new stream's wrapped data key to store with
the stream's first event.

The whole document is sealed (data, salt, idempotency key, actor,
institution, provenance); only the erasure event, which carries no personal
data, is stored in clear so it stays readable after the key is destroyed.
Once a student's key is gone, reading one of their events yields a
placeholder of the same class with no personal data (``personal_data_erased``
set), so replaying the stream still works.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import orjson
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
)
from eventsourcing.utils import get_topic, resolve_topic

from ledger.domain import chain
from ledger.domain.errors import StudentErased
from ledger.domain.events import ERASED_MARKER
from ledger.domain.student import StudentRecord
from ledger.storage.crypto import envelope
from ledger.storage.crypto.keyring import Keyring, WrappedKey

IDENTIFIER_KINDS = ("upn", "uln")
CLEAR_KINDS = frozenset({"erasure"})


@dataclass(frozen=True)
class ChainedStoredEvent(StoredEvent):
    """A stored event plus what the recorder writes beside it in one transaction."""

    recorded_at: str = ""
    commitment: bytes = b""
    claims: tuple[tuple[str, bytes], ...] = field(default=())
    releases_claims: bool = False
    new_key: WrappedKey | None = None

    @classmethod
    def build(
        cls,
        originator_id: Any,
        originator_version: int,
        topic: str,
        state: bytes,
        recorded_at: str,
        commitment: bytes,
        claims: tuple[tuple[str, bytes], ...],
        releases_claims: bool,
        new_key: WrappedKey | None,
    ) -> ChainedStoredEvent:
        """Every field, set at once rather than by the frozen ``__init__``'s one
        ``__setattr__`` each (the mapper makes one per event it stores; the library
        rebuilds its domain events the same way, setting ``__dict__``)."""
        event = object.__new__(cls)
        object.__setattr__(
            event,
            "__dict__",
            {
                "originator_id": originator_id,
                "originator_version": originator_version,
                "topic": topic,
                "state": state,
                "recorded_at": recorded_at,
                "commitment": commitment,
                "claims": claims,
                "releases_claims": releases_claims,
                "new_key": new_key,
            },
        )
        return event


class OrjsonTranscoder(Transcoder):
    """Plain orjson; our mapper converts the few typed fields itself."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


def identifier_digest(index_key: bytes, kind: str, value: str) -> bytes:
    """Keyed digest of an identifier: the index never holds a UPN or ULN in clear.

    HMAC-SHA256, from the key's padded inner and outer states computed once.
    """
    keyed = _keyed_hmac(index_key).copy()
    keyed.update(f"{kind}:{value}".encode())
    return keyed.digest()


@lru_cache(maxsize=8)
def _keyed_hmac(index_key: bytes) -> hmac.HMAC:
    return hmac.new(index_key, digestmod=hashlib.sha256)


class LedgerMapper(Mapper[Any]):
    """Maps StudentRecord events to stored rows and back.

    Keeps the library's constructor signature so runners and followers can
    build it; the application sets ``index_key`` and ``keyring`` after.  With
    no keyring every document is stored in clear (only the encryption bench
    does that, to measure what encryption costs).
    """

    index_key: bytes = b""
    keyring: Keyring | None = None

    def __init__(
        self,
        transcoder: Transcoder,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
    ) -> None:
        # Per-student keys replace the library's one app-wide cipher.
        super().__init__(transcoder, compressor, cipher=None)

    # -- write -------------------------------------------------------------
    def to_stored_event(self, domain_event: Any) -> ChainedStoredEvent:
        cls = type(domain_event)
        topic = get_topic(cls)
        kind = _kind(cls)
        recorded_at = self._recorded_text(domain_event.timestamp)
        document = self.document(domain_event, recorded_at)
        # Serialised once: the commitment covers the canonical bytes, and the stored
        # plaintext is the same bytes with the salt appended as one more member.
        canonical = chain.canonical(document)
        randomness = os.urandom(chain.SALT_BYTES + envelope.NONCE_BYTES)  # one system call
        salt, nonce = randomness[: chain.SALT_BYTES], randomness[chain.SALT_BYTES :]
        state, new_key = self._seal(
            domain_event, kind, topic, chain.salted(canonical, salt), recorded_at, nonce
        )
        claims = (
            tuple(
                (name, identifier_digest(self.index_key, name, value))
                for name, value in _claimed_identifiers(domain_event)
            )
            if kind == "registration"
            else ()
        )
        return ChainedStoredEvent.build(
            domain_event.originator_id,
            domain_event.originator_version,
            topic,
            state,
            recorded_at,
            chain.commitment(salt, canonical),
            claims,
            kind == "erasure",
            new_key,
        )

    def _recorded_text(self, moment: datetime) -> str:
        """``moment.isoformat()``, remembered for the next event: a save's events
        usually share one recorded time (one ``datetime`` object)."""
        last = self._last_recorded
        if last is not None and last[0] is moment:
            return last[1]
        text = moment.isoformat()
        self._last_recorded = (moment, text)
        return text

    _last_recorded: tuple[datetime, str] | None = None

    @staticmethod
    def document(domain_event: Any, recorded_at: str | None = None) -> dict[str, Any]:
        """The plaintext document of an event (without its salt).

        ``recorded_at`` is the event's timestamp as ISO text, when already known.
        """
        state = dict(vars(domain_event))
        del state["originator_id"], state["originator_version"]
        state["timestamp"] = recorded_at or state["timestamp"].isoformat()
        occurred_on = state.get("occurred_on")
        if isinstance(occurred_on, date):
            state["occurred_on"] = occurred_on.isoformat()
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        if "salt" in state:
            raise ValueError("an event must not have an attribute named 'salt'")
        return state

    def seal(
        self, domain_event: Any, topic: str, plaintext: bytes
    ) -> tuple[bytes, WrappedKey | None]:
        """Seal a document under its student's key (a new key for a new stream)."""
        kind = _kind(type(domain_event))
        recorded_text = domain_event.timestamp.isoformat()
        return self._seal(domain_event, kind, topic, plaintext, recorded_text, None)

    def _seal(
        self,
        domain_event: Any,
        kind: str,
        topic: str,
        plaintext: bytes,
        recorded_text: str,
        nonce: bytes | None,
    ) -> tuple[bytes, WrappedKey | None]:
        if self.compressor:
            plaintext = self.compressor.compress(plaintext)
        if self.keyring is None or kind in CLEAR_KINDS:
            return envelope.seal_clear(plaintext), None
        # The id's text once: the keyring's lookups by text hash faster than by UUID.
        student_id = envelope.canonical_id(domain_event.originator_id)
        recorded_at: datetime = domain_event.timestamp
        new_key = None
        if domain_event.originator_version == 1:
            key_id, cipher, new_key = self.keyring.new_sealing_cipher(student_id, recorded_text)
        else:
            key_id, cipher = self.keyring.sealing_cipher(student_id)
        sealed = envelope.seal(
            cipher,
            key_id,
            recorded_at,
            student_id=student_id,
            sequence=domain_event.originator_version,
            topic=topic,
            document=plaintext,
            nonce=nonce,
        )
        return sealed, new_key

    def open(self, stored_event: StoredEvent) -> tuple[envelope.Header, bytes | None]:
        """The header and plaintext of a stored event; None when its key was destroyed."""
        stored = bytes(stored_event.state)
        header = envelope.header_of(stored)
        kind = _kind(resolve_topic(stored_event.topic))
        if not header.encrypted:
            if self.keyring is not None and kind not in CLEAR_KINDS:
                raise envelope.EnvelopeError("an event that must be encrypted is stored in clear")
            if self.keyring is not None and kind == "erasure":
                self.keyring.note_erased(stored_event.originator_id)
            plaintext: bytes | None = envelope.open_clear(stored)
        else:
            if self.keyring is None:
                raise envelope.EnvelopeError("encrypted events need a keyring to be read")
            cipher = self.keyring.opening_cipher(stored_event.originator_id, header.key_id)
            plaintext = None
            if cipher is not None:
                plaintext = envelope.open_sealed(
                    cipher,
                    stored,
                    student_id=envelope.canonical_id(stored_event.originator_id),
                    sequence=stored_event.originator_version,
                    topic=stored_event.topic,
                )
        if plaintext is not None and self.compressor:
            plaintext = self.compressor.decompress(plaintext)
        return header, plaintext

    # -- read --------------------------------------------------------------
    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls = resolve_topic(stored_event.topic)
        try:
            header, plaintext = self.open(stored_event)
            if plaintext is None:
                document = _placeholder(cls, header)
            else:
                document = orjson.loads(plaintext)
                document.pop("salt", None)
        except Exception as exc:
            msg = (
                f"cannot read stored event {stored_event.originator_id} "
                f"#{stored_event.originator_version} ({stored_event.topic}): {type(exc).__name__}"
            )
            raise MapperDeserialisationError(msg) from exc
        class_version = getattr(cls, "class_version", 1)
        from_version = document.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(document)
            from_version += 1
        if isinstance(document["timestamp"], str):
            document["timestamp"] = datetime.fromisoformat(document["timestamp"])
        if isinstance(document.get("occurred_on"), str):
            document["occurred_on"] = date.fromisoformat(document["occurred_on"])
        document["originator_id"] = stored_event.originator_id
        document["originator_version"] = stored_event.originator_version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", document)
        return event

    def read_document(self, stored_event: StoredEvent) -> dict[str, Any]:
        """The decrypted stored document, salt included (for verification and export).

        Raises :class:`~ledger.domain.errors.StudentErased` when the student's key was destroyed.
        """
        _, plaintext = self.open(stored_event)
        if plaintext is None:
            raise StudentErased("this student's personal data has been erased")
        document: dict[str, Any] = orjson.loads(plaintext)
        return document

    def document_or_none(self, stored_event: StoredEvent) -> dict[str, Any] | None:
        """:meth:`read_document`, None where the student is erased."""
        try:
            return self.read_document(stored_event)
        except StudentErased:
            return None


def _kind(cls: type[Any]) -> str:
    return str(getattr(cls, "KIND", ""))


def _placeholder(cls: type[Any], header: envelope.Header) -> dict[str, Any]:
    """An erased event's stand-in: its class, sequence and recorded time, nothing personal."""
    assert header.recorded_at is not None
    document: dict[str, Any] = {
        "timestamp": header.recorded_at,
        # The real date is sealed with the rest; the recorded date keeps the type.
        "occurred_on": header.recorded_at.date(),
        "data": {},
        "idempotency_key": None,
        "actor": None,
        "institution_id": None,
        "provenance": None,
        ERASED_MARKER: True,
    }
    if _kind(cls) == "registration":
        document["originator_topic"] = StudentRecord.TOPIC
    return document


def _claimed_identifiers(domain_event: Any) -> list[tuple[str, str]]:
    if getattr(domain_event, "KIND", "") != "registration":
        return []
    data = domain_event.data
    return [(kind, data[kind]) for kind in IDENTIFIER_KINDS if data.get(kind)]
