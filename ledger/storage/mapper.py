"""The storage pipeline: event <-> stored bytes, with chain commitments.

One place turns a domain event into stored bytes (orjson, then the optional
cipher) and computes what the hash chain needs: a salted commitment to the
plaintext and the recorded time.  It also derives keyed digests of the
identifiers an event claims (UPN/ULN), so the recorder can keep the
identifier index in the same transaction as the events.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date, datetime
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

from .. import chain

IDENTIFIER_KINDS = ("upn", "uln")


@dataclass(frozen=True)
class ChainedStoredEvent(StoredEvent):
    """A stored event plus what the recorder writes beside it in one transaction."""

    recorded_at: str = ""
    commitment: bytes = b""
    claims: tuple[tuple[str, bytes], ...] = field(default=())
    releases_claims: bool = False


class OrjsonTranscoder(Transcoder):
    """Plain orjson; our mapper converts the few typed fields itself."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


def identifier_digest(index_key: bytes, kind: str, value: str) -> bytes:
    """Keyed digest of an identifier: the index never holds a UPN or ULN in clear."""
    return hmac.new(index_key, f"{kind}:{value}".encode(), hashlib.sha256).digest()


class LedgerMapper(Mapper[Any]):
    """Maps StudentRecord events to stored rows and back.

    Keeps the library's constructor signature so runners and followers can
    build it; the identifier index key is set by the application after.
    """

    index_key: bytes = b""

    def __init__(
        self,
        transcoder: Transcoder,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
    ) -> None:
        super().__init__(transcoder, compressor, cipher)

    # -- write -------------------------------------------------------------
    def to_stored_event(self, domain_event: Any) -> ChainedStoredEvent:
        topic = get_topic(type(domain_event))
        document = self.document(domain_event)
        salt = chain.new_salt()
        digest = chain.commitment(salt, chain.canonical(document))
        document["salt"] = salt.hex()
        state = self.seal(domain_event.originator_id, orjson.dumps(document))
        claims = tuple(
            (kind, identifier_digest(self.index_key, kind, value))
            for kind, value in _claimed_identifiers(domain_event)
        )
        return ChainedStoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=topic,
            state=state,
            recorded_at=document["timestamp"],
            commitment=digest,
            claims=claims,
            releases_claims=getattr(domain_event, "KIND", "") == "erasure",
        )

    @staticmethod
    def document(domain_event: Any) -> dict[str, Any]:
        """The plaintext document of an event (without its salt)."""
        state = dict(vars(domain_event))
        state.pop("originator_id")
        state.pop("originator_version")
        state["timestamp"] = state["timestamp"].isoformat()
        if isinstance(state.get("occurred_on"), date):
            state["occurred_on"] = state["occurred_on"].isoformat()
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        return state

    def seal(self, originator_id: Any, plaintext: bytes) -> bytes:
        """Encrypt (when a cipher is configured). Per-student keys hook in here."""
        if self.compressor:
            plaintext = self.compressor.compress(plaintext)
        if self.cipher:
            return self.cipher.encrypt(plaintext)
        return plaintext

    def open(self, originator_id: Any, stored: bytes) -> bytes:
        if self.cipher:
            stored = self.cipher.decrypt(stored)
        if self.compressor:
            stored = self.compressor.decompress(stored)
        return stored

    # -- read --------------------------------------------------------------
    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls = resolve_topic(stored_event.topic)
        try:
            document = self.read_document(stored_event)
        except Exception as exc:
            msg = (
                f"cannot read stored event {stored_event.originator_id} "
                f"#{stored_event.originator_version} ({stored_event.topic}): {type(exc).__name__}"
            )
            raise MapperDeserialisationError(msg) from exc
        document.pop("salt", None)
        class_version = getattr(cls, "class_version", 1)
        from_version = document.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(document)
            from_version += 1
        document["timestamp"] = datetime.fromisoformat(document["timestamp"])
        if "occurred_on" in document:
            document["occurred_on"] = date.fromisoformat(document["occurred_on"])
        document["originator_id"] = stored_event.originator_id
        document["originator_version"] = stored_event.originator_version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", document)
        return event

    def read_document(self, stored_event: StoredEvent) -> dict[str, Any]:
        """The decrypted stored document, salt included (for verification and export)."""
        document: dict[str, Any] = orjson.loads(
            self.open(stored_event.originator_id, stored_event.state)
        )
        return document


def _claimed_identifiers(domain_event: Any) -> list[tuple[str, str]]:
    if getattr(domain_event, "KIND", "") != "registration":
        return []
    data = domain_event.data
    return [(kind, data[kind]) for kind in IDENTIFIER_KINDS if data.get(kind)]
