"""The journal in the app: Ctrl+Enter, drafts that survive, lazy fetching, co-sign, verify."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from binder.core.incident import journal as jr
from binder.core.incident.journal import NewEntry
from binder.core.storage.database import open_binder
from binder.services import drafts
from binder.ui.screens.journal import CosignDialog, JournalPane
from binder.ui.screens.journal_model import JournalModel
from tests.helpers import LEAD, WITNESS, WITNESS_NAME, WITNESS_PASS


def _type_entry(qtbot, window, text):
    ws = window.workspace
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert ws.quick.text.hasFocus()
    qtbot.keyClicks(ws.quick.text, text)
    return ws


def test_ctrl_enter_adds_a_signed_entry_on_top(qtbot, signed_window, made, incident_id):
    ws = _type_entry(qtbot, signed_window, "Found <script src=evil.js> in footer")
    qtbot.keyClicks(ws.quick.reason, "Seen in page source")
    qtbot.keyClick(ws.quick.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    model = ws.journal.model
    top = model.view_at(0).entry
    assert top.text == "Found <script src=evil.js> in footer"
    assert top.reason == "Seen in page source" and top.author == LEAD
    assert model.data(model.index(0, JournalModel.BADGES)) == "signed"
    assert ws.quick.text.toPlainText() == ""
    assert drafts.load_draft(made.binder, incident_id) is None
    assert ws.journal.count.text() == "2 entries"
    # The new entry is current, so the witness can co-sign it straight away.
    assert ws.journal.selected_view().entry.id == top.id


def test_ctrl_enter_works_from_anywhere_in_the_incident(qtbot, signed_window):
    ws = _type_entry(qtbot, signed_window, "Typed, then went to the filter box")
    ws.journal.filter.setFocus()
    qtbot.keyClick(ws.journal.filter, Qt.Key.Key_Enter, Qt.KeyboardModifier.ControlModifier)
    assert ws.journal.model.view_at(0).entry.text == "Typed, then went to the filter box"
    ws.show_pane(0)  # the Guide pane
    qtbot.keyClicks(ws.quick.text, "and from the guide")
    qtbot.keyClick(ws.tabs.currentWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert ws.journal.model.view_at(0).entry.text == "and from the guide"


def test_text_is_kept_when_nobody_signs(qtbot, window_for, made, incident_id, answer_modal):
    window = window_for(made.path, binder=made.binder)
    ws = window.workspace
    qtbot.keyClicks(ws.quick.text, "Do not lose me")
    answer_modal(lambda dialog: dialog.reject())  # the sign-in dialog is cancelled
    qtbot.keyClick(ws.quick.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert answer_modal.calls == ["SignInDialog"]
    assert ws.quick.text.toPlainText() == "Do not lose me"
    assert "nobody is signed in" in ws.quick.message.text()
    assert jr.count_entries(made.binder, incident_id) == 1
    assert drafts.load_draft(made.binder, incident_id).text == "Do not lose me"


def test_draft_is_saved_after_a_pause_and_survives_closing(qtbot, window_for, made, incident_id):
    window = window_for(made.path, binder=made.binder)
    ws = window.workspace
    qtbot.keyClicks(ws.quick.text, "half a thought")
    qtbot.waitUntil(lambda: drafts.load_draft(made.binder, incident_id) is not None, timeout=3000)
    qtbot.keyClicks(ws.quick.text, " and the rest")
    window.close()  # before the pause is over: closing saves it
    with open_binder(made.path) as b:
        assert drafts.load_draft(b, incident_id).text == "half a thought and the rest"
    again = window_for(made.path, binder=open_binder(made.path), passphrase=None)
    # Still locked (no passphrase given), so unlock first; the draft is waiting.
    qtbot.keyClicks(again.unlock_page.passphrase, "correct horse battery")
    qtbot.keyClick(again.unlock_page.passphrase, Qt.Key.Key_Return)
    assert again.workspace.quick.text.toPlainText() == "half a thought and the rest"
    assert "Draft restored" in again.workspace.quick.draft_status.text()


def test_model_fetches_lazily(qtbot, made, incident_id):
    jr.append_many(made.binder, incident_id, made.lead,
                   [NewEntry(text=f"line {i}") for i in range(5000)])
    pane = JournalPane(made.binder, incident_id, lambda: made.lead)
    qtbot.addWidget(pane)
    model = pane.model
    assert model.total() == 5001
    first = model.rowCount()
    assert 0 < first < 5001 and model.canFetchMore()
    assert model.view_at(0).entry.text == "line 4999"  # newest first
    model.fetchMore()
    assert model.rowCount() == first * 2
    assert model.view_at(first).entry.seq == 5001 - first
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 5001
    assert model.view_at(5000).entry.kind == "open"
    seqs = [model.view_at(r).entry.seq for r in range(5001)]
    assert seqs == list(range(5001, 0, -1))


def test_scrolling_fetches_more(qtbot, made, incident_id):
    jr.append_many(made.binder, incident_id, made.lead,
                   [NewEntry(text=f"line {i}") for i in range(2000)])
    pane = JournalPane(made.binder, incident_id, lambda: made.lead)
    qtbot.addWidget(pane)
    pane.resize(1000, 600)
    pane.show()
    qtbot.waitExposed(pane)
    before = pane.model.rowCount()
    bar = pane.view.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: pane.model.rowCount() > before, timeout=3000)


def test_filter_shows_matching_entries(qtbot, made, incident_id):
    jr.append_many(made.binder, incident_id, made.lead,
                   [NewEntry(text=f"routine {i}") for i in range(300)]
                   + [NewEntry(text="Hosting support ticket 100% opened", kind="communication")])
    pane = JournalPane(made.binder, incident_id, lambda: made.lead)
    qtbot.addWidget(pane)
    qtbot.keyClicks(pane.filter, "100%")
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1, timeout=3000)
    assert pane.model.view_at(0).entry.kind == "communication"
    assert pane.count.text() == "1 matching"
    pane.filter.clear()
    qtbot.waitUntil(lambda: pane.model.total() == 302, timeout=3000)


def test_cosign_dialog_and_kept_witness(qtbot, signed_window, made, incident_id, answer_modal):
    ws = signed_window.workspace
    first = jr.append(made.binder, incident_id, made.lead, NewEntry(text="Store taken offline"))
    second = jr.append(made.binder, incident_id, made.lead, NewEntry(text="CDN purged"))
    ws.journal.refresh()
    ws.journal.select_entry(first)

    def witness_signs(dialog):
        assert isinstance(dialog, CosignDialog)
        assert dialog.person.findData(LEAD) == -1  # the author cannot witness
        dialog.choose(WITNESS)
        qtbot.keyClicks(dialog.passphrase, "not bobs passphrase")
        dialog.ok_button.click()
        assert f"not {WITNESS_NAME}'s passphrase" in dialog.message.text()  # calm, stays open
        dialog.passphrase.clear()
        qtbot.keyClicks(dialog.passphrase, WITNESS_PASS)
        dialog.ok_button.click()

    answer_modal(witness_signs)
    qtbot.keyClick(signed_window, Qt.Key.Key_S,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    row = ws.journal.model.row_of(first)
    assert f"witness: {WITNESS_NAME}" in ws.journal.model.data(ws.journal.model.index(row, JournalModel.BADGES))
    assert [c.witness for c in jr.cosigns_for(made.binder, first)] == [WITNESS]
    assert f"witness {WITNESS_NAME}" in signed_window.signer_label.text()

    # Bob stays signed in as witness: the next co-sign needs no passphrase. This time he
    # signs as reviewer, and that meaning is what is signed.
    ws.journal.select_entry(second)

    def bob_reviews(dialog):
        dialog.meaning_box.setCurrentIndex(dialog.meaning_box.findData("review"))
        dialog.ok_button.click()

    answer_modal(bob_reviews)
    assert ws.cosign()
    assert [(c.witness, c.meaning) for c in jr.cosigns_for(made.binder, second)] == [
        (WITNESS, "review")]


def test_correction_strikes_the_original_through(qtbot, signed_window, made, incident_id):
    ws = signed_window.workspace
    wrong = jr.append(made.binder, incident_id, made.lead, NewEntry(text="Skimmer since 3 May"))
    fix = jr.correct(made.binder, wrong, made.lead, "Skimmer since 3 March", "misread the log")
    ws.journal.refresh()
    model = ws.journal.model
    row = model.row_of(wrong)
    assert model.data(model.index(row, JournalModel.TEXT), Qt.ItemDataRole.FontRole).strikeOut()
    fix_seq = jr.get_entry(made.binder, fix).seq
    assert f"corrected by #{fix_seq}" in model.data(model.index(row, JournalModel.BADGES))
    fix_row = model.row_of(fix)
    assert model.data(model.index(fix_row, JournalModel.TEXT)).startswith("Correction: Skimmer since 3 March")
    assert model.data(model.index(fix_row, JournalModel.TEXT), Qt.ItemDataRole.FontRole) is None


def test_times_are_local_with_utc_on_hover(qtbot, signed_window):
    model = signed_window.workspace.journal.model
    tip = model.data(model.index(0, JournalModel.WHEN), Qt.ItemDataRole.ToolTipRole)
    assert "UTC" in tip and "local" in tip
    # On screen: local time with its zone (whatever this computer's zone is).
    shown = model.data(model.index(0, JournalModel.WHEN))
    zone = datetime.now().astimezone().tzname()
    assert shown.endswith(f" {zone}") or shown.endswith(f" UTC{zone}")


def test_verify_shows_intact_then_a_changed_text(qtbot, signed_window, made, incident_id):
    pane = signed_window.workspace.journal
    qtbot.keyClick(signed_window, Qt.Key.Key_V,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: pane.last_report is not None, timeout=10000)
    assert pane.last_report.ok and "Intact" in pane.verify_status.text()
    assert pane.result_dialog.isVisible()
    pane.result_dialog.close()

    # Someone edits the stored text behind the app's back.
    made.binder.conn.execute("DROP TRIGGER entry_no_update")
    made.binder.conn.execute("UPDATE entry SET text = 'nothing happened' WHERE seq = 1")
    made.binder.conn.commit()
    pane.last_report = None
    pane.verify_button.click()
    qtbot.waitUntil(lambda: pane.last_report is not None, timeout=10000)
    assert not pane.last_report.ok
    findings = [pane.result_dialog.findings.item(i).text()
                for i in range(pane.result_dialog.findings.count())]
    assert any("entry 1" in f and "text changed" in f for f in findings)
    assert "problem" in pane.verify_status.text()
    QApplication.processEvents()
