"""`careers-ledger keys`: rotating the master key from the command line, on each backend.

The key configuration rules themselves need no database: tests/unit/test_encryption_keys.py.
"""

from __future__ import annotations

import orjson
import pytest
from typer.testing import CliRunner

from api.bootstrap import Ledger, build
from api.cli.main import app as cli
from api.config import Settings
from api.store.keys import load_keys
from ledger.domain.clock import SimulatedClock
from ledger.storage.crypto import MasterKey
from tests import factories


def test_the_rotate_command_in_development_moves_to_a_new_key_and_keeps_every_record_readable(
    ledger: Ledger,
    settings: Settings,
    clock: SimulatedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    student = ledger.service.register_student(factories.registration()).student_id
    before = {r.sequence: r.state for r in ledger.app.iter_audit_rows()}
    old = load_keys(settings)["master_key"]
    monkeypatch.setenv("CAREERS_LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CAREERS_LEDGER_KEY_FILE", str(settings.resolved_key_file()))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    rotated = runner.invoke(cli, ["keys", "rotate-master"])

    assert rotated.exit_code == 0, rotated.output
    assert "re-wrapped 1 student keys" in rotated.output
    stored = orjson.loads(settings.resolved_key_file().read_bytes())
    new = bytes.fromhex(stored["master_key"])
    assert new != old
    assert bytes.fromhex(stored["previous_master_key"]) == old
    assert old.hex() not in rotated.output
    assert new.hex() not in rotated.output
    assert {r.sequence: r.state for r in ledger.app.iter_audit_rows()} == before
    status = runner.invoke(cli, ["keys", "status"])
    assert f"{MasterKey(new).kek_id} (current)" in status.output
    reopened = build(settings, clock)
    try:
        assert reopened.service.history(student).entries[0].data["family_name"] == "Okafor"
        assert reopened.app.keyring.kek_id == MasterKey(new).kek_id
    finally:
        reopened.close()
