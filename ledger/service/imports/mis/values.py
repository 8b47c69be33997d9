"""Cell parsers for MIS exports: the spellings SIMS, Arbor and Bromcom produce.

Each parser takes a stripped, non-empty cell and returns a typed value or
raises :class:`CellError` with a reason that never repeats the cell (it may
be personal data).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from ledger.domain.errors import InvalidIdentifier
from ledger.domain.identifiers import normalise_uln, normalise_upn


class CellError(ValueError):
    """One cell could not be read; ``reason`` names the rule, never the value."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def label_key(text: str) -> str:
    """Fold a header or code for matching: case, spaces and punctuation ignored."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_UK = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})$")
_TIME = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2})?$")


def parse_date(cell: str) -> date:
    """YYYY-MM-DD or DD/MM/YYYY (also with '.' or '-'); a midnight time is tolerated."""
    text = _TIME.sub("", cell.strip())
    if match := _ISO.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _UK.match(text):
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) != 4:
            raise CellError("the year must have four digits (DD/MM/YYYY)")
    else:
        raise CellError("is not a date in the form YYYY-MM-DD or DD/MM/YYYY")
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(
            "is not a real calendar date (dates are DD/MM/YYYY or YYYY-MM-DD)"
        ) from None


_TRUE = {"y", "yes", "true", "t", "1", "x"}
_FALSE = {"n", "no", "false", "f", "0"}


def parse_bool(cell: str) -> bool:
    """Yes/No, Y/N, True/False, T/F, 1/0 (and 'X' for a ticked box)."""
    folded = label_key(cell)
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise CellError("must be yes or no (Y/N, true/false, 1/0)")


def parse_send(cell: str) -> bool:
    """Yes/No, or a SIMS SEN status: N none, K SEN support, E EHC plan, S statement."""
    folded = label_key(cell)
    if folded in {"k", "e", "s", "sensupport", "ehcp", "ehcplan", "statement"}:
        return True
    if folded in {"n", "none", "nosen"}:
        return False
    try:
        return parse_bool(cell)
    except CellError:
        raise CellError("must be yes/no or a SEN status code (N, K, E, S)") from None


_GENDERS = {
    "f": "female",
    "female": "female",
    "girl": "female",
    "m": "male",
    "male": "male",
    "boy": "male",
    "x": "other",
    "o": "other",
    "other": "other",
    "nonbinary": "other",
    "u": "not_stated",
    "unknown": "not_stated",
    "notstated": "not_stated",
    "notknown": "not_stated",
    "prefernottosay": "not_stated",
}


def parse_gender(cell: str) -> str:
    try:
        return _GENDERS[label_key(cell)]
    except KeyError:
        raise CellError("is not a known gender code (F, M, X or U)") from None


_YEAR_GROUP = re.compile(r"^(?:nc|national curriculum|curriculum)?\s*(?:year|yr|y)?\s*(\d{1,2})$")


def parse_year_group(cell: str) -> int:
    """'9', '09', 'Y9', 'Yr 9', 'Year 9', 'NC Year 9'."""
    match = _YEAR_GROUP.match(cell.strip().lower())
    if not match:
        raise CellError("is not a year group (a number such as 9, or Y9 / Year 9)")
    return int(match.group(1))


_ACADEMIC = re.compile(r"^(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?$")


def parse_academic_year(cell: str) -> int:
    """'2024/25', '2024/2025', '2024-25' or '2024': the starting year."""
    match = _ACADEMIC.match(cell.strip())
    if not match:
        raise CellError("is not an academic year (such as 2024/25)")
    start = int(match.group(1))
    end = match.group(2)
    following = str(start + 1)
    if end is not None and not following.endswith(end):
        raise CellError("the two years of an academic year must be consecutive (such as 2024/25)")
    return start


def parse_int(cell: str) -> int:
    text = cell.strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise CellError("must be a whole number")
    return int(text)


def parse_decimal(cell: str) -> Decimal:
    try:
        value = Decimal(cell.strip())
    except InvalidOperation:
        raise CellError("must be a number") from None
    if not value.is_finite():
        raise CellError("must be a number")
    return value


def parse_list(cell: str) -> list[str]:
    """Several items in one cell, separated by ';', '|' or new lines."""
    return [item.strip() for item in re.split(r"[;|\n]", cell) if item.strip()]


_INSTITUTION = re.compile(r"^\d{6}$|^\d{8}$")


def parse_institution(cell: str) -> str:
    text = cell.strip()
    if not _INSTITUTION.match(text):
        raise CellError("must be a 6-digit URN or an 8-digit UKPRN")
    return text


_NCCIS = re.compile(r"^(\d{3})(?:\b.*)?$")


def parse_nccis_code(cell: str) -> str:
    """'230' or '230 - Full time FE': the three-digit code is what counts."""
    match = _NCCIS.match(cell.strip())
    if not match:
        raise CellError("is not an NCCIS current-activity code (three digits, such as 230)")
    return match.group(1)


def choose(cell: str, table: dict[str, str], what: str) -> str:
    """Map a free-text code onto a closed vocabulary via folded labels."""
    try:
        return table[label_key(cell)]
    except KeyError:
        raise CellError(f"is not a known {what} (see docs/mis-import.md)") from None


def parse_upn(cell: str) -> str:
    try:
        return normalise_upn(cell)
    except InvalidIdentifier as exc:
        raise CellError(exc.problems[0].reason) from None


def parse_uln(cell: str) -> str:
    try:
        return normalise_uln(cell)
    except InvalidIdentifier as exc:
        raise CellError(exc.problems[0].reason) from None
