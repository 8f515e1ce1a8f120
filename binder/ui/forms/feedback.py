"""How a form answers: an inline message line and a wait cursor during slow work.

A refused form keeps everything typed and says in one line what is wrong;
every screen shows that line the same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel


@contextlib.contextmanager
def busy_cursor() -> Iterator[None]:
    """A wait cursor while key derivation runs (a fraction of a second)."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


def message_label() -> QLabel:
    """An inline message line (errors in red, success in green)."""
    label = QLabel("")
    label.setWordWrap(True)
    label.setAccessibleName("Message")
    label.hide()
    return label


def show_message(label: QLabel, text: str, *, kind: str = "error") -> None:
    """Show an inline message; ``kind`` is ``error`` or ``ok``."""
    label.setProperty("error", "1" if kind == "error" else "0")
    label.setProperty("ok", "1" if kind == "ok" else "0")
    label.style().unpolish(label)
    label.style().polish(label)
    label.setText(text)
    label.setAccessibleDescription(text)
    label.setVisible(bool(text))
