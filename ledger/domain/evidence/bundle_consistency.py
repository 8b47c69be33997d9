"""Consistency of an export bundle's checkpoint with earlier ones (rollback and forks).

The exporter's own earlier checkpoints travel in the bundle with proofs that
they are prefixes of the bundle's checkpoint; a checkpoint the receiver trusted
earlier must be one too.  A proof asked for with ``--consistency-from`` carries
no checkpoint of its size: what it implies is checked (its shape, and that it
leads to the signed root), but its old root is anchored by nothing the bundle
holds, so it is reported to ``unverified``, never passed as checked.  Pure
functions; failures go to the caller's ``fail``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.domain import merkle
from ledger.domain.evidence.bundle import BundleFormatError, b64, unb64
from ledger.domain.evidence.notes import Checkpoint, NoteError, NoteVerifier

Fail = Callable[[str], None]

Proofs = list[tuple[int, str | None, list[bytes]]]


def check_history(
    items: Proofs,
    checkpoint: Checkpoint,
    verifier: NoteVerifier,
    fail: Fail,
    unverified: Fail,
    anchored: int | None = None,
) -> None:
    """The exporter's own earlier checkpoints must be prefixes of this one.

    ``anchored`` is the size of a proof already checked against the receiver's
    trusted checkpoint; any other proof without a signed note is unanchored.
    """
    for size, note, proof in items:
        if note is None:
            if size != anchored:
                check_unanchored(size, proof, checkpoint, fail, unverified)
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
) -> int | None:
    """The trusted checkpoint must be a prefix; returns the size of the proof checked."""
    try:
        trusted = Checkpoint.open(trusted_note, verifier, verifier.name)
    except NoteError as exc:
        fail(f"the trusted checkpoint is refused: {exc}")
        return None
    if trusted.size > checkpoint.size:
        fail(
            f"the bundle's checkpoint ({checkpoint.size}) is older than the trusted one "
            f"({trusted.size}): the log was rolled back, or export again"
        )
        return None
    if trusted.size == checkpoint.size:
        if trusted.root != checkpoint.root:
            fail(f"the log forked: two different trees of size {trusted.size} were signed")
        return None
    for size, _, proof in items:
        if size == trusted.size:
            if not merkle.verify_consistency(
                trusted.size, checkpoint.size, trusted.root, checkpoint.root, proof
            ):
                fail(
                    f"the bundle's checkpoint {checkpoint.size} does not extend the trusted "
                    f"checkpoint {trusted.size}: the log forked or was rewritten"
                )
            return size
    fail(
        f"the bundle carries no consistency proof from the trusted size {trusted.size}; "
        f"export again with --consistency-from {trusted.size}"
    )
    return None


def check_unanchored(
    size: int, proof: list[bytes], checkpoint: Checkpoint, fail: Fail, unverified: Fail
) -> None:
    """A proof from a size no signed checkpoint in hand anchors: check what it implies.

    Its length must be the one RFC 9162 gives for the two sizes.  When ``size``
    is not a power of two the proof holds the old tree's root, so it must lead
    to the signed root: every proof hash enters that computation, so a
    corrupted one fails.  What stays unproved is that the old root it implies
    is one the log ever signed, hence "unverified"; the root is named so a
    receiver holding a checkpoint of that size can compare.  A power-of-two
    size carries no old root at all: only the length can be checked.
    """
    what = f"the consistency proof from size {size}"
    if size in (0, checkpoint.size):
        if proof:
            fail(f"{what} must be empty: the tree of size {size} needs no proof")
        return
    if not 0 < size < checkpoint.size:
        fail(f"{what} is outside the checkpoint's tree of size {checkpoint.size}")
        return
    expected = len(merkle.consistency_ranges(size, checkpoint.size))
    if len(proof) != expected:
        fail(f"{what} has {len(proof)} hashes, not {expected}: it is corrupt")
        return
    if size & (size - 1) == 0:
        unverified(
            f"{what} is unverified: no signed checkpoint of size {size} was carried or "
            "trusted, and for a power-of-two size the proof holds no old root to check"
        )
        return
    try:
        old, new = merkle.roots_from_consistency(size, checkpoint.size, b"", proof)
    except merkle.ProofError as exc:
        fail(f"{what} is malformed: {exc}")
        return
    if new != checkpoint.root:
        fail(f"{what} does not lead to the checkpoint's root: it is corrupt, or the log forked")
        return
    unverified(
        f"{what} leads to the signed root but is unverified: no signed checkpoint of size "
        f"{size} was carried or trusted to anchor the old root it implies, {b64(old)}"
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
