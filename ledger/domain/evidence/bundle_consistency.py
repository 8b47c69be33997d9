"""Consistency of an export bundle's checkpoint with earlier ones (rollback and forks).

The exporter's own earlier checkpoints travel in the bundle with proofs that
they are prefixes of the bundle's checkpoint; a checkpoint the receiver trusted
earlier must be one too.  Pure functions; failures go to the caller's ``fail``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.domain import merkle
from ledger.domain.evidence.bundle import BundleFormatError, unb64
from ledger.domain.evidence.notes import Checkpoint, NoteError, NoteVerifier

Fail = Callable[[str], None]

Proofs = list[tuple[int, str | None, list[bytes]]]


def check_history(
    items: Proofs, checkpoint: Checkpoint, verifier: NoteVerifier, fail: Fail
) -> None:
    """The exporter's own earlier checkpoints must be prefixes of this one."""
    for size, note, proof in items:
        if note is None:
            continue
        try:
            earlier = Checkpoint.open(note, verifier, verifier.name)
        except NoteError as exc:
            fail(f"earlier checkpoint {size} is refused: {exc}")
            continue
        if earlier.size != size or not merkle.verify_consistency(
            earlier.size, checkpoint.size, earlier.root, checkpoint.root, proof
        ):
            fail(
                f"the log at size {checkpoint.size} does not extend the exporter's own "
                f"checkpoint {size}: it forked"
            )


def check_trusted(
    items: Proofs,
    checkpoint: Checkpoint,
    trusted_note: str,
    verifier: NoteVerifier,
    fail: Fail,
) -> None:
    try:
        trusted = Checkpoint.open(trusted_note, verifier, verifier.name)
    except NoteError as exc:
        fail(f"the trusted checkpoint is refused: {exc}")
        return
    if trusted.size > checkpoint.size:
        fail(
            f"the bundle's checkpoint ({checkpoint.size}) is older than the trusted one "
            f"({trusted.size}): the log was rolled back, or export again"
        )
        return
    if trusted.size == checkpoint.size:
        if trusted.root != checkpoint.root:
            fail(f"the log forked: two different trees of size {trusted.size} were signed")
        return
    for size, _, proof in items:
        if size == trusted.size:
            if not merkle.verify_consistency(
                trusted.size, checkpoint.size, trusted.root, checkpoint.root, proof
            ):
                fail(
                    f"the bundle's checkpoint {checkpoint.size} does not extend the trusted "
                    f"checkpoint {trusted.size}: the log forked or was rewritten"
                )
            return
    fail(
        f"the bundle carries no consistency proof from the trusted size {trusted.size}; "
        f"export again with --consistency-from {trusted.size}"
    )


def consistency_items(items: Any, fail: Fail) -> Proofs:
    found: Proofs = []
    if not isinstance(items, list):
        fail("the bundle's consistency section is not a list")
        return found
    for item in items:
        try:
            size = item["tree_size"]
            note = item.get("checkpoint")
            proof = [unb64(h, "consistency.proof") for h in item["proof"]]
        except (BundleFormatError, KeyError, TypeError, AttributeError) as exc:
            fail(f"a consistency proof is malformed: {exc}")
            continue
        if not isinstance(size, int) or not (note is None or isinstance(note, str)):
            fail("a consistency proof is malformed: tree_size or checkpoint")
            continue
        found.append((size, note, proof))
    return found
