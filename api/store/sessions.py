"""The pages' signed-in sessions, kept on the server so signing out ends them at once.

The cookie (``api/pages/session.py``) carries a random session id; only its
SHA-256 digest is stored here, with the user, the digest of the token the person
signed in with, and when the session expires or ended.  A page opens only while
its row is live, so a cookie copied before sign-out, or after the user was
revoked, opens nothing.  Rows hold no personal data (ids and digests).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)

from api.store.database import metadata

sessions_table = Table(
    "api_page_sessions",
    metadata,
    Column("session_sha256", String(64), primary_key=True),
    Column("user_id", String(36), nullable=False, index=True),
    Column("token_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class SessionStore:
    """Starts, checks and ends page sessions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def start(self, user_id: str, token: str, lifetime: timedelta) -> str:
        """A new session id for ``user_id`` (shown once, in the sealed cookie)."""
        session_id = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            # Old rows are no use to anyone: sweep them as new sessions start.
            connection.execute(delete(sessions_table).where(sessions_table.c.expires_at < now))
            connection.execute(
                insert(sessions_table).values(
                    session_sha256=_digest(session_id),
                    user_id=user_id,
                    token_sha256=_digest(token),
                    created_at=now,
                    expires_at=now + lifetime,
                )
            )
        return session_id

    def is_live(self, session_id: str, token: str) -> bool:
        """True while the session was neither ended nor expired, for this very token."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(
                    sessions_table.c.token_sha256,
                    sessions_table.c.expires_at,
                    sessions_table.c.ended_at,
                ).where(sessions_table.c.session_sha256 == _digest(session_id))
            ).first()
        if row is None or row.ended_at is not None:
            return False
        return row.token_sha256 == _digest(token) and _utc(row.expires_at) > datetime.now(UTC)

    def end(self, session_id: str) -> None:
        """Sign out: the session opens nothing from now on, whoever holds the cookie."""
        with self.engine.begin() as connection:
            connection.execute(
                update(sessions_table)
                .where(
                    sessions_table.c.session_sha256 == _digest(session_id),
                    sessions_table.c.ended_at.is_(None),
                )
                .values(ended_at=datetime.now(UTC))
            )

    def end_all_of(self, user_id: str) -> None:
        """End every session of a user (their revocation)."""
        with self.engine.begin() as connection:
            end_all(connection, user_id, datetime.now(UTC))

    def live_count(self, user_id: str) -> int:
        now = datetime.now(UTC)
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(sessions_table.c.expires_at).where(
                    sessions_table.c.user_id == user_id, sessions_table.c.ended_at.is_(None)
                )
            ).all()
        return sum(1 for row in rows if _utc(row.expires_at) > now)


def end_all(connection: Connection, user_id: str, now: datetime) -> None:
    """End a user's sessions inside the caller's transaction (``TokenStore.revoke``)."""
    connection.execute(
        update(sessions_table)
        .where(sessions_table.c.user_id == user_id, sessions_table.c.ended_at.is_(None))
        .values(ended_at=now)
    )
