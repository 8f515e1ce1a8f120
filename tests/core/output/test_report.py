"""The incident report as legal and management receive it: real PDFs read back with poppler."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader

from binder.core.crypto import signers
from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
from binder.core.errors import BadInput, Cancelled
from binder.core.incident import impact, journal, notifications, review, workflow
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import get_incident, open_incident
from binder.core.output import signing as pdfsign
from binder.core.output.report.build import (
    BUNDLE_NAME,
    build_report,
    sign_report_file,
    write_report,
)
from binder.core.storage.database import open_binder
from binder.core.verify.rollback import pdf_attachments
from tests.helpers import (
    LEAD,
    LEAD_NAME,
    LEAD_PASS,
    WITNESS,
    WITNESS_NAME,
    run_binder_process,
    signer_env,
)

LEGAL, LEGAL_PASS = "carol", "carol-passphrase"


def pdftext(path: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run(args + [str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdfsig(path: Path) -> str:
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout


def page_count(path: Path) -> int:
    return len(PdfReader(str(path)).pages)


def tiny_png(path: Path) -> None:
    """A valid 1x1 PNG: if markup were not escaped, reportlab would embed it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"\x00\xff\x00\x00"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def images_in(path: Path) -> int:
    count = 0
    for page in PdfReader(str(path)).pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        for ref in xobjects.values():
            if ref.get_object().get("/Subtype") == "/Image":
                count += 1
    return count


def populate(made, incident_id: int, tmp_path: Path) -> dict:
    """A realistic incident: phases, decision, correction, evidence, notification, impact."""
    b = made.binder
    plan = workflow.incident_plan(b, get_incident(b, incident_id))
    phases = [p.key for p in plan.phases]
    journal.append(b, incident_id, made.lead, NewEntry(
        text="Customer reports card fraud after buying; checkout loads cdn-jquery.top",
        kind="observation", occurred_at="2026-11-28T09:00Z", source="support ticket 4411"))
    workflow.set_focus_phase(b, incident_id, made.lead, phases[2])
    workflow.tick_checklist(b, incident_id, made.lead, phases[2], 0)
    wrong = journal.append(b, incident_id, made.lead, NewEntry(
        text="Skimmer found in design/footer/absolute_footer", kind="action",
        reason="grep of a database dump"), witness=made.witness)
    fix = journal.correct(b, wrong, made.lead, "Skimmer found in design/head/includes",
                          "wrong config path")
    workflow.record_decision(b, incident_id, made.lead, decision="Take the store offline",
                             reason="every order leaks card data", witness=made.witness)
    log = tmp_path / "access.log"
    log.write_text("GET /checkout 200\n" * 50)
    from binder.core.incident import evidence

    item = evidence.register_evidence(b, incident_id, log, made.lead,
                                      description="nginx access log", witness=made.witness)
    evidence.transfer(b, item, made.lead, received_by=WITNESS, purpose="forensic analysis",
                      witness=made.witness)
    clock = plan.clocks[0].key
    notifications.record_notification(b, incident_id, made.lead, party="Acquirer", channel="phone",
                                 message="Told the acquirer about possible card exposure",
                                 clock_key=clock)
    impact.add_impact(b, incident_id, made.lead, "Forensic investigation", "12500.00", "EUR",
                        "PFI quote")
    review.add_review(b, incident_id, made.lead, "Watch core_config_data for changes.")
    return {"wrong": wrong, "fix": fix, "item": item}


@pytest.fixture
def report_path(tmp_path) -> Path:
    return tmp_path / "report.pdf"


def test_full_report_has_every_section_numbered_pages_and_signature_places(
        made, incident_id, tmp_path, report_path):
    populate(made, incident_id, tmp_path)
    result = write_report(made.binder, incident_id, report_path)
    text = pdftext(report_path)
    for section in ("Incident report", "Facts of the incident", "Key events", "Decisions",
                    "Deadlines", "Notifications", "Journal, by event time",
                    "Evidence and chain of custody", "Costs", "Review and plan changes",
                    "Sign-off", "Certificates, checkpoint and how to verify",
                    "How to verify this report"):
        assert section in text, section
    assert "Take the store offline" in text
    assert "EUR 12,500.00" in text
    assert "GDPR Art. 33" in text and "MET" in text
    assert "nginx access log" in text
    pages = page_count(report_path)
    assert result.pages == pages
    for number in range(1, pages + 1):
        page = pdftext(report_path, number)
        assert f"Page {number} of {pages}" in page
        assert f"Incident {incident_id}" in page
    # The journal head is printed on the pages and pinned in the appendix.
    head = journal.head_hash(made.binder, incident_id)
    assert head in text.replace(" ", "") and result.head_hash == head
    fields = pdfsign.signature_fields(report_path.read_bytes())
    assert [(f.name, f.signed) for f in fields] == [
        ("Lead", False), ("Witness", False), ("Legal", False), ("Management", False)]


def test_journal_shows_both_times_signatures_and_corrections(made, incident_id, tmp_path,
                                                              report_path):
    ids = populate(made, incident_id, tmp_path)
    write_report(made.binder, incident_id, report_path)
    text = " ".join(pdftext(report_path).split())
    wrong = journal.get_entry(made.binder, ids["wrong"])
    fix = journal.get_entry(made.binder, ids["fix"])
    assert "happened 2026-11-28 09:00 UTC" in text  # as stated: to the minute
    assert f"written {wrong.recorded_at[:10]}" in text
    assert "Source: support ticket 4411" in text
    assert f"co-signed by {WITNESS_NAME} (IT Contact) as witness," in text
    # The original stays, marked as corrected; the correction names it and repeats it.
    assert "Skimmer found in design/footer/absolute_footer" in text
    assert f"corrected by #{fix.seq}" in text
    assert f"Correction of #{wrong.seq}, original: Skimmer found in design/footer" in text
    assert "Reasoning: wrong config path" in text


def test_user_text_prints_literally_and_never_reads_a_file(made, tmp_path, report_path):
    secret = tmp_path / "secret.png"
    tiny_png(secret)
    nasty = f'<img src="{secret}"/> <font color=red>red?</font> &amp; a < b & c > d'
    incident_id = open_incident(made.binder, made.lead, title=f"Title {nasty}", type="skimmer",
                                severity="high")
    journal.append(made.binder, incident_id, made.lead, NewEntry(
        text=f"Text {nasty}", reason=f"Reason {nasty}", source=f"<b>{nasty}"))
    workflow.record_decision(made.binder, incident_id, made.lead, decision=f"Decide {nasty}",
                             reason=f"Because {nasty}")
    write_report(made.binder, incident_id, report_path)
    # Long words wrap at any character, so compare without white space.
    text = "".join(pdftext(report_path).split())
    for prefix in ("Title", "Text", "Reason", "Decide", "Because"):
        assert "".join(f"{prefix} {nasty}".split()) in text, prefix
    assert images_in(report_path) == 0
    executive = report_path.with_name("exec.pdf")
    write_report(made.binder, incident_id, executive, variant="executive")
    assert "".join(f"Title {nasty}".split()) in "".join(pdftext(executive).split())
    assert images_in(executive) == 0


def test_drill_report_says_drill_on_every_page(made, tmp_path, report_path):
    incident_id = open_incident(made.binder, made.lead, title="Tabletop: skimmer", drill=True,
                                type="skimmer")
    journal.append_many(made.binder, incident_id, made.lead,
                        [NewEntry(text=f"note {i} " + "words " * 40) for i in range(150)])
    write_report(made.binder, incident_id, report_path)
    pages = page_count(report_path)
    assert pages > 5
    for number in range(1, pages + 1):
        assert "DRILL" in pdftext(report_path, number), number
    assert "not a real incident" in pdftext(report_path, 1)


def test_real_incident_is_not_marked_drill(made, incident_id, report_path):
    write_report(made.binder, incident_id, report_path)
    assert "DRILL" not in pdftext(report_path)


def test_executive_summary_is_a_few_pages_without_the_journal(made, incident_id, tmp_path,
                                                               report_path):
    populate(made, incident_id, tmp_path)
    journal.append_many(made.binder, incident_id, made.lead,
                        [NewEntry(text=f"Routine check number {i}") for i in range(400)])
    full = write_report(made.binder, incident_id, report_path)
    short_path = tmp_path / "summary.pdf"
    short = write_report(made.binder, incident_id, short_path, variant="executive")
    text = pdftext(short_path)
    assert short.pages <= 2 < full.pages
    for section in ("Executive summary", "What happened", "Costs", "Decisions taken",
                    "Deadlines", "Next steps", "Sign-off"):
        assert section in text
    assert "Routine check number 12" not in text
    assert "Routine check number 12" in pdftext(report_path)
    assert len(pdfsign.signature_fields(short_path.read_bytes())) == 4


def test_lead_and_witness_signatures_validate_and_one_byte_breaks_them(made, incident_id,
                                                                       tmp_path, report_path):
    populate(made, incident_id, tmp_path)
    result = write_report(made.binder, incident_id, report_path, lead=made.lead,
                          witness=made.witness)
    assert result.signed_by == (LEAD_NAME, WITNESS_NAME)
    out = pdfsig(report_path)
    assert out.count("Signature Validation: Signature is Valid.") == 2
    assert "Signature Field Name: Lead" in out and "Signature Field Name: Witness" in out
    assert f"Signer Certificate Common Name: {LEAD_NAME}" in out
    # Our root is private to the binder: readers do not trust it, and that is expected.
    assert "Signature Type: ETSI.CAdES.detached" in out
    data = bytearray(report_path.read_bytes())
    where = data.index(b"/Producer")
    data[where + 12] ^= 0x01
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(bytes(data))
    out = pdfsig(broken)
    assert out.count("Signature Validation:") == 2
    assert "Signature is Valid." not in out
    assert out.count("Digest Mismatch.") + out.count("Signature is Invalid.") == 2


def test_witness_needs_a_lead_and_a_second_person(made, incident_id):
    with pytest.raises(BadInput, match="after the lead"):
        build_report(made.binder, incident_id, witness=made.witness)
    with pytest.raises(BadInput, match="second person"):
        build_report(made.binder, incident_id, lead=made.lead, witness=made.lead)


def test_legal_and_management_sign_later_incrementally(made, incident_id, report_path):
    signers.enroll(made.binder, LEGAL, LEGAL_PASS, role="Legal", kdf=LIGHT_KDF_FOR_TESTS)
    legal = signers.open_session(made.binder, LEGAL, LEGAL_PASS)
    write_report(made.binder, incident_id, report_path, lead=made.lead, witness=made.witness)
    before = report_path.read_bytes()
    assert sign_report_file(made.binder, report_path, legal) == "legal"
    after = report_path.read_bytes()
    assert after.startswith(before)  # an incremental update: earlier bytes untouched
    assert sign_report_file(made.binder, report_path, legal, "management") == "management"
    out = pdfsig(report_path)
    assert out.count("Signature Validation: Signature is Valid.") == 4
    with pytest.raises(BadInput, match="already signed"):
        sign_report_file(made.binder, report_path, legal)
    with pytest.raises(BadInput, match="already there"):
        sign_report_file(made.binder, report_path, legal, "legal")


def test_bundle_is_attached_and_matches_the_report(made, incident_id, report_path):
    result = write_report(made.binder, incident_id, report_path, lead=made.lead)
    assert result.bundle_attached
    bundle = json.loads(pdf_attachments(report_path.read_bytes())[BUNDLE_NAME])
    assert bundle["head_hash"] == result.head_hash
    assert bundle["entry_count"] == result.entries
    listed = subprocess.run(["pdfdetach", "-list", str(report_path)], capture_output=True,
                            text=True).stdout
    assert BUNDLE_NAME in listed


def test_tampered_journal_is_reported_honestly(made, incident_id, report_path):
    entry_id = journal.append(made.binder, incident_id, made.lead, NewEntry(text="All clean"))
    seq = journal.get_entry(made.binder, entry_id).seq
    conn = made.binder.conn
    conn.execute("DROP TRIGGER entry_no_update")
    conn.execute("UPDATE entry SET text = 'Nothing happened' WHERE id = ?", (entry_id,))
    conn.commit()
    write_report(made.binder, incident_id, report_path)
    text = " ".join(pdftext(report_path).split())
    assert "Verification found" in text
    assert f"entry {seq}: text changed" in text
    assert "Verification problem: text changed" in text
    assert "all hashes and signatures valid" not in text


def test_cancel_writes_nothing_and_progress_reaches_the_end(made, incident_id, report_path):
    journal.append_many(made.binder, incident_id, made.lead,
                        [NewEntry(text=f"entry {i}") for i in range(1200)])
    with pytest.raises(Cancelled):
        write_report(made.binder, incident_id, report_path, cancelled=lambda: True)
    assert not report_path.exists()
    assert list(report_path.parent.glob(".report.pdf*")) == []
    seen: list[tuple[int, int]] = []
    write_report(made.binder, incident_id, report_path,
                 progress=lambda done, total: seen.append((done, total)))
    fractions = [done / total for done, total in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(seen) > 3


def test_bad_output_and_unknown_incident_are_clear(made, incident_id, tmp_path):
    with pytest.raises(BadInput, match="does not exist"):
        write_report(made.binder, incident_id, tmp_path / "missing" / "r.pdf")
    with pytest.raises(BadInput, match="is a folder"):
        write_report(made.binder, incident_id, tmp_path)
    with pytest.raises(BadInput, match="no incident"):
        write_report(made.binder, 999, tmp_path / "r.pdf")
    with pytest.raises(BadInput, match="variant"):
        write_report(made.binder, incident_id, tmp_path / "r.pdf", variant="short")


@pytest.mark.slow
def test_ten_thousand_entries_stream_into_one_report(made, incident_id, report_path):
    journal.append_many(made.binder, incident_id, made.lead, [
        NewEntry(text=f"Entry {i}: checked the nginx log of web{i % 3} for /checkout requests",
                 reason="routine" if i % 4 == 0 else "") for i in range(10_000)])
    result = write_report(made.binder, incident_id, report_path, lead=made.lead)
    assert result.entries == 10_001
    assert "Entry 9999" in pdftext(report_path)
    assert pdfsig(report_path).count("Signature is Valid.") == 1


# --------------------------------------------------------------------------- command line


def test_cli_report_signed_by_lead_and_witness(made, incident_id, run_cli, tmp_path):
    out = tmp_path / "r.pdf"
    made.binder.close()
    run = run_cli("report", str(incident_id), "-o", str(out), "--sign", "--as", LEAD,
                  "--witness", WITNESS, "--binder", str(made.path), env=signer_env())
    assert run.code == 0, run.err
    assert f"signed by {LEAD_NAME}, {WITNESS_NAME}" in run.err
    assert pdfsig(out).count("Signature is Valid.") == 2


def test_cli_report_sign_adds_a_later_signature(made, incident_id, run_cli, tmp_path):
    signers.enroll(made.binder, LEGAL, LEGAL_PASS, role="Legal", kdf=LIGHT_KDF_FOR_TESTS,
                   display_name="Carole Dupré")
    out = tmp_path / "r.pdf"
    write_report(made.binder, incident_id, out, lead=made.lead)
    made.binder.close()
    run = run_cli("report", "sign", str(out), "--as", LEGAL,
                  "--binder", str(made.path), env=signer_env(LEGAL_PASS))
    assert run.code == 0, run.err
    # Named as her certificate names her; legal's place means review, as the stamp says.
    assert "signed by Carole Dupré as legal (review)" in run.err
    assert pdfsig(out).count("Signature is Valid.") == 2
    with open_binder(made.path) as binder:
        who, detail = binder.conn.execute(
            "SELECT who, detail FROM access_log WHERE kind = 'signer' ORDER BY id DESC"
        ).fetchone()
    assert who == LEGAL and detail.startswith("review")
    again = run_cli("sign-report", str(out), "--as", LEGAL, "--role", "legal",
                    "--binder", str(made.path), env=signer_env(LEGAL_PASS))
    assert again.code == 2 and "already there" in again.err and "Traceback" not in again.err


def test_cli_refusals_are_one_line_and_write_nothing(made, incident_id, run_cli, tmp_path):
    made.binder.close()
    out = tmp_path / "r.pdf"
    base = ("--binder", str(made.path))
    cases = [
        (("report", str(incident_id), "-o", str(out), "--witness", WITNESS), 2, "--sign"),
        (("report", str(incident_id), "-o", str(out), "--sign"), 2, "--as"),
        (("report", "77", "-o", str(out)), 2, "no incident"),
        (("report", str(incident_id), "-o", str(tmp_path / "nope" / "r.pdf")), 2,
         "does not exist"),
    ]
    for args, code, words in cases:
        run = run_cli(*args, *base, env=signer_env())
        assert run.code == code and words in run.err, (args, run.err)
        assert run.err.count("\n") == 1 and "Traceback" not in run.err
    wrong = run_cli("report", str(incident_id), "-o", str(out), "--sign", "--as", LEAD, *base,
                    env=signer_env(person_pass="not-" + LEAD_PASS))
    assert wrong.code == 3 and "wrong passphrase" in wrong.err
    assert not out.exists()
    not_pdf = tmp_path / "notes.txt"
    not_pdf.write_text("hello")
    run = run_cli("report", "sign", str(not_pdf), "--as", LEAD, *base,
                  env=signer_env())
    assert run.code == 2 and "not a PDF" in run.err


def test_report_sign_refuses_a_fifo_without_waiting_for_a_writer(made, tmp_path):
    """A named pipe in the report's place would block a plain read forever."""
    made.binder.close()
    fifo = tmp_path / "report.pdf"
    os.mkfifo(fifo)
    run = run_binder_process("report", "sign", str(fifo), "--as", LEAD, "--binder",
                             str(made.path), env=signer_env(), timeout=60)
    assert run.code == 2 and "is a named pipe" in run.err, run.err
    assert run.err.count("\n") == 1 and "Traceback" not in run.err


def test_evidence_and_custody_times_print_in_utc_with_the_stated_local_time(made, incident_id,
                                                                            tmp_path, report_path):
    # A time typed in local time (UTC+01:00) was once printed as if it were UTC.
    from binder.core.incident import evidence

    log = tmp_path / "access.log"
    log.write_text("GET /checkout\n", encoding="utf-8")
    evidence.register_evidence(made.binder, incident_id, log, made.lead,
                               description="nginx access log",
                               collected_at="2026-11-29T07:58+01:00")
    write_report(made.binder, incident_id, report_path)
    text = " ".join(pdftext(report_path).split())
    assert "2026-11-29 06:58 UTC (07:58 UTC+01:00)" in text
    assert "2026-11-29 07:58 UTC" not in text
    assert "07:58:02" not in text
