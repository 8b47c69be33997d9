"""Trusted origins: which other deployments' logs this one accepts records from.

A transition bundle names its origin (the exporting ledger's log name) and is
signed by that log's Ed25519 key.  Only a key added here, deliberately, by
someone running ``careers-ledger trust add ORIGIN KEYFILE``, is accepted for
an origin; the key a bundle carries inside itself is never trusted on its own
say-so.  Each origin also remembers the largest checkpoint seen from it, so a
later bundle from a rolled-back or forked log is caught.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from ledger.domain.errors import FieldProblem, ValidationFailed
from ledger.domain.evidence.notes import Checkpoint, NoteError, NoteVerifier
from ledger.service.imports.transition import TrustedOrigin

trust_metadata = MetaData()
trusted_origins = Table(
    "trusted_origins",
    trust_metadata,
    Column("origin", String(255), primary_key=True),
    Column("vkey", Text, nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("last_checkpoint", Text),
    Column("last_size", BigInteger),
)


class TrustRefused(ValidationFailed):
    code = "trust_refused"
    title = "The key cannot be trusted for this origin"


def _refuse(field: str, reason: str) -> TrustRefused:
    return TrustRefused(f"{field}: {reason}", (FieldProblem(field, reason),))


class TrustStore:
    """The deployment's trusted origins, kept in its own database beside the ledger.

    The transition import reads it through the ``TrustedOrigins`` port
    (``ledger.service.imports.transition``); this is the SQL adapter.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        try:
            trust_metadata.create_all(engine)
        except (IntegrityError, ProgrammingError, OperationalError):
            trust_metadata.create_all(engine)  # another process created it meanwhile

    def add(self, origin: str, vkey: str, now: datetime, *, replace: bool = False) -> TrustedOrigin:
        """Trust ``vkey`` for ``origin``; a different key for a known origin needs ``replace``."""
        try:
            verifier = NoteVerifier.from_vkey(vkey)
        except NoteError as exc:
            raise _refuse("KEYFILE", str(exc)) from None
        if verifier.name != origin:
            raise _refuse("ORIGIN", f"the key signs for {verifier.name}, not for {origin}")
        existing = self.get(origin)
        if existing is not None and existing.vkey == verifier.vkey:
            return existing
        if existing is not None and not replace:
            raise _refuse("ORIGIN", "already trusted with another key; pass --replace to rotate")
        row = {
            "origin": origin,
            "vkey": verifier.vkey,
            "key_id": verifier.key_id.hex(),
            "added_at": now,
            "last_checkpoint": None,
            "last_size": None,
        }
        with self.engine.begin() as connection:
            if existing is not None:
                connection.execute(
                    delete(trusted_origins).where(trusted_origins.c.origin == origin)
                )
            connection.execute(insert(trusted_origins).values(**row))
        found = self.get(origin)
        assert found is not None
        return found

    def remove(self, origin: str) -> bool:
        with self.engine.begin() as connection:
            result = connection.execute(
                delete(trusted_origins).where(trusted_origins.c.origin == origin)
            )
        return bool(result.rowcount)

    def get(self, origin: str) -> TrustedOrigin | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(trusted_origins).where(trusted_origins.c.origin == origin)
            ).first()
        return None if row is None else _origin(row)

    def all(self) -> list[TrustedOrigin]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(trusted_origins).order_by(trusted_origins.c.origin))
            return [_origin(row) for row in rows]

    def saw(self, checkpoint: Checkpoint) -> None:
        """Remember the largest verified checkpoint of an origin."""
        t = trusted_origins
        with self.engine.begin() as connection:
            connection.execute(
                update(t)
                .where(t.c.origin == checkpoint.origin)
                .where((t.c.last_size.is_(None)) | (t.c.last_size < checkpoint.size))
                .values(last_checkpoint=checkpoint.note, last_size=checkpoint.size)
            )


def _origin(row: object) -> TrustedOrigin:
    return TrustedOrigin(
        origin=row.origin,  # type: ignore[attr-defined]
        vkey=row.vkey,  # type: ignore[attr-defined]
        key_id=row.key_id,  # type: ignore[attr-defined]
        added_at=row.added_at,  # type: ignore[attr-defined]
        last_checkpoint=row.last_checkpoint,  # type: ignore[attr-defined]
        last_size=row.last_size,  # type: ignore[attr-defined]
    )
