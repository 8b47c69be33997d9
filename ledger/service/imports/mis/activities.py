"""Activities file: one row per careers activity a student took part in.

The "Activity Type" column says which kind of entry a row becomes (see
``activity_types``); the other columns fill that entry's fields, and columns
that do not apply to a row's kind are ignored for that row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ledger.service.imports.mis.activity_types import (
    ACTIVITY_TYPES,
    EMPLOYER_ACTIVITIES,
    EXPERIENCE_KINDS,
    INTERVIEW_FORMATS,
    INTERVIEW_OUTCOMES,
    LEARNING_AREAS,
    MODES,
    PROVIDER_TYPES,
)
from ledger.service.imports.mis.columns import Column, Header, RowReader
from ledger.service.imports.mis.common import ULN, UPN, read_student, require_identifier_column
from ledger.service.imports.mis.plan import Draft, FileSpec, ImportOptions
from ledger.service.imports.mis.values import (
    CellError,
    choose,
    label_key,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    parse_list,
)

COLUMNS = (
    UPN,
    ULN,
    Column(
        "activity_type",
        "Activity Type",
        ("Activity", "Type", "Category", "Activity Category", "Encounter Type"),
        required=True,
        note="see the activity types below",
    ),
    Column(
        "date",
        "Date",
        ("Activity Date", "Start Date", "Event Date", "Date of Activity"),
        required=True,
    ),
    Column("end_date", "End Date", ("Finish Date", "To Date")),
    Column(
        "organisation",
        "Organisation",
        (
            "Organization",
            "Employer",
            "Provider",
            "Employer Name",
            "Provider Name",
            "Employer/Provider",
            "Company",
        ),
    ),
    Column("sector", "Sector", ("Industry", "Employer Sector")),
    Column("employer_activity", "Employer Activity", ("Encounter Kind", "Encounter Format")),
    Column("experience_kind", "Experience Kind", ("Experience Type", "Placement Type")),
    Column("provider_type", "Provider Type", ("Institution Type",)),
    Column("mode", "Mode", ("Delivery", "Delivery Mode", "Location")),
    Column("days", "Days", ("Number of Days", "No of Days")),
    Column("hours", "Hours", ("Number of Hours", "Total Hours")),
    Column("duration", "Duration (minutes)", ("Duration", "Minutes", "Duration Minutes")),
    Column("shared_purpose", "Shared Purpose"),
    Column("learning_outcomes_defined", "Learning Outcomes Defined", ("Learning Outcomes",)),
    Column("two_way_interaction", "Two-way Interaction", ("Interaction",)),
    Column("reflection_recorded", "Reflection Recorded", ("Reflection",)),
    Column("curriculum_area", "Curriculum Area", ("Department", "Curriculum Department")),
    Column("cdi_areas", "CDI Learning Areas", ("CDI Areas", "Learning Outcome Tags")),
    Column("met_staff", "Met Staff"),
    Column("met_students", "Met Students"),
    Column("he_visit", "HE Visit", ("Higher Education Visit", "University Visit")),
    Column(
        "provider_access", "Provider Access", ("PAL", "Baker Clause", "Provider Access Legislation")
    ),
    Column("attended", "Attended", ("Attendance",)),
    Column("adviser", "Adviser", ("Adviser Name", "Careers Adviser", "Advisor", "Staff")),
    Column(
        "adviser_level",
        "Adviser Level",
        ("Adviser Qualification Level", "Qualification Level", "Advisor Level"),
    ),
    Column("interview_format", "Interview Format", ("Format", "Group or Individual")),
    Column("topics", "Topics", ("Topics Discussed",)),
    Column("advice", "Advice Given", ("Advice", "Summary of Advice", "Guidance Notes")),
    Column("actions", "Agreed Actions", ("Actions", "Next Steps", "Action Plan")),
    Column("intended_destination", "Intended Destination"),
    Column("follow_up", "Follow-up Date", ("Review Date",)),
    Column("outcome", "Outcome", ("Interview Outcome",)),
    Column("subject", "Subject", ("Curriculum Subject",)),
    Column("stem", "STEM", ("STEM Subject",)),
    Column("description", "Description", ("Title", "Activity Name", "Details", "Notes")),
    Column("source", "Source", ("LMI Source", "Resource", "Tool")),
    Column("part_time_job", "Part-time Job"),
)

Reader = Callable[[RowReader, dict[str, Any], str], None]


def _vocabulary(table: dict[str, str], what: str) -> Callable[[str], str]:
    return lambda cell: choose(cell, table, what)


_EMPLOYER_ACTIVITY = _vocabulary(EMPLOYER_ACTIVITIES, "employer activity")
_EXPERIENCE_KIND = _vocabulary(EXPERIENCE_KINDS, "experience kind")
_PROVIDER_TYPE = _vocabulary(PROVIDER_TYPES, "provider type")
_MODE = _vocabulary(MODES, "mode")
_INTERVIEW_FORMAT = _vocabulary(INTERVIEW_FORMATS, "interview format")
_INTERVIEW_OUTCOME = _vocabulary(INTERVIEW_OUTCOMES, "interview outcome")


def _tags(cell: str) -> list[str]:
    return [choose(item, LEARNING_AREAS, "CDI learning area") for item in parse_list(cell)]


def _level(cell: str) -> int:
    match = re.fullmatch(r"(?:level|l)?\s*(\d{1,2})", cell.strip().lower())
    if not match:
        raise CellError("is not a qualification level (a number such as 6, or Level 6)")
    return int(match.group(1))


def _employer_encounter(reader: RowReader, payload: dict[str, Any], type_text: str) -> None:
    reader.put(payload, "employer_name", "organisation", str)
    reader.put(payload, "sector", "sector", str)
    reader.put(
        payload,
        "activity",
        "employer_activity",
        _EMPLOYER_ACTIVITY,
    )
    payload.setdefault("activity", "other")
    for flag in (
        "shared_purpose",
        "learning_outcomes_defined",
        "two_way_interaction",
        "reflection_recorded",
    ):
        reader.put(payload, flag, flag, parse_bool)
    reader.put(payload, "curriculum_area", "curriculum_area", str)
    reader.put(payload, "learning_outcome_tags", "cdi_areas", _tags)
    reader.put(payload, "duration_minutes", "duration", parse_int)


def _workplace_experience(reader: RowReader, payload: dict[str, Any], type_text: str) -> None:
    reader.put(payload, "kind", "experience_kind", _EXPERIENCE_KIND)
    reader.put(payload, "employer_name", "organisation", str)
    reader.put(payload, "end_on", "end_date", parse_date)
    reader.put(payload, "days", "days", parse_decimal)
    reader.put(payload, "hours", "hours", parse_decimal)
    reader.put(payload, "part_time_job", "part_time_job", parse_bool)
    reader.put(payload, "reflection_recorded", "reflection_recorded", parse_bool)
    if "end_on" not in payload and "end_on" not in reader.failed and "occurred_on" in payload:
        payload["end_on"] = payload["occurred_on"]
    if "days" not in payload and "days" not in reader.failed and "end_on" in payload:
        if payload["end_on"] == payload.get("occurred_on"):
            payload["days"] = Decimal(1)
        else:
            reader.problem("days", "is required when the experience lasts more than one day")
            reader.failed.add("days")


def _provider_encounter(reader: RowReader, payload: dict[str, Any], type_text: str) -> None:
    reader.put(payload, "provider_type", "provider_type", _PROVIDER_TYPE)
    reader.put(payload, "provider_name", "organisation", str)
    reader.put(payload, "mode", "mode", _MODE)
    for path, key in (
        ("met_staff", "met_staff"),
        ("met_students", "met_students"),
        ("higher_education_visit", "he_visit"),
        ("provider_access", "provider_access"),
        ("attended", "attended"),
    ):
        reader.put(payload, path, key, parse_bool)


def _guidance_interview(reader: RowReader, payload: dict[str, Any], type_text: str) -> None:
    reader.put(payload, "adviser_name", "adviser", str)
    reader.put(payload, "adviser_qualification_level", "adviser_level", _level)
    reader.put(payload, "format", "interview_format", _INTERVIEW_FORMAT)
    reader.put(payload, "duration_minutes", "duration", parse_int)
    reader.put(payload, "topics", "topics", parse_list)
    reader.put(payload, "advice_given", "advice", str)
    reader.put(payload, "agreed_actions", "actions", parse_list)
    reader.put(payload, "intended_destination", "intended_destination", str)
    reader.put(payload, "follow_up_on", "follow_up", parse_date)


def _interview_not_taken(reader: RowReader, payload: dict[str, Any], type_text: str) -> None:
    reader.put(payload, "outcome", "outcome", _INTERVIEW_OUTCOME)
    reader.put(payload, "adviser_name", "adviser", str)
    reader.put(payload, "adviser_qualification_level", "adviser_level", _level)


def _labour_market_information(reader: RowReader, payload: dict[str, Any], type_text: str) -> None:
    reader.put(payload, "activity", "description", str)
    if "activity" not in payload:
        payload["activity"] = type_text
        reader.sources["activity"] = "activity_type"
    reader.put(payload, "source", "source", str)


def _curriculum_learning(reader: RowReader, payload: dict[str, Any], type_text: str) -> None:
    reader.put(payload, "subject", "subject", str)
    reader.put(payload, "stem", "stem", parse_bool)
    reader.put(payload, "description", "description", str)


READERS: dict[str, Reader] = {
    "employer_encounter": _employer_encounter,
    "workplace_experience": _workplace_experience,
    "provider_encounter": _provider_encounter,
    "guidance_interview": _guidance_interview,
    "guidance_interview_not_taken": _interview_not_taken,
    "labour_market_information": _labour_market_information,
    "curriculum_learning": _curriculum_learning,
}


def check_header(header: Header, options: ImportOptions) -> None:
    require_identifier_column(header)


def read_row(reader: RowReader, options: ImportOptions) -> Draft:
    draft = Draft(read_student(reader))
    type_text = reader.text("activity_type")
    if not type_text:
        reader.problem("activity_type", "is required")
        return draft
    activity = ACTIVITY_TYPES.get(label_key(type_text))
    if activity is None:
        reader.problem("activity_type", "is not a known activity type (see docs/mis-import.md)")
        return draft
    payload = dict(activity.defaults)
    reader.put(payload, "occurred_on", "date", parse_date)
    READERS[activity.kind](reader, payload, type_text)
    draft.add(activity.kind, payload)
    return draft


SPEC = FileSpec("activities", COLUMNS, read_row, check_header)
