"""Checkpoints on paper: the report's appendix and the paper binder print the text and a QR code."""

from __future__ import annotations

import subprocess

from binder.core.checkpoint.store import list_checkpoints, make_checkpoint
from binder.core.output.paper import write_print_plan
from binder.core.output.report.build import write_report
from binder.core.verify.checks import verify_binder
from tests.helpers import WITNESS_NAME


def _text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def _qr_texts(path, tmp_path) -> list[str]:
    subprocess.run(["pdftoppm", "-png", "-r", "200", str(path), str(tmp_path / "page")], check=True)
    found = []
    for page in sorted(tmp_path.glob("page-*.png")):
        run = subprocess.run(["zbarimg", "-q", "--raw", str(page)], capture_output=True)
        if run.returncode == 0:
            found.append(run.stdout.decode("utf-8").removesuffix("\n"))
    return found


def test_signed_report_makes_prints_and_keeps_a_checkpoint(made, incident_id, tmp_path):
    path = tmp_path / "report.pdf"
    result = write_report(made.binder, incident_id, path, lead=made.lead, witness=made.witness)
    (stored,) = list_checkpoints(made.binder)
    assert result.checkpoint_id == stored.id and stored.occasion == "report"
    assert (stored.maker, stored.witness, stored.incident_id) == ("alice", "bob", incident_id)
    text = _text(path)
    assert "Checkpoint made at this sign-off" in text
    assert "signer's own clock" in text and "pending: not yet anchored" in text
    for line in stored.note.split("\n")[:5]:
        assert line in text, line
    assert verify_binder(made.binder).ok


def test_the_qr_code_reads_back_as_the_exact_checkpoint_text(made, incident_id, tmp_path):
    write_report(made.binder, incident_id, tmp_path / "report.pdf", lead=made.lead)
    (stored,) = list_checkpoints(made.binder)
    pages = tmp_path / "pages"
    pages.mkdir()
    assert _qr_texts(tmp_path / "report.pdf", pages) == [stored.note]


def test_paper_binder_prints_the_newest_checkpoint(made, incident_id, tmp_path):
    write_print_plan(made.binder, tmp_path / "none.pdf", include_roster=False)
    assert "No checkpoint has been made" in _text(tmp_path / "none.pdf")
    newest = make_checkpoint(made.binder, made.lead, made.witness, occasion="handover")
    write_print_plan(made.binder, tmp_path / "paper.pdf", include_roster=False)
    text = _text(tmp_path / "paper.pdf")
    assert "Newest checkpoint of the binder (checkpoint 1)" in text and f"witnessed by {WITNESS_NAME}" in text
    pages = tmp_path / "pages"
    pages.mkdir()
    assert _qr_texts(tmp_path / "paper.pdf", pages) == [newest.note]


def test_unsigned_report_prints_the_newest_checkpoint_without_making_one(made, incident_id, tmp_path):
    make_checkpoint(made.binder, made.lead)
    write_report(made.binder, incident_id, tmp_path / "r.pdf")
    assert len(list_checkpoints(made.binder)) == 1
    assert "Newest checkpoint of the binder (checkpoint 1)" in _text(tmp_path / "r.pdf")
