"""Reading MIS exports: what each activity, destination and enrolment row becomes,
and the quoting and date rules a whole file obeys.

Pure parsing (no database); the shared helpers are in ``tests/unit/mis_support.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.service.imports.mis import (
    FILE_KINDS,
    PlannedRow,
)
from ledger.service.imports.mis.activity_types import ACTIVITY_TYPES
from ledger.service.imports.mis.values import label_key
from tests import factories
from tests.unit.mis_support import (
    DATA,
    csv_bytes,
    only_rejection,
    parse,
    refusal,
)

# -- activities and destinations map onto entry kinds ---------------------------------


def test_the_sample_activities_file_maps_each_type_to_an_entry_kind() -> None:
    rows = parse("activities", (DATA / "activities.csv").read_bytes())
    kinds = [r.commands[0].kind for r in rows if isinstance(r, PlannedRow)]
    assert kinds == [
        "employer_encounter",
        "workplace_experience",
        "provider_encounter",
        "guidance_interview",
        "labour_market_information",
        "curriculum_learning",
        "employer_encounter",
        "provider_encounter",
        "employer_encounter",
    ]
    interview = rows[3]
    assert isinstance(interview, PlannedRow)
    data = interview.commands[0].payload.model_dump(mode="json")
    assert data["adviser_qualification_level"] == 6
    assert data["agreed_actions"] == ["Attend the college open evening", "Ask about T Levels"]
    visit = rows[7]
    assert isinstance(visit, PlannedRow)
    assert visit.commands[0].payload.model_dump()["higher_education_visit"] is True


def test_a_multi_day_experience_without_days_is_refused() -> None:
    data = csv_bytes(
        "UPN,Activity Type,Date,End Date,Employer",
        f"{factories.fresh_upn()},Work Experience,01/07/2024,05/07/2024,Metro",
    )
    assert only_rejection("activities", data).reason == (
        "Days: is required when the experience lasts more than one day"
    )


def test_cross_field_rules_name_the_files_columns() -> None:
    data = csv_bytes(
        "UPN,Activity Type,Date,End Date,Employer,Days",
        f"{factories.fresh_upn()},Work Experience,05/07/2024,01/07/2024,Metro,1",
    )
    assert only_rejection("activities", data).reason == (
        'row: "End Date" must not be before "Date"'
    )


def test_fields_the_activity_kind_needs_are_reported_as_required() -> None:
    data = csv_bytes("UPN,Activity Type,Date", f"{factories.fresh_upn()},Employer Talk,03/10/2024")
    row = only_rejection("activities", data)
    assert {(p.field, p.reason) for p in row.problems} == {
        ("Organisation", "is required"),
        ("Sector", "is required"),
    }


def test_destination_rows_default_the_date_obtained_to_the_start_date() -> None:
    rows = parse("destinations", (DATA / "destinations.csv").read_bytes())
    kinds = [r.commands[0].kind for r in rows if isinstance(r, PlannedRow)]
    assert kinds == ["intended_destination", "destination", "intended_destination"]
    upn = factories.fresh_upn()
    (row,) = parse("destinations", csv_bytes("UPN,NCCIS Code,Start Date", f"{upn},310,01/09/2024"))
    assert isinstance(row, PlannedRow)
    payload = row.commands[0].payload.model_dump(mode="json")
    assert payload["occurred_on"] == "2024-09-01"
    assert payload["source"] == "school"


def test_an_enrolment_row_with_a_leaving_date_also_records_the_leaving() -> None:
    upn = factories.fresh_upn()
    data = csv_bytes(
        "UPN,URN,Year Group,Academic Year,Leaving Date", f"{upn},100001,11,2023/24,19/07/2024"
    )
    (row,) = parse("enrolments", data)
    assert isinstance(row, PlannedRow)
    assert [c.kind for c in row.commands] == ["enrolment", "leaving"]


def test_an_enrolment_row_with_a_bad_leaving_date_is_refused_whole() -> None:
    upn = factories.fresh_upn()
    data = csv_bytes(
        "UPN,URN,Year Group,Academic Year,Leaving Date", f"{upn},100001,11,2023/24,31/06/2024"
    )
    row = only_rejection("enrolments", data)
    assert row.problems[0].field == "Leaving Date"


def test_the_documentation_lists_every_column_name_and_activity_type() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "mis-import.md").read_text("utf-8")
    for spec in FILE_KINDS.values():
        for column in spec.columns:
            for name in column.names:
                assert name in doc, name
    cells = {label_key(part) for cell in doc.split("|") for part in cell.split(",")}
    assert set(ACTIVITY_TYPES) <= cells


def test_an_interview_declined_row_carries_the_advisers_level_for_benchmark_8() -> None:
    data = csv_bytes(
        "UPN,Activity Type,Date,Adviser,Adviser Level",
        f"{factories.fresh_upn()},Interview Declined,01/10/2024,Priya Shah,Level 6",
    )
    (row,) = parse("activities", data)
    assert isinstance(row, PlannedRow)
    (command,) = row.commands
    assert command.kind == "guidance_interview_not_taken"
    assert command.payload.adviser_qualification_level == 6  # type: ignore[attr-defined]
    assert command.payload.adviser_name == "Priya Shah"  # type: ignore[attr-defined]


def test_a_future_date_of_birth_is_refused_as_in_the_future_not_after_registration() -> None:
    data = csv_bytes("UPN,Surname,Forename,DOB", f"{factories.fresh_upn()},A,B,11/01/2025")
    assert only_rejection("students", data).reason == "DOB: must not be in the future"


def test_a_date_of_birth_after_the_admission_date_still_names_the_registration_date() -> None:
    data = csv_bytes(
        "UPN,Surname,Forename,DOB,Admission Date",
        f"{factories.fresh_upn()},A,B,02/01/2012,01/01/2012",
    )
    assert "registration date" in only_rejection("students", data).reason


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_an_unclosed_quote_refuses_the_file_naming_the_line_where_it_opened(
    newline: str,
) -> None:
    lines = ["UPN,Surname,Forename,DOB"]
    lines += [f"{factories.fresh_upn()},Smith,Amy,01/02/2011" for _ in range(3)]
    lines += [f"{factories.fresh_upn()},\"O'Brien,Ann,01/02/2011"]  # line 5: never closed
    lines += [f"{factories.fresh_upn()},Jones,Ben,01/02/2011" for _ in range(4)]
    caught = refusal("students", (newline.join(lines) + newline).encode("utf-8"))
    assert caught.problems[0].field == "file"
    assert "line 5" in caught.problems[0].reason
    assert "never closed" in caught.problems[0].reason
    assert "O'Brien" not in str(caught)


def test_an_unclosed_quote_on_a_later_line_of_a_multi_line_cell_is_named() -> None:
    data = csv_bytes(
        "UPN,Activity Type,Date,Notes",
        f'{factories.fresh_upn()},LMI,01/01/2025,"two',
        'lines","a stray quote',
        "more",
    )
    assert "line 3" in refusal("activities", data).problems[0].reason


def test_quoted_cells_with_new_lines_and_doubled_quotes_still_read() -> None:
    data = csv_bytes(
        "UPN,Surname,Forename,DOB",
        f'{factories.fresh_upn()},"O""Brien","Ann\r\nMarie",01/02/2011',
        f"{factories.fresh_upn()},Jones,Ben,01/02/2011",
    )
    rows = parse("students", data)
    assert [type(row) for row in rows] == [PlannedRow, PlannedRow]
