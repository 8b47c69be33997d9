"""Per-student data keys (DEKs), wrapped under the deployment's master key (KEK).

Each student stream has its own random 256-bit DEK.  Only its wrapped form is
stored, in the ledger's key table, written by the recorder in the same
transaction as the stream's first event.  Erasure deletes the wrapped DEK
(the row stays as a tombstone), after which nothing can decrypt the
student's events.  Rotating the master key re-wraps the DEKs; events are
never touched.

A new stream's key is held aside for the save that creates it (``saving``)
and enters the shared cache only once that save committed, so a save that
lost a race never leaves its key where another thread could seal with it.
Unwrapped DEKs are kept in a bounded LRU.  Entries expire after
``ttl_seconds`` so a process that did not see an erasure (another API
worker) forgets the key within that time even if it never reads the erasure
event; reading the erasure event evicts it at once.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import NamedTuple, Protocol
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ledger.domain.errors import LedgerError, StudentErased
from ledger.storage.crypto.envelope import DEK_BYTES, KEY_ID_BYTES, NONCE_BYTES, canonical_id

WRAP_DOMAIN = b"careers-ledger/dek/v1\x00"
KEK_INFO = b"careers-ledger/kek/v1"
KEK_ID_DOMAIN = b"careers-ledger/kek-id/v1\x00"
WARM_BATCH = 500


class KeyUnavailable(LedgerError):
    """A student's key cannot be used: missing, or wrapped under an unknown master key.

    Unlike erasure this is a fault: the store or the configuration is wrong.
    """

    code = "key_unavailable"
    status = 500
    title = "A student's data key is unavailable"


@dataclass(frozen=True)
class WrappedKey:
    """A new student's key as stored beside the stream's first event."""

    key_id: bytes
    wrapped_dek: bytes
    kek_id: str
    created_at: str


@dataclass(frozen=True)
class KeyRow:
    """One row of the key table; a tombstone has no wrapped DEK."""

    student_id: str
    key_id: bytes
    wrapped_dek: bytes | None
    kek_id: str | None
    created_at: str
    shredded_at: str | None

    @property
    def shredded(self) -> bool:
        return self.wrapped_dek is None


class KeyStore(Protocol):
    def select_keys(self, student_id: UUID | str) -> list[KeyRow]:
        """Every key row of one student, oldest first."""
        ...

    def select_keys_of(self, student_ids: Sequence[UUID | str]) -> list[KeyRow]:
        """Every key row of these students, each student's oldest first."""
        ...


class MasterKey:
    """A key-encryption key; the configured secret is stretched with HKDF-SHA256."""

    def __init__(self, secret: bytes) -> None:
        self._key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEK_INFO).derive(
            secret
        )
        self.kek_id = hashlib.sha256(KEK_ID_DOMAIN + self._key).hexdigest()[:16]
        self._aead = AESGCM(self._key)  # built once: every new student wraps a key

    @staticmethod
    def _aad(student_id: str, key_id: bytes) -> bytes:
        return WRAP_DOMAIN + student_id.encode() + b"\x00" + key_id

    def wrap(self, student_id: str, key_id: bytes, dek: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, dek, self._aad(student_id, key_id))

    def unwrap(self, student_id: str, key_id: bytes, wrapped: bytes) -> bytes:
        nonce, body = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
        return self._aead.decrypt(nonce, body, self._aad(student_id, key_id))


class _Key(NamedTuple):
    key_id: bytes
    dek: bytes
    cipher: AESGCM  # built once: constructing one costs as much as an encryption
    expires: float = 0.0


_ERASED = object()


class Keyring:
    """Creates, finds and forgets students' data keys."""

    def __init__(
        self,
        master_key: bytes,
        previous_master_keys: Sequence[bytes] = (),
        *,
        cache_size: int = 4096,
        ttl_seconds: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.master = MasterKey(master_key)
        self._unwrappers = {self.master.kek_id: self.master}
        for secret in previous_master_keys:
            older = MasterKey(secret)
            self._unwrappers.setdefault(older.kek_id, older)
        self.store: KeyStore | None = None
        self._cache: OrderedDict[str, _Key | object] = OrderedDict()
        self._cache_size = cache_size
        self._ttl = ttl_seconds
        self._now = monotonic
        self._lock = threading.Lock()
        self._pending: ContextVar[dict[str, _Key] | None] = ContextVar(
            f"new_keys_{id(self)}", default=None
        )

    @property
    def kek_id(self) -> str:
        return self.master.kek_id

    # -- writing ----------------------------------------------------------
    @contextmanager
    def saving(self) -> Iterator[None]:
        """Scope of one save: its new keys are cached only if it returns normally."""
        pending: dict[str, _Key] = {}
        token = self._pending.set(pending)
        try:
            yield
        finally:
            self._pending.reset(token)
        if pending:
            expires = self._now() + self._ttl
            with self._lock:
                for sid, key in pending.items():
                    self._cache[sid] = key._replace(expires=expires)
                    self._cache.move_to_end(sid)
                self._trim()

    def new_key(self, student_id: UUID | str, created_at: str) -> tuple[bytes, bytes, WrappedKey]:
        """A fresh DEK for a new stream: (key id, DEK, wrapped form to store)."""
        key, wrapped = self._new_key(student_id, created_at)
        return key.key_id, key.dek, wrapped

    def new_sealing_cipher(
        self, student_id: UUID | str, created_at: str
    ) -> tuple[bytes, AESGCM, WrappedKey]:
        """:meth:`new_key` as a ready cipher: (key id, AESGCM, wrapped form to store)."""
        key, wrapped = self._new_key(student_id, created_at)
        return key.key_id, key.cipher, wrapped

    def _new_key(self, student_id: UUID | str, created_at: str) -> tuple[_Key, WrappedKey]:
        sid = canonical_id(student_id)
        material = os.urandom(KEY_ID_BYTES + DEK_BYTES)  # one system call for both
        key_id, dek = material[:KEY_ID_BYTES], material[KEY_ID_BYTES:]
        wrapped = self.master.wrap(sid, key_id, dek)
        key = _Key(key_id, dek, AESGCM(dek))
        pending = self._pending.get()
        if pending is not None:
            pending[sid] = key
        return key, WrappedKey(key_id, wrapped, self.master.kek_id, created_at)

    def current(self, student_id: UUID | str) -> tuple[bytes, bytes]:
        """The key to seal a further event of an existing stream (or one this save creates)."""
        key = self._sealing(canonical_id(student_id))
        return key.key_id, key.dek

    def sealing_cipher(self, student_id: UUID | str) -> tuple[bytes, AESGCM]:
        """:meth:`current` as a ready cipher: (key id, AESGCM)."""
        key = self._sealing(canonical_id(student_id))
        return key.key_id, key.cipher

    # -- reading ----------------------------------------------------------
    def dek(self, student_id: UUID | str, key_id: bytes) -> bytes | None:
        """The DEK named by a stored header, or None when it was destroyed (erasure)."""
        key = self._opening(canonical_id(student_id), key_id)
        return None if key is None else key.dek

    def opening_cipher(self, student_id: UUID | str, key_id: bytes) -> AESGCM | None:
        """:meth:`dek` as a ready cipher."""
        key = self._opening(canonical_id(student_id), key_id)
        return None if key is None else key.cipher

    def warm(self, student_ids: Iterable[UUID | str]) -> None:
        """Load many students' keys with one query per 500 (cohort-wide reads)."""
        ids, now = {canonical_id(s) for s in student_ids}, self._now()
        with self._lock:  # once for the lot: a replay warms every student of every batch
            cache = self._cache
            wanted = [
                sid
                for sid in ids
                if (entry := cache.get(sid)) is None
                or (isinstance(entry, _Key) and entry.expires < now)
            ]
        if self.store is None or not wanted:
            return
        by_student: dict[str, list[KeyRow]] = {}
        for start in range(0, len(wanted), WARM_BATCH):
            for row in self.store.select_keys_of(wanted[start : start + WARM_BATCH]):
                by_student.setdefault(row.student_id, []).append(row)
        for sid, rows in by_student.items():
            live = [row for row in rows if not row.shredded]
            if not live:
                self.note_erased(sid)
            else:
                self._remember(sid, live[-1].key_id, self._unwrap(live[-1]))

    def _sealing(self, sid: str) -> _Key:
        pending = self._pending.get()
        if pending is not None and sid in pending:
            return pending[sid]
        cached = self._cached(sid)
        if isinstance(cached, _Key):
            return cached
        if cached is _ERASED:
            raise StudentErased("this student's record has been erased")
        rows = self._rows(sid)
        if not rows:
            raise KeyUnavailable("the stream has no key in the key table")
        live = [row for row in rows if not row.shredded]
        if not live:
            raise StudentErased("this student's record has been erased")
        return self._remember(sid, live[-1].key_id, self._unwrap(live[-1]))

    def _opening(self, sid: str, key_id: bytes) -> _Key | None:
        cached = self._cached(sid)
        if isinstance(cached, _Key) and cached.key_id == key_id:
            return cached
        if cached is _ERASED:
            return None
        for row in self._rows(sid):
            if row.key_id != key_id:
                continue
            if row.shredded:
                self.note_erased(sid)
                return None
            return self._remember(sid, row.key_id, self._unwrap(row))
        raise KeyUnavailable("the key named by a stored event is not in the key table")

    @contextmanager
    def holding(self, students: int) -> Iterator[None]:
        """Cache up to ``students`` keys while the block runs (a replay of the whole log).

        A replay in log order meets every student again and again; with more
        students than the cache holds, each page would unwrap (and select)
        their keys anew.  The usual bound comes back when the block ends.
        """
        with self._lock:
            before = self._cache_size
            self._cache_size = max(before, students)
        try:
            yield
        finally:
            with self._lock:
                self._cache_size = before
                self._trim()

    # -- forgetting -------------------------------------------------------
    def forget(self, student_id: UUID | str) -> None:
        with self._lock:
            self._cache.pop(canonical_id(student_id), None)

    def note_erased(self, student_id: UUID | str) -> None:
        """The student's key is gone for good: drop it and remember that it is."""
        with self._lock:
            self._cache[canonical_id(student_id)] = _ERASED
            self._cache.move_to_end(canonical_id(student_id))
            self._trim()

    # -- master key rotation ---------------------------------------------
    def rewrap(self, row: KeyRow, target: MasterKey) -> bytes:
        assert row.wrapped_dek is not None
        return target.wrap(row.student_id, row.key_id, self._unwrap(row))

    def use_master(self, secret: bytes) -> None:
        """Wrap new keys under ``secret`` from now on (older ones still unwrap)."""
        self.master = MasterKey(secret)
        self._unwrappers[self.master.kek_id] = self.master

    # -- internals --------------------------------------------------------
    def _rows(self, sid: str) -> list[KeyRow]:
        if self.store is None:
            raise KeyUnavailable("the keyring has no key store attached")
        return self.store.select_keys(sid)

    def _unwrap(self, row: KeyRow) -> bytes:
        if row.wrapped_dek is None:
            raise StudentErased("this student's record has been erased")
        unwrapper = self._unwrappers.get(row.kek_id or "")
        if unwrapper is None:
            raise KeyUnavailable(
                "a student's key is wrapped under a master key this process was not given "
                "(set CAREERS_LEDGER_MASTER_KEY or CAREERS_LEDGER_PREVIOUS_MASTER_KEY)"
            )
        try:
            return unwrapper.unwrap(row.student_id, row.key_id, row.wrapped_dek)
        except Exception:
            raise KeyUnavailable("a wrapped student key failed authentication") from None

    def _cached(self, sid: str) -> object | None:
        with self._lock:
            entry = self._cache.get(sid)
            if entry is None:
                return None
            if isinstance(entry, _Key) and entry.expires < self._now():
                del self._cache[sid]
                return None
            self._cache.move_to_end(sid)
            return entry

    def _remember(self, sid: str, key_id: bytes, dek: bytes, cipher: AESGCM | None = None) -> _Key:
        key = _Key(key_id, dek, cipher or AESGCM(dek), self._now() + self._ttl)
        with self._lock:
            self._cache[sid] = key
            self._cache.move_to_end(sid)
            self._trim()
        return key

    def _trim(self) -> None:
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
