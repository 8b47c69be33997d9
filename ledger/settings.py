"""Typed settings, read once at the edge (``CAREERS_LEDGER_*`` environment variables)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

import orjson
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import FieldProblem, ValidationFailed
from .storage.urls import sqlite_path

PLACEHOLDERS = {"", "changeme", "change-me", "secret", "placeholder", "xxx", "todo"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAREERS_LEDGER_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///careers-ledger.db",
        description="sqlite:///path.db (default, embedded) or postgresql+psycopg://user@host/db",
    )
    mode: Literal["development", "production"] = "development"
    key_file: Path | None = Field(
        default=None,
        description="Development key file; created beside the SQLite file when missing",
    )
    index_key: SecretStr | None = Field(
        default=None, description="Hex key for identifier digests (required in production)"
    )
    master_key: SecretStr | None = Field(
        default=None, description="Hex master key wrapping per-student keys (production)"
    )
    signing_key: SecretStr | None = Field(
        default=None, description="Hex Ed25519 seed that signs log checkpoints (production)"
    )
    log_origin: str | None = Field(
        default=None,
        description="Checkpoint origin, a schema-less URL naming this log (required in production)",
    )
    project_in_process: bool = Field(
        default=True, description="Bring projections up to date after each append"
    )

    def resolved_key_file(self) -> Path:
        if self.key_file is not None:
            return self.key_file
        if self.database_url.startswith("sqlite"):
            return Path(sqlite_path(self.database_url) + ".keys")
        return Path("careers-ledger.keys")


def _refuse(name: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{name}: {reason}", (FieldProblem(name, reason),))


def _hex_key(name: str, secret: SecretStr | None) -> bytes | None:
    if secret is None:
        return None
    value = secret.get_secret_value().strip()
    if value.lower() in PLACEHOLDERS:
        raise _refuse(name, "is a placeholder; set a real random key")
    try:
        key = bytes.fromhex(value)
    except ValueError:
        raise _refuse(name, "must be hex") from None
    if len(key) < 32:
        raise _refuse(name, "must be at least 32 bytes (64 hex characters)")
    return key


def load_keys(settings: Settings) -> dict[str, bytes]:
    """The deployment's keys: from settings, else (development only) a local key file."""
    keys = {
        "index_key": _hex_key("CAREERS_LEDGER_INDEX_KEY", settings.index_key),
        "master_key": _hex_key("CAREERS_LEDGER_MASTER_KEY", settings.master_key),
        "signing_key": _hex_key("CAREERS_LEDGER_SIGNING_KEY", settings.signing_key),
    }
    missing = [name for name, value in keys.items() if value is None]
    if not missing:
        return {k: v for k, v in keys.items() if v is not None}
    if settings.mode == "production":
        names = ", ".join("CAREERS_LEDGER_" + m.upper() for m in missing)
        raise _refuse(names, "is required in production mode")
    stored = _read_or_create_key_file(settings.resolved_key_file())
    return {name: value if value is not None else stored[name] for name, value in keys.items()}


KEY_FILE_KEYS = ("index_key", "master_key", "signing_key")


def _read_or_create_key_file(path: Path) -> dict[str, bytes]:
    if path.exists():
        raw = orjson.loads(path.read_bytes())
        stored = {name: bytes.fromhex(value) for name, value in raw.items()}
        missing = [name for name in KEY_FILE_KEYS if name not in stored]
        if not missing:
            return stored
        # A key file from an older version gains the keys added since, and keeps its own.
        stored.update({name: secrets.token_bytes(32) for name in missing})
        replacement = path.with_name(path.name + ".new")
        fd = os.open(replacement, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(orjson.dumps({k: v.hex() for k, v in stored.items()}))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(replacement, path)
        return stored
    created = {name: secrets.token_bytes(32) for name in KEY_FILE_KEYS}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(orjson.dumps({k: v.hex() for k, v in created.items()}))
    return created
