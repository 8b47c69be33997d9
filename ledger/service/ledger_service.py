"""The ledger's use-case API: HTTP routes, CLI commands and pages all call this.

:class:`LedgerService` is one object per ledger that every entry point holds.
It gathers the use cases, each written in its own module:

- appends (:mod:`ledger.service.appends`): register, record, correct, retract,
  a batch of commands in one transaction; written through a :class:`Writer`
  (the plain append path, or group commit in front of it for the HTTP API);
- the record and its access log (here): history, look-ups by UPN/ULN, and
  ``authorise_read``, the one gate every read of a student's data passes;
- reads of the projections (:mod:`ledger.service.reads`), authorised here;
- privacy (:mod:`ledger.service.privacy`): erasure, holds, retention, keys;
- verification of every stream's hash chain (:mod:`ledger.service.verification`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.domain import access
from ledger.domain.access import Actor
from ledger.domain.access_log import (
    AccessEntry,
    AccessLog,
    AccessPage,
    AccessPurpose,
    InMemoryAccessLog,
)
from ledger.domain.clock import Clock, SystemClock
from ledger.domain.errors import (
    FieldProblem,
    LedgerError,
    StudentErased,
    StudentNotFound,
    ValidationFailed,
)
from ledger.domain.events import ENTRY_KINDS
from ledger.domain.identifiers import normalise_uln, normalise_upn
from ledger.domain.payloads import Payload
from ledger.domain.retention import RetentionPolicy
from ledger.service import privacy
from ledger.service.appends import Appends, Writer
from ledger.service.commands import Appended, Command, History, entry_of
from ledger.service.reads import Reads
from ledger.service.verification import ChainReport, verify_rows
from ledger.storage.application import LedgerApplication, RotationReport

if TYPE_CHECKING:
    from projections.runner.follower import ReadSideFollower
    from projections.views.readside import ReadModels


class LedgerService:
    def __init__(
        self,
        app: LedgerApplication,
        clock: Clock | None = None,
        after_append: Callable[[], None] | None = None,
        access_log: AccessLog | None = None,
        read_models: ReadModels | None = None,
    ) -> None:
        self.app = app
        self.clock: Clock = clock or SystemClock()
        self.access_log: AccessLog = access_log or InMemoryAccessLog()
        self.appends = Appends(app, self.clock, after_append)
        self.writer: Writer = self.appends
        self._reads = Reads(self, read_models) if read_models is not None else None

    def with_writer(self, writer: Writer) -> LedgerService:
        """The same use cases over the same store, appending through ``writer``."""
        other = LedgerService(self.app, self.clock, None, self.access_log)
        other.appends, other.writer = self.appends, writer
        other._reads = Reads(other, self._reads.read) if self._reads is not None else None
        return other

    @property
    def read_side(self) -> ReadSideFollower | None:
        """The follower projecting appends behind their commits, if the writer has one.

        Reads that must see this process's own writes wait for it (group commit);
        with the plain append path the projections catch up inside each append.
        """
        return self.writer.read_side

    @property
    def reads(self) -> Reads:
        """The read use cases (benchmarks, reports, timeline), authorised for each caller."""
        if self._reads is None:
            raise LedgerError("this ledger was built without its read side")
        return self._reads

    # -- writes (ledger/service/appends.py) ------------------------------------
    def register_student(
        self,
        payload: Mapping[str, Any] | Payload,
        *,
        idempotency_key: str | None = None,
        actor: Actor = access.SYSTEM,
    ) -> Appended:
        command = Command("registration", payload, idempotency_key=idempotency_key)
        return self.execute([command], actor=actor)[0]

    def record(
        self,
        student_id: UUID,
        kind: str,
        payload: Mapping[str, Any] | Payload,
        *,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
        actor: Actor = access.SYSTEM,
        provenance: dict[str, Any] | None = None,
    ) -> Appended:
        """Append one entry of ``kind`` (see ``ledger.domain.events.ENTRY_KINDS``)."""
        if kind not in ENTRY_KINDS:
            raise ValidationFailed(
                f"kind: unknown entry kind {kind!r}",
                (FieldProblem("kind", "is not a known entry kind"),),
            )
        command = Command(kind, payload, student_id, idempotency_key, expected_version, provenance)
        return self.execute([command], actor=actor)[0]

    def correct(
        self,
        student_id: UUID,
        amends_sequence: int,
        changes: Mapping[str, Any],
        reason: str,
        **options: Any,
    ) -> Appended:
        payload = {
            "occurred_on": self.appends.today().isoformat(),
            "amends_sequence": amends_sequence,
            "changes": dict(changes),
            "reason": reason,
        }
        return self.record(student_id, "correction", payload, **options)

    def retract(
        self, student_id: UUID, amends_sequence: int, reason: str, **options: Any
    ) -> Appended:
        payload = {
            "occurred_on": self.appends.today().isoformat(),
            "amends_sequence": amends_sequence,
            "reason": reason,
        }
        return self.record(student_id, "retraction", payload, **options)

    def execute(
        self, commands: Sequence[Command], *, actor: Actor = access.SYSTEM
    ) -> list[Appended]:
        """Apply commands to their streams and save them in one transaction.

        Nothing is written unless every command is valid and allowed.
        """
        return self.writer.execute(commands, actor=actor)

    # -- the record and who read it ----------------------------------------------
    def history(
        self,
        student_id: UUID,
        *,
        actor: Actor = access.SYSTEM,
        purpose: AccessPurpose = AccessPurpose.RECORD,
    ) -> History:
        self.authorise_read(student_id, actor=actor, purpose=purpose)
        entries = [entry_of(e) for e in self.app.events.get(student_id)]
        return History(student_id, entries[-1].sequence if entries else 0, entries)

    def version_of(self, student_id: UUID, *, actor: Actor = access.SYSTEM) -> int:
        student = self.appends.require(student_id)
        access.check_read(actor, student)
        return student.version

    def find_student(
        self, *, upn: str | None = None, uln: str | None = None, actor: Actor = access.SYSTEM
    ) -> UUID:
        if (upn is None) == (uln is None):
            raise ValidationFailed(
                "give exactly one of upn or uln",
                (FieldProblem("upn", "give exactly one of upn or uln"),),
            )
        kind, value = (
            ("upn", normalise_upn(upn)) if upn is not None else ("uln", normalise_uln(uln or ""))
        )
        student_id = self.app.lookup(kind, value)
        if student_id is None:
            raise StudentNotFound(f"no student with this {kind.upper()}")
        self.authorise_read(student_id, actor=actor, purpose=AccessPurpose.FIND)
        return student_id

    def authorise_read(self, student_id: UUID, *, actor: Actor, purpose: AccessPurpose) -> None:
        """Allow a read of the student's personal data and log it (ids only) first.

        Every entry point that shows a student's data, from the ledger or from a
        projection, comes through here: out of scope is 404, and nothing is shown
        that the access log does not record.
        """
        student = self.appends.require(student_id)
        access.check_read(actor, student)
        if student.erased:
            raise StudentErased("this student's personal data has been erased")
        self.access_log.append(
            AccessEntry(
                student_id=student_id,
                actor_id=actor.id,
                role=actor.role.value,
                institution_id=actor.institution_id,
                purpose=purpose,
                accessed_at=self.clock.now(),
            )
        )

    def access_log_of(
        self, student_id: UUID, *, actor: Actor = access.SYSTEM, limit: int = 100, offset: int = 0
    ) -> AccessPage:
        """Who read this student's record, when and why (the student's export includes it)."""
        access.check_read_access_log(actor, self.appends.require(student_id))
        return self.access_log.for_student(student_id, limit=limit, offset=offset)

    def report_scope(self, institution_id: str | None, *, actor: Actor) -> str | None:
        """The institution a cohort report covers for this actor (Forbidden otherwise)."""
        return access.check_report(actor, institution_id)

    def authorise_operations(self, *, actor: Actor) -> None:
        """Operational views such as projection status: staff only."""
        access.check_operations(actor)

    def event_count(self) -> int:
        return int(self.app.recorder.max_notification_id() or 0)

    def verify(
        self,
        *,
        full: bool = True,
        progress: Callable[[int], None] | None = None,
        actor: Actor = access.SYSTEM,
    ) -> ChainReport:
        """Recompute every stream's chain; ``full`` also checks commitments."""
        access.check_verify(actor)
        reader = self.app.read_stored_document if full else None
        rows = self.app.iter_audit_rows()
        if full:
            rows = self.app.with_keys_loaded(rows)
        return verify_rows(rows, reader, progress)

    # -- privacy: the data protection officer's use cases (ledger/service/privacy.py) --
    def erase(
        self,
        student_id: UUID,
        reason: str,
        *,
        actor: Actor = access.SYSTEM,
        idempotency_key: str | None = None,
        compact: bool = True,
    ) -> Appended:
        """Crypto-shred the student's personal data (reason: request, retention, other)."""
        return privacy.erase(
            self, student_id, reason, actor=actor, idempotency_key=idempotency_key, compact=compact
        )

    def place_legal_hold(
        self,
        student_id: UUID,
        reason: str,
        *,
        actor: Actor = access.SYSTEM,
        idempotency_key: str | None = None,
    ) -> Appended:
        """Block erasure (and retention) of this record until the hold is lifted."""
        return privacy.set_legal_hold(
            self, student_id, reason, placed=True, actor=actor, idempotency_key=idempotency_key
        )

    def lift_legal_hold(
        self,
        student_id: UUID,
        reason: str,
        *,
        actor: Actor = access.SYSTEM,
        idempotency_key: str | None = None,
    ) -> Appended:
        return privacy.set_legal_hold(
            self, student_id, reason, placed=False, actor=actor, idempotency_key=idempotency_key
        )

    def run_retention(
        self,
        *,
        dry_run: bool,
        actor: Actor = access.SYSTEM,
        policy: RetentionPolicy | None = None,
    ) -> privacy.RetentionRun:
        """Erase every record past its retention period; ``dry_run`` only lists them."""
        return privacy.run_retention(self, dry_run=dry_run, actor=actor, policy=policy)

    def compact(self, *, actor: Actor = access.SYSTEM) -> None:
        """Remove erased data's old bytes from the store's files now (normally automatic)."""
        privacy.compact(self, actor=actor)

    def rotate_master_key(
        self, new_master_key: bytes, *, actor: Actor = access.SYSTEM
    ) -> RotationReport:
        """Re-wrap every student's key under a new master key; events are untouched."""
        return privacy.rotate_master_key(self, new_master_key, actor=actor)

    def key_status(self, *, actor: Actor = access.SYSTEM) -> dict[str, int]:
        """Live student keys per master key id, and erased students' tombstones."""
        return privacy.key_status(self, actor=actor)
