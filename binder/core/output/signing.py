"""Embedded PDF signatures (PAdES baseline B) with pyHanko, from in-memory keys.

A report gets all its signature fields (and its attachments) in one
incremental update before anyone signs, because adding a field after a
signature would be a change that readers flag. Each signature is then a
further incremental update, so earlier signatures stay valid. The binder's
root certificate travels inside every signature so a reader can build the
chain; the root is private to the binder, so readers call the signer
"not trusted" unless someone imports that root -- the fingerprints in the
report are what people compare out of band.

The visible stamp is a small page drawn by our reportlab layer (the same fonts
and script handling as the report: DejaVu, the CJK fallback switched per
character run, right-to-left text in reading order), placed by pyHanko's
static stamp style. pyHanko's own text stamp takes one OpenType font
(``pyhanko[opentype]``), and no one free font covers Latin, Greek, Cyrillic,
Arabic, Hebrew and CJK; its standard-font stamp (WinAnsi) showed "ukasz
Wroblewski" for Łukasz Wróblewski and "?" for 山田 太郎.
"""

from __future__ import annotations

import binascii
import datetime as dt
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import embed, layout
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.stamp import StaticStampStyle
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
#: What each sign-off means (21 CFR 11.50 (a)(3)): the lead answers for the report as
#: its author, the witness attests it, legal reviews it, management approves it.
MEANING_FOR_ROLE = {"lead": "author", "witness": "witness", "legal": "review",
                    "management": "approval"}


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


class _PageInMemory(PdfContent):
    """The first page of a PDF held in memory, as a form XObject (pyHanko's
    ImportedPdfPage reads a file; the stamp never touches the disk)."""

    def __init__(self, data: bytes):
        super().__init__()
        self.data = data

    def render(self) -> bytes:
        xobj = self._ensure_writer.import_page_as_xobject(PdfFileReader(io.BytesIO(self.data)),
                                                          page_ix=0)
        name = "/Stamp" + binascii.hexlify(uuid.uuid4().bytes).decode("ascii")
        self.resources.xobject[name] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = layout.BoxConstraints(width=abs(x2 - x1), height=abs(y2 - y1))
        return name.encode("ascii") + b" Do"


@dataclass(frozen=True)
class StampText:
    """What a visible signature says: who (from the certificate), as what, and when."""

    place: str          # the sign-off place: "Incident lead"
    name: str           # the certificate's full name
    role: str           # the certificate's role
    meaning: str        # what the signature means: author, witness, review, approval
    signed_at: str      # ISO 8601 UTC
    fingerprint: str

    def lines(self) -> list[tuple[str, bool]]:
        """(text, bold) per line, top to bottom: 21 CFR 11.50's printed name, date and
        time, and meaning, then the certificate to compare."""
        role = f" · {self.role}" if self.role else ""
        return [(f"{self.name}{role}", True),
                (f"Meaning: {self.meaning} ({self.place.lower()} sign-off)", False),
                (f"Signed {self.signed_at[:16].replace('T', ' ')} UTC", False),
                (f"Cert {format_fingerprint(self.fingerprint)[:39]}", False)]


def stamp_page(text: StampText, width: float, height: float) -> bytes:
    """The stamp as a one-page PDF of ``width`` x ``height`` points, every font embedded."""
    from reportlab.pdfgen import canvas

    from binder.core.output import pdf as layout_pdf

    layout_pdf.register_fonts()
    out = io.BytesIO()
    canv = canvas.Canvas(out, pagesize=(width, height), initialFontName=layout_pdf.FONT,
                         pageCompression=1)
    canv.setFillColor(layout_pdf.INK)
    lines = text.lines()
    size = max(5.0, min(8.0, (height - 6) / (len(lines) * 1.25)))
    y = height - 3 - size
    for line, bold in lines:
        font = layout_pdf.FONT_BOLD if bold else layout_pdf.FONT
        fitted = layout_pdf.fit_text(canv, line, font, size, width - 8)
        layout_pdf.draw_text(canv, 4, y, fitted, font, size)
        y -= size * 1.25
    canv.showPage()
    canv.save()
    return out.getvalue()


def _pyhanko_signer(session: SigningSession, root_der: bytes) -> signers.SimpleSigner:
    key_der = session.key().private_bytes(
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


def _field_box(pdf: bytes, field: str) -> tuple[float, float]:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    for name, _value, ref in fields.enumerate_sig_fields(reader):
        if name == field:
            x1, y1, x2, y2 = (float(v) for v in ref.get_object()["/Rect"])
            return abs(x2 - x1), abs(y2 - y1)
    raise BadInput(f"the PDF has no {field} signature field")


def sign(pdf: bytes, session: SigningSession, root_der: bytes, *, field: str, role_label: str,
         reason: str, location: str = "", meaning: str = "approval", name: str | None = None,
         role: str | None = None) -> bytes:
    """Sign the empty field ``field`` as ``session``'s person; returns the new PDF bytes.

    ``name`` and ``role`` are what the certificate says (they default to the
    signer record); the stamp shows them with the signature's ``meaning``.
    """
    state = {f.name: f.signed for f in signature_fields(pdf)}
    if field not in state:
        raise BadInput(f"the PDF has no {role_label.lower()} signature field; "
                       "sign a report written by `binder report`")
    if state[field]:
        raise BadInput(f"the {role_label.lower()} signature of this report is already there; "
                       "each sign-off place is signed once")
    signer = session.signer
    stated = signer.identity  # the certificate's name and role, never the editable row's
    name = name or stated.name
    meta = signers.PdfSignatureMetadata(
        field_name=field, subfilter=fields.SigSeedSubFilter.PADES, reason=reason,
        location=location or None, name=name,
        md_algorithm="sha256",
    )
    width, height = _field_box(pdf, field)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    text = StampText(role_label, name, stated.role if role is None else role, meaning, now,
                     signer.fingerprint)
    stamp = StaticStampStyle(
        background=_PageInMemory(stamp_page(text, width, height)), background_opacity=1.0,
        border_width=1,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins.uniform(0)),
    )
    pdf_signer = signers.PdfSigner(meta, _pyhanko_signer(session, root_der), stamp_style=stamp)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    try:
        out = pdf_signer.sign_pdf(writer, existing_fields_only=True)
    except PdfError as exc:
        raise _reader_error("the file") from exc
    return out.getvalue()


def check_role(role: str) -> str:
    """``role`` when it is a sign-off place (lead, witness, legal, management), else
    :class:`BadInput` naming them."""
    if role not in FIELD_FOR_ROLE:
        raise BadInput(f"unknown sign-off role {role!r}; use one of {', '.join(FIELD_FOR_ROLE)}")
    return role


def sign_role(pdf: bytes, session: SigningSession, root_der: bytes, role: str, *,
              reason: str | None = None, name: str | None = None,
              cert_role: str | None = None) -> bytes:
    """Sign the sign-off field for ``role`` (lead, witness, legal, management).

    The signature's reason states its meaning (:data:`MEANING_FOR_ROLE`), so a
    PDF reader's signature panel shows it beside the name and time.
    """
    label = LABEL_FOR_ROLE[check_role(role)]
    meaning = MEANING_FOR_ROLE[role]
    return sign(pdf, session, root_der, field=FIELD_FOR_ROLE[role], role_label=label,
                reason=reason or f"Signed as {meaning}: {label.lower()} sign-off of the "
                                 "incident report",
                meaning=meaning, name=name, role=cert_role)
