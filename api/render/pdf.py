"""'My careers record': the student's export as a readable PDF (fpdf2).

Sections: where I studied, my timeline, advice and agreed actions, the Gatsby
Benchmarks met and still to come (``RecordExport.attainment``: the rules the
projections run, over the exported events, as of the export day), destinations,
corrections, and who has looked at the record (counts by role).  It is written for
the student and whoever they show it to, so it carries no internal names: benchmark
parts in words (``readable.part_words``), no reader ids, no log origin, and instead of
the chain head and signed checkpoint one sentence pointing to the JSON export, which
carries them and verifies offline.  A PDF is assembled in memory before it is written;
the entries are read once, without their proofs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Set
from datetime import date, datetime
from typing import Any, BinaryIO

from api.render.pdf_layout import Layout
from api.render.readable import (
    ACTIVITY_KINDS,
    DESTINATION_KINDS,
    ReadableEntry,
    part_words,
    readable_entries,
    registration,
    summary,
)
from api.render.readable import day as _day
from ledger.service.export import ExportHeader, RecordExport
from projections.rules import Attainment, State

READERS = {  # who looked, as the student would say it; counted, never named
    "student": "You",
    "adviser": "Careers advisers",
    "careers_leader": "Careers leaders",
    "auditor": "Auditors",
    "data_protection_officer": "Data protection officers",
    "system": "The school's own systems (imports and exports)",
}
VERIFY = (
    "You can check that this record is genuine, and has not been changed, with its JSON "
    "export from the same place as this PDF."
)
STATE_WORDS = {
    State.MET: "Met",
    State.ON_TRACK: "Still to come",
    State.AT_RISK: "Due this year",
    State.NOT_MET: "Missed",
    State.NOT_APPLICABLE: "Does not apply",
}


def _fields(entries: list[ReadableEntry]) -> dict[str, object]:
    """Every text the PDF may show, by field name (``registration.given_name``,
    ``reflection.text``): the fonts are chosen, or the PDF refused, from these."""
    fields: dict[str, list[object]] = {}
    for entry in entries:
        for key, value in {**(entry.provenance or {}), **entry.data}.items():
            fields.setdefault(f"{entry.kind}.{key}", []).append(value)
        fields.setdefault("institution_id", []).append(entry.institution_id)
    return dict(fields)


def _compact(event: Mapping[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in event.items() if k not in {"chain", "log"}}
    kept["position"] = int(event.get("log", {}).get("index", 0))
    return kept


class PdfRenderer:
    media_type = "application/pdf"
    suffix = ".pdf"

    def __init__(self, ruleset: str = "gatsby-2025") -> None:
        self.ruleset = ruleset

    def render(self, export: RecordExport, out: BinaryIO) -> None:
        header = export.header
        events = [_compact(e) for e in export.events()]
        entries = readable_entries(events)
        as_of = datetime.fromisoformat(header.exported_at).date()
        footer = f"My careers record, exported {_day(as_of)}"
        doc = Layout(footer, _fields(entries))
        _title(doc, entries, header, as_of)
        _studied(doc, entries)
        _timeline(doc, entries)
        _advice(doc, entries)
        _benchmarks(doc, export.attainment(self.ruleset, as_of))
        _destinations(doc, entries)
        _corrections(doc, entries)
        _reads(doc, export.access_log())
        doc.ln(2)
        doc.para(VERIFY)
        out.write(bytes(doc.output()))


def _title(doc: Layout, entries: list[ReadableEntry], header: ExportHeader, as_of: date):
    person = registration(entries)
    doc.style(20, bold=True)
    doc.cell(0, 12, "My careers record", new_x="LMARGIN", new_y="NEXT")
    name = f"{person.get('given_name', '')} {person.get('family_name', '')}".strip()
    doc.para(name or "(name not recorded)", size=12, bold=True)
    ids = [f"{k.upper()} {person[k]}" for k in ("upn", "uln") if person.get(k)]
    born = _day(person.get("date_of_birth"))
    doc.para("  |  ".join([f"Born {born}" if born else "", *ids]).strip(" |"))
    doc.para(
        f"Exported on {_day(as_of)}. It holds {header.event_count} entries; "
        "entries brought from an earlier school or college say where they came from."
    )


def _where(entry: ReadableEntry) -> str:
    if entry.origin:  # the earlier ledger's log origin is for the auditor, not shown here
        place = (entry.provenance or {}).get("origin_institution_id")
        return f"brought from {place}" if place else "brought from an earlier school"
    return f"recorded by {entry.institution_id}" if entry.institution_id else ""


def _dated(
    doc: Layout,
    entries: list[ReadableEntry],
    kinds: Set[str],
    titles: tuple[str, str, str],
    *,
    mark_corrected: bool = False,
) -> None:
    """A section of the live entries of ``kinds`` in date order, one row each;
    ``titles``: the heading, the middle column's title, the line when there are none."""
    heading, what, empty = titles
    shown = [e for e in entries if e.live and e.kind in kinds]
    doc.heading(heading)
    if not shown:
        doc.para(empty)
        return
    shown.sort(key=lambda e: (e.occurred_on, e.sequence))
    corrected = " (corrected)" if mark_corrected else ""
    doc.table(
        ("Date", what, "Record"),
        (24, 120, 46),
        (
            [
                _day(e.occurred_on),
                summary(e) + (corrected if e.status == "corrected" else ""),
                _where(e),
            ]
            for e in shown
        ),
    )


def _studied(doc: Layout, entries: list[ReadableEntry]) -> None:
    titles = ("Where I have studied", "What", "No enrolment is recorded yet.")
    _dated(doc, entries, {"enrolment", "leaving"}, titles)


def _timeline(doc: Layout, entries: list[ReadableEntry]) -> None:
    titles = ("My timeline", "What happened", "Nothing is recorded yet.")
    kinds = ACTIVITY_KINDS - {"enrolment", "leaving"}
    _dated(doc, entries, kinds, titles, mark_corrected=True)


def _advice(doc: Layout, entries: list[ReadableEntry]) -> None:
    interviews = [e for e in entries if e.live and e.kind == "guidance_interview"]
    doc.heading("Advice and agreed actions")
    if not interviews:
        doc.para("No guidance interview is recorded yet.")
    for entry in sorted(interviews, key=lambda e: (e.occurred_on, e.sequence)):
        d = entry.data
        doc.para(f"{_day(entry.occurred_on)}: {summary(entry)}", bold=True)
        doc.para(f"Advice: {d.get('advice_given', '')}")
        for action in d.get("agreed_actions") or []:
            doc.para(f"  - Agreed: {action}")
        if d.get("intended_destination"):
            doc.para(f"Intended destination discussed: {d['intended_destination']}")
        if d.get("follow_up_on"):
            doc.para(f"Follow-up by {_day(d['follow_up_on'])}")
        doc.ln(1)


def _benchmarks(doc: Layout, attainment: Attainment) -> None:
    doc.heading("Gatsby Benchmarks: met and still to come")
    doc.para(
        f"{_edition(attainment.ruleset)}, as of {_day(attainment.as_of)}. Benchmark 1 is about "
        "the whole school's programme, so it is not shown for one student."
    )
    rows = []
    for result in attainment.benchmarks:
        parts = "; ".join(
            f"{part_words(p.part)}: {STATE_WORDS[p.state].lower()}" for p in result.parts
        )
        rows.append([f"{result.benchmark} {result.title}", STATE_WORDS[result.state], parts])
    doc.table(("Benchmark", "Overall", "Parts"), (62, 26, 102), rows)


def _destinations(doc: Layout, entries: list[ReadableEntry]) -> None:
    titles = ("My destinations", "Destination", "No destination is recorded yet.")
    _dated(doc, entries, DESTINATION_KINDS, titles)


def _corrections(doc: Layout, entries: list[ReadableEntry]) -> None:
    amendments = [e for e in entries if e.kind in {"correction", "retraction"}]
    if not amendments:
        return
    doc.heading("Changes to my record")
    doc.para("Nothing is ever deleted: a corrected, withdrawn or hidden entry stays in the record.")
    doc.table(
        ("Recorded", "Change"),
        (30, 160),
        ([_day(e.recorded_at), summary(e)] for e in amendments),
    )


def _edition(ruleset: str) -> str:
    found = re.fullmatch(r"gatsby-(\d{4})", ruleset)
    return f"The {found.group(1)} edition of the benchmarks" if found else "The benchmarks"


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _reads(doc: Layout, reads: Iterable[dict[str, Any]]) -> None:
    """How many times each kind of person has looked, and when last: no ids, no purposes."""
    times: Counter[str] = Counter()
    last: dict[str, str] = {}
    for read in reads:
        role = str(read["role"])
        times[role] += 1
        last[role] = max(last.get(role, ""), str(read["accessed_at"]))
    doc.heading("Who has looked at my record")
    if not times:
        doc.para("No one has looked at this record yet.")
        return
    doc.para(
        "Every time someone opens or exports this record it is logged. "
        f"It has been looked at {_times(sum(times.values()))}:"
    )
    order = [*READERS, *sorted(set(times) - set(READERS))]
    doc.table(
        ("Who", "How many times", "Most recently"),
        (80, 40, 70),
        (
            [READERS.get(role, role.replace("_", " ").capitalize()), times[role], _day(last[role])]
            for role in order
            if role in times
        ),
    )
