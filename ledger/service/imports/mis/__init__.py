"""Reading school MIS exports (SIMS, Arbor, Bromcom CSV files) into ledger entries.

Pure parsing and mapping: bytes in, validated payloads or per-row reasons out.
Storing the rows is the job of ``api.imports``, through ``LedgerService``.
"""

from ledger.service.imports.mis.parse import FILE_KINDS, ParsedFile, file_spec, parse_file
from ledger.service.imports.mis.plan import (
    ImportOptions,
    PlannedCommand,
    PlannedRow,
    RejectedRow,
    StudentRef,
)
from ledger.service.imports.mis.source import FileRefused

__all__ = [
    "FILE_KINDS",
    "FileRefused",
    "ImportOptions",
    "ParsedFile",
    "PlannedCommand",
    "PlannedRow",
    "RejectedRow",
    "StudentRef",
    "file_spec",
    "parse_file",
]
