"""A second process decodes the log while this one projects it (long replays).

Rebuilding the projections spends about half its time reading and decoding
the log (select, open each student's AES-GCM envelope, parse the JSON) and
half projecting it.  The two halves need nothing from each other but the
decoded events, so on a machine with a second core a long replay runs them
side by side: a decoder process (``python -m projections.runner.pipeline``, its own
database connection and keyring) reads pages ahead and writes each as one
orjson frame to its stdout; this process turns them back into
:class:`LoggedEvent` tuples and projects them, committing positions exactly as
a catch-up does.  The pipe is the queue: the decoder blocks once it is a page
ahead, so memory stays bounded.  (A plain subprocess rather than
``multiprocessing``: nothing depends on how the parent's main module was
written, and the configuration goes over stdin, never the command line.)

The decoder only reads.  If it fails (it cannot open the database, a key is
missing, it is killed), the replay goes on in this process from the last
committed position, so the pipeline can make a replay faster but never
different.  Decoded events are personal data in memory; they cross a local
pipe between two processes of the same user and are never written anywhere.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import orjson

from ledger.storage.application import LedgerApplication
from ledger.storage.page_reader import PageReader
from projections.rules.facts import LoggedEvent
from projections.runner.log import KIND_BY_TOPIC, LogReader, Row, decode_page, keys_held_for_replay

MIN_BACKLOG = 200_000  # below this, starting a process costs more than it saves
FRAME_EVENTS = 2_500  # the decoder sends pages of this size (~0.7 MB) ...
AHEAD = 2  # ... and may run up to this many batches ahead
FIRST_BATCH = 20_000  # batches double from this up to the batch size (see __iter__)
PIPE_BYTES = 1 << 20  # Linux's default most for an unprivileged process
PROTOCOL = 2  # bumped whenever the frames change: parent and child must agree
_FRAME = struct.Struct(">cQ")  # kind (P page, E error, D done), payload length
_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class LogSource:
    """What another process needs to open the same ledger's log."""

    database_url: str
    index_key: bytes = field(repr=False)
    master_key: bytes = field(repr=False)
    previous_master_keys: tuple[bytes, ...] = field(default=(), repr=False)
    encrypt: bool = True

    def open(self) -> LedgerApplication:
        return LedgerApplication(
            self.database_url,
            index_key=self.index_key,
            master_key=self.master_key,
            previous_master_keys=self.previous_master_keys,
            encrypt=self.encrypt,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "database_url": self.database_url,
            "index_key": self.index_key.hex(),
            "master_key": self.master_key.hex(),
            "previous_master_keys": [k.hex() for k in self.previous_master_keys],
            "encrypt": self.encrypt,
        }

    @classmethod
    def from_json(cls, found: dict[str, Any]) -> LogSource:
        return cls(
            found["database_url"],
            bytes.fromhex(found["index_key"]),
            bytes.fromhex(found["master_key"]),
            tuple(bytes.fromhex(k) for k in found["previous_master_keys"]),
            bool(found["encrypt"]),
        )


def worth_a_process(backlog: int) -> bool:
    return backlog >= MIN_BACKLOG and (os.cpu_count() or 1) >= 2


class DecoderFailed(Exception):
    """The decoder process stopped without finishing (the replay continues in-process)."""


class PipelinedLog:
    """Decoded pages of the log after ``after``, read and decoded by a child process.

    Iterate for ``(last notification id, notifications read, events)``;
    ``close()`` always (it stops the child).  Raises :class:`DecoderFailed`
    when the child fails or dies.
    """

    def __init__(self, source: LogSource, after: int, batch_size: int) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(_ROOT), *sys.path])}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "projections.runner.pipeline"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        _widen(self._process.stdout)
        self._out: IO[bytes] = self._process.stdout
        frame = min(FRAME_EVENTS, batch_size)
        order = {
            "protocol": PROTOCOL,
            "source": source.to_json(),
            "after": after,
            "page_size": frame,
        }
        try:
            self._process.stdin.write(orjson.dumps(order))
            self._process.stdin.close()
        except OSError:
            pass  # it died at once; reading says so
        self._ids: dict[str, UUID] = {}
        self._batch_size = batch_size
        # A thread drains the pipe (reading releases the GIL), so the decoder
        # keeps going while this process projects.
        self._frames: queue.Queue[tuple[bytes, bytes]] = queue.Queue(
            maxsize=AHEAD * max(1, batch_size // frame)
        )
        self._reader = threading.Thread(target=self._read_frames, daemon=True)
        self._reader.start()

    def __iter__(self) -> Iterator[tuple[int, int, list[LoggedEvent]]]:
        """Batches of ``FIRST_BATCH`` events, doubling up to the batch size.

        The projecting side waits for the first batch while the decoder fills
        it (a full 200,000-event batch kept it idle for five seconds); small
        batches first let it start almost at once, and the decoder gets ahead
        while it works.
        """
        last, count = 0, 0
        target = min(FIRST_BATCH, self._batch_size)
        events: list[LoggedEvent] = []
        while True:
            kind, payload = self._frames.get()
            if kind == b"E":
                raise DecoderFailed(payload.decode())
            if kind == b"D":
                if count:
                    yield last, count, events
                return
            try:
                last, read, decoded = self._events(payload)
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                raise DecoderFailed(f"a frame did not parse: {type(exc).__name__}") from None
            count += read
            events += decoded
            if count >= target:
                yield last, count, events
                count, events = 0, []
                target = min(target * 2, self._batch_size)

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait(timeout=30)
        while self._reader.is_alive():  # unblock it if the queue is full
            with contextlib.suppress(queue.Empty):
                self._frames.get_nowait()
            self._reader.join(timeout=0.05)
        self._out.close()

    def _read_frames(self) -> None:
        out, put = self._out, self._frames.put
        while True:
            head = out.read(_FRAME.size)
            if len(head) < _FRAME.size:
                put((b"E", b"the log decoder exited without finishing"))
                return
            kind, length = _FRAME.unpack(head)
            payload = out.read(length)
            if len(payload) < length:
                put((b"E", b"the log decoder exited part-way through a page"))
                return
            put((kind, payload))
            if kind in (b"D", b"E"):
                return

    def _events(self, message: bytes) -> tuple[int, int, list[LoggedEvent]]:
        return decoded_frame(message, self._ids)


def decoded_frame(message: bytes, ids: dict[str, UUID]) -> tuple[int, int, list[LoggedEvent]]:
    """A frame's (last position, rows read, events); ``ids`` caches the students' UUIDs."""
    last, count, students, columns = orjson.loads(message)
    for stream in students:
        if stream not in ids:
            ids[stream] = UUID(stream)
    positions, indices, sequences, kinds, occurred, recorded, data, where, provenance = columns
    # Column by column, so the per-event work runs in C (map, list, tuple.__new__).
    by_index = [ids[stream] for stream in students]
    events = list(
        map(
            LoggedEvent,
            positions,
            map(by_index.__getitem__, indices),
            sequences,
            kinds,
            map(date.fromisoformat, occurred),
            recorded,
            data,
            where,
            provenance,
        )
    )
    return int(last), int(count), events


def _widen(pipe: IO[bytes]) -> None:
    """Let the pipe hold a whole frame (Linux; elsewhere it keeps its size).

    The reading thread needs the GIL back after every read from the pipe, and
    gets it only when the projecting thread yields it (every few milliseconds):
    with the default 64 KiB a frame took ~50 such waits, which capped the
    pipeline below the decoder's own speed.
    """
    with contextlib.suppress(AttributeError, OSError):
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _send(out: IO[bytes], kind: bytes, payload: bytes) -> None:
    out.write(_FRAME.pack(kind, len(payload)))
    out.write(payload)
    out.flush()


def _encoded(last: int, count: int, events: Sequence[LoggedEvent]) -> bytes:
    """One frame: the page's students once, then the events column by column."""
    index: dict[UUID, int] = {}
    students = [index.setdefault(e.student_id, len(index)) for e in events]
    columns = [list(column) for column in zip(*events, strict=True)] if events else [[]] * 9
    columns[1] = students
    return orjson.dumps([last, count, list(index), columns])


def _frame(app: LedgerApplication, log: LogReader, reader: PageReader, rows: list[Row]) -> bytes:
    """One frame straight from a page's rows: what :func:`_encoded` sends for
    ``decode_page``'s events, without making a notification and an event per row."""
    kinds = KIND_BY_TOPIC
    kept = [row for row in rows if row[3] in kinds]  # not a future aggregate's, say
    documents = reader.read_rows([row[1:] for row in kept])
    if any(d is not None and "class_version" in d for d in documents):  # to upcast
        return _encoded(rows[-1][0], len(rows), decode_page(app, log.notifications(rows), reader))
    index: dict[Any, int] = {}
    events = [
        (
            row[0],
            index.setdefault(row[1], len(index)),
            row[2],
            kinds[row[3]],
            document["occurred_on"],
            document["timestamp"],
            document["data"],
            document.get("institution_id"),
            document.get("provenance"),
        )
        for row, document in zip(kept, documents, strict=True)
        if document is not None  # the student was erased
    ]
    columns = [list(column) for column in zip(*events, strict=True)] if events else [[]] * 9
    return orjson.dumps([rows[-1][0], len(rows), list(index), columns])


def decode_to(out: IO[bytes], source: LogSource, after: int, page_size: int) -> None:
    """The child's work: read pages after ``after`` until the log ends, decode, send."""
    try:
        app = source.open()
    except Exception as exc:  # reported to the parent, which carries on without us
        _send(
            out, b"E", f"the log decoder could not open the ledger: {type(exc).__name__}".encode()
        )
        return
    try:
        with keys_held_for_replay(app):
            log, reader = LogReader(app), PageReader(app.ledger_mapper)
            for rows in log.row_pages(after, page_size):
                _send(out, b"P", _frame(app, log, reader, rows))
        _send(out, b"D", b"")
    except BrokenPipeError:
        pass  # the parent stopped reading (it finished, or gave up on us)
    except Exception as exc:
        # Only the exception's type: messages of lower layers may quote row values.
        _send(out, b"E", f"the log decoder stopped: {type(exc).__name__}".encode())
    finally:
        app.close()


def main() -> None:
    order = orjson.loads(sys.stdin.buffer.read())
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the frames
    if order.get("protocol") != PROTOCOL:  # a parent from another version of the code
        _send(out, b"E", f"the log decoder speaks protocol {PROTOCOL}".encode())
        return
    decode_to(
        out, LogSource.from_json(order["source"]), int(order["after"]), int(order["page_size"])
    )


if __name__ == "__main__":
    main()
