"""Typed settings, read once at the edge (``CAREERS_LEDGER_*`` environment variables).

The keys they name are checked and loaded by :mod:`api.store.keys` (which also
keeps the development key file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.storage.urls import sqlite_path


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
    previous_master_key: SecretStr | None = Field(
        default=None,
        description="The master key before the last rotation, kept while processes restart",
    )
    new_master_key: SecretStr | None = Field(
        default=None, description="Read only by `careers-ledger keys rotate-master`"
    )
    signing_key: SecretStr | None = Field(
        default=None, description="Hex Ed25519 seed that signs log checkpoints (production)"
    )
    session_key: SecretStr | None = Field(
        default=None,
        description="Hex key sealing the web pages' session cookies (required in production)",
    )
    log_origin: str | None = Field(
        default=None,
        description="Checkpoint origin, a schema-less URL naming this log (required in production)",
    )
    max_body_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=1024,
        description="Largest request body (bytes); larger answers 413 while it streams in",
    )
    max_upload_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1024,
        description="Largest upload body (bytes): the MIS and record imports, the pages' import",
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
