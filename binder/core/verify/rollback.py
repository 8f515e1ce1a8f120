"""Comparing a binder with what an earlier export saw: rollback and rewrite detection.

A binder checks itself (chains, signatures, certificates), but a whole binder
restored from an older copy, or re-signed from end to end under a root of the
attacker's own, is consistent in itself. What gives it away is an export made
earlier and held by someone else: the verification bundle (``binder export``)
or the PDF report, which carries the same bundle as an attached file. Each
records the binder and incident it came from, the hash of every entry, the
journal head, the root certificate and the plan revision. Every later state
of an honest binder still holds all of that, unchanged, as a prefix.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from binder.core.errors import BadInput, UnsupportedFormat
from binder.core.storage.database import Binder
from binder.core.storage.depth import json_depth
from binder.core.storage.files import read_input_file
from binder.core.verify.cells import as_bytes
from binder.core.verify.findings import VerifyReport

BUNDLE_FORMAT = "incident-binder-bundle"
BUNDLE_VERSION = 1
#: A bundle of 100,000 entries is about 400 MiB; anything larger is not one of ours, and
#: reading it would cost memory for nothing.
MAX_EXPORT_BYTES = 1024 * 1024 * 1024
#: Bundles nest 4 levels (entries, their documents, data); leave room for rich data.
MAX_EXPORT_DEPTH = 64


@dataclass(frozen=True)
class ExportSeen:
    """What one earlier export recorded about one incident."""

    source: str  # "bundle" or "report": how messages name it
    path: str
    exported_at: str
    binder_uuid: str
    incident_uuid: str
    incident_title: str
    entry_count: int
    head_hash: str
    entry_hashes: tuple[str, ...]  # by position: entry 1 first
    cosign_hashes: tuple[tuple[int, str, str], ...]  # (entry seq, witness, sha256 of signed bytes)
    root_fingerprint: str
    certificate_fingerprints: tuple[tuple[str, str], ...]  # (person, fingerprint)
    plan_revision: tuple[int, str, int, str] | None  # (id, plan name, number, sha256)
    #: For a report: what each embedded signature showed (empty for a bundle, or an
    #: unsigned report, which ``signed_report`` tells apart).
    pdf_signatures: tuple[PdfSignatureSeen, ...] = ()
    signed_report: bool = False


@dataclass(frozen=True)
class PdfSignatureSeen:
    """One signature embedded in a report, as pyHanko's validation saw it."""

    field: str
    signer: str  # the certificate's common name
    fingerprint: str  # SHA-256 of the signer's certificate
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the signature over them is good
    revision: int  # the file revision it signs
    modified: str | None  # None, or what was changed after it, beyond more signatures


def _refuse(path: Path, why: str) -> BadInput:
    return BadInput(f"{path} {why}; give a bundle from `binder export` or a report from `binder report`")


def _read(path: Path) -> bytes:
    # A regular file only, never more than the limit: a named pipe or /dev/zero is
    # refused at once instead of read for ever.
    try:
        return read_input_file(path, what="bundle or report", limit=MAX_EXPORT_BYTES)
    except BadInput as exc:
        raise BadInput(f"{exc}; give a bundle from `binder export` or a report from "
                       "`binder report`") from None


def pdf_attachments(pdf: bytes, revision: int | None = None) -> dict[str, bytes]:
    """The embedded files of a PDF by name (how a reader gets the bundle back).

    With ``revision``, as they were in that revision of the file (what a
    signature over that revision covers), not as later updates left them.
    Raises :class:`BadInput` when the bytes are not a PDF that can be read.
    """
    # pyHanko is loaded only when a report is given, not for every `verify`.
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        root = reader.root if revision is None else reader.get_historical_resolver(revision).root
        # Subscripting resolves indirect references; .get() would not.
        if "/Names" not in root or "/EmbeddedFiles" not in root["/Names"]:
            return {}
        tree = root["/Names"]["/EmbeddedFiles"]
        array = tree["/Names"] if "/Names" in tree else []
        out: dict[str, bytes] = {}
        for i in range(0, len(array) - 1, 2):
            spec = array[i + 1].get_object()
            out[str(array[i])] = spec["/EF"]["/F"].get_object().data
        return out
    except (PdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadInput("the file is not a readable PDF report; choose the PDF that "
                       "`binder report` wrote") from exc


def pdf_signatures(pdf: bytes) -> tuple[PdfSignatureSeen, ...]:
    """Every signature embedded in a PDF, validated by pyHanko, with its difference analysis.

    The analysis compares each later revision of the file with the one the
    signature covers: more signatures, form fields filled or document
    timestamps are allowed (pyHanko's FORM_FILLING level); a changed page or a
    swapped attachment is not.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    seen = []
    for sig in reader.embedded_signatures:
        try:
            cert = sig.signer_cert
            der = cert.dump()
            signer = str(cert.subject.native.get("common_name", ""))
        except Exception:  # noqa: BLE001 - a damaged signature names nobody
            der, signer = b"", ""
        try:
            # Trust is judged against this binder's certificates by the caller; here only
            # integrity, the signature itself and what changed after it. No network.
            context = ValidationContext(trust_roots=[sig.signer_cert], allow_fetching=False)
            status = validate_pdf_signature(sig, context)
            info = status.modification_level
            diff = status.diff_result
            modified = None
            if diff is not None and not hasattr(diff, "modification_level"):
                modified = f"suspicious changes after signing ({diff})"
            elif info is not None and info > ModificationLevel.FORM_FILLING:
                modified = "its content or attachment was changed after signing"
            seen.append(PdfSignatureSeen(
                str(sig.field_name), signer, hashlib.sha256(der).hexdigest(),
                bool(status.intact), bool(status.valid), int(sig.signed_revision), modified))
        except Exception as exc:  # noqa: BLE001 - pyHanko refuses badly broken signatures
            seen.append(PdfSignatureSeen(str(getattr(sig, "field_name", "")), signer,
                                         hashlib.sha256(der).hexdigest(), False, False, -1,
                                         f"the signature cannot be checked ({type(exc).__name__})"))
    return tuple(seen)


def _bundle_in(files: dict[str, bytes]) -> bytes | None:
    for name in sorted(files, key=lambda n: (not n.endswith(".json"), n)):
        blob = files[name]
        if b'"' + BUNDLE_FORMAT.encode() + b'"' in blob[:4096]:
            return blob
    return None


def _bundle_from_pdf(path: Path, data: bytes) -> tuple[bytes, tuple[PdfSignatureSeen, ...]]:
    """The bundle a signed report's first signature covers, and what every signature showed.

    Only the revision a signature covers is trusted: an attachment swapped by an
    incremental update after signing is not the bundle that was signed (and the
    signatures' difference analysis reports the swap). An unsigned report's
    bundle is taken as the file holds it.
    """
    try:
        signatures = pdf_signatures(data)
        covered = [s.revision for s in signatures if s.revision >= 0]
        files = pdf_attachments(data, min(covered) if covered else None)
    except Exception:  # noqa: BLE001 - any parser failure means "not a readable report"
        raise _refuse(path, "is a PDF that cannot be read") from None
    blob = _bundle_in(files)
    if blob is None:
        raise _refuse(path, "is a PDF without an attached verification bundle")
    return blob, signatures


def load_export(path: str | os.PathLike[str]) -> ExportSeen:
    """Read a bundle (JSON) or a report (PDF with the bundle attached).

    Raises :class:`BadInput` for anything else, naming the file.
    """
    path = Path(path).expanduser()
    data = _read(path)
    source = "bundle"
    signatures: tuple[PdfSignatureSeen, ...] = ()
    if data.lstrip()[:5] == b"%PDF-":
        source = "report"
        data, signatures = _bundle_from_pdf(path, data)
    depth = json_depth(data)
    if depth > MAX_EXPORT_DEPTH:
        raise _refuse(path, f"nests {depth} levels deep, which no bundle does")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _refuse(path, "is neither a verification bundle (JSON) nor a PDF report") from None
    if not isinstance(doc, dict) or doc.get("format") != BUNDLE_FORMAT:
        raise _refuse(path, "is JSON but not a verification bundle")
    version = doc.get("version")
    if not isinstance(version, int) or version > BUNDLE_VERSION:
        raise UnsupportedFormat(
            f"{path} is a bundle of format version {version!r}; this version reads up to "
            f"{BUNDLE_VERSION} (a newer Incident Binder wrote it)"
        )
    try:
        seen = _parse(doc, source, str(path))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _refuse(path, "is a damaged verification bundle (fields missing or malformed)") from None
    if source == "report":
        seen = replace(seen, pdf_signatures=signatures, signed_report=bool(signatures))
    return seen


def _signed_hash(b64: str) -> str:
    return hashlib.sha256(base64.b64decode(b64, validate=True)).hexdigest()


def _parse(doc: dict[str, Any], source: str, path: str) -> ExportSeen:
    entries = sorted(doc["entries"], key=lambda e: int(e["seq"]))
    # The hash of the signed bytes themselves, not the "hash" field next to them:
    # the bytes are what the author signed.
    hashes = tuple(_signed_hash(e["canonical"]) for e in entries)
    count = int(doc["entry_count"])
    head = str(doc["head_hash"])
    if count != len(hashes) or (hashes and head != hashes[-1]):
        raise ValueError("entry count or head does not match the entries")
    seq_by_id = {int(e["id"]): int(e["seq"]) for e in entries}
    cosigns = tuple(
        (int(c.get("entry_seq") or seq_by_id.get(int(c["entry_id"]), 0)),
         str((c.get("document") or {}).get("witness", "")), _signed_hash(c["canonical"]))
        for c in doc.get("cosigns", [])
    )
    plan = doc.get("plan_revision")
    plan_revision = None
    if plan:
        plan_revision = (int(plan["id"]), str(plan["plan"]), int(plan["number"]), str(plan["sha256"]))
    return ExportSeen(
        source=source,
        path=path,
        exported_at=str(doc.get("exported_at", "")),
        binder_uuid=str(doc["binder"]["uuid"]),
        incident_uuid=str(doc["incident"]["uuid"]),
        incident_title=str(doc["incident"].get("title", "")),
        entry_count=count,
        head_hash=head,
        entry_hashes=hashes,
        cosign_hashes=cosigns,
        root_fingerprint=str(doc["root_certificate"]["fingerprint"]),
        certificate_fingerprints=tuple(
            (str(c.get("person", "")), str(c["fingerprint"])) for c in doc.get("certificates", [])
        ),
        plan_revision=plan_revision,
    )


def _raw(value: object) -> bytes:
    # Signed bytes are BLOBs; an edit with sqlite3's text functions leaves TEXT behind.
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")


def compare_with_export(binder: Binder, seen: ExportSeen, report: VerifyReport) -> int | None:
    """Add a problem to ``report`` for every way the binder departs from ``seen``.

    Returns the binder's id of the incident the export describes (None when
    it is not in this binder). The binder passes when it still holds, unchanged
    and in order, every entry and co-signature the export saw, under the same
    root certificate and plan revision; entries added since are fine.
    """
    what = f"the {seen.source}"
    conn = binder.conn
    _check_report_signatures(binder, seen, report)
    if seen.binder_uuid != binder.uuid:
        report.add(None, None, "other_binder",
                   f"{what} {seen.path} was exported from another binder (id {seen.binder_uuid}), "
                   f"not this one (id {binder.uuid}); this file was replaced, or the wrong {seen.source} was given")
    row = conn.execute("SELECT id FROM incident WHERE uuid = ?", (seen.incident_uuid,)).fetchone()
    if row is None:
        report.add(None, None, "incident_gone",
                   f"{what} describes incident {seen.incident_title!r} (uuid {seen.incident_uuid}), "
                   "which is not in this binder (rolled back to before it was opened, or deleted)")
        _compare_root(binder, seen, report, None)
        return None
    iid = int(row[0])
    here = [
        (seq, hashlib.sha256(_raw(canonical)).hexdigest())
        for seq, canonical in conn.execute(
            "SELECT seq, canonical FROM entry WHERE incident_id = ? ORDER BY seq, id", (iid,)
        )
    ]
    count = len(here)
    if count < seen.entry_count:
        report.add(iid, None, "rolled_back",
                   f"rolled back: {what} saw {seen.entry_count} entries ending in {seen.head_hash}, "
                   f"this binder has {count}")
    # Entries up to here are the ones the export saw, unchanged; past it, the
    # problems above already say everything is different or gone.
    same_until = min(count, seen.entry_count)
    for position, (then, (seq, now)) in enumerate(zip(seen.entry_hashes, here, strict=False), start=1):
        if then != now:
            report.add(iid, seq, "history_rewritten",
                       f"differs from entry {position} as {what} saw it (hash {then[:16]}... there, "
                       f"{now[:16]}... here): history was rewritten after the export")
            same_until = position - 1
            break
    _compare_cosigns(binder, seen, report, iid, same_until)
    _compare_root(binder, seen, report, iid)
    _compare_plan(binder, seen, report, iid)
    if count >= seen.entry_count:
        report.notes.append(
            f"incident {iid}: compared with {what} {seen.path} (exported {seen.exported_at}): "
            f"it saw {seen.entry_count} entries ending in {seen.head_hash[:16]}..., "
            f"this binder has {count}"
        )
    return iid


def _check_report_signatures(binder: Binder, seen: ExportSeen, report: VerifyReport) -> None:
    """A report is trusted only as far as this binder's signatures cover it, unchanged."""
    if seen.source != "report":
        return
    if not seen.signed_report:
        report.notes.append(
            f"the report {seen.path} is not signed: its attached bundle is only as trustworthy as "
            "the file itself (sign reports with `binder report --sign`)")
        return
    known = {fp for (fp,) in binder.conn.execute("SELECT fingerprint FROM certificate")}
    for sig in seen.pdf_signatures:
        who = sig.signer or sig.field or "a signer"
        if not (sig.intact and sig.valid):
            report.add(None, None, "report_modified",
                       f"the report {seen.path}: the signature of {who} no longer matches the "
                       "file (the signed bytes were changed)")
        if sig.modified:
            report.add(None, None, "report_modified",
                       f"the report {seen.path} was changed after {who} signed it: {sig.modified}")
        if sig.fingerprint not in known:
            report.add(None, None, "report_signer_unknown",
                       f"the report {seen.path} carries a signature by {who} whose certificate is "
                       "not one of this binder's")


def _compare_cosigns(
    binder: Binder, seen: ExportSeen, report: VerifyReport, iid: int, same_until: int
) -> None:
    present = {
        hashlib.sha256(_raw(canonical)).hexdigest()
        for (canonical,) in binder.conn.execute(
            "SELECT c.canonical FROM cosign c JOIN entry e ON e.id = c.entry_id WHERE e.incident_id = ?",
            (iid,),
        )
    }
    for seq, witness, digest in seen.cosign_hashes:
        if seq <= same_until and digest not in present:
            report.add(iid, seq or None, "cosign_gone",
                       f"the co-signature by {witness or 'a witness'} that the {seen.source} saw is gone")


def _compare_root(binder: Binder, seen: ExportSeen, report: VerifyReport, iid: int | None) -> None:
    row = binder.conn.execute("SELECT cert_der FROM root WHERE id = 1").fetchone()
    here = hashlib.sha256(as_bytes(row[0]) or b"").hexdigest() if row else None
    if here != seen.root_fingerprint:
        report.add(iid, None, "root_changed",
                   f"the root certificate is not the one the {seen.source} saw (fingerprint "
                   f"{seen.root_fingerprint[:16]}... there, {(here or 'none')[:16]}... here): "
                   "every signature may have been re-made under another root")
    known = {fp for (fp,) in binder.conn.execute("SELECT fingerprint FROM certificate")}
    for person, fp in seen.certificate_fingerprints:
        if fp not in known:
            report.add(iid, None, "certificate_gone",
                       f"the certificate of {person or 'a signer'} that the {seen.source} saw "
                       f"({fp[:16]}...) is no longer in this binder")


def _compare_plan(binder: Binder, seen: ExportSeen, report: VerifyReport, iid: int) -> None:
    if seen.plan_revision is None:
        return
    rev_id, name, number, digest = seen.plan_revision
    row = binder.conn.execute("SELECT sha256, content FROM plan_revision WHERE id = ?", (rev_id,)).fetchone()
    if row is None:
        report.add(iid, None, "plan_revision_changed",
                   f"plan {name!r} revision {number}, which the {seen.source} cites, is gone")
        return
    content = as_bytes(row[1]) or b""
    if hashlib.sha256(content).hexdigest() != digest:
        report.add(iid, None, "plan_revision_changed",
                   f"plan {name!r} revision {number} is not the text the {seen.source} cites "
                   "(its SHA-256 differs): the plan was edited after the export")
