"""The student's export as one CSV table for spreadsheets.

One row per entry, in sequence order, with corrections applied to the entry
they amend (``status`` says "corrected" or "retracted" and ``amended_by``
names the entries that did it), then one row per read of the record (the
access log).  UTF-8 with a byte-order mark so Excel shows names correctly;
cells that a spreadsheet would run as a formula are quoted.
"""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

import orjson

from api.render.readable import ReadableEntry, readable_entries, summary
from ledger.service.export import RecordExport

COLUMNS = (
    "section",
    "sequence",
    "kind",
    "occurred_on",
    "recorded_at",
    "institution_id",
    "actor",
    "origin",
    "status",
    "amends",
    "amended_by",
    "summary",
    "details",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value: object) -> str:
    """A cell a spreadsheet shows as text, never evaluates (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def entry_row(entry: ReadableEntry) -> list[str]:
    return [
        "entry",
        str(entry.sequence),
        entry.kind,
        entry.occurred_on.isoformat(),
        entry.recorded_at,
        safe(entry.institution_id),
        safe(entry.actor),
        safe(entry.origin),
        entry.status,
        "" if entry.amends is None else str(entry.amends),
        ";".join(str(s) for s in entry.amended_by),
        safe(summary(entry)),
        safe(orjson.dumps(entry.data, option=orjson.OPT_SORT_KEYS).decode()),
    ]


class CsvRenderer:
    media_type = "text/csv; charset=utf-8"
    suffix = ".csv"

    def render(self, export: RecordExport, out: BinaryIO) -> None:
        entries = readable_entries(export.events())
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
        try:
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(COLUMNS)
            writer.writerows(entry_row(entry) for entry in entries)
            for read in export.access_log():
                writer.writerow(
                    [
                        "access",
                        "",
                        str(read["purpose"]),
                        "",
                        str(read["accessed_at"]),
                        safe(read["institution_id"]),
                        safe(read["actor_id"]),
                        "",
                        "",
                        "",
                        "",
                        f"read by a {str(read['role']).replace('_', ' ')} ({read['purpose']})",
                        "",
                    ]
                )
        finally:
            text.flush()
            text.detach()
