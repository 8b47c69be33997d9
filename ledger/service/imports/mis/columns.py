"""Column specifications and header matching for MIS exports.

Headers are matched case-, space- and punctuation-insensitively against each
column's documented label and its aliases (best first).  When a file carries
two headers for one column ("Legal Surname" and "Surname"), the better one
is read and the other is reported as ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from ledger.domain.errors import FieldProblem
from ledger.service.imports.mis.source import Record, refuse
from ledger.service.imports.mis.values import CellError, label_key

T = TypeVar("T")
_UNSEEN = object()


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    note: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True)
class Header:
    """Which position of the file holds which column."""

    labels: tuple[str, ...]
    positions: dict[str, int]
    ignored: tuple[str, ...]
    documented: dict[str, str] = field(default_factory=dict)

    def has(self, key: str) -> bool:
        return key in self.positions

    def label(self, key: str) -> str:
        """The file's own header for a column, else its documented label."""
        if key in self.positions:
            return self.labels[self.positions[key]]
        return self.documented.get(key, key)


def resolve_header(record: Record, columns: Sequence[Column]) -> Header:
    """Match the header row to ``columns``, refusing missing or repeated columns."""
    labels = tuple(value.strip().lstrip("\ufeff") for value in record.values)
    folded = [label_key(label) for label in labels]
    seen: dict[str, int] = {}
    for position, key in enumerate(folded):
        if not key:
            continue
        if key in seen:
            raise refuse(
                "header",
                f"columns {seen[key] + 1} and {position + 1} have the same name "
                f"{labels[position]!r}",
            )
        seen[key] = position
    positions: dict[str, int] = {}
    used: set[int] = set()
    for column in columns:
        for name in column.names:
            found = seen.get(label_key(name))
            if found is not None and found not in used:
                positions[column.key] = found
                used.add(found)
                break
    missing = [c for c in columns if c.required and c.key not in positions]
    if missing:
        described = "; ".join(
            f"{c.label}" + (f" (or {', '.join(c.aliases)})" if c.aliases else "") for c in missing
        )
        raise refuse("header", f"missing column: {described}")
    ignored = tuple(
        label for position, label in enumerate(labels) if label and position not in used
    )
    return Header(labels, positions, ignored, {c.key: c.label for c in columns})


@dataclass
class RowReader:
    """Reads one record's cells into payload fields, collecting problems per column."""

    record: Record
    header: Header
    problems: list[FieldProblem] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # payload path -> column key
    failed: set[str] = field(default_factory=set)
    memo: dict[tuple[Callable[[str], Any], str], Any] = field(default_factory=dict)

    def text(self, key: str) -> str:
        position = self.header.positions.get(key)
        return "" if position is None else self.record.values[position].strip()

    def label(self, key: str) -> str:
        return self.header.label(key)

    def get(self, key: str, parse: Callable[[str], T], path: str | None = None) -> T | None:
        """The parsed cell, or None when blank or unreadable (then a problem is noted)."""
        if path is not None:
            self.sources[path] = key
        cell = self.text(key)
        if not cell:
            return None
        # One file repeats the same identifiers, dates and codes on many rows.
        cached = parse is not str
        found = self.memo.get((parse, cell), _UNSEEN) if cached else _UNSEEN
        if found is _UNSEEN:
            try:
                found = parse(cell)
            except CellError as exc:
                found = exc
            if cached:
                self.memo[(parse, cell)] = found
        if isinstance(found, CellError):
            self.problems.append(FieldProblem(self.label(key), found.reason))
            if path is not None:
                self.failed.add(path)
            return None
        return cast(T, found)

    def put(
        self, payload: dict[str, Any], path: str, key: str, parse: Callable[[str], Any]
    ) -> None:
        """Set ``payload[path]`` (dotted for nested) from a cell when it has a value."""
        value = self.get(key, parse, path)
        if value is None:
            return
        target = payload
        *parents, name = path.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[name] = value

    def problem(self, key: str, reason: str) -> None:
        self.problems.append(FieldProblem(self.label(key), reason))

    def column_for(self, path: str) -> str:
        """The file's header for a payload field path, else "row"."""
        while path:
            if path in self.sources:
                return self.label(self.sources[path])
            path = path.rpartition(".")[0]
        return "row"
