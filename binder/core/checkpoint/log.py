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
from dataclasses import dataclass

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


class Log:
    """The log as it is now: its tree, and whatever did not fit."""

    def __init__(self, tree: Tree, positions: list[int], kinds: list[str], row_ids: list[int],
                 missing_records: list[tuple[int, str, int]], position_gaps: list[tuple[int, int]],
                 unplaced: list[tuple[str, int]] | None = None):
        self.tree = tree
        #: Parallel to the tree's leaves: each record's position, kind and row id.
        self.positions, self.kinds, self.row_ids = positions, kinds, row_ids
        #: (position, kind, row id) of places whose record is gone.
        self.missing_records = missing_records
        #: Ranges (first, last) of positions that are gone between places still present.
        self.position_gaps = position_gaps
        #: (kind, row id) of records that have no place in the log.
        self.unplaced = unplaced or []
        self._index: dict[tuple[str, int], int] | None = None

    @property
    def size(self) -> int:
        """Number of leaves."""
        return self.tree.size

    def root(self, size: int | None = None) -> bytes:
        """Root hash of the whole log, or of its first ``size`` leaves."""
        return self.tree.root(size)

    @property
    def leaves(self) -> list[Leaf]:
        """Every leaf with its place (built on demand: most callers need only the tree)."""
        return [Leaf(i, p, k, r) for i, (p, k, r) in
                enumerate(zip(self.positions, self.kinds, self.row_ids, strict=True))]

    def index_of(self, kind: str, row_id: int) -> int | None:
        """The leaf index of a record, or None when it has no place."""
        if self._index is None:
            self._index = {(k, r): i for i, (k, r) in enumerate(zip(self.kinds, self.row_ids,
                                                                    strict=True))}
        return self._index.get((kind, row_id))


def _gaps(positions: list[int]) -> list[tuple[int, int]]:
    if not positions or positions[-1] == len(positions):
        return []  # unique, increasing, from 1: exactly 1..n
    gaps, expected = [], 1
    for position in positions:
        if position > expected:
            gaps.append((expected, position - 1))
        expected = position + 1
    return gaps


def read_log(binder: Binder, *, with_problems: bool = True) -> Log:
    """Read every record's place and signed bytes and build the Merkle tree.

    One pass over the log in position order; the leaf hashes are computed here
    from the stored canonical bytes, never taken from a stored hash column.
    """
    rows = binder.conn.execute(_LEAVES_SQL).fetchall()
    all_positions = [r[0] for r in rows]
    gaps = _gaps(all_positions)
    missing = [(r[0], r[1], r[2]) for r in rows if r[3] is None]
    if missing:
        rows = [r for r in rows if r[3] is not None]
    blobs = [r[3] for r in rows]
    if not all(type(b) is bytes for b in blobs):
        # An edit with sqlite3's text functions leaves TEXT where a BLOB was.
        blobs = [b if isinstance(b, bytes) else str(b).encode("utf-8", "surrogatepass") for b in blobs]
    sha = hashlib.sha256
    hashes = [sha(LEAF_PREFIX + b).digest() for b in blobs]
    log = Log(Tree(hashes), [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
              missing, gaps)
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
