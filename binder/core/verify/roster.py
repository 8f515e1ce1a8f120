"""`verify` checker for the roster's structure, which needs no key.

The roster's values need the data key and are checked whenever they are read
(:func:`binder.core.roster_seal.check_roster_seal`). Without the key, `verify` can
still recompute each contact's hash chain from the clear columns and compare it
with the listing in the roster's head: a deleted or added revision, a contact
moved down the ladder or hidden, a whole contact deleted, a gap in the
numbering. Only the head's MAC (which an attacker could re-make consistently
only with the key) is left to the unlocked read.
"""

from __future__ import annotations

import json

from binder.core.roster_seal import (
    TABLE,
    current_listing,
    gap_problems,
    has_sealed_revisions,
    listing_differences,
)
from binder.core.storage.database import Binder
from binder.core.verify.findings import VerifyReport


def check_roster(binder: Binder, report: VerifyReport, incident_id: int | None) -> None:
    """The roster's history and newest revisions against its head (whole-binder verify only)."""
    if incident_id is not None:
        return
    problems = gap_problems(binder)
    row = binder.conn.execute("SELECT listing FROM roster_head WHERE id = 1").fetchone()
    if row is None:
        if has_sealed_revisions(binder):
            problems.append("the roster's seal (which revision of each contact is the newest) is gone")
        elif binder.conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]:
            report.notes.append(
                "the roster was written by an earlier version and is not sealed yet: it is sealed "
                "the next time it is read unlocked (grandfathered)"
            )
    else:
        try:
            stored = json.loads(row[0]) if isinstance(row[0], (str, bytes)) else None
        except (ValueError, UnicodeDecodeError, RecursionError):
            stored = None
        problems += listing_differences(stored, current_listing(binder))
    for problem in problems:
        report.add(None, None, "roster_changed", f"roster: {problem}")
