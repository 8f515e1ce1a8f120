"""The Report screen, driven with qtbot on a real binder; the PDFs are read back with poppler."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from binder.core import roster
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from binder.ui.screens.report import ReportScreen
from tests.helpers import WITNESS, WITNESS_NAME, WITNESS_PASS, enroll_person

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def pdfsig(path: Path) -> str:
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout


@pytest.fixture
def screen(qtbot, made, incident_id, shown_messages):
    widget = ReportScreen(made.binder, incident_id, lambda: made.lead)
    qtbot.addWidget(widget)
    widget.resize(1100, 720)
    widget.show()
    yield widget
    if widget.task is not None:
        widget.task.cancel()
        qtbot.waitUntil(lambda: widget.task is None, timeout=20000)
    qtbot.waitUntil(lambda: widget.page_task is None, timeout=20000)


def export(qtbot, screen, path: Path, button) -> None:
    screen.path_chooser = lambda title, suggested: path
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen.busy and screen.task is None, timeout=30000)


def test_export_shows_preview_and_enables_only_the_lead_signature(qtbot, screen, tmp_path):
    path = tmp_path / "full.pdf"
    assert not any(b.isEnabled() for b in screen.sign_buttons.values())
    export(qtbot, screen, path, screen.full_button)
    assert path.exists() and screen.last_result.variant == "full"
    assert f"{screen.last_result.pages} pages" in screen.file_label.text()
    # The preview shows the file page by page, rendered off the UI thread.
    qtbot.waitUntil(lambda: screen.page_number == 1, timeout=20000)
    total = screen.last_result.pages
    assert screen.page_label.text() == f"Page 1 of {total}"
    assert not screen.page_view.pixmap().isNull()
    assert screen.page_view.pixmap().width() >= 700
    assert not screen.prev_button.isEnabled() and screen.next_button.isEnabled()
    qtbot.mouseClick(screen.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.page_number == 2, timeout=20000)
    screen.show_page(total)
    qtbot.waitUntil(lambda: screen.page_number == total, timeout=20000)
    assert not screen.next_button.isEnabled()
    enabled = {role for role, b in screen.sign_buttons.items() if b.isEnabled()}
    assert enabled == {"lead"}
    assert "Incident lead: not yet" in screen.signature_state.text()
    # Kept beside the test's files (a fixed /tmp path would be shared by parallel runs).
    assert screen.grab().save(str(tmp_path / "report_screen.png"))


def test_lead_then_witness_sign_from_the_screen(qtbot, screen, tmp_path, answer_modal,
                                                shown_messages):
    path = tmp_path / "full.pdf"
    export(qtbot, screen, path, screen.full_button)
    qtbot.mouseClick(screen.sign_buttons["lead"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen.busy and screen.task is None, timeout=30000)
    assert screen.sign_buttons["witness"].isEnabled()
    assert not screen.sign_buttons["lead"].isEnabled()

    def witness_signs(dialog):
        dialog.choose(WITNESS)
        dialog.passphrase.setText(WITNESS_PASS)
        dialog.try_sign_in()

    answer_modal(witness_signs)
    qtbot.mouseClick(screen.sign_buttons["witness"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen.busy and screen.task is None, timeout=30000)
    assert answer_modal.calls == ["SignInDialog"]
    assert pdfsig(path).count("Signature is Valid.") == 2
    assert "Witness: signed ✓" in screen.signature_state.text()
    assert ("info", "Signed", f"{WITNESS_NAME} signed the report as witness.") in shown_messages


def test_legal_signs_as_review_in_the_access_log_as_on_the_stamp(qtbot, made, screen, tmp_path,
                                                                answer_modal):
    """What legal's sign-in is recorded as and what the signature says are one meaning."""
    enroll_person(made.binder, "Carole Dupré", "legal", "carole-passphrase", login="carole")
    path = tmp_path / "full.pdf"
    export(qtbot, screen, path, screen.full_button)
    qtbot.mouseClick(screen.sign_buttons["lead"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen.busy and screen.task is None, timeout=30000)

    def legal_signs(dialog):
        dialog.choose("carole")
        dialog.passphrase.setText("carole-passphrase")
        dialog.try_sign_in()

    answer_modal(legal_signs)
    qtbot.mouseClick(screen.sign_buttons["legal"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen.busy and screen.task is None, timeout=30000)
    who, detail = made.binder.conn.execute(
        "SELECT who, detail FROM access_log WHERE kind = 'signer' ORDER BY id DESC").fetchone()
    assert who == "carole" and detail.startswith("review")
    assert pdfsig(path).count("Signature is Valid.") == 2
    stamp = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "Carole Dupré · Legal Representative\nMeaning: review" in stamp


def test_executive_summary_export(qtbot, screen, tmp_path):
    path = tmp_path / "summary.pdf"
    export(qtbot, screen, path, screen.exec_button)
    assert screen.last_result.variant == "executive"
    assert "Executive summary" in screen.file_label.text()
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "Executive summary" in text


def test_cancelled_export_writes_nothing(qtbot, made, incident_id, screen, tmp_path,
                                         shown_messages):
    journal.append_many(made.binder, incident_id, made.lead,
                        [NewEntry(text=f"note {i}") for i in range(1500)])
    path = tmp_path / "cancelled.pdf"
    screen.path_chooser = lambda title, suggested: path
    qtbot.mouseClick(screen.full_button, Qt.MouseButton.LeftButton)
    screen.task.cancel()
    qtbot.waitUntil(lambda: not screen.busy and screen.task is None, timeout=30000)
    assert not path.exists()
    assert ("info", "Cancelled", "Cancelled; no file was written.") in shown_messages
    assert screen.full_button.isEnabled()


def test_print_plan_fills_the_call_sheet_when_unlocked(qtbot, made, screen, tmp_path,
                                                       shown_messages):
    roster.add_contact(made.binder, role="lead", name="First Lead", phone="+49 170 1111111")
    path = tmp_path / "paper.pdf"
    export(qtbot, screen, path, screen.plan_button)
    assert path.exists()
    kind, title, text = shown_messages[-1]
    assert title == "Paper binder written" and "3 contacts on the call sheet" in text  # and the two signers
    assert "+49 170 1111111" in subprocess.run(["pdftotext", str(path), "-"],
                                               capture_output=True, text=True).stdout


def test_the_assessment_form_signs_only_what_changed_and_the_summary_shows_it(
        qtbot, screen, made, incident_id, tmp_path):
    from binder.core.incident import assessment

    assessment.assess(made.binder, incident_id, made.lead, root_cause="weak admin password")
    dialog = screen.assess()
    assert dialog.root_cause.toPlainText() == "weak admin password"
    dialog.what_happened.setPlainText("A script in the checkout copied card details")
    dialog.customers.setText("1200")
    dialog.customers_estimate.setChecked(True)
    dialog.asks.setPlainText("Approve the forensic investigator\nOffer credit monitoring")
    dialog.rates.setText("USD=0.92")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "reporting currency" in dialog.message.text()
    dialog.currency.setText("eur")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    current = assessment.current_assessment(made.binder, incident_id)
    assert current.statements == 2 and current.is_estimate("customers")
    assert current.sources["root_cause"][0] < current.sources["customers"][0]  # not restated
    assert current.get("asks") == ["Approve the forensic investigator", "Offer credit monitoring"]
    path = tmp_path / "summary.pdf"
    export(qtbot, screen, path, screen.exec_button)
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                   text=True).stdout.split())
    assert "A script in the checkout copied card details" in text
    assert "1,200 customers (estimate)" in text and "Offer credit monitoring" in text
