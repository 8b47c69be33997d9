"""Shared fixtures: every storage contract runs on SQLite and, given a URL, PostgreSQL.

Set ``CAREERS_LEDGER_TEST_POSTGRES_URL`` (CI does) to run the PostgreSQL half;
each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from api.bootstrap import Ledger, build
from api.config import Settings
from ledger.domain.clock import SimulatedClock

POSTGRES_URL = os.environ.get("CAREERS_LEDGER_TEST_POSTGRES_URL", "")
START = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)


def _libpq(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1].split("?", 1)[0]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty ledger database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("CAREERS_LEDGER_TEST_POSTGRES_URL is not set")
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(_libpq(POSTGRES_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}schema={schema}"
    with psycopg.connect(_libpq(POSTGRES_URL), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, key_file=tmp_path / "test.keys")


@pytest.fixture
def ledger(settings: Settings, clock: SimulatedClock) -> Iterator[Ledger]:
    built = build(settings, clock)
    yield built
    built.close()


@pytest.fixture
def quiet_ledger(settings: Settings, clock: SimulatedClock) -> Iterator[Ledger]:
    """A ledger whose appends are not projected in-process (a worker's job)."""
    built = build(settings.model_copy(update={"project_in_process": False}), clock)
    yield built
    built.close()
