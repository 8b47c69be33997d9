"""Parse a MIS export into planned rows: the pure half of an import (no storage)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ledger.domain.errors import FieldProblem
from ledger.service.imports.mis import activities, destinations, enrolments, students
from ledger.service.imports.mis.columns import Header, resolve_header
from ledger.service.imports.mis.plan import (
    FileSpec,
    ImportOptions,
    PlannedRow,
    RejectedRow,
    plan_row,
)
from ledger.service.imports.mis.source import Record, decode, records, refuse

FILE_KINDS: dict[str, FileSpec] = {
    spec.kind: spec for spec in (students.SPEC, enrolments.SPEC, activities.SPEC, destinations.SPEC)
}


@dataclass
class ParsedFile:
    """A readable file: its header, notes for the user and its rows, planned lazily."""

    kind: str
    encoding: str
    header: Header
    warnings: list[str]
    total: int
    rows: Iterator[PlannedRow | RejectedRow]


def file_spec(kind: str) -> FileSpec:
    try:
        return FILE_KINDS[kind]
    except KeyError:
        raise refuse("kind", "must be one of " + ", ".join(FILE_KINDS)) from None


def parse_file(
    kind: str,
    data: bytes,
    options: ImportOptions,
    secret: bytes,
    encoding: str | None = None,
) -> ParsedFile:
    """Check the whole file (encoding, header) now; plan its rows as they are read.

    Raises ``FileRefused`` for whole-file problems; row problems come back as
    ``RejectedRow`` with the row number a spreadsheet shows (header = 1).
    """
    spec = file_spec(kind)
    decoded = decode(data, encoding)
    # Counting reads the whole file first, so a structural refusal (an unclosed quote
    # that would swallow the header and every row) comes before any header check.
    total = sum(1 for _ in _non_blank(records(decoded.text))) - 1
    body = _non_blank(records(decoded.text))
    header_record = next(body, None)
    if header_record is None:
        raise refuse("file", "has no header row")
    header = resolve_header(header_record, spec.columns)
    spec.check_header(header, options)
    warnings = []
    if header.ignored:
        warnings.append("columns not used: " + ", ".join(header.ignored))
    if total == 0:
        warnings.append("the file has a header but no rows")
    rows = _planned(spec, body, header, options, secret)
    return ParsedFile(spec.kind, decoded.encoding, header, warnings, total, rows)


def _non_blank(found: Iterator[Record]) -> Iterator[Record]:
    return (record for record in found if not record.blank)


def _planned(
    spec: FileSpec,
    body: Iterator[Record],
    header: Header,
    options: ImportOptions,
    secret: bytes,
) -> Iterator[PlannedRow | RejectedRow]:
    seen: dict[str, int] = {}
    identities: dict[tuple[str, str], int] = {}
    memo: dict[Any, Any] = {}  # parsed cells, for this file only
    for record in body:
        planned = plan_row(spec, record, header, options, secret, memo)
        if isinstance(planned, RejectedRow):
            yield planned
            continue
        first = seen.setdefault(planned.digest, planned.number)
        if first != planned.number:
            problem = FieldProblem("row", f"duplicates row {first}")
            yield RejectedRow(planned.number, planned.values, (problem,))
            continue
        if spec.kind == "students":
            clash = _same_student(planned, identities, header)
            if clash is not None:
                yield RejectedRow(planned.number, planned.values, (clash,))
                continue
        yield planned


def _same_student(
    row: PlannedRow, identities: dict[tuple[str, str], int], header: Header
) -> FieldProblem | None:
    """A students file names each student once; a second, different row is refused."""
    keys = [(kind, value) for kind, value in (("upn", row.student.upn), ("uln", row.student.uln))]
    for kind, value in keys:
        if value is not None and (kind, value) in identities:
            earlier = identities[(kind, value)]
            return FieldProblem(header.label(kind), f"the same {kind.upper()} is in row {earlier}")
    for kind, value in keys:
        if value is not None:
            identities[(kind, value)] = row.number
    return None
