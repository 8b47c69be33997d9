"""The SQLAlchemy engine for the edge's own tables (users, tokens, access log).

Same database as the event store, built from the same URL.  Tables are
created on start-up; ``create_all`` tolerates another process creating them
at the same moment (two API workers starting together).
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.exc import IntegrityError, ProgrammingError

from ledger.storage.urls import sqlalchemy_url, sqlite_path

metadata = MetaData()


def create_private_sqlite_file(database_url: str) -> None:
    """Create a new SQLite ledger file readable and writable by its owner only (0600).

    Like the key file: the database holds personal data (encrypted, but with its index).
    It is created here, before the event store's library or SQLAlchemy opens it, because
    they would create it with the process umask (usually 0644).  SQLite gives the -wal and
    -shm files the main file's mode.  An existing file is left as it is; PostgreSQL has
    no file.
    """
    if not sqlalchemy_url(database_url).startswith("sqlite"):
        return
    path = sqlite_path(database_url)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except (FileExistsError, FileNotFoundError):
        return  # an existing ledger, or no such folder (the store's own error says so)
    os.close(descriptor)


def engine_for(database_url: str, *, durable: bool = True) -> Engine:
    """An engine on the ledger's database; on SQLite ``durable`` picks synchronous=FULL.

    The edge's tables (tokens, access log) need FULL: a revocation or a logged read
    must survive a power cut.  Projections do not: in WAL mode synchronous=NORMAL
    never corrupts and commits survive a process crash; a power cut can only roll the
    read side back a few transactions, positions with their rows, and it catches up
    from the (FULL-durable) event log.  That halves the disk waits of an append.
    """
    url = sqlalchemy_url(database_url)
    if url.startswith("sqlite"):
        # hide_parameters: a failing statement's message must never carry row values
        # (projection rows and tokens hold personal data).
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas if durable else _sqlite_read_side)
        return engine
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    schema = query.pop("schema", [None])[0]
    connect_args = {"options": f"-csearch_path={schema}"} if schema else {}
    plain = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    return create_engine(plain, connect_args=connect_args, pool_pre_ping=True, hide_parameters=True)


def _sqlite_pragmas(connection: object, _record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_read_side(connection: object, _record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")  # an erased student's projected rows leave no trace
    cursor.close()


def read_side_engine(database_url: str, durable: Engine) -> Engine:
    """The projections' engine: a NORMAL-sync one on SQLite, the durable one elsewhere."""
    if durable.dialect.name != "sqlite":
        return durable
    return engine_for(database_url, durable=False)


def create_tables(engine: Engine) -> None:
    try:
        metadata.create_all(engine)
    except (IntegrityError, ProgrammingError):
        # Another worker created them between our check and our CREATE.
        metadata.create_all(engine)
