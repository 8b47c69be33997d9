"""The closed vocabularies the events use (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum


class InstitutionKind(StrEnum):
    SCHOOL = "school"
    COLLEGE = "college"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    NOT_STATED = "not_stated"


class InterviewFormat(StrEnum):
    ONE_TO_ONE = "one_to_one"
    GROUP = "group"


class InterviewOutcome(StrEnum):
    DECLINED = "declined"
    DID_NOT_ATTEND = "did_not_attend"


class EmployerActivity(StrEnum):
    TALK = "talk"
    MENTORING = "mentoring"
    ENTERPRISE_SCHEME = "enterprise_scheme"
    CAREERS_FAIR = "careers_fair"
    MOCK_INTERVIEW = "mock_interview"
    SPEED_NETWORKING = "speed_networking"
    VIRTUAL = "virtual"
    WORKSHOP = "workshop"
    OTHER = "other"


class LearningOutcome(StrEnum):
    """CDI framework learning areas."""

    GROW_THROUGHOUT_LIFE = "grow_throughout_life"
    EXPLORE_POSSIBILITIES = "explore_possibilities"
    MANAGE_CAREER = "manage_career"
    CREATE_OPPORTUNITIES = "create_opportunities"
    BALANCE_LIFE_AND_WORK = "balance_life_and_work"
    SEE_THE_BIG_PICTURE = "see_the_big_picture"


class ExperienceKind(StrEnum):
    VISIT = "visit"
    SHADOWING = "shadowing"
    PLACEMENT = "placement"
    VIRTUAL = "virtual"
    IN_SCHOOL = "in_school"


class ProviderType(StrEnum):
    """Union of the 2014 and 2025 provider vocabularies (BM7, Provider Access)."""

    SIXTH_FORM = "sixth_form"
    FE_COLLEGE = "fe_college"
    UNIVERSITY = "university"
    HIGHER_EDUCATION = "higher_education"
    APPRENTICESHIP_PROVIDER = "apprenticeship_provider"
    INDEPENDENT_TRAINING_PROVIDER = "independent_training_provider"
    UNIVERSITY_TECHNICAL_COLLEGE = "university_technical_college"


class EncounterMode(StrEnum):
    ON_SITE = "on_site"
    VISIT = "visit"
    VIRTUAL = "virtual"


class LearningKind(StrEnum):
    LMI = "lmi"
    CURRICULUM = "curriculum"


class DestinationSource(StrEnum):
    STUDENT = "student"
    LOCAL_AUTHORITY = "local_authority"
    ALUMNI_SURVEY = "alumni_survey"
    DFE = "dfe"
    SCHOOL = "school"


class Role(StrEnum):
    STUDENT = "student"
    ADVISER = "adviser"
    CAREERS_LEADER = "careers_leader"
    AUDITOR = "auditor"
    DATA_PROTECTION_OFFICER = "data_protection_officer"
    SYSTEM = "system"
