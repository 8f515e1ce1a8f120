"""Embedded PDF signatures (PAdES baseline B) with pyHanko, from in-memory keys.

A report gets all its signature fields (and its attachments) in one
incremental update before anyone signs, because adding a field after a
signature would be a change that readers flag. Each signature is then a
further incremental update, so earlier signatures stay valid. The binder's
root certificate travels inside every signature so a reader can build the
chain; the root is private to the binder, so readers call the signer
"not trusted" unless someone imports that root -- the fingerprints in the
report are what people compare out of band.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import embed
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from binder.core.crypto.signers import SigningSession, format_fingerprint
from binder.core.errors import BadInput

#: Sign-off roles in the order their fields appear on the sign-off page.
ROLES: tuple[tuple[str, str, str], ...] = (
    ("lead", "Lead", "Incident lead"),
    ("witness", "Witness", "Witness"),
    ("legal", "Legal", "Legal"),
    ("management", "Management", "Management"),
)
FIELD_FOR_ROLE = {role: field for role, field, _ in ROLES}
LABEL_FOR_ROLE = {role: label for role, _, label in ROLES}


@dataclass(frozen=True)
class SignatureSlot:
    """Where a signature field sits: 0-based page index and a box in points."""

    field: str
    page: int
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class Attachment:
    """A file carried inside the PDF (the verification bundle)."""

    name: str
    data: bytes
    mime: str = "application/octet-stream"
    description: str = ""


@dataclass(frozen=True)
class FieldState:
    """A signature field and whether it holds a signature."""

    name: str
    signed: bool


def _reader_error(what: str) -> BadInput:
    return BadInput(f"{what} is not a readable PDF report; choose the PDF that `binder report` wrote")


def prepare(pdf: bytes, slots: Iterable[SignatureSlot], attachments: Iterable[Attachment] = ()) -> bytes:
    """Add attachments and empty signature fields in one incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for item in attachments:
        stream = embed.EmbeddedFileObject.from_file_data(writer, data=item.data,
                                                         mime_type=item.mime)
        embed.embed_file(writer, embed.FileSpec(
            file_spec_string=item.name, file_name=item.name, embedded_data=stream,
            description=item.description or None,
        ))
    for slot in slots:
        x1, y1, x2, y2 = slot.box
        fields.append_signature_field(writer, fields.SigFieldSpec(
            slot.field, on_page=slot.page,
            box=(round(x1), round(y1), round(x2), round(y2)),
        ))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _ascii(text: str) -> str:
    # The stamp uses a standard PDF font (WinAnsi); fold what it cannot show.
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return folded.strip() or "?"


def _pyhanko_signer(session: SigningSession, root_der: bytes) -> signers.SimpleSigner:
    key_der = session.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    root = asn1_x509.Certificate.load(root_der)
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(session.signer.cert_der),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([root]),
        embed_roots=True,
    )


def signature_fields(pdf: bytes) -> list[FieldState]:
    """The signature fields of a PDF, in document order."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        return [FieldState(name, value is not None)
                for name, value, _ in fields.enumerate_sig_fields(reader)]
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise _reader_error("the file") from exc


def sign(pdf: bytes, session: SigningSession, root_der: bytes, *, field: str, role_label: str,
         reason: str, location: str = "") -> bytes:
    """Sign the empty field ``field`` as ``session``'s person; returns the new PDF bytes."""
    state = {f.name: f.signed for f in signature_fields(pdf)}
    if field not in state:
        raise BadInput(f"the PDF has no {role_label.lower()} signature field; "
                       "sign a report written by `binder report`")
    if state[field]:
        raise BadInput(f"the {role_label.lower()} signature of this report is already there; "
                       "each sign-off place is signed once")
    signer = session.signer
    meta = signers.PdfSignatureMetadata(
        field_name=field, subfilter=fields.SigSeedSubFilter.PADES, reason=reason,
        location=location or None, name=signer.display_name,
        md_algorithm="sha256",
    )
    stamp = TextStampStyle(
        stamp_text=(f"{_ascii(role_label)}: %(who)s\nSigned %(ts)s\nCert %(fp)s"),
        border_width=1,
    )
    pdf_signer = signers.PdfSigner(meta, _pyhanko_signer(session, root_der), stamp_style=stamp)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    try:
        out = pdf_signer.sign_pdf(
            writer, existing_fields_only=True,
            appearance_text_params={
                "who": _ascii(signer.display_name),
                "fp": format_fingerprint(signer.fingerprint)[:19],
            },
        )
    except PdfError as exc:
        raise _reader_error("the file") from exc
    return out.getvalue()


def sign_role(pdf: bytes, session: SigningSession, root_der: bytes, role: str, *,
              reason: str | None = None) -> bytes:
    """Sign the sign-off field for ``role`` (lead, witness, legal, management)."""
    if role not in FIELD_FOR_ROLE:
        raise BadInput(f"unknown sign-off role {role!r}; use one of {', '.join(FIELD_FOR_ROLE)}")
    label = LABEL_FOR_ROLE[role]
    return sign(pdf, session, root_der, field=FIELD_FOR_ROLE[role], role_label=label,
                reason=reason or f"{label} sign-off of the incident report")
