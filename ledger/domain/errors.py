"""One error tree for the whole product.

Every failure a user can cause is a :class:`LedgerError` subclass carrying a
stable ``code``, an HTTP-ish ``status`` and, for validation, the offending
field paths with reasons.  Messages never contain personal data: they name
fields and rules, never values.  The HTTP layer maps this tree to
problem+json in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: a dotted path and why it was refused (no values)."""

    field: str
    reason: str


class LedgerError(Exception):
    code = "ledger_error"
    status = 400
    title = "The request could not be completed"

    def __init__(self, detail: str, problems: tuple[FieldProblem, ...] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = problems


class ValidationFailed(LedgerError):
    code = "validation_failed"
    status = 422
    title = "The input is not valid"


class InvalidIdentifier(ValidationFailed):
    code = "invalid_identifier"
    title = "The identifier is not valid"


class StudentNotFound(LedgerError):
    code = "student_not_found"
    status = 404
    title = "No such student"


class EntryNotFound(LedgerError):
    code = "entry_not_found"
    status = 404
    title = "No such entry in this student's record"


class VersionConflict(LedgerError):
    code = "version_conflict"
    status = 409
    title = "The record has changed since you read it"


class IdempotencyKeyReused(LedgerError):
    code = "idempotency_key_reused"
    status = 422
    title = "This Idempotency-Key was already used for a different request"


class DuplicateStudent(LedgerError):
    code = "duplicate_student"
    status = 409
    title = "This pupil cannot be registered here with this identifier"


class RuleViolation(LedgerError):
    """A well-formed request the student's record cannot accept."""

    code = "rule_violation"
    status = 409
    title = "The record does not allow this"


class StudentErased(LedgerError):
    code = "student_erased"
    status = 410
    title = "This student's personal data has been erased"


class LegalHoldActive(RuleViolation):
    code = "legal_hold_active"
    title = "A legal hold blocks this"


class StorageUnavailable(LedgerError):
    code = "storage_unavailable"
    status = 503
    title = "The ledger store is unavailable"


class Forbidden(LedgerError):
    """The actor may see this student but not do this (students, auditors)."""

    code = "forbidden"
    status = 403
    title = "Your role does not allow this"
