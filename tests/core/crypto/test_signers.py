"""Signers: the binder's root, certificates it issues, fingerprints, the enroll command."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from binder.core import roster
from binder.core.crypto import signers
from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
from binder.core.errors import BadInput, Locked, NotFound, WrongPassphrase
from tests.helpers import LEAD, LEAD_NAME, LEAD_PASS, PASSPHRASE, WITNESS, make_binder


def _name(cert: x509.Certificate, oid) -> str:
    return cert.subject.get_attributes_for_oid(oid)[0].value


def test_root_certificate_is_a_p256_ca(made):
    root = signers.root_certificate(made.binder)
    assert isinstance(root.public_key(), ec.EllipticCurvePublicKey)
    assert root.public_key().curve.name == "secp256r1"
    assert root.issuer == root.subject
    root.verify_directly_issued_by(root)
    constraints = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = root.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    assert _name(root, NameOID.ORGANIZATION_NAME) == "Acme Store"


def test_enrolled_certificate_is_issued_by_the_root(made):
    root = signers.root_certificate(made.binder)
    alice = signers.get_signer(made.binder, LEAD)
    cert = alice.certificate
    assert signers.issued_by(cert, root)
    cert.verify_directly_issued_by(root)
    assert cert.public_key().curve.name == "secp256r1"
    assert _name(cert, NameOID.COMMON_NAME) == LEAD_NAME
    assert _name(cert, NameOID.ORGANIZATION_NAME) == "Acme Store"
    assert _name(cert, NameOID.ORGANIZATIONAL_UNIT_NAME) == "Incident Lead"
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    now = dt.datetime.now(dt.UTC)
    assert cert.not_valid_before_utc <= now < cert.not_valid_after_utc


def test_certificate_from_another_binder_is_not_ours(made, tmp_path):
    ours = signers.root_certificate(made.binder)
    other = make_binder(tmp_path / "other.binder", org="Acme Store")
    try:
        foreign = signers.get_signer(other.binder, LEAD).certificate
    finally:
        other.binder.close()
    assert not signers.issued_by(foreign, ours)
    # A look-alike that copies our root's name but is signed by another key.
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    lookalike = (
        x509.CertificateBuilder().subject_name(foreign.subject).issuer_name(ours.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    assert lookalike.issuer == ours.subject
    assert not signers.issued_by(lookalike, ours)


def test_fingerprints_match_openssl(made, tmp_path):
    alice = signers.get_signer(made.binder, LEAD)
    assert alice.fingerprint == signers.fingerprint(alice.cert_der)
    pem = tmp_path / "alice.pem"
    pem.write_bytes(alice.certificate.public_bytes(Encoding.PEM))
    out = subprocess.run(["openssl", "x509", "-in", str(pem), "-noout", "-fingerprint", "-sha256"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip().split("=", 1)[1].replace(":", "").lower() == alice.fingerprint
    shown = signers.format_fingerprint(alice.fingerprint)
    groups = shown.split(" ")
    assert len(groups) == 16 and all(len(g) == 4 and g == g.upper() for g in groups)
    assert "".join(groups).lower() == alice.fingerprint
    root = tmp_path / "root.pem"
    root.write_bytes(signers.root_certificate(made.binder).public_bytes(Encoding.PEM))
    check = subprocess.run(["openssl", "verify", "-CAfile", str(root), str(pem)],
                           capture_output=True, text=True)
    assert check.returncode == 0 and "OK" in check.stdout, check.stderr


def test_signatures_verify_only_for_their_signer_and_data(made):
    signature = made.lead.sign(b"what alice signed")
    alice = signers.get_signer(made.binder, LEAD).certificate
    bob = signers.get_signer(made.binder, WITNESS).certificate
    assert signers.verify_signature(alice, b"what alice signed", signature)
    assert not signers.verify_signature(alice, b"what alice signed!", signature)
    assert not signers.verify_signature(bob, b"what alice signed", signature)
    # Flip bits of the last byte (setting it to 0x00 is no change 1 time in 256).
    altered = signature[:-1] + bytes([signature[-1] ^ 0x5A])
    assert not signers.verify_signature(alice, b"what alice signed", altered)


def test_session_needs_the_persons_own_passphrase(made):
    with pytest.raises(WrongPassphrase, match=f"wrong passphrase for {LEAD_NAME}"):
        signers.open_session(made.binder, LEAD, "bob-passphrase")
    session = signers.open_session(made.binder, "ALICE", LEAD_PASS)  # names are case-insensitive
    assert session.person == LEAD
    with pytest.raises(NotFound, match="not an enrolled signer"):
        signers.open_session(made.binder, "mallory", LEAD_PASS)


def test_enroll_refusals(made):
    binder = made.binder
    with pytest.raises(BadInput, match="already enrolled"):
        signers.enroll(binder, "Alice", "another passphrase", kdf=LIGHT_KDF_FOR_TESTS)
    with pytest.raises(BadInput, match="too short"):
        signers.enroll(binder, "carol", "short", kdf=LIGHT_KDF_FOR_TESTS)
    for bad in ("", "   ", "car\x00ol", "x" * 81):
        with pytest.raises(BadInput):
            signers.enroll(binder, bad, "long enough passphrase", kdf=LIGHT_KDF_FOR_TESTS)
    binder.data_key = None
    with pytest.raises(Locked):
        signers.enroll(binder, "carol", "long enough passphrase", kdf=LIGHT_KDF_FOR_TESTS)
    assert [s.person for s in signers.list_signers(binder)] == [LEAD, WITNESS]


def test_private_key_is_not_stored_in_the_clear(made):
    session = signers.open_session(made.binder, LEAD, LEAD_PASS)
    secret = session.private_key.private_numbers().private_value.to_bytes(32, "big")
    assert secret not in made.path.read_bytes()
    wal = made.path.with_name(made.path.name + "-wal")
    assert not wal.exists() or secret not in wal.read_bytes()


def test_cli_enroll_prints_the_fingerprint(made, run_cli):
    env = {"BINDER_PASSPHRASE": PASSPHRASE, "BINDER_SIGNER_PASSPHRASE": "carol's passphrase"}
    roster.add_contact(made.binder, role="legal", name="carol")
    run = run_cli("signer", "enroll", "carol", "--binder", str(made.path), env=env)
    assert run.code == 0, run.err
    carol = signers.get_signer(made.binder, "carol")
    assert run.out.strip() == signers.format_fingerprint(carol.fingerprint)
    assert carol.role == "Legal Representative"
    assert signers.issued_by(carol.certificate, signers.root_certificate(made.binder))
    listed = run_cli("signer", "list", "--json", "--binder", str(made.path))
    data = json.loads(listed.out)
    assert {s["person"]: s["fingerprint"] for s in data["signers"]}["carol"] == carol.fingerprint
    root_der = signers.root_certificate(made.binder).public_bytes(Encoding.DER)
    assert data["root_fingerprint"] == signers.fingerprint(root_der)

    again = run_cli("signer", "enroll", "Carol", "--binder", str(made.path), env=env)
    assert again.code == 2 and "already enrolled" in again.err


def test_cli_enroll_passphrase_failures(made, run_cli):
    roster.add_contact(made.binder, role="legal", name="dave")
    wrong = run_cli("signer", "enroll", "dave", "--binder", str(made.path),
                    env={"BINDER_PASSPHRASE": "not the binder passphrase",
                         "BINDER_SIGNER_PASSPHRASE": "dave's passphrase"})
    assert wrong.code == 3 and "wrong passphrase" in wrong.err
    missing = run_cli("signer", "enroll", "dave", "--binder", str(made.path), timeout=20)
    assert missing.code == 3 and "BINDER_PASSPHRASE" in missing.err
    for run in (wrong, missing):
        assert "Traceback" not in run.err and run.out == ""
    assert signers.find_signer(made.binder, "dave") is None
