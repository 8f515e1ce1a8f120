"""The binder's log: every entry and co-signature of every incident, in one append order.

Leaf ``i`` (0-based) of the log is the record at the ``i``-th smallest
``log_leaf.position``; its leaf hash is ``SHA-256(0x00 || canonical bytes)``,
the very bytes its author or witness signed. Appending a record adds a leaf at
the end and never moves an older one, so a checkpoint's (size, root) stays
provable for as long as nobody removes or changes a record before it.

Reading the log also notes what does not fit: a place whose record is gone,
a gap in the positions, a record that has no place. Those are named by
`verify`; the tree is built from what is actually there, so a checkpoint made
before the removal no longer matches it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from binder.core.checkpoint.merkle import LEAF_PREFIX, Tree
from binder.core.storage.database import Binder

_LEAVES_SQL = """
    SELECT l.position, l.kind, l.row_id,
           CASE l.kind WHEN 'entry' THEN e.canonical ELSE c.canonical END
    FROM log_leaf l
    LEFT JOIN entry e ON l.kind = 'entry' AND e.id = l.row_id
    LEFT JOIN cosign c ON l.kind = 'cosign' AND c.id = l.row_id
    ORDER BY l.position
"""


@dataclass(frozen=True)
class Leaf:
    """Where one record sits in the log."""

    index: int  # 0-based place in the tree
    position: int  # log_leaf.position (1, 2, ... unless something was removed)
    kind: str  # "entry" or "cosign"
    row_id: int


@dataclass
class Log:
    """The log as it is now: its tree, and whatever did not fit."""

    tree: Tree
    leaves: list[Leaf]
    #: (position, kind, row id) of places whose record is gone.
    missing_records: list[tuple[int, str, int]] = field(default_factory=list)
    #: Ranges (first, last) of positions that are gone between places still present.
    position_gaps: list[tuple[int, int]] = field(default_factory=list)
    #: (kind, row id) of records that have no place in the log.
    unplaced: list[tuple[str, int]] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Number of leaves."""
        return self.tree.size

    def root(self, size: int | None = None) -> bytes:
        """Root hash of the whole log, or of its first ``size`` leaves."""
        return self.tree.root(size)

    def index_of(self, kind: str, row_id: int) -> int | None:
        """The leaf index of a record, or None when it has no place."""
        for leaf in self.leaves:
            if leaf.kind == kind and leaf.row_id == row_id:
                return leaf.index
        return None


def read_log(binder: Binder, *, with_problems: bool = True) -> Log:
    """Read every record's place and signed bytes and build the Merkle tree.

    One pass over the log in position order; the leaf hashes are computed here
    from the stored canonical bytes, never taken from a stored hash column.
    """
    sha = hashlib.sha256
    hashes: list[bytes] = []
    leaves: list[Leaf] = []
    missing: list[tuple[int, str, int]] = []
    gaps: list[tuple[int, int]] = []
    expected = 1
    for position, kind, row_id, canonical in binder.conn.execute(_LEAVES_SQL):
        if position != expected and position > expected:
            gaps.append((expected, position - 1))
        expected = position + 1
        if canonical is None:
            missing.append((position, kind, row_id))
            continue
        data = canonical if isinstance(canonical, bytes) else str(canonical).encode("utf-8")
        leaves.append(Leaf(len(hashes), position, kind, row_id))
        hashes.append(sha(LEAF_PREFIX + data).digest())
    log = Log(Tree(hashes), leaves, missing, gaps)
    if with_problems:
        log.unplaced = [
            (kind, row_id)
            for kind, row_id in binder.conn.execute(
                """SELECT 'entry', id FROM entry WHERE id NOT IN
                       (SELECT row_id FROM log_leaf WHERE kind = 'entry')
                   UNION ALL
                   SELECT 'cosign', id FROM cosign WHERE id NOT IN
                       (SELECT row_id FROM log_leaf WHERE kind = 'cosign')"""
            )
        ]
    return log


def log_size(binder: Binder) -> int:
    """How many records the log holds (without reading them)."""
    return binder.conn.execute("SELECT count(*) FROM log_leaf").fetchone()[0]
