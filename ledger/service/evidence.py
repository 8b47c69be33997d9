"""Signed checkpoints and proofs over the global log: what auditors and exports rely on.

A checkpoint is refused if the log no longer extends the last one signed (it
shrank or forked).  :meth:`EvidenceService.verify_log` is the full audit: every
leaf against the chain link stored now (naming the student and sequence that
was rewritten), every signed checkpoint against the tree rebuilt from the
leaves, and optionally a checkpoint trusted from outside (rollback and forks).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

import psycopg
from eventsourcing.persistence import IntegrityError

from ledger.domain import merkle
from ledger.domain.clock import Clock
from ledger.domain.errors import FieldProblem, LedgerError, ValidationFailed
from ledger.domain.evidence.leaf import event_leaf
from ledger.domain.evidence.notes import Checkpoint, NoteError, NoteSigner, NoteVerifier
from ledger.storage.application import LedgerApplication
from ledger.storage.evidence.log import (
    LogIntegrityError,
    LogLeaf,
    MerkleLogStore,
    StoredCheckpoint,
)
from ledger.storage.evidence.sql import database_for


class CheckpointRefused(LedgerError):
    code = "checkpoint_refused"
    status = 409
    title = "The log does not extend the last signed checkpoint"


class ProofNotAvailable(LedgerError):
    code = "proof_not_available"
    status = 404
    title = "No such checkpoint or logged event"


@dataclass(frozen=True)
class InclusionProof:
    student_id: UUID
    sequence: int
    index: int
    tree_size: int
    leaf: bytes
    hashes: list[bytes]


@dataclass(frozen=True)
class LogFailure:
    student_id: UUID | None
    sequence: int | None
    problem: str


@dataclass
class LogReport:
    leaves: int = 0
    checkpoints: int = 0
    failures: list[LogFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


class EvidenceService:
    def __init__(self, app: LedgerApplication, signer: NoteSigner, clock: Clock) -> None:
        self.signer = signer
        self.verifier: NoteVerifier = signer.verifier
        self.clock = clock
        self.log = MerkleLogStore(database_for(app.ledger_recorder))
        self.log.create_tables()

    @property
    def origin(self) -> str:
        return self.signer.name

    def public_key(self) -> str:
        """The checkpoint verifier key in the C2SP vkey form."""
        return self.verifier.vkey

    # -- checkpoints -------------------------------------------------------------
    def checkpoint(self) -> Checkpoint:
        """Bring the log up to date and sign its head (or return the one already signed)."""
        size = self.log.extend()
        root = self.log.root(size)
        latest = self.log.checkpoints(limit=1)
        if latest:
            previous = self._open(latest[0])
            if size < previous.size:
                raise CheckpointRefused(
                    f"the log has {size} entries but checkpoint {previous.size} was signed: "
                    "it shrank"
                )
            proof = self.log.consistency_proof(previous.size, size)
            if not merkle.verify_consistency(previous.size, size, previous.root, root, proof):
                raise CheckpointRefused(
                    f"the log at size {size} does not extend signed checkpoint "
                    f"{previous.size}: it forked"
                )
            if size == previous.size:
                return previous
        signed = Checkpoint.sign(self.signer, size, root)
        try:
            self.log.store_checkpoint(signed, self.clock.now().isoformat())
        except (IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError):
            return self.checkpoint_of_size(size)  # a concurrent caller signed this size
        return signed

    def latest_checkpoint(self) -> Checkpoint | None:
        latest = self.log.checkpoints(limit=1)
        return self._open(latest[0]) if latest else None

    def require_latest(self) -> Checkpoint:
        latest = self.latest_checkpoint()
        if latest is None:
            raise ProofNotAvailable("no checkpoint has been signed yet")
        return latest

    def checkpoint_of_size(self, size: int) -> Checkpoint:
        found = self.log.checkpoints(at_most=size, limit=1)
        if not found or found[0].size != size:
            raise ProofNotAvailable(f"no checkpoint of tree size {size} was signed")
        return self._open(found[0])

    def checkpoints(self, *, at_most: int | None = None, limit: int = 100) -> list[Checkpoint]:
        """Signed checkpoints, largest first."""
        return [self._open(c) for c in self.log.checkpoints(at_most=at_most, limit=limit)]

    def covering_checkpoint(self, student_id: UUID) -> Checkpoint:
        """The latest checkpoint, signing a new one if it misses any of the student's events."""
        size = self.log.extend()
        logged = self.log.last_sequence_below(student_id, size)
        latest = self.latest_checkpoint()
        if latest is None or self.log.last_sequence_below(student_id, latest.size) < logged:
            return self.checkpoint()
        return latest

    def _open(self, stored: StoredCheckpoint) -> Checkpoint:
        try:
            checkpoint = Checkpoint.open(stored.note, self.verifier, self.origin)
        except NoteError as exc:
            raise CheckpointRefused(f"stored checkpoint {stored.size}: {exc}") from None
        if checkpoint.size != stored.size or checkpoint.root != stored.root:
            raise CheckpointRefused(f"stored checkpoint {stored.size} differs from its row")
        return checkpoint

    # -- proofs ------------------------------------------------------------------
    def inclusion_proof(
        self, student_id: UUID, sequence: int, tree_size: int | None = None
    ) -> InclusionProof:
        """Proof that the student's event is in the tree of ``tree_size`` (default: latest)."""
        self.log.extend()
        size = (self.checkpoint_of_size(tree_size) if tree_size else self.require_latest()).size
        index = self.log.position_of(student_id, sequence)
        if index is None or index >= size:
            raise ProofNotAvailable(
                f"student {student_id} sequence {sequence} is not in the log at size {size}"
            )
        leaf = self.log.hashes([(0, index)])[(0, index)]
        hashes = self.log.inclusion_proofs([index], size)[index]
        return InclusionProof(student_id, sequence, index, size, leaf, hashes)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        if not 0 <= old_size <= new_size:
            raise ValidationFailed(
                "from: must be between 0 and the later size",
                (FieldProblem("from", "must be between 0 and the later size"),),
            )
        if new_size > self.log.extend():
            raise ProofNotAvailable(f"the log has not reached size {new_size}")
        return self.log.consistency_proof(old_size, new_size)

    # -- the full audit ---------------------------------------------------------
    def verify_log(
        self,
        trusted: Checkpoint | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> LogReport:
        """Rebuild the tree from the stored leaves; check leaves against chains, heads
        against every signed checkpoint (and ``trusted``), and that nothing was slipped in."""
        report = LogReport()
        try:
            self.log.extend()
        except LogIntegrityError as exc:
            report.failures.append(LogFailure(None, None, exc.detail))
        expected: dict[int, list[tuple[bytes, str]]] = {}
        for stored in reversed(self.log.checkpoints()):
            report.checkpoints += 1
            try:
                opened = self._open(stored)
            except CheckpointRefused as exc:
                report.failures.append(LogFailure(None, None, exc.detail))
                continue
            expected.setdefault(opened.size, []).append((opened.root, f"checkpoint {stored.size}"))
        if trusted is not None:
            label = f"the trusted checkpoint {trusted.size}"
            expected.setdefault(trusted.size, []).append((trusted.root, label))
        frontier = merkle.Frontier()
        self._check_heads(frontier, expected, report)
        for logged in self.log.iter_logged():
            if logged.position != frontier.size:
                report.failures.append(
                    LogFailure(None, None, f"log position {frontier.size} is missing")
                )
            problem = _leaf_problem(logged)
            if problem:
                report.failures.append(LogFailure(logged.student_id, logged.sequence, problem))
            frontier.append(logged.leaf)
            report.leaves += 1
            if frontier.size in expected:
                self._check_heads(frontier, expected, report)
            if progress is not None and report.leaves % 1000 == 0:
                progress(1000)
        if progress is not None:
            progress(report.leaves % 1000)
        for size in sorted(expected):
            report.failures.append(
                LogFailure(
                    None,
                    None,
                    f"the log has {frontier.size} entries but {expected[size][0][1]} has "
                    f"{size}: the log shrank or was rolled back",
                )
            )
        for student_id, sequence in self.log.unlogged_events():
            report.failures.append(
                LogFailure(
                    student_id, sequence, "the event was stored out of order, behind the log"
                )
            )
        return report

    @staticmethod
    def _check_heads(
        frontier: merkle.Frontier,
        expected: dict[int, list[tuple[bytes, str]]],
        report: LogReport,
    ) -> None:
        root = frontier.root()
        for head, label in expected.pop(frontier.size, []):
            if head != root:
                report.failures.append(
                    LogFailure(
                        None,
                        None,
                        f"the log's first {frontier.size} entries do not match {label}: "
                        "the log was rewritten or forked",
                    )
                )


def _leaf_problem(logged: LogLeaf) -> str | None:
    if logged.link is None:
        return "the logged event is missing from the ledger (deleted)"
    if event_leaf(logged.student_id, logged.sequence, logged.link) != logged.leaf:
        return (
            f"the chain link differs from the one logged at position {logged.position}: "
            "the event or its chain was rewritten"
        )
    return None
