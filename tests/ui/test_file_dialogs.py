"""File dialogs go through binder.ui.dialogs, so tests and keyboard walks can answer them."""

from __future__ import annotations

from binder.ui import dialogs


def test_file_dialogs_take_queued_answers_in_order(monkeypatch, qtbot):
    monkeypatch.setattr(dialogs, "FILE_ANSWERS", [["/tmp/a.log", "/tmp/b.png"], "/tmp/r.pdf", ""])
    monkeypatch.setattr(dialogs, "FILES_ASKED", [])
    assert dialogs.open_files(None, "Register evidence files", "") == ["/tmp/a.log", "/tmp/b.png"]
    assert dialogs.save_file(None, "Export report", "", "PDF files (*.pdf)") == "/tmp/r.pdf"
    assert dialogs.save_file(None, "Export data", "") == ""  # cancelled
    assert dialogs.FILES_ASKED == [("open-files", "Register evidence files"),
                                   ("save-file", "Export report"), ("save-file", "Export data")]
    assert dialogs.FILE_ANSWERS == []


def test_evidence_and_report_screens_ask_through_the_helper():
    from pathlib import Path

    for screen in ("evidence", "report"):
        text = Path(f"binder/ui/screens/{screen}.py").read_text(encoding="utf-8")
        assert "QFileDialog" not in text, screen
