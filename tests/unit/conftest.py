"""The unit tier: no database at all, so it runs in seconds.

A unit test that opens a database (SQLite or PostgreSQL, directly or through a
ledger) fails, naming the tier it belongs in.
"""

from __future__ import annotations

import sqlite3
from typing import NoReturn

import psycopg
import pytest

WHERE_INSTEAD = "a unit test opens no database: move it to tests/integration (or tests/e2e)"


def _refuse(*args: object, **kwargs: object) -> NoReturn:
    raise AssertionError(WHERE_INSTEAD)


@pytest.fixture(autouse=True)
def no_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite3, "connect", _refuse)
    monkeypatch.setattr(psycopg, "connect", _refuse)
    monkeypatch.setattr(psycopg.Connection, "connect", _refuse)
