"""A student's record as a person reads it: corrections applied, retractions marked,
one plain-English line per entry.  Shared by the CSV and PDF renderers and the record page.

A retraction is worded one of two ways.  The student withdrawing an entry is
"withdrawn" (status ``retracted``); staff hiding the student's own words
(``hidden_by_staff``, the one rule) is "hidden by staff", with who, when and why.

Corrections name entries that came before them, so the entries (without their
proofs) are gathered in one pass and then read in order; the JSON bundle is
the streaming, verifiable form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ledger.domain import nccis
from ledger.domain.events import EVENT_CLASSES

ACTIVITY_KINDS = frozenset(
    {
        "guidance_interview",
        "guidance_interview_not_taken",
        "employer_encounter",
        "workplace_experience",
        "provider_encounter",
        "labour_market_information",
        "curriculum_learning",
        "reflection",
        "part_time_work",
        "higher_education_intent",
        "enrolment",
        "leaving",
    }
)
DESTINATION_KINDS = frozenset({"intended_destination", "september_guarantee", "destination"})
AMENDMENTS = frozenset({"correction", "retraction"})


@dataclass(frozen=True)
class HiddenByStaff:
    """A student's own entry that someone other than its author retracted: staff hid it.

    Who, when and why come from the retraction: its user id and school, the day it was
    recorded and its reason.  ``sequence`` is the entry hidden, ``retraction`` the
    entry that hid it."""

    sequence: int
    retraction: int
    user_id: str | None
    institution_id: str | None
    on: date
    reason: str


@dataclass
class ReadableEntry:
    """One entry with its corrections applied (``status`` says what happened to it:
    current, corrected, retracted (withdrawn by whoever may) or hidden_by_staff).

    ``hidden`` is set on an entry staff hid and on the retraction that hid it."""

    sequence: int
    kind: str
    occurred_on: date
    recorded_at: str
    institution_id: str | None
    actor: str | None
    provenance: Mapping[str, Any] | None
    data: dict[str, Any]
    status: str = "current"
    amended_by: list[int] = field(default_factory=list)
    hidden: HiddenByStaff | None = None

    @property
    def live(self) -> bool:
        return self.status in {"current", "corrected"} and self.kind not in AMENDMENTS

    @property
    def origin(self) -> str:
        return str(self.provenance.get("origin", "")) if self.provenance else ""

    @property
    def amends(self) -> int | None:
        value = self.data.get("amends_sequence") if self.kind in AMENDMENTS else None
        return int(value) if value is not None else None


def readable_entries(events: Iterable[Mapping[str, Any]]) -> list[ReadableEntry]:
    """Entries in sequence order from export events, corrections applied."""
    entries: dict[int, ReadableEntry] = {}
    for event in events:
        entry = ReadableEntry(
            sequence=int(event["sequence"]),
            kind=str(event.get("kind") or "unknown"),
            occurred_on=date.fromisoformat(str(event["occurred_on"])),
            recorded_at=str(event["recorded_at"]),
            institution_id=event.get("institution_id"),
            actor=event.get("actor"),
            provenance=event.get("provenance"),
            data=dict(event.get("data") or {}),
        )
        entries[entry.sequence] = entry
        target = entries.get(entry.amends or 0)
        if entry.kind == "correction" and target is not None:
            changes = dict(entry.data.get("changes") or {})
            if "occurred_on" in changes:
                target.occurred_on = date.fromisoformat(str(changes.pop("occurred_on")))
            target.data.update(changes)
            target.status = "corrected" if target.status == "current" else target.status
            target.amended_by.append(entry.sequence)
        elif entry.kind == "retraction" and target is not None:
            target.status = "retracted"
            target.amended_by.append(entry.sequence)
    for hidden in hidden_by_staff(entries.values()).values():
        entries[hidden.sequence].status = "hidden_by_staff"
        entries[hidden.sequence].hidden = entries[hidden.retraction].hidden = hidden
    return [entries[s] for s in sorted(entries)]


def hidden_by_staff(entries: Iterable[ReadableEntry]) -> dict[int, HiddenByStaff]:
    """The student's own entries staff hid, by sequence: the one rule for the page and exports.

    A student-authored entry (``STUDENT_AUTHORED``: reflection, part-time work) whose
    latest retraction was recorded by someone other than the entry's author.  Only the
    student or staff may retract such an entry (``check_amend``), so that someone is
    staff; the author retracting it has withdrawn it."""
    by_sequence = {e.sequence: e for e in entries}
    found: dict[int, HiddenByStaff] = {}
    for entry in by_sequence.values():
        cls = EVENT_CLASSES.get(entry.kind)
        if cls is None or not cls.STUDENT_AUTHORED:
            continue
        retractions = [
            by_sequence[s]
            for s in entry.amended_by
            if s in by_sequence and by_sequence[s].kind == "retraction"
        ]
        if not retractions:
            continue
        retraction = retractions[-1]
        if retraction.actor is not None and retraction.actor == entry.actor:
            continue  # the author withdrew it
        found[entry.sequence] = HiddenByStaff(
            sequence=entry.sequence,
            retraction=retraction.sequence,
            user_id=retraction.actor,
            institution_id=retraction.institution_id,
            on=date.fromisoformat(retraction.recorded_at[:10]),
            reason=str(retraction.data.get("reason") or ""),
        )
    return found


def registration(entries: Iterable[ReadableEntry]) -> dict[str, Any]:
    for entry in entries:
        if entry.kind == "registration":
            return entry.data
    return {}


PROVIDER_TYPES = {
    "sixth_form": "sixth form",
    "fe_college": "FE college",
    "university": "university",
    "higher_education": "higher education provider",
    "apprenticeship_provider": "apprenticeship provider",
    "independent_training_provider": "independent training provider",
    "university_technical_college": "university technical college",
}


PART_WORDS = {
    "by_14": "By the end of Year 9",
    "by_16": "By the end of Year 11",
    "by_18": "By the end of Year 13",
    "by_16_y7_9": "Years 7 to 9",
    "by_16_y10_11": "Placement in Years 10 and 11",
    "ks3": "Key stage 3 (Years 7 to 9)",
    "ks4": "Key stage 4 (Years 10 and 11)",
    "ks5": "Key stage 5 (Years 12 and 13)",
    "y8_9": "Years 8 and 9",
    "y10_11": "Years 10 and 11",
    "y12_13": "Years 12 and 13",
    "advice_recorded": "Advice written down",
    "records_integrated": "Record from an earlier school or college brought in",
    "one_to_one": "One-to-one",
}


def part_words(part: str) -> str:
    """A benchmark part (``by_16_y7_9``, ``y9``, ``destinations_y1``) in a student's words."""
    if part in PART_WORDS:
        return PART_WORDS[part]
    if part.startswith("y") and part[1:].isdigit():
        return f"Year {part[1:]}"
    if part.startswith("destinations_y") and part[14:].isdigit():
        return f"Destination recorded, year {part[14:]} after leaving"
    return part.replace("_", " ").capitalize()


def _yes(value: Any) -> bool:
    return bool(value)


def day(value: Any) -> str:
    """A calendar date as people write it in England: 4 Jul 2024."""
    if value is None or value == "":
        return ""
    parsed = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return parsed.strftime("%d %b %Y").lstrip("0")


def _label(value: Any) -> str:
    return str(value or "").replace("_", " ")


def _code(code: Any, version: Any) -> str:
    found = nccis.lookup(str(code), str(version or nccis.CURRENT_VERSION))
    return f"{found.label} ({code})" if found else f"NCCIS code {code}"


def academic(year: Any) -> str:
    """An academic year by its starting year as schools write it: 2024 is 2024/25."""
    return f"{year}/{(int(year) + 1) % 100:02d}" if year is not None else ""


def summary(entry: ReadableEntry) -> str:
    """One line saying what the entry records, in the student's words where possible."""
    d = entry.data
    kind = entry.kind
    if kind == "registration":
        return "Registered on the careers record"
    if kind == "enrolment":
        return (
            f"Enrolled at {d.get('institution_id')} in Year {d.get('year_group')}, "
            f"{academic(d.get('academic_year'))}"
        )
    if kind == "leaving":
        reason = f" ({d['reason']})" if d.get("reason") else ""
        return f"Left {d.get('institution_id')} in Year {d.get('year_group')}{reason}"
    if kind == "higher_education_intent":
        return (
            "Considering higher education"
            if d.get("considering")
            else ("Not considering higher education")
        )
    if kind == "guidance_interview":
        level = d.get("adviser_qualification_level")
        return (
            f"Guidance interview with {d.get('adviser_name')} (Level {level} adviser, "
            f"{d.get('duration_minutes')} minutes, {_label(d.get('format'))})"
        )
    if kind == "guidance_interview_not_taken":
        return f"Guidance interview offered: {_label(d.get('outcome'))}"
    if kind == "employer_encounter":
        meaningful = all(
            _yes(d.get(k))
            for k in (
                "shared_purpose",
                "learning_outcomes_defined",
                "two_way_interaction",
                "reflection_recorded",
            )
        )
        return (
            f"Employer encounter ({_label(d.get('activity'))}) with {d.get('employer_name')}, "
            f"{d.get('sector')}" + ("; meaningful" if meaningful else "")
        )
    if kind == "workplace_experience":
        return (
            f"Workplace experience ({_label(d.get('kind'))}) at {d.get('employer_name')}: "
            f"{d.get('days')} days to {day(d.get('end_on'))}"
            + ("; part-time job" if d.get("part_time_job") else "")
        )
    if kind == "provider_encounter":
        extras = [
            text
            for flag, text in (
                ("higher_education_visit", "university visit"),
                ("provider_access", "provider access"),
            )
            if d.get(flag)
        ]
        provider = str(d.get("provider_type"))
        return (
            f"Met {PROVIDER_TYPES.get(provider, _label(provider))} {d.get('provider_name')} "
            f"({_label(d.get('mode'))})" + (f"; {', '.join(extras)}" if extras else "")
        )
    if kind == "labour_market_information":
        return f"Used careers and labour-market information: {d.get('activity')}"
    if kind == "curriculum_learning":
        stem = " (STEM)" if d.get("stem") else ""
        about = f": {d['description']}" if d.get("description") else ""
        return f"Careers learning in {d.get('subject')}{stem}{about}"
    if kind == "reflection":
        return f"My reflection: {d.get('text')}"
    if kind == "part_time_work":
        return (
            f"Part-time work: {d.get('role')} at {d.get('employer_name')}, "
            f"{d.get('hours_per_week')} hours a week"
        )
    if kind == "intended_destination":
        where = f" at {d['provider_or_employer']}" if d.get("provider_or_employer") else ""
        return f"Intended destination: {_code(d.get('nccis_code'), d.get('nccis_version'))}{where}"
    if kind == "september_guarantee":
        accepted = {True: "; accepted", False: "; declined"}.get(d.get("accepted"), "")
        return (
            f"September Guarantee offer: {d.get('programme')} at {d.get('provider_name')}{accepted}"
        )
    if kind == "destination":
        where = f" at {d['provider_or_employer']}" if d.get("provider_or_employer") else ""
        return (
            f"Destination: {_code(d.get('nccis_code'), d.get('nccis_version'))}{where} "
            f"from {day(d.get('start_on'))} (source: {_label(d.get('source'))})"
        )
    if kind == "correction":
        fields = ", ".join(sorted(d.get("changes") or {}))
        return f"Corrected entry {d.get('amends_sequence')} ({fields}): {d.get('reason')}"
    if kind == "retraction" and entry.hidden is not None:
        h = entry.hidden
        return f"Hidden by staff: entry {h.sequence} on {day(h.on)}: {h.reason}"
    if kind == "retraction":
        return f"Withdrew entry {d.get('amends_sequence')}: {d.get('reason')}"
    if kind == "prior_record_import":
        return (
            f"Imported {d.get('event_count')} entries of an earlier record from {d.get('origin')}"
        )
    return _label(kind).capitalize()  # legal holds, and any kind without its own words
