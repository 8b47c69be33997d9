"""The SQLite ledger file holds personal data: only its owner may read it, like the key file."""

from __future__ import annotations

import stat
from pathlib import Path

from api.bootstrap import build
from api.config import Settings
from ledger.domain.clock import SimulatedClock
from tests.api_support import SCHOOL_A, register


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_ledger_and_its_wal_files_are_readable_by_their_owner_only(
    tmp_path: Path, clock: SimulatedClock
) -> None:
    database = tmp_path / "ledger.db"
    settings = Settings(database_url=f"sqlite:///{database}", key_file=tmp_path / "test.keys")
    ledger = build(settings, clock)
    try:
        register(ledger, SCHOOL_A)
        assert _mode(database) == 0o600
        assert _mode(tmp_path / "test.keys") == 0o600
        for companion in (tmp_path / "ledger.db-wal", tmp_path / "ledger.db-shm"):
            assert _mode(companion) == 0o600, companion.name
    finally:
        ledger.close()
