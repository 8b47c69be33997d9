"""What stopped a new adviser in their first hour with the forms, over HTTP without a browser.

A mistyped UPN keeps what was typed and says why in plain words; the adviser's
name and qualification level are remembered per user; the server's field
problems read as plain English, not pydantic's wording.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Ledger
from api.server import create_app
from tests.api_support import SCHOOL_A, register
from tests.integration.test_pages_http import signed_in


@pytest.fixture
def client(ledger: Ledger) -> Iterator[TestClient]:
    with TestClient(create_app(ledger=ledger), follow_redirects=False) as client:
        yield client


def _typo(upn: str) -> str:
    """The same UPN with one digit mistyped: its check letter no longer matches."""
    digit = str((int(upn[5]) + 1) % 10)
    return upn[:5] + digit + upn[6:]


def _value_of(page: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', page
    )
    return html.unescape(found.group(1)) if found else None


def test_a_mistyped_upn_stays_in_the_box_and_the_page_says_the_check_letter_does_not_match(
    ledger: Ledger, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    _, upn = register(ledger, SCHOOL_A)
    csrf = signed_in(client, ledger.tokens.create_user("adviser", SCHOOL_A).token)
    typed = _typo(upn).lower()
    with caplog.at_level(logging.DEBUG):
        answer = client.post(
            "/students/find", data={"csrf_token": csrf, "by": "upn", "identifier": typed}
        )
    assert answer.status_code == 422
    assert _value_of(answer.text, "identifier") == typed  # every field kept: the box ...
    assert 'id="by-upn" name="by" value="upn" checked' in answer.text  # ... and the choice
    assert "check letter worked out from the digits" in answer.text
    assert "does not match them" in answer.text
    assert "Character 1 is the wrong check letter" not in answer.text
    assert typed not in caplog.text
    assert typed.upper() not in caplog.text


def test_a_uln_search_that_finds_no_one_keeps_the_uln_and_the_choice(
    ledger: Ledger, client: TestClient
) -> None:
    csrf = signed_in(client, ledger.tokens.create_user("adviser", SCHOOL_A).token)
    answer = client.post(
        "/students/find", data={"csrf_token": csrf, "by": "uln", "identifier": " 1000000043 "}
    )
    assert answer.status_code == 404
    assert _value_of(answer.text, "identifier") == "1000000043"
    assert 'id="by-uln" name="by" value="uln" checked' in answer.text


def test_the_api_never_echoes_a_mistyped_upn_in_its_problem_body(
    ledger: Ledger, client: TestClient
) -> None:
    _, upn = register(ledger, SCHOOL_A)
    token = ledger.tokens.create_user("adviser", SCHOOL_A).token
    typed = _typo(upn)
    answer = client.post(
        "/api/v1/students/search",
        json={"upn": typed},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert typed not in answer.text
    assert "does not match them" in answer.text
