"""The incident flow at 1366x768 from the keyboard alone, with focus back after every dialog.

No mouse clicks and no calls into screens: keys go to whatever widget has the focus, as a
person at a laptop would press them. After each dialog closes the keyboard is back in the
window (typing goes somewhere sensible without a click).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from binder.core.incident import journal as jr
from binder.core.incident import workflow
from binder.core.storage.marks import journal_head
from tests.helpers import LEAD_NAME, WITNESS, WITNESS_PASS

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def _key(key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    """Press ``key`` where the keyboard focus is (the active modal dialog, else the window)."""
    target = QApplication.focusWidget() or QApplication.activeModalWidget() \
        or QApplication.activeWindow()
    QTest.keyClick(target, key, mods)


def _type(text: str) -> None:
    QTest.keyClicks(QApplication.focusWidget(), text)


def _focus_in(window) -> bool:
    focus = QApplication.focusWidget()
    return focus is not None and focus.window() is window and focus.isVisible()


def test_the_incident_flow_from_the_keyboard(qtbot, signed_window, made, incident_id,
                                             answer_modal):
    window = signed_window
    assert (window.width(), window.height()) == (1366, 768)
    ws = window.workspace

    # Ctrl+N: the cursor goes to the journal box; Ctrl+Enter signs and adds the entry.
    _key(Qt.Key.Key_N, CTRL)
    assert QApplication.focusWidget() is ws.quick.text
    _type("Store taken offline at the CDN")
    _key(Qt.Key.Key_Return, CTRL)
    head = journal_head(made.binder, incident_id)
    newest = made.binder.conn.execute("SELECT id FROM entry WHERE hash = ?", (head.hash,)
                                      ).fetchone()[0]
    assert jr.get_entry(made.binder, newest).text == "Store taken offline at the CDN"
    assert ws.quick.draft_status.text() == f"Added #{head.seq} as {LEAD_NAME}"

    # Ctrl+2 to the journal, Ctrl+Shift+S: the witness types their passphrase and Enter.
    _key(Qt.Key.Key_2, CTRL)
    assert ws.tabs.currentIndex() == 1
    ws.journal.view.setFocus()
    _key(Qt.Key.Key_Home, CTRL)  # the newest entry is at the top

    def witness_types(dialog):
        dialog.choose(WITNESS)
        dialog.passphrase.setFocus()
        QTest.keyClicks(dialog.passphrase, WITNESS_PASS)
        QTest.keyClick(dialog.passphrase, Qt.Key.Key_Return)

    answer_modal(witness_types)
    _key(Qt.Key.Key_S, CTRL | SHIFT)
    qtbot.waitUntil(lambda: bool(made.binder.conn.execute("SELECT 1 FROM cosign").fetchone()),
                    timeout=20_000)
    qtbot.waitUntil(lambda: _focus_in(window), timeout=3_000)

    # Ctrl+Shift+D: the decision form, filled with Tab and typed text, Enter to sign.
    def decide(dialog):
        QTest.keyClicks(dialog.fields["decision"], "Keep the store offline")
        dialog.fields["reason"].setFocus()
        QTest.keyClicks(dialog.fields["reason"], "Every order exposes a card")
        dialog.fields["approved_by"].setFocus()
        QTest.keyClicks(dialog.fields["approved_by"], "Alex Berg (CEO)")
        QTest.keyClick(dialog.fields["approved_by"], Qt.Key.Key_Return)

    answer_modal(decide)
    _key(Qt.Key.Key_D, CTRL | SHIFT)
    state = workflow.incident_state
    qtbot.waitUntil(lambda: bool(state(made.binder, incident_id).decisions), timeout=10_000)
    assert state(made.binder, incident_id).decisions[-1].decision == "Keep the store offline"
    qtbot.waitUntil(lambda: _focus_in(window), timeout=3_000)
    assert not ws.quick.draft_status.text().startswith("Added #")  # no longer the newest

    # Esc closes a form unsigned; the keyboard is back in the window.
    answer_modal(lambda dialog: QTest.keyClick(dialog, Qt.Key.Key_Escape))
    _key(Qt.Key.Key_M, CTRL | SHIFT)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None and _focus_in(window),
                    timeout=5_000)

    # F1 lists every shortcut; Esc closes it and the focus comes back.
    _key(Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: getattr(window, "shortcuts_dialog", None) is not None
                    and window.shortcuts_dialog.isVisible(), timeout=3_000)
    QTest.keyClick(window.shortcuts_dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.shortcuts_dialog.isVisible() and _focus_in(window),
                    timeout=3_000)

    # Alt+4 roster, Alt+5 readiness, Alt+2 back to the incident: every screen by key.
    for key, screen in ((Qt.Key.Key_4, "roster_screen"), (Qt.Key.Key_5, "readiness_screen"),
                        (Qt.Key.Key_6, "access_screen")):
        _key(key, ALT)
        assert window.content.currentWidget() is getattr(window, screen)
    _key(Qt.Key.Key_2, ALT)
    assert window.content.currentWidget() is ws
    # Ctrl+L locks: the passphrase field has the keyboard.
    _key(Qt.Key.Key_L, CTRL)
    assert QApplication.focusWidget() is window.unlock_page.passphrase


def test_evidence_and_report_from_the_keyboard(qtbot, signed_window, made, incident_id,
                                               answer_modal, file_answers, tmp_path):
    """Ctrl+E registers a file and Ctrl+P exports the report; the file dialogs are answered
    through binder.ui.dialogs (the native ones cannot be driven offscreen)."""
    window = signed_window
    answers, asked = file_answers
    log = tmp_path / "access.log"
    log.write_text("GET /checkout 200\n", encoding="utf-8")
    pdf = tmp_path / "case.pdf"
    answers.extend([[str(log)], str(pdf)])

    def register(dialog):
        dialog.description.setFocus()
        QTest.keyClicks(dialog.description, "nginx access log of web1")
        dialog.choose_witness(WITNESS, WITNESS_PASS)
        dialog.ok_button.setFocus()
        QTest.keyClick(dialog.ok_button, Qt.Key.Key_Space)

    answer_modal(register)
    _key(Qt.Key.Key_E, CTRL)
    qtbot.waitUntil(lambda: bool(made.binder.conn.execute("SELECT 1 FROM evidence").fetchone()),
                    timeout=20_000)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None and _focus_in(window),
                    timeout=5_000)

    _key(Qt.Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: pdf.exists() and pdf.stat().st_size > 0, timeout=60_000)
    assert [kind for kind, _title in asked] == ["open-files", "save-file"]
    qtbot.waitUntil(lambda: _focus_in(window), timeout=5_000)


def test_checkpoint_saved_and_another_binder_opened_from_the_keyboard(
        qtbot, signed_window, made, incident_id, answer_modal, file_answers, tmp_path):
    """Ctrl+Alt+K makes a checkpoint whose text is saved from the keyboard, and Ctrl+O opens
    another binder; both file dialogs are answered through binder.ui.dialogs."""
    from binder.core.checkpoint.store import list_checkpoints
    from binder.core.storage.backup import backup_binder

    window = signed_window
    answers, asked = file_answers
    copy = backup_binder(made.binder, tmp_path / "copy.binder")
    saved = tmp_path / "checkpoint.txt"
    answers.extend([str(saved), str(copy)])

    def save_text(dialog):
        (save,) = [b for b in dialog.findChildren(QPushButton) if b.text() == "Save as…"]
        save.setFocus()
        QTest.keyClick(save, Qt.Key.Key_Space)
        QTest.keyClick(dialog, Qt.Key.Key_Escape)

    def make(dialog):
        dialog.choose_witness(WITNESS, WITNESS_PASS)
        dialog.ok_button.setFocus()
        QTest.keyClick(dialog.ok_button, Qt.Key.Key_Space)
        # The witness's key opens off the UI thread; the text dialog comes once this closes.
        answer_modal(save_text)

    answer_modal(make)
    _key(Qt.Key.Key_K, CTRL | ALT)
    qtbot.waitUntil(saved.exists, timeout=20_000)
    (checkpoint,) = list_checkpoints(made.binder)
    assert saved.read_text(encoding="utf-8") == checkpoint.note
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None and _focus_in(window),
                    timeout=5_000)

    _key(Qt.Key.Key_O, CTRL)
    assert window.binder_path == copy
    assert QApplication.focusWidget() is window.unlock_page.passphrase
    assert asked == [("save-file", "Save checkpoint"), ("open-file", "Open a binder")]
