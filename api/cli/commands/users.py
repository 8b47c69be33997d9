"""``careers-ledger users create|list|token|revoke``: API users and their bearer tokens."""

from __future__ import annotations

from uuid import UUID

import typer
from rich.table import Column, Table

from api.cli.commands.common import opened_ledger
from api.cli.console import console, err_console

DATABASE = typer.Option(None, help="Overrides CAREERS_LEDGER_DATABASE_URL")


def register(app: typer.Typer) -> None:
    users = typer.Typer(help="API users and bearer tokens (printed once, stored hashed).")
    app.add_typer(users, name="users")

    @users.command("create")
    def create(
        role: str = typer.Option(
            ..., help="student, adviser, careers_leader, auditor or data_protection_officer"
        ),
        institution: str = typer.Option(..., help="The URN or UKPRN the user is scoped to"),
        student: str | None = typer.Option(None, help="Student users: the student's ledger id"),
        label: str | None = typer.Option(None, help="How staff recognise the user (no pupil data)"),
        database_url: str | None = DATABASE,
    ) -> None:
        """Create a user scoped to an institution and print their first token once."""
        from ledger.domain.access import Actor
        from ledger.domain.vocabulary import Role

        with opened_ledger(database_url) as ledger:
            student_id = _student_id(student)
            if student_id is not None:
                # The student must be visible from that institution, as the API will check.
                ledger.service.version_of(student_id, actor=Actor("cli", Role.ADVISER, institution))
            issued = ledger.tokens.create_user(
                role, institution, student_id=student_id, label=label
            )
        console.print(f"user  {issued.user.id}  ({issued.user.role.value}, {institution})")
        err_console.print("token (shown once; store it now):")
        typer.echo(issued.token)

    @users.command("token")
    def token(user_id: str, database_url: str | None = DATABASE) -> None:
        """Issue a further token for an active user (for rotation)."""
        with opened_ledger(database_url) as ledger:
            issued = ledger.tokens.issue_token(user_id)
        err_console.print("token (shown once; store it now):")
        typer.echo(issued)

    @users.command("list")
    def list_users(database_url: str | None = DATABASE) -> None:
        """List users with role, scope and whether they are revoked (tokens are never shown)."""
        with opened_ledger(database_url) as ledger:
            found = ledger.tokens.users()
        from api.render.labels import role_label

        # 77 columns: a user id (36 characters, to copy into users token|revoke) fills its
        # column's width, so it never wraps; the label and a student user's student id go
        # under it, the revocation under the creation.
        table = Table(
            Column("User", overflow="fold", width=36),
            Column("Role", overflow="fold", width=10),
            Column("URN or UKPRN", overflow="fold", width=8),
            Column("Created, revoked", overflow="fold", width=10),
            title="Users (tokens are never shown)",
        )
        for user in found:
            who = [user.id]
            if user.label:
                who.append(user.label)
            if user.student_id:
                who += ["for student", str(user.student_id)]
            when = [user.created_at.strftime("%Y-%m-%d %H:%M")]
            if user.revoked_at:
                when.append(f"revoked {user.revoked_at.strftime('%Y-%m-%d %H:%M')}")
            table.add_row(
                "\n".join(who),
                role_label(user.role.value),
                user.institution_id,
                "\n".join(when),
            )
        console.print(table)

    @users.command("revoke")
    def revoke(user_id: str, database_url: str | None = DATABASE) -> None:
        """Revoke a user and every token they hold, effective on the next request."""
        with opened_ledger(database_url) as ledger:
            revoked = ledger.tokens.revoke(user_id)
        if not revoked:
            err_console.print("[red]error:[/red] no active user with this id")
            raise typer.Exit(2)
        console.print(f"revoked {user_id}")


def _student_id(raw: str | None) -> UUID | None:
    from ledger.domain.errors import FieldProblem, ValidationFailed

    if raw is None:
        return None
    try:
        return UUID(raw)
    except ValueError:
        raise ValidationFailed(
            "student: must be a student's ledger id (a UUID)",
            (FieldProblem("student", "must be a UUID"),),
        ) from None
