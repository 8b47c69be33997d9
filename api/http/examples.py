"""One realistic request body per entry kind, shown in OpenAPI and checked by a test."""

from __future__ import annotations

from typing import Any

REGISTRATION: dict[str, Any] = {
    "occurred_on": "2024-09-02",
    "given_name": "Amara",
    "family_name": "Okafor",
    "date_of_birth": "2011-03-14",
    "upn": "H801200001001",
    "characteristics": {"gender": "female", "fsm": True},
}

ENTRIES: dict[str, dict[str, Any]] = {
    "enrolment": {
        "occurred_on": "2024-09-02",
        "institution_id": "100001",
        "institution_kind": "school",
        "year_group": 9,
        "academic_year": 2024,
    },
    "leaving": {"occurred_on": "2024-07-19", "institution_id": "100001", "year_group": 11},
    "higher_education_intent": {"occurred_on": "2024-10-01", "considering": True},
    "guidance_interview": {
        "occurred_on": "2024-11-12",
        "adviser_name": "Priya Shah",
        "adviser_qualification_level": 6,
        "format": "one_to_one",
        "duration_minutes": 40,
        "topics": ["post-16 options"],
        "advice_given": "Explore the engineering apprenticeship at the local college.",
        "agreed_actions": ["Attend the college open evening"],
        "intended_destination": "Level 3 engineering apprenticeship",
    },
    "guidance_interview_not_taken": {
        "occurred_on": "2024-10-01",
        "outcome": "declined",
        "adviser_name": "Priya Shah",
        "adviser_qualification_level": 6,
    },
    "employer_encounter": {
        "occurred_on": "2024-10-03",
        "employer_name": "Severn Trent",
        "sector": "Utilities",
        "activity": "talk",
        "shared_purpose": True,
        "learning_outcomes_defined": True,
        "two_way_interaction": True,
        "reflection_recorded": True,
        "learning_outcome_tags": ["explore_possibilities"],
    },
    "workplace_experience": {
        "occurred_on": "2024-07-01",
        "kind": "placement",
        "employer_name": "Midlands Metro",
        "end_on": "2024-07-05",
        "days": "5",
    },
    "provider_encounter": {
        "occurred_on": "2024-10-20",
        "provider_type": "fe_college",
        "provider_name": "City College",
        "mode": "visit",
        "met_staff": True,
        "met_students": True,
        "provider_access": True,
    },
    "labour_market_information": {"occurred_on": "2024-10-01", "activity": "LMI for All session"},
    "curriculum_learning": {"occurred_on": "2024-10-01", "subject": "Physics", "stem": True},
    "reflection": {"occurred_on": "2024-10-04", "text": "The talk showed me what engineers do."},
    "part_time_work": {
        "occurred_on": "2024-06-01",
        "employer_name": "Corner Cafe",
        "role": "Barista",
        "hours_per_week": "8",
    },
    "intended_destination": {"occurred_on": "2024-10-01", "nccis_code": "310"},
    "september_guarantee": {
        "occurred_on": "2024-09-20",
        "provider_name": "City College",
        "programme": "T Level Engineering",
        "accepted": True,
    },
    "destination": {
        "occurred_on": "2024-12-01",
        "nccis_code": "230",
        "provider_or_employer": "City College",
        "start_on": "2024-09-05",
        "source": "local_authority",
    },
    "legal_hold_placed": {"occurred_on": "2024-10-01", "reason": "Subject access complaint"},
    "legal_hold_lifted": {"occurred_on": "2024-12-01", "reason": "Complaint resolved"},
}
