"""Opening the log a page at a time, for replays that read every event once.

:meth:`LedgerMapper.read_document` opens one event: it looks the student's
cipher up in the shared, locked keyring and builds the whole associated data.
A replay (a projection rebuild, the decoder process) opens a million events of
a few thousand students, so a :class:`PageReader` keeps, for the replay's
lifetime, each student's ciphers by key id and the student's part of the
associated data, and loads the keys of students it has not met yet in bulk
before each page.

The result, and every row refused, are those of ``read_document`` (a test
holds them to it): anything but a well-formed encrypted event (clear,
erasure, malformed) goes through the mapper itself.  An erasure event drops
what the reader holds for its student; the events it made unreadable come
before it in the log, so a replay in log order never reads them after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic

from ledger.storage.crypto import envelope

if TYPE_CHECKING:
    from ledger.storage.mapper import LedgerMapper

_KEY_END = 1 + envelope.KEY_ID_BYTES


class PageReader:
    """Decrypted documents of pages of the log (None where the student is erased)."""

    def __init__(self, mapper: LedgerMapper) -> None:
        self._mapper = mapper
        # student -> (their associated-data prefix, their ciphers by key id)
        self._students: dict[UUID | str, tuple[bytes, dict[bytes, AESGCM | None]]] = {}
        self._topics: set[str] = set()

    def read(self, stored_events: Sequence[StoredEvent]) -> list[dict[str, Any] | None]:
        return self.read_rows(
            [(e.originator_id, e.originator_version, e.topic, e.state) for e in stored_events]
        )

    def read_rows(
        self, rows: Sequence[tuple[UUID | str, int, str, bytes]]
    ) -> list[dict[str, Any] | None]:
        """:meth:`read` for ``(student id, sequence, topic, state)`` rows straight from a page.

        The id may be the stored text (as the decoder process reads it), which
        hashes in C; it is only parsed for the keyring, once per student.
        """
        mapper = self._mapper
        keyring = mapper.keyring
        if keyring is None or mapper.compressor:
            return [mapper.document_or_none(_stored(*row)) for row in rows]
        students, topics = self._students, self._topics
        unmet = [s for s in {row[0] for row in rows} if s not in students]
        if unmet:
            keyring.warm(unmet)  # one query per 500 students instead of one each
        found: list[dict[str, Any] | None] = []
        loads, sealed_format = orjson.loads, envelope.FORMAT_AES_GCM
        for student, sequence, topic, stored in rows:
            if not stored or stored[0] != sealed_format:
                students.pop(student, None)  # an erasure, say
                found.append(mapper.document_or_none(_stored(student, sequence, topic, stored)))
                continue
            if topic not in topics:
                resolve_topic(topic)  # an unknown topic fails as in read_document
                topics.add(topic)
            held = students.get(student)
            if held is None:
                prefix = envelope.student_aad_prefix(envelope.canonical_id(student))
                held = students[student] = (prefix, {})
            key_id = stored[1:_KEY_END]
            ciphers = held[1]
            if key_id in ciphers:
                cipher = ciphers[key_id]
            else:
                cipher = ciphers[key_id] = keyring.opening_cipher(student, key_id)
            if cipher is None:
                found.append(None)
                continue
            found.append(loads(envelope.open_prefixed(cipher, stored, held[0], sequence, topic)))
        return found


def _stored(student: UUID | str, sequence: int, topic: str, state: bytes) -> StoredEvent:
    return StoredEvent(
        originator_id=student if isinstance(student, UUID) else UUID(student),
        originator_version=sequence,
        topic=topic,
        state=state,
    )
