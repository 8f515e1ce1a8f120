"""The main window: opening, signing in once, idle lock, shortcuts, status, accessibility."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTableView,
    QTextBrowser,
    QWidget,
)

from binder.core.incident import journal as jr
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import open_incident
from binder.services import settings as app_state
from binder.services.applock import AppLock
from binder.services.settings import AppSettings
from binder.ui.screens.unlock import SignInDialog
from binder.ui.shell import NAV_INCIDENTS, NAV_PLAN, NAV_ROSTER, NAV_WORKSPACE
from tests.helpers import LEAD, LEAD_NAME, LEAD_PASS, PASSPHRASE


def test_opens_on_the_most_recently_active_incident(qtbot, window_for, made, incident_id):
    other = open_incident(made.binder, made.lead, title="Admin takeover")
    jr.append(made.binder, incident_id, made.lead, NewEntry(text="latest activity is here"))
    window = window_for(made.path, binder=made.binder)
    assert window.workspace.incident_id == incident_id != other
    assert window.nav.currentRow() == NAV_WORKSPACE
    assert window.workspace.tabs.currentIndex() == 1  # the journal
    assert window.nav.item(NAV_WORKSPACE).text().startswith("Skimmer")
    assert "Unlocked" in window.lock_label.text() and "15 min" in window.lock_label.text()
    assert window.signer_label.text() == "Nobody signed in"
    header = window.workspace.facts
    assert "detected" in header.text() and "UTC" in header.toolTip()
    assert window.workspace.severity.text() == "HIGH"


def test_signer_signs_in_once_then_the_session_is_reused(qtbot, window_for, made, incident_id,
                                                         answer_modal):
    window = window_for(made.path, binder=made.binder)

    def sign_in(dialog):
        assert isinstance(dialog, SignInDialog)
        dialog.choose(LEAD)
        qtbot.keyClicks(dialog.passphrase, "wrong")
        qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
        assert f"not {LEAD_NAME}'s passphrase" in dialog.message.text()
        dialog.passphrase.clear()
        qtbot.keyClicks(dialog.passphrase, LEAD_PASS)
        qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)

    answer_modal(sign_in)
    first = window.signer_provider()
    assert first is not None and first.person == LEAD
    assert window.signer_provider() is first  # no second prompt
    assert answer_modal.calls == ["SignInDialog"]
    assert window.signer_label.text().startswith(f"Signed in: {LEAD_NAME} (5 min left)")
    assert window.sign_out_button.isVisible()
    window.sign_out_button.click()
    assert window.signer_label.text() == "Nobody signed in"
    rows = made.binder.conn.execute(
        "SELECT who, detail FROM access_log WHERE kind = 'signer'").fetchall()
    assert (LEAD, "author (app)") in rows


def test_idle_lock_hides_everything_and_unlocks_again(qtbot, window_for, made, incident_id):
    app_state.save_settings(made.binder, AppSettings(idle_lock_minutes=1, signer_session_minutes=5))
    window = window_for(made.path, binder=made.binder)
    window.sign_in(LEAD, LEAD_PASS)
    qtbot.keyClicks(window.workspace.quick.text, "typed before the lock")
    window.session.last_input = time.monotonic() - 30
    window.tick()
    assert window.pages.currentWidget() is window.shell  # not idle long enough
    window.session.last_input = time.monotonic() - 61
    window.tick()
    assert window.pages.currentWidget() is window.unlock_page
    assert made.binder.data_key is None and window.session.keeper.peek() is None
    assert window.lock_label.text().startswith("Locked")
    assert not window.menuBar().isEnabled()
    from binder.services import drafts

    assert drafts.load_draft(made.binder, incident_id).text == "typed before the lock"
    qtbot.keyClicks(window.unlock_page.passphrase, PASSPHRASE)
    qtbot.keyClick(window.unlock_page.passphrase, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is window.shell
    assert window.nav.currentRow() == NAV_WORKSPACE
    assert window.workspace.quick.text.toPlainText() == "typed before the lock"


def test_ctrl_l_locks_now(qtbot, signed_window, made):
    qtbot.keyClick(signed_window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert signed_window.pages.currentWidget() is signed_window.unlock_page
    assert not made.binder.unlocked


def test_pane_shortcuts(qtbot, signed_window):
    ws = signed_window.workspace
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(signed_window, Qt.Key.Key_1, ctrl)
    assert ws.tabs.currentIndex() == 0
    qtbot.keyClick(signed_window, Qt.Key.Key_9, ctrl)
    assert ws.tabs.currentIndex() == 8
    for _ in range(ws.tabs.count() - 9):
        qtbot.keyClick(signed_window, Qt.Key.Key_Tab, ctrl)
    assert ws.tabs.currentIndex() == ws.tabs.count() - 1  # past Ctrl+9, Ctrl+Tab reaches them
    qtbot.keyClick(signed_window, Qt.Key.Key_Tab, ctrl)
    assert ws.tabs.currentIndex() == 0
    qtbot.keyClick(signed_window, Qt.Key.Key_2, ctrl)
    assert ws.tabs.currentIndex() == 1
    qtbot.keyClick(signed_window, Qt.Key.Key_F, ctrl | Qt.KeyboardModifier.ShiftModifier)
    assert ws.journal.filter.hasFocus()
    qtbot.keyClick(signed_window, Qt.Key.Key_F, ctrl)  # search everything
    assert signed_window.search_dialog.isVisible()
    signed_window.search_dialog.reject()
    qtbot.keyClick(signed_window, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert signed_window.nav.currentRow() == NAV_PLAN
    qtbot.keyClick(signed_window, Qt.Key.Key_N, ctrl)  # new entry from another screen
    assert signed_window.nav.currentRow() == NAV_WORKSPACE and ws.quick.text.hasFocus()


def test_new_incident_dialog_opens_a_signed_incident(qtbot, signed_window, made, answer_modal):
    def fill(dialog):
        qtbot.keyClicks(dialog.title, "Checkout skimmer <img src=x>")
        dialog.drill.setChecked(True)
        dialog.ok_button.click()

    signed_window.navigate(NAV_INCIDENTS)
    answer_modal(fill)
    qtbot.keyClick(signed_window, Qt.Key.Key_N,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    ws = signed_window.workspace
    assert ws.incident.title == "Checkout skimmer <img src=x>" and ws.incident.drill
    assert ws.incident.opened_by == LEAD
    assert signed_window.nav.currentRow() == NAV_WORKSPACE
    screen = signed_window.incidents_screen
    screen.set_status("drills")
    assert screen.model.rowCount() == 1
    screen.set_status("open")
    assert screen.model.rowCount() == 1  # the real incident; drills are listed apart


def test_a_second_window_on_the_same_binder_is_refused(qtbot, window_for, made):
    made.binder.close()
    with AppLock(made.path):
        window = window_for(made.path)
        assert window.pages.currentWidget() is window.welcome
        assert "already open in another Incident Binder window" in window.welcome.welcome_message.text()


def test_the_contact_editor_shows_every_button_label_whole_at_1366x768(qtbot, signed_window):
    window = signed_window
    window.navigate(NAV_ROSTER)
    editor = window.roster_screen.editor
    qtbot.waitUntil(editor.isVisible)
    cut = [b.text() for b in editor.findChildren(QAbstractButton)
           if b.isVisible() and b.width() < b.sizeHint().width()]
    assert cut == []
    assert "hosting provider, vendor, authority" in editor.external.toolTip()


def test_fits_1366x768_and_every_control_is_named(qtbot, signed_window):
    window = signed_window
    for index in (NAV_INCIDENTS, NAV_PLAN, NAV_WORKSPACE):
        window.navigate(index)
        qtbot.wait(10)
        assert window.centralWidget().minimumSizeHint().width() <= 1366
        assert window.minimumSizeHint().height() <= 768
    ws = window.workspace
    add = ws.quick.add_button
    corner = add.mapTo(window, add.rect().bottomRight())
    assert corner.x() <= window.width() and corner.y() <= window.height()
    unnamed = []
    mine = [window.shell.findChild(type(window.nav), "navigation"), ws.header, ws.journal, ws.quick,
            window.incidents_screen, window.plan_screen]
    kinds = (QAbstractButton, QLineEdit, QComboBox, QPlainTextEdit, QTableView, QTextBrowser,
             QAbstractSpinBox)
    for root in mine:
        for widget in [root, *root.findChildren(QWidget)]:
            if not isinstance(widget, kinds):
                continue
            if isinstance(widget.parent(), (QComboBox, QAbstractSpinBox, QTabBar, QTableView, QLineEdit)):
                continue  # internal parts of a named control
            if type(widget).__name__ == "QTableCornerButton":
                continue
            name = widget.accessibleName() or (widget.text() if isinstance(widget, QAbstractButton) else "")
            if not name:
                unnamed.append(f"{type(widget).__name__} in {type(root).__name__}")
    assert unnamed == []
