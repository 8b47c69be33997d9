"""The auditor's evidence pack: verification, the latest signed checkpoint and the
cohort figures, replayed as of a date on both axes.

Verification runs through the service first (``LedgerService.verify`` checks
that the actor may verify), then the global log audit rebuilds the Merkle
tree and checks every signed checkpoint.  Nothing here signs a checkpoint:
an auditor never writes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from api.bootstrap import Ledger
from api.pages.dashboard import Dashboard, Filters, build
from ledger.domain.access import Actor
from ledger.domain.evidence.notes import Checkpoint
from ledger.service.evidence import LogReport
from ledger.service.verification import ChainReport


@dataclass(frozen=True)
class Verification:
    chain: ChainReport
    log: LogReport
    checkpoint: Checkpoint | None
    origin: str
    public_key: str
    checked_at: datetime

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.log.ok

    @property
    def root_b64(self) -> str:
        return base64.b64encode(self.checkpoint.root).decode() if self.checkpoint else ""


@dataclass(frozen=True)
class EvidencePack:
    board: Dashboard
    verification: Verification
    generated_at: datetime


def verify(ledger: Ledger, actor: Actor) -> Verification:
    """Every student's hash chain (with keys) and the global log against its checkpoints."""
    chain = ledger.service.verify(full=True, actor=actor)
    log = ledger.evidence.verify_log()
    return Verification(
        chain=chain,
        log=log,
        checkpoint=ledger.evidence.latest_checkpoint(),
        origin=ledger.evidence.origin,
        public_key=ledger.evidence.public_key(),
        checked_at=ledger.clock.now(),
    )


def latest(ledger: Ledger) -> Checkpoint | None:
    return ledger.evidence.latest_checkpoint()


def evidence_pack(ledger: Ledger, actor: Actor, filters: Filters) -> EvidencePack:
    verification = verify(ledger, actor)
    board = build(ledger, actor, filters)
    return EvidencePack(board, verification, ledger.clock.now())
