"""The words on the entry forms: labels, hints, introductions and error texts.

Only words live here; every rule a field carries comes from the payload model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "_common": {
        "occurred_on": ("Date", "The day it happened (not in the future)."),
        "employer_name": ("Employer", ""),
        "provider_name": ("Provider", ""),
        "adviser_name": ("Adviser's name", ""),
        "end_on": ("Last day", ""),
        "reason": ("Reason", ""),
        "institution_id": ("Institution URN or UKPRN", "6-digit URN or 8-digit UKPRN."),
        "year_group": ("Year group", "7 to 14."),
        "academic_year": ("Academic year (start year)", "2025 means 2025/26."),
        "nccis_code": ("Activity (NCCIS code)", ""),
        "provider_or_employer": ("Provider or employer", ""),
    },
    "guidance_interview": {
        "occurred_on": ("Date of the interview", "Not in the future."),
        "adviser_qualification_level": (
            "Adviser's qualification level",
            "Level 6 or above meets Benchmark 8 (2014).",
        ),
        "format": ("Format", ""),
        "duration_minutes": ("Length in minutes", "5 to 480."),
        "topics": ("Topics discussed", "One a line."),
        "advice_given": ("Advice given", "What the adviser advised (Benchmark 3)."),
        "agreed_actions": ("Agreed actions", "One a line: what the student agreed to do."),
        "intended_destination": ("Intended destination discussed", ""),
        "follow_up_on": ("Follow-up date", "Not before the interview."),
    },
    "guidance_interview_not_taken": {
        "occurred_on": ("Date offered", ""),
        "outcome": ("What happened", ""),
        "adviser_name": ("Adviser who offered it", ""),
        "adviser_qualification_level": (
            "Adviser's qualification level",
            "Under gatsby-2014 an offer by a Level 6+ adviser is the further opportunity (BM8).",
        ),
    },
    "employer_encounter": {
        "sector": ("Sector", ""),
        "activity": ("Activity", ""),
        "shared_purpose": ("Shared purpose agreed with the employer", ""),
        "learning_outcomes_defined": ("Learning outcomes defined", ""),
        "two_way_interaction": ("Two-way interaction with the employer", ""),
        "reflection_recorded": ("Student reflection recorded", ""),
        "curriculum_area": ("Curriculum area", "If delivered through a subject."),
        "learning_outcome_tags": ("CDI learning areas", ""),
        "duration_minutes": ("Length in minutes", ""),
    },
    "workplace_experience": {
        "occurred_on": ("First day", ""),
        "kind": ("Kind of experience", ""),
        "days": ("Days", "In half days, at most the days from first to last."),
        "hours": ("Hours", ""),
        "part_time_job": ("This is a part-time job", "Part-time jobs do not count for BM6."),
        "reflection_recorded": ("Student reflection recorded", ""),
    },
    "provider_encounter": {
        "provider_type": ("Kind of provider", ""),
        "mode": ("How", ""),
        "met_staff": ("Met staff", ""),
        "met_students": ("Met students", ""),
        "higher_education_visit": ("A higher-education visit", ""),
        "provider_access": (
            "Counts under the Provider Access Legislation",
            "A technical-education or apprenticeship provider encounter.",
        ),
        "attended": ("The student attended", ""),
    },
    "labour_market_information": {
        "activity": ("What the student used", "e.g. an LMI for All session."),
        "source": ("Source", ""),
    },
    "curriculum_learning": {
        "subject": ("Subject", ""),
        "stem": ("A STEM subject", ""),
        "description": ("What was learned", ""),
    },
    "higher_education_intent": {"considering": ("Considering higher education", "")},
    "enrolment": {"institution_kind": ("Kind of institution", "")},
    "leaving": {"reason": ("Reason", "")},
    "reflection": {
        "occurred_on": ("Date", "When you wrote this."),
        "about_sequence": ("What it is about", "An encounter, placement or interview."),
        "text": ("Your reflection", "What you did, what you learned, what you will do next."),
    },
    "part_time_work": {
        "occurred_on": ("Start date", ""),
        "role": ("Your role", "e.g. barista."),
        "hours_per_week": ("Hours a week", "Up to 60."),
        "end_on": ("End date", "Leave empty if you still work there."),
    },
    "intended_destination": {"notes": ("Notes", "")},
    "september_guarantee": {
        "occurred_on": ("Date of the offer", ""),
        "programme": ("Programme", ""),
        "accepted": ("Accepted", ""),
    },
    "destination": {
        "occurred_on": ("Date the information was obtained", ""),
        "start_on": ("Start date", ""),
        "end_on": ("End date", ""),
        "source": ("Source", ""),
    },
}
INTROS = {
    "guidance_interview": "A guidance interview or personal guidance meeting (Benchmarks 3 and 8).",
    "guidance_interview_not_taken": "An interview offered but declined or not attended.",
    "employer_encounter": "An encounter with an employer (Benchmark 5).",
    "workplace_experience": "A visit, shadowing, placement or other experience of a workplace.",
    "provider_encounter": "An encounter with a college, university or training provider.",
    "labour_market_information": "Use of careers or labour-market information (Benchmark 2).",
    "curriculum_learning": "Careers learning linked to a curriculum subject (Benchmark 4).",
    "reflection": "Your own words about an encounter, placement or interview. You can reuse "
    "them in CVs and applications.",
    "part_time_work": "A part-time job of your own.",
}

# Pydantic's error types (https://docs.pydantic.dev/latest/errors/validation_errors/), by
# their stable ``type`` code, in the words a form shows next to a field.  The one table the
# pages use; the HTTP API's problem+json keeps pydantic's wording (docs/pages.md).  The
# ledger's own rules (``value_error``, ``assertion_error``) are already written in plain words
# and are shown as they are.
DATE_WORDS = "must be a date written DD/MM/YYYY or YYYY-MM-DD"
REAL_DATE_WORDS = "must be a real date written DD/MM/YYYY or YYYY-MM-DD"
PLAIN_ERRORS: dict[str, str] = {
    "missing": "is required",
    "string_too_short": "must be at least {min_length} characters",
    "string_too_long": "must be {max_length} characters or fewer",
    "string_type": "must be text",
    "string_pattern_mismatch": "is not written the way the hint shows",
    "less_than_equal": "must be {le} or less",
    "less_than": "must be less than {lt}",
    "greater_than_equal": "must be {ge} or more",
    "greater_than": "must be more than {gt}",
    "multiple_of": "must be a multiple of {multiple_of}",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "decimal_parsing": "must be a number",
    "decimal_type": "must be a number",
    "finite_number": "must be a number",
    "bool_parsing": "must be yes or no",
    "bool_type": "must be yes or no",
    "enum": "must be one of the choices given",
    "literal_error": "must be one of the choices given",
    "date_parsing": REAL_DATE_WORDS,
    "date_from_datetime_parsing": REAL_DATE_WORDS,
    "date_from_datetime_inexact": REAL_DATE_WORDS,
    "date_type": DATE_WORDS,
    "too_short": "must have at least {min_length} lines or choices",
    "too_long": "must have at most {max_length} lines or choices",
    "list_type": "must be a list",
    "uuid_parsing": "is not an entry of this record",
    "extra_forbidden": "is not part of this form",
}
OWN_WORDS = frozenset({"value_error", "assertion_error"})
FALLBACK_WORDS = "is not a value this form can take"


def plain_reason(error: Mapping[str, Any]) -> str:
    """One pydantic error (from ``ValidationError.errors()``) in plain English, by type code."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in OWN_WORDS:
        own = ctx.get("error")
        return str(own) if own is not None else str(error.get("msg", FALLBACK_WORDS))
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return PLAIN_ERRORS["missing"]  # a required box left empty (spaces are trimmed)
    words = PLAIN_ERRORS.get(kind)
    if words is None:
        return FALLBACK_WORDS
    try:
        return words.format(**{k: _number(v) for k, v in ctx.items()})
    except (KeyError, IndexError):
        return FALLBACK_WORDS


def _number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
