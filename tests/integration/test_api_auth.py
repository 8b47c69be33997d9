"""Bearer tokens: issued once, stored hashed, revoked for good; 401 everywhere else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.bootstrap import Ledger
from api.cli.main import app as cli
from api.config import Settings
from api.store.tokens import tokens_table, users_table
from ledger.domain.errors import ValidationFailed
from tests.api_support import World, world_of


@pytest.fixture
def world(ledger: Ledger) -> Iterator[World]:
    with world_of(ledger) as built:
        yield built


def test_every_api_path_but_health_answers_401_without_a_token(world: World) -> None:
    schema = world.client.get("/api/v1/openapi.json").json()
    student = world.students["same"]
    for path, operations in schema["paths"].items():
        url = path.replace("{student_id}", str(student)).replace("{sequence}", "2")
        for method in operations:
            response = world.client.request(method, url, json={})
            if path == "/api/v1/health":
                assert response.status_code == 200
                continue
            assert response.status_code == 401, (method, path)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert response.json()["code"] == "unauthenticated"


def test_a_wrong_or_malformed_token_is_a_401(world: World) -> None:
    url = f"/api/v1/students/{world.students['same']}/record"
    for header in ("Bearer clt_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "clt_x"):
        response = world.client.get(url, headers={"Authorization": header})
        assert response.status_code == 401


def test_a_revoked_user_is_refused_on_the_next_request(world: World) -> None:
    issued = world.ledger.tokens.create_user("adviser", "100001")
    url = f"/api/v1/students/{world.students['same']}/record"
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert world.client.get(url, headers=headers).status_code == 200
    assert world.ledger.tokens.revoke(issued.user.id) is True
    assert world.client.get(url, headers=headers).status_code == 401
    assert world.ledger.tokens.revoke(issued.user.id) is False


def test_a_user_revoked_by_the_cli_is_refused_by_the_running_api_on_the_next_request(
    settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREERS_LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CAREERS_LEDGER_KEY_FILE", str(settings.resolved_key_file()))
    issued = world.ledger.tokens.create_user("adviser", "100001")
    url = f"/api/v1/students/{world.students['same']}/record"
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert world.client.get(url, headers=headers).status_code == 200
    assert CliRunner().invoke(cli, ["users", "revoke", issued.user.id]).exit_code == 0
    assert world.client.get(url, headers=headers).status_code == 401


def test_tokens_are_stored_only_as_sha256_digests(world: World) -> None:
    with world.ledger.engine.connect() as connection:
        stored = [row.token_sha256 for row in connection.execute(select(tokens_table))]
    assert stored
    assert all(len(digest) == 64 for digest in stored)
    assert not set(world.tokens.values()) & set(stored)


def test_a_rotated_token_works_alongside_the_first_until_the_user_is_revoked(
    world: World,
) -> None:
    issued = world.ledger.tokens.create_user("auditor", "100001")
    second = world.ledger.tokens.issue_token(issued.user.id)
    assert world.ledger.tokens.actor_for(second) == world.ledger.tokens.actor_for(issued.token)
    world.ledger.tokens.revoke(issued.user.id)
    assert world.ledger.tokens.actor_for(second) is None


def test_users_are_refused_without_a_proper_scope(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        world.ledger.tokens.create_user("student", "100001")
    assert refused.value.problems[0].field == "student"
    with pytest.raises(ValidationFailed):
        world.ledger.tokens.create_user("system", "100001")
    with pytest.raises(ValidationFailed):
        world.ledger.tokens.create_user("adviser", "not-a-urn")


def test_the_cli_creates_lists_and_revokes_users_printing_the_token_once(
    settings: Settings, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREERS_LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CAREERS_LEDGER_KEY_FILE", str(settings.resolved_key_file()))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    created = runner.invoke(
        cli, ["users", "create", "--role", "careers_leader", "--institution", "100001"]
    )
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("clt_")
    with ledger.engine.connect() as connection:
        user_id = connection.execute(select(users_table.c.id)).scalar_one()
    assert ledger.tokens.actor_for(token) is not None
    listed = runner.invoke(cli, ["users", "list"])
    assert user_id in listed.stdout
    assert token not in listed.stdout
    revoked = runner.invoke(cli, ["users", "revoke", user_id])
    assert revoked.exit_code == 0
    assert ledger.tokens.actor_for(token) is None
    again = runner.invoke(cli, ["users", "revoke", user_id])
    assert again.exit_code == 2


def test_the_cli_binds_a_student_user_only_to_a_student_of_that_institution(
    settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREERS_LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CAREERS_LEDGER_KEY_FILE", str(settings.resolved_key_file()))
    runner = CliRunner()
    base = ["users", "create", "--role", "student", "--institution", "100001", "--student"]
    assert runner.invoke(cli, [*base, str(world.students["same"])]).exit_code == 0
    refused = runner.invoke(cli, [*base, str(world.students["other"])])
    assert refused.exit_code == 2
