"""What an import reports back, and the rejected-rows file a spreadsheet user fixes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import IO

from ledger.service.imports.mis import RejectedRow

REJECTED_COLUMNS = ("Import Row", "Import Errors")


@dataclass
class ImportReport:
    """Counts per outcome and every rejected row with its reasons (never cell values)."""

    kind: str
    file_sha256: str
    encoding: str
    dry_run: bool
    all_or_nothing: bool
    header: tuple[str, ...] = ()
    rows: int = 0
    valid: int = 0
    imported: int = 0
    unchanged: int = 0
    events_written: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    refused: str | None = None

    @property
    def ok(self) -> bool:
        return not self.rejected and self.refused is None

    @property
    def rejected_by_row(self) -> list[RejectedRow]:
        """The rejected rows in file order (``rejected`` lists those refused when written
        after those refused when read)."""
        return sorted(self.rejected, key=lambda r: r.number)


def write_rejected(report: ImportReport, stream: IO[str]) -> None:
    """The rejected rows with their original columns, plus the row number and reasons.

    The extra columns are ignored when the fixed file is imported again.
    """
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([*report.header, *REJECTED_COLUMNS])
    width = len(report.header)
    for row in report.rejected:
        values = list(row.values[:width]) + [""] * (width - len(row.values))
        writer.writerow([*values, row.number, row.reason])


def rejected_csv(report: ImportReport) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens names correctly."""
    buffer = io.StringIO()
    write_rejected(report, buffer)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
