"""From uploaded bytes to numbered CSV records.

Encoding decision (docs/mis-import.md): UTF-8, with or without a byte-order
mark, is accepted, and so is UTF-16 with a mark.  Anything else is refused
with the first offending line and a likely cause (Excel's "CSV (Comma
delimited)" writes Windows-1252) unless the caller names the encoding
explicitly.  Names go into an immutable record, so guessing an encoding and
storing a mis-decoded name would be worse than asking.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ledger.domain.errors import FieldProblem, ValidationFailed

ACCEPTED_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1")
_DELIMITERS = (",", ";", "\t", "|")


class FileRefused(ValidationFailed):
    """The whole file cannot be read; nothing in it was imported."""

    code = "import_file_refused"
    title = "The file cannot be imported"


def refuse(field: str, reason: str) -> FileRefused:
    return FileRefused(f"{field}: {reason}", (FieldProblem(field, reason),))


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode(data: bytes, encoding: str | None = None) -> Decoded:
    """Decode an upload, refusing (not guessing) anything that is not UTF-8 or UTF-16."""
    if not data.strip():
        raise refuse("file", "is empty")
    if data.startswith(b"PK\x03\x04"):
        raise refuse("file", "is an Excel workbook or zip archive; export the sheet as CSV UTF-8")
    if encoding is not None:
        return _decode_as(data, _known_encoding(encoding))
    if data.startswith(codecs.BOM_UTF8):
        return _decode_as(data, "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_as(data, "utf-16")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise refuse("file", _not_utf8_reason(data, line)) from None
    return Decoded(_no_nul(text), "utf-8")


def _known_encoding(name: str) -> str:
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        canonical = ""
    aliases = {"iso8859-1": "latin-1", "windows-1252": "cp1252"}
    canonical = aliases.get(canonical, canonical)
    if canonical not in ACCEPTED_ENCODINGS:
        raise refuse("encoding", "must be one of " + ", ".join(ACCEPTED_ENCODINGS))
    return canonical


def _decode_as(data: bytes, encoding: str) -> Decoded:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise refuse("file", f"line {line} is not valid {encoding}") from None
    return Decoded(_no_nul(text.lstrip("\ufeff")), encoding)


def _not_utf8_reason(data: bytes, line: int) -> str:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        likely = "Latin-1 (ISO-8859-1)"
    else:
        likely = "Windows-1252, as Excel's 'CSV (Comma delimited)' writes"
    return (
        f"line {line} is not UTF-8; the file looks like {likely}. Save it as 'CSV UTF-8' "
        "or name the encoding explicitly (--encoding cp1252 or latin-1)"
    )


def _no_nul(text: str) -> str:
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise refuse("file", f"line {line} contains a NUL character: this is not a text CSV file")
    return text


@dataclass(frozen=True)
class Record:
    """One CSV record; ``number`` is its row as a spreadsheet shows it (header = 1)."""

    number: int
    values: tuple[str, ...]

    @property
    def blank(self) -> bool:
        return not any(value.strip() for value in self.values)


def sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def records(text: str, delimiter: str | None = None) -> Iterator[Record]:
    """Every record, blank ones included (callers skip them but keep numbering).

    An unclosed quote refuses the file naming the line it opened on: Python's
    csv reader would silently take every following line into that one cell.
    """
    delimiter = delimiter or sniff_delimiter(text)
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter)
    number = 0
    last_start = (1, 0)  # (line, offset) where the last record began
    try:
        while True:
            start = (reader.line_num + 1, lines.offset)
            values = next(reader, None)
            if values is None:
                break
            last_start = start
            number += 1
            yield Record(number, tuple(values))
    except csv.Error as exc:
        # csv's messages are fixed texts about structure, never cell contents.
        raise refuse("file", f"row {number + 1}: malformed CSV ({exc})") from None
    line, offset = last_start
    opened = _unclosed_quote(text, offset, delimiter)
    if opened is not None:
        line += len(_LINE_BREAK.findall(text, offset, opened))
        raise refuse(
            "file",
            f"line {line}: a quoted value starts here and its quote is never closed, so every "
            "following line would be read into it; close the quote (or double a quote inside "
            'a value: "")',
        )


class _Lines:
    """The text's lines for csv.reader, counting how far it has read."""

    def __init__(self, text: str) -> None:
        self._lines = io.StringIO(text, newline="")
        self.offset = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.offset += len(line)
        return line


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _unclosed_quote(text: str, start: int, delimiter: str) -> int | None:
    """Where a quote opened and never closed, reading one record from ``start``.

    The csv module's own rules (doubled quotes escape; a quote opens a quoted
    value only at the start of a field) on the last record, which is one line
    unless a quote is open.
    """
    position = start
    at_field_start = True
    end = len(text)
    while position < end:
        char = text[position]
        if char == '"' and at_field_start:
            closing = position + 1
            while True:
                closing = text.find('"', closing)
                if closing == -1:
                    return position
                if text.startswith('""', closing):
                    closing += 2
                    continue
                break
            position = closing + 1
            at_field_start = False
        elif char in "\r\n":
            return None  # the record ended with every quote closed
        else:
            at_field_start = char == delimiter
            position += 1
    return None
