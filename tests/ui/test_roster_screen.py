"""The Roster screen, driven like a user would: type, click, copy."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTableView,
    QWidget,
)

from binder.core import roster
from binder.core.storage.database import open_binder
from binder.ui import dialogs
from binder.ui.screens.roster import RosterScreen

# The offscreen platform cannot pass a window's size limits on to a window
# system and says so once per shown window; a real desktop never logs it.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def made(empty_roster):
    """The contact tests start from an empty roster (signers are contacts too)."""
    return empty_roster


@pytest.fixture
def shown(monkeypatch):
    """Message boxes are recorded and answered 'yes' instead of blocking."""
    monkeypatch.setattr(dialogs, "AUTO_ANSWER", True)
    dialogs.SHOWN.clear()
    yield dialogs.SHOWN
    dialogs.SHOWN.clear()


@pytest.fixture
def screen(qtbot, made, shown):
    widget = RosterScreen(made.binder)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _fill(screen: RosterScreen, qtbot, *, role: str, name: str, phone: str = "", email: str = "",
          escalation: int = 1) -> None:
    editor = screen.editor
    editor.role.setCurrentIndex(editor.role.findData(role))
    editor.escalation.setValue(escalation)
    for widget, text in ((editor.name, name), (editor.phone, phone), (editor.email, email)):
        widget.clear()
        qtbot.keyClicks(widget, text)


def _copy_button(screen: RosterScreen, text: str, contact_name: str) -> QAbstractButton:
    [button] = [b for b in screen.call_sheet.copy_buttons if b.accessibleName() == f"{text} of {contact_name}"]
    return button


def test_added_contact_appears_in_table_and_call_sheet_with_copy_buttons(screen, qtbot, made, shown):
    _fill(screen, qtbot, role="it", name="Second on call", phone="+1 628 555 0111", escalation=2)
    qtbot.mouseClick(screen.editor.save_button, Qt.MouseButton.LeftButton)
    _fill(screen, qtbot, role="it", name="Priya Raman", phone="+1 628 555 0110",
          email="priya@acme-store.com", escalation=1)
    qtbot.mouseClick(screen.editor.save_button, Qt.MouseButton.LeftButton)
    assert shown == []

    names = [screen.model.index(r, 0).data() for r in range(screen.model.rowCount())]
    assert names == ["Priya Raman", "Second on call"]
    assert screen.model.index(0, 1).data() == "IT Contact"
    assert screen.editor.name.text() == ""  # ready for the next contact
    assert "Added Priya Raman" in screen.status.text()

    screen.tabs.setCurrentWidget(screen.call_sheet)
    order = [b.accessibleName() for b in screen.call_sheet.copy_buttons if b.text() == "Copy phone"]
    assert order == ["Copy phone of Priya Raman", "Copy phone of Second on call"]

    qtbot.mouseClick(_copy_button(screen, "Copy phone", "Priya Raman"), Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "+1 628 555 0110"
    qtbot.mouseClick(_copy_button(screen, "Copy email", "Priya Raman"), Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "priya@acme-store.com"
    assert not _copy_button(screen, "Copy email", "Second on call").isEnabled()
    assert [c.name for c in roster.list_contacts(made.binder)] == ["Priya Raman", "Second on call"]


def test_bad_input_shows_one_calm_error_and_writes_nothing(screen, qtbot, made, shown):
    _fill(screen, qtbot, role="lead", name="Dana Whitfield", email="dana at acme")
    qtbot.mouseClick(screen.editor.save_button, Qt.MouseButton.LeftButton)
    assert [(kind, title) for kind, title, _ in shown] == [("error", "Contact not saved")]
    assert "name@example.com" in shown[0][2]
    assert roster.list_contacts(made.binder) == []
    assert screen.editor.name.text() == "Dana Whitfield"  # nothing typed is lost


def test_editing_a_contact_records_a_revision(screen, qtbot, made, shown):
    cid = roster.add_contact(made.binder, role="legal", name="Helen Ossei", phone="+1 212 555 0190")
    screen.refresh()
    screen.table.selectRow(0)
    assert screen.editor.editing is not None and screen.editor.save_button.text() == "Save changes"
    screen.editor.phone.clear()
    qtbot.keyClicks(screen.editor.phone, "+1 212 555 0191")
    qtbot.mouseClick(screen.editor.save_button, Qt.MouseButton.LeftButton)
    assert shown == []
    assert [h.phone for h in roster.contact_history(made.binder, cid)] == ["+1 212 555 0190", "+1 212 555 0191"]
    assert screen.model.index(0, 3).data() == "+1 212 555 0191"


def test_removing_asks_first_and_keeps_history(screen, qtbot, made, shown):
    cid = roster.add_contact(made.binder, role="hosting", name="Nimbus NOC", phone="+44 20 7946 0958")
    screen.refresh()
    screen.table.selectRow(0)
    qtbot.mouseClick(screen.editor.remove_button, Qt.MouseButton.LeftButton)
    assert [kind for kind, _, _ in shown] == ["confirm"]
    assert screen.model.rowCount() == 0
    assert [h.removed for h in roster.contact_history(made.binder, cid)] == [False, True]
    assert screen.call_sheet.copy_buttons == []


def test_search_filters_in_memory(screen, qtbot, made):
    roster.add_contact(made.binder, role="lead", name="Dana Whitfield")
    roster.add_contact(made.binder, role="hosting", name="Nimbus NOC", sla="Contract NH-4471")
    screen.refresh()
    qtbot.keyClicks(screen.search, "nh-4471")
    assert [screen.model.index(r, 0).data() for r in range(screen.model.rowCount())] == ["Nimbus NOC"]
    screen.search.clear()
    assert screen.model.rowCount() == 2


def test_locked_binder_shows_a_message_and_asks_to_unlock(qtbot, made, shown):
    roster.add_contact(made.binder, role="lead", name="Dana Whitfield")
    made.binder.close()
    with open_binder(made.path) as locked:
        widget = RosterScreen(locked)
        qtbot.addWidget(widget)
        widget.show()
        assert widget.stack.currentIndex() == 0
        assert "locked" in widget.locked_label.text()
        assert widget.contacts == [] and widget.model.rowCount() == 0
        with qtbot.waitSignal(widget.unlock_requested, timeout=1000):
            qtbot.mouseClick(widget.unlock_button, Qt.MouseButton.LeftButton)
        from binder.core.crypto import vault
        from tests.helpers import PASSPHRASE

        vault.unlock_with_passphrase(locked, PASSPHRASE)
        widget.refresh()
        assert widget.stack.currentIndex() == 1
        assert [c.name for c in widget.contacts] == ["Dana Whitfield"]
        # Locking again drops every decrypted value from the screen.
        locked.data_key = None
        widget.refresh()
        assert widget.stack.currentIndex() == 0
        assert widget.contacts == [] and widget.model.rowCount() == 0
        assert widget.editor.name.text() == ""
    assert shown == []


def test_every_control_has_an_accessible_name(screen, made):
    roster.add_contact(made.binder, role="lead", name="Dana Whitfield", phone="+1 415 555 0142")
    screen.refresh()
    controls = (QAbstractButton, QLineEdit, QComboBox, QSpinBox, QPlainTextEdit, QTableView)
    unnamed = [
        type(w).__name__ + ":" + (w.objectName() or "?")
        for w in screen.findChildren(QWidget)
        if isinstance(w, controls) and not w.accessibleName()
        # Qt's own sub-widgets (spin box line edit, tab scroll arrows, table corner) are not ours.
        and not w.objectName().startswith("qt_") and type(w.parent()).__name__ not in (
            "QSpinBox", "QTabBar", "QTableView", "QComboBox")
    ]
    assert unnamed == []


def test_contact_added_elsewhere_appears_and_an_edit_under_way_survives(qtbot, made, shown):
    """The window's one change signal refreshes the roster; the form being edited is kept."""
    from binder.ui.changes import ChangeHub

    window = QWidget()
    window.changes = ChangeHub(lambda: (made.binder, None, None), window)
    window.changes.check()  # the first look: everything after it is news
    qtbot.addWidget(window)
    screen = RosterScreen(made.binder, window)
    window.resize(1100, 700)
    window.show()
    qtbot.waitExposed(window)
    roster.add_contact(made.binder, role="legal", name="Helen Ossei", phone="+1 212 555 0190")
    window.changes.check()
    assert [c.name for c in screen.contacts] == ["Helen Ossei"]
    screen.table.selectRow(0)
    screen.editor.phone.clear()
    qtbot.keyClicks(screen.editor.phone, "+1 212 555 0199")
    # Another door (the command line) adds a contact while the edit is under way.
    roster.add_contact(made.binder, role="legal", name="Ana Ruiz", phone="+1 212 555 0123")
    window.changes.check()
    assert sorted(c.name for c in screen.contacts) == ["Ana Ruiz", "Helen Ossei"]
    assert screen.model.rowCount() == 2
    assert screen.editor.editing is not None and screen.editor.editing.name == "Helen Ossei"
    assert screen.editor.phone.text() == "+1 212 555 0199"
    assert shown == []
