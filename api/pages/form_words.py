"""The words on the entry forms: labels, hints and introductions, by entry kind.

Only words live here; every rule a field carries comes from the payload model.
"""

from __future__ import annotations

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
