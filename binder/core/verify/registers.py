"""`verify` checker for the links the registers sign: changes to items, files to entries.

A register change (an asset contained, a task done) is signed with the hash of
the entry that added its item; an attachment (evidence registered for a
journal entry) with the hash of that entry. One that names nothing in its own
incident was written by hand or moved: it is named here.
"""

from __future__ import annotations

from binder.core.incident.registers import REGISTER_KINDS, dangling_changes
from binder.core.storage.database import Binder
from binder.core.verify.findings import VerifyReport


def check_register_links(binder: Binder, report: VerifyReport, incident_id: int | None) -> None:
    """Name each register change that points at no item of its register."""
    sql = ("SELECT DISTINCT incident_id FROM entry WHERE kind IN "
           f"({','.join('?' * len(REGISTER_KINDS))})")
    params: list = list(REGISTER_KINDS)
    if incident_id is not None:
        sql += " AND incident_id = ?"
        params.append(incident_id)
    for (iid,) in binder.conn.execute(sql, params).fetchall():
        for entry in dangling_changes(binder, iid):
            report.add(iid, entry.seq, "register_link",
                       f"{entry.kind} change names an item that this incident's {entry.kind} "
                       "register does not have")

    _check_attachments(binder, report, incident_id)


def _check_attachments(binder: Binder, report: VerifyReport, incident_id: int | None) -> None:
    sql = ("SELECT e.incident_id, e.seq, e.evidence_id, "
           "json_extract(e.data, '$.attached_to.sha256') AS target FROM entry e "
           "WHERE e.kind = 'evidence' AND target IS NOT NULL")
    params: list = []
    if incident_id is not None:
        sql += " AND e.incident_id = ?"
        params.append(incident_id)
    for iid, seq, evidence_id, target in binder.conn.execute(sql, params).fetchall():
        found = binder.conn.execute("SELECT 1 FROM entry WHERE hash = ? AND incident_id = ?",
                                    (target, iid)).fetchone()
        if found is None:
            report.add(iid, seq, "attachment_link",
                       f"evidence E{evidence_id} is attached to an entry that is not in this "
                       "incident's journal")
