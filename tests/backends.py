"""The test databases: where PostgreSQL is, the test clock's start, and a fresh schema.

``CAREERS_LEDGER_TEST_POSTGRES_URL`` names a PostgreSQL database (CI sets it); every
test that uses it gets a schema of its own, named after the pytest-xdist worker and a
random suffix so parallel workers never share one, and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg

POSTGRES_URL = os.environ.get("CAREERS_LEDGER_TEST_POSTGRES_URL", "")
START = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)


def libpq(url: str) -> str:
    """The SQLAlchemy URL as psycopg wants it: plain scheme, no query."""
    return "postgresql://" + url.split("://", 1)[1].split("?", 1)[0]


def schema_name(prefix: str) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{prefix}_{worker}_{uuid.uuid4().hex[:12]}"


@contextmanager
def postgres_schema(prefix: str) -> Iterator[str]:
    """A URL of ``POSTGRES_URL`` pointing at a new, empty schema, dropped on the way out."""
    schema = schema_name(prefix)
    with psycopg.connect(libpq(POSTGRES_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}schema={schema}"
    finally:
        with psycopg.connect(libpq(POSTGRES_URL), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
