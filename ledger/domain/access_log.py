"""Who read which student's record, when and why (docs/api.md, "The access log").

Every read of a student's personal data is noted here through
:class:`~ledger.service.ledger_service.LedgerService`; the student's export includes their
entries.  Entries hold ids and closed vocabularies only, never personal data.
The port is a protocol so the service stays free of any database library;
adapters live at the edge (``api/access_log.py``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID


class AccessPurpose(StrEnum):
    """Why a student's data was read: the entry point names it, never the caller's free text."""

    FIND = "find"
    RECORD = "record"
    TIMELINE = "timeline"
    BENCHMARKS = "benchmarks"
    PROVIDER_ACCESS = "provider_access"
    DESTINATIONS = "destinations"
    EXPORT = "export"


@dataclass(frozen=True)
class AccessEntry:
    """One read: ids and vocabularies only."""

    student_id: UUID
    actor_id: str
    role: str
    institution_id: str | None
    purpose: AccessPurpose
    accessed_at: datetime


@dataclass(frozen=True)
class AccessPage:
    total: int
    entries: list[AccessEntry]


class AccessLog(Protocol):
    def append(self, entry: AccessEntry) -> None:
        """Store one entry durably before the read's answer is returned."""
        ...

    def for_student(self, student_id: UUID, *, limit: int, offset: int) -> AccessPage:
        """The student's entries, oldest first."""
        ...


class InMemoryAccessLog:
    """The fake for unit tests and a bare service; deployments wire a database adapter."""

    def __init__(self) -> None:
        self._entries: list[AccessEntry] = []
        self._lock = threading.Lock()

    def append(self, entry: AccessEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def for_student(self, student_id: UUID, *, limit: int, offset: int) -> AccessPage:
        with self._lock:
            mine = [e for e in self._entries if e.student_id == student_id]
        return AccessPage(len(mine), mine[offset : offset + limit])
