"""Verification of everything stored: chains, signatures, certificates, evidence.

Each problem is named by incident, entry number and cause, so an auditor can
point at it. The canonical bytes stored with each entry let us say *which*
column was altered; the signature over those bytes says whether they are
authentic.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from binder.core.crypto import signers
from binder.core.incident.journal import genesis_hash
from binder.core.incident.record import Incident, list_incidents
from binder.core.storage.database import Binder
from binder.core.verify.checkpoints import check_checkpoints
from binder.core.verify.evidence import check_evidence
from binder.core.verify.findings import VerifyReport
from binder.core.verify.plans import check_plan_revisions
from binder.core.verify.registers import check_register_links
from binder.core.verify.search import check_search_index

# Column -> (canonical key, cause named to the user).
_FIELD_CAUSES = {
    "recorded_at": ("recorded_at", "time moved (recorded-at changed)"),
    "occurred_at": ("occurred_at", "time moved (occurred-at changed)"),
    "author": ("author", "author changed"),
    "cert_fingerprint": ("cert", "signer certificate reference changed"),
    "kind": ("kind", "kind changed"),
    "phase": ("phase", "phase changed"),
    "text": ("text", "text changed"),
    "reason": ("reason", "reasoning changed"),
    "evidence_id": ("evidence", "evidence link changed"),
    "source": ("source", "source changed"),
    "assets": ("assets", "assets changed"),
    "prev_hash": ("prev", "chain link changed"),
}


class _Certs:
    """Certificates of this binder, checked against its root once each."""

    def __init__(self, binder: Binder):
        self.root = signers.root_certificate(binder)
        self.known = signers.certificates_by_fingerprint(binder)
        self._cache: dict[str, tuple[str, x509.Certificate | None, str | None]] = {}

    def lookup(self, fp: str) -> tuple[str, x509.Certificate | None, str | None]:
        """(person, certificate, error cause or None)."""
        if fp in self._cache:
            return self._cache[fp]
        if fp not in self.known:
            result = ("", None, "unknown signer (certificate not enrolled in this binder)")
        else:
            person, der = self.known[fp]
            cert = x509.load_der_x509_certificate(der)
            if hashlib.sha256(der).hexdigest() != fp:
                result = (person, None, "certificate swapped (fingerprint does not match)")
            elif self.root is None or not signers.issued_by(cert, self.root):
                result = (person, None, "certificate not from this binder's root")
            else:
                result = (person, cert, None)
        self._cache[fp] = result
        return result


def verify_binder(
    binder: Binder,
    incident_id: int | None = None,
    *,
    check_files: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Check every chain, signature and certificate (and evidence files)."""
    report = VerifyReport()
    certs = _Certs(binder)
    if certs.root is not None:
        report.root_fingerprint = signers.fingerprint(certs.root.public_bytes(Encoding.DER))
    if certs.root is None and binder.conn.execute("SELECT count(*) FROM signer").fetchone()[0]:
        report.add(None, None, "root_missing", "the binder's root certificate is missing")
    incidents = list_incidents(binder)
    if incident_id is not None:
        incidents = [i for i in incidents if i.id == incident_id]
    total = binder.conn.execute("SELECT count(*) FROM entry").fetchone()[0] or 1
    done = 0
    for incident in sorted(incidents, key=lambda i: i.id):
        report.incidents += 1
        done = _verify_incident(binder, incident, certs, report, done, total, progress)
    _verify_orphans(binder, report, {i.id for i in incidents}, incident_id)
    check_plan_revisions(binder, report, incident_id)
    check_evidence(binder, report, incident_id, check_files=check_files)
    check_checkpoints(binder, report, incident_id)
    check_register_links(binder, report, incident_id)
    check_search_index(binder, report, incident_id)
    return report


def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if value is None:
        return b""
    return str(value).encode("utf-8", "surrogatepass")


def _signed_hash_of(binder: Binder, entry_id: int, iid: int) -> str | None:
    # An entry before the point a tail verify starts from: its hash is taken from its
    # signed bytes, which the checkpoint's Merkle root has just vouched for.
    row = binder.conn.execute("SELECT canonical FROM entry WHERE id = ? AND incident_id = ?",
                              (entry_id, iid)).fetchone()
    return hashlib.sha256(_as_bytes(row[0])).hexdigest() if row else None


def _tail_start(binder: Binder, iid: int, start_seq: int) -> tuple[str, str]:
    """(hash, recorded-at) of the entry before ``start_seq``, from its signed bytes."""
    row = binder.conn.execute("SELECT canonical FROM entry WHERE incident_id = ? AND seq = ?",
                              (iid, start_seq - 1)).fetchone()
    if row is None:
        return "", ""
    try:
        recorded = str(json.loads(row[0]).get("recorded_at", ""))
    except (ValueError, UnicodeDecodeError, AttributeError):
        recorded = ""
    return hashlib.sha256(_as_bytes(row[0])).hexdigest(), recorded


def _verify_incident(
    binder: Binder, incident: Incident, certs: _Certs, report: VerifyReport,
    done: int, total: int, progress: Callable[[int, int], None] | None,
    *, start_seq: int = 1, cosigns_after: int | None = None,
) -> int:
    """Check one incident's chain, signatures and co-signatures.

    ``start_seq`` > 1 checks only the entries from there on (the tail after a
    checkpoint verified before), chaining from the signed bytes of the entry
    before; ``cosigns_after`` then limits co-signatures to those placed in the
    log after that position.
    """
    iid = incident.id
    prev_hash = genesis_hash(incident.uuid)
    prev_time = ""
    if start_seq > 1:
        prev_hash, prev_time = _tail_start(binder, iid, start_seq)
    expected_seq = start_seq
    hashes_seen: dict[str, int] = {}
    hash_by_id: dict[int, str] = {}
    authors: dict[int, str] = {}
    rows = binder.conn.execute(
        """SELECT id, seq, recorded_at, occurred_at, author, cert_fingerprint, kind, phase, text,
                  reason, corrects, evidence_id, source, assets, data, prev_hash, hash, canonical,
                  signature
           FROM entry WHERE incident_id = ? AND seq >= ? ORDER BY seq, id""",
        (iid, start_seq),
    )
    first_doc = None
    for row in rows:
        (eid, seq, recorded_at, occurred_at, author, cert_fp, kind, phase, text, reason,
         corrects, evidence_id, source, assets, data, prev_col, hash_col, canonical, signature) = row
        # Stored as a BLOB; an edit with sqlite3's text functions leaves TEXT behind.
        canonical, signature = _as_bytes(canonical), _as_bytes(signature)
        report.entries += 1
        done += 1
        if progress and done % 500 == 0:
            progress(done, total)
        columns = {
            "recorded_at": recorded_at, "occurred_at": occurred_at, "author": author,
            "cert_fingerprint": cert_fp, "kind": kind, "phase": phase, "text": text,
            "reason": reason, "evidence_id": evidence_id, "source": source, "assets": assets,
            "prev_hash": prev_col,
        }
        if seq != expected_seq:
            if seq > expected_seq:
                missing = ", ".join(str(n) for n in range(expected_seq, min(seq, expected_seq + 5)))
                report.add(iid, expected_seq, "entry_missing",
                           f"entry missing (numbers {missing}{'...' if seq - expected_seq > 5 else ''} are gone)")
            else:
                report.add(iid, seq, "entry_duplicated", "entry number appears twice")
        expected_seq = seq + 1
        try:
            doc = json.loads(canonical)
            if not isinstance(doc, dict):
                raise ValueError
        except (ValueError, UnicodeDecodeError, TypeError):
            report.add(iid, seq, "canonical_damaged", "signed content is damaged (not readable)")
            prev_hash, prev_time = hash_col, recorded_at
            continue
        if seq == 1:
            first_doc = doc
        digest = hashlib.sha256(canonical).hexdigest()
        if digest != hash_col:
            report.add(iid, seq, "hash_mismatch", "signed content altered (hash does not match)")
        if digest in hashes_seen:
            report.add(iid, seq, "entry_duplicated",
                       f"duplicate of entry {hashes_seen[digest]} (same signed content)")
        hashes_seen.setdefault(digest, seq)
        hash_by_id[eid] = digest
        authors[eid] = author
        # Which column no longer matches what was signed?
        for column, (key, cause) in _FIELD_CAUSES.items():
            if doc.get(key) != columns[column]:
                report.add(iid, seq, f"{column}_changed", cause)
        try:
            if json.loads(data or "{}") != doc.get("data"):
                report.add(iid, seq, "data_changed", "structured data changed")
        except ValueError:
            report.add(iid, seq, "data_changed", "structured data damaged")
        if doc.get("incident") != incident.uuid:
            report.add(iid, seq, "moved", "entry belongs to another incident (moved here)")
        if doc.get("seq") != seq:
            report.add(iid, seq, "order_broken", f"order broken (signed as entry {doc.get('seq')})")
        if doc.get("prev") != prev_hash:
            report.add(iid, seq, "chain_broken",
                       "order broken (does not follow the entry before it: reordered, inserted or one removed)")
        if doc.get("recorded_at", "") < prev_time:
            report.add(iid, seq, "time_backwards", "time moved (recorded before the entry preceding it)")
        if corrects is not None:
            target = hash_by_id.get(corrects)
            if target is None and start_seq > 1:
                target = _signed_hash_of(binder, corrects, iid)
            if target is None or doc.get("corrects") != target:
                report.add(iid, seq, "correction_link", "correction points at a different entry than signed")
        elif doc.get("corrects") is not None:
            report.add(iid, seq, "correction_link", "correction link removed")
        _check_signature(report, certs, iid, seq, doc.get("cert", ""), doc.get("author"), canonical, signature, "author")
        prev_hash = hash_col
        prev_time = max(prev_time, doc.get("recorded_at", "") or "")
    report.heads[iid] = prev_hash
    if start_seq > 1:
        pass  # the opening lies before the tail; the quick check compared the incident row
    elif first_doc is None:
        if report.entries == 0 or expected_seq == 1:
            report.add(iid, None, "no_opening", "the incident has no journal (its opening entry is missing)")
    else:
        _check_incident_row(report, incident, first_doc)
    _verify_cosigns(binder, report, certs, iid, hash_by_id, authors, after=cosigns_after)
    return done


def verify_since(binder: Binder, report: VerifyReport, last_position: int) -> int:
    """Check in full every record placed in the log after ``last_position``; returns how many.

    The records up to that position were verified in full before and are
    pinned by a checkpoint's root (see :mod:`binder.core.verify.quick`).
    """
    certs = _Certs(binder)
    if certs.root is not None:
        report.root_fingerprint = signers.fingerprint(certs.root.public_bytes(Encoding.DER))
    starts = dict(binder.conn.execute(
        """SELECT e.incident_id, min(e.seq) FROM entry e
           JOIN log_leaf l ON l.kind = 'entry' AND l.row_id = e.id
           WHERE l.position > ? GROUP BY e.incident_id""", (last_position,)))
    for (iid,) in binder.conn.execute(
        """SELECT DISTINCT e.incident_id FROM cosign c JOIN entry e ON e.id = c.entry_id
           JOIN log_leaf l ON l.kind = 'cosign' AND l.row_id = c.id WHERE l.position > ?""",
        (last_position,),
    ):
        if iid not in starts:
            (top,) = binder.conn.execute("SELECT coalesce(max(seq), 0) FROM entry WHERE incident_id = ?",
                                         (iid,)).fetchone()
            starts[iid] = top + 1
    incidents = {i.id: i for i in list_incidents(binder)}
    report.incidents = len(incidents)
    before = report.signatures  # one signature per entry and per co-signature
    for iid in sorted(starts):
        if iid not in incidents:
            continue  # entries of a vanished incident: the orphan check names them
        # The tail sits after the covered records in the log, in number order.
        for (seq,) in binder.conn.execute(
            """SELECT e.seq FROM entry e JOIN log_leaf l ON l.kind = 'entry' AND l.row_id = e.id
               WHERE e.incident_id = ? AND e.seq >= ? AND l.position <= ? LIMIT 5""",
            (iid, starts[iid], last_position),
        ):
            report.add(iid, seq, "log_order", "placed in the log among records written before it "
                                              "(log reordered)")
        _verify_incident(binder, incidents[iid], certs, report, 0, 1, None,
                         start_seq=starts[iid], cosigns_after=last_position)
    _verify_orphans(binder, report, set(incidents), None)
    check_plan_revisions(binder, report, None)
    check_evidence(binder, report, None, check_files=False)
    return report.signatures - before


def _check_incident_row(report: VerifyReport, incident: Incident, doc: dict) -> None:
    facts = doc.get("data") or {}
    if doc.get("kind") != "open":
        report.add(incident.id, 1, "no_opening", "the first entry is not the incident's opening")
        return
    for key, value in (
        ("title", incident.title), ("detected_at", incident.detected_at), ("type", incident.type),
        ("severity", incident.severity), ("drill", incident.drill),
        ("plan_revision", incident.plan_revision_id),
    ):
        if facts.get(key) != value:
            report.add(incident.id, None, "incident_changed",
                       f"incident record changed: {key.replace('_', ' ')} differs from the signed opening")
    # Who opened it is not in the facts but is the opening entry's signed author.
    if incident.opened_by != doc.get("author"):
        report.add(incident.id, None, "incident_changed",
                   "incident record changed: opened by differs from the signed opening")


def _check_signature(
    report: VerifyReport, certs: _Certs, iid: int, seq: int | None, fp: str, person: str | None,
    canonical: bytes, signature: bytes, role: str, cosign_label: str = "",
) -> None:
    report.signatures += 1
    signer_person, cert, cause = certs.lookup(fp)
    prefix = f"{cosign_label}: " if cosign_label else ""
    if cause:
        report.add(iid, seq, "unknown_signer" if "unknown" in cause else "bad_certificate", prefix + cause)
        return
    if person is None or signer_person.casefold() != str(person).casefold():
        report.add(iid, seq, "signer_mismatch", f"{prefix}{role} does not match the signing certificate")
    assert cert is not None
    if not signers.verify_signature(cert, canonical, signature):
        report.add(iid, seq, "signature_invalid", f"{prefix}{role} signature invalid")


def _verify_cosigns(
    binder: Binder, report: VerifyReport, certs: _Certs, iid: int,
    hash_by_id: dict[int, str], authors: dict[int, str], *, after: int | None = None,
) -> None:
    seq_by_id = dict(binder.conn.execute("SELECT id, seq FROM entry WHERE incident_id = ?", (iid,)))
    sql = """SELECT c.entry_id, c.entry_hash, c.witness, c.cert_fingerprint, c.signed_at, c.canonical,
                    c.signature FROM cosign c JOIN entry e ON e.id = c.entry_id
             WHERE e.incident_id = ?"""
    params: tuple = (iid,)
    if after is not None:
        sql += """ AND c.id IN (SELECT row_id FROM log_leaf WHERE kind = 'cosign' AND position > ?)"""
        params = (iid, after)
    rows = binder.conn.execute(sql + " ORDER BY c.id", params)
    for entry_id, entry_hash, witness, fp, signed_at, canonical, signature in rows:
        seq = seq_by_id.get(entry_id)
        canonical, signature = _as_bytes(canonical), _as_bytes(signature)
        if after is not None and entry_id not in hash_by_id:
            # Witnessing an entry from before the tail: its hash and author from its signed bytes.
            signed = _signed_hash_of(binder, entry_id, iid)
            if signed is not None:
                hash_by_id[entry_id] = signed
                row = binder.conn.execute("SELECT author FROM entry WHERE id = ?", (entry_id,)).fetchone()
                authors[entry_id] = row[0] if row else ""
        label = f"co-signature by {witness}"
        try:
            doc = json.loads(canonical)
        except (ValueError, UnicodeDecodeError):
            report.add(iid, seq, "cosign_damaged", f"{label}: signed content damaged")
            continue
        if doc.get("type") != "cosign":
            report.add(iid, seq, "cosign_forged", f"{label}: not a co-signature record")
            continue
        if doc.get("entry") != hash_by_id.get(entry_id) or entry_hash != doc.get("entry"):
            report.add(iid, seq, "cosign_mismatch", f"{label}: co-signs different content than this entry")
        if doc.get("witness") != witness or doc.get("cert") != fp or doc.get("signed_at") != signed_at:
            report.add(iid, seq, "cosign_changed", f"{label}: witness record changed after signing")
        if str(doc.get("witness", "")).casefold() == authors.get(entry_id, "").casefold():
            report.add(iid, seq, "cosign_self", f"{label}: the author cannot witness their own entry")
        _check_signature(report, certs, iid, seq, doc.get("cert", ""), doc.get("witness"),
                         canonical, signature, "witness", label)


def _verify_orphans(binder: Binder, report: VerifyReport, ids: set[int], only: int | None) -> None:
    if only is not None:
        return
    for (iid,) in binder.conn.execute(
        "SELECT DISTINCT incident_id FROM entry WHERE incident_id NOT IN (SELECT id FROM incident)"
    ):
        report.add(iid, None, "incident_missing", "entries exist for an incident record that is gone")
    orphan = binder.conn.execute(
        "SELECT count(*) FROM cosign WHERE entry_id NOT IN (SELECT id FROM entry)"
    ).fetchone()[0]
    if orphan:
        report.add(None, None, "cosign_orphan", f"{orphan} co-signature(s) refer to entries that are gone")
