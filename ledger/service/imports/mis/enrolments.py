"""Enrolments file: a student's year group at an institution for an academic year,
and (when the MIS gives a leaving date) their leaving."""

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
from ledger.service.imports.mis.students import ADMISSION
from ledger.service.imports.mis.values import parse_date, parse_year_group

COLUMNS = (
    UPN,
    ULN,
    INSTITUTION,
    INSTITUTION_KIND,
    Column(YEAR_GROUP.key, YEAR_GROUP.label, YEAR_GROUP.aliases, True, YEAR_GROUP.note),
    ACADEMIC_YEAR,
    ADMISSION,
    Column("leaving_date", "Leaving Date", ("Date of Leaving", "Leave Date", "End Date")),
    Column("leaving_reason", "Reason for Leaving", ("Leaving Reason",)),
)


def check_header(header: Header, options: ImportOptions) -> None:
    require_identifier_column(header)
    require_institution(header, options)


def read_row(reader: RowReader, options: ImportOptions) -> Draft:
    draft = Draft(read_student(reader))
    institution, kind = read_institution(reader, options)
    academic_year = read_academic_year(reader, options)
    admitted = reader.get("admission_date", parse_date)
    year_group = reader.get("year_group", parse_year_group, "year_group")
    if academic_year is not None:
        place = {"institution_id": institution, "institution_kind": kind, "year_group": year_group}
        add_enrolment(reader, draft, academic_year, admitted, place)
    left = reader.get("leaving_date", parse_date, "occurred_on")
    if left is not None:
        leaving: dict[str, Any] = {
            "occurred_on": left,
            "institution_id": institution,
            "year_group": year_group,
        }
        reader.put(leaving, "reason", "leaving_reason", str)
        draft.add("leaving", leaving)
    return draft


SPEC = FileSpec("enrolments", COLUMNS, read_row, check_header)
