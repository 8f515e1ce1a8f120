"""`verify` checker for stored plan revisions.

A plan revision is history like a journal entry: its ``sha256`` column was
taken from its content when it was saved. Someone who edits the content with
sqlite3 (triggers dropped) and forgets the hash is caught here; someone who
deletes a revision leaves a gap in the numbering. Someone who rewrites both
content and hash is not caught by the binder alone; an export made earlier
pins the hash of the revision an incident ran under (see
:mod:`binder.core.verify.rollback`).
"""

from __future__ import annotations

import hashlib

from binder.core.storage.database import Binder
from binder.core.verify.findings import VerifyReport


def check_plan_revisions(binder: Binder, report: VerifyReport, incident_id: int | None) -> None:
    """Every stored plan revision still matches its hash; numbering has no gaps.

    Runs for a whole-binder verify and for one incident (its plan revision is
    part of what that incident's report cites).
    """
    sql = """SELECT r.id, p.name, r.number, r.content, r.sha256 FROM plan_revision r
             JOIN plan p ON p.id = r.plan_id"""
    params: tuple = ()
    if incident_id is not None:
        sql += " WHERE r.id = (SELECT plan_revision_id FROM incident WHERE id = ?)"
        params = (incident_id,)
    numbers: dict[object, list[object]] = {}
    for rev_id, name, number, content, stored in binder.conn.execute(sql + " ORDER BY p.id, r.number", params):
        numbers.setdefault(name, []).append(number)
        if isinstance(content, bytes):
            content = content.decode("utf-8", "replace")
        actual = hashlib.sha256(str(content).encode("utf-8", "surrogatepass")).hexdigest()
        if actual != stored:
            report.add(
                incident_id, None, "plan_revision_changed",
                f"plan {name!r} revision {number} (id {rev_id}): content altered "
                "(its SHA-256 no longer matches the one taken when it was saved)",
            )
    if incident_id is not None:
        _check_cited_revision(binder, report, incident_id)
        return
    for name, seen in numbers.items():
        ints = sorted({n for n in seen if isinstance(n, int) and not isinstance(n, bool)})
        if len(ints) != len(seen):
            report.add(None, None, "plan_revision_changed",
                       f"plan {name!r}: a revision's number is damaged (not a whole number)")
        gone = _gaps(ints)
        if gone:
            listed = ", ".join(str(n) for n in gone[:5]) + ("..." if len(gone) > 5 else "")
            report.add(None, None, "plan_revision_missing",
                       f"plan {name!r}: revision(s) {listed} are gone (deleted)")
    for (iid, rev_id) in binder.conn.execute(
        """SELECT id, plan_revision_id FROM incident WHERE plan_revision_id IS NOT NULL
           AND plan_revision_id NOT IN (SELECT id FROM plan_revision)"""
    ):
        report.add(iid, None, "plan_revision_missing",
                   f"the plan revision this incident ran under (id {rev_id}) is gone")


def _gaps(numbers: list[int], most: int = 6) -> list[int]:
    """The first few numbers missing from 1..max(numbers) (sorted, distinct input).

    Walks the gaps instead of building the whole range: a number edited to
    2**62 must not make `verify` count to it.
    """
    gone: list[int] = []
    expected = 1
    for number in numbers:
        while expected < number and len(gone) < most:
            gone.append(expected)
            expected += 1
        if len(gone) >= most:
            break
        expected = max(expected, number + 1)
    return gone


def _check_cited_revision(binder: Binder, report: VerifyReport, incident_id: int) -> None:
    row = binder.conn.execute(
        """SELECT i.plan_revision_id, r.id FROM incident i
           LEFT JOIN plan_revision r ON r.id = i.plan_revision_id WHERE i.id = ?""",
        (incident_id,),
    ).fetchone()
    if row is not None and row[0] is not None and row[1] is None:
        report.add(incident_id, None, "plan_revision_missing",
                   f"the plan revision this incident ran under (id {row[0]}) is gone")

