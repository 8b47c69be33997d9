"""What one CSV row becomes: validated commands for one student, or reasons why not.

Every payload goes through the same pydantic model the ledger service uses
(``EVENT_CLASSES[kind].PAYLOAD``), so the import accepts exactly what the
API accepts.  Problems name the file's own column headers and never repeat a
cell's value.  Each row gets a keyed digest of its normalised content: the
idempotency key of its appends and the way duplicate rows are recognised,
without putting a UPN or a name in clear into a key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from pydantic import ValidationError

from ledger.domain.calendar import academic_year_of
from ledger.domain.errors import FieldProblem
from ledger.domain.events import EVENT_CLASSES
from ledger.domain.payloads import Payload
from ledger.service.imports.mis.columns import Column, Header, RowReader
from ledger.service.imports.mis.source import Record

DIGEST_DOMAIN = b"careers-ledger/mis-row/v1\x00"


@dataclass(frozen=True)
class ImportOptions:
    """What the file itself does not say."""

    today: date
    institution_id: str | None = None
    institution_kind: str | None = None

    @property
    def academic_year(self) -> int:
        """The academic year (1 September to 31 August) that contains ``today``."""
        return academic_year_of(self.today)


@dataclass(frozen=True)
class StudentRef:
    """How a row names its student (normalised identifiers)."""

    upn: str | None = None
    uln: str | None = None


@dataclass
class Draft:
    """A row read into payload dicts, before validation."""

    student: StudentRef
    commands: list[tuple[str, dict[str, Any], dict[str, str]]] = field(default_factory=list)

    def add(self, kind: str, payload: dict[str, Any], **renames: str) -> None:
        """Queue a command; ``renames`` name the column behind a defaulted field."""
        self.commands.append((kind, payload, renames))


@dataclass(frozen=True)
class FileSpec:
    """One importable file kind: its columns and how a row maps onto entries."""

    kind: str
    columns: tuple[Column, ...]
    read_row: Callable[[RowReader, ImportOptions], Draft]
    check_header: Callable[[Header, ImportOptions], None]


@dataclass(frozen=True)
class PlannedCommand:
    kind: str
    payload: Payload


@dataclass(frozen=True)
class PlannedRow:
    number: int
    values: tuple[str, ...]
    student: StudentRef
    commands: tuple[PlannedCommand, ...]
    digest: str

    def idempotency_key(self, file_kind: str, index: int, suffix: str = "") -> str:
        return f"mis/{file_kind}/{self.digest}/{index}{suffix}"


@dataclass(frozen=True)
class RejectedRow:
    number: int
    values: tuple[str, ...]
    problems: tuple[FieldProblem, ...]

    @property
    def reason(self) -> str:
        return "; ".join(f"{p.field}: {p.reason}" for p in self.problems)


def plan_row(
    spec: FileSpec,
    record: Record,
    header: Header,
    options: ImportOptions,
    secret: bytes,
    memo: dict[Any, Any] | None = None,
) -> PlannedRow | RejectedRow:
    if len(record.values) != len(header.labels):
        problem = FieldProblem(
            "row", f"has {len(record.values)} values but the header has {len(header.labels)}"
        )
        return RejectedRow(record.number, record.values, (problem,))
    reader = RowReader(record, header, memo={} if memo is None else memo)
    draft = spec.read_row(reader, options)
    commands = []
    for kind, payload, renames in draft.commands:
        validated = validate(kind, payload, reader, options.today, renames)
        if validated is not None:
            commands.append(PlannedCommand(kind, validated))
    if reader.problems:
        return RejectedRow(record.number, record.values, tuple(_unique(reader.problems)))
    digest = row_digest(secret, spec.kind, draft.student, commands)
    return PlannedRow(record.number, record.values, draft.student, tuple(commands), digest)


def validate(
    kind: str,
    payload: dict[str, Any],
    reader: RowReader,
    today: date,
    renames: Mapping[str, str] | None = None,
) -> Payload | None:
    """Validate with the ledger's own payload model; note problems per column."""
    renames = renames or {}

    def column(path: str) -> str:
        top = path.split(".", 1)[0]
        return renames.get(top) or reader.column_for(path)

    model = EVENT_CLASSES[kind].PAYLOAD
    try:
        validated: Payload = model.model_validate(payload)
    except ValidationError as exc:
        for error in exc.errors(include_input=False, include_url=False):
            path = ".".join(str(part) for part in error["loc"])
            if any(path == f or path.startswith(f + ".") for f in reader.failed):
                continue  # the cell's own problem is already noted
            if not path and reader.failed:
                continue  # a cross-field rule cannot judge fields that did not parse
            target = column(path) if path else "row"
            reader.problems.append(FieldProblem(target, _reason(str(error["msg"]), column)))
        return None
    if validated.occurred_on > today:
        reader.problems.append(FieldProblem(column("occurred_on"), "must not be in the future"))
        return None
    return validated


_FIELD_NAME = re.compile(r"\b([a-z]+(?:_[a-z]+)+)\b")


def _reason(message: str, column: Callable[[str], str]) -> str:
    message = message.removeprefix("Value error, ")
    if message == "Field required":
        return "is required"

    def rename(match: re.Match[str]) -> str:
        found = column(match.group(1))
        return f'"{found}"' if found != "row" else match.group(1)

    return _FIELD_NAME.sub(rename, message)


def _unique(problems: list[FieldProblem]) -> list[FieldProblem]:
    return list(dict.fromkeys(problems))


def row_digest(
    secret: bytes, file_kind: str, student: StudentRef, commands: list[PlannedCommand]
) -> str:
    """Keyed digest of a row's normalised content (identifiers are never in clear)."""
    body = orjson.dumps(
        [
            file_kind,
            student.upn,
            student.uln,
            [[c.kind, c.payload.model_dump(mode="json")] for c in commands],
        ],
        option=orjson.OPT_SORT_KEYS,
    )
    return hmac.new(secret, DIGEST_DOMAIN + body, hashlib.sha256).hexdigest()
