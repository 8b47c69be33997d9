"""The deployment's keys: checked from settings in production, a local key file in development.

Production mode takes every key from its ``CAREERS_LEDGER_*`` setting and refuses
placeholders, short or low-entropy keys and a key used twice.  Development mode
creates a key file (mode 0600) beside the SQLite database on first use, so the
quick start needs no set-up.  Also the checkpoint signer, named by the log's origin.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

import orjson
from pydantic import SecretStr

from api.config import Settings
from ledger.domain.errors import FieldProblem, ValidationFailed
from ledger.domain.evidence.notes import NoteError, NoteSigner

PLACEHOLDERS = {"", "changeme", "change-me", "secret", "placeholder", "xxx", "todo"}
MIN_DISTINCT_BYTES = 16  # a random 32-byte key has ~30; "00..00" or "0123..ef" x4 has 1 or 8


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
    if len(set(key)) < MIN_DISTINCT_BYTES:
        raise _refuse(name, "looks like a placeholder (too few distinct bytes); use a random key")
    return key


def load_keys(settings: Settings) -> dict[str, bytes]:
    """The deployment's keys: from settings, else (development only) a local key file.

    Always ``index_key``, ``master_key`` and ``signing_key``; also
    ``previous_master_key`` when one is set (after a master key rotation).
    """
    keys = {
        "index_key": _hex_key("CAREERS_LEDGER_INDEX_KEY", settings.index_key),
        "master_key": _hex_key("CAREERS_LEDGER_MASTER_KEY", settings.master_key),
        "signing_key": _hex_key("CAREERS_LEDGER_SIGNING_KEY", settings.signing_key),
    }
    missing = [name for name, value in keys.items() if value is None]
    if missing and settings.mode == "production":
        names = ", ".join("CAREERS_LEDGER_" + m.upper() for m in missing)
        raise _refuse(names, "is required in production mode")
    stored = _read_or_create_key_file(settings.resolved_key_file()) if missing else {}
    loaded = {name: value if value is not None else stored[name] for name, value in keys.items()}
    if loaded["master_key"] == loaded["index_key"]:
        raise _refuse("CAREERS_LEDGER_MASTER_KEY", "must differ from CAREERS_LEDGER_INDEX_KEY")
    previous = _hex_key("CAREERS_LEDGER_PREVIOUS_MASTER_KEY", settings.previous_master_key)
    if previous is None and settings.master_key is None:
        previous = stored.get("previous_master_key")
    if previous is not None:
        loaded["previous_master_key"] = previous
    return loaded


def session_key(settings: Settings) -> bytes:
    """The key that seals the web pages' session cookies.

    ``CAREERS_LEDGER_SESSION_KEY`` when set; production refuses to run without
    it.  In development it is derived from the key file's index key, so a
    restart keeps everyone signed in and no new secret has to be kept.
    """
    configured = _hex_key("CAREERS_LEDGER_SESSION_KEY", settings.session_key)
    if configured is not None:
        return configured
    if settings.mode == "production":
        raise _refuse("CAREERS_LEDGER_SESSION_KEY", "is required in production mode")
    index_key = load_keys(settings)["index_key"]
    return hmac.new(index_key, b"careers-ledger/pages-session/v1", hashlib.sha256).digest()


def new_master_key(settings: Settings, current_master_key: bytes) -> bytes:
    """The master key a rotation moves to.

    ``CAREERS_LEDGER_NEW_MASTER_KEY`` when set.  Otherwise, only in development
    mode with the master key kept in the key file, a fresh random key, written
    to the key file (the old one kept as ``previous_master_key``) *before* any
    student key is re-wrapped, so a crash at any point leaves every key readable.
    """
    given = _hex_key("CAREERS_LEDGER_NEW_MASTER_KEY", settings.new_master_key)
    if given is not None:
        return given
    if settings.mode == "production" or settings.master_key is not None:
        raise _refuse(
            "CAREERS_LEDGER_NEW_MASTER_KEY", "is required to rotate a configured master key"
        )
    path = settings.resolved_key_file()
    stored = _read_or_create_key_file(path)
    created = secrets.token_bytes(32)
    _write_key_file(
        path, {**stored, "master_key": created, "previous_master_key": current_master_key}
    )
    return created


def _write_key_file(path: Path, keys: dict[str, bytes]) -> None:
    """Replace the key file atomically (write a sibling, fsync, rename)."""
    replacement = path.with_name(path.name + ".new")
    fd = os.open(replacement, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(orjson.dumps({k: v.hex() for k, v in keys.items()}))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(replacement, path)


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
        _write_key_file(path, stored)
        return stored
    created = {name: secrets.token_bytes(32) for name in KEY_FILE_KEYS}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(orjson.dumps({k: v.hex() for k, v in created.items()}))
    return created


def signer_for(settings: Settings, keys: Mapping[str, bytes]) -> NoteSigner:
    """The checkpoint signer: the configured key, named by the log's origin."""
    seed = keys["signing_key"]
    if len(seed) != 32:
        raise ValidationFailed(
            "CAREERS_LEDGER_SIGNING_KEY: must be exactly 32 bytes (an Ed25519 seed)",
            (FieldProblem("CAREERS_LEDGER_SIGNING_KEY", "must be exactly 32 bytes"),),
        )
    origin = settings.log_origin
    if origin is None:
        if settings.mode == "production":
            raise ValidationFailed(
                "CAREERS_LEDGER_LOG_ORIGIN: is required in production mode",
                (FieldProblem("CAREERS_LEDGER_LOG_ORIGIN", "is required in production mode"),),
            )
        public = NoteSigner("development", seed).verifier.public_key
        origin = "careers-ledger.localhost/dev-" + hashlib.sha256(public).hexdigest()[:12]
    try:
        return NoteSigner(origin, seed)
    except NoteError as exc:
        field_name = "CAREERS_LEDGER_LOG_ORIGIN"
        raise ValidationFailed(
            f"{field_name}: {exc}", (FieldProblem(field_name, str(exc)),)
        ) from None
