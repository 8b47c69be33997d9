"""Reading MIS exports: header variants, value formats and every malformed case.

Pure parsing (no database): what a careers leader sees before anything is written.
"""

from __future__ import annotations

import codecs

import pytest

from ledger.domain.identifiers import UPN_CHECK_MISMATCH, make_upn
from ledger.service.imports.mis import (
    FileRefused,
    ImportOptions,
    PlannedRow,
    RejectedRow,
    parse_file,
)
from tests import factories
from tests.unit.mis_support import (
    DATA,
    OPTIONS,
    SECRET,
    TODAY,
    csv_bytes,
    only_rejection,
    parse,
    refusal,
    wrong_check_letter,
)

# -- headers -------------------------------------------------------------------


def test_a_sims_style_students_file_becomes_registrations_with_enrolments() -> None:
    rows = parse("students", (DATA / "students-sims.csv").read_bytes())
    assert all(isinstance(r, PlannedRow) for r in rows)
    first = rows[0]
    assert isinstance(first, PlannedRow)
    registration, enrolment = first.commands
    assert registration.kind == "registration"
    reg = registration.payload.model_dump(mode="json")
    assert reg["family_name"] == "Okafor"
    assert reg["date_of_birth"] == "2010-03-14"
    assert reg["characteristics"] == {
        "gender": "female",
        "fsm": True,
        "send": False,
        "pupil_premium": True,
        "care_experienced": False,
    }
    assert enrolment.kind == "enrolment"
    assert enrolment.payload.model_dump(mode="json") == {
        "occurred_on": "2024-09-01",
        "institution_id": "100001",
        "institution_kind": "school",
        "year_group": 10,
        "academic_year": 2024,
    }


def test_arbor_headers_with_a_byte_order_mark_read_the_same_fields() -> None:
    data = (DATA / "students-arbor.csv").read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    parsed = parse_file("students", data, OPTIONS, SECRET)
    rows = list(parsed.rows)
    assert parsed.encoding == "utf-8-sig"
    assert parsed.warnings == []
    first = rows[0]
    assert isinstance(first, PlannedRow)
    reg = first.commands[0].payload.model_dump(mode="json")
    assert reg["given_name"] == "Seán"
    assert reg["characteristics"]["care_experienced"] is True
    assert first.commands[1].payload.model_dump(mode="json")["academic_year"] == 2023


@pytest.mark.parametrize(
    ("upn_header", "surname", "dob", "year"),
    [
        ("UPN", "Legal Surname", "DOB", "Year"),
        ("Unique Pupil Number", "Surname", "Date of Birth", "NC Year"),
        ("upn", "SURNAME", "date-of-birth", "Year Group"),
    ],
)
def test_common_header_variants_are_accepted(
    upn_header: str, surname: str, dob: str, year: str
) -> None:
    upn = factories.fresh_upn()
    data = csv_bytes(
        f"{upn_header},{surname},Forename,{dob},{year}", f"{upn},Okafor,Amara,14/03/2011,9"
    )
    (row,) = parse("students", data)
    assert isinstance(row, PlannedRow)
    assert row.student.upn == upn


def test_a_better_header_wins_and_the_other_is_reported_as_not_used() -> None:
    data = csv_bytes(
        "UPN,Preferred Surname,Legal Surname,Forename,DOB,Tutor Group",
        f"{factories.fresh_upn()},Ok,Okafor,Amara,2011-03-14,10B",
    )
    parsed = parse_file("students", data, OPTIONS, SECRET)
    (row,) = list(parsed.rows)
    assert isinstance(row, PlannedRow)
    assert row.commands[0].payload.model_dump()["family_name"] == "Okafor"
    assert parsed.warnings == ["columns not used: Preferred Surname, Tutor Group"]


def test_a_missing_column_refuses_the_whole_file_naming_the_column() -> None:
    data = csv_bytes("UPN,Forename,DOB", f"{factories.fresh_upn()},Amara,14/03/2011")
    refused = refusal("students", data)
    assert "missing column: Legal Surname (or Surname" in refused.detail


def test_a_file_without_any_identifier_column_is_refused() -> None:
    data = csv_bytes("Activity Type,Date", "LMI,01/10/2024")
    assert "UPN or ULN" in refusal("activities", data).detail


def test_enrolments_need_an_institution_column_or_a_default() -> None:
    data = csv_bytes("UPN,Year Group", f"{factories.fresh_upn()},9")
    with pytest.raises(FileRefused) as caught:
        list(parse_file("enrolments", data, ImportOptions(today=TODAY), SECRET).rows)
    assert "URN" in caught.value.detail
    (row,) = parse("enrolments", data)
    assert isinstance(row, PlannedRow)


def test_a_repeated_header_is_refused() -> None:
    data = csv_bytes("UPN,Surname,Forename,DOB,UPN", "x,y,z,w,v")
    assert "same name" in refusal("students", data).detail


def test_an_unknown_kind_of_file_is_refused() -> None:
    assert "must be one of" in refusal("timetables", csv_bytes("UPN", "x")).detail


# -- encodings -----------------------------------------------------------------


def test_a_windows_1252_file_is_refused_with_the_line_and_the_way_out() -> None:
    text = f"UPN,Surname,Forename,DOB\r\n{factories.fresh_upn()},Nowak,Zoë,02/11/2009\r\n"
    refused = refusal("students", text.encode("cp1252"))
    assert "line 2 is not UTF-8" in refused.detail
    assert "Windows-1252" in refused.detail
    assert "--encoding cp1252" in refused.detail


def test_a_windows_1252_file_is_read_when_the_encoding_is_named() -> None:
    text = f"UPN,Surname,Forename,DOB\r\n{factories.fresh_upn()},Nowak,Zoë,02/11/2009\r\n"
    (row,) = parse("students", text.encode("cp1252"), encoding="cp1252")
    assert isinstance(row, PlannedRow)
    assert row.commands[0].payload.model_dump()["given_name"] == "Zoë"


def test_utf16_with_a_byte_order_mark_is_accepted() -> None:
    text = f"UPN,Surname,Forename,DOB\r\n{factories.fresh_upn()},Nowak,Zoë,02/11/2009\r\n"
    (row,) = parse("students", text.encode("utf-16"))
    assert isinstance(row, PlannedRow)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "is empty"),
        (b"PK\x03\x04rest-of-a-workbook", "Excel workbook"),
        (b"UPN,Surname\r\nA\x00B,C\r\n", "NUL character"),
    ],
)
def test_files_that_are_not_csv_text_are_refused(data: bytes, reason: str) -> None:
    assert reason in refusal("students", data).detail


def test_an_unsupported_encoding_name_is_refused() -> None:
    assert "must be one of" in refusal("students", csv_bytes("UPN"), encoding="koi8-r").detail


# -- rows ------------------------------------------------------------------------


def test_blank_lines_are_skipped_and_row_numbers_match_the_spreadsheet() -> None:
    good = factories.fresh_upn()
    data = csv_bytes(
        "UPN,Surname,Forename,DOB",
        f"{good},Okafor,Amara,14/03/2011",
        "",
        ",,,",
        f"{wrong_check_letter(factories.fresh_upn())},Hughes,Callum,21/01/2010",
    )
    parsed = parse_file("students", data, OPTIONS, SECRET)
    rows = list(parsed.rows)
    assert parsed.total == 2
    assert [r.number for r in rows] == [2, 5]
    assert isinstance(rows[1], RejectedRow)


def test_a_bad_upn_check_letter_is_named_by_column_and_character() -> None:
    bad = wrong_check_letter(factories.fresh_upn())
    row = only_rejection("students", csv_bytes("UPN,Surname,Forename,DOB", f"{bad},A,B,14/03/2011"))
    assert row.reason == f"UPN: {UPN_CHECK_MISMATCH}"


def test_a_bad_uln_check_digit_is_reported_for_an_activity_row() -> None:
    data = csv_bytes("ULN,Activity Type,Date", "1000000063,LMI,01/10/2024")
    row = only_rejection("activities", data)
    assert row.problems[0].field == "ULN"
    assert "no check digit is valid" in row.problems[0].reason


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("31/02/2011", "is not a real calendar date"),
        ("2011-13-01", "is not a real calendar date"),
        ("14/03/11", "four digits"),
        ("March 2011", "is not a date"),
    ],
)
def test_impossible_or_unreadable_dates_are_refused(cell: str, reason: str) -> None:
    data = csv_bytes("UPN,Surname,Forename,DOB", f"{factories.fresh_upn()},A,B,{cell}")
    row = only_rejection("students", data)
    assert row.problems[0].field == "DOB"
    assert reason in row.problems[0].reason


def test_dates_in_the_future_are_refused_against_the_import_day() -> None:
    data = csv_bytes("UPN,Activity Type,Date", f"{factories.fresh_upn()},LMI,11/01/2025")
    assert only_rejection("activities", data).reason == "Date: must not be in the future"


@pytest.mark.parametrize(
    ("header", "cell", "field", "reason"),
    [
        ("Activity Type", "Hackathon", "Activity Type", "is not a known activity type"),
        ("Gender", "Q", "Gender", "is not a known gender code"),
        ("FSM", "maybe", "FSM", "must be yes or no"),
    ],
)
def test_unknown_codes_are_refused_per_column(
    header: str, cell: str, field: str, reason: str
) -> None:
    upn = factories.fresh_upn()
    if header == "Activity Type":
        data = csv_bytes("UPN,Activity Type,Date", f"{upn},{cell},01/10/2024")
        row = only_rejection("activities", data)
    else:
        data = csv_bytes(f"UPN,Surname,Forename,DOB,{header}", f"{upn},A,B,14/03/2011,{cell}")
        row = only_rejection("students", data)
    assert row.problems[0].field == field
    assert reason in row.problems[0].reason


def test_an_unknown_nccis_code_is_refused_by_the_ledgers_own_code_list() -> None:
    data = csv_bytes(
        "UPN,NCCIS Code,Start Date,Date Obtained", f"{factories.fresh_upn()},999,05/09/2024,"
    )
    row = only_rejection("destinations", data)
    assert row.problems[0].field == "NCCIS Code"
    assert "is not an NCCIS current-activity code" in row.problems[0].reason


def test_every_problem_in_a_row_is_reported_at_once() -> None:
    bad = wrong_check_letter(factories.fresh_upn())
    data = csv_bytes("UPN,Surname,Forename,DOB,Gender", f"{bad},,B,31/02/2011,Q")
    row = only_rejection("students", data)
    assert {p.field for p in row.problems} == {"UPN", "Surname", "DOB", "Gender"}


def test_rows_with_too_many_or_too_few_values_are_refused() -> None:
    upn = factories.fresh_upn()
    data = csv_bytes("UPN,Surname,Forename,DOB", f"{upn},A,B", f"{upn},A,B,14/03/2011,extra")
    rows = parse("students", data)
    assert [r.reason for r in rows if isinstance(r, RejectedRow)] == [
        "row: has 3 values but the header has 4",
        "row: has 5 values but the header has 4",
    ]


def test_an_exact_duplicate_row_is_refused_naming_the_first() -> None:
    line = f"{factories.fresh_upn()},Employer Talk,03/10/2024,Severn Trent,Utilities"
    data = csv_bytes("UPN,Activity Type,Date,Employer,Sector", line, line)
    first, second = parse("activities", data)
    assert isinstance(first, PlannedRow)
    assert isinstance(second, RejectedRow)
    assert second.reason == "row: duplicates row 2"


def test_a_student_listed_twice_with_different_details_is_refused() -> None:
    upn = factories.fresh_upn()
    data = csv_bytes(
        "UPN,Surname,Forename,DOB", f"{upn},Okafor,Amara,14/03/2011", f"{upn},Okafor,Ama,14/03/2011"
    )
    _, second = parse("students", data)
    assert isinstance(second, RejectedRow)
    assert second.reason == "UPN: the same UPN is in row 2"


def test_the_same_row_in_another_spelling_has_the_same_digest() -> None:
    upn = factories.fresh_upn()
    one = csv_bytes("UPN,Activity Type,Date", f"{upn},LMI,01/10/2024")
    other = csv_bytes("Unique Pupil Number,Type,Activity Date", f"{upn.lower()},LMI,2024-10-01")
    (a,) = parse("activities", one)
    (b,) = parse("activities", other)
    assert isinstance(a, PlannedRow)
    assert isinstance(b, PlannedRow)
    assert a.digest == b.digest


def test_row_digests_are_keyed_so_identifiers_never_appear_in_keys() -> None:
    upn = factories.fresh_upn()
    data = csv_bytes("UPN,Activity Type,Date", f"{upn},LMI,01/10/2024")
    (row,) = parse("activities", data)
    assert isinstance(row, PlannedRow)
    key = row.idempotency_key("activities", 0)
    assert upn not in key
    (other,) = list(parse_file("activities", data, OPTIONS, b"t" * 32).rows)
    assert isinstance(other, PlannedRow)
    assert other.digest != row.digest


def test_reasons_never_repeat_the_values_in_the_cells() -> None:
    upn = make_upn(801, 2000, 24, 777)
    secret_name = "Zebedee-Quartermaine"
    data = csv_bytes(
        "UPN,Surname,Forename,DOB,Gender",
        f"{wrong_check_letter(upn)},{secret_name * 12},Amara,31/02/2011,{secret_name}",
    )
    row = only_rejection("students", data)
    assert secret_name not in row.reason
    assert upn[1:] not in row.reason
    assert "31/02" not in row.reason
