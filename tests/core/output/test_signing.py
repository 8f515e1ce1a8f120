"""PAdES signatures from in-memory keys, checked by poppler's pdfsig (an independent reader)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from reportlab.platypus import Paragraph

from binder.core.crypto import signers
from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
from binder.core.errors import BadInput
from binder.core.output import signing as pdfsign
from binder.core.output.pdf import PageDecor, render, styles
from binder.core.verify.rollback import pdf_attachments
from tests.helpers import LEAD_NAME, WITNESS_NAME


def plain_pdf(pages: int = 2) -> bytes:
    st = styles()
    story = [Paragraph(f"Paragraph {i} " + "text " * 60, st["body"]) for i in range(pages * 20)]
    pdf, _ = render(story, PageDecor("left", "right", "footer"), title="t", author="a")
    return pdf


def prepared(attachments=()) -> bytes:
    slots = [pdfsign.SignatureSlot("Lead", 0, (60, 500, 280, 580)),
             pdfsign.SignatureSlot("Witness", 0, (300, 500, 520, 580)),
             pdfsign.SignatureSlot("Legal", 1, (60, 500, 280, 580)),
             pdfsign.SignatureSlot("Management", 1, (300, 500, 520, 580))]
    return pdfsign.prepare(plain_pdf(), slots, attachments)


def root_der(made) -> bytes:
    return signers.root_certificate(made.binder).public_bytes(Encoding.DER)


def pdfsig(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "check.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout


def test_prepared_pdf_has_empty_fields_and_the_attachment():
    data = prepared([pdfsign.Attachment("bundle.json", b'{"a": 1}', "application/json", "x")])
    assert [(f.name, f.signed) for f in pdfsign.signature_fields(data)] == [
        ("Lead", False), ("Witness", False), ("Legal", False), ("Management", False)]
    assert pdf_attachments(data) == {"bundle.json": b'{"a": 1}'}
    assert pdf_attachments(plain_pdf()) == {}


def test_two_signatures_in_order_both_valid_and_chained_to_the_root(made, tmp_path):
    data = pdfsign.sign_role(prepared(), made.lead, root_der(made), "lead")
    data = pdfsign.sign_role(data, made.witness, root_der(made), "witness")
    out = pdfsig(data, tmp_path)
    assert out.count("Signature Validation: Signature is Valid.") == 2
    assert f"Signer Certificate Common Name: {LEAD_NAME}" in out
    assert f"Signer Certificate Common Name: {WITNESS_NAME}" in out
    # The root travels in the signature, so the reader finds the issuer; it only
    # lacks trust in it, as a private root must.
    assert "Certificate issuer is unknown" not in out
    assert [(f.name, f.signed) for f in pdfsign.signature_fields(data)][:2] == [
        ("Lead", True), ("Witness", True)]


def test_a_place_is_signed_once(made):
    data = pdfsign.sign_role(prepared(), made.lead, root_der(made), "lead")
    with pytest.raises(BadInput, match="already there"):
        pdfsign.sign_role(data, made.witness, root_der(made), "lead")


def test_unknown_role_or_missing_field_is_refused(made):
    with pytest.raises(BadInput, match="unknown sign-off role"):
        pdfsign.sign_role(prepared(), made.lead, root_der(made), "auditor")
    with pytest.raises(BadInput, match="no incident lead signature field"):
        pdfsign.sign_role(plain_pdf(), made.lead, root_der(made), "lead")


def test_not_a_pdf_is_a_clear_error():
    with pytest.raises(BadInput, match="not a readable PDF"):
        pdfsign.signature_fields(b"hello, not a pdf at all")


def test_signer_with_non_latin_name_still_signs_validly(made, tmp_path):
    signers.enroll(made.binder, "dmitri", "dmitri-passphrase", display_name="Дмитрий Ωμέγα",
                   kdf=LIGHT_KDF_FOR_TESTS)
    session = signers.open_session(made.binder, "dmitri", "dmitri-passphrase")
    data = pdfsign.sign_role(prepared(), session, root_der(made), "legal")
    out = pdfsig(data, tmp_path)
    assert "Signature is Valid." in out
    assert "Дмитрий" in out  # the certificate keeps the real name


def test_changing_one_signed_byte_breaks_every_signature_over_it(made, tmp_path):
    data = pdfsign.sign_role(prepared(), made.lead, root_der(made), "lead")
    data = bytearray(pdfsign.sign_role(bytes(data), made.witness, root_der(made), "witness"))
    # A comment in the file header: the PDF still opens, only the signed bytes differ.
    where = data.index(b"ReportLab Generated")
    data[where] ^= 0x20
    out = pdfsig(bytes(data), tmp_path)
    assert out.count("Signature Validation:") == 2
    assert "Signature is Valid." not in out


def test_the_stamp_shows_every_script_in_embedded_fonts(made, tmp_path):
    from tests.core.output.test_scripts import all_embedded, pdftotext

    names = ("Łukasz Wróblewski", "Ελένη Παπαδοπούλου", "山田 太郎", "مريم العلي")
    for i, name in enumerate(names):
        page = pdfsign.stamp_page(pdfsign.StampText("Incident lead", name, "Legal", "review",
                                                    "2026-11-29T14:05:00Z", "ab" * 32), 236, 58)
        (tmp_path / f"stamp{i}.pdf").write_bytes(page)
        text = pdftotext(tmp_path / f"stamp{i}.pdf")
        assert name in text and "Meaning: review" in text and "2026-11-29 14:05 UTC" in text
        assert all_embedded(tmp_path / f"stamp{i}.pdf")
    signers.enroll(made.binder, "taro", "taro-passphrase", display_name="山田 太郎",
                   kdf=LIGHT_KDF_FOR_TESTS)
    taro = signers.open_session(made.binder, "taro", "taro-passphrase")
    data = pdfsign.sign_role(pdfsign.sign_role(prepared(), made.lead, root_der(made), "lead"),
                             taro, root_der(made), "witness")
    (tmp_path / "signed.pdf").write_bytes(data)
    assert "Signer Certificate Common Name: 山田 太郎" in pdfsig(data, tmp_path)
    # The stamps live in the signature widgets' appearances; pdffonts reads those too.
    assert all_embedded(tmp_path / "signed.pdf")
