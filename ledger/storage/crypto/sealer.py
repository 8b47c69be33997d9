"""Read-side copies of a student's personal data, sealed under the student's own key.

Projections keep denormalised copies (timeline bodies, benchmark facts).
Sealed with the same per-student data key as the events, those copies are
unreadable at rest and become unreadable for good when the student is
erased, even in a backup taken before the projection deleted its rows.
The ``purpose`` names the table and row (``"proj_timeline/7"``) and is bound
into the associated data, so a sealed value moved to another row or another
student fails to open.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.storage.crypto import envelope
from ledger.storage.crypto.keyring import Keyring


class StudentSealer:
    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    def seal(self, student_id: UUID | str, purpose: str, data: bytes) -> bytes:
        """Seal ``data``; raises :class:`~ledger.domain.errors.StudentErased` if erased."""
        key_id, cipher = self._keyring.sealing_cipher(student_id)
        return envelope.seal_derived(
            cipher, key_id, student_id=envelope.canonical_id(student_id), purpose=purpose, data=data
        )

    def open(self, student_id: UUID | str, purpose: str, sealed: bytes) -> bytes | None:
        """The plaintext, or None once the student is erased (their key is gone).

        A value moved from another row or student raises ``InvalidTag``.
        """
        cipher = self._keyring.opening_cipher(student_id, envelope.derived_key_id(sealed))
        if cipher is None:
            return None
        return envelope.open_derived(
            cipher, sealed, student_id=envelope.canonical_id(student_id), purpose=purpose
        )

    def warm(self, student_ids: Iterable[UUID | str]) -> None:
        """Load many students' keys in one query (before opening a whole cohort's rows)."""
        self._keyring.warm(student_ids)

    def scoped(self) -> ScopedSealer:
        """A sealer for one unit of work that looks each student's key up once.

        The keyring's cache is shared and locked; a projection batch seals
        thousands of values for a few hundred students, so it keeps its own
        ciphers for the batch and drops them with it.
        """
        return ScopedSealer(self._keyring)


class ScopedSealer(StudentSealer):
    """:class:`StudentSealer` with the ciphers it used kept until it is dropped."""

    def __init__(self, keyring: Keyring) -> None:
        super().__init__(keyring)
        # By the id as the caller spells it: (header, associated-data prefix, cipher).
        self._sealing: dict[UUID | str, tuple[bytes, bytes, AESGCM]] = {}
        self._opening: dict[tuple[str, bytes], AESGCM | None] = {}

    def seal(self, student_id: UUID | str, purpose: str, data: bytes) -> bytes:
        ready = self._sealing.get(student_id)
        if ready is None:
            sid = envelope.canonical_id(student_id)
            key_id, cipher = self._keyring.sealing_cipher(sid)
            self._opening[(sid, key_id)] = cipher
            ready = self._sealing[student_id] = (
                envelope.derived_header(key_id),
                envelope.derived_aad_prefix(sid),
                cipher,
            )
        header, prefix, cipher = ready
        return envelope.seal_derived_prefixed(cipher, header, prefix, purpose, data)

    def open(self, student_id: UUID | str, purpose: str, sealed: bytes) -> bytes | None:
        sid = envelope.canonical_id(student_id)
        wanted = (sid, envelope.derived_key_id(sealed))
        if wanted in self._opening:
            cipher = self._opening[wanted]
        else:
            cipher = self._opening[wanted] = self._keyring.opening_cipher(sid, wanted[1])
        if cipher is None:
            return None
        return envelope.open_derived(cipher, sealed, student_id=sid, purpose=purpose)

    def scoped(self) -> ScopedSealer:
        return self
