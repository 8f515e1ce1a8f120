"""`verify` checker for the investigation registers: every change names an item it may change.

A register change (an asset contained, a task done) is signed with the hash of
the entry that added its item. One that names no item of its own register in
the same incident was written by hand or moved: it is named here.
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
