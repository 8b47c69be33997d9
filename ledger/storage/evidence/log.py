"""The global Merkle log kept in the database, extended from the notification log.

Appends never touch these tables: the log catches up (events after the last
logged notification, in order) when a checkpoint is made or a proof is asked
for.  Each leaf and every completed perfect subtree is stored once, so a
proof costs O(log n) look-ups however long the log grows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import IntegrityError

from ledger.domain import merkle
from ledger.domain.errors import LedgerError
from ledger.domain.evidence.leaf import event_leaf
from ledger.domain.evidence.notes import Checkpoint
from ledger.storage.evidence.sql import Cursor, Database

EXTEND_BATCH = 5000
IN_CHUNK = 500


class LogIntegrityError(LedgerError):
    """The stored events cannot be logged as they are: something was tampered with."""

    code = "log_integrity"
    status = 409
    title = "The ledger's stored events do not match its global log"


@dataclass(frozen=True)
class LogLeaf:
    """One leaf of the log beside the chain link stored for that event now."""

    position: int
    student_id: UUID
    sequence: int
    leaf: bytes
    link: bytes | None


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    root: bytes
    note: str
    created_at: str


class MerkleLogStore:
    def __init__(self, database: Database) -> None:
        self.db = database

    def create_tables(self) -> None:
        self.db.create_tables()

    # -- growing the log -----------------------------------------------------
    def extend(self, batch: int = EXTEND_BATCH) -> int:
        """Log every event not yet logged; return the log's size."""
        while True:
            added, size = self._extend_once(batch)
            if added < batch:
                return size

    def _extend_once(self, batch: int) -> tuple[int, int]:
        db = self.db
        try:
            with db.writing() as cursor:
                size, last_notification = self._tip(cursor)
                frontier = merkle.Frontier(
                    size,
                    {
                        level: digest
                        for (level, _), digest in self._fetch(
                            cursor, merkle.Frontier.nodes_for(size)
                        ).items()
                    },
                )
                cursor.execute(
                    db.sql(
                        f"SELECT e.{db.notification_column}, e.originator_id, "
                        "e.originator_version, c.link "
                        f"FROM {db.events} e LEFT JOIN {db.chain} c "
                        "ON c.originator_id = e.originator_id "
                        "AND c.originator_version = e.originator_version "
                        f"WHERE e.{db.notification_column} > %s "
                        f"ORDER BY e.{db.notification_column} LIMIT %s"
                    ),
                    (last_notification, batch),
                )
                leaves, nodes = [], []
                for notification_id, raw_id, sequence, link in cursor.fetchall():
                    student_id = db.student_id(raw_id)
                    if link is None:
                        raise LogIntegrityError(
                            f"student {student_id} sequence {sequence}: the stored event has "
                            "no chain link, so it cannot be logged; run verify"
                        )
                    leaf = event_leaf(student_id, int(sequence), bytes(link))
                    position = frontier.size
                    for level, index, digest in frontier.append(leaf):
                        if level:
                            nodes.append((level, index, digest))
                    leaves.append((position, notification_id, raw_id, sequence, leaf))
                if leaves:
                    cursor.executemany(
                        db.sql(
                            f"INSERT INTO {db.log} (position, notification_id, originator_id, "
                            "originator_version, leaf_hash) VALUES (%s, %s, %s, %s, %s)"
                        ),
                        leaves,
                    )
                if nodes:
                    cursor.executemany(
                        db.sql(f"INSERT INTO {db.nodes} (level, idx, hash) VALUES (%s, %s, %s)"),
                        nodes,
                    )
                return len(leaves), frontier.size
        except (IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError):
            raise LogIntegrityError(
                "an event already in the global log was stored again; run verify-log"
            ) from None

    def _tip(self, cursor: Cursor) -> tuple[int, int]:
        cursor.execute(f"SELECT MAX(position), MAX(notification_id) FROM {self.db.log}")
        position, notification = cursor.fetchall()[0]
        return (0, 0) if position is None else (int(position) + 1, int(notification))

    # -- reading hashes and proofs ---------------------------------------------
    def size(self) -> int:
        with self.db.reading() as cursor:
            return self._tip(cursor)[0]

    def hashes(self, nodes: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
        with self.db.reading() as cursor:
            return self._fetch(cursor, nodes)

    def _fetch(self, cursor: Cursor, nodes: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
        # Two queries whatever the tree's depth: leaves by position, and every
        # higher subtree by (level, index), joined so both engines use the key.
        wanted = set(nodes)
        leaves = sorted(i for level, i in wanted if level == 0)
        higher = sorted((level, i) for level, i in wanted if level)
        found: dict[merkle.Node, bytes] = {}
        for start in range(0, len(leaves), IN_CHUNK):
            chunk: list[Any] = leaves[start : start + IN_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                self.db.sql(
                    f"SELECT position, leaf_hash FROM {self.db.log} WHERE position IN ({marks})"
                ),
                chunk,
            )
            found.update({(0, int(i)): bytes(h) for i, h in cursor.fetchall()})
        for start in range(0, len(higher), IN_CHUNK):
            pairs = higher[start : start + IN_CHUNK]
            marks = ", ".join(["(%s, %s)"] * len(pairs))
            cursor.execute(
                self.db.sql(
                    f"WITH wanted (level, idx) AS (VALUES {marks}) "
                    f"SELECT n.level, n.idx, n.hash FROM wanted JOIN {self.db.nodes} n "
                    "ON n.level = wanted.level AND n.idx = wanted.idx"
                ),
                [value for pair in pairs for value in pair],
            )
            found.update({(int(lv), int(i)): bytes(h) for lv, i, h in cursor.fetchall()})
        missing = wanted - set(found)
        if missing:
            raise LogIntegrityError(
                f"{len(missing)} subtree hashes of the global log are missing; run verify-log"
            )
        return found

    def root(self, size: int) -> bytes:
        if size == 0:
            return merkle.EMPTY_ROOT
        return merkle.range_hash(0, size, self.hashes(merkle.perfect_nodes(0, size)))

    def inclusion_proofs(self, indices: Iterable[int], size: int) -> dict[int, list[bytes]]:
        wanted = list(indices)
        hashes = self.hashes(
            merkle.nodes_for_ranges(r for i in wanted for r in merkle.inclusion_ranges(i, size))
        )
        return {i: merkle.inclusion_proof(i, size, hashes) for i in wanted}

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        return merkle.consistency_proof(
            old_size, new_size, self.hashes(merkle.consistency_nodes(old_size, new_size))
        )

    def position_of(self, student_id: UUID, sequence: int) -> int | None:
        with self.db.reading() as cursor:
            cursor.execute(
                self.db.sql(
                    f"SELECT position FROM {self.db.log} "
                    "WHERE originator_id = %s AND originator_version = %s"
                ),
                (self.db.db_id(student_id), sequence),
            )
            rows = cursor.fetchall()
        return int(rows[0][0]) if rows else None

    def last_sequence_below(self, student_id: UUID, size: int) -> int:
        """The student's last sequence among the first ``size`` leaves (0 if none)."""
        with self.db.reading() as cursor:
            cursor.execute(
                self.db.sql(
                    f"SELECT MAX(originator_version) FROM {self.db.log} "
                    "WHERE originator_id = %s AND position < %s"
                ),
                (self.db.db_id(student_id), size),
            )
            value = cursor.fetchall()[0][0]
        return int(value or 0)

    # -- checkpoints -----------------------------------------------------------
    def store_checkpoint(self, checkpoint: Checkpoint, created_at: str) -> None:
        with self.db.writing() as cursor:
            cursor.execute(
                self.db.sql(
                    f"INSERT INTO {self.db.checkpoints} (tree_size, root_hash, note, created_at) "
                    "VALUES (%s, %s, %s, %s)"
                ),
                (checkpoint.size, checkpoint.root, checkpoint.note, created_at),
            )

    def checkpoints(
        self, *, at_most: int | None = None, limit: int | None = None
    ) -> list[StoredCheckpoint]:
        """Stored checkpoints, largest first."""
        sql = f"SELECT tree_size, root_hash, note, created_at FROM {self.db.checkpoints}"
        params: list[Any] = []
        if at_most is not None:
            sql += " WHERE tree_size <= %s"
            params.append(at_most)
        sql += " ORDER BY tree_size DESC"
        if limit is not None:
            sql += " LIMIT %s"
            params.append(limit)
        with self.db.reading() as cursor:
            cursor.execute(self.db.sql(sql), params)
            rows = cursor.fetchall()
        return [StoredCheckpoint(int(s), bytes(r), str(n), str(c)) for s, r, n, c in rows]

    # -- audit -------------------------------------------------------------------
    def iter_logged(self, batch: int = 5000) -> Iterator[LogLeaf]:
        """Every leaf in position order, beside the chain link stored for its event now."""
        db = self.db
        position = -1
        while True:
            with db.reading() as cursor:
                cursor.execute(
                    db.sql(
                        "SELECT l.position, l.originator_id, l.originator_version, l.leaf_hash, "
                        f"c.link FROM {db.log} l LEFT JOIN {db.chain} c "
                        "ON c.originator_id = l.originator_id "
                        "AND c.originator_version = l.originator_version "
                        "WHERE l.position > %s ORDER BY l.position LIMIT %s"
                    ),
                    (position, batch),
                )
                rows = cursor.fetchall()
            for pos, raw_id, sequence, leaf, link in rows:
                yield LogLeaf(
                    int(pos),
                    db.student_id(raw_id),
                    int(sequence),
                    bytes(leaf),
                    None if link is None else bytes(link),
                )
            if len(rows) < batch:
                return
            position = int(rows[-1][0])

    def unlogged_events(self) -> list[tuple[UUID, int]]:
        """Events stored *before* the log's last notification that the log never saw."""
        db = self.db
        with db.reading() as cursor:
            last = self._tip(cursor)[1]
            cursor.execute(
                db.sql(
                    f"SELECT e.originator_id, e.originator_version FROM {db.events} e "
                    f"LEFT JOIN {db.log} l ON l.notification_id = e.{db.notification_column} "
                    f"WHERE l.position IS NULL AND e.{db.notification_column} <= %s "
                    "ORDER BY 1, 2"
                ),
                (last,),
            )
            return [(db.student_id(s), int(v)) for s, v in cursor.fetchall()]
