"""Every key does one thing where it works, every command is in the F1 list and the menus.

The window is walked through every screen and every incident pane first, so
the shortcuts each one binds exist when they are collected.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QMenu,
    QStackedWidget,
    QTabBar,
)

from binder.ui import shortcuts
from binder.ui.shell import NAV_LABELS, NAV_WORKSPACE


def _visit_everything(window) -> None:
    for index in range(len(NAV_LABELS)):
        window.navigate(index)
    window.navigate(NAV_WORKSPACE)
    for index in range(window.workspace.tabs.count()):
        window.workspace.show_pane(index)
    window.workspace.show_pane(1)


def _pages(widget) -> list:
    """The stacked pages ``widget`` sits in, outermost first (tabs and screens)."""
    chain = []
    w = widget
    while w is not None:
        parent = w.parentWidget()
        if isinstance(parent, QStackedWidget):
            chain.append(w)
        w = parent
    return list(reversed(chain))


def _scope(owner, window):
    """The widget a binding is active in: the window for window-wide actions."""
    if owner is window.menuBar():
        return window
    if isinstance(owner, QAction):
        return window if owner.shortcutContext() in (
            Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut) else None
    if isinstance(owner, QShortcut):
        return owner.parent()  # the widget it was made on
    return owner  # a button: its shortcut works while it is on view


def _name(owner) -> str:
    if owner.property("command"):
        return owner.property("command")
    text = owner.text() if hasattr(owner, "text") else ""
    return f"{type(owner).__name__} {text!r}" if text else type(owner).__name__


def _may_be_active_together(a, b, window) -> bool:
    if a is window or b is window:
        return True
    pa, pb = _pages(a), _pages(b)
    shorter, longer = (pa, pb) if len(pa) <= len(pb) else (pb, pa)
    return longer[:len(shorter)] == shorter  # on the same branch of screens and tabs


def test_no_key_sequence_is_bound_twice_where_both_could_fire(signed_window):
    window = signed_window
    _visit_everything(window)
    found = shortcuts.bindings(window)
    assert len(found) > 40  # menus, panes and screens were all collected
    clashes = []
    for i, (key_a, owner_a) in enumerate(found):
        for key_b, owner_b in found[i + 1:]:
            if key_a != key_b or owner_a is owner_b:
                continue
            sa, sb = _scope(owner_a, window), _scope(owner_b, window)
            if sa is not None and sb is not None and _may_be_active_together(sa, sb, window):
                clashes.append((key_a, _name(owner_a), _name(owner_b)))
    assert clashes == [], "\n".join(map(str, clashes))


def test_ctrl_shift_n_opens_a_new_incident_even_on_the_roster(signed_window, answer_modal,
                                                              qtbot):
    window = signed_window
    window.navigate(3)  # Roster
    window.roster_screen.table.setFocus()
    seen: list[str] = []
    answer_modal(lambda dialog: (seen.append(type(dialog).__name__), dialog.reject()))
    QTest.keyClick(window.roster_screen.table, Qt.Key.Key_N,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    # Qt logs "Ambiguous shortcut overload" (a failure here) and does nothing on a clash.
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    assert seen == ["NewIncidentDialog"]


def test_insert_on_the_roster_starts_a_new_contact(signed_window):
    window = signed_window
    window.navigate(3)
    screen = window.roster_screen
    screen.table.selectRow(0) if screen.model.rowCount() else None
    screen.table.setFocus()
    QTest.keyClick(screen.table, Qt.Key.Key_Insert)
    assert screen.editor.editing is None
    assert QApplication.focusWidget() is screen.editor.name


def test_every_bound_key_comes_from_the_registry_and_is_in_the_f1_list(signed_window, qtbot):
    window = signed_window
    _visit_everything(window)
    registered = {c.name: c for c in shortcuts.all_commands()}
    for key, owner in shortcuts.bindings(window):
        name = owner.property("command")
        if owner is window.menuBar() or isinstance(owner, QLabel | QTabBar) or (
                isinstance(owner, QAbstractButton) and key == shortcuts.mnemonic_key(owner.text())):
            continue  # mnemonics: Alt and the underlined letter (listed as such in F1)
        assert name in registered, f"{key} on {owner} is not in binder.ui.shortcuts"
        assert key in {shortcuts.QKeySequence(k).toString() for k in registered[name].keys}
    dialog = window._show_shortcuts()
    qtbot.addWidget(dialog)
    listed = {what.split(" — ")[0] for _where, _keys, what in dialog.rows()}
    for c in shortcuts.all_commands():
        if c.shown_keys:
            assert c.listed in listed
    # One line per command, each with its keys and where it works.
    places = {where for where, _k, _w in dialog.rows()}
    assert places <= set(shortcuts.PLACES)
    assert all(keys for _w, keys, _what in dialog.rows())


def _menus(window) -> list[QMenu]:
    out = []
    for action in window.menuBar().actions():
        menu = action.menu()
        stack = [menu]
        while stack:
            m = stack.pop()
            out.append(m)
            stack += [a.menu() for a in m.actions() if a.menu() is not None]
    return out


def test_every_menu_item_has_a_unique_mnemonic_and_shows_its_keys(signed_window):
    window = signed_window
    titles = [a.text() for a in window.menuBar().actions()]
    assert all("&" in t for t in titles)
    letters = [t[t.index("&") + 1].lower() for t in titles]
    assert len(set(letters)) == len(letters)
    for menu in _menus(window):
        seen = {}
        for action in menu.actions():
            if action.isSeparator():
                continue
            text = action.text().replace("&&", "")
            assert "&" in text, f"{action.text()!r} in {menu.title()!r} has no mnemonic"
            letter = text[text.index("&") + 1].lower()
            assert letter not in seen, f"{menu.title()}: {seen.get(letter)!r} and {text!r}"
            seen[letter] = text
            if action.shortcut().toString():
                # Qt shows the key beside the item; the tooltip says it too.
                assert action.shortcut().toString(
                    shortcuts.QKeySequence.SequenceFormat.NativeText) in action.toolTip()


def test_every_command_is_reachable_from_a_menu_or_its_screen(signed_window):
    window = signed_window
    _visit_everything(window)
    bound = {o.property("command") for _k, o in shortcuts.bindings(window)}
    in_menus = {a.property("command") for m in _menus(window) for a in m.actions()}
    missing = [c.name for c in shortcuts.all_commands()
               if not c.native and c.name not in bound | in_menus]
    assert missing == []


def test_every_window_action_with_a_key_sits_in_a_menu_and_in_f1(signed_window, qtbot):
    """Discoverable: no window-wide key hides outside the menus, and F1 lists each one."""
    from PySide6.QtGui import QAction

    window = signed_window
    in_menus = {id(a) for m in _menus(window) for a in m.actions()}
    hidden = [a.property("command") for a in window.findChildren(QAction)
              if a.property("command") and a.shortcut().toString() and id(a) not in in_menus
              and a.parent() is window]
    assert hidden == []
    dialog = window._show_shortcuts()
    qtbot.addWidget(dialog)
    listed = {what.split(" — ")[0] for _where, _keys, what in dialog.rows()}
    checked = 0
    for menu in _menus(window):
        for action in menu.actions():
            name = action.property("command")
            if name and action.shortcut().toString():
                assert shortcuts.command(name).listed in listed, name
                checked += 1
    assert checked >= 10  # Ctrl+N, Ctrl+E, Ctrl+P, Ctrl+L… (the test is not vacuous)
