"""Students file: one row per student, as a MIS "student list" export gives them.

A row registers the student (or, when the UPN/ULN is already known, updates
their details) and, when it carries a year group, records their enrolment
for the academic year.
"""

from __future__ import annotations

from typing import Any

from ledger.service.imports.mis.columns import Column, Header, RowReader
from ledger.service.imports.mis.common import (
    ACADEMIC_YEAR,
    INSTITUTION,
    INSTITUTION_KIND,
    ULN,
    UPN,
    YEAR_GROUP,
    add_enrolment,
    read_academic_year,
    read_institution,
    read_student,
    require_identifier_column,
    require_institution,
)
from ledger.service.imports.mis.plan import Draft, FileSpec, ImportOptions
from ledger.service.imports.mis.values import (
    parse_bool,
    parse_date,
    parse_gender,
    parse_send,
    parse_year_group,
)

ADMISSION = Column(
    "admission_date",
    "Admission Date",
    ("Date of Admission", "Entry Date", "Enrolment Date", "Start Date"),
    note="DD/MM/YYYY or YYYY-MM-DD",
)

COLUMNS = (
    UPN,
    ULN,
    Column(
        "family_name",
        "Legal Surname",
        ("Surname", "Last Name", "Family Name", "Preferred Surname"),
        required=True,
    ),
    Column(
        "given_name",
        "Legal Forename",
        ("Forename", "First Name", "Given Name", "Legal First Name", "Preferred Forename"),
        required=True,
    ),
    Column("date_of_birth", "DOB", ("Date of Birth", "Birth Date"), required=True),
    Column("gender", "Gender", ("Sex",), note="F, M, X or U (also Female, Male, ...)"),
    Column(
        "fsm", "FSM", ("FSM Eligible", "Free School Meals", "FSM Eligibility", "Eligible for FSM")
    ),
    Column(
        "send", "SEN Status", ("SEN", "SEND", "SEN Provision", "SEND Status"), note="N, K, E, S"
    ),
    Column("pupil_premium", "Pupil Premium", ("PP", "Pupil Premium Indicator", "Disadvantaged")),
    Column(
        "care_experienced",
        "Care Experienced",
        ("Looked After", "In Care", "CLA", "LAC", "Child Looked After", "Ever in Care"),
    ),
    YEAR_GROUP,
    ACADEMIC_YEAR,
    INSTITUTION,
    INSTITUTION_KIND,
    ADMISSION,
)

_FLAGS = (
    ("fsm", parse_bool),
    ("send", parse_send),
    ("pupil_premium", parse_bool),
    ("care_experienced", parse_bool),
)


def check_header(header: Header, options: ImportOptions) -> None:
    require_identifier_column(header)
    if header.has("year_group"):
        require_institution(header, options)


def read_row(reader: RowReader, options: ImportOptions) -> Draft:
    student = read_student(reader)
    draft = Draft(student)
    registration: dict[str, Any] = {"upn": student.upn, "uln": student.uln}
    reader.put(registration, "given_name", "given_name", str)
    reader.put(registration, "family_name", "family_name", str)
    reader.put(registration, "date_of_birth", "date_of_birth", parse_date)
    born = registration.get("date_of_birth")
    if born is not None and born > options.today:
        # Said as it is: "before the registration date" misleads when the date is to come.
        reader.problem("date_of_birth", "must not be in the future")
        reader.failed.add("date_of_birth")
    reader.put(registration, "characteristics.gender", "gender", parse_gender)
    for key, parse in _FLAGS:
        reader.put(registration, f"characteristics.{key}", key, parse)
    admitted = reader.get("admission_date", parse_date)
    registration["occurred_on"] = admitted or options.today
    draft.add("registration", registration, occurred_on=reader.label("admission_date"))
    if reader.text("year_group"):
        _enrolment(reader, options, draft, admitted)
    return draft


def _enrolment(reader: RowReader, options: ImportOptions, draft: Draft, admitted: Any) -> None:
    institution, kind = read_institution(reader, options)
    academic_year = read_academic_year(reader, options)
    if academic_year is None:
        return
    place: dict[str, Any] = {"institution_id": institution, "institution_kind": kind}
    reader.put(place, "year_group", "year_group", parse_year_group)
    add_enrolment(reader, draft, academic_year, admitted, place)


SPEC = FileSpec("students", COLUMNS, read_row, check_header)
