"""The pages' session, CSRF and forms over HTTP, without a browser."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import FormData

from api.bootstrap import Ledger
from api.config import Settings, session_key
from api.pages import charts
from api.pages.forms import entry_form, errors_by_field, read_payload
from api.pages.session import Session, SessionCodec
from api.server import create_app
from ledger.domain.errors import FieldProblem, ValidationFailed
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


def test_a_tampered_or_foreign_cookie_is_no_session() -> None:
    codec = SessionCodec(b"k" * 16 + bytes(range(16)), secure=False)
    sealed = codec.seal(Session(csrf="c", token="clt_secret"))
    assert codec.open(sealed) == Session(csrf="c", token="clt_secret")
    assert "clt_secret" not in sealed
    middle = len(sealed) // 2
    flipped = "A" if sealed[middle] != "A" else "B"
    assert codec.open(sealed[:middle] + flipped + sealed[middle + 1 :]) is None
    other = SessionCodec(bytes(range(32)), secure=False)
    assert other.open(sealed) is None


def test_production_refuses_to_run_the_pages_without_a_session_key(tmp_path: Path) -> None:
    settings = Settings(mode="production", database_url=f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ValidationFailed) as refused:
        session_key(settings)
    assert refused.value.problems[0].field == "CAREERS_LEDGER_SESSION_KEY"


def test_an_entry_form_takes_its_rules_from_the_payload_model() -> None:
    form = entry_form("guidance_interview")
    fields = {f.name: f for f in form.fields}
    assert fields["adviser_qualification_level"].attrs["min"] == "2"
    assert fields["adviser_qualification_level"].attrs["max"] == "8"
    assert fields["advice_given"].required
    assert fields["advice_given"].widget == "textarea"
    assert fields["agreed_actions"].widget == "lines"
    assert fields["follow_up_on"].attrs["data-not-before"] == "f-occurred-on"
    sent = FormData(
        [
            ("agreed_actions", "Visit the college\n\n  Ask for a taster day "),
            ("duration_minutes", "40"),
            ("intended_destination", ""),
        ]
    )
    payload = read_payload(form, sent)
    assert payload["agreed_actions"] == ["Visit the college", "Ask for a taster day"]
    assert "intended_destination" not in payload
    errors, general = errors_by_field(
        form,
        (
            FieldProblem("duration_minutes", "Input should be greater than or equal to 5"),
            FieldProblem("body", "follow_up_on must not be before occurred_on"),
        ),
    )
    assert errors == {
        "duration_minutes": "Input should be greater than or equal to 5",
        "follow_up_on": "Must not be before date of the interview",
    }
    assert general == []


def test_charts_are_self_contained_svg_with_every_label_escaped() -> None:
    drawn = str(
        charts.stacked_bars(
            "BM5 <by year>",
            [
                charts.Bar(
                    "Year 7",
                    (charts.Segment("met", "Met", 3), charts.Segment("not_met", "Not met", 1)),
                )
            ],
            charts.STATE_COLOURS,
        )
    )
    assert drawn.startswith("<svg")
    assert 'role="img"' in drawn
    assert "BM5 &lt;by year&gt;" in drawn
    assert "http" not in drawn.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "Year 7: Met 3 of 4 (75%)" in drawn
    assert b"<title" not in charts.for_pdf(drawn)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize(
    "palette", [charts.STATE_COLOURS, charts.SUSTAINED_COLOURS], ids=["states", "destinations"]
)
def test_numbers_printed_on_chart_bars_meet_the_wcag_aa_contrast_ratio(
    palette: dict[str, tuple[str, str]],
) -> None:
    for fill, ink in palette.values():
        assert _contrast(fill, ink) >= 4.5, (fill, ink)


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
    monkeypatch.setattr(evidence_pdf, "FONT_DIRS", (Path("/nonexistent"),))
    pdf = evidence_pdf.render_pdf(pack)
    assert pdf.startswith(b"%PDF")
    assert pack.verification.ok
    assert pack.verification.checkpoint is not None
