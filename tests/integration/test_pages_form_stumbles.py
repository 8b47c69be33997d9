"""What stopped a new adviser in their first hour with the forms, over HTTP without a browser.

A mistyped UPN keeps what was typed and says why in plain words; the adviser's
name and qualification level are remembered per user; the server's field
problems read as plain English, not pydantic's wording.
"""

from __future__ import annotations

import html
import logging
import re
import uuid
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


def _interview(csrf: str, version: int, **changes: str) -> dict[str, str]:
    form = {
        "csrf_token": csrf,
        "idempotency_key": str(uuid.uuid4()),
        "expected_version": str(version),
        "occurred_on": "2024-10-01",
        "adviser_name": "Sam Okafor",
        "adviser_qualification_level": "6",
        "format": "one_to_one",
        "duration_minutes": "30",
        "advice_given": "Look at the college open days.",
    }
    return {**form, **changes}


def test_the_servers_field_problems_read_as_plain_english_and_every_value_is_kept(
    ledger: Ledger, client: TestClient
) -> None:
    student, _ = register(ledger, SCHOOL_A)
    csrf = signed_in(client, ledger.tokens.create_user("adviser", SCHOOL_A).token)
    version = ledger.service.version_of(student)
    sent = _interview(
        csrf,
        version,
        adviser_name="",
        adviser_qualification_level="9",
        duration_minutes="half an hour",
        follow_up_on="next week",
        intended_destination="College",
    )
    answer = client.post(f"/students/{student}/record/guidance_interview", data=sent)
    assert answer.status_code == 422
    page = html.unescape(answer.text)
    assert "Must be 8 or less" in page
    assert "Must be a whole number" in page
    assert "Is required" in page
    assert "Must be a date written DD/MM/YYYY or YYYY-MM-DD" in page
    for pydantic_words in ("Input should", "Field required", "String should", "Value error"):
        assert pydantic_words not in page
    assert _value_of(answer.text, "duration_minutes") == "half an hour"
    assert _value_of(answer.text, "intended_destination") == "College"
    assert ledger.service.version_of(student) == version


def test_a_date_written_day_first_is_read_as_the_english_date_it_is(
    ledger: Ledger, client: TestClient
) -> None:
    student, _ = register(ledger, SCHOOL_A)
    csrf = signed_in(client, ledger.tokens.create_user("adviser", SCHOOL_A).token)
    sent = _interview(csrf, ledger.service.version_of(student), occurred_on="1/10/2024")
    answer = client.post(f"/students/{student}/record/guidance_interview", data=sent)
    assert answer.status_code == 303
    entry = ledger.service.history(student).entries[-1]
    assert entry.kind == "guidance_interview"
    assert entry.occurred_on.isoformat() == "2024-10-01"
    impossible = _interview(csrf, ledger.service.version_of(student), occurred_on="31/02/2024")
    refused = client.post(f"/students/{student}/record/guidance_interview", data=impossible)
    assert refused.status_code == 422
    assert "Must be a real date written DD/MM/YYYY or YYYY-MM-DD" in html.unescape(refused.text)


def test_one_table_translates_pydantic_errors_by_their_type_code() -> None:
    from api.pages.form_words import plain_reason

    assert plain_reason({"type": "less_than_equal", "ctx": {"le": 8}, "msg": "x"}) == (
        "must be 8 or less"
    )
    assert plain_reason({"type": "greater_than_equal", "ctx": {"ge": 5}}) == "must be 5 or more"
    assert plain_reason({"type": "int_parsing"}) == "must be a whole number"
    assert plain_reason({"type": "missing"}) == "is required"
    assert plain_reason({"type": "string_too_short", "ctx": {"min_length": 1}}) == "is required"
    # The ledger's own rules are already written in plain words: kept as they are.
    rule = {"type": "value_error", "ctx": {"error": ValueError("must be in 1990 or later")}}
    assert plain_reason(rule) == "must be in 1990 or later"


def test_the_adviser_name_and_level_are_remembered_for_the_user_who_typed_them(
    ledger: Ledger, client: TestClient
) -> None:
    first, _ = register(ledger, SCHOOL_A)
    second, _ = register(ledger, SCHOOL_A)
    csrf = signed_in(client, ledger.tokens.create_user("adviser", SCHOOL_A).token)
    blank = client.get(f"/students/{first}/record/guidance_interview").text
    assert not _value_of(blank, "adviser_name")

    refused = _interview(csrf, ledger.service.version_of(first), duration_minutes="1")
    assert (
        client.post(f"/students/{first}/record/guidance_interview", data=refused).status_code == 422
    )
    assert not _value_of(
        client.get(f"/students/{second}/record/guidance_interview").text, "adviser_name"
    )

    sent = _interview(csrf, ledger.service.version_of(first))
    assert client.post(f"/students/{first}/record/guidance_interview", data=sent).status_code == 303
    for kind in ("guidance_interview", "guidance_interview_not_taken"):
        page = client.get(f"/students/{second}/record/{kind}").text
        assert _value_of(page, "adviser_name") == "Sam Okafor"
        assert _value_of(page, "adviser_qualification_level") == "6"

    changed = _interview(
        csrf,
        ledger.service.version_of(second),
        adviser_name="Sam Okafor-Reid",
        adviser_qualification_level="7",
    )
    assert (
        client.post(f"/students/{second}/record/guidance_interview", data=changed).status_code
        == 303
    )
    page = client.get(f"/students/{first}/record/guidance_interview").text
    assert _value_of(page, "adviser_name") == "Sam Okafor-Reid"
    assert _value_of(page, "adviser_qualification_level") == "7"

    # Another adviser starts blank: the preference is this user's alone.
    with TestClient(create_app(ledger=ledger), follow_redirects=False) as other:
        signed_in(other, ledger.tokens.create_user("adviser", SCHOOL_A).token)
        page = other.get(f"/students/{first}/record/guidance_interview").text
        assert not _value_of(page, "adviser_name")
