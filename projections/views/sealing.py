"""Personal data in the read side's tables is sealed under each student's own key.

The projections keep copies of what students' events say: the registration
(date of birth, characteristics) in ``proj_students``, the structured facts in
``proj_facts``, advice and decisions with their provenance in
``proj_timeline``.  Each such value is sealed with the student's data key
(:class:`ledger.storage.crypto.sealer.StudentSealer`, AES-GCM) before it is written,
with a *purpose* naming the table and row, so:

- nothing personal is readable at rest, in the tables, their free pages, the
  WAL or a backup;
- a value moved to another row or another student fails to open;
- once a student is erased their key is gone, so even a copy the projection
  has not yet deleted (a backup, a lagging replica) stays unreadable.

Keys, column names and the positions table stay in clear: student ids are
random (not derived from identifiers), and a cohort is found through the
``proj_roll`` index (institution, years), which holds no personal data.

Decision (the privacy rules, docs/privacy.md, leave the read side's format open): a value
that no longer opens because the student was erased in the meantime is
treated as absent (the erasure event removes the rows in its batch), and a
student who is erased while a batch is being sealed is left out of that
batch's rows.  A value that fails authentication (moved or altered) raises.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol
from uuid import UUID

from ledger.domain.errors import StudentErased
from ledger.storage.application import LedgerApplication


class RowSealer(Protocol):
    """What the projections need of :class:`ledger.storage.crypto.sealer.StudentSealer`."""

    def seal(self, student_id: UUID | str, purpose: str, data: bytes) -> bytes: ...

    def open(self, student_id: UUID | str, purpose: str, sealed: bytes) -> bytes | None: ...

    def warm(self, student_ids: Iterable[UUID | str]) -> None: ...

    def scoped(self) -> RowSealer:
        """The same, looking each student's key up once until it is dropped (one batch)."""
        ...


class ClearRows:
    """For a ledger stored in clear (only the encryption bench builds one)."""

    def seal(self, student_id: UUID | str, purpose: str, data: bytes) -> bytes:
        return data

    def open(self, student_id: UUID | str, purpose: str, sealed: bytes) -> bytes | None:
        return sealed

    def warm(self, student_ids: Iterable[UUID | str]) -> None:
        """No keys to load."""

    def scoped(self) -> RowSealer:
        return self


def row_sealer(app: LedgerApplication) -> RowSealer:
    """The sealer matching how the ledger stores its events."""
    if app.ledger_mapper.keyring is None:
        return ClearRows()
    return app.sealer


def seal_or_none(
    sealer: RowSealer, student_id: UUID | str, purpose: str, data: bytes
) -> bytes | None:
    """Sealed ``data``, or None when the student has just been erased (leave the row out)."""
    try:
        return sealer.seal(student_id, purpose, data)
    except StudentErased:
        return None


REGISTRATION = "proj_students/registration"


def facts_purpose(first_sequence: int) -> str:
    return f"proj_facts/{first_sequence}"


def timeline_purpose(sequence: int) -> str:
    return f"proj_timeline/{sequence}"
