"""Columns and checks shared by every file kind: who the row is about, where."""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.service.imports.mis.columns import Column, Header, RowReader
from ledger.service.imports.mis.plan import Draft, ImportOptions, StudentRef
from ledger.service.imports.mis.source import refuse
from ledger.service.imports.mis.values import (
    label_key,
    parse_academic_year,
    parse_institution,
    parse_uln,
    parse_upn,
)

UPN = Column("upn", "UPN", ("Unique Pupil Number", "Pupil UPN"), note="13 characters, checked")
ULN = Column("uln", "ULN", ("Unique Learner Number",), note="10 digits, checked")
INSTITUTION = Column(
    "institution_id",
    "URN",
    ("UKPRN", "School URN", "Establishment URN", "Institution", "Institution ID"),
    note="6-digit URN or 8-digit UKPRN; default --institution",
)
INSTITUTION_KIND = Column(
    "institution_kind", "Institution Kind", ("Institution Type",), note="school or college"
)
ACADEMIC_YEAR = Column(
    "academic_year", "Academic Year", ("Year of Study",), note="2024/25; default: the current one"
)

_INSTITUTION_KINDS = {
    "school": "school",
    "college": "college",
    "fe": "college",
    "sixthform": "school",
}


def require_identifier_column(header: Header) -> None:
    if not (header.has("upn") or header.has("uln")):
        raise refuse("header", "missing column: UPN or ULN (at least one is needed)")


def require_institution(header: Header, options: ImportOptions) -> None:
    if not header.has("institution_id") and options.institution_id is None:
        raise refuse(
            "header",
            "missing column: URN (or UKPRN); or give the institution for the whole file "
            "(--institution)",
        )


def read_student(reader: RowReader) -> StudentRef:
    """The row's student: at least one of UPN and ULN, each checked."""
    upn = reader.get("upn", parse_upn, "upn")
    uln = reader.get("uln", parse_uln, "uln")
    if not reader.text("upn") and not reader.text("uln"):
        reader.problem("upn" if reader.header.has("upn") else "uln", "a UPN or a ULN is required")
        reader.failed.update({"upn", "uln"})
    return StudentRef(upn, uln)


def read_institution(reader: RowReader, options: ImportOptions) -> tuple[str | None, str]:
    institution = reader.get("institution_id", parse_institution, "institution_id")
    if institution is None and not reader.text("institution_id"):
        institution = options.institution_id
    kind_cell = reader.text("institution_kind")
    kind = options.institution_kind or "school"
    if kind_cell:
        kind = _INSTITUTION_KINDS.get(label_key(kind_cell), "")
        if not kind:
            reader.problem("institution_kind", "must be school or college")
    return institution, kind


def read_academic_year(reader: RowReader, options: ImportOptions) -> int | None:
    if not reader.text("academic_year"):
        return options.academic_year
    return reader.get("academic_year", parse_academic_year, "academic_year")


def add_enrolment(
    reader: RowReader,
    draft: Draft,
    academic_year: int,
    admitted: date | None,
    fields: dict[str, Any],
) -> None:
    """Queue the row's enrolment for ``academic_year`` (with ``fields``, its place and
    year group): from 1 September, or from the admission date when that is later."""
    start = date(academic_year, 9, 1)
    enrolment = {
        "occurred_on": max(admitted, start) if admitted else start,
        "academic_year": academic_year,
        **fields,
    }
    source = "admission_date" if admitted and admitted > start else "academic_year"
    draft.add("enrolment", enrolment, occurred_on=reader.label(source))


YEAR_GROUP = Column(
    "year_group",
    "Year Group",
    ("Year", "NC Year", "National Curriculum Year", "Curriculum Year", "Yr"),
    note="7-14; 9, Y9 or Year 9",
)
