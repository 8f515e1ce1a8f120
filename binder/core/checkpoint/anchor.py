"""Trusted time: RFC 3161 timestamps for checkpoints and signed reports, when online.

Every time in the binder is the clock of the laptop that wrote it. An RFC 3161
timestamp authority (TSA) signs "this digest existed at time T" with its own
clock and key. When the laptop is back online, `binder anchor` (and the app)
sends each checkpoint that has no token yet to every authority in the
binder's settings, keeps each token with the certificates the authority sent,
and adds a PAdES document timestamp to each signed report queued for it.
Nothing here blocks the work: without a network the checkpoints and reports
simply stay *pending*, and the next attempt picks them up.

What is timestamped for a checkpoint is the SHA-256 of its whole note text
(body and signature lines) as stored and printed, so anyone can check the
token with ``openssl ts -verify -data checkpoint.txt -in token.tsr``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from binder.core.checkpoint.store import StoredCheckpoint, list_checkpoints
from binder.core.errors import BadInput
from binder.core.storage.database import Binder, utc_now
from binder.core.storage.files import MAX_REPORT_BYTES, atomic_write_bytes, read_input_file

TSA_SETTING = "anchor.tsa_urls"
MAX_TSAS = 8
DEFAULT_TIMEOUT = 10.0  # seconds per request: long enough for a slow authority, short offline


@dataclass(frozen=True)
class Token:
    """A stored timestamp token of one checkpoint."""

    id: int
    checkpoint_id: int
    tsa_url: str
    obtained_at: str
    gen_time: str  # the authority's time, ISO 8601 UTC
    token: bytes  # DER ContentInfo (SignedData with TSTInfo)
    chain: str  # PEM certificates the authority sent with it


@dataclass
class AnchorResult:
    """What one round of anchoring did."""

    anchored: list[tuple[StoredCheckpoint, str, str]] = field(default_factory=list)  # (cp, url, time)
    reports: list[tuple[str, str, str]] = field(default_factory=list)  # (path, url, time)
    pending_checkpoints: list[StoredCheckpoint] = field(default_factory=list)
    pending_reports: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # one line per authority or file that failed

    @property
    def nothing_to_do(self) -> bool:
        """True when there was nothing pending at all."""
        return not (self.anchored or self.reports or self.pending_checkpoints
                    or self.pending_reports or self.failures)


# --------------------------------------------------------------------------- settings


def _check_url(url: str) -> str:
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"{url!r} is not a timestamp authority address; give an http:// or "
                       "https:// URL, e.g. http://timestamp.example.com/tsa")
    if any(ch.isspace() for ch in text) or len(text) > 500:
        raise BadInput(f"{url!r} is not a usable URL (spaces, or far too long)")
    return text


def tsa_urls(binder: Binder) -> list[str]:
    """The timestamp authorities set for this binder, in the order they are asked."""
    row = binder.conn.execute("SELECT value FROM setting WHERE key = ?", (TSA_SETTING,)).fetchone()
    if not row:
        return []
    out = []
    for line in str(row[0]).splitlines():
        try:
            out.append(_check_url(line))
        except BadInput:
            continue  # an edited setting is ignored line by line, never a crash
    return out


def set_tsa_urls(binder: Binder, urls: list[str]) -> list[str]:
    """Replace the list of timestamp authorities (empty list: none)."""
    clean: list[str] = []
    for url in urls:
        checked = _check_url(url)
        if checked not in clean:
            clean.append(checked)
    if len(clean) > MAX_TSAS:
        raise BadInput(f"at most {MAX_TSAS} timestamp authorities; each one is asked every time")
    with binder.write() as db:
        if clean:
            db.execute("INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) "
                       "DO UPDATE SET value = excluded.value", (TSA_SETTING, "\n".join(clean)))
        else:
            db.execute("DELETE FROM setting WHERE key = ?", (TSA_SETTING,))
    return clean


# --------------------------------------------------------------------------- tokens


def note_digest(note: str) -> bytes:
    """What a checkpoint's token timestamps: SHA-256 of its note text as printed."""
    return hashlib.sha256(note.encode("utf-8")).digest()


_TOKEN_COLUMNS = "id, checkpoint_id, tsa_url, obtained_at, gen_time, token, chain"


def tokens_for(binder: Binder, checkpoint_id: int) -> list[Token]:
    """The tokens stored for one checkpoint, oldest first."""
    return [Token(*r) for r in binder.conn.execute(
        f"SELECT {_TOKEN_COLUMNS} FROM timestamp_token WHERE checkpoint_id = ? ORDER BY id",
        (checkpoint_id,))]


def all_tokens(binder: Binder) -> list[Token]:
    """Every stored token, oldest first."""
    return [Token(*r) for r in binder.conn.execute(
        f"SELECT {_TOKEN_COLUMNS} FROM timestamp_token ORDER BY id")]


def checkpoint_status(binder: Binder, checkpoint: StoredCheckpoint) -> str:
    """"anchored ..." with the authority's time, or "pending ..." in words."""
    tokens = tokens_for(binder, checkpoint.id)
    if tokens:
        first = tokens[0]
        return (f"anchored: {urlsplit(first.tsa_url).hostname} certified it existed at "
                f"{first.gen_time[:19]}Z (RFC 3161)")
    return ("pending: not yet anchored by a timestamp authority; its time is the maker's "
            "computer clock")


def pending_checkpoints(binder: Binder) -> list[StoredCheckpoint]:
    """Checkpoints without any token yet."""
    have = {cid for (cid,) in binder.conn.execute("SELECT DISTINCT checkpoint_id FROM timestamp_token")}
    return [c for c in list_checkpoints(binder) if c.id not in have]


def _timestamper(url: str, timeout: float):
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=int(max(1, round(timeout))))


def request_token(url: str, digest: bytes, timeout: float = DEFAULT_TIMEOUT) -> tuple[bytes, str, str]:
    """Ask the authority at ``url`` to timestamp ``digest``: (token DER, chain PEM, its time).

    Raises :class:`OSError` (network, refusal or an answer that does not hold)
    with a one-line reason; the token is checked before it is returned.
    """
    from asn1crypto import pem
    from pyhanko.sign.timestamps import TimestampRequestError

    stamper = _timestamper(url, timeout)
    try:
        token = asyncio.run(stamper.async_timestamp(digest, "sha256"))
    except TimestampRequestError as exc:
        cause = exc.__cause__
        if isinstance(cause, (OSError, TimeoutError)):  # aiohttp's connection errors are OSErrors
            raise OSError(f"{url}: unreachable ({_why(cause)})") from None
        raise OSError(f"{url}: the authority refused or answered wrongly ({exc})") from None
    except (TimeoutError, OSError) as exc:
        raise OSError(f"{url}: unreachable ({_why(exc)})") from None
    except Exception as exc:  # noqa: BLE001 - aiohttp's own errors, a malformed answer
        raise OSError(f"{url}: no usable answer ({type(exc).__name__})") from None
    der = token.dump()
    problem = check_token(der, digest)
    if problem:
        raise OSError(f"{url}: the token it sent does not hold ({problem})")
    certs = token["content"]["certificates"] or []
    chain = "".join(pem.armor("CERTIFICATE", c.chosen.dump()).decode("ascii") for c in certs)
    return der, chain, token_time(der)


def _why(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def token_time(der: bytes) -> str:
    """The authority's time in a token, ISO 8601 UTC with microseconds."""
    from asn1crypto import cms

    info = cms.ContentInfo.load(der)["content"]["encap_content_info"]["content"].parsed
    moment = info["gen_time"].native
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def check_token(der: bytes, digest: bytes) -> str | None:
    """None when the token is intact, signed by the certificate inside it and for ``digest``.

    Whether the authority itself is trustworthy is a judgement on its
    certificate (printed with the token), not something a binder can decide.
    """
    from asn1crypto import cms
    from pyhanko.sign.general import extract_certificate_info
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko_certvalidator import ValidationContext

    try:
        info = cms.ContentInfo.load(der)
        signed = info["content"]
        certs = extract_certificate_info(signed)
        roots = list(certs.other_certs) + ([certs.signer_cert] if certs.signer_cert else [])
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = asyncio.run(validate_tst_signed_data(signed, context, lambda _alg: digest))
    except Exception as exc:  # noqa: BLE001 - any parse failure means "not a usable token"
        return f"unreadable token ({type(exc).__name__})"
    if not status.get("intact"):
        return "it timestamps different content"
    if not status.get("valid"):
        return "its signature is invalid"
    return None


# --------------------------------------------------------------------------- reports


def queue_report(binder: Binder, path: str | os.PathLike[str], incident_id: int | None,
                 pdf: bytes | None = None) -> None:
    """Remember a signed report for a document timestamp at the next `binder anchor`.

    ``pdf`` is the report as just written (else it is read back from ``path``).
    """
    target = Path(path).expanduser().resolve()
    if pdf is None:
        pdf = read_input_file(target, what="signed report", limit=MAX_REPORT_BYTES)
    digest = hashlib.sha256(pdf).hexdigest()
    with binder.write() as db:
        db.execute("DELETE FROM report_anchor WHERE path = ? AND status != 'anchored'", (str(target),))
        db.execute(
            "INSERT INTO report_anchor (path, sha256, incident_id, queued_at, status) "
            "VALUES (?, ?, ?, ?, 'pending')", (str(target), digest, incident_id, utc_now()))


def report_status(binder: Binder, path: str | os.PathLike[str]) -> str | None:
    """'pending', 'anchored', 'changed' or 'missing' for a queued report, else None."""
    row = binder.conn.execute(
        "SELECT status FROM report_anchor WHERE path = ? ORDER BY id DESC LIMIT 1",
        (str(Path(path).expanduser().resolve()),)).fetchone()
    return row[0] if row else None


def _timestamp_pdf(pdf: bytes, url: str, timeout: float) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = PdfTimeStamper(_timestamper(url, timeout)).timestamp_pdf(writer, "sha256")
    return out.getvalue()


def _anchor_reports(binder: Binder, urls: list[str], timeout: float, result: AnchorResult) -> None:
    rows = binder.conn.execute(
        "SELECT id, path, sha256 FROM report_anchor WHERE status = 'pending' ORDER BY id").fetchall()
    for row_id, path, digest in rows:
        target = Path(path)
        try:
            # Bounded, and a FIFO or device put in the report's place is refused unread.
            pdf = read_input_file(target, what="signed report", limit=MAX_REPORT_BYTES)
        except BadInput as exc:
            result.pending_reports.append(path)
            result.failures.append(f"{exc}; it stays pending until the report is back")
            continue
        if hashlib.sha256(pdf).hexdigest() != digest:
            _set_report(binder, row_id, "changed", None, None, digest)
            result.failures.append(f"{path}: changed since it was signed; not timestamped")
            continue
        for url in urls:
            try:
                stamped = _timestamp_pdf(pdf, url, timeout)
            except Exception as exc:  # noqa: BLE001 - network or authority failure: try the next
                result.failures.append(f"{path}: {url}: {type(exc).__name__}")
                continue
            atomic_write_bytes(target, stamped)
            when = utc_now()
            _set_report(binder, row_id, "anchored", url, when, hashlib.sha256(stamped).hexdigest())
            result.reports.append((path, url, when))
            break
        else:
            result.pending_reports.append(path)


def _set_report(binder: Binder, row_id: int, status: str, url: str | None, when: str | None,
                digest: str) -> None:
    with binder.write() as db:
        db.execute("UPDATE report_anchor SET status = ?, tsa_url = ?, anchored_at = ?, sha256 = ? "
                   "WHERE id = ?", (status, url, when, digest, row_id))


# --------------------------------------------------------------------------- a round


def anchor(binder: Binder, *, timeout: float = DEFAULT_TIMEOUT) -> AnchorResult:
    """Send every pending checkpoint to every authority set; timestamp queued reports.

    Never raises for a network problem: what could not be done stays pending
    and is listed in ``failures``. Raises :class:`BadInput` when no authority
    is set.
    """
    urls = tsa_urls(binder)
    if not urls:
        raise BadInput("no timestamp authority is set; add one with `binder anchor --tsa URL` "
                       "(or in the app's settings)")
    result = AnchorResult()
    down: set[str] = set()
    for cp in pending_checkpoints(binder):
        digest = note_digest(cp.note)
        got = False
        for url in urls:
            if url in down:
                continue
            try:
                der, chain, when = request_token(url, digest, timeout)
            except OSError as exc:
                down.add(url)  # one failure per authority and round: offline is offline
                result.failures.append(str(exc))
                continue
            with binder.write() as db:
                db.execute(
                    "INSERT INTO timestamp_token (checkpoint_id, tsa_url, obtained_at, gen_time, "
                    "token, chain) VALUES (?,?,?,?,?,?)", (cp.id, url, utc_now(), when, der, chain))
            result.anchored.append((cp, url, when))
            got = True
        if not got:
            result.pending_checkpoints.append(cp)
    live = [u for u in urls if u not in down]
    if live:
        _anchor_reports(binder, live, timeout, result)
    else:
        result.pending_reports.extend(
            p for (p,) in binder.conn.execute("SELECT path FROM report_anchor WHERE status = 'pending'"))
    return result
