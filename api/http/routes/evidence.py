"""Inspection evidence for auditors: signed checkpoints of the global log and proofs.

Read-only.  Auditors, careers leaders and data protection officers may ask;
a student's inclusion proof also needs the student in the caller's scope
(else 404, like a missing student).  Hashes are standard base64; checkpoints
are C2SP signed notes, verifiable with the key from ``/evidence/public-key``.
"""

from __future__ import annotations

import base64
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api.http.deps import CurrentActor, LedgerDep, StudentId
from api.http.limits import JsonDepthRoute
from api.http.problems import responses
from ledger.domain import access
from ledger.domain.evidence.notes import Checkpoint

router = APIRouter(prefix="/evidence", tags=["evidence"], route_class=JsonDepthRoute)


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True)


class PublicKeyPublic(_Public):
    origin: str = Field(examples=["careers.example-school.org.uk/ledger"])
    vkey: str = Field(description="C2SP verifier key: <name>+<hex key id>+<base64 key>")
    key_id: str = Field(description="The 4-byte key id, hex", examples=["3defd916"])


class CheckpointPublic(_Public):
    origin: str
    tree_size: int
    root_hash: str = Field(description="Base64 RFC 6962 tree head")
    note: str = Field(description="The signed checkpoint, C2SP text form")

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> CheckpointPublic:
        return cls(
            origin=checkpoint.origin,
            tree_size=checkpoint.size,
            root_hash=base64.b64encode(checkpoint.root).decode(),
            note=checkpoint.note,
        )


class ConsistencyProofPublic(_Public):
    from_size: int
    to_size: int
    proof: list[str] = Field(description="Base64 hashes, RFC 6962 PROOF(from, D[to])")


class InclusionProofPublic(_Public):
    student_id: UUID
    sequence: int
    log_index: int
    tree_size: int
    leaf_hash: str = Field(description="Base64 SHA-256(0x00 || leaf data)")
    proof: list[str] = Field(description="Base64 hashes, RFC 6962 PATH(index, D[tree_size])")


def _b64(values: list[bytes]) -> list[str]:
    return [base64.b64encode(v).decode() for v in values]


@router.get("/public-key", response_model=PublicKeyPublic, responses=responses(403))
def public_key(actor: CurrentActor, ledger: LedgerDep) -> PublicKeyPublic:
    """The key that verifies this ledger's checkpoints and export bundles."""
    access.check_verify(actor)
    evidence = ledger.evidence
    return PublicKeyPublic(
        origin=evidence.origin, vkey=evidence.public_key(), key_id=evidence.verifier.key_id.hex()
    )


@router.get("/checkpoints", response_model=list[CheckpointPublic], responses=responses(403))
def list_checkpoints(
    actor: CurrentActor,
    ledger: LedgerDep,
    limit: Annotated[int, Query(ge=1, le=500, description="How many, largest first")] = 50,
) -> list[CheckpointPublic]:
    """Signed checkpoints of the global log, largest tree first."""
    access.check_verify(actor)
    return [CheckpointPublic.of(c) for c in ledger.evidence.checkpoints(limit=limit)]


@router.get("/checkpoints/latest", response_model=CheckpointPublic, responses=responses(403, 404))
def latest_checkpoint(actor: CurrentActor, ledger: LedgerDep) -> CheckpointPublic:
    """The most recent signed checkpoint (``careers-ledger checkpoint`` signs one)."""
    access.check_verify(actor)
    return CheckpointPublic.of(ledger.evidence.require_latest())


@router.get(
    "/checkpoints/{tree_size}", response_model=CheckpointPublic, responses=responses(403, 404)
)
def checkpoint_of_size(
    actor: CurrentActor,
    ledger: LedgerDep,
    tree_size: Annotated[int, Path(ge=0, le=10**15, description="The tree size it signs")],
) -> CheckpointPublic:
    """The signed checkpoint of one tree size."""
    access.check_verify(actor)
    return CheckpointPublic.of(ledger.evidence.checkpoint_of_size(tree_size))


@router.get(
    "/proofs/consistency", response_model=ConsistencyProofPublic, responses=responses(403, 404)
)
def consistency_proof(
    actor: CurrentActor,
    ledger: LedgerDep,
    from_size: Annotated[int, Query(alias="from", ge=0, le=10**15, description="Older size")],
    to_size: Annotated[
        int | None, Query(alias="to", ge=0, le=10**15, description="Newer size (latest)")
    ] = None,
) -> ConsistencyProofPublic:
    """Proof that the log at ``from`` is a prefix of the log at ``to``: no rollback, no fork."""
    access.check_verify(actor)
    evidence = ledger.evidence
    if to_size is None:
        to_size = evidence.require_latest().size
    proof = evidence.consistency_proof(from_size, to_size)
    return ConsistencyProofPublic(from_size=from_size, to_size=to_size, proof=_b64(proof))


@router.get(
    "/students/{student_id}/proofs/{sequence}",
    response_model=InclusionProofPublic,
    responses=responses(403, 404),
)
def inclusion_proof(
    actor: CurrentActor,
    ledger: LedgerDep,
    student_id: StudentId,
    sequence: Annotated[int, Path(ge=1, le=10**9, description="The event's sequence number")],
    tree_size: Annotated[
        int | None,
        Query(ge=1, le=10**15, description="A signed checkpoint's size (default: the latest)"),
    ] = None,
) -> InclusionProofPublic:
    """Proof that one event of a student's record is in a signed checkpoint's tree."""
    access.check_verify(actor)
    ledger.service.version_of(student_id, actor=actor)  # out of scope answers 404
    proof = ledger.evidence.inclusion_proof(student_id, sequence, tree_size)
    return InclusionProofPublic(
        student_id=student_id,
        sequence=sequence,
        log_index=proof.index,
        tree_size=proof.tree_size,
        leaf_hash=base64.b64encode(proof.leaf).decode(),
        proof=_b64(proof.hashes),
    )
