"""RFC 6962 tree hashing and RFC 9162 proofs, against the definition itself."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from binder.core.checkpoint import merkle
from binder.core.checkpoint.merkle import Tree, verify_consistency, verify_inclusion


def mth(records: list[bytes]) -> bytes:
    """MTH as RFC 6962 section 2.1 defines it, recursively."""
    if not records:
        return hashlib.sha256(b"").digest()
    if len(records) == 1:
        return hashlib.sha256(b"\x00" + records[0]).digest()
    k = 1
    while k * 2 < len(records):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(records[:k]) + mth(records[k:])).digest()


def test_known_roots_of_small_trees():
    # The empty tree and a one-leaf tree, by the RFC's definitions.
    assert Tree().root() == hashlib.sha256(b"").digest()
    assert Tree.from_data([b""]).root().hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), max_size=40), st.data())
def test_every_prefix_root_and_proof_matches_the_definition(records, data):
    tree = Tree.from_data(records)
    n = len(records)
    assert tree.root() == mth(records)
    old = data.draw(st.integers(0, n))
    assert tree.root(old) == mth(records[:old])
    proof = tree.consistency_proof(old)
    assert verify_consistency(old, n, mth(records[:old]), mth(records), proof)
    if n:
        i = data.draw(st.integers(0, n - 1))
        path = tree.inclusion_proof(i)
        assert verify_inclusion(merkle.leaf_hash(records[i]), i, n, path, tree.root())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=8), min_size=2, max_size=40, unique=True), st.data())
def test_a_changed_or_removed_record_breaks_consistency(records, data):
    n = len(records)
    old = data.draw(st.integers(1, n))
    old_root = mth(records[:old])
    victim = data.draw(st.integers(0, old - 1))
    removed = records[:victim] + records[victim + 1:]
    changed = records[:victim] + [records[victim] + b"!"] + records[victim + 1:]
    for tampered in (removed, changed):
        tree = Tree.from_data(tampered)
        if old <= tree.size:
            assert not verify_consistency(old, tree.size, old_root, tree.root(),
                                          tree.consistency_proof(old))


def test_proofs_refuse_wrong_positions_sizes_and_hashes():
    records = [bytes([i]) for i in range(13)]
    tree = Tree.from_data(records)
    path = tree.inclusion_proof(5)
    leaf = merkle.leaf_hash(records[5])
    assert verify_inclusion(leaf, 5, 13, path, tree.root())
    assert not verify_inclusion(leaf, 4, 13, path, tree.root())
    assert not verify_inclusion(leaf, 5, 4, path, tree.root())
    assert not verify_inclusion(leaf, 5, 13, path[:-1], tree.root())
    assert not verify_inclusion(leaf, 13, 13, path, tree.root())
    proof = tree.consistency_proof(7)
    assert verify_consistency(7, 13, tree.root(7), tree.root(), proof)
    assert not verify_consistency(6, 13, tree.root(7), tree.root(), proof)
    assert not verify_consistency(7, 13, tree.root(7), tree.root(), proof[1:])
    assert not verify_consistency(13, 7, tree.root(), tree.root(7), proof)
