"""A student's own words (reflections, part-time work) are changed only by the student.

Staff may not correct them (that would put staff words under the student's name,
"My reflection: ..."); they may hide one with a retraction that gives the reason,
and the record shows it as hidden by staff, with who and why.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pypdf
import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Ledger
from api.server import create_app
from tests.api_support import World, key, world_of

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
STAFF_WORDS = "Staff-Written-Canary-4412"


@pytest.fixture
def world(ledger: Ledger) -> Iterator[World]:
    with world_of(ledger) as built:
        yield built


def _reflect(world: World, text: str = "I liked the engineering talk.") -> int:
    student = world.students["own"]
    answer = world.client.post(
        f"/api/v1/students/{student}/entries/reflection",
        json={"occurred_on": "2024-10-04", "text": text},
        headers={**world.as_("student"), **key()},
    )
    assert answer.status_code == 201
    return int(answer.json()["sequence"])


def _amend(world: World, role: str, sequence: int, operation: str, **body: Any) -> Any:
    student = world.students["own"]
    return world.client.post(
        f"/api/v1/students/{student}/entries/{sequence}/{operation}",
        json={"reason": "Checked with the student", **body},
        headers={**world.as_(role), **key()},
    )


def _student_pages(world: World) -> TestClient:
    client = TestClient(create_app(ledger=world.ledger), follow_redirects=False)
    found = CSRF.search(client.get("/").text)
    assert found is not None
    signed = client.post(
        "/signin", data={"csrf_token": found.group(1), "token": world.tokens["student"]}
    )
    assert signed.status_code == 303
    return client


def _page_and_csv(world: World, student: UUID) -> str:
    with _student_pages(world) as client:
        page = client.get(f"/students/{student}")
        csv = client.get(f"/students/{student}/download/csv")
        assert page.status_code == csv.status_code == 200
        return page.text + csv.text


@pytest.mark.parametrize("role", ["adviser", "careers_leader"])
def test_staff_cannot_correct_a_student_s_reflection_into_their_own_words(
    world: World, role: str
) -> None:
    sequence = _reflect(world)
    before = world.version(world.students["own"])
    answer = _amend(world, role, sequence, "correction", changes={"text": STAFF_WORDS})
    assert answer.status_code == 403
    assert world.version(world.students["own"]) == before
    shown = _page_and_csv(world, world.students["own"])
    assert STAFF_WORDS not in shown
    assert "I liked the engineering talk." in shown


def test_the_student_corrects_and_withdraws_their_own_reflection(world: World) -> None:
    sequence = _reflect(world)
    corrected = _amend(world, "student", sequence, "correction", changes={"text": "I loved it."})
    assert corrected.status_code == 201
    retracted = _amend(world, "student", sequence, "retraction")
    assert retracted.status_code == 201


def test_a_student_cannot_amend_an_entry_staff_wrote(world: World) -> None:
    staff_entry = 2  # the enrolment
    assert _amend(world, "student", staff_entry, "retraction").status_code == 403
    changes = {"year_group": 10}
    assert _amend(world, "student", staff_entry, "correction", changes=changes).status_code == 403


def test_staff_hide_a_student_s_reflection_with_a_retraction_shown_as_hidden_by_staff(
    world: World,
) -> None:
    sequence = _reflect(world)
    hidden = _amend(world, "adviser", sequence, "retraction", reason="Names another student")
    assert hidden.status_code == 201
    with _student_pages(world) as client:
        page = client.get(f"/students/{world.students['own']}").text
    assert "Hidden by staff" in page
    assert "Names another student" in page


def _exports(world: World) -> tuple[list[dict[str, str]], str]:
    """The student's own CSV rows and PDF text (whitespace folded), downloaded from the pages."""
    student = world.students["own"]
    with _student_pages(world) as client:
        table = client.get(f"/students/{student}/download/csv")
        pdf = client.get(f"/students/{student}/download/pdf")
    assert table.status_code == pdf.status_code == 200
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return rows, text


def test_the_csv_and_pdf_say_a_reflection_staff_hid_was_hidden_by_staff_with_the_reason(
    world: World,
) -> None:
    sequence = _reflect(world)
    hidden = _amend(world, "adviser", sequence, "retraction", reason="Names another student")
    assert hidden.status_code == 201
    rows, pdf = _exports(world)
    entry = next(r for r in rows if r["sequence"] == str(sequence))
    retraction = next(r for r in rows if r["kind"] == "retraction")
    assert entry["status"] == "hidden_by_staff"
    assert retraction["summary"].startswith(f"Hidden by staff: entry {sequence}")
    assert "Names another student" in retraction["summary"]
    assert "Withdrew" not in " ".join(r["summary"] for r in rows)
    assert "Hidden by staff" in pdf
    assert "Names another student" in pdf
    assert "Withdrew" not in pdf
    adviser = retraction["actor"]
    assert adviser  # the CSV names who hid it; the PDF counts readers by role only
    assert adviser[:8] not in pdf


def test_the_csv_and_pdf_still_say_withdrawn_when_the_student_withdrew_their_reflection(
    world: World,
) -> None:
    sequence = _reflect(world)
    withdrawn = _amend(world, "student", sequence, "retraction", reason="I wrote it twice")
    assert withdrawn.status_code == 201
    rows, pdf = _exports(world)
    entry = next(r for r in rows if r["sequence"] == str(sequence))
    retraction = next(r for r in rows if r["kind"] == "retraction")
    assert entry["status"] == "retracted"
    assert retraction["summary"] == f"Withdrew entry {sequence}: I wrote it twice"
    assert f"Withdrew entry {sequence}: I wrote it twice" in pdf
    assert "idden by staff" not in pdf
