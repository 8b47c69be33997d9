"""The Merkle log's hashing and proofs agree with RFC 6962's own recursive definitions."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from ledger.domain import merkle

# -- RFC 6962 section 2.1, written out as the RFC states it ------------------


def naive_root(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + naive_root(leaves[:k]) + naive_root(leaves[k:])).digest()


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_root(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_root(leaves[:k])]


def naive_subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [naive_root(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*naive_subproof(m, leaves[:k], complete), naive_root(leaves[k:])]
    return [*naive_subproof(m - k, leaves[k:], False), naive_root(leaves[:k])]


def naive_consistency(m: int, leaves: list[bytes]) -> list[bytes]:
    return naive_subproof(m, leaves, True) if 0 < m < len(leaves) else []


# -- a store of every perfect subtree, as the database keeps them -------------


def stored_nodes(leaves: list[bytes]) -> dict[merkle.Node, bytes]:
    frontier = merkle.Frontier()
    nodes: dict[merkle.Node, bytes] = {}
    for data in leaves:
        for level, index, digest in frontier.append(merkle.leaf_hash(data)):
            nodes[(level, index)] = digest
    return nodes


leaf_lists = st.lists(st.binary(max_size=12), min_size=1, max_size=70)


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[list[bytes], int]:
    leaves = draw(leaf_lists)
    return leaves, draw(st.integers(0, len(leaves) - 1))


@st.composite
def tree_and_old_size(draw: st.DrawFn) -> tuple[list[bytes], int]:
    leaves = draw(leaf_lists)
    return leaves, draw(st.integers(1, len(leaves)))


def test_the_empty_tree_has_the_hash_of_the_empty_string() -> None:
    assert merkle.root([]) == hashlib.sha256(b"").digest()
    assert merkle.Frontier().root() == merkle.EMPTY_ROOT


def test_known_answer_for_a_three_leaf_tree() -> None:
    a, b, c = (merkle.leaf_hash(x) for x in (b"a", b"b", b"c"))
    assert merkle.root([a, b, c]) == merkle.node_hash(merkle.node_hash(a, b), c)


@given(leaf_lists)
def test_the_tree_head_matches_the_rfc_definition(leaves: list[bytes]) -> None:
    assert merkle.root([merkle.leaf_hash(x) for x in leaves]) == naive_root(leaves)


@given(leaf_lists)
def test_every_prefix_head_can_be_read_from_the_stored_subtrees(leaves: list[bytes]) -> None:
    nodes = stored_nodes(leaves)
    for size in range(1, len(leaves) + 1):
        assert merkle.range_hash(0, size, nodes) == naive_root(leaves[:size])


@given(leaf_lists)
def test_a_frontier_rebuilt_from_stored_subtrees_continues_the_same_tree(
    leaves: list[bytes],
) -> None:
    nodes = stored_nodes(leaves)
    half = len(leaves) // 2
    frontier = merkle.Frontier(
        half, {level: nodes[(level, i)] for level, i in merkle.Frontier.nodes_for(half)}
    )
    for data in leaves[half:]:
        frontier.append(merkle.leaf_hash(data))
    assert frontier.root() == naive_root(leaves)


@given(tree_and_index())
def test_inclusion_proofs_match_the_rfc_path_and_verify(case: tuple[list[bytes], int]) -> None:
    leaves, index = case
    size = len(leaves)
    proof = merkle.inclusion_proof(index, size, stored_nodes(leaves))
    assert proof == naive_path(index, leaves)
    leaf = merkle.leaf_hash(leaves[index])
    assert merkle.verify_inclusion(index, size, leaf, proof, naive_root(leaves))


@given(tree_and_index(), st.data())
def test_an_inclusion_proof_fails_for_another_leaf_index_or_a_changed_hash(
    case: tuple[list[bytes], int], data: st.DataObject
) -> None:
    leaves, index = case
    size = len(leaves)
    root = naive_root(leaves)
    proof = naive_path(index, leaves)
    leaf = merkle.leaf_hash(leaves[index])
    other = data.draw(st.integers(0, size).filter(lambda i: i != index))
    assert not merkle.verify_inclusion(other, size, leaf, proof, root) or (
        other < size and leaves[other] == leaves[index] and proof == naive_path(other, leaves)
    )
    assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"forged"), proof, root) or (
        leaves[index] == b"forged"
    )
    if proof:
        position = data.draw(st.integers(0, len(proof) - 1))
        flipped = bytearray(proof[position])
        flipped[0] ^= 1
        tampered = [*proof[:position], bytes(flipped), *proof[position + 1 :]]
        assert not merkle.verify_inclusion(index, size, leaf, tampered, root)
        assert not merkle.verify_inclusion(index, size, leaf, proof[:-1], root)
    assert not merkle.verify_inclusion(index, size, leaf, [*proof, root], root)


@given(tree_and_old_size())
def test_consistency_proofs_match_the_rfc_proof_and_verify(case: tuple[list[bytes], int]) -> None:
    leaves, old_size = case
    size = len(leaves)
    proof = merkle.consistency_proof(old_size, size, stored_nodes(leaves))
    assert proof == naive_consistency(old_size, leaves)
    old_root = naive_root(leaves[:old_size])
    assert merkle.verify_consistency(old_size, size, old_root, naive_root(leaves), proof)


@given(tree_and_old_size(), st.binary(min_size=1, max_size=8))
def test_a_forked_history_fails_the_consistency_check(
    case: tuple[list[bytes], int], replacement: bytes
) -> None:
    leaves, old_size = case
    forked = list(leaves)
    changed = old_size - 1
    forked[changed] = leaves[changed] + replacement
    proof = naive_consistency(old_size, forked)
    assert not merkle.verify_consistency(
        old_size, len(leaves), naive_root(leaves[:old_size]), naive_root(forked), proof
    )


@given(tree_and_old_size(), st.data())
def test_a_tampered_consistency_proof_is_refused(
    case: tuple[list[bytes], int], data: st.DataObject
) -> None:
    leaves, old_size = case
    size = len(leaves)
    old_root, new_root = naive_root(leaves[:old_size]), naive_root(leaves)
    proof = naive_consistency(old_size, leaves)
    if proof:
        position = data.draw(st.integers(0, len(proof) - 1))
        flipped = bytearray(proof[position])
        flipped[-1] ^= 0x80
        tampered = [*proof[:position], bytes(flipped), *proof[position + 1 :]]
        assert not merkle.verify_consistency(old_size, size, old_root, new_root, tampered)
        assert not merkle.verify_consistency(old_size, size, old_root, new_root, proof[1:])
    assert not merkle.verify_consistency(old_size, size, old_root, new_root, [*proof, new_root])


def test_a_tree_cannot_be_proved_consistent_with_a_smaller_one() -> None:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(5)]
    assert not merkle.verify_consistency(5, 3, merkle.root(leaves), merkle.root(leaves[:3]), [])


def test_equal_sizes_need_equal_roots_and_an_empty_proof() -> None:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(4)]
    head = merkle.root(leaves)
    assert merkle.verify_consistency(4, 4, head, head, [])
    assert not merkle.verify_consistency(4, 4, head, merkle.root(leaves[:3]), [])
    assert not merkle.verify_consistency(4, 4, head, head, [head])


def test_proof_hashes_of_the_wrong_length_are_refused_not_crashed_on() -> None:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(3)]
    assert not merkle.verify_inclusion(0, 3, leaves[0], [b"short", leaves[2]], merkle.root(leaves))
