"""Verification of everything stored: chains, signatures, certificates, evidence.

Each problem is named by incident, entry number and cause, so an auditor can
point at it. The canonical bytes stored with each entry let us say *which*
column was altered; the signature over those bytes says whether they are
authentic.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from binder.core.crypto import signers
from binder.core.crypto.meanings import AUTHOR, COSIGN_MEANINGS, WITNESS
from binder.core.crypto.two_person import person_key
from binder.core.incident.journal import CANONICAL_VERSIONS, genesis_hash
from binder.core.incident.record import incident_rows
from binder.core.storage.database import Binder
from binder.core.verify.cells import (
    as_bytes,
    as_int,
    as_text,
    guarded,
    lenient_text,
    parse_document,
)
from binder.core.verify.checkpoints import check_checkpoints
from binder.core.verify.evidence import check_evidence
from binder.core.verify.findings import VerifyReport
from binder.core.verify.people import check_signer_records
from binder.core.verify.plans import check_plan_revisions
from binder.core.verify.registers import check_register_links
from binder.core.verify.roster import check_roster
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

    def __init__(self, binder: Binder, report: VerifyReport):
        self.root: x509.Certificate | None = None
        self.root_der: bytes | None = None
        row = binder.conn.execute("SELECT cert_der FROM root WHERE id = 1").fetchone()
        if row is not None:
            self.root_der = as_bytes(row[0])
            try:
                self.root = x509.load_der_x509_certificate(self.root_der or b"")
            except ValueError:
                report.add(None, None, "root_damaged",
                           "the binder's root certificate is damaged (not a certificate)")
        self.known: dict[str, tuple[str, bytes | None]] = {}
        for fp, person, der in binder.conn.execute(
            "SELECT c.fingerprint, s.person, c.cert_der FROM certificate c "
            "JOIN signer s ON s.id = c.signer_id"
        ):
            if isinstance(fp, str):
                self.known[fp] = (as_text(person) or "", as_bytes(der))
        self._cache: dict[str, tuple[str, x509.Certificate | None, str | None]] = {}

    def lookup(self, fp: str) -> tuple[str, x509.Certificate | None, str | None]:
        """(person, certificate, error cause or None)."""
        if fp in self._cache:
            return self._cache[fp]
        if fp not in self.known:
            result = ("", None, "unknown signer (certificate not enrolled in this binder)")
        else:
            person, der = self.known[fp]
            cert = None
            with contextlib.suppress(ValueError):
                cert = x509.load_der_x509_certificate(der or b"")
            if cert is None:
                result = (person, None, "certificate damaged (not a certificate)")
            elif hashlib.sha256(der or b"").hexdigest() != fp:
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
    """Check every chain, signature and certificate (and evidence files).

    Answers every binder, however damaged: a cell holding something it never
    should is a problem named in the report, never an exception.
    """
    report = VerifyReport()
    with lenient_text(binder):
        _verify(binder, report, incident_id, check_files, progress)
    return report


def _verify(
    binder: Binder, report: VerifyReport, incident_id: int | None, check_files: bool,
    progress: Callable[[int, int], None] | None,
) -> None:
    certs = guarded(report, "the certificates", _Certs, binder, report)
    if certs is None:
        return
    if certs.root_der is not None:
        report.root_fingerprint = signers.fingerprint(certs.root_der)
    if certs.root_der is None and binder.conn.execute("SELECT count(*) FROM signer").fetchone()[0]:
        report.add(None, None, "root_missing", "the binder's root certificate is missing")
    guarded(report, "the binder's identity", _check_identity, binder, certs, report)
    rows = [r for r in incident_rows(binder) if incident_id is None or r[0] == incident_id]
    total = binder.conn.execute("SELECT count(*) FROM entry").fetchone()[0] or 1
    done = [0]
    grandfathered: list[int] = []
    for row in rows:
        report.incidents += 1
        guarded(report, f"incident {row[0]}", _verify_incident, binder, _raw_incident(row), certs,
                report, done, total, progress, grandfathered, incident=row[0])
    if grandfathered:
        listed = ", ".join(str(i) for i in grandfathered[:10]) + ("..." if len(grandfathered) > 10 else "")
        report.notes.append(
            f"incident(s) {listed} were opened by an earlier version, which did not sign the "
            "opening time, the incident number or the binder's identity: the opening time is "
            "checked against the opening entry's signed time instead (grandfathered)"
        )
    guarded(report, "entries without an incident", _verify_orphans, binder, report,
            {r[0] for r in rows}, incident_id)
    for what, check, args in _EXTRA_CHECKS(binder, report, incident_id, check_files):
        guarded(report, what, check, *args, incident=incident_id)


def _EXTRA_CHECKS(binder: Binder, report: VerifyReport, incident_id: int | None,
                  check_files: bool) -> tuple:
    """The checkers beside the journal's: (what they look at, checker, arguments)."""
    return (
        ("the plan revisions", check_plan_revisions, (binder, report, incident_id)),
        ("the roster's structure", check_roster, (binder, report, incident_id)),
        ("the signer records", check_signer_records, (binder, report, incident_id)),
        ("the evidence register", functools.partial(check_evidence, check_files=check_files),
         (binder, report, incident_id)),
        ("the checkpoints", check_checkpoints, (binder, report, incident_id)),
        ("the register links", check_register_links, (binder, report, incident_id)),
        ("the search index", check_search_index, (binder, report, incident_id)),
    )


@dataclass(frozen=True)
class _RawIncident:
    """An incident row exactly as stored (types unchecked)."""

    id: int
    uuid: Any
    title: Any
    detected_at: Any
    type: Any
    severity: Any
    drill: Any
    plan_revision_id: Any
    opened_at: Any
    opened_by: Any


def _raw_incident(row: tuple) -> _RawIncident:
    return _RawIncident(*row)


def _check_identity(binder: Binder, certs: _Certs, report: VerifyReport) -> None:
    """The binder's uuid (meta) against its root certificate.

    Roots made since this check existed name the whole uuid (``urn:uuid:`` in
    their subject alternative name); older roots only its first 8 characters in
    their common name, which is what they are held to (grandfathered).
    """
    uuid = binder.uuid
    if not uuid:
        report.add(None, None, "binder_identity_changed",
                   "the binder's identity (its uuid) is missing from its meta table")
        return
    if certs.root is None:
        return
    bound = signers.root_binder_uuid(certs.root)
    if bound is not None:
        if bound != uuid:
            report.add(None, None, "binder_identity_changed",
                       f"the binder's identity was changed: its root certificate was made for "
                       f"binder {bound}, the file says {uuid}")
        return
    names = certs.root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common = str(names[0].value) if names else ""
    if not common.endswith(uuid[:8]):
        report.add(None, None, "binder_identity_changed",
                   f"the binder's identity was changed: its root certificate ({common!r}) was "
                   f"not made for binder {uuid}")
    else:
        report.notes.append(
            "the root certificate was made by an earlier version and names only the first "
            "8 characters of the binder's identity; the identity is checked against those "
            "(grandfathered)"
        )


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
        recorded = str(json.loads(_as_bytes(row[0])).get("recorded_at", ""))
    except (ValueError, UnicodeDecodeError, AttributeError, RecursionError):
        recorded = ""
    return hashlib.sha256(_as_bytes(row[0])).hexdigest(), recorded


def _verify_incident(
    binder: Binder, incident: _RawIncident, certs: _Certs, report: VerifyReport,
    done: list[int], total: int, progress: Callable[[int, int], None] | None,
    grandfathered: list[int], *, start_seq: int = 1, cosigns_after: int | None = None,
) -> None:
    """Check one incident's chain, signatures and co-signatures.

    ``start_seq`` > 1 checks only the entries from there on (the tail after a
    checkpoint verified before), chaining from the signed bytes of the entry
    before; ``cosigns_after`` then limits co-signatures to those placed in the
    log after that position.
    """
    iid = incident.id
    uuid = as_text(incident.uuid) or ""
    prev_hash = genesis_hash(uuid)
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
        (eid, seq_cell, recorded_at, occurred_at, author, cert_fp, kind, phase, text, reason,
         corrects, evidence_id, source, assets, data, prev_col, hash_col, canonical, signature) = row
        report.entries += 1
        done[0] += 1
        if progress and done[0] % 500 == 0:
            progress(done[0], total)
        seq = as_int(seq_cell)
        if seq is None:
            report.add(iid, None, "order_broken",
                       f"an entry's number is damaged (stored as {type(seq_cell).__name__}, not a number)")
            seq = expected_seq
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
        canonical_bytes = as_bytes(canonical)
        doc = parse_document(canonical)
        if doc is None or canonical_bytes is None:
            report.add(iid, seq, "canonical_damaged", "signed content is damaged (not readable)")
            prev_hash, prev_time = as_text(hash_col) or "", as_text(recorded_at) or prev_time
            continue
        if seq == 1:
            first_doc = doc
        digest = hashlib.sha256(canonical_bytes).hexdigest()
        if digest != hash_col:
            report.add(iid, seq, "hash_mismatch", "signed content altered (hash does not match)")
        if digest in hashes_seen:
            report.add(iid, seq, "entry_duplicated",
                       f"duplicate of entry {hashes_seen[digest]} (same signed content)")
        hashes_seen.setdefault(digest, seq)
        hash_by_id[eid] = digest
        authors[eid] = as_text(author) or ""
        # Which column no longer matches what was signed?
        for column, (key, cause) in _FIELD_CAUSES.items():
            if doc.get(key) != columns[column]:
                report.add(iid, seq, f"{column}_changed", cause)
        stored_data = parse_document(data if data not in (None, "") else "{}")
        if stored_data is None:
            report.add(iid, seq, "data_changed", "structured data damaged")
        elif stored_data != doc.get("data"):
            report.add(iid, seq, "data_changed", "structured data changed")
        _check_meaning(report, iid, seq, doc, AUTHOR, "the author's signature")
        if doc.get("incident") != uuid:
            report.add(iid, seq, "moved", "entry belongs to another incident (moved here)")
        if doc.get("seq") != seq:
            report.add(iid, seq, "order_broken", f"order broken (signed as entry {doc.get('seq')!r})")
        if doc.get("prev") != prev_hash:
            report.add(iid, seq, "chain_broken",
                       "order broken (does not follow the entry before it: reordered, inserted or one removed)")
        signed_time = as_text(doc.get("recorded_at")) or ""
        if signed_time < prev_time:
            report.add(iid, seq, "time_backwards", "time moved (recorded before the entry preceding it)")
        if corrects is not None:
            target = hash_by_id.get(corrects) if isinstance(corrects, int) else None
            if target is None and start_seq > 1 and isinstance(corrects, int):
                target = _signed_hash_of(binder, corrects, iid)
            if target is None or doc.get("corrects") != target:
                report.add(iid, seq, "correction_link", "correction points at a different entry than signed")
        elif doc.get("corrects") is not None:
            report.add(iid, seq, "correction_link", "correction link removed")
        _check_signature(report, certs, iid, seq, doc.get("cert"), doc.get("author"),
                         canonical_bytes, signature, "author")
        prev_hash = as_text(hash_col) or ""
        prev_time = max(prev_time, signed_time)
    report.heads[iid] = prev_hash
    if start_seq > 1:
        pass  # the opening lies before the tail; the quick check compared the incident row
    elif first_doc is None:
        if expected_seq == 1:
            report.add(iid, None, "no_opening", "the incident has no journal (its opening entry is missing)")
    else:
        _check_incident_row(report, incident, first_doc, binder.uuid, grandfathered)
    _verify_cosigns(binder, report, certs, iid, hash_by_id, authors, after=cosigns_after)


def verify_since(binder: Binder, report: VerifyReport, last_position: int) -> int:
    """Check in full every record placed in the log after ``last_position``; returns how many.

    The records up to that position were verified in full before and are
    pinned by a checkpoint's root (see :mod:`binder.core.verify.quick`).
    """
    with lenient_text(binder):
        return _verify_since(binder, report, last_position)


def _verify_since(binder: Binder, report: VerifyReport, last_position: int) -> int:
    certs = guarded(report, "the certificates", _Certs, binder, report)
    if certs is None:
        return 0
    if certs.root_der is not None:
        report.root_fingerprint = signers.fingerprint(certs.root_der)
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
    incidents = {row[0]: _raw_incident(row) for row in incident_rows(binder)}
    report.incidents = len(incidents)
    before = report.signatures  # one signature per entry and per co-signature
    for iid in sorted(starts):
        if iid not in incidents:
            continue  # entries of a vanished incident: the orphan check names them
        start = starts[iid] if isinstance(starts[iid], int) else 1
        # The tail sits after the covered records in the log, in number order.
        for (seq,) in binder.conn.execute(
            """SELECT e.seq FROM entry e JOIN log_leaf l ON l.kind = 'entry' AND l.row_id = e.id
               WHERE e.incident_id = ? AND e.seq >= ? AND l.position <= ? LIMIT 5""",
            (iid, start, last_position),
        ):
            report.add(iid, seq, "log_order", "placed in the log among records written before it "
                                              "(log reordered)")
        guarded(report, f"incident {iid}", _verify_incident, binder, incidents[iid], certs, report,
                [0], 1, None, [], start_seq=start, cosigns_after=last_position, incident=iid)
    guarded(report, "entries without an incident", _verify_orphans, binder, report,
            set(incidents), None)
    guarded(report, "the plan revisions", check_plan_revisions, binder, report, None)
    guarded(report, "the signer records", check_signer_records, binder, report)
    guarded(report, "the evidence register", check_evidence, binder, report, None,
            check_files=False)
    return report.signatures - before


# Incident column -> key of the signed opening facts.
_INCIDENT_FACTS = (
    ("title", "title"), ("detected_at", "detected_at"), ("type", "type"),
    ("severity", "severity"), ("plan_revision_id", "plan_revision"),
)
#: How far before its opening entry an older version wrote the incident's opening time.
_GRANDFATHERED_OPENING_SLACK = timedelta(seconds=60)


def _changed(report: VerifyReport, iid: int, what: str) -> None:
    report.add(iid, None, "incident_changed",
               f"incident record changed: {what} differs from the signed opening")


def _check_incident_row(report: VerifyReport, incident: _RawIncident, doc: dict,
                        binder_uuid: str, grandfathered: list[int]) -> None:
    facts = doc.get("data") if isinstance(doc.get("data"), dict) else {}
    if doc.get("kind") != "open":
        report.add(incident.id, 1, "no_opening", "the first entry is not the incident's opening")
        return
    for column, key in _INCIDENT_FACTS:
        if facts.get(key) != getattr(incident, column):
            _changed(report, incident.id, key.replace("_", " "))
    drill = as_int(incident.drill)
    if drill not in (0, 1) or facts.get("drill") is not bool(drill):
        _changed(report, incident.id, "drill")
    signed_by = facts.get("opened_by", doc.get("author"))
    if incident.opened_by != signed_by:
        _changed(report, incident.id, "opened by")
    if "id" in facts or "binder" in facts or "opened_at" in facts:
        if facts.get("opened_at") != incident.opened_at:
            _changed(report, incident.id, "opening time")
        if facts.get("id") != incident.id:
            report.add(incident.id, None, "incident_renumbered",
                       f"incident record changed: it was opened as incident {facts.get('id')!r}, "
                       f"the binder now calls it {incident.id}")
        if facts.get("binder") != binder_uuid:
            report.add(incident.id, None, "binder_identity_changed",
                       f"the incident was opened in binder {facts.get('binder')!r}, "
                       f"this file says it is binder {binder_uuid}")
        return
    # Opened by an earlier version: its opening time was written just before its
    # signed opening entry, so it must lie shortly before that entry's time.
    grandfathered.append(incident.id)
    opened = _moment(incident.opened_at)
    signed = _moment(doc.get("recorded_at"))
    if opened is None or signed is None or not (
        signed - _GRANDFATHERED_OPENING_SLACK <= opened <= signed
    ):
        _changed(report, incident.id, "opening time")


def _moment(value: Any) -> datetime | None:
    text = as_text(value)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _check_signature(
    report: VerifyReport, certs: _Certs, iid: int, seq: int | None, fp: str, person: str | None,
    canonical: bytes, signature: Any, role: str, cosign_label: str = "",
) -> None:
    report.signatures += 1
    signer_person, cert, cause = certs.lookup(fp if isinstance(fp, str) else "")
    prefix = f"{cosign_label}: " if cosign_label else ""
    if cause:
        report.add(iid, seq, "unknown_signer" if "unknown" in cause else "bad_certificate", prefix + cause)
        return
    if not isinstance(person, str) or signer_person.casefold() != person.casefold():
        report.add(iid, seq, "signer_mismatch", f"{prefix}{role} does not match the signing certificate")
    assert cert is not None
    raw = signature if isinstance(signature, (bytes, bytearray, memoryview)) else None
    if raw is None or not signers.verify_signature(cert, canonical, bytes(raw)):
        report.add(iid, seq, "signature_invalid", f"{prefix}{role} signature invalid")


def _verify_cosigns(
    binder: Binder, report: VerifyReport, certs: _Certs, iid: int,
    hash_by_id: dict[int, str], authors: dict[int, str], *, after: int | None = None,
) -> None:
    # The entry's number comes with the join: a map of every entry's number cost a pass over
    # the whole incident, which the check at opening (a few records since) cannot afford.
    sql = """SELECT c.entry_id, c.entry_hash, c.witness, c.cert_fingerprint, c.signed_at, c.canonical,
                    c.signature, c.meaning, e.seq FROM cosign c JOIN entry e ON e.id = c.entry_id
             WHERE e.incident_id = ?"""
    params: tuple = (iid,)
    if after is not None:
        sql += """ AND c.id IN (SELECT row_id FROM log_leaf WHERE kind = 'cosign' AND position > ?)"""
        params = (iid, after)
    rows = binder.conn.execute(sql + " ORDER BY c.id", params)
    for entry_id, entry_hash, witness, fp, signed_at, canonical, signature, meaning, raw_seq in rows:
        seq = as_int(raw_seq)
        if after is not None and entry_id not in hash_by_id:
            # Witnessing an entry from before the tail: its hash and author from its signed bytes.
            signed_hash = _signed_hash_of(binder, entry_id, iid)
            if signed_hash is not None:
                hash_by_id[entry_id] = signed_hash
                row = binder.conn.execute("SELECT author FROM entry WHERE id = ?", (entry_id,)).fetchone()
                authors[entry_id] = (as_text(row[0]) or "") if row else ""
        label = f"co-signature by {witness}"
        doc = parse_document(canonical)
        signed = as_bytes(canonical)
        if doc is None or signed is None:
            report.add(iid, seq, "cosign_damaged", f"{label}: signed content damaged")
            continue
        if doc.get("type") != "cosign":
            report.add(iid, seq, "cosign_forged", f"{label}: not a co-signature record")
            continue
        if doc.get("entry") != hash_by_id.get(entry_id) or entry_hash != doc.get("entry"):
            report.add(iid, seq, "cosign_mismatch", f"{label}: co-signs different content than this entry")
        if doc.get("witness") != witness or doc.get("cert") != fp or doc.get("signed_at") != signed_at:
            report.add(iid, seq, "cosign_changed", f"{label}: witness record changed after signing")
        if _check_meaning(report, iid, seq, doc, meaning, label) and meaning not in COSIGN_MEANINGS:
            report.add(iid, seq, "meaning_unknown", f"{label}: signed as {meaning!r}, which a "
                                                    "co-signature cannot mean")
        if person_key(str(doc.get("witness", ""))) == person_key(authors.get(entry_id, "")):
            report.add(iid, seq, "cosign_self", f"{label}: the author cannot witness their own entry")
        _check_signature(report, certs, iid, seq, doc.get("cert"), doc.get("witness"),
                         signed, signature, "witness", label)


def _check_meaning(report: VerifyReport, iid: int, seq: int | None, doc: dict, shown: str,
                   label: str) -> bool:
    """Compare the meaning shown (the column, or "author" for an entry) with the one signed.

    Version 1 signed no meaning: its signatures meant author and witness. Returns
    whether they agree.
    """
    version = doc.get("v")
    if version not in CANONICAL_VERSIONS:
        report.add(iid, seq, "format_unknown", f"{label}: signed in format version {version!r}, "
                                               "which this version of Incident Binder cannot read")
        return False
    signed = doc.get("meaning") if version >= 2 else (AUTHOR if doc.get("type") == "entry"
                                                      else WITNESS)
    if signed != shown:
        report.add(iid, seq, "meaning_changed", f"{label}: shown as {shown!r} but signed as "
                                                f"{signed!r} (meaning changed after signing)")
        return False
    return True


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
