"""Appending to a student's record: retries, stale versions, corrections, retractions.

A retried request (same Idempotency-Key, same body) gets the first result and
writes nothing; a stale expected version is a conflict, never a lost write;
corrections and retractions amend history without rewriting it.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from api.bootstrap import Ledger
from ledger.domain.errors import (
    DuplicateStudent,
    EntryNotFound,
    IdempotencyKeyReused,
    LedgerError,
    RuleViolation,
    StudentNotFound,
    ValidationFailed,
    VersionConflict,
)
from tests import factories


@pytest.fixture
def student(ledger: Ledger) -> UUID:
    """Amara: registered (1), then a guidance interview (2) and an employer talk (3)."""
    student_id = ledger.service.register_student(factories.registration()).student_id
    ledger.service.record(student_id, "guidance_interview", factories.guidance_interview())
    ledger.service.record(student_id, "employer_encounter", factories.employer_encounter())
    return student_id


def nothing_written(ledger: Ledger, error: type[LedgerError], write: Callable[[], object]) -> str:
    before = ledger.service.event_count()
    with pytest.raises(error) as caught:
        write()
    assert ledger.service.event_count() == before
    return str(caught.value)


# -- idempotent retries ------------------------------------------------------


def test_a_retried_append_returns_the_first_result_and_writes_nothing(
    ledger: Ledger, student: UUID
) -> None:
    payload = factories.provider_encounter()
    first = ledger.service.record(student, "provider_encounter", payload, idempotency_key="pe-1")
    count = ledger.service.event_count()
    again = ledger.service.record(student, "provider_encounter", payload, idempotency_key="pe-1")
    assert first.replayed is False
    assert again == type(first)(student, first.sequence, "provider_encounter", True)
    assert ledger.service.event_count() == count
    assert ledger.service.version_of(student) == first.sequence


def test_a_retry_after_later_appends_still_returns_the_original_sequence(
    ledger: Ledger, student: UUID
) -> None:
    payload = factories.destination()
    first = ledger.service.record(student, "destination", payload, idempotency_key="dest-1")
    ledger.service.record(student, "reflection", factories.PAYLOADS["reflection"]())
    again = ledger.service.record(student, "destination", payload, idempotency_key="dest-1")
    assert (again.sequence, again.replayed) == (first.sequence, True)


def test_a_retry_with_its_original_expected_version_replays_instead_of_conflicting(
    ledger: Ledger, student: UUID
) -> None:
    payload = factories.workplace_experience()
    options = {"idempotency_key": "wex-1", "expected_version": 3}
    first = ledger.service.record(student, "workplace_experience", payload, **options)
    again = ledger.service.record(student, "workplace_experience", payload, **options)
    assert (first.sequence, again.sequence, again.replayed) == (4, 4, True)


def test_a_key_reused_for_a_different_body_is_refused_and_nothing_written(
    ledger: Ledger, student: UUID
) -> None:
    ledger.service.record(
        student, "employer_encounter", factories.employer_encounter(), idempotency_key="ee-9"
    )
    other = factories.employer_encounter(employer_name="Rolls-Royce")
    nothing_written(
        ledger,
        IdempotencyKeyReused,
        lambda: ledger.service.record(student, "employer_encounter", other, idempotency_key="ee-9"),
    )


def test_a_key_reused_for_another_kind_of_entry_is_refused(ledger: Ledger, student: UUID) -> None:
    ledger.service.record(
        student,
        "higher_education_intent",
        {"occurred_on": "2024-10-01", "considering": True},
        idempotency_key="k",
    )
    nothing_written(
        ledger,
        IdempotencyKeyReused,
        lambda: ledger.service.record(
            student,
            "labour_market_information",
            factories.PAYLOADS["labour_market_information"](),
            idempotency_key="k",
        ),
    )


def test_a_retried_registration_returns_the_same_student(ledger: Ledger) -> None:
    payload = factories.registration()
    first = ledger.service.register_student(payload, idempotency_key="reg-amara")
    count = ledger.service.event_count()
    again = ledger.service.register_student(payload, idempotency_key="reg-amara")
    assert first.replayed is False
    assert (again.student_id, again.sequence, again.replayed) == (first.student_id, 1, True)
    assert ledger.service.event_count() == count


def test_a_registration_key_reused_for_another_pupil_is_refused(ledger: Ledger) -> None:
    ledger.service.register_student(factories.registration(), idempotency_key="reg-1")
    other = factories.registration(given_name="Bilal")
    nothing_written(
        ledger,
        IdempotencyKeyReused,
        lambda: ledger.service.register_student(other, idempotency_key="reg-1"),
    )


def test_a_pupil_registered_twice_under_different_keys_is_refused_without_naming_them(
    ledger: Ledger,
) -> None:
    payload = factories.registration(given_name="Zebedee")
    ledger.service.register_student(payload, idempotency_key="reg-a")
    message = nothing_written(
        ledger,
        DuplicateStudent,
        lambda: ledger.service.register_student(payload, idempotency_key="reg-b"),
    )
    assert "UPN" in message
    assert payload["upn"] not in message
    assert "Zebedee" not in message


def test_the_same_pupil_registered_twice_without_keys_is_refused(ledger: Ledger) -> None:
    payload = factories.registration(uln=factories.fresh_uln(), upn=None)
    ledger.service.register_student(payload)
    message = nothing_written(
        ledger, DuplicateStudent, lambda: ledger.service.register_student(payload)
    )
    assert payload["uln"] not in message


@pytest.mark.parametrize("key", ["", "k" * 201, "tab\there"])
def test_an_unusable_idempotency_key_is_refused(ledger: Ledger, student: UUID, key: str) -> None:
    nothing_written(
        ledger,
        ValidationFailed,
        lambda: ledger.service.record(
            student, "reflection", factories.PAYLOADS["reflection"](), idempotency_key=key
        ),
    )


# -- expected versions -------------------------------------------------------


def test_an_append_at_the_expected_version_is_accepted(ledger: Ledger, student: UUID) -> None:
    appended = ledger.service.record(
        student,
        "curriculum_learning",
        factories.PAYLOADS["curriculum_learning"](),
        expected_version=3,
    )
    assert appended.sequence == 4


def test_an_append_from_a_stale_read_is_a_conflict_and_nothing_is_written(
    ledger: Ledger, student: UUID
) -> None:
    seen = ledger.service.version_of(student)
    ledger.service.record(student, "reflection", factories.PAYLOADS["reflection"]())
    message = nothing_written(
        ledger,
        VersionConflict,
        lambda: ledger.service.record(
            student, "destination", factories.destination(), expected_version=seen
        ),
    )
    assert f"expected version {seen}" in message
    assert ledger.service.version_of(student) == seen + 1


def test_an_append_to_a_student_who_does_not_exist_is_not_found(ledger: Ledger) -> None:
    nothing_written(
        ledger,
        StudentNotFound,
        lambda: ledger.service.record(UUID(int=7), "destination", factories.destination()),
    )


# -- corrections ---------------------------------------------------------------


def test_a_correction_is_recorded_beside_the_entry_it_amends(ledger: Ledger, student: UUID) -> None:
    appended = ledger.service.correct(
        student, 3, {"employer_name": "Severn Trent Water"}, "Full name of the employer"
    )
    history = ledger.service.history(student)
    original, correction = history.entries[2], history.entries[3]
    assert appended.sequence == 4
    assert original.data["employer_name"] == "Severn Trent"
    assert correction.kind == "correction"
    assert correction.data["amends_sequence"] == 3
    assert correction.data["changes"] == {"employer_name": "Severn Trent Water"}


def test_a_correction_stores_its_changes_in_canonical_form(ledger: Ledger, student: UUID) -> None:
    ledger.service.correct(student, 2, {"duration_minutes": "45"}, "Ran over")
    assert ledger.service.history(student).entries[-1].data["changes"] == {"duration_minutes": 45}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_minutes": 0}, "changes.duration_minutes"),
        ({"adviser_qualification_level": "six"}, "changes.adviser_qualification_level"),
        ({"shoe_size": 9}, "changes.shoe_size"),
        ({"follow_up_on": "2024-01-01"}, "changes"),
        ({"occurred_on": "2025-01-11"}, "changes.occurred_on"),
    ],
)
def test_a_correction_that_would_make_the_entry_invalid_is_refused(
    ledger: Ledger, student: UUID, changes: dict[str, object], field: str
) -> None:
    before = ledger.service.event_count()
    with pytest.raises(ValidationFailed) as caught:
        ledger.service.correct(student, 2, changes, "Fix")
    assert field in {p.field for p in caught.value.problems}
    assert ledger.service.event_count() == before


@pytest.mark.parametrize("identifier", ["upn", "uln"])
def test_a_students_identifiers_cannot_be_corrected(
    ledger: Ledger, student: UUID, identifier: str
) -> None:
    new_value = factories.fresh_upn() if identifier == "upn" else factories.fresh_uln()
    message = nothing_written(
        ledger,
        ValidationFailed,
        lambda: ledger.service.correct(student, 1, {identifier: new_value}, "Typo"),
    )
    assert "identifiers cannot be corrected" in message
    assert new_value not in message


def test_a_students_name_can_be_corrected(ledger: Ledger, student: UUID) -> None:
    appended = ledger.service.correct(student, 1, {"given_name": "Amarachi"}, "Preferred name")
    assert ledger.service.history(student).entries[-1].sequence == appended.sequence


def test_a_retracted_entry_cannot_be_corrected(ledger: Ledger, student: UUID) -> None:
    ledger.service.retract(student, 3, "Wrong student")
    nothing_written(
        ledger,
        RuleViolation,
        lambda: ledger.service.correct(student, 3, {"sector": "Water"}, "Fix"),
    )


def test_a_correction_cannot_itself_be_corrected(ledger: Ledger, student: UUID) -> None:
    ledger.service.correct(student, 3, {"sector": "Water"}, "Fix")
    nothing_written(
        ledger,
        RuleViolation,
        lambda: ledger.service.correct(student, 4, {"reason": "Better reason"}, "Fix the fix"),
    )


def test_a_correction_of_an_entry_that_does_not_exist_is_not_found(
    ledger: Ledger, student: UUID
) -> None:
    nothing_written(
        ledger, EntryNotFound, lambda: ledger.service.correct(student, 9, {"sector": "X"}, "Fix")
    )


# -- retractions -------------------------------------------------------------


def test_a_retraction_withdraws_an_entry_and_history_keeps_both(
    ledger: Ledger, student: UUID
) -> None:
    appended = ledger.service.retract(student, 2, "Recorded against the wrong student")
    history = ledger.service.history(student)
    assert appended.sequence == 4
    assert [e.kind for e in history.entries] == [
        "registration",
        "guidance_interview",
        "employer_encounter",
        "retraction",
    ]
    assert ledger.app.get_student(student).retracted == [2]


def test_an_entry_cannot_be_retracted_twice(ledger: Ledger, student: UUID) -> None:
    ledger.service.retract(student, 2, "Wrong student")
    nothing_written(
        ledger, RuleViolation, lambda: ledger.service.retract(student, 2, "Wrong student")
    )


def test_a_retraction_cannot_be_retracted(ledger: Ledger, student: UUID) -> None:
    ledger.service.retract(student, 2, "Wrong student")
    nothing_written(ledger, RuleViolation, lambda: ledger.service.retract(student, 4, "Undo"))


def test_a_retried_retraction_replays_rather_than_refusing(ledger: Ledger, student: UUID) -> None:
    first = ledger.service.retract(student, 3, "Duplicate entry", idempotency_key="rt-3")
    again = ledger.service.retract(student, 3, "Duplicate entry", idempotency_key="rt-3")
    assert (again.sequence, again.replayed) == (first.sequence, True)
