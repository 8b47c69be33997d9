"""Helpers for the MIS parsing tests: a CSV from lines, the import day, and the outcomes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledger.service.imports.mis import (
    FileRefused,
    ImportOptions,
    PlannedRow,
    RejectedRow,
    parse_file,
)

DATA = Path(__file__).parents[1] / "data" / "mis"
TODAY = date(2025, 1, 10)
OPTIONS = ImportOptions(today=TODAY, institution_id="100001")
SECRET = b"s" * 32


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def parse(kind: str, data: bytes, **options: object) -> list[PlannedRow | RejectedRow]:
    return list(parse_file(kind, data, OPTIONS, SECRET, **options).rows)  # type: ignore[arg-type]


def only_rejection(kind: str, data: bytes) -> RejectedRow:
    (row,) = parse(kind, data)
    assert isinstance(row, RejectedRow)
    return row


def refusal(kind: str, data: bytes, **options: object) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        parse(kind, data, **options)
    return caught.value


def wrong_check_letter(upn: str) -> str:
    return ("B" if upn[0] != "B" else "C") + upn[1:]
