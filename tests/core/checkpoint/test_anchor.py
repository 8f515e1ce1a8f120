"""Trusted time from a real RFC 3161 authority on localhost; offline, everything waits.

The authority is Certomancer's, served over HTTP on 127.0.0.1 (tests/helpers/tsa.py):
real requests, real signed tokens. openssl, pyHanko and poppler's pdfsig judge
what comes back.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest

from binder.core.checkpoint import anchor
from binder.core.checkpoint.store import make_checkpoint
from binder.core.errors import BadInput
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from binder.core.output.report.build import write_report
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from tests.helpers.tsa import local_tsa


@pytest.fixture(scope="module")
def tsa(tmp_path_factory):
    with local_tsa(tmp_path_factory.mktemp("tsa")) as running:
        yield running


def closed_port_url() -> str:
    """An address on this machine where nothing listens: what offline looks like."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"


def test_no_authority_set_is_bad_input(made, incident_id):
    with pytest.raises(BadInput, match="no timestamp authority is set"):
        anchor.anchor(made.binder)


@pytest.mark.parametrize("url", ["ftp://x/tsa", "timestamp.example.com", "http:// spaces /x", ""])
def test_bad_authority_urls_are_refused(made, url):
    with pytest.raises(BadInput):
        anchor.set_tsa_urls(made.binder, [url])
    assert anchor.tsa_urls(made.binder) == []


def test_checkpoint_is_anchored_and_openssl_accepts_the_token(made, incident_id, tsa, tmp_path):
    cp = make_checkpoint(made.binder, made.lead, made.witness)
    assert anchor.checkpoint_status(made.binder, cp).startswith("pending")
    anchor.set_tsa_urls(made.binder, [tsa.url])
    result = anchor.anchor(made.binder)
    assert [(c.id, url) for c, url, _ in result.anchored] == [(cp.id, tsa.url)]
    assert not result.failures and not result.pending_checkpoints
    assert anchor.checkpoint_status(made.binder, cp).startswith("anchored: 127.0.0.1 certified")
    (token,) = anchor.tokens_for(made.binder, cp.id)
    assert "BEGIN CERTIFICATE" in token.chain
    # Anyone with the note, the token and the authority's root: openssl ts -verify.
    (tmp_path / "cp.txt").write_text(cp.note, encoding="utf-8")
    (tmp_path / "token.der").write_bytes(token.token)
    (tmp_path / "root.pem").write_bytes(tsa.root_pem)
    (tmp_path / "chain.pem").write_text(token.chain)
    run = subprocess.run(["openssl", "ts", "-verify", "-data", "cp.txt", "-in", "token.der",
                          "-token_in", "-CAfile", "root.pem", "-untrusted", "chain.pem"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert "Verification: OK" in run.stdout, run.stdout + run.stderr
    # A second round has nothing left to do.
    assert anchor.anchor(made.binder).nothing_to_do
    report = verify_binder(made.binder)
    assert report.ok and any("anchored" in n for n in report.notes)


def test_offline_nothing_blocks_and_everything_stays_pending(made, incident_id, tsa):
    first = make_checkpoint(made.binder, made.lead)
    anchor.set_tsa_urls(made.binder, [closed_port_url()])
    result = anchor.anchor(made.binder, timeout=2)
    assert [c.id for c in result.pending_checkpoints] == [first.id]
    assert len(result.failures) == 1 and "unreachable" in result.failures[0]
    # Back online (another authority answers): what waited is anchored, in one round.
    journal.append(made.binder, incident_id, made.lead, NewEntry(text="later"))
    second = make_checkpoint(made.binder, made.lead)
    anchor.set_tsa_urls(made.binder, [closed_port_url(), tsa.url])
    result = anchor.anchor(made.binder, timeout=2)
    assert sorted(c.id for c, _, _ in result.anchored) == [first.id, second.id]
    assert not result.pending_checkpoints


def test_a_token_swapped_or_altered_in_the_binder_is_named_by_verify(made, incident_id, tsa):
    one = make_checkpoint(made.binder, made.lead)
    journal.append(made.binder, incident_id, made.lead, NewEntry(text="later"))
    two = make_checkpoint(made.binder, made.lead)
    anchor.set_tsa_urls(made.binder, [tsa.url])
    anchor.anchor(made.binder)
    made.binder.close()
    conn = sqlite3.connect(made.path)
    conn.execute("DROP TRIGGER timestamp_token_no_update")
    # The first checkpoint's token moved onto the second: a time it never had.
    conn.execute("UPDATE timestamp_token SET checkpoint_id = ? WHERE checkpoint_id = ?", (two.id, one.id))
    conn.commit()
    conn.close()
    binder = open_binder(made.path)
    try:
        problems = [p for p in verify_binder(binder).problems if p.code == "timestamp_invalid"]
    finally:
        binder.close()
    assert problems and "different content" in problems[0].message


def test_signed_report_gets_a_document_timestamp_pdfsig_and_pyhanko_accept(made, incident_id, tsa,
                                                                          tmp_path):
    path = tmp_path / "report.pdf"
    write_report(made.binder, incident_id, path, lead=made.lead, witness=made.witness)
    assert anchor.report_status(made.binder, path) == "pending"
    anchor.set_tsa_urls(made.binder, [tsa.url])
    result = anchor.anchor(made.binder)
    assert [p for p, _, _ in result.reports] == [str(path.resolve())]
    assert anchor.report_status(made.binder, path) == "anchored"
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    # poppler reads the document timestamp (the authority as signer, the whole file
    # covered) but does not validate RFC 3161 timestamps itself; the lead's and the
    # witness's signatures stay valid under it. pyHanko validates the timestamp below.
    assert out.count("Signature is Valid.") == 2, out
    stamp_part = out[out.index("Timestamp-"):]
    assert "Test Time Stamping Unit" in stamp_part and "Total document signed" in stamp_part
    assert "invalid" not in out.lower() and "mismatch" not in out.lower()
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko_certvalidator import ValidationContext

    root = x509.Certificate.load(pem.unarmor(tsa.root_pem)[2])
    with open(path, "rb") as fh:
        reader = PdfFileReader(fh)
        *signatures, stamp = reader.embedded_signatures
        status = validate_pdf_timestamp(stamp, validation_context=ValidationContext(
            trust_roots=[root], allow_fetching=False))
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        from cryptography.hazmat.primitives.serialization import Encoding

        from binder.core.crypto import signers

        ours = x509.Certificate.load(signers.root_certificate(made.binder).public_bytes(Encoding.DER))
        for sig in signatures:
            checked = validate_pdf_signature(sig, ValidationContext(trust_roots=[ours],
                                                                    allow_fetching=False))
            assert checked.intact and checked.valid


def test_a_report_changed_after_signing_is_not_timestamped(made, incident_id, tsa, tmp_path):
    path = tmp_path / "report.pdf"
    write_report(made.binder, incident_id, path, lead=made.lead)
    path.write_bytes(path.read_bytes() + b"\n% appended\n")
    anchor.set_tsa_urls(made.binder, [tsa.url])
    result = anchor.anchor(made.binder)
    assert not result.reports and any("changed since it was signed" in f for f in result.failures)
    assert anchor.report_status(made.binder, path) == "changed"


def test_a_fifo_in_a_reports_place_stays_pending_instead_of_hanging_the_round(
        made, incident_id, tsa, tmp_path):
    path = tmp_path / "report.pdf"
    write_report(made.binder, incident_id, path, lead=made.lead)
    path.unlink()
    os.mkfifo(path)  # a plain read would wait forever for a writer
    anchor.set_tsa_urls(made.binder, [tsa.url])
    result = anchor.anchor(made.binder)
    assert result.pending_reports == [str(path.resolve())] and not result.reports
    assert any("named pipe" in f and "stays pending" in f for f in result.failures)
    assert anchor.report_status(made.binder, path) == "pending"


def test_cli_anchor_contract(made, incident_id, tsa, run_cli, tmp_path):
    base = ("--binder", str(made.path))
    none = run_cli("anchor", *base)
    assert none.code == 2 and "no timestamp authority is set" in none.err and none.err.count("\n") == 1
    make_checkpoint(made.binder, made.lead)
    offline = run_cli("anchor", *base, "--tsa", closed_port_url(), "--timeout", "2")
    assert offline.code == 0, offline.err
    assert offline.out.startswith("pending\tcheckpoint 1\t")
    assert "stay pending" in offline.err and "unreachable" in offline.err
    online = run_cli("anchor", *base, "--tsa", tsa.url)
    assert online.code == 0 and online.out.startswith("anchored\tcheckpoint 1\t"), online.err
    listed = run_cli("checkpoint", *base, "--list")
    assert "anchored" in listed.out
    bad = run_cli("anchor", *base, "--tsa", "not a url")
    assert bad.code == 2 and bad.err.count("\n") == 1


def test_anchor_module_needs_no_network_to_import():
    # Importing the module must not touch pyHanko or the network (the CLI imports it).
    assert Path(anchor.__file__).name == "anchor.py"


def test_the_bundle_carries_each_token_and_openssl_checks_it(made, incident_id, tsa, tmp_path):
    import base64

    from binder.core.output import bundle

    cp = make_checkpoint(made.binder, made.lead, made.witness)
    anchor.set_tsa_urls(made.binder, [tsa.url])
    anchor.anchor(made.binder)
    data = bundle.build_bundle(made.binder, incident_id)
    (stamp,) = data["log"]["timestamps"]
    note = data["log"]["checkpoints"][stamp["checkpoint"]]
    assert note == cp.note and stamp["tsa"] == tsa.url
    (tmp_path / "cp.txt").write_text(note, encoding="utf-8")
    (tmp_path / "token.tsr").write_bytes(base64.b64decode(stamp["token"]))
    (tmp_path / "chain.pem").write_text(stamp["chain"])
    (tmp_path / "tsa-root.pem").write_bytes(tsa.root_pem)
    run = subprocess.run(["openssl", "ts", "-verify", "-data", "cp.txt", "-in", "token.tsr",
                          "-token_in", "-CAfile", "tsa-root.pem", "-untrusted", "chain.pem"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert "Verification: OK" in run.stdout, run.stdout + run.stderr
    (tmp_path / "cp.txt").write_text(note.replace("checkpoint-format 1", "checkpoint-format 2"))
    bad = subprocess.run(["openssl", "ts", "-verify", "-data", "cp.txt", "-in", "token.tsr",
                          "-token_in", "-CAfile", "tsa-root.pem", "-untrusted", "chain.pem"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert "Verification: OK" not in bad.stdout


def test_history_guards_keep_tokens(made, incident_id, tsa):
    make_checkpoint(made.binder, made.lead)
    anchor.set_tsa_urls(made.binder, [tsa.url])
    anchor.anchor(made.binder)
    for sql in ("UPDATE timestamp_token SET gen_time = '2000-01-01T00:00:00Z'",
                "DELETE FROM timestamp_token"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"), made.binder.write():
            made.binder.conn.execute(sql)


def test_the_documented_openssl_check_of_a_bundle_token_works(made, incident_id, tsa, tmp_path):
    """docs/VERIFYING.md section 10, run exactly as printed."""
    import re

    from binder.core.output import bundle

    make_checkpoint(made.binder, made.lead, made.witness)
    anchor.set_tsa_urls(made.binder, [tsa.url])
    anchor.anchor(made.binder)
    bundle.write_bundle(made.binder, incident_id, tmp_path / "incident-3.json")
    (tmp_path / "tsa-root.pem").write_bytes(tsa.root_pem)
    doc = (Path(__file__).resolve().parents[3] / "docs" / "VERIFYING.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- tsa-openssl.*?-->\s*```sh\n(.*?)```", doc, re.S).group(1)
    run = subprocess.run(["sh", "-c", block], cwd=tmp_path, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert "Verification: OK" in run.stdout and "Time stamp:" in run.stdout, run.stdout + run.stderr
