"""Master key configuration: refused when missing or a placeholder, rotated without rewrites."""

from __future__ import annotations

import secrets
import stat
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from api.bootstrap import Ledger, build
from api.cli.main import app as cli
from api.config import Settings, load_keys, new_master_key
from ledger.domain.clock import SimulatedClock
from ledger.domain.errors import ValidationFailed
from ledger.storage.crypto import MasterKey
from tests import factories

GOOD = {
    "index_key": secrets.token_hex(32),
    "master_key": secrets.token_hex(32),
    "signing_key": secrets.token_hex(32),
}


def production(**keys: str | None) -> Settings:
    chosen = {**GOOD, **keys}
    return Settings(
        mode="production",
        database_url="postgresql+psycopg://ledger@db/ledger",
        **{name: value for name, value in chosen.items() if value is not None},  # type: ignore[arg-type]
    )


def test_production_mode_refuses_to_start_without_a_master_key() -> None:
    with pytest.raises(ValidationFailed) as refused:
        load_keys(production(master_key=None))
    assert refused.value.problems[0].field == "CAREERS_LEDGER_MASTER_KEY"
    assert "required in production" in refused.value.detail


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("changeme", "placeholder"),
        ("", "placeholder"),
        ("00" * 32, "too few distinct bytes"),
        ("ab" * 32, "too few distinct bytes"),
        ("0123456789abcdef" * 4, "too few distinct bytes"),
        ("not-hex-at-all", "must be hex"),
        ("9d854bb96fd97797e8cbf35ac6838e20", "at least 32 bytes"),  # 16 bytes, varied
    ],
)
def test_a_placeholder_or_weak_master_key_is_refused_without_echoing_it(
    value: str, reason: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        load_keys(production(master_key=value))
    assert refused.value.problems[0].field == "CAREERS_LEDGER_MASTER_KEY"
    assert reason in refused.value.detail
    if value:
        assert value not in refused.value.detail


def test_the_master_key_must_differ_from_the_index_key() -> None:
    same = secrets.token_hex(32)
    with pytest.raises(ValidationFailed, match="must differ"):
        load_keys(production(master_key=same, index_key=same))


def test_production_mode_accepts_configured_keys_and_writes_no_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    keys = load_keys(production())
    assert keys["master_key"] == bytes.fromhex(GOOD["master_key"])
    assert "previous_master_key" not in keys
    assert list(tmp_path.iterdir()) == []


def test_development_mode_creates_a_private_key_file_once(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'dev.db'}")
    first = load_keys(settings)
    path = settings.resolved_key_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keys(settings) == first
    assert len(first["master_key"]) == 32
    assert first["master_key"] != first["index_key"]


def test_rotation_needs_a_new_key_when_the_master_key_is_configured(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as refused:
        new_master_key(production(), bytes.fromhex(GOOD["master_key"]))
    assert refused.value.problems[0].field == "CAREERS_LEDGER_NEW_MASTER_KEY"
    given = secrets.token_hex(32)
    assert new_master_key(production(new_master_key=given), b"") == bytes.fromhex(given)


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
