"""The pages' session, CSRF and forms over HTTP, without a browser.

The cookie codec, entry forms and charts on their own: tests/unit/test_pages_forms_and_charts.py.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Ledger
from api.server import create_app
from tests.api_support import SCHOOL_A, register

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def client(ledger: Ledger) -> Iterator[TestClient]:
    with TestClient(create_app(ledger=ledger), follow_redirects=False) as client:
        yield client


def csrf_of(client: TestClient, path: str = "/") -> str:
    found = CSRF.search(client.get(path).text)
    assert found is not None
    return found.group(1)


def signed_in(client: TestClient, token: str) -> str:
    answer = client.post("/signin", data={"csrf_token": csrf_of(client), "token": token})
    assert answer.status_code == 303
    return csrf_of(client, answer.headers["location"])


def test_a_form_posted_without_the_sessions_csrf_token_is_refused_and_writes_nothing(
    ledger: Ledger, client: TestClient
) -> None:
    student, _ = register(ledger, SCHOOL_A)
    adviser = ledger.tokens.create_user("adviser", SCHOOL_A).token
    signed_in(client, adviser)
    before = ledger.service.version_of(student)
    answer = client.post(
        f"/students/{student}/record/curriculum_learning",
        data={
            "csrf_token": "forged",
            "idempotency_key": str(uuid.uuid4()),
            "occurred_on": "2024-10-01",
            "subject": "Physics",
        },
    )
    assert answer.status_code == 403
    assert "This form has expired" in answer.text
    assert ledger.service.version_of(student) == before


def test_a_signed_in_adviser_records_an_entry_once_however_often_the_form_is_sent(
    ledger: Ledger, client: TestClient
) -> None:
    student, _ = register(ledger, SCHOOL_A)
    csrf = signed_in(client, ledger.tokens.create_user("adviser", SCHOOL_A).token)
    form = {
        "csrf_token": csrf,
        "idempotency_key": str(uuid.uuid4()),
        "expected_version": str(ledger.service.version_of(student)),
        "occurred_on": "2024-10-01",
        "subject": "Physics",
        "stem": "on",
    }
    first = client.post(f"/students/{student}/record/curriculum_learning", data=form)
    again = client.post(f"/students/{student}/record/curriculum_learning", data=form)
    assert first.status_code == again.status_code == 303
    assert again.headers["location"].endswith("&replayed=1#recorded")
    kinds = [e.kind for e in ledger.service.history(student).entries]
    assert kinds.count("curriculum_learning") == 1


def test_pages_answer_with_a_strict_content_security_policy_and_no_caching(
    client: TestClient,
) -> None:
    answer = client.get("/")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()


def test_a_revoked_token_signs_the_person_out_at_once(ledger: Ledger, client: TestClient) -> None:
    issued = ledger.tokens.create_user("careers_leader", SCHOOL_A)
    signed_in(client, issued.token)
    ledger.tokens.revoke(issued.user.id)
    answer = client.get("/cohort")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/?next=/cohort"


def test_the_evidence_pack_pdf_is_made_even_without_the_dejavu_fonts(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.pages import evidence_pdf
    from api.pages.dashboard import Filters
    from api.pages.evidence import evidence_pack
    from ledger.domain.access import Actor
    from ledger.domain.vocabulary import Role

    register(ledger, SCHOOL_A)
    ledger.evidence.checkpoint()
    auditor = Actor("auditor-1", Role.AUDITOR, SCHOOL_A)
    pack = evidence_pack(ledger, auditor, Filters("gatsby-2025", None, None, None, None, None))
    monkeypatch.setattr("api.render.pdf_layout.FONT_DIRS", (Path("/nonexistent"),))
    pdf = evidence_pdf.render_pdf(pack)
    assert pdf.startswith(b"%PDF")
    assert pack.verification.ok
    assert pack.verification.checkpoint is not None


def test_a_cookie_copied_before_signing_out_no_longer_opens_pages(
    ledger: Ledger, client: TestClient
) -> None:
    csrf = signed_in(client, ledger.tokens.create_user("careers_leader", SCHOOL_A).token)
    copied = client.cookies.get("careers_ledger_session")
    assert copied is not None
    assert client.post("/signout", data={"csrf_token": csrf}).status_code == 303
    with TestClient(client.app, follow_redirects=False) as thief:
        thief.cookies.set("careers_ledger_session", copied)
        answer = thief.get("/cohort")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/?next=/cohort"
        assert "Sign in" in thief.get("/").text


def test_revoking_a_user_ends_their_page_sessions_on_the_server(
    ledger: Ledger, client: TestClient
) -> None:
    from api.store.sessions import SessionStore

    issued = ledger.tokens.create_user("adviser", SCHOOL_A)
    signed_in(client, issued.token)
    sessions = SessionStore(ledger.engine)
    assert sessions.live_count(issued.user.id) == 1
    ledger.tokens.revoke(issued.user.id)
    assert sessions.live_count(issued.user.id) == 0
    assert client.get("/students").status_code == 303


def test_a_student_is_refused_every_staff_page_and_keeps_their_own(
    ledger: Ledger, client: TestClient
) -> None:
    own, _ = register(ledger, SCHOOL_A)
    csrf = signed_in(client, ledger.tokens.create_user("student", SCHOOL_A, student_id=own).token)
    for path in (
        "/students",
        "/imports",
        "/cohort",
        "/audit",
        f"/students/{own}/record/curriculum_learning",
        f"/students/{own}/record/guidance_interview",
    ):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "My careers record" in answer.text  # the way back to their own pages
    found = client.post("/students/find", data={"csrf_token": csrf, "identifier": "X"})
    assert found.status_code == 403
    assert client.get(f"/students/{own}").status_code == 200
    assert client.get(f"/students/{own}/record/reflection").status_code == 200
    assert client.get(f"/students/{own}/record/part_time_work").status_code == 200


def test_an_auditor_is_shown_no_entry_form_it_may_not_submit(
    ledger: Ledger, client: TestClient
) -> None:
    student, _ = register(ledger, SCHOOL_A)
    signed_in(client, ledger.tokens.create_user("auditor", SCHOOL_A).token)
    record = client.get(f"/students/{student}")
    assert record.status_code == 200
    assert "/record/" not in record.text
    assert client.get(f"/students/{student}/record/curriculum_learning").status_code == 403
    assert client.get(f"/students/{student}/record/reflection").status_code == 403
    assert client.get("/imports").status_code == 403


def test_signing_in_again_ends_the_session_the_browser_had_before(
    ledger: Ledger, client: TestClient
) -> None:
    token = ledger.tokens.create_user("careers_leader", SCHOOL_A).token
    signed_in(client, token)
    first = client.cookies.get("careers_ledger_session")
    assert first is not None
    again = client.post("/signin", data={"csrf_token": csrf_of(client, "/cohort"), "token": token})
    assert again.status_code == 303
    with TestClient(client.app, follow_redirects=False) as copy:
        copy.cookies.set("careers_ledger_session", first)
        assert copy.get("/cohort").status_code == 303
