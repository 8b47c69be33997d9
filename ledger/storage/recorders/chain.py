"""The hash chain and identifier index, written in the same transaction as the events.

Both recorders (``sqlite``, ``postgres``) subclass eventsourcing's own
recorders (faster than the SQLAlchemy extension, see README) and, through
``ChainWriter``, add in the same transaction as the events:

* one ``ledger_chain`` link per event,
* the ``ledger_identifiers`` claims of registrations (unique, so a second
  registration of the same pupil fails atomically with the events), released
  by an erasure, and
* the ``ledger_keys`` row of each new stream, made a tombstone by its erasure
  event (see ``keys``).

The previous link is the one this process last committed for the stream
when it knows it (``ChainHeads``), else it is read by primary key; either way
it was committed before the aggregate was loaded, and the unique (stream,
version) key settles races: a stale head can only be used for a version that
another writer already holds, so that save is refused and decided again.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol, cast
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger.domain import chain
from ledger.storage.crypto.envelope import canonical_id
from ledger.storage.mapper import ChainedStoredEvent
from ledger.storage.recorders.keys import NEW_KEY_COLUMNS, KeyTable
from ledger.storage.recorders.schema import CHAIN, IDENTIFIERS

CHAIN_COLUMNS = CHAIN.names
IDENTIFIER_COLUMNS = IDENTIFIERS.names
Insert = tuple[str, Sequence[str], Sequence[Sequence[Any]]]
"""Rows for one table: (table, columns, rows)."""
HEADS_CACHED = 10_000


class _Cursor(Protocol):
    def execute(self, query: Any, params: Any = ...) -> Any: ...
    def executemany(self, query: Any, params_seq: Any) -> Any: ...
    def fetchall(self) -> Any: ...


class ChainHeads:
    """The last link this process committed in each stream, for its next append.

    Only links of committed transactions enter it (see ``ChainWriter``), and a
    link is used only for the version right after it, so a head is either
    current or older than the stream: then the append's version is already
    taken and the unique (stream, version) key refuses the save.  Bounded;
    the oldest entries go first.
    """

    def __init__(self, size: int = HEADS_CACHED) -> None:
        self._heads: dict[Any, tuple[int, bytes]] = {}
        self._size = size
        self._lock = threading.Lock()

    def link_at(self, stream: Any, version: int) -> bytes | None:
        head = self._heads.get(stream)
        return head[1] if head is not None and head[0] == version else None

    def remember(self, heads: dict[Any, tuple[int, bytes]]) -> None:
        with self._lock:
            for stream, head in heads.items():
                self._heads.pop(stream, None)
                self._heads[stream] = head
            while len(self._heads) > self._size:
                del self._heads[next(iter(self._heads))]


class ChainWriter(KeyTable):
    """SQL-dialect-neutral chain, index and key maintenance (and when to read a
    stream's tail by each recorder's faster statement)."""

    placeholder = "?"
    chain_table = CHAIN.name
    identifiers_table = IDENTIFIERS.name

    def _init_chain_writer(self) -> None:
        self.chain_heads = ChainHeads()
        # The heads written by this thread's transaction, remembered once it commits.
        self._staged = threading.local()

    def _sql(self, text: str) -> str:
        return text.replace("%s", self.placeholder)

    def _db_id(self, originator_id: UUID | str) -> Any:
        return originator_id

    def _insert_rows(self, cursor: _Cursor, inserts: Sequence[Insert]) -> None:
        for table, columns, rows in inserts:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                self._sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"), rows
            )

    def _stage_heads(self, heads: dict[Any, tuple[int, bytes]] | None) -> None:
        self._staged.heads = heads

    def _publish_heads(self) -> None:
        """The transaction committed: its last links are the streams' heads."""
        heads = getattr(self._staged, "heads", None)
        self._staged.heads = None
        if heads:
            self.chain_heads.remember(heads)

    def _write_chain(self, cursor: _Cursor, stored_events: Sequence[StoredEvent]) -> None:
        chained: list[ChainedStoredEvent] = []
        for event in stored_events:
            if not isinstance(event, ChainedStoredEvent):
                msg = "events must be mapped by LedgerMapper before they are recorded"
                raise TypeError(msg)
            chained.append(event)
        # Every read happens before any write on this cursor, in one query each:
        # PostgreSQL's pipeline mode misreads a fetch queued behind executemany().
        ids = [self._db_id(event.originator_id) for event in chained]
        heads = self._previous_links(cursor, chained, ids)
        self._check_sealing_keys(cursor, chained, ids)
        rows = []
        written: dict[Any, tuple[int, bytes]] = {}
        for key, event in zip(ids, chained, strict=True):
            link = chain.link(
                heads[key],
                student_id=canonical_id(event.originator_id),
                sequence=event.originator_version,
                topic=event.topic,
                recorded_at=event.recorded_at,
                commitment_digest=event.commitment,
                stored_state=event.state,
            )
            heads[key] = link
            written[key] = (event.originator_version, link)
            rows.append((key, event.originator_version, event.recorded_at, event.commitment, link))
        inserts: list[Insert] = [(self.chain_table, CHAIN_COLUMNS, rows)]
        claims = [
            (kind, digest, key)
            for key, e in zip(ids, chained, strict=True)
            for kind, digest in e.claims
        ]
        if claims:
            inserts.append((self.identifiers_table, IDENTIFIER_COLUMNS, claims))
        new_keys = self._new_key_rows(chained, ids)
        if new_keys:
            inserts.append((self.keys_table, NEW_KEY_COLUMNS, new_keys))
        self._insert_rows(cursor, inserts)
        # An erasure releases what the same batch may just have inserted.
        for key, e in zip(ids, chained, strict=True):
            if e.releases_claims:
                cursor.execute(
                    self._sql(f"DELETE FROM {self.identifiers_table} WHERE originator_id = %s"),
                    (key,),
                )
        self._destroy_keys(cursor, chained, ids)
        self._stage_heads(written)

    def _previous_links(
        self, cursor: _Cursor, chained: Sequence[ChainedStoredEvent], ids: Sequence[Any]
    ) -> dict[Any, bytes]:
        """The link before each stream's first event in this batch.

        Known heads come from ``chain_heads``; the others are read in one query per 400.
        """
        heads: dict[Any, bytes] = {}
        wanted: list[tuple[Any, int]] = []
        for key, event in zip(ids, chained, strict=True):
            if key in heads:
                continue
            if event.originator_version == 1:
                heads[key] = chain.GENESIS
                continue
            known = self.chain_heads.link_at(key, event.originator_version - 1)
            if known is not None:
                heads[key] = known
            else:
                wanted.append((key, event.originator_version - 1))
                heads[key] = b""
        if not wanted:
            return heads
        found = {(row[0], int(row[1])): bytes(row[2]) for row in self._select_links(cursor, wanted)}
        for key, version in wanted:
            link = found.get((key, version))
            if link is None:
                msg = f"chain link {version} missing for stream being appended"
                raise IntegrityError(msg)
            heads[key] = link
        return heads

    def _select_links(
        self, cursor: _Cursor, pairs: Sequence[tuple[Any, int]]
    ) -> list[tuple[Any, ...]]:
        """(stream, version, link) of each (stream, version) pair: one indexed query per 400."""
        results: list[tuple[Any, ...]] = []
        for start in range(0, len(pairs), 400):
            chunk = pairs[start : start + 400]
            where = " OR ".join("(originator_id = %s AND originator_version = %s)" for _ in chunk)
            params = [value for pair in chunk for value in pair]
            cursor.execute(
                self._sql(
                    f"SELECT originator_id, originator_version, link FROM {self.chain_table} "
                    f"WHERE ({where})"
                ),
                params,
            )
            results.extend(tuple(self._row_values(row)) for row in cursor.fetchall())
        return results

    @staticmethod
    def _row_values(row: Any) -> Sequence[Any]:
        return list(row.values()) if isinstance(row, dict) else tuple(row)

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """The library's query, but a stream's tail (``gt`` alone: how the repository
        fast-forwards a cached record before each command) by ``_select_tail``."""
        if gt is None or lte is not None or desc or limit is not None:
            library = cast(Any, super())
            events: Sequence[StoredEvent] = library.select_events(
                originator_id, gt=gt, lte=lte, desc=desc, limit=limit
            )
            return events
        return self._select_tail(originator_id, gt)

    def _select_tail(self, originator_id: UUID | str, gt: int) -> list[StoredEvent]:
        """A stream's events after version ``gt``, in order (each recorder's own statement)."""
        raise NotImplementedError

    def _lookup_sql(self) -> str:
        """The student claiming an identifier digest (each recorder's ``lookup_identifier``)."""
        return self._sql(
            f"SELECT originator_id FROM {self.identifiers_table} WHERE kind = %s AND digest = %s"
        )
