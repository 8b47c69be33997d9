"""Canary personal data and the byte scans that look for it at rest.

A canary is a distinctive string put into a student's record wherever
personal data can go (names, identifiers, advice, employers, free text).
The scans read every database byte an attacker with the disk could read:
the SQLite main file, ``-wal`` and ``-shm``; on PostgreSQL every table of
the test schema, row by row through SQL.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import psycopg

from api.bootstrap import Ledger
from ledger.service.commands import Command
from ledger.storage.urls import sqlite_path
from tests import factories


def canary(tag: str) -> str:
    return f"Cn{tag}{uuid.uuid4().hex[:12]}"


@dataclass
class SeededStudent:
    student_id: UUID
    canaries: list[str] = field(default_factory=list)


def seed_student_with_canaries(ledger: Ledger) -> SeededStudent:
    """One student whose every free-text and identifying field holds a canary (>= 20)."""
    c: dict[str, str] = {
        name: canary(name)
        for name in (
            "Given",
            "Family",
            "Adviser",
            "Topic",
            "Advice",
            "Action",
            "Intended",
            "Employer",
            "Sector",
            "Curriculum",
            "Placement",
            "Provider",
            "Lmi",
            "LmiSource",
            "Subject",
            "Lesson",
            "Reflection",
            "Cafe",
            "Role",
            "Notes",
            "Destination",
            "Guarantee",
            "Programme",
            "Hold",
            "Correction",
            "Corrected",
        )
    }
    upn, uln = factories.fresh_upn(), factories.fresh_uln()
    sid = uuid.uuid4()
    registration = factories.registration(
        given_name=f"Zoë{c['Given']}",  # non-ASCII: stored as UTF-8, JSON may escape it
        family_name=c["Family"],
        upn=upn,
        uln=uln,
    )
    entries: list[tuple[str, dict[str, Any]]] = [
        ("enrolment", factories.enrolment()),
        (
            "guidance_interview",
            factories.guidance_interview(
                adviser_name=c["Adviser"],
                topics=[c["Topic"]],
                advice_given=c["Advice"],
                agreed_actions=[c["Action"]],
                intended_destination=c["Intended"],
            ),
        ),
        (
            "employer_encounter",
            factories.employer_encounter(
                employer_name=c["Employer"], sector=c["Sector"], curriculum_area=c["Curriculum"]
            ),
        ),
        ("workplace_experience", factories.workplace_experience(employer_name=c["Placement"])),
        ("provider_encounter", factories.provider_encounter(provider_name=c["Provider"])),
        (
            "labour_market_information",
            factories.PAYLOADS["labour_market_information"](
                activity=c["Lmi"], source=c["LmiSource"]
            ),
        ),
        (
            "curriculum_learning",
            factories.PAYLOADS["curriculum_learning"](
                subject=c["Subject"], description=c["Lesson"]
            ),
        ),
        ("reflection", factories.PAYLOADS["reflection"](text=c["Reflection"])),
        (
            "part_time_work",
            factories.PAYLOADS["part_time_work"](employer_name=c["Cafe"], role=c["Role"]),
        ),
        (
            "intended_destination",
            factories.PAYLOADS["intended_destination"](notes=c["Notes"]),
        ),
        ("destination", factories.destination(provider_or_employer=c["Destination"])),
        (
            "september_guarantee",
            factories.PAYLOADS["september_guarantee"](
                provider_name=c["Guarantee"], programme=c["Programme"]
            ),
        ),
        ("legal_hold_placed", factories.PAYLOADS["legal_hold_placed"](reason=c["Hold"])),
    ]
    # One transaction for the record, as a bulk import would write it.
    ledger.service.execute(
        [
            Command("registration", registration, sid, idempotency_key=str(uuid.uuid4())),
            *(
                Command(kind, payload, sid, idempotency_key=str(uuid.uuid4()))
                for kind, payload in entries
            ),
        ]
    )
    ledger.service.lift_legal_hold(sid, "hold ended")
    interview = ledger.service.history(sid).entries[2]
    assert interview.kind == "guidance_interview"
    ledger.service.correct(
        sid, interview.sequence, {"advice_given": c["Corrected"]}, reason=c["Correction"]
    )
    return SeededStudent(sid, [*c.values(), upn, uln])


def needle_forms(text: str) -> list[bytes]:
    """The ways a string can sit in bytes: UTF-8, UTF-16 (both orders), JSON-escaped."""
    forms = {
        text.encode(),
        text.encode("utf-16-le"),
        text.encode("utf-16-be"),
        json.dumps(text)[1:-1].encode(),
    }
    return sorted(forms)


def find(blobs: Mapping[str, bytes], needles: Mapping[str, Iterable[bytes]]) -> list[str]:
    """``"where: what"`` for every needle found in any blob.

    Needles are grouped by their first four bytes, so each blob is searched
    once per distinct prefix (fast C ``find``) rather than once per needle.
    """
    by_anchor: dict[bytes, list[tuple[str, bytes]]] = {}
    for what, forms in needles.items():
        for form in forms:
            if form:
                by_anchor.setdefault(form[:4], []).append((what, form))
    hits: set[str] = set()
    for where, blob in blobs.items():
        for anchor, candidates in by_anchor.items():
            position = blob.find(anchor)
            while position != -1:
                for what, form in candidates:
                    if blob.startswith(form, position):
                        hits.add(f"{where}: {what}")
                position = blob.find(anchor, position + 1)
    return sorted(hits)


def text_needles(texts: Iterable[str]) -> dict[str, list[bytes]]:
    return {text: needle_forms(text) for text in texts}


def table_bytes(database_url: str, *, skip_prefix: str | None = None) -> dict[str, bytes]:
    """Every row of every table, read through SQL (what a dump of the database holds)."""
    if not database_url.startswith("sqlite"):
        blobs = _postgres_tables(database_url)
    else:
        with sqlite3.connect(sqlite_path(database_url)) as conn:
            names = [
                name
                for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            blobs = {
                f"table {name}": _joined(conn.execute(f'SELECT * FROM "{name}"').fetchall())
                for name in names
            }
    return {
        where: blob
        for where, blob in blobs.items()
        if skip_prefix is None or not where.startswith(f"table {skip_prefix}")
    }


def database_bytes(database_url: str) -> dict[str, bytes]:
    """Every byte at rest: SQLite files, or every PostgreSQL table of the schema via SQL."""
    if database_url.startswith("sqlite"):
        main = Path(sqlite_path(database_url))
        return {
            path.name: path.read_bytes()
            for path in (main, Path(f"{main}-wal"), Path(f"{main}-shm"), Path(f"{main}-journal"))
            if path.exists()
        }
    return _postgres_tables(database_url)


def _postgres_tables(database_url: str) -> dict[str, bytes]:
    parts = urlsplit(database_url)
    schema = parse_qs(parts.query)["schema"][0]
    libpq = "postgresql://" + database_url.split("://", 1)[1].split("?", 1)[0]
    blobs: dict[str, bytes] = {}
    with psycopg.connect(libpq) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            (schema,),
        ).fetchall()
        for (table,) in tables:
            quoted = f'"{schema}"."{table}"'
            blobs[f"table {table}"] = _joined(conn.execute(f"SELECT * FROM {quoted}").fetchall())
    return blobs


def _joined(rows: Iterable[Iterable[Any]]) -> bytes:
    return b"\x1f".join(_as_bytes(value) for row in rows for value in row)


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    return str(value).encode()
