"""The student record's events: immutable, past-tense facts.

Each class has an explicit, stable ``TOPIC`` (the stored schema name) and a
``KIND`` (the word the HTTP API, CLI and CSV import use).  The payload is
validated by the class's ``PAYLOAD`` model before the event exists and is kept
in ``data`` as JSON values.  Changing a payload shape means a new
``class_version`` with an ``upcast_vN_vN+1`` static method, tested.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any, ClassVar

import orjson
from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

from ledger.domain import payloads as p

TOPIC_PREFIX = "careers-ledger/"
ERASED_MARKER = "personal_data_erased"
"""Set on the stand-in events read back once a student's key was destroyed."""


def is_erased_placeholder(event: Any) -> bool:
    """True for an erased student's event: class and sequence only, no personal data."""
    return bool(vars(event).get(ERASED_MARKER, False))


def payload_digest(kind: str, occurred_on: date, data: dict[str, Any]) -> str:
    """Fingerprint of a request's content, to tell a retry from a different request."""
    body = orjson.dumps([kind, occurred_on.isoformat(), data], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(body).hexdigest()


class _Registered:
    """Mixin that registers a subclass's explicit topic and kind once."""

    TOPIC: ClassVar[str]
    KIND: ClassVar[str]
    PAYLOAD: ClassVar[type[p.Payload]]
    STUDENT_AUTHORED: ClassVar[bool] = False
    CORRECTABLE: ClassVar[bool] = True
    by_kind: ClassVar[dict[str, type[Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "TOPIC" in cls.__dict__:
            register_topic(cls.TOPIC, cls)
            _Registered.by_kind[cls.KIND] = cls


class StudentEvent(_Registered, Aggregate.Event):
    """Common shape of every event in a student's stream after registration."""

    occurred_on: date
    data: dict[str, Any]
    idempotency_key: str | None
    actor: str | None
    institution_id: str | None
    provenance: dict[str, Any] | None

    def apply(self, aggregate: Any) -> None:
        aggregate.note_entry(self)
        if not is_erased_placeholder(self):
            # A placeholder has no data to apply; the record is erased anyway.
            self.apply_to(aggregate)

    def apply_to(self, aggregate: Any) -> None:
        """Kind-specific state changes. Runs on every replay, so it never fails."""


class StudentRegistered(_Registered, Aggregate.Created):
    TOPIC = TOPIC_PREFIX + "StudentRegistered/v1"
    KIND = "registration"
    PAYLOAD = p.StudentRegistration
    CORRECTABLE = True

    occurred_on: date
    data: dict[str, Any]
    idempotency_key: str | None
    actor: str | None
    institution_id: str | None
    provenance: dict[str, Any] | None


class StudentEnrolled(StudentEvent):
    TOPIC = TOPIC_PREFIX + "StudentEnrolled/v1"
    KIND = "enrolment"
    PAYLOAD = p.Enrolment

    def apply_to(self, aggregate: Any) -> None:
        institution = self.data["institution_id"]
        if institution not in aggregate.institutions:
            aggregate.institutions.append(institution)
        aggregate.current_institution = institution


class StudentLeft(StudentEvent):
    TOPIC = TOPIC_PREFIX + "StudentLeft/v1"
    KIND = "leaving"
    PAYLOAD = p.Leaving

    def apply_to(self, aggregate: Any) -> None:
        if aggregate.current_institution == self.data["institution_id"]:
            aggregate.current_institution = None


class HigherEducationIntentChanged(StudentEvent):
    TOPIC = TOPIC_PREFIX + "HigherEducationIntentChanged/v1"
    KIND = "higher_education_intent"
    PAYLOAD = p.HigherEducationIntent


class GuidanceInterviewRecorded(StudentEvent):
    TOPIC = TOPIC_PREFIX + "GuidanceInterviewRecorded/v1"
    KIND = "guidance_interview"
    PAYLOAD = p.GuidanceInterview


class GuidanceInterviewNotTaken(StudentEvent):
    """v2 adds ``adviser_qualification_level``; the topic, a stored name, stays."""

    TOPIC = TOPIC_PREFIX + "GuidanceInterviewNotTaken/v1"
    KIND = "guidance_interview_not_taken"
    PAYLOAD = p.GuidanceInterviewNotHeld
    class_version = 2

    @staticmethod
    def upcast_v1_v2(document: dict[str, Any]) -> None:
        """A v1 offer never recorded its adviser's level: unknown, so it counts as unqualified."""
        if not document.get(ERASED_MARKER):
            document["data"].setdefault("adviser_qualification_level", None)


class EmployerEncounterRecorded(StudentEvent):
    TOPIC = TOPIC_PREFIX + "EmployerEncounterRecorded/v1"
    KIND = "employer_encounter"
    PAYLOAD = p.EmployerEncounter


class WorkplaceExperienceRecorded(StudentEvent):
    TOPIC = TOPIC_PREFIX + "WorkplaceExperienceRecorded/v1"
    KIND = "workplace_experience"
    PAYLOAD = p.WorkplaceExperience


class ProviderEncounterRecorded(StudentEvent):
    TOPIC = TOPIC_PREFIX + "ProviderEncounterRecorded/v1"
    KIND = "provider_encounter"
    PAYLOAD = p.ProviderEncounter


class LabourMarketInformationUsed(StudentEvent):
    TOPIC = TOPIC_PREFIX + "LabourMarketInformationUsed/v1"
    KIND = "labour_market_information"
    PAYLOAD = p.LabourMarketInformationUse


class CurriculumCareersLearningRecorded(StudentEvent):
    TOPIC = TOPIC_PREFIX + "CurriculumCareersLearningRecorded/v1"
    KIND = "curriculum_learning"
    PAYLOAD = p.CurriculumCareersLearning


class StudentReflectionAdded(StudentEvent):
    TOPIC = TOPIC_PREFIX + "StudentReflectionAdded/v1"
    KIND = "reflection"
    PAYLOAD = p.StudentReflection
    STUDENT_AUTHORED = True


class PartTimeWorkRecorded(StudentEvent):
    TOPIC = TOPIC_PREFIX + "PartTimeWorkRecorded/v1"
    KIND = "part_time_work"
    PAYLOAD = p.PartTimeWork
    STUDENT_AUTHORED = True


class IntendedDestinationRecorded(StudentEvent):
    TOPIC = TOPIC_PREFIX + "IntendedDestinationRecorded/v1"
    KIND = "intended_destination"
    PAYLOAD = p.IntendedDestination


class SeptemberGuaranteeOfferRecorded(StudentEvent):
    TOPIC = TOPIC_PREFIX + "SeptemberGuaranteeOfferRecorded/v1"
    KIND = "september_guarantee"
    PAYLOAD = p.SeptemberGuaranteeOffer


class DestinationRecorded(StudentEvent):
    TOPIC = TOPIC_PREFIX + "DestinationRecorded/v1"
    KIND = "destination"
    PAYLOAD = p.Destination


class EntryCorrected(StudentEvent):
    """Amends fields of an earlier entry; the original stays in history."""

    TOPIC = TOPIC_PREFIX + "EntryCorrected/v1"
    KIND = "correction"
    PAYLOAD = p.Correction
    CORRECTABLE = False


class EntryRetracted(StudentEvent):
    """Withdraws an earlier entry from every projection; history keeps it."""

    TOPIC = TOPIC_PREFIX + "EntryRetracted/v1"
    KIND = "retraction"
    PAYLOAD = p.Retraction
    CORRECTABLE = False

    def apply_to(self, aggregate: Any) -> None:
        aggregate.retracted.append(self.data["amends_sequence"])


class PriorRecordImported(StudentEvent):
    TOPIC = TOPIC_PREFIX + "PriorRecordImported/v1"
    KIND = "prior_record_import"
    PAYLOAD = p.PriorRecordImport
    CORRECTABLE = False


class LegalHoldPlaced(StudentEvent):
    TOPIC = TOPIC_PREFIX + "LegalHoldPlaced/v1"
    KIND = "legal_hold_placed"
    PAYLOAD = p.LegalHold
    CORRECTABLE = False

    def apply_to(self, aggregate: Any) -> None:
        aggregate.legal_hold = True


class LegalHoldLifted(StudentEvent):
    TOPIC = TOPIC_PREFIX + "LegalHoldLifted/v1"
    KIND = "legal_hold_lifted"
    PAYLOAD = p.LegalHold
    CORRECTABLE = False

    def apply_to(self, aggregate: Any) -> None:
        aggregate.legal_hold = False


class StudentErased(StudentEvent):
    """Personal data destroyed (crypto-shredding). Carries no personal data itself."""

    TOPIC = TOPIC_PREFIX + "StudentErased/v1"
    KIND = "erasure"
    PAYLOAD = p.Erasure
    CORRECTABLE = False

    def apply_to(self, aggregate: Any) -> None:
        aggregate.erased = True


EVENT_CLASSES: dict[str, type[Any]] = _Registered.by_kind
"""Every event class by kind (including ``registration``)."""

ENTRY_KINDS: tuple[str, ...] = tuple(k for k in EVENT_CLASSES if k != "registration")
