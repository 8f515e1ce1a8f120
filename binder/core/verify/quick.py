"""Verify only what came after the newest checkpoint that verified: a big binder, checked at once.

A full `verify` of 100k entries checks 100k ECDSA signatures and takes many
seconds. When a full verify passes, the binder keeps a **mark**: "checkpoint
N, covering the first S records of the log with root R, was fully verified at
T". The mark is authenticated with a key derived from the binder's data key
(HMAC-SHA256), so only someone who can unlock the binder can write one; an
edited or forged mark is ignored and a full verify runs instead.

On opening, :func:`quick_verify` then checks, in about a second:

* the mark (its MAC) and its checkpoint (the maker's and witness's signatures,
  and that the checkpoint row still says what the mark says);
* that the first S records still hash to the checkpoint's root: none of their
  signed bytes changed, none was removed or moved (an RFC 6962 tree over the
  log, rebuilt from the stored canonical bytes);
* that every shown column of those records still equals the signed bytes (one
  SQL pass with SQLite's JSON functions, no Python per row);
* everything after them in full: chains, signatures, certificates, as `verify`;
* the log, every checkpoint, plan revisions and the evidence register, as
  `verify` does (evidence files are not re-hashed).

A signature of a record inside the prefix is not checked again: what it
signed is exactly what the checkpoint's root pins, and the full verify that
wrote the mark found it valid.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from binder.core.checkpoint.log import read_log
from binder.core.checkpoint.store import StoredCheckpoint, get_checkpoint, latest_checkpoint
from binder.core.errors import NotFound
from binder.core.storage.database import Binder, utc_now
from binder.core.verify.findings import VerifyReport

MARK_SETTING = "verify.mark"
MARK_VERSION = 1


@dataclass(frozen=True)
class Mark:
    """The newest checkpoint a full verify passed at."""

    checkpoint_id: int
    size: int
    root: str  # hex
    verified_at: str


def _mac_key(binder: Binder) -> bytes | None:
    if binder.data_key is None:
        return None
    return hmac.new(binder.data_key, b"incident-binder verified mark|" + binder.uuid.encode(),
                    hashlib.sha256).digest()


def _mark_bytes(mark: Mark) -> bytes:
    return json.dumps({"v": MARK_VERSION, "checkpoint": mark.checkpoint_id, "size": mark.size,
                       "root": mark.root, "verified_at": mark.verified_at},
                      sort_keys=True, separators=(",", ":")).encode("utf-8")


def record_verified(binder: Binder, report: VerifyReport, incident_id: int | None = None) -> Mark | None:
    """After a full verify of the whole binder passed, remember its newest checkpoint.

    Does nothing (returns None) for a scoped or failed verify, without a
    checkpoint, or with the binder locked (no key to authenticate the mark).
    """
    key = _mac_key(binder)
    newest = latest_checkpoint(binder)
    if key is None or newest is None or incident_id is not None or not report.ok:
        return None
    mark = Mark(newest.id, newest.tree_size, newest.root_hash, utc_now())
    value = json.loads(_mark_bytes(mark))
    value["mac"] = hmac.new(key, _mark_bytes(mark), hashlib.sha256).hexdigest()
    with binder.write() as db:
        db.execute("INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                   "SET value = excluded.value", (MARK_SETTING, json.dumps(value)))
    return mark


def read_mark(binder: Binder) -> Mark | None:
    """The stored mark when it is authentic (needs the binder unlocked), else None."""
    key = _mac_key(binder)
    row = binder.conn.execute("SELECT value FROM setting WHERE key = ?", (MARK_SETTING,)).fetchone()
    if key is None or row is None:
        return None
    try:
        value = json.loads(row[0])
        mark = Mark(int(value["checkpoint"]), int(value["size"]), str(value["root"]),
                    str(value["verified_at"]))
        given = str(value["mac"])
    except (ValueError, KeyError, TypeError):
        return None
    if value.get("v") != MARK_VERSION:
        return None
    expected = hmac.new(key, _mark_bytes(mark), hashlib.sha256).hexdigest()
    return mark if hmac.compare_digest(expected, given) else None


@dataclass
class QuickResult:
    """What the quick check found, and from where it trusted the full verify."""

    report: VerifyReport
    mark: Mark
    checkpoint: StoredCheckpoint
    records_since: int  # records checked in full after the checkpoint


# The columns a reader sees, as the signed bytes must say them; one JSON parse per row.
_ENTRY_COLUMNS_SQL = """
    SELECT e.incident_id, e.seq FROM entry e
    JOIN log_leaf l ON l.kind = 'entry' AND l.row_id = e.id
    WHERE l.position <= :last AND (
        json_extract(e.canonical, '$.text', '$.reason', '$.author', '$.recorded_at',
                     '$.occurred_at', '$.kind', '$.phase', '$.cert', '$.prev', '$.seq',
                     '$.source', '$.assets', '$.evidence', '$.data', '$.incident')
        IS NOT json_array(e.text, e.reason, e.author, e.recorded_at, e.occurred_at, e.kind,
                          e.phase, e.cert_fingerprint, e.prev_hash, e.seq, e.source, e.assets,
                          e.evidence_id, json(e.data),
                          (SELECT uuid FROM incident i WHERE i.id = e.incident_id))
    )
"""
_COSIGN_COLUMNS_SQL = """
    SELECT e.incident_id, e.seq, c.witness FROM cosign c
    JOIN log_leaf l ON l.kind = 'cosign' AND l.row_id = c.id
    LEFT JOIN entry e ON e.id = c.entry_id
    WHERE l.position <= :last AND (
        json_extract(c.canonical, '$.entry', '$.witness', '$.cert', '$.signed_at')
        IS NOT json_array(e.hash, c.witness, c.cert_fingerprint, c.signed_at)
        OR c.entry_hash IS NOT e.hash
        OR json_extract(e.canonical, '$.incident') IS NULL
    )
"""
_INCIDENT_SQL = """
    SELECT i.id FROM incident i JOIN entry e ON e.incident_id = i.id AND e.seq = 1
    WHERE json_extract(e.canonical, '$.data.title', '$.data.detected_at', '$.data.type',
                       '$.data.severity', '$.data.plan_revision', '$.author', '$.kind')
          IS NOT json_array(i.title, i.detected_at, i.type, i.severity, i.plan_revision_id,
                            i.opened_by, 'open')
       OR json_extract(e.canonical, '$.data.drill') IS NOT i.drill
       -- Signed by openings since the opening time and number were (older ones lack them).
       OR coalesce(json_extract(e.canonical, '$.data.opened_at'), i.opened_at) IS NOT i.opened_at
       OR coalesce(json_extract(e.canonical, '$.data.id'), i.id) IS NOT i.id
"""


def _prefix_column_problems(path: Path, last_position: int) -> list[tuple]:
    """(incident, entry, code, message) for every covered record whose columns left its bytes.

    Runs on a read-only connection of its own, so that it can run in a second
    thread beside the tree (SQLite works without Python's lock while a query runs).
    """
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        params = {"last": last_position}
        found: list[tuple] = [
            (iid, seq, "column_changed",
             "a stored column no longer equals the signed entry (edited after signing); "
             "run a full verify to name it")
            for iid, seq in conn.execute(_ENTRY_COLUMNS_SQL, params)]
        found += [(iid, seq, "cosign_changed",
                   f"co-signature by {witness}: its record no longer equals what was signed")
                  for iid, seq, witness in conn.execute(_COSIGN_COLUMNS_SQL, params)]
        found += [(iid, None, "incident_changed",
                   "incident record changed: it differs from the signed opening")
                  for (iid,) in conn.execute(_INCIDENT_SQL)]
        return found
    finally:
        conn.close()


def quick_verify(binder: Binder) -> QuickResult | None:
    """Verify the binder from its authentic mark on; None when a full verify is needed.

    None means: no mark, the binder is locked, the mark is not authentic, or
    its checkpoint is gone or no longer says what the mark says. The caller
    then runs :func:`binder.core.verify.checks.verify_binder`.
    """
    from binder.core.verify.checkpoints import check_checkpoints
    from binder.core.verify.checks import verify_since

    mark = read_mark(binder)
    if mark is None:
        return None
    try:
        cp = get_checkpoint(binder, mark.checkpoint_id)
    except NotFound:
        return None
    if cp.tree_size != mark.size or cp.root_hash != mark.root:
        return None
    report = VerifyReport()
    row = binder.conn.execute("SELECT position FROM log_leaf ORDER BY position LIMIT 1 OFFSET ?",
                              (max(mark.size - 1, 0),)).fetchone()
    last_position = row[0] if row and mark.size else 0
    # The columns of the covered records are compared in SQL on a second thread while
    # this one rebuilds the tree from the signed bytes: two cores, one answer sooner.
    columns: list[tuple] = []
    worker = threading.Thread(
        target=lambda: columns.extend(_prefix_column_problems(binder.path, last_position)),
        name="quick-verify-columns", daemon=True)
    worker.start()
    try:
        log = read_log(binder)
        consistent = mark.size <= log.size and log.root(mark.size).hex() == mark.root
        if consistent and log.positions[mark.size - 1] != last_position:
            return None  # the log moved under us (written meanwhile): answer with a full verify
        if consistent:
            # The records since, checked on this thread while the columns are still compared.
            since = verify_since(binder, report, last_position)
            # The order inside the covered records was checked by the full verify and is
            # pinned by the root; verify_since checks where the rest sits.
            check_checkpoints(binder, report, None, log=log, check_order=False)
    finally:
        worker.join()
    for problem in columns:
        report.add(*problem)
    if not consistent:
        report.add(None, None, "checkpoint_inconsistent",
                   f"the first {mark.size} records no longer match checkpoint {cp.id}, which "
                   "verified in full before: records were removed, reordered or altered since")
        return QuickResult(report, mark, cp, 0)
    report.notes.append(
        f"verified since checkpoint {cp.id} ({mark.size} records, fully verified "
        f"{mark.verified_at[:19]}Z): the {mark.size} records it covers match its signed root; "
        f"{since} record(s) after it checked in full"
    )
    return QuickResult(report, mark, cp, since)
