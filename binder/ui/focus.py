"""Keyboard focus goes back to the window whenever one of its dialogs closes.

A dialog opened with ``open()``, a message box over a dialog that closed
first, or a progress window can leave the keyboard nowhere: typing does
nothing until someone clicks. :class:`FocusKeeper` remembers which widget had
the focus when each dialog of the window appeared and, once the last dialog
has gone, gives the focus back to it (or to the screen on view when that
widget has gone). It also tells the window that a dialog closed, which is
when a form has usually written something.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from shiboken6 import isValid


class FocusKeeper(QObject):
    """Watches the dialogs of ``window``; see the module docstring.

    ``fallback()`` names the widget to focus when the remembered one is gone;
    ``closed()`` is called after each dialog of the window closes.
    """

    def __init__(self, window: QWidget, *, fallback: Callable[[], QWidget | None],
                 closed: Callable[[], None] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.fallback = fallback
        self.closed = closed
        self._before: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        QApplication.instance().installEventFilter(self)

    def stop(self) -> None:
        """Stop watching (the window is closing)."""
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def _ours(self, dialog: QDialog) -> bool:
        """True when ``dialog`` belongs to this window (directly or over another dialog)."""
        widget = dialog.parentWidget()
        for _ in range(20):  # dialogs over dialogs, never that deep
            if widget is None or not isValid(widget):
                return False
            top = widget.window()
            if top is self.window:
                return True
            widget = top.parentWidget()
        return False

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind not in (QEvent.Type.Show, QEvent.Type.Hide) or not isinstance(obj, QDialog):
            return False
        if not obj.isWindow() or not isValid(self.window) or not self._ours(obj):
            return False
        if kind == QEvent.Type.Show:
            focus = QApplication.focusWidget()
            if focus is not None and focus.window() is not obj:
                self._before[obj] = focus
        else:
            before = self._before.pop(obj, None)
            QTimer.singleShot(0, lambda: self.restore(before))
        return False

    def restore(self, before: QWidget | None = None) -> None:
        """Give the keyboard back to ``before`` (or the screen on view) once no dialog is up."""
        if not isValid(self.window) or not self.window.isVisible():
            return
        if self.closed is not None:
            self.closed()
        modal = QApplication.activeModalWidget()
        if modal is not None and isValid(modal) and modal.isVisible():
            return  # another dialog is still in front: it has the keyboard
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QDialog) and w.isVisible() and w is not self.window and self._ours(w):
                return  # a modeless dialog of ours is still open
        target = before if self._usable(before) else self.fallback()
        self.window.activateWindow()
        if self._usable(target):
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        elif QApplication.focusWidget() is None or QApplication.focusWidget().window() \
                is not self.window:
            self.window.setFocus(Qt.FocusReason.OtherFocusReason)

    def _usable(self, widget: QWidget | None) -> bool:
        return (widget is not None and isValid(widget) and widget.window() is self.window
                and widget.isVisible() and widget.isEnabled()
                and widget.focusPolicy() != Qt.FocusPolicy.NoFocus)


def first_focusable(widget: QWidget | None) -> QWidget | None:
    """The first widget inside ``widget`` that Tab would reach, or None."""
    if widget is None:
        return None
    w = widget.nextInFocusChain()
    for _ in range(500):
        if w is widget:
            break
        if (widget.isAncestorOf(w) and w.isVisible() and w.isEnabled()
                and w.focusPolicy() & Qt.FocusPolicy.TabFocus):
            return w
        w = w.nextInFocusChain()
    return None
