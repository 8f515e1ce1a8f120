"""The checkpoint as short text: a signed note in the manner of C2SP signed-note.

A checkpoint is a few lines of UTF-8 text, each ending in a newline::

    incident-binder/9b1c4e0e-3f7a-4d8e-9d52-0c3f6f1b2a77      origin: which binder
    1207                                                     tree size: records covered
    Xq3J0c0c4m8mV0z4w8o5H2y7S1k3b2n9Qf1t6u0r8yE=             root hash (base64)
    checkpoint-format 1                                      version of this body
    time 2026-11-29T14:05:07Z                                the maker's clock (UTC)

    — 3f2a...64 hex... MEUCIQ...                              maker's signature
    — 81c0...64 hex... MEYCIQ...                              witness's signature

Everything up to the blank line is the **body**, signed byte for byte. Each
signature line is an em dash, a space, the SHA-256 fingerprint of the signing
certificate (the key's name), a space and base64 of the first four bytes of
that fingerprint (the key hint) followed by the DER ECDSA P-256 / SHA-256
signature over the body. Unlike Go's note keys, ours are the binder's X.509
signer certificates, so the same fingerprints people compare on reports name
them here.

Reading is forgiving of how people copy text from paper (CR/LF, trailing
spaces, a missing final newline, ``--`` typed for the em dash, a root without
its ``=`` padding) and strict about everything that is signed: the body is
rebuilt from the parsed values, so a signature only verifies when the values
are exactly the ones signed.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from cryptography import x509

from binder.core.crypto.signers import SigningSession, verify_signature
from binder.core.errors import BadInput, UnsupportedFormat

ORIGIN_PREFIX = "incident-binder/"
FORMAT_LINE = "checkpoint-format"
FORMAT_VERSION = 1
DASH = "\u2014"
MAX_NOTE_BYTES = 16 * 1024  # a checkpoint is a few hundred bytes; refuse anything huge
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: who (certificate fingerprint) and the DER signature."""

    fingerprint: str
    signature: bytes

    def line(self) -> str:
        """The signature line as written in the note."""
        blob = bytes.fromhex(self.fingerprint)[:4] + self.signature
        return f"{DASH} {self.fingerprint} {base64.b64encode(blob).decode('ascii')}"


@dataclass(frozen=True)
class Checkpoint:
    """A parsed or freshly made checkpoint note."""

    binder_uuid: str
    size: int
    root: bytes
    time: str | None
    signatures: tuple[NoteSignature, ...] = ()
    #: False when the text read had no time line (typed from paper without it):
    #: then the body cannot be rebuilt exactly and signatures cannot be checked.
    complete: bool = True

    @property
    def origin(self) -> str:
        """The first line: which binder this checkpoint is of."""
        return ORIGIN_PREFIX + self.binder_uuid

    @property
    def root_b64(self) -> str:
        """The root hash as it is written (base64)."""
        return base64.b64encode(self.root).decode("ascii")

    @property
    def body(self) -> bytes:
        """The exact signed bytes."""
        lines = [self.origin, str(self.size), self.root_b64, f"{FORMAT_LINE} {FORMAT_VERSION}"]
        if self.time is not None:
            lines.append(f"time {self.time}")
        return ("\n".join(lines) + "\n").encode("utf-8")

    def text(self) -> str:
        """The whole note: body, blank line, one line per signature."""
        note = self.body.decode("utf-8")
        if self.signatures:
            note += "\n" + "".join(s.line() + "\n" for s in self.signatures)
        return note

    def with_signature(self, signature: NoteSignature) -> Checkpoint:
        """The same checkpoint with one more signature line."""
        return Checkpoint(self.binder_uuid, self.size, self.root, self.time,
                          (*self.signatures, signature), self.complete)


def make_body(binder_uuid: str, size: int, root: bytes, time: str) -> Checkpoint:
    """An unsigned checkpoint; ``time`` is ISO 8601 UTC (cut to whole seconds)."""
    return Checkpoint(binder_uuid, size, root, time[:19] + "Z")


def sign_note(checkpoint: Checkpoint, session: SigningSession) -> Checkpoint:
    """Add ``session``'s signature over the body."""
    sig = NoteSignature(session.signer.fingerprint, session.sign(checkpoint.body))
    return checkpoint.with_signature(sig)


def signature_valid(checkpoint: Checkpoint, sig: NoteSignature, cert: x509.Certificate) -> bool:
    """True when ``sig`` is ``cert``'s valid signature over the checkpoint's body."""
    return checkpoint.complete and verify_signature(cert, checkpoint.body, sig.signature)


def _bad(what: str) -> BadInput:
    return BadInput(f"not a checkpoint: {what}")


def _normal_lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _is_signature_line(line: str) -> bool:
    return line.startswith((DASH + " ", "-- ", "- ", "\u2013 "))


def _parse_root(value: str) -> bytes:
    text = "".join(value.split())
    text += "=" * (-len(text) % 4)
    try:
        root = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _bad("the third line is not a base64 root hash") from None
    if len(root) != 32:
        raise _bad("the root hash is not 32 bytes (SHA-256)")
    return root


def _parse_signature(line: str) -> NoteSignature:
    parts = line.split()
    if len(parts) != 3:
        raise _bad(f"signature line {line[:40]!r}... is not '— FINGERPRINT SIGNATURE'")
    name, blob = parts[1].lower(), parts[2]
    if not _HEX64.match(name):
        raise _bad("a signature line does not name a certificate fingerprint (64 hex digits)")
    try:
        raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise _bad("a signature line's signature is not base64") from None
    if len(raw) < 12 or raw[:4] != bytes.fromhex(name)[:4]:
        raise _bad("a signature line's key hint does not match its fingerprint (mistyped?)")
    return NoteSignature(name, raw[4:])


def parse_note(data: bytes | str) -> Checkpoint:
    """Read a checkpoint from text (a file, or typed from the paper copy).

    Raises :class:`BadInput` naming what is wrong, :class:`UnsupportedFormat`
    for a newer format version.
    """
    if isinstance(data, bytes):
        if len(data) > MAX_NOTE_BYTES:
            raise _bad("the text is far longer than a checkpoint")
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _bad("the text is not UTF-8") from None
    elif len(data) > MAX_NOTE_BYTES:
        raise _bad("the text is far longer than a checkpoint")
    lines = _normal_lines(data)
    if not lines or not lines[0].startswith(ORIGIN_PREFIX):
        raise _bad(f"the first line must be {ORIGIN_PREFIX}<binder id>")
    body: list[str] = []
    sig_lines: list[str] = []
    for line in lines:
        if sig_lines or _is_signature_line(line):
            if line:
                sig_lines.append(line)
        elif line:
            body.append(line.strip())
    uuid = body[0][len(ORIGIN_PREFIX):].strip().lower()
    if not _UUID.match(uuid):
        raise _bad("the first line does not end in a binder id (a UUID)")
    if len(body) < 3:
        raise _bad("it needs at least three lines: origin, number of records, root hash")
    if not body[1].isascii() or not body[1].isdigit():
        raise _bad("the second line must be the number of records")
    size = int(body[1])
    root = _parse_root(body[2])
    time: str | None = None
    version: int | None = None
    for line in body[3:]:
        key, _, value = line.partition(" ")
        if key == FORMAT_LINE:
            if not value.strip().isdigit():
                raise _bad(f"the line {line!r} must give a version number")
            version = int(value.strip())
        elif key == "time":
            if not _TIME.match(value.strip()):
                raise _bad("the time line must read 'time YYYY-MM-DDTHH:MM:SSZ'")
            time = value.strip()
        else:
            raise _bad(f"unknown line {line[:40]!r} in the body")
    if version is not None and version > FORMAT_VERSION:
        raise UnsupportedFormat(
            f"this checkpoint is of format {version}; this version reads up to "
            f"{FORMAT_VERSION} (a newer Incident Binder wrote it)"
        )
    signatures = tuple(_parse_signature(line) for line in sig_lines)
    return Checkpoint(uuid, size, root, time, signatures, complete=time is not None)
