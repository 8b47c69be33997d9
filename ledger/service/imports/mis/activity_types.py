"""The words MIS exports and careers trackers use for activities, mapped onto
the ledger's entry kinds and vocabularies (docs/mis-import.md lists them).

Matching folds case, spaces and punctuation, so "Work Experience",
"work-experience" and "WORK EXPERIENCE" are one label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.service.imports.mis.values import label_key


@dataclass(frozen=True)
class ActivityType:
    kind: str
    defaults: dict[str, Any]


_ACTIVITY_TYPES: tuple[tuple[tuple[str, ...], str, dict[str, Any]], ...] = (
    (("Employer Encounter", "Employer Engagement", "employer_encounter"), "employer_encounter", {}),
    (
        ("Employer Talk", "Careers Talk", "Assembly Talk", "Industry Talk"),
        "employer_encounter",
        {"activity": "talk"},
    ),
    (("Careers Fair", "Jobs Fair"), "employer_encounter", {"activity": "careers_fair"}),
    (("Mentoring", "Employer Mentoring"), "employer_encounter", {"activity": "mentoring"}),
    (
        ("Enterprise Scheme", "Enterprise Challenge", "Enterprise Competition", "Enterprise Day"),
        "employer_encounter",
        {"activity": "enterprise_scheme"},
    ),
    (("Mock Interview", "Mock Interviews"), "employer_encounter", {"activity": "mock_interview"}),
    (("Speed Networking",), "employer_encounter", {"activity": "speed_networking"}),
    (("Employer Workshop",), "employer_encounter", {"activity": "workshop"}),
    (
        ("Virtual Employer Encounter", "Virtual Employer Talk"),
        "employer_encounter",
        {"activity": "virtual"},
    ),
    (
        (
            "Workplace Experience",
            "Work Experience",
            "Work Placement",
            "Placement",
            "workplace_experience",
        ),
        "workplace_experience",
        {"kind": "placement"},
    ),
    (
        ("Workplace Visit", "Employer Visit", "Site Visit", "Workplace Tour"),
        "workplace_experience",
        {"kind": "visit"},
    ),
    (
        ("Job Shadowing", "Work Shadowing", "Shadowing"),
        "workplace_experience",
        {"kind": "shadowing"},
    ),
    (("Virtual Work Experience",), "workplace_experience", {"kind": "virtual"}),
    (("In-school Work Experience",), "workplace_experience", {"kind": "in_school"}),
    (("Provider Encounter", "provider_encounter"), "provider_encounter", {}),
    (
        ("College Visit", "FE College Visit", "College Open Evening", "College Taster"),
        "provider_encounter",
        {"provider_type": "fe_college", "mode": "visit"},
    ),
    (("College Talk",), "provider_encounter", {"provider_type": "fe_college"}),
    (
        ("Sixth Form Visit", "Sixth Form Open Evening", "Sixth Form Taster"),
        "provider_encounter",
        {"provider_type": "sixth_form", "mode": "visit"},
    ),
    (
        (
            "University Visit",
            "HE Visit",
            "University Open Day",
            "University Taster",
            "Campus Visit",
        ),
        "provider_encounter",
        {"provider_type": "university", "mode": "visit", "higher_education_visit": True},
    ),
    (("University Talk", "HE Talk"), "provider_encounter", {"provider_type": "university"}),
    (
        (
            "Apprenticeship Provider Encounter",
            "Apprenticeship Talk",
            "Apprenticeship Provider Talk",
        ),
        "provider_encounter",
        {"provider_type": "apprenticeship_provider"},
    ),
    (
        ("Training Provider Talk", "ITP Encounter", "Independent Training Provider Talk"),
        "provider_encounter",
        {"provider_type": "independent_training_provider"},
    ),
    (
        ("UTC Encounter", "UTC Talk"),
        "provider_encounter",
        {"provider_type": "university_technical_college"},
    ),
    (
        (
            "Guidance Interview",
            "Careers Interview",
            "Personal Guidance",
            "Personal Guidance Meeting",
            "Careers Guidance Interview",
            "IAG Interview",
            "guidance_interview",
        ),
        "guidance_interview",
        {},
    ),
    (("Group Guidance", "Group Guidance Session"), "guidance_interview", {"format": "group"}),
    (
        ("Guidance Interview Declined", "Interview Declined", "guidance_interview_not_taken"),
        "guidance_interview_not_taken",
        {"outcome": "declined"},
    ),
    (
        ("Guidance Interview Not Attended", "Guidance Interview DNA", "Interview Not Attended"),
        "guidance_interview_not_taken",
        {"outcome": "did_not_attend"},
    ),
    (
        (
            "LMI",
            "Labour Market Information",
            "LMI Session",
            "Careers Information",
            "labour_market_information",
        ),
        "labour_market_information",
        {},
    ),
    (
        (
            "Curriculum Learning",
            "Careers in the Curriculum",
            "Curriculum Linked Careers Learning",
            "Careers Lesson",
            "curriculum_learning",
        ),
        "curriculum_learning",
        {},
    ),
    (("STEM Careers Learning", "STEM Curriculum Learning"), "curriculum_learning", {"stem": True}),
)

ACTIVITY_TYPES: dict[str, ActivityType] = {
    label_key(label): ActivityType(kind, defaults)
    for labels, kind, defaults in _ACTIVITY_TYPES
    for label in labels
}


def _table(*groups: tuple[str, tuple[str, ...]]) -> dict[str, str]:
    table = {}
    for value, labels in groups:
        for label in (value, *labels):
            table[label_key(label)] = value
    return table


EMPLOYER_ACTIVITIES = _table(
    ("talk", ("Employer Talk", "Assembly", "Assembly Talk")),
    ("mentoring", ()),
    ("enterprise_scheme", ("Enterprise", "Enterprise Challenge", "Enterprise Competition")),
    ("careers_fair", ("Careers Fair", "Fair", "Jobs Fair")),
    ("mock_interview", ("Mock Interview", "Mock Interviews")),
    ("speed_networking", ("Speed Networking",)),
    ("virtual", ("Online",)),
    ("workshop", ()),
    ("other", ()),
)
EXPERIENCE_KINDS = _table(
    ("visit", ("Workplace Visit", "Employer Visit")),
    ("shadowing", ("Job Shadowing", "Work Shadowing")),
    ("placement", ("Work Experience", "Work Placement")),
    ("virtual", ("Online", "Virtual Work Experience")),
    ("in_school", ("In School",)),
)
PROVIDER_TYPES = _table(
    ("sixth_form", ("Sixth Form", "School Sixth Form", "Sixth Form College")),
    ("fe_college", ("FE", "FE College", "Further Education College", "College")),
    ("university", ("Uni",)),
    ("higher_education", ("HE", "Higher Education", "HE Provider", "Higher Education Provider")),
    ("apprenticeship_provider", ("Apprenticeship Provider", "Apprenticeship")),
    (
        "independent_training_provider",
        ("ITP", "Independent Training Provider", "Training Provider"),
    ),
    ("university_technical_college", ("UTC", "University Technical College")),
)
MODES = _table(
    ("on_site", ("On Site", "Onsite", "In School", "On Campus")),
    ("visit", ("Off Site", "Offsite", "Trip")),
    ("virtual", ("Online", "Remote")),
)
INTERVIEW_FORMATS = _table(
    ("one_to_one", ("One to One", "1:1", "1-2-1", "121", "Individual")),
    ("group", ("Group",)),
)
INTERVIEW_OUTCOMES = _table(
    ("declined", ("Declined", "Refused")),
    ("did_not_attend", ("Did Not Attend", "DNA", "Absent", "No Show")),
)
LEARNING_AREAS = _table(
    ("grow_throughout_life", ("Grow Throughout Life",)),
    ("explore_possibilities", ("Explore Possibilities",)),
    ("manage_career", ("Manage Career", "Manage Your Career")),
    ("create_opportunities", ("Create Opportunities",)),
    ("balance_life_and_work", ("Balance Life and Work",)),
    ("see_the_big_picture", ("See the Big Picture",)),
)
