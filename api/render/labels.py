"""Words people read: entry kinds, benchmark parts and states, groups, roles, rates.

Shared by the pages (``api.pages.labels`` adds the Jinja filters) and the CLI's report
tables, so a part or a state is called the same wherever a person reads it.  Machine
outputs (CSV, JSON) keep the stable keys.
"""

from __future__ import annotations

import re
from typing import Any

KIND_LABELS = {
    "registration": "Registered",
    "enrolment": "Enrolment",
    "leaving": "Leaving",
    "higher_education_intent": "Higher education intent",
    "guidance_interview": "Guidance interview",
    "guidance_interview_not_taken": "Guidance interview not taken",
    "employer_encounter": "Employer encounter",
    "workplace_experience": "Workplace experience",
    "provider_encounter": "Provider encounter",
    "labour_market_information": "Labour-market information",
    "curriculum_learning": "Careers learning in the curriculum",
    "reflection": "Reflection",
    "part_time_work": "Part-time work",
    "intended_destination": "Intended destination",
    "september_guarantee": "September Guarantee offer",
    "destination": "Destination",
    "correction": "Correction",
    "retraction": "Retraction",
    "prior_record_import": "Earlier record imported",
    "legal_hold_placed": "Legal hold placed",
    "legal_hold_lifted": "Legal hold lifted",
    "erasure": "Erased",
}
STATE_LABELS = {
    "met": "Met",
    "on_track": "On track",
    "at_risk": "At risk",
    "not_met": "Not met",
    "not_applicable": "Does not apply",
}
STUDENT_STATE_LABELS = {
    "met": "Done",
    "on_track": "Still to come",
    "at_risk": "Due this year",
    "not_met": "Missed",
    "not_applicable": "Does not apply",
}
SUSTAINED_LABELS = {
    "sustained": "Sustained",
    "not_sustained": "Not sustained",
    "not_captured": "Not captured",
    "pending": "Year not over",
}
CHARACTERISTIC_LABELS = {
    "fsm": "Free school meals",
    "send": "SEND",
    "pupil_premium": "Pupil premium",
    "care_experienced": "Care-experienced",
    "gender": "Gender",
}
STAGE_LABELS = {"ks4": "Year 11 leavers", "ks5": "Year 13 leavers"}
ROLE_LABELS = {
    "student": "Student",
    "adviser": "Careers adviser",
    "careers_leader": "Careers leader",
    "auditor": "Auditor",
    "data_protection_officer": "Data protection officer",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def state_label(state: Any) -> str:
    return STATE_LABELS.get(str(state), str(state))


def student_state_label(state: Any) -> str:
    return STUDENT_STATE_LABELS.get(str(state), str(state))


def part_label(part: str) -> str:
    """Rule-set part names (``y9``, ``by_16_y7_9``, ``ks3``) as people say them."""
    text = re.sub(r"^y(\d+)$", r"Year \1", part)
    text = re.sub(r"^ks(\d)$", r"Key stage \1", text)
    text = re.sub(r"^y(\d+)_(\d+)$", r"Years \1-\2", text)
    text = re.sub(r"^destinations_y(\d)$", r"Destination, year \1 after leaving", text)
    text = re.sub(r"by_(\d+)", r"by \1", text)
    text = re.sub(r"_y(\d+)_(\d+)", r", Years \1-\2", text)
    text = text.replace("_", " ")
    return text[:1].upper() + text[1:]


def group_label(characteristic: str, group: str) -> str:
    name = CHARACTERISTIC_LABELS.get(characteristic, characteristic)
    if characteristic == "gender":
        return group.replace("_", " ").capitalize()
    return name if group == "yes" else f"Not {name[0].lower()}{name[1:]}"


def percent(value: float | None) -> str:
    return "\u2013" if value is None else f"{value * 100:.0f}%"


def points(value: float | None) -> str:
    return "\u2013" if value is None else f"{value:+.1f} pp"


def role_label(role: Any) -> str:
    return ROLE_LABELS.get(str(role), str(role))
