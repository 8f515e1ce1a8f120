"""After each signed action, every visible label that states how things are states the present.

One walk through the incident flow in the real window: an entry typed in the quick-entry box,
an entry written by another program (the command line), a co-signature, the report signed by
the lead and the witness, signing out. After each step the labels that claim a current state
(the status bar, "Added #N", the journal's count, the co-signature badge, the report's file
line and its signatures) are read back and compared with the binder.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from binder.core.incident import journal as jr
from binder.core.incident.journal import NewEntry
from binder.core.storage.database import open_binder
from binder.core.storage.marks import journal_head
from binder.ui.screens.journal_model import JournalModel
from binder.ui.screens.workspace import pane_index
from tests.helpers import LEAD, LEAD_NAME, WITNESS, WITNESS_NAME, WITNESS_PASS

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _visible_texts(window) -> list[str]:
    """Every label and status-bar text on view in the window."""
    from PySide6.QtWidgets import QLabel

    return [w.text() for w in window.findChildren(QLabel) if w.isVisible() and w.text()]


def _no_stale_claims(window, binder, incident_id, *, signed_in: str | None) -> None:
    """What every visible label says about the present agrees with the binder."""
    head = journal_head(binder, incident_id)
    for text in _visible_texts(window):
        if text.startswith("Added #"):
            assert head is not None and text.startswith(f"Added #{head.seq} "), text
        if signed_in is not None:
            assert "Nobody signed in" not in text, text
        else:
            assert not text.startswith("Signed in:"), text


def _count(binder, incident_id) -> int:
    return binder.conn.execute("SELECT count(*) FROM entry WHERE incident_id = ?",
                               (incident_id,)).fetchone()[0]


def test_after_each_signed_action_the_labels_state_the_present(
        qtbot, signed_window, made, incident_id, answer_modal, tmp_path):
    window = signed_window
    ws = window.workspace
    journal = ws.journal
    assert window.signer_label.text().startswith(f"Signed in: {LEAD_NAME}")
    assert window.sign_out_button.isVisible()

    # 1. An entry typed and signed from the keyboard.
    qtbot.keyClicks(ws.quick.text, "Took the store offline")
    qtbot.keyClick(ws.quick.text, Qt.Key.Key_Return, CTRL)
    head = journal_head(made.binder, incident_id)
    assert ws.quick.draft_status.text() == f"Added #{head.seq} as {LEAD_NAME}"
    total = _count(made.binder, incident_id)
    assert journal.count.text() == f"{total:,} entr{'y' if total == 1 else 'ies'}"
    _no_stale_claims(window, made.binder, incident_id, signed_in=LEAD)

    # 2. An entry written by another program: the next look (the window's 5-s tick) shows it,
    # and "Added #N" no longer claims to be the newest.
    with open_binder(made.path) as elsewhere:
        jr.append(elsewhere, incident_id, made.lead, NewEntry(text="From the command line"))
    window.tick()
    total = _count(made.binder, incident_id)
    assert journal.count.text() == f"{total:,} entries"
    assert not ws.quick.draft_status.text().startswith("Added #")
    _no_stale_claims(window, made.binder, incident_id, signed_in=LEAD)

    # 3. A co-signature: the entry's badge and the status bar say who witnessed.
    first = head.seq
    entry_id = made.binder.conn.execute(
        "SELECT id FROM entry WHERE incident_id = ? AND seq = ?", (incident_id, first)).fetchone()[0]
    journal.select_entry(entry_id)

    def witness_signs(dialog):
        dialog.choose(WITNESS)
        qtbot.keyClicks(dialog.passphrase, WITNESS_PASS)
        dialog.ok_button.click()

    answer_modal(witness_signs)
    qtbot.keyClick(window, Qt.Key.Key_S, CTRL_SHIFT)
    qtbot.waitUntil(lambda: bool(jr.cosigns_for(made.binder, entry_id)), timeout=20_000)
    row = journal.model.row_of(entry_id)
    qtbot.waitUntil(lambda: f"witness: {WITNESS_NAME}" in str(
        journal.model.data(journal.model.index(row, JournalModel.BADGES))), timeout=5_000)
    assert f"witness {WITNESS_NAME}" in window.signer_label.text()
    _no_stale_claims(window, made.binder, incident_id, signed_in=LEAD)

    # 4. The report, signed by the lead then the witness: its file line follows each signature.
    ws.show_pane(pane_index("ReportScreen"))
    report = ws.pane(pane_index("ReportScreen"))
    path = tmp_path / "full.pdf"
    report.path_chooser = lambda title, suggested: path
    report.export("full")
    qtbot.waitUntil(lambda: not report.busy and report.task is None, timeout=60_000)
    assert report.file_label.text().endswith("unsigned)")
    report.sign("lead")
    qtbot.waitUntil(lambda: not report.busy and report.task is None, timeout=60_000)
    assert report.file_label.text().endswith("signed by incident lead)")
    assert "Incident lead: signed ✓" in report.signature_state.text()

    answer_modal(witness_signs)
    report.sign("witness")
    qtbot.waitUntil(lambda: not report.busy and report.task is None, timeout=60_000)
    assert report.file_label.text().endswith("signed by incident lead, witness)")
    assert "unsigned" not in report.file_label.text()
    assert "Witness: signed ✓" in report.signature_state.text()
    qtbot.waitUntil(lambda: report.page_task is None, timeout=20_000)
    assert not [t for t in _visible_texts(window) if "unsigned" in t]
    _no_stale_claims(window, made.binder, incident_id, signed_in=LEAD)

    # 5. Signing out: the status bar says nobody, and signing out is no longer offered.
    window.sign_out()
    assert window.signer_label.text() == "Nobody signed in"
    assert not window.sign_out_button.isVisible()
    assert not window.act_sign_out.isEnabled()
    _no_stale_claims(window, made.binder, incident_id, signed_in=None)


def test_amounts_are_read_in_the_users_locale():
    from PySide6.QtCore import QLocale

    from binder.ui.screens.impact import locale_amount

    us = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    de = QLocale(QLocale.Language.German, QLocale.Country.Germany)
    assert locale_amount("12,500", us) == "12500"
    assert locale_amount("12,500.50", us) == "12500.50"
    assert locale_amount("12.500,50", de) == "12500.50"
    assert locale_amount("12 500", de) == "12500"
    # Only real thousands groups are grouping: a plain amount means what it says anywhere.
    assert locale_amount("12500.00", de) == "12500.00"
    assert locale_amount("1,2", us) == "1,2"  # refused by the core as not a number
