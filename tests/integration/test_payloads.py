"""Every kind of entry is checked before anything is stored.

Good input is recorded as given; bad input is refused with a ValidationFailed
that names the field and the rule, never echoes the value, and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from api.bootstrap import Ledger
from ledger.domain.errors import StudentErased, ValidationFailed
from ledger.domain.events import ENTRY_KINDS
from tests import factories

TODAY = "2025-01-10"  # the test clock's date (tests/conftest.py START)
TOMORROW = "2025-01-11"
TARGET = 2  # the employer encounter every story below starts with

AMENDING: dict[str, Callable[..., dict[str, Any]]] = {
    "correction": lambda **o: {
        "occurred_on": TODAY,
        "amends_sequence": TARGET,
        "changes": {"sector": "Water and utilities"},
        "reason": "Sector mistyped",
        **o,
    },
    "retraction": lambda **o: {
        "occurred_on": TODAY,
        "amends_sequence": TARGET,
        "reason": "Recorded against the wrong student",
        **o,
    },
    "legal_hold_lifted": lambda **o: {"occurred_on": TODAY, "reason": "Complaint closed", **o},
    "erasure": lambda **o: {"occurred_on": TODAY, "reason": "request", **o},
}


def good(kind: str, /, **overrides: Any) -> dict[str, Any]:
    builder = factories.PAYLOADS.get(kind) or AMENDING[kind]
    if kind == "leaving":  # the factory's leaving date lies after the test clock's today
        overrides = {"occurred_on": "2024-12-20", **overrides}
    return builder(**overrides)


@pytest.fixture
def student(ledger: Ledger) -> UUID:
    """A registered student whose second entry is an employer encounter."""
    student_id = ledger.service.register_student(factories.registration()).student_id
    ledger.service.record(student_id, "employer_encounter", factories.employer_encounter())
    return student_id


def ready_for(ledger: Ledger, student_id: UUID, kind: str) -> None:
    if kind == "legal_hold_lifted":
        ledger.service.record(student_id, "legal_hold_placed", good("legal_hold_placed"))


def refused(ledger: Ledger, write: Callable[[], object]) -> ValidationFailed:
    """Run a write that must be refused, and check it stored nothing."""
    before = ledger.service.event_count()
    with pytest.raises(ValidationFailed) as caught:
        write()
    assert ledger.service.event_count() == before
    return caught.value


def named_fields(exc: ValidationFailed) -> set[str]:
    # A rule across fields (end before start) is reported on "body", its reason
    # starting with the field it refuses.
    return {p.reason.split()[0] if p.field == "body" else p.field for p in exc.problems}


@pytest.mark.parametrize("kind", ENTRY_KINDS)
def test_every_kind_of_entry_with_good_input_is_recorded_as_given(
    ledger: Ledger, student: UUID, kind: str
) -> None:
    ready_for(ledger, student, kind)
    payload = good(kind)
    appended = ledger.service.record(student, kind, payload)
    if kind == "erasure":
        # The record is kept but no longer readable: the keys are gone.
        with pytest.raises(StudentErased):
            ledger.service.history(student)
        assert ledger.service.event_count() == appended.sequence
        return
    history = ledger.service.history(student)
    assert appended.kind == kind
    assert appended.replayed is False
    assert appended.sequence == history.version
    entry = history.entries[-1]
    assert entry.kind == kind
    assert entry.occurred_on.isoformat() == payload["occurred_on"]
    assert set(entry.data) >= set(payload) - {"occurred_on"}


def test_a_student_registered_with_both_identifiers_can_be_found_by_either(ledger: Ledger) -> None:
    payload = factories.registration(uln=factories.fresh_uln())
    student_id = ledger.service.register_student(payload).student_id
    assert ledger.service.find_student(upn=payload["upn"]) == student_id
    assert ledger.service.find_student(uln=payload["uln"]) == student_id
    assert ledger.service.history(student_id).entries[0].data["given_name"] == "Amara"


BAD_REGISTRATIONS = [
    ({"date_of_birth": "14/03/2011"}, "date_of_birth"),
    ({"date_of_birth": "1985-03-14"}, "date_of_birth"),
    ({"date_of_birth": "2024-09-03"}, "date_of_birth"),
    ({"given_name": ""}, "given_name"),
    ({"family_name": 42}, "family_name"),
    ({"upn": "H801200001002"}, "upn"),
    ({"upn": None}, "a"),  # "a UPN or a ULN is required"
    ({"uln": "1000000063"}, "uln"),
    ({"characteristics": {"gender": "unknown"}}, "characteristics.gender"),
    ({"characteristics": {"fsm": "sometimes"}}, "characteristics.fsm"),
    ({"favourite_colour": "blue"}, "favourite_colour"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_REGISTRATIONS)
def test_a_bad_registration_is_refused_naming_the_field(
    ledger: Ledger, overrides: dict[str, Any], field: str
) -> None:
    payload = factories.registration(**overrides)
    exc = refused(ledger, lambda: ledger.service.register_student(payload))
    assert field in named_fields(exc)
    assert field in str(exc)


BAD_ENTRIES = [
    ("enrolment", {"institution_id": "12345"}, "institution_id"),
    ("enrolment", {"year_group": 6}, "year_group"),
    ("enrolment", {"academic_year": 1999}, "academic_year"),
    ("enrolment", {"institution_kind": "university"}, "institution_kind"),
    ("leaving", {"year_group": "eleven"}, "year_group"),
    ("higher_education_intent", {"considering": "maybe"}, "considering"),
    ("guidance_interview", {"adviser_qualification_level": 9}, "adviser_qualification_level"),
    ("guidance_interview", {"duration_minutes": 0}, "duration_minutes"),
    ("guidance_interview", {"format": "zoom"}, "format"),
    ("guidance_interview", {"advice_given": "   "}, "advice_given"),
    ("guidance_interview", {"topics": ["options"] * 21}, "topics"),
    ("guidance_interview", {"follow_up_on": "2024-11-11"}, "follow_up_on"),
    ("guidance_interview_not_taken", {"outcome": "forgot"}, "outcome"),
    ("employer_encounter", {"activity": "bake_sale"}, "activity"),
    ("employer_encounter", {"learning_outcome_tags": ["get_rich"]}, "learning_outcome_tags.0"),
    ("employer_encounter", {"duration_minutes": 4801}, "duration_minutes"),
    ("employer_encounter", {"shared_purpose": [True]}, "shared_purpose"),
    ("workplace_experience", {"end_on": "2024-06-30"}, "end_on"),
    ("workplace_experience", {"days": "0"}, "days"),
    ("workplace_experience", {"days": "1.3"}, "days"),
    ("workplace_experience", {"days": "6"}, "days"),  # more days than 1-5 July holds
    ("workplace_experience", {"kind": "holiday"}, "kind"),
    ("provider_encounter", {"provider_type": "polytechnic"}, "provider_type"),
    ("provider_encounter", {"mode": "teleport"}, "mode"),
    ("labour_market_information", {"activity": ""}, "activity"),
    ("curriculum_learning", {"stem": "perhaps"}, "stem"),
    ("reflection", {"text": "x" * 5001}, "text"),
    ("reflection", {"about_sequence": 0}, "about_sequence"),
    ("part_time_work", {"hours_per_week": "61"}, "hours_per_week"),
    ("intended_destination", {"nccis_code": "999"}, "nccis_code"),
    ("september_guarantee", {"accepted": "perhaps"}, "accepted"),
    ("destination", {"nccis_code": "123"}, "nccis_code"),
    ("destination", {"end_on": "2024-09-04"}, "end_on"),
    ("destination", {"source": "rumour"}, "source"),
    ("destination", {"start_on": None}, "start_on"),
    ("correction", {"changes": {}}, "changes"),
    ("correction", {"amends_sequence": 0}, "amends_sequence"),
    ("retraction", {"reason": ""}, "reason"),
    ("prior_record_import", {"bundle_digest": "not-a-sha256"}, "bundle_digest"),
    ("prior_record_import", {"event_count": -1}, "event_count"),
    ("legal_hold_placed", {"reason": None}, "reason"),
    ("legal_hold_lifted", {"reason": " "}, "reason"),
    ("erasure", {"reason": "whim"}, "reason"),
]


@pytest.mark.parametrize(("kind", "overrides", "field"), BAD_ENTRIES)
def test_a_bad_entry_is_refused_naming_the_field_and_nothing_is_written(
    ledger: Ledger, student: UUID, kind: str, overrides: dict[str, Any], field: str
) -> None:
    ready_for(ledger, student, kind)
    payload = good(kind, **overrides)
    exc = refused(ledger, lambda: ledger.service.record(student, kind, payload))
    assert field in named_fields(exc)


def test_the_bad_entry_table_covers_every_kind_of_entry() -> None:
    assert {kind for kind, _, _ in BAD_ENTRIES} == set(ENTRY_KINDS)


@pytest.mark.parametrize("kind", ENTRY_KINDS)
def test_an_entry_dated_in_the_future_before_2000_or_not_as_a_date_is_refused(
    ledger: Ledger, student: UUID, kind: str
) -> None:
    ready_for(ledger, student, kind)
    # A placement that starts tomorrow also ends after it (otherwise end_on is refused first).
    ends = {"end_on": "2025-01-20"} if kind == "workplace_experience" else {}
    for occurred_on in (TOMORROW, "1999-12-31", "last Tuesday", 20241012):
        payload = good(kind, occurred_on=occurred_on, **ends)
        exc = refused(ledger, lambda p=payload: ledger.service.record(student, kind, p))
        assert named_fields(exc) == {"occurred_on"}


def test_an_entry_missing_its_date_is_refused(ledger: Ledger, student: UUID) -> None:
    payload = factories.employer_encounter()
    del payload["occurred_on"]
    exc = refused(ledger, lambda: ledger.service.record(student, "employer_encounter", payload))
    assert named_fields(exc) == {"occurred_on"}


def test_an_unknown_kind_of_entry_is_refused(ledger: Ledger, student: UUID) -> None:
    exc = refused(ledger, lambda: ledger.service.record(student, "time_travel", {}))
    assert named_fields(exc) == {"kind"}


def test_a_payload_that_is_not_an_object_is_refused(ledger: Ledger, student: UUID) -> None:
    exc = refused(
        ledger,
        lambda: ledger.service.record(student, "enrolment", ["100001", 9, 2024]),  # type: ignore[arg-type]
    )
    assert exc.problems
    assert exc.status == 422


MARKER = "Zebedee Quillfeather"
MARKED_UPN = "H801200001002"  # wrong check letter
PRIVATE_CASES: list[tuple[str, dict[str, Any]]] = [
    ("registration", {"given_name": MARKER, "upn": MARKED_UPN}),
    ("registration", {"family_name": MARKER * 20}),
    ("registration", {"date_of_birth": MARKER}),
    ("registration", {"characteristics": {"gender": MARKER}}),
    ("guidance_interview", {"advice_given": MARKER * 600}),
    ("guidance_interview", {"adviser_name": MARKER, "duration_minutes": MARKER}),
    ("employer_encounter", {"activity": MARKER}),
    ("destination", {"nccis_code": MARKER}),
    ("reflection", {"text": MARKER * 300}),
    ("reflection", {"about_sequence": MARKER}),
    ("correction", {"changes": {"employer_name": MARKER * 20}}),
    ("correction", {"changes": {"duration_minutes": MARKER}}),
]


@pytest.mark.parametrize(("kind", "overrides"), PRIVATE_CASES)
def test_a_refusal_never_repeats_the_personal_data_it_was_given(
    ledger: Ledger, student: UUID, kind: str, overrides: dict[str, Any]
) -> None:
    if kind == "registration":
        payload = factories.registration(**overrides)
        exc = refused(ledger, lambda: ledger.service.register_student(payload))
    else:
        payload = good(kind, **overrides)
        exc = refused(ledger, lambda: ledger.service.record(student, kind, payload))
    told = " ".join([str(exc), exc.detail, repr(exc.problems)])
    assert "Zebedee" not in told
    assert MARKED_UPN not in told
