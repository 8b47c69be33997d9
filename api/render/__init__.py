"""Renderers of a student's export, one module per format, chosen by name.

Each renderer writes a :class:`ledger.service.export.RecordExport` to a binary stream
as it reads it, so a long record is never held in memory whole.  A new format
(CSV, PDF) is a module with a ``Renderer`` and one line in :data:`RENDERERS`.
"""

from __future__ import annotations

from typing import BinaryIO, Protocol

from api.render import csv, json_bundle, pdf
from ledger.service.export import RecordExport


class Renderer(Protocol):
    media_type: str
    suffix: str

    def render(self, export: RecordExport, out: BinaryIO) -> None:
        """Write the whole export to ``out``."""
        ...


RENDERERS: dict[str, Renderer] = {
    "json": json_bundle.JsonBundleRenderer(),
    "csv": csv.CsvRenderer(),
    "pdf": pdf.PdfRenderer(),
}
