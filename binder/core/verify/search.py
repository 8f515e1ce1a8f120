"""`verify` checker for the search index: it must match the signed journal it is made from.

The index is derived data; a binder whose index was edited would let searches
miss or invent matches. FTS5's own integrity check compares it with the
entries. When anything else was found wrong (entries altered, inserted or
removed, named by the journal and checkpoint checks), the index differs as a
consequence of that, and a check of one incident must not fail over another:
then it is a note, and the problem stands only when the index alone differs.
"""

from __future__ import annotations

from binder.core.incident.search import check_index
from binder.core.storage.database import Binder
from binder.core.verify.findings import VerifyReport


def check_search_index(binder: Binder, report: VerifyReport, incident_id: int | None) -> None:
    """Name a search index that no longer matches the journal."""
    problem, note = check_index(binder)
    if note:
        report.notes.append(note)
    if problem is None:
        return
    if incident_id is not None or report.problems:
        report.notes.append(f"{problem} (rebuild it with `binder search --rebuild`)")
        return
    report.add(None, None, "search_index",
               f"{problem}; searches may miss or invent matches. Rebuild it with "
               "`binder search --rebuild` (it is made from the signed journal)")
