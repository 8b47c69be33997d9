"""A student's whole record as verifiable evidence (Gatsby Benchmark 3: records the
student can access and that follow them), read lazily so renderers can stream it.

:func:`export_record` checks who may export, logs the read, fixes a signed
checkpoint covering every event of the student, and returns a
:class:`RecordExport`: a header, then events (each with its chain data and
inclusion proof) and access-log entries as iterators, then a signed statement.
Renderers (JSON, and later CSV/PDF) live at the edge in ``api/export``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.domain.access import Actor
from ledger.domain.access_log import AccessPurpose
from ledger.domain.errors import FieldProblem, Forbidden, StudentErased, ValidationFailed
from ledger.domain.events import EVENT_CLASSES
from ledger.domain.evidence.bundle import FORMAT, AccessDigest, Statement, b64, entry_fields
from ledger.domain.evidence.notes import Checkpoint
from ledger.domain.vocabulary import Role
from ledger.service.evidence import EvidenceService
from ledger.service.ledger_service import LedgerService
from ledger.storage.evidence.log import LogIntegrityError
from ledger.storage.evidence.rows import student_rows
from projections.rules import Attainment, get_ruleset
from projections.views.replay import replay_student

EXPORT_ROLES = frozenset(
    {Role.STUDENT, Role.ADVISER, Role.CAREERS_LEADER, Role.DATA_PROTECTION_OFFICER, Role.SYSTEM}
)
KIND_OF_TOPIC = {cls.TOPIC: kind for kind, cls in EVENT_CLASSES.items()}
ACCESS_PAGE = 500
DEFAULT_CONSISTENCY_LIMIT = 100


@dataclass(frozen=True)
class ConsistencyItem:
    """A proof that the tree of ``tree_size`` is a prefix of the bundle's checkpoint."""

    tree_size: int
    checkpoint: str | None
    proof: list[bytes]

    def as_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "checkpoint": self.checkpoint,
            "proof": [b64(h) for h in self.proof],
        }


@dataclass(frozen=True)
class ExportHeader:
    student_id: UUID
    origin: str
    public_key: str
    key_id: str
    exported_at: str
    checkpoint: Checkpoint
    event_count: int
    head: bytes | None
    consistency: list[ConsistencyItem]

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "origin": self.origin,
            "public_key": {"vkey": self.public_key, "key_id": self.key_id},
            "student_id": str(self.student_id),
            "exported_at": self.exported_at,
            "event_count": self.event_count,
            "checkpoint": self.checkpoint.note,
            "consistency": [c.as_json() for c in self.consistency],
        }


@dataclass
class RecordExport:
    header: ExportHeader
    service: LedgerService
    evidence: EvidenceService
    _access: AccessDigest = field(default_factory=AccessDigest)
    _access_read: bool = False

    def events(self) -> Iterator[dict[str, Any]]:
        """Every event, sequence 1 to ``event_count``, read and proved one page at a time."""
        app, size = self.service.app, self.header.checkpoint.size
        for page in student_rows(
            self.evidence.log.db, self.header.student_id, through=self.header.event_count
        ):
            positions = [row.position for row in page]
            if any(p is None or p >= size for p in positions):
                raise LogIntegrityError(
                    f"student {self.header.student_id}: an event is missing from the global log"
                )
            proofs = self.evidence.log.inclusion_proofs(
                [p for p in positions if p is not None], size
            )
            for row in page:
                assert row.position is not None
                stored = StoredEvent(row.student_id, row.sequence, row.topic, row.state)
                document = app.read_stored_document(stored)
                yield {
                    "sequence": row.sequence,
                    "kind": KIND_OF_TOPIC.get(row.topic),
                    "topic": row.topic,
                    **entry_fields(document),
                    "chain": {
                        "recorded_at": row.recorded_at,
                        "salt": b64(bytes.fromhex(document["salt"])),
                        "commitment": b64(row.commitment),
                        "link": b64(row.link),
                        "stored_bytes": b64(row.state),
                    },
                    "log": {
                        "index": row.position,
                        "inclusion_proof": [b64(h) for h in proofs[row.position]],
                    },
                }

    def attainment(self, ruleset: str, as_of: date) -> Attainment:
        """The exported events' benchmarks as of ``as_of``, by the rules the projections run.

        Folded from the student's own stream (the events this export covers),
        not from the rendered export, and not from the live read side, which
        may hold later events or lag behind.
        """
        facts = replay_student(
            self.service.app, self.header.student_id, through=self.header.event_count
        )
        if facts is None:
            raise StudentErased("this student's record was erased and cannot be exported")
        return get_ruleset(ruleset).evaluate(facts, as_of)

    def access_log(self) -> Iterator[dict[str, Any]]:
        """Who read this record, oldest first (ids and vocabularies only)."""
        self._access = AccessDigest()
        offset = 0
        while True:
            page = self.service.access_log.for_student(
                self.header.student_id, limit=ACCESS_PAGE, offset=offset
            )
            for entry in page.entries:
                item = {
                    "accessed_at": entry.accessed_at.isoformat(),
                    "actor_id": entry.actor_id,
                    "role": entry.role,
                    "institution_id": entry.institution_id,
                    "purpose": entry.purpose.value,
                }
                self._access.add(item)
                yield item
            offset += len(page.entries)
            if len(page.entries) < ACCESS_PAGE:
                break
        self._access_read = True

    def statement(self) -> str:
        """The signed statement; covers the access-log entries as :meth:`access_log` read them."""
        if not self._access_read:
            for _ in self.access_log():
                pass
        header = self.header
        return self.evidence.signer.sign(
            Statement(
                origin=header.origin,
                student_id=header.student_id,
                exported_at=header.exported_at,
                events=header.event_count,
                head=header.head,
                tree_size=header.checkpoint.size,
                root=header.checkpoint.root,
                access_entries=self._access.count,
                access_digest=self._access.digest(),
            ).text()
        )


def export_record(
    service: LedgerService,
    evidence: EvidenceService,
    student_id: UUID,
    *,
    actor: Actor,
    consistency_from: Sequence[int] = (),
    consistency_limit: int = DEFAULT_CONSISTENCY_LIMIT,
) -> RecordExport:
    """Prepare the student's export: allowed roles only, the read logged, a checkpoint fixed.

    Consistency proofs come from the latest ``consistency_limit`` earlier
    checkpoints (their signed notes included) and from each extra size asked
    for, so a receiver holding any of them can check the log only grew.
    """
    if actor.role not in EXPORT_ROLES:
        raise Forbidden(f"the {actor.role.value} role cannot export student records")
    service.authorise_read(student_id, actor=actor, purpose=AccessPurpose.EXPORT)
    if service.app.get_student(student_id).erased:
        raise StudentErased("this student's record was erased and cannot be exported")
    checkpoint = evidence.covering_checkpoint(student_id)
    count = evidence.log.last_sequence_below(student_id, checkpoint.size)
    head = None
    for page in student_rows(evidence.log.db, student_id, after=count - 1, through=count):
        head = page[-1].link
    too_late = [size for size in consistency_from if not 0 < size <= checkpoint.size]
    if too_late:
        reason = f"each size must be between 1 and the checkpoint's size {checkpoint.size}"
        raise ValidationFailed(
            f"consistency_from: {reason}", (FieldProblem("consistency_from", reason),)
        )
    return RecordExport(
        header=ExportHeader(
            student_id=student_id,
            origin=evidence.origin,
            public_key=evidence.public_key(),
            key_id=evidence.verifier.key_id.hex(),
            exported_at=service.clock.now().isoformat(),
            checkpoint=checkpoint,
            event_count=count,
            head=head,
            consistency=_consistency(evidence, checkpoint, consistency_from, consistency_limit),
        ),
        service=service,
        evidence=evidence,
    )


def _consistency(
    evidence: EvidenceService, checkpoint: Checkpoint, extra: Sequence[int], limit: int
) -> list[ConsistencyItem]:
    items: list[ConsistencyItem] = []
    seen = {checkpoint.size}
    earlier = evidence.checkpoints(at_most=checkpoint.size - 1, limit=limit) if limit else []
    for old in earlier:
        if old.size == 0:
            continue  # every tree extends the empty one: nothing to prove
        seen.add(old.size)
        proof = evidence.consistency_proof(old.size, checkpoint.size)
        items.append(ConsistencyItem(old.size, old.note, proof))
    for size in sorted(set(extra) - seen, reverse=True):
        proof = evidence.consistency_proof(size, checkpoint.size)
        items.append(ConsistencyItem(size, None, proof))
    return items
