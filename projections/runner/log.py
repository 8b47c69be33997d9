"""Reading the ledger's log for the projections: pages of notifications, decoded.

Pages come from the application's own recorder and connection pool and
contain exactly what ``LedgerApplication.iter_notifications`` yields (a test
holds the two to that).  The library's ``select_notifications`` builds a
``UUID`` from text for every row and maps rows by column name, which alone
costs more than the rebuild's whole budget (see docs/projections.md), so on
the two recorders we use, the same query is run with positional rows and a
cache of stream ids (``rows`` gives the raw tuples, which the decoder process
frames without making objects).  Decoding always goes through the ledger's
mapper (a :class:`~ledger.storage.page_reader.PageReader`, which a replay keeps
for all its pages), so per-student decryption stays its business; an event
whose student was erased reads as absent and is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from ledger.domain.events import EVENT_CLASSES
from ledger.storage.application import LedgerApplication
from ledger.storage.page_reader import PageReader
from projections.rules.facts import LoggedEvent

_new, _set = object.__new__, object.__setattr__
KIND_BY_TOPIC: dict[str, str] = {cls.TOPIC: kind for kind, cls in EVENT_CLASSES.items()}
ERASURE_TOPIC = EVENT_CLASSES["erasure"].TOPIC
_ID_CACHE_LIMIT = 200_000
Row = tuple[int, Any, int, str, bytes]  # position, stream id, sequence, topic, state
WARM_SLICE = 2_000  # room for one page's new students in the keyring's cache


class LogReader:
    """Pages of the log after a position, in notification order."""

    def __init__(self, app: LedgerApplication) -> None:
        self.app = app
        self._ids: dict[str, UUID] = {}

    def head(self) -> int:
        return int(self.app.recorder.max_notification_id() or 0)

    def page(self, after: int, limit: int) -> Sequence[Notification]:
        recorder = self.app.recorder
        if isinstance(recorder, SQLiteApplicationRecorder | PostgresApplicationRecorder):
            return self.notifications(self.rows(after, limit))
        return recorder.select_notifications(after, limit, inclusive_of_start=False)

    def rows(self, after: int, limit: int) -> list[Row]:
        """A page as ``(position, stream id, sequence, topic, state)`` tuples.

        The stream id is the stored text on the two recorders we use (a
        ``UUID`` elsewhere); the decoder process reads these, skipping the
        notification objects.
        """
        recorder = self.app.recorder
        if isinstance(recorder, SQLiteApplicationRecorder):
            return self._sqlite_rows(recorder, after, limit)
        if isinstance(recorder, PostgresApplicationRecorder):
            return self._postgres_rows(recorder, after, limit)
        return [
            (n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for n in recorder.select_notifications(after, limit, inclusive_of_start=False)
        ]

    def row_pages(self, after: int, limit: int) -> Iterator[list[Row]]:
        while rows := self.rows(after, limit):
            yield rows
            after = rows[-1][0]

    def pages(
        self, after: int, limit: int, stop: int | None = None
    ) -> Iterator[Sequence[Notification]]:
        while stop is None or after < stop:
            batch = self.page(after, limit)
            if stop is not None:
                batch = [n for n in batch if n.id <= stop]
            if not batch:
                return
            yield batch
            after = batch[-1].id

    def _uuid(self, raw: Any) -> UUID:
        if isinstance(raw, UUID):
            return raw
        if len(self._ids) > _ID_CACHE_LIMIT:
            self._ids.clear()
        found = self._ids[raw] = UUID(raw)
        return found

    def _sqlite_rows(
        self, recorder: SQLiteApplicationRecorder, after: int, limit: int
    ) -> list[Row]:
        statement = (
            "SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {recorder.events_table_name} WHERE rowid > ? ORDER BY rowid LIMIT ?"
        )
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.sqlite_cursor.row_factory = None  # plain tuples
            cursor.execute(statement, (after, limit))
            return _bytes_states(cursor.fetchall())

    def _postgres_rows(
        self, recorder: PostgresApplicationRecorder, after: int, limit: int
    ) -> list[Row]:
        statement = SQL(
            "SELECT notification_id, originator_id::text, originator_version, topic, state "
            "FROM {schema}.{table} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(
            schema=Identifier(recorder.datastore.schema),
            table=Identifier(recorder.events_table_name),
        )
        with (
            recorder.datastore.get_connection() as connection,
            connection.cursor(row_factory=tuple_row, binary=True) as cursor,
        ):
            cursor.execute(statement, (after, limit))
            return _bytes_states(cursor.fetchall())

    def notifications(self, rows: Sequence[Row]) -> list[Notification]:
        # The frozen dataclass's __init__ sets each field through
        # object.__setattr__, which costs as much as decoding the event; filling
        # the instance dict makes the same object for a fraction of that.
        ids, found = self._ids, []
        for position, stream, version, topic, state in rows:
            student = ids.get(stream) or self._uuid(stream)
            notification = _new(Notification)
            _set(
                notification,
                "__dict__",
                {
                    "id": position,
                    "originator_id": student,
                    "originator_version": version,
                    "topic": topic,
                    "state": state,
                },
            )
            found.append(notification)
        return found


def _bytes_states(rows: list[Any]) -> list[Row]:
    if rows and any(type(row[4]) is not bytes for row in rows):
        return [(*row[:4], bytes(row[4])) for row in rows]
    return rows


def keys_held_for_replay(app: LedgerApplication) -> AbstractContextManager[None]:
    """Keep every student's key cached while replaying the whole log (one unwrap each).

    Erased students count too: their tombstones are cached as "erased".
    """
    return app.keyring.holding(sum(app.key_counts().values()) + WARM_SLICE)


def decode_page(
    app: LedgerApplication, page: Sequence[Notification], reader: PageReader | None = None
) -> list[LoggedEvent]:
    """The readable student events of a page, decoded (erased students' are skipped).

    A replay passes one ``reader`` for all its pages: it keeps each student's
    cipher and loads the keys of students it has not met in bulk.
    """
    kinds, parse = KIND_BY_TOPIC, date.fromisoformat
    students = [n for n in page if n.topic in kinds]  # not a future aggregate's, say
    documents = (reader or PageReader(app.ledger_mapper)).read(students)
    decoded = []
    for notification, document in zip(students, documents, strict=True):
        if document is None:
            continue  # the student was erased
        kind = kinds[notification.topic]
        if "class_version" in document:
            event = app.mapper.to_domain_event(notification)
            student = UUID(str(notification.originator_id))
            version = notification.originator_version
            decoded.append(_from_domain_event(notification.id, student, version, kind, event))
            continue
        decoded.append(
            LoggedEvent(
                notification.id,
                cast(UUID, notification.originator_id),
                notification.originator_version,
                kind,
                parse(document["occurred_on"]),
                document["timestamp"],
                document["data"],
                document.get("institution_id"),
                document.get("provenance"),
            )
        )
    return decoded


def _from_domain_event(
    position: int, student_id: UUID, sequence: int, kind: str, event: Any
) -> LoggedEvent:
    """A student event read as a domain event (by the mapper, or from the stream), logged."""
    return LoggedEvent(
        position=position,
        student_id=student_id,
        sequence=sequence,
        kind=kind,
        occurred_on=event.occurred_on,
        recorded_at=event.timestamp.isoformat(),
        data=event.data,
        institution_id=event.institution_id,
        provenance=event.provenance,
    )


def stream_events(app: LedgerApplication, student_id: UUID) -> Iterator[LoggedEvent]:
    """One student's events from their stream (placeholders of an erased one skipped)."""
    stored: Iterable[Any] = app.events.get(student_id)
    for event in stored:
        if getattr(event, "personal_data_erased", False):
            continue
        kind = KIND_BY_TOPIC.get(event.TOPIC)
        if kind is not None:
            yield _from_domain_event(0, student_id, event.originator_version, kind, event)
