"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification.

Pure functions, no I/O.  The tree over ``n`` leaves is the RFC's
``MTH(D[n])``: leaf hash ``SHA-256(0x00 || data)``, node hash
``SHA-256(0x01 || left || right)``, the empty tree ``SHA-256("")``, and a
tree of ``n > 1`` leaves splits at ``k``, the largest power of two below
``n``.  Every subtree that recursion visits is *perfect and aligned* (it
holds ``2**level`` leaves starting at a multiple of ``2**level``), so a
store that keeps those subtree hashes answers any proof with O(log n)
look-ups: the proof functions here name the perfect subtrees they need
(:func:`nodes_for_ranges` of :func:`inclusion_ranges`, :func:`consistency_nodes`)
and then build the proof from a mapping of just those hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Node = tuple[int, int]
"""A perfect aligned subtree: (level, index) covers leaves
``[index * 2**level, (index + 1) * 2**level)``; level 0 is a leaf."""


class ProofError(ValueError):
    """A proof, size or index that cannot be right."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


# -- the tree head over leaf hashes held in memory ----------------------------
def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over the given leaf hashes, in O(n) time and O(log n) extra space."""
    frontier = Frontier()
    for leaf in leaf_hashes:
        frontier.append(leaf)
    return frontier.root()


class Frontier:
    """The right edge of a growing tree: one perfect subtree hash per set bit of the size.

    Appending a leaf yields the perfect subtrees it completes, which a store
    keeps to answer later proofs without rehashing the whole log.
    """

    def __init__(self, size: int = 0, hashes: Mapping[int, bytes] | None = None) -> None:
        self.size = size
        self.hashes: dict[int, bytes] = dict(hashes or {})
        expected = {level for level in range(size.bit_length()) if size >> level & 1}
        if set(self.hashes) != expected:
            raise ProofError(f"a frontier of size {size} needs subtrees at levels {expected}")

    @staticmethod
    def nodes_for(size: int) -> list[Node]:
        """The perfect subtrees that make up the frontier of a tree of ``size`` leaves."""
        return [
            (level, (size >> level) - 1) for level in range(size.bit_length()) if size >> level & 1
        ]

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return every (level, index, hash) it completes, leaf included."""
        completed = [(0, self.size, leaf)]
        current = leaf
        level = 0
        while self.size >> level & 1:
            current = node_hash(self.hashes.pop(level), current)
            level += 1
            completed.append((level, (self.size >> level), current))
        self.hashes[level] = current
        self.size += 1
        return completed

    def root(self) -> bytes:
        if self.size == 0:
            return EMPTY_ROOT
        result: bytes | None = None
        for level in sorted(self.hashes):
            result = self.hashes[level] if result is None else node_hash(self.hashes[level], result)
        assert result is not None
        return result


# -- which subtree hashes a proof needs ---------------------------------------
def perfect_nodes(start: int, end: int) -> list[Node]:
    """Split ``[start, end)`` (a range the RFC recursion visits) into perfect subtrees.

    Returned left to right; the range's hash folds them from the right.
    """
    nodes: list[Node] = []
    while start < end:
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:
            nodes.append((n.bit_length() - 1, start // n))
            break
        k = _split(n)
        if start % k:
            raise ProofError(f"leaves [{start}, {end}) are not a subtree of an RFC 6962 tree")
        nodes.append((k.bit_length() - 1, start // k))
        start += k
    return nodes


def range_hash(start: int, end: int, hashes: Mapping[Node, bytes]) -> bytes:
    """MTH(D[start:end]) from the hashes of its perfect subtrees."""
    parts = [hashes[node] for node in perfect_nodes(start, end)]
    result = parts[-1]
    for part in reversed(parts[:-1]):
        result = node_hash(part, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form PATH(index, D[size]), leaf end first."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form PROOF(old_size, D[new_size]) (RFC 6962 2.1.2)."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    ranges: list[tuple[int, int]] = []
    start, end, m, complete = 0, new_size, old_size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            m -= k
            complete = False
    if not complete:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def nodes_for_ranges(ranges: Iterable[tuple[int, int]]) -> set[Node]:
    return {node for start, end in ranges for node in perfect_nodes(start, end)}


def consistency_nodes(old_size: int, new_size: int) -> set[Node]:
    return nodes_for_ranges(consistency_ranges(old_size, new_size))


def inclusion_proof(index: int, size: int, hashes: Mapping[Node, bytes]) -> list[bytes]:
    return [range_hash(a, b, hashes) for a, b in inclusion_ranges(index, size)]


def consistency_proof(old_size: int, new_size: int, hashes: Mapping[Node, bytes]) -> list[bytes]:
    return [range_hash(a, b, hashes) for a, b in consistency_ranges(old_size, new_size)]


# -- verification (RFC 9162 2.1.3.2 and 2.1.4.2) ------------------------------
def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof implies; raises :class:`ProofError` if it is malformed."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        _check_hash(sibling)
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    return result


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    try:
        return root_from_inclusion(index, size, leaf, proof) == expected_root
    except ProofError:
        return False


def roots_from_consistency(
    old_size: int, new_size: int, old_root: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """The (old, new) roots a consistency proof implies, given the old root it starts from."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"a tree cannot shrink from size {old_size} to size {new_size}")
    if old_size == 0:
        raise ProofError("every tree extends the empty tree; there is nothing to prove")
    if old_size == new_size:
        if proof:
            raise ProofError("a consistency proof between equal sizes must be empty")
        return old_root, old_root
    if not proof:
        raise ProofError("the consistency proof is empty")
    for item in proof:
        _check_hash(item)
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the tree is deep")
    return fr, sr


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True when the tree of ``old_size`` with ``old_root`` is a prefix of the new one."""
    if old_size == 0:
        return not proof
    try:
        old, new = roots_from_consistency(old_size, new_size, old_root, proof)
    except ProofError:
        return False
    return old == old_root and new == new_root


def _check_hash(value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"a proof hash must be {HASH_SIZE} bytes, not {len(value)}")
