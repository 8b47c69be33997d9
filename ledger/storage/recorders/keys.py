"""The key table: each student's wrapped data key, kept beside the events.

``ledger_keys(originator_id, key_id, wrapped_dek, kek_id, created_at, shredded_at)``

* A new stream's wrapped key is inserted in the same transaction as the
  stream's first event, so no event is ever stored under a key that was not.
* The erasure event sets ``wrapped_dek`` to NULL and ``shredded_at`` in the
  same transaction as it is stored: the row stays as a tombstone, so the
  stream reads as *erased* rather than as *missing its key*.
* Before an event sealed under an existing stream's key is stored, the key is
  checked to be in the table and live, in the same transaction: no event is
  ever stored under a key that was not (or that an erasure just destroyed).
  (It costs no query of its own: on SQLite such an event's chain row goes in
  only if its key is live, and a short row count refuses the transaction; on
  PostgreSQL the statement that inserts the rows also counts the live keys,
  read back before the commit.)
* Master key rotation rewrites ``wrapped_dek`` and ``kek_id`` only, and never
  for a tombstone (the update is guarded, so a concurrent erasure wins).

Dialect-neutral SQL; each recorder supplies ``_read`` and ``_write_many``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from ledger.storage.crypto.envelope import FORMAT_AES_GCM, KEY_ID_BYTES
from ledger.storage.crypto.keyring import KeyRow
from ledger.storage.mapper import ChainedStoredEvent
from ledger.storage.recorders.schema import KEYS

SEALED = bytes([FORMAT_AES_GCM])
KEY_COLUMNS = ", ".join(KEYS.names)
NEW_KEY_COLUMNS = ("originator_id", "key_id", "wrapped_dek", "kek_id", "created_at")
UNKNOWN_KEY = "an event is sealed under a key the key table does not hold"


class KeyTable:
    """Key-table maintenance shared by the SQLite and PostgreSQL recorders."""

    keys_table = KEYS.name

    def _sql(self, text: str) -> str:
        raise NotImplementedError

    def _db_id(self, originator_id: UUID | str) -> Any:
        raise NotImplementedError

    def _read(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _write_many(self, statement: str, rows: Sequence[Sequence[Any]]) -> int:
        raise NotImplementedError

    # -- inside the events transaction ------------------------------------
    def _new_key_rows(
        self, chained: Sequence[ChainedStoredEvent], ids: Sequence[Any]
    ) -> list[tuple[Any, ...]]:
        """Key-table rows (``NEW_KEY_COLUMNS``) of the streams these events create.

        ``ids`` are the events' stream ids as the database spells them.
        """
        return [
            (key, e.new_key.key_id, e.new_key.wrapped_dek, e.new_key.kek_id, e.new_key.created_at)
            for key, e in zip(ids, chained, strict=True)
            if e.new_key is not None
        ]

    def _destroy_keys(
        self, cursor: Any, chained: Sequence[ChainedStoredEvent], ids: Sequence[Any]
    ) -> None:
        """An erasure event's stream keeps a tombstone instead of its wrapped key."""
        for key, e in zip(ids, chained, strict=True):
            if e.releases_claims:
                cursor.execute(
                    self._sql(
                        f"UPDATE {self.keys_table} SET wrapped_dek = NULL, shredded_at = %s "
                        "WHERE originator_id = %s AND wrapped_dek IS NOT NULL"
                    ),
                    (e.recorded_at, key),
                )

    def _sealing_key_ids(
        self, chained: Sequence[ChainedStoredEvent], ids: Sequence[Any]
    ) -> list[bytes | None]:
        """Per event, the existing key it is sealed under (None: stored in clear, or
        sealed under a key this same batch creates)."""
        created = {key for key, e in zip(ids, chained, strict=True) if e.new_key is not None}
        return [
            bytes(e.state[1 : 1 + KEY_ID_BYTES])
            if key not in created and e.state[:1] == SEALED
            else None
            for key, e in zip(ids, chained, strict=True)
        ]

    def _sealing_keys_used(
        self, chained: Sequence[ChainedStoredEvent], ids: Sequence[Any]
    ) -> list[tuple[Any, bytes]]:
        """(stream, key id) of each existing key these events are sealed under."""
        key_ids = self._sealing_key_ids(chained, ids)
        return sorted(
            {(key, key_id) for key, key_id in zip(ids, key_ids, strict=True) if key_id is not None}
        )

    def _check_sealing_keys(
        self, cursor: Any, chained: Sequence[ChainedStoredEvent], ids: Sequence[Any]
    ) -> None:
        """Refuse (``IntegrityError``, ``UNKNOWN_KEY``) the transaction if an event is
        sealed under a key the table does not hold live; each recorder does it within
        its own inserts (see ``_sealing_key_ids``)."""
        raise NotImplementedError

    # -- reads and maintenance --------------------------------------------
    def select_keys(self, student_id: UUID | str) -> list[KeyRow]:
        rows = self._read(
            self._sql(
                f"SELECT {KEY_COLUMNS} FROM {self.keys_table} WHERE originator_id = %s "
                "ORDER BY created_at, key_id"
            ),
            (self._db_id(_as_uuid(student_id)),),
        )
        return [_key_row(row) for row in rows]

    def select_keys_of(self, student_ids: Sequence[UUID | str]) -> list[KeyRow]:
        if not student_ids:
            return []
        marks = ", ".join(["%s"] * len(student_ids))
        rows = self._read(
            self._sql(
                f"SELECT {KEY_COLUMNS} FROM {self.keys_table} WHERE originator_id IN ({marks}) "
                "ORDER BY originator_id, created_at, key_id"
            ),
            [self._db_id(_as_uuid(s)) for s in student_ids],
        )
        return [_key_row(row) for row in rows]

    def select_all_keys(self) -> list[KeyRow]:
        rows = self._read(
            f"SELECT {KEY_COLUMNS} FROM {self.keys_table} ORDER BY originator_id, created_at"
        )
        return [_key_row(row) for row in rows]

    def rewrap_keys(self, rewrapped: Sequence[tuple[KeyRow, bytes, str]]) -> int:
        """Store re-wrapped keys in one transaction; tombstones are never revived."""
        return self._write_many(
            self._sql(
                f"UPDATE {self.keys_table} SET wrapped_dek = %s, kek_id = %s "
                "WHERE originator_id = %s AND key_id = %s AND kek_id = %s "
                "AND wrapped_dek IS NOT NULL"
            ),
            [
                (wrapped, kek_id, self._db_id(_as_uuid(row.student_id)), row.key_id, row.kek_id)
                for row, wrapped, kek_id in rewrapped
            ],
        )

    def key_counts(self) -> dict[str, int]:
        """Live keys per master key id, and tombstones under ``"shredded"``."""
        rows = self._read(
            f"SELECT COALESCE(kek_id, ''), wrapped_dek IS NULL, COUNT(*) FROM {self.keys_table} "
            "GROUP BY 1, 2"
        )
        counts: dict[str, int] = {}
        for kek_id, shredded, count in rows:
            name = "shredded" if shredded else str(kek_id)
            counts[name] = counts.get(name, 0) + int(count)
        return counts


def _as_uuid(student_id: UUID | str) -> UUID:
    return student_id if isinstance(student_id, UUID) else UUID(str(student_id))


def _key_row(row: Sequence[Any]) -> KeyRow:
    originator, key_id, wrapped, kek_id, created_at, shredded_at = row
    return KeyRow(
        student_id=str(_as_uuid(originator)),
        key_id=bytes(key_id),
        wrapped_dek=None if wrapped is None else bytes(wrapped),
        kek_id=kek_id,
        created_at=str(created_at),
        shredded_at=shredded_at,
    )
