"""Master key configuration: refused when missing or a placeholder, rotated without rewrites.

The `keys rotate-master` command on a real ledger: tests/e2e/test_keys_cli.py.
"""

from __future__ import annotations

import secrets
import stat
from pathlib import Path

import pytest

from api.config import Settings
from api.store.keys import load_keys, new_master_key
from ledger.domain.errors import ValidationFailed

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
