"""`verify` checker for the log and its checkpoints, and `verify --against CHECKPOINT`.

The journal's hash chains find any change inside an incident's history, but
not its end cut off, a co-signature deleted or a whole incident deleted: what
is left is consistent in itself. The log (every entry and co-signature in one
append order) and the checkpoints that sign its size and Merkle root close
that gap: the binder must still extend every checkpoint it holds (an RFC 6962
consistency proof from each checkpoint to the log as it is now), and, with
``--against``, a checkpoint kept outside the binder (a file, or the text
typed from the paper copy) whose twin inside may have been deleted too.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from binder.core.checkpoint import merkle
from binder.core.checkpoint.log import Log, read_log
from binder.core.checkpoint.note import MAX_NOTE_BYTES, ORIGIN_PREFIX, Checkpoint, parse_note
from binder.core.checkpoint.store import StoredCheckpoint, list_checkpoints
from binder.core.crypto import signers
from binder.core.crypto.two_person import person_key
from binder.core.errors import BadInput
from binder.core.storage.database import Binder
from binder.core.storage.files import read_input_file
from binder.core.verify.findings import VerifyReport

MAX_LISTED = 10  # problems of one kind named one by one before a summary line


@dataclass(frozen=True)
class _Cert:
    person: str  # the login the binder records (compared with the maker and witness columns)
    cert: x509.Certificate | None
    cause: str | None
    name: str = ""  # who messages name: the certificate's name once its chain holds

    @property
    def shown(self) -> str:
        """How a message names the signer."""
        return self.name or self.person


class _Certs:
    """The binder's signer certificates, each checked against its root once."""

    def __init__(self, binder: Binder):
        self.root = signers.root_certificate(binder)
        self.known = signers.certificates_by_fingerprint(binder)
        self.names = signers.names_by_login(binder)
        self._seen: dict[str, _Cert] = {}

    def name(self, login: str) -> str:
        """The certificate's name for a login the binder records, else the login."""
        return signers.name_for_login(self.names, login)

    def get(self, fp: str) -> _Cert:
        if fp not in self._seen:
            if fp not in self.known:
                self._seen[fp] = _Cert("", None, "signed with a certificate not enrolled in this binder")
            else:
                person, der = self.known[fp]
                cert = x509.load_der_x509_certificate(der)
                if hashlib.sha256(der).hexdigest() != fp:
                    self._seen[fp] = _Cert(person, None, "signer certificate swapped")
                elif self.root is None or not signers.issued_by(cert, self.root):
                    self._seen[fp] = _Cert(person, None, "signer certificate not from this binder's root")
                else:
                    self._seen[fp] = _Cert(person, cert, None, signers.identity_of(der).name)
        return self._seen[fp]


def _describe(cp: StoredCheckpoint, certs: _Certs) -> str:
    who = f"by {certs.name(cp.maker)}" + (
        f", witnessed by {certs.name(cp.witness)}" if cp.witness else "")
    return f"checkpoint {cp.id} ({cp.occasion_label}, {cp.created_at[:19]}Z, {who})"


def _entry_place(binder: Binder, row_id: int) -> tuple[int | None, int | None]:
    row = binder.conn.execute("SELECT incident_id, seq FROM entry WHERE id = ?", (row_id,)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _cosign_place(binder: Binder, row_id: int) -> tuple[int | None, int | None, str]:
    row = binder.conn.execute(
        """SELECT e.incident_id, e.seq, c.witness FROM cosign c LEFT JOIN entry e ON e.id = c.entry_id
           WHERE c.id = ?""", (row_id,),
    ).fetchone()
    return (row[0], row[1], row[2]) if row else (None, None, "")


def _check_log_shape(binder: Binder, log: Log, report: VerifyReport, *,
                     check_order: bool = True) -> None:
    for n, (position, kind, row_id) in enumerate(log.missing_records):
        if n == MAX_LISTED:
            report.add(None, None, "log_record_missing",
                       f"... and {len(log.missing_records) - MAX_LISTED} more records gone from the log")
            break
        what = "journal entry" if kind == "entry" else "co-signature"
        report.add(None, None, "log_record_missing",
                   f"place {position} of the log: the {what} it holds (record {row_id}) is gone (deleted)")
    for n, (first, last) in enumerate(log.position_gaps):
        if n == MAX_LISTED:
            report.add(None, None, "log_gap", f"... and {len(log.position_gaps) - MAX_LISTED} more gaps")
            break
        places = f"place {first}" if first == last else f"places {first} to {last}"
        report.add(None, None, "log_gap",
                   f"{places} of the log are gone: the records there were deleted together with "
                   "their places")
    for n, (kind, row_id) in enumerate(log.unplaced):
        if n == MAX_LISTED:
            report.add(None, None, "log_unplaced", f"... and {len(log.unplaced) - MAX_LISTED} more")
            break
        if kind == "entry":
            iid, seq = _entry_place(binder, row_id)
            report.add(iid, seq, "log_unplaced",
                       "entry has no place in the log (written behind the binder's back)")
        else:
            iid, seq, witness = _cosign_place(binder, row_id)
            report.add(iid, seq, "log_unplaced",
                       f"co-signature by {witness or 'a witness'} has no place in the log "
                       "(written behind the binder's back)")
    if check_order:
        _check_log_order(binder, report)


def _check_log_order(binder: Binder, report: VerifyReport) -> None:
    # Within an incident, entries are placed in the order of their numbers, and a
    # co-signature after the entry it witnesses. One pass in SQL: no Python per row.
    found = binder.conn.execute(
        """SELECT incident_id, seq FROM (
               SELECT e.incident_id, e.seq, l.position,
                      max(l.position) OVER (PARTITION BY e.incident_id ORDER BY e.seq
                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
               FROM entry e JOIN log_leaf l ON l.kind = 'entry' AND l.row_id = e.id)
           WHERE position < before LIMIT ?""", (MAX_LISTED,)).fetchall()
    for iid, seq in found:
        report.add(iid, seq, "log_order", "placed in the log before the entry preceding it "
                                          "(log reordered)")
    for iid, seq, witness in binder.conn.execute(
        """SELECT e.incident_id, e.seq, c.witness FROM cosign c
           JOIN entry e ON e.id = c.entry_id
           JOIN log_leaf lc ON lc.kind = 'cosign' AND lc.row_id = c.id
           JOIN log_leaf le ON le.kind = 'entry' AND le.row_id = e.id
           WHERE lc.position < le.position"""
    ):
        report.add(iid, seq, "log_order",
                   f"co-signature by {witness} placed in the log before the entry it witnesses")


def _check_signatures(
    cp: Checkpoint, stored: StoredCheckpoint, certs: _Certs, report: VerifyReport, label: str
) -> None:
    if not cp.signatures:
        report.add(None, None, "checkpoint_unsigned", f"{label}: carries no signature")
        return
    people: list[str] = []
    for sig in cp.signatures:
        found = certs.get(sig.fingerprint)
        if found.cause:
            report.add(None, None, "checkpoint_signature_invalid", f"{label}: {found.cause}")
            people.append(found.person)
            continue
        assert found.cert is not None
        if not signers.verify_signature(found.cert, cp.body, sig.signature):
            report.add(None, None, "checkpoint_signature_invalid",
                       f"{label}: the signature of {found.shown} does not verify")
        people.append(found.person)
    expected = [stored.maker] + ([stored.witness] if stored.witness else [])
    if [p.casefold() for p in people] != [p.casefold() for p in expected]:
        report.add(None, None, "checkpoint_changed",
                   f"{label}: maker or witness differs from who signed it")
    if len({person_key(p) for p in people}) != len(people):
        report.add(None, None, "checkpoint_self_witness",
                   f"{label}: signed twice by the same person (no second person)")


def _extends(log: Log, size: int, root: bytes) -> bool:
    if size > log.size:
        return False
    proof = log.tree.consistency_proof(size)
    return merkle.verify_consistency(size, log.size, root, log.root(), proof)


def _check_stored(binder: Binder, log: Log, report: VerifyReport) -> int:
    stored = list_checkpoints(binder)
    certs = _Certs(binder)
    good: list[tuple[int, StoredCheckpoint]] = []  # (size, checkpoint) that the log extends
    expected_id = 1
    for sc in stored:
        if sc.id > expected_id:
            gone = f"checkpoint {expected_id}" if sc.id == expected_id + 1 else (
                f"checkpoints {expected_id} to {sc.id - 1}")
            report.add(None, None, "checkpoint_missing", f"{gone} deleted from the binder")
        expected_id = sc.id + 1
        label = _describe(sc, certs)
        try:
            cp = sc.parsed()
        except BadInput as exc:
            report.add(None, None, "checkpoint_damaged", f"{label}: the stored note is damaged ({exc})")
            continue
        if cp.binder_uuid != binder.uuid:
            report.add(None, None, "checkpoint_other_binder",
                       f"{label}: is a checkpoint of another binder ({cp.binder_uuid})")
        if cp.size != sc.tree_size or cp.root.hex() != sc.root_hash:
            report.add(None, None, "checkpoint_changed",
                       f"{label}: its size or root column differs from its signed note")
        _check_signatures(cp, sc, certs, report, label)
        if cp.size > log.size:
            report.add(None, None, "rolled_back",
                       f"{label} covers {cp.size} records; the log now holds {log.size}: "
                       f"{cp.size - log.size} record(s) were removed (entries, co-signatures or "
                       "whole incidents)")
        elif not _extends(log, cp.size, cp.root):
            below = [s for s, c in good if s <= cp.size]
            since = f" after the first {max(below)}" if below else ""
            report.add(None, None, "checkpoint_inconsistent",
                       f"{label}: the log no longer extends it: one of its first {cp.size} "
                       f"records{since} was removed, reordered or altered")
        else:
            good.append((cp.size, sc))
    if stored:
        newest = stored[-1]
        held = "the log extends every one" if len(good) == len(stored) else (
            f"the log extends {len(good)} of them")
        anchored = _check_tokens(binder, stored, report, certs)
        report.notes.append(
            f"checkpoints: {len(stored)} checked, {held}; newest is {_describe(newest, certs)}, "
            f"{newest.tree_size} of the log's {log.size} records; {anchored} anchored by a "
            "timestamp authority, the others' times are the maker's clock"
        )
    return len(stored)


def _check_tokens(binder: Binder, stored: list[StoredCheckpoint], report: VerifyReport,
                  certs: _Certs) -> int:
    """Each RFC 3161 token still timestamps its checkpoint's note; returns how many are anchored."""
    rows = binder.conn.execute(
        "SELECT id, checkpoint_id, tsa_url, gen_time, token FROM timestamp_token ORDER BY id").fetchall()
    if not rows:
        return 0
    from binder.core.checkpoint.anchor import check_token, note_digest

    by_id = {c.id: c for c in stored}
    anchored: set[int] = set()
    for _token_id, checkpoint_id, url, _gen_time, token in rows:
        cp = by_id.get(checkpoint_id)
        if cp is None:
            report.add(None, None, "timestamp_orphan",
                       f"a timestamp token from {url} belongs to checkpoint {checkpoint_id}, "
                       "which is gone")
            continue
        problem = check_token(bytes(token), note_digest(cp.note))
        if problem:
            report.add(None, None, "timestamp_invalid",
                       f"{_describe(cp, certs)}: the timestamp token from {url} does not hold: {problem}")
        else:
            anchored.add(cp.id)
    return len(anchored)


def check_checkpoints(
    binder: Binder, report: VerifyReport, incident_id: int | None, *, log: Log | None = None,
    check_order: bool = True,
) -> None:
    """The log has no gaps and the binder extends every checkpoint it holds.

    The log is one for the whole binder, so this runs when the whole binder is
    verified; a verify of one incident says so in a note rather than blame it
    for what may be missing from another.
    """
    if incident_id is not None:
        report.notes.append("the log and its checkpoints are checked when the whole binder is "
                            "verified (`binder verify` without an incident)")
        return
    log = log or read_log(binder)
    _check_log_shape(binder, log, report, check_order=check_order)
    _check_stored(binder, log, report)


# --------------------------------------------------------------------------- --against


def looks_like_checkpoint(data: bytes) -> bool:
    """True when ``data`` starts like a checkpoint note (not a bundle or a PDF)."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(ORIGIN_PREFIX.encode())


def read_checkpoint_text(path: Path) -> Checkpoint:
    """A checkpoint from a file, or from standard input when ``path`` is ``-``."""
    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_NOTE_BYTES + 1)
    else:
        # A regular file, bounded: a named pipe or a device is refused, never waited on.
        data = read_input_file(path, what="checkpoint file", limit=MAX_NOTE_BYTES)
    try:
        return parse_note(data)
    except BadInput as exc:
        raise BadInput(f"{path}: {exc}") from None


def compare_with_checkpoint(
    binder: Binder, cp: Checkpoint, report: VerifyReport, source: str
) -> None:
    """Add a problem for every way the binder fails to extend checkpoint ``cp``.

    ``cp`` comes from outside the binder (a file, the paper copy), so it finds
    a rollback even when every checkpoint inside the binder was deleted too.
    """
    what = f"the checkpoint {source}"
    if cp.binder_uuid != binder.uuid:
        report.add(None, None, "other_binder",
                   f"{what} is of another binder (id {cp.binder_uuid}), not this one "
                   f"(id {binder.uuid})")
        return
    certs = _Certs(binder)
    signed_by: list[str] = []
    for sig in cp.signatures:
        found = certs.get(sig.fingerprint)
        if found.cause or found.cert is None:
            report.add(None, None, "checkpoint_signature_invalid",
                       f"{what}: {found.cause or 'unknown signer'} ({sig.fingerprint[:16]}...): "
                       "the certificate is gone from this binder, or the text is not genuine")
        elif not cp.complete:
            signed_by.append(f"{found.shown} (not checked: the time line is missing)")
        elif not signers.verify_signature(found.cert, cp.body, sig.signature):
            report.add(None, None, "checkpoint_signature_invalid",
                       f"{what}: the signature of {found.shown} does not verify: the text was "
                       "mistyped or altered (check the size and root lines)")
        else:
            signed_by.append(found.shown)
    log = read_log(binder, with_problems=False)
    if cp.size > log.size:
        report.add(None, None, "rolled_back",
                   f"rolled back: {what} covers {cp.size} records, this binder's log holds "
                   f"{log.size}: {cp.size - log.size} record(s) are gone")
    elif not _extends(log, cp.size, cp.root):
        report.add(None, None, "history_rewritten",
                   f"{what} covers {cp.size} records, but this binder's first {cp.size} records "
                   "do not hash to its root: records were removed, reordered or altered since")
    else:
        who = ", ".join(signed_by) if signed_by else "nobody (no signature lines)"
        report.notes.append(
            f"compared with {what} ({cp.size} records, made {cp.time or 'at an unknown time'}, "
            f"signed by {who}): this binder extends it ({log.size} records now)"
        )

