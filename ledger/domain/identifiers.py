"""Unique Pupil Number and Unique Learner Number checks (docs/identifiers.md).

Messages say which character is wrong and why, never echo the identifier
itself (it is personal data).
"""

from __future__ import annotations

from collections.abc import Callable

from ledger.domain.errors import FieldProblem, InvalidIdentifier

UPN_CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"
ULN_LENGTH = 10
UPN_LENGTH = 13
# str.isdigit() also accepts Arabic-Indic, fullwidth and other scripts' digits:
# such an identifier could pass its check yet never match the pupil's real one.
ASCII_DIGITS = frozenset("0123456789")
# A typo in any digit fails the check: say what the check is, not only where it failed.
UPN_CHECK_MISMATCH = (
    "the first letter is a check letter worked out from the digits; it does not match them:"
    " check for a mistyped digit or letter"
)
ULN_CHECK_MISMATCH = (
    "the last digit is a check digit worked out from the first nine; it does not match them:"
    " check for a mistyped digit"
)


def _refuse(field: str, reason: str) -> InvalidIdentifier:
    return InvalidIdentifier(f"{field}: {reason}", (FieldProblem(field, reason),))


def upn_check_letter(body: str) -> str:
    """Check letter for characters 2-13 of a UPN.

    Weights 2..13 apply to characters 2..13; a letter in position 13 (a
    temporary UPN) counts as its index in the check alphabet.
    """
    total = 0
    for weight, char in enumerate(body, start=2):
        value = int(char) if char in ASCII_DIGITS else UPN_CHECK_ALPHABET.index(char)
        total += weight * value
    return UPN_CHECK_ALPHABET[total % 23]


def normalise_upn(raw: str, field: str = "upn") -> str:
    """Return the canonical (upper-case, trimmed) UPN or raise InvalidIdentifier."""
    upn = raw.strip().upper()
    if len(upn) != UPN_LENGTH:
        raise _refuse(field, f"must be {UPN_LENGTH} characters, got {len(upn)}")
    if upn[0] not in UPN_CHECK_ALPHABET:
        raise _refuse(field, "character 1 must be a check letter (A-Z without I, O, S)")
    for position in range(2, 13):
        if upn[position - 1] not in ASCII_DIGITS:
            raise _refuse(field, f"character {position} must be a digit 0-9")
    last = upn[12]
    if not (last in ASCII_DIGITS or last in UPN_CHECK_ALPHABET):
        raise _refuse(
            field,
            "character 13 must be a digit, or a letter A-Z without I, O, S (temporary UPN);"
            " digits are 0-9",
        )
    if upn_check_letter(upn[1:]) != upn[0]:
        raise _refuse(field, UPN_CHECK_MISMATCH)
    return upn


def uln_check_digit(first_nine: str) -> int | None:
    """Check digit for the first nine ULN digits, or None when no digit can be valid."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    remainder = total % 11
    if remainder == 0:
        return None
    return 10 - remainder


def normalise_uln(raw: str, field: str = "uln") -> str:
    """Return the canonical ULN or raise InvalidIdentifier naming the bad character."""
    uln = raw.strip()
    if len(uln) != ULN_LENGTH:
        raise _refuse(field, f"must be {ULN_LENGTH} digits, got {len(uln)} characters")
    for position, char in enumerate(uln, start=1):
        if char not in ASCII_DIGITS:
            raise _refuse(field, f"character {position} must be a digit 0-9")
    expected = uln_check_digit(uln[:9])
    if expected is None:
        raise _refuse(field, "characters 1-9 give a remainder of 0, so no check digit is valid")
    if int(uln[9]) != expected:
        raise _refuse(field, ULN_CHECK_MISMATCH)
    return uln


def _passes(normalise: Callable[[str], str], raw: str) -> bool:
    try:
        normalise(raw)
    except InvalidIdentifier:
        return False
    return True


def is_valid_upn(raw: str) -> bool:
    return _passes(normalise_upn, raw)


def is_valid_uln(raw: str) -> bool:
    return _passes(normalise_uln, raw)


def make_upn(la_code: int, establishment: int, year: int, serial: int) -> str:
    """Build a valid permanent UPN (used by the demo and tests)."""
    body = f"{la_code:03d}{establishment:04d}{year % 100:02d}{serial:03d}"
    return upn_check_letter(body) + body


def make_uln(first_nine: int) -> str | None:
    """Build a valid ULN from nine digits, or None when none exists for them."""
    digits = f"{first_nine:09d}"
    check = uln_check_digit(digits)
    return None if check is None or check > 9 else digits + str(check)
