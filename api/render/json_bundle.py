"""The JSON export bundle (docs/export-bundle.schema.json), written as it is read.

Header fields first, then one event per line, then the access log, then the
signed statement that covers them (JSON object order carries no meaning, so
writing the statement last costs a reader nothing).
"""

from __future__ import annotations

from typing import BinaryIO

import orjson

from ledger.service.export import RecordExport


class JsonBundleRenderer:
    media_type = "application/json"
    suffix = ".json"

    def render(self, export: RecordExport, out: BinaryIO) -> None:
        header = orjson.dumps(export.header.as_json())
        out.write(header[:-1] + b',\n"events":[')
        for count, event in enumerate(export.events()):
            out.write(b"\n" if count == 0 else b",\n")
            out.write(orjson.dumps(event))
        out.write(b'\n],\n"access_log":{"entries":[')
        for count, entry in enumerate(export.access_log()):
            out.write(b"\n" if count == 0 else b",\n")
            out.write(orjson.dumps(entry))
        out.write(b'\n]},\n"statement":')
        out.write(orjson.dumps(export.statement()))
        out.write(b"}\n")
