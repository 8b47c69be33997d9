"""Users and their bearer tokens, in the ledger's own database.

A token is shown once, when it is issued; only its SHA-256 digest is stored,
so a copy of the database cannot be used to sign in.  Users carry ids, a role
and a scope; the optional label is for staff to recognise a user ("Year 11
adviser, laptop 2") and must not hold a student's personal data.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    ForeignKey,
    String,
    Table,
    bindparam,
    insert,
    select,
    update,
)

from api.store.database import metadata
from api.store.sessions import end_all
from ledger.domain.access import Actor
from ledger.domain.errors import FieldProblem, ValidationFailed
from ledger.domain.vocabulary import Role

TOKEN_PREFIX = "clt_"  # noqa: S105 (a marker, not a secret)
INSTITUTION_PATTERN = re.compile(r"^(\d{6}|\d{8})$")
USER_ROLES = tuple(role for role in Role if role is not Role.SYSTEM)

users_table = Table(
    "api_users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("institution_id", String(16), nullable=False),
    Column("student_id", String(36)),
    Column("label", String(100)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

tokens_table = Table(
    "api_tokens",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("user_id", String(36), ForeignKey("api_users.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)


# Built once: constructing and compiling the join on every request cost more than
# the lookup itself (each request is authenticated against the table, never a cache,
# so a revocation holds from the next request in every process).
_ACTOR_OF_TOKEN = (
    select(
        users_table.c.id, users_table.c.role, users_table.c.institution_id, users_table.c.student_id
    )
    .join(tokens_table, tokens_table.c.user_id == users_table.c.id)
    .where(
        tokens_table.c.token_sha256 == bindparam("digest"),
        tokens_table.c.revoked_at.is_(None),
        users_table.c.revoked_at.is_(None),
    )
)


@dataclass(frozen=True)
class User:
    id: str
    role: Role
    institution_id: str
    student_id: UUID | None
    label: str | None
    created_at: datetime
    revoked_at: datetime | None

    def actor(self) -> Actor:
        return Actor(self.id, self.role, self.institution_id, self.student_id)


@dataclass(frozen=True)
class IssuedToken:
    user: User
    token: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    """Issues, resolves and revokes bearer tokens; an ``Authenticator``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_user(
        self,
        role: Role | str,
        institution_id: str,
        *,
        student_id: UUID | None = None,
        label: str | None = None,
    ) -> IssuedToken:
        role = _role(role)
        _check_scope(role, institution_id, student_id, label)
        now = datetime.now(UTC)
        user = User(str(uuid.uuid4()), role, institution_id, student_id, label, now, None)
        with self.engine.begin() as connection:
            connection.execute(
                insert(users_table).values(
                    id=user.id,
                    role=role.value,
                    institution_id=institution_id,
                    student_id=str(student_id) if student_id else None,
                    label=label,
                    created_at=now,
                )
            )
        return IssuedToken(user, self.issue_token(user.id))

    def issue_token(self, user_id: str) -> str:
        """A further token for an active user (rotation); the old ones stay valid until revoked."""
        user = self.get_user(user_id)
        if user is None or user.revoked_at is not None:
            raise ValidationFailed(
                "user: no active user with this id", (FieldProblem("user", "no active user"),)
            )
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(
                insert(tokens_table).values(
                    token_sha256=digest(token), user_id=user_id, created_at=datetime.now(UTC)
                )
            )
        return token

    def revoke(self, user_id: str) -> bool:
        """Revoke the user, every token they hold and every page session they have open.

        False when there is no such active user.
        """
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            revoked = connection.execute(
                update(users_table)
                .where(users_table.c.id == user_id, users_table.c.revoked_at.is_(None))
                .values(revoked_at=now)
            ).rowcount
            connection.execute(
                update(tokens_table)
                .where(tokens_table.c.user_id == user_id, tokens_table.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            end_all(connection, user_id, now)
        return bool(revoked)

    def users(self) -> list[User]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(users_table).order_by(users_table.c.created_at, users_table.c.id)
            ).all()
        return [_user(row) for row in rows]

    def get_user(self, user_id: str) -> User | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(users_table).where(users_table.c.id == user_id)).first()
        return _user(row) if row else None

    def actor_for(self, credential: str) -> Actor | None:
        if not credential.startswith(TOKEN_PREFIX) or len(credential) > 200:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(_ACTOR_OF_TOKEN, {"digest": digest(credential)}).first()
        if row is None:
            return None
        user_id, role, institution_id, student_id = row
        return Actor(user_id, Role(role), institution_id, UUID(student_id) if student_id else None)


def _role(value: Role | str) -> Role:
    try:
        role = Role(value)
    except ValueError:
        role = Role.SYSTEM
    if role is Role.SYSTEM:
        names = ", ".join(r.value for r in USER_ROLES)
        raise ValidationFailed(f"role: must be one of {names}", (FieldProblem("role", names),))
    return role


def _check_scope(
    role: Role, institution_id: str, student_id: UUID | None, label: str | None
) -> None:
    problems = []
    if not INSTITUTION_PATTERN.match(institution_id):
        problems.append(FieldProblem("institution", "must be a 6-digit URN or 8-digit UKPRN"))
    if role is Role.STUDENT and student_id is None:
        problems.append(FieldProblem("student", "a student user needs the student's id"))
    if role is not Role.STUDENT and student_id is not None:
        problems.append(FieldProblem("student", "only student users are bound to a student"))
    if label is not None and not 1 <= len(label) <= 100:
        problems.append(FieldProblem("label", "must be 1-100 characters"))
    if problems:
        detail = "; ".join(f"{p.field}: {p.reason}" for p in problems)
        raise ValidationFailed(detail, tuple(problems))


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _user(row: object) -> User:
    data = row._mapping  # type: ignore[attr-defined]
    created = _utc(data["created_at"])
    assert created is not None
    return User(
        id=data["id"],
        role=Role(data["role"]),
        institution_id=data["institution_id"],
        student_id=UUID(data["student_id"]) if data["student_id"] else None,
        label=data["label"],
        created_at=created,
        revoked_at=_utc(data["revoked_at"]),
    )
