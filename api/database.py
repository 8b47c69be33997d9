"""The SQLAlchemy engine for the edge's own tables (users, tokens, access log).

Same database as the event store, built from the same URL.  Tables are
created on start-up; ``create_all`` tolerates another process creating them
at the same moment (two API workers starting together).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.exc import IntegrityError, ProgrammingError

from ledger.storage.urls import sqlalchemy_url

metadata = MetaData()


def engine_for(database_url: str) -> Engine:
    url = sqlalchemy_url(database_url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    schema = query.pop("schema", [None])[0]
    connect_args = {"options": f"-csearch_path={schema}"} if schema else {}
    plain = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    return create_engine(plain, connect_args=connect_args, pool_pre_ping=True)


def _sqlite_pragmas(connection: object, _record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def create_tables(engine: Engine) -> None:
    try:
        metadata.create_all(engine)
    except (IntegrityError, ProgrammingError):
        # Another worker created them between our check and our CREATE.
        metadata.create_all(engine)
