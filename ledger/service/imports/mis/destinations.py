"""Destinations file: actual activities after leaving (NCCIS current-activity
codes), intended destinations and September Guarantee offers."""

from __future__ import annotations

from typing import Any

from ledger.service.imports.mis.columns import Column, Header, RowReader
from ledger.service.imports.mis.common import ULN, UPN, read_student, require_identifier_column
from ledger.service.imports.mis.plan import Draft, FileSpec, ImportOptions
from ledger.service.imports.mis.values import (
    choose,
    label_key,
    parse_bool,
    parse_date,
    parse_nccis_code,
)

COLUMNS = (
    UPN,
    ULN,
    Column(
        "record_type",
        "Destination Type",
        ("Record Type", "Type"),
        note="Actual (default), Intended or September Guarantee",
    ),
    Column(
        "nccis_code",
        "NCCIS Code",
        (
            "Activity Code",
            "Current Activity Code",
            "Current Activity",
            "Destination Code",
            "NCCIS Activity Code",
        ),
        required=True,
        note="three digits, such as 230; '230 - FT FE' is read as 230",
    ),
    Column(
        "organisation",
        "Provider or Employer",
        (
            "Provider",
            "Employer",
            "Destination Provider",
            "Organisation",
            "Institution/Employer",
            "Destination",
        ),
    ),
    Column("start_date", "Start Date", ("Date Started",)),
    Column("end_date", "End Date", ("Date Ended",)),
    Column(
        "source",
        "Source",
        ("Data Source", "Information Source"),
        note="Student, Local Authority, Alumni Survey, DfE or School (default)",
    ),
    Column(
        "date_obtained",
        "Date Obtained",
        ("Date Recorded", "Date Confirmed", "Contact Date", "Information Date"),
    ),
    Column("notes", "Notes", ("Comments",)),
    Column("programme", "Programme", ("Course",)),
    Column("accepted", "Accepted", ("Offer Accepted",)),
)

_RECORD_TYPES = {
    label_key(label): kind
    for kind, labels in (
        ("destination", ("Actual", "Actual Destination", "Destination", "Current Activity")),
        ("intended_destination", ("Intended", "Intended Destination", "Intention")),
        ("september_guarantee", ("September Guarantee", "SG", "Offer", "SG Offer")),
    )
    for label in labels
}
_SOURCES = {
    label_key(label): value
    for value, labels in (
        ("student", ("Student", "Pupil", "Young Person", "Self Reported", "Self")),
        ("local_authority", ("Local Authority", "LA", "Council", "NCCIS")),
        ("alumni_survey", ("Alumni Survey", "Alumni")),
        ("dfe", ("DfE", "Department for Education", "Destination Measures")),
        ("school", ("School", "College", "Institution", "MIS")),
    )
    for label in labels
}


def _source(cell: str) -> str:
    return choose(cell, _SOURCES, "source")


def check_header(header: Header, options: ImportOptions) -> None:
    require_identifier_column(header)


def read_row(reader: RowReader, options: ImportOptions) -> Draft:
    draft = Draft(read_student(reader))
    kind = "destination"
    if reader.text("record_type"):
        kind = _RECORD_TYPES.get(label_key(reader.text("record_type")), "")
        if not kind:
            reader.problem("record_type", "must be Actual, Intended or September Guarantee")
            return draft
    payload: dict[str, Any] = {}
    reader.put(payload, "occurred_on", "date_obtained", parse_date)
    if kind == "september_guarantee":
        reader.put(payload, "provider_name", "organisation", str)
        reader.put(payload, "programme", "programme", str)
        reader.put(payload, "accepted", "accepted", parse_bool)
    else:
        reader.put(payload, "nccis_code", "nccis_code", parse_nccis_code)
        reader.put(payload, "provider_or_employer", "organisation", str)
    if kind == "intended_destination":
        reader.put(payload, "notes", "notes", str)
    if kind == "destination":
        _actual(reader, payload, options)
    draft.add(kind, payload)
    return draft


def _actual(reader: RowReader, payload: dict[str, Any], options: ImportOptions) -> None:
    reader.put(payload, "start_on", "start_date", parse_date)
    reader.put(payload, "end_on", "end_date", parse_date)
    reader.put(payload, "source", "source", _source)
    payload.setdefault("source", "school")
    if "occurred_on" in payload or "occurred_on" in reader.failed:
        return
    # Without a date obtained, the start date stands in for it: it is in the
    # row, so a re-import reads the same entry.
    start = payload.get("start_on")
    if start is None:
        return
    if start > options.today:
        reader.problem("date_obtained", "is required when the start date is in the future")
        reader.failed.add("occurred_on")
        return
    payload["occurred_on"] = start
    reader.sources["occurred_on"] = "start_date"


SPEC = FileSpec("destinations", COLUMNS, read_row, check_header)
