"""`verify` checker for the evidence register: rows against their signed entries, then files.

The register table is an index; what counts is the signed registration entry
in the journal. A row edited after signing, a row deleted while its entry
stays, or a file changed on disk are each named here.
"""

from __future__ import annotations

from binder.core.incident.evidence import label
from binder.core.incident.recheck import SignedItem, recheck_item, signed_items
from binder.core.storage.database import Binder
from binder.core.verify.findings import VerifyReport


def check_evidence(
    binder: Binder, report: VerifyReport, incident_id: int | None, *, check_files: bool,
) -> None:
    """Register rows against their signed entries, then (with ``check_files``) the files."""
    items = list(signed_items(binder, incident_id))
    for item in items:
        _check_row(report, item)
    _check_unindexed(binder, report, incident_id)
    if not items:
        return
    if not check_files:
        report.notes.append(f"{len(items)} evidence file(s) not re-hashed (file checks skipped)")
        return
    for item in items:
        result = recheck_item(binder, item, base=0, total=0, progress=None, cancelled=None)
        if result.status == "ok":
            report.evidence_files += 1
        elif result.status == "changed":
            report.evidence_files += 1
            report.add(item.incident_id, item.seq, "evidence_changed",
                       f"evidence file altered: {result}")
        elif result.status == "not_a_file":
            # Reading a pipe or a device would hang or never end; something put it
            # in the file's place.
            report.add(item.incident_id, item.seq, "evidence_not_a_file",
                       f"evidence file replaced: {result}")
        elif result.status == "missing" and item.data.get("stored_copy"):
            # An external drive may simply not be attached; the copy the binder keeps in
            # its own evidence folder has no such excuse.
            report.add(item.incident_id, item.seq, "evidence_copy_missing",
                       f"the binder's own copy of the evidence is gone: {result}")
        else:
            report.notes.append(f"incident {item.incident_id}: evidence {result}")


def _check_row(report: VerifyReport, item: SignedItem) -> None:
    iid, lab = item.incident_id, label(item.id)
    if item.entry_kind is None:
        report.add(iid, None, "evidence_entry_missing",
                   f"evidence {lab}: its signed registration entry is gone")
        return
    if item.entry_kind != "evidence" or item.entry_evidence != item.id or item.entry_incident != iid:
        report.add(iid, item.seq, "evidence_record_changed",
                   f"evidence {lab}: register row points at an entry that does not register it")
        return
    _, _, _, sha, size, path, description = item.row
    for key, value, what in (
        ("sha256", sha, "SHA-256"), ("size", size, "size"),
        ("checked_path", path, "file path"), ("description", description, "description"),
    ):
        if item.data.get(key) != value:
            report.add(iid, item.seq, "evidence_record_changed",
                       f"evidence {lab}: register {what} differs from the signed registration")


def _check_unindexed(binder: Binder, report: VerifyReport, incident_id: int | None) -> None:
    sql = ("SELECT e.incident_id, e.seq, e.evidence_id FROM entry e WHERE e.kind = 'evidence' "
           "AND e.evidence_id IS NOT NULL AND NOT EXISTS "
           "(SELECT 1 FROM evidence v WHERE v.id = e.evidence_id AND v.entry_id = e.id)")
    params: tuple = ()
    if incident_id is not None:
        sql += " AND e.incident_id = ?"
        params = (incident_id,)
    for iid, seq, evid in binder.conn.execute(sql, params):
        report.add(iid, seq, "evidence_record_missing",
                   f"evidence {label(evid)}: signed registration has no register row (row deleted)")
