"""A student's record as a spreadsheet and as 'My careers record' (PDF): corrections
applied, withdrawn entries marked, who read it; the PDF in plain words for the student
(benchmark parts named, readers counted by role, the proofs left to the JSON export)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from uuid import UUID

import pypdf
import pytest

from api.bootstrap import Ledger
from api.render import RENDERERS
from api.render.csv import COLUMNS
from api.render.pdf import VERIFY
from api.render.pdf_layout import PdfCannotShow, cjk_font
from api.render.readable import part_words
from ledger.domain.access import Actor
from ledger.domain.evidence.bundle import b64
from ledger.domain.vocabulary import Role
from ledger.service.export import export_record
from tests import factories

SCHOOL = "100001"
ADVISER = Actor("adviser-1", Role.ADVISER, SCHOOL)


def amaras_record(ledger: Ledger) -> UUID:
    """Year 9: an enrolment, a talk whose sector was corrected, an interview, a mistake
    withdrawn, a reflection of her own and a destination."""
    service = ledger.service
    registration = factories.registration(given_name="Zoë", family_name="Łukasiewicz")
    amara = service.register_student(registration, actor=ADVISER).student_id
    service.record(amara, "enrolment", factories.enrolment(), actor=ADVISER)
    talk = service.record(
        amara, "employer_encounter", factories.employer_encounter(), actor=ADVISER
    )
    service.correct(amara, talk.sequence, {"sector": "Water"}, "sector mistyped", actor=ADVISER)
    service.record(amara, "guidance_interview", factories.guidance_interview(), actor=ADVISER)
    wrong = service.record(
        amara, "provider_encounter", factories.provider_encounter(), actor=ADVISER
    )
    service.retract(amara, wrong.sequence, "recorded for the wrong pupil", actor=ADVISER)
    student = Actor("amara", Role.STUDENT, student_id=amara)
    service.record(
        amara, "reflection", {"occurred_on": "2024-10-04", "text": "=1+1 was fun"}, actor=student
    )
    service.record(amara, "destination", factories.destination(), actor=ADVISER)
    return amara


def rendered(ledger: Ledger, student: UUID, fmt: str, actor: Actor = ADVISER) -> bytes:
    out = io.BytesIO()
    prepared = export_record(ledger.service, ledger.evidence, student, actor=actor)
    RENDERERS[fmt].render(prepared, out)
    return out.getvalue()


@pytest.fixture
def amara(ledger: Ledger) -> UUID:
    return amaras_record(ledger)


def spreadsheet(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_csv_has_one_row_per_entry_in_order_then_the_reads(ledger: Ledger, amara: UUID) -> None:
    rows = spreadsheet(rendered(ledger, amara, "csv"))
    assert tuple(rows[0]) == COLUMNS
    entries = [r for r in rows if r["section"] == "entry"]
    history = ledger.service.history(amara)
    assert [(int(r["sequence"]), r["kind"]) for r in entries] == [
        (e.sequence, e.kind) for e in history.entries
    ]
    reads = [r for r in rows if r["section"] == "access"]
    assert reads[-1]["kind"] == "export"
    assert reads[-1]["actor"] == "adviser-1"
    assert rows.index(reads[0]) > rows.index(entries[-1])


def test_the_csv_applies_corrections_and_marks_withdrawn_entries(
    ledger: Ledger, amara: UUID
) -> None:
    entries = {
        r["sequence"]: r
        for r in spreadsheet(rendered(ledger, amara, "csv"))
        if r["section"] == "entry"
    }
    talk = entries["3"]
    assert (talk["status"], talk["amended_by"]) == ("corrected", "4")
    assert '"sector":"Water"' in talk["details"]
    assert "Water" in talk["summary"]
    assert (entries["4"]["kind"], entries["4"]["amends"]) == ("correction", "3")
    assert (entries["6"]["status"], entries["6"]["amended_by"]) == ("retracted", "7")
    assert entries["1"]["status"] == "current"


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_quoted(
    ledger: Ledger, amara: UUID
) -> None:
    entries = [r for r in spreadsheet(rendered(ledger, amara, "csv")) if r["kind"] == "reflection"]
    assert entries[0]["summary"].startswith("My reflection: =1+1")
    assert entries[0]["details"].startswith("{")
    assert all(not cell.startswith("=") for row in entries for cell in row.values())


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_is_my_careers_record_with_advice_benchmarks_and_destinations(
    ledger: Ledger, amara: UUID
) -> None:
    text = pdf_text(rendered(ledger, amara, "pdf"))
    for expected in (
        "My careers record",
        "Zoë Łukasiewicz",
        "Advice and agreed actions",
        "Explore the engineering apprenticeship at the local college.",
        "Agreed: Attend the college open evening",
        "Gatsby Benchmarks",
        "BM8 Personal guidance",
        "My destinations",
        "Full-time education: further education (230)",
        "Changes to my record",
        "recorded for the wrong pupil",
        "Who has looked at my record",
    ):
        assert expected in text, expected
    assert "City College (visit)" not in text.split("My destinations")[0]  # withdrawn


def test_the_pdf_shows_benchmarks_met_and_still_to_come(ledger: Ledger, amara: UUID) -> None:
    text = pdf_text(rendered(ledger, amara, "pdf"))
    benchmarks = text.split("Gatsby Benchmarks")[1].split("My destinations")[0]
    assert "Met" in benchmarks
    assert "Still to come" in benchmarks


def test_the_pdf_leaves_the_proofs_to_the_json_export_and_names_no_log_or_key(
    ledger: Ledger, amara: UUID
) -> None:
    prepared = export_record(ledger.service, ledger.evidence, amara, actor=ADVISER)
    out = io.BytesIO()
    RENDERERS["pdf"].render(prepared, out)
    text = pdf_text(out.getvalue())
    flat = text.replace("\n", "")
    header = prepared.header
    assert header.head is not None
    for internal in (
        b64(header.head),
        b64(header.checkpoint.root),
        header.key_id,
        header.public_key,
        header.origin,
        str(amara),
    ):
        assert internal not in flat, internal
    for word in ("Chain head", "checkpoint", "Signing key", "Public key", "tree size", "http"):
        assert word.lower() not in flat.lower(), word
    assert " ".join(VERIFY.split()) in " ".join(text.split())


def test_the_pdf_says_who_looked_in_counts_by_role_with_no_ids(ledger: Ledger, amara: UUID) -> None:
    student = Actor("amara-own-id", Role.STUDENT, student_id=amara)
    ledger.service.history(amara, actor=student)
    rendered(ledger, amara, "pdf")  # one more read by the adviser, logged
    text = pdf_text(rendered(ledger, amara, "pdf"))
    looked = text.split("Who has looked at my record")[1]
    reads = list(export_record(ledger.service, ledger.evidence, amara, actor=ADVISER).access_log())
    for read in reads:
        assert str(read["actor_id"]) not in text
    assert "adviser-1" not in text
    assert "amara-own-id" not in text
    advisers = sum(1 for r in reads if r["role"] == "adviser") - 1  # not the read just made
    assert f"Careers advisers {advisers}" in looked
    assert "You 1" in looked


def test_the_pdf_names_benchmark_parts_in_words_not_rule_keys(ledger: Ledger, amara: UUID) -> None:
    prepared = export_record(ledger.service, ledger.evidence, amara, actor=ADVISER)
    out = io.BytesIO()
    RENDERERS["pdf"].render(prepared, out)
    text = " ".join(pdf_text(out.getvalue()).split())
    as_of = datetime.fromisoformat(prepared.header.exported_at).date()
    parts = {p.part for b in prepared.attainment("gatsby-2025", as_of).benchmarks for p in b.parts}
    assert {"by_16_y7_9", "records_integrated", "y9"} <= parts
    for part in parts:
        assert not re.search(rf"\b{re.escape(part)}\b", text), part
        assert part_words(part) in text, part
    assert "Years 7 to 9: " in text
    assert "gatsby-2025" not in text
    assert "The 2025 edition of the benchmarks" in text


def test_every_part_of_every_rule_set_has_words_for_the_student() -> None:
    keys = ["by_14", "by_16", "by_18", "by_16_y7_9", "by_16_y10_11", "advice_recorded"]
    keys += ["records_integrated", "ks3", "ks4", "ks5", "y7", "y13", "destinations_y1"]
    keys += ["y8_9", "y10_11", "y12_13", "one_to_one"]
    for key in keys:
        words = part_words(key)
        assert "_" not in words
        assert words != key
        assert words[0].isupper()


def test_the_pdf_is_marked_as_british_english_with_its_title_and_bookmarks(
    ledger: Ledger, amara: UUID
) -> None:
    reader = pypdf.PdfReader(io.BytesIO(rendered(ledger, amara, "pdf")))
    catalogue = reader.trailer["/Root"]
    assert catalogue["/Lang"] == "en-GB"
    assert bool(catalogue["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata is not None
    assert reader.metadata.title == "My careers record"
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "Advice and agreed actions" in titles
    assert "Who has looked at my record" in titles


def test_a_student_exports_their_own_record_as_csv_and_pdf(ledger: Ledger, amara: UUID) -> None:
    student = Actor("amara", Role.STUDENT, student_id=amara)
    assert spreadsheet(rendered(ledger, amara, "csv", actor=student))
    assert "My careers record" in pdf_text(rendered(ledger, amara, "pdf", actor=student))


CJK_NAME = ("美玲", "王")
ARABIC_TEXT = "أريد أن أصبح مهندسة"


def a_record_in_other_scripts(ledger: Ledger) -> UUID:
    """A Chinese name and a reflection written in Arabic: the ledger accepts any script."""
    service = ledger.service
    registration = factories.registration(given_name=CJK_NAME[0], family_name=CJK_NAME[1])
    student = service.register_student(registration, actor=ADVISER).student_id
    service.record(student, "enrolment", factories.enrolment(), actor=ADVISER)
    own = Actor("wang", Role.STUDENT, student_id=student)
    service.record(
        student, "reflection", {"occurred_on": "2024-10-04", "text": ARABIC_TEXT}, actor=own
    )
    return student


def refusal(ledger: Ledger, student: UUID) -> PdfCannotShow | None:
    try:
        rendered(ledger, student, "pdf")
    except PdfCannotShow as refused:
        return refused
    return None


def test_a_cjk_name_and_arabic_text_are_shown_or_the_pdf_is_refused_never_dropped(
    ledger: Ledger,
) -> None:
    student = a_record_in_other_scripts(ledger)
    refused = refusal(ledger, student)
    if refused is not None:
        assert {p.field for p in refused.problems} <= {
            "registration.given_name",
            "registration.family_name",
            "reflection.text",
        }
        assert "JSON or CSV export" in refused.detail
        return
    text = pdf_text(rendered(ledger, student, "pdf"))
    for characters in (*CJK_NAME, *ARABIC_TEXT.split()):
        assert all(c in text for c in characters), characters


@pytest.mark.skipif(not cjk_font(), reason="no CJK font installed (Debian's fonts-droid-fallback)")
def test_with_debians_fallback_fonts_the_cjk_name_and_arabic_text_are_in_the_pdf(
    ledger: Ledger,
) -> None:
    student = a_record_in_other_scripts(ledger)
    text = pdf_text(rendered(ledger, student, "pdf"))
    assert "".join(CJK_NAME) in text.replace(" ", "") or all(c in text for c in "美玲王")
    assert all(c in text for c in ARABIC_TEXT.replace(" ", ""))


def test_without_fallback_fonts_a_script_no_font_covers_is_refused_naming_the_field(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("api.render.pdf_layout.FALLBACK_FONTS", ())
    student = a_record_in_other_scripts(ledger)
    refused = refusal(ledger, student)
    assert refused is not None
    fields = {p.field for p in refused.problems}
    assert "registration.given_name" in fields
    assert "registration.family_name" in fields
    assert "cannot show" in refused.detail
    assert "JSON or CSV export" in refused.detail
    assert not any(c in refused.detail for c in "美玲王")  # names the field, never the value


def test_without_any_unicode_font_text_beyond_latin_1_is_refused_not_replaced(
    ledger: Ledger, amara: UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("api.render.pdf_layout.FONT_DIRS", ())
    refused = refusal(ledger, amara)
    assert refused is not None
    assert {p.field for p in refused.problems} == {"registration.family_name"}  # the Ł


def test_a_latin_1_record_without_any_unicode_font_still_renders_in_helvetica(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("api.render.pdf_layout.FONT_DIRS", ())
    registration = factories.registration(given_name="Zoë", family_name="Smith")
    zoe = ledger.service.register_student(registration, actor=ADVISER).student_id
    text = pdf_text(rendered(ledger, zoe, "pdf"))
    assert "Zoë Smith" in text
    assert "Who has looked at my record" in text
