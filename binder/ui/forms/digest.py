"""Fingerprints and hashes shown whole, for comparing them out of band.

People read a certificate fingerprint aloud over the phone, or hold an
evidence hash next to what `sha256sum` printed: a value cut off with "…" is
useless for that. :class:`DigestField` shows the whole value in groups of four
in a fixed-width font, lines of eight groups, selectable with mouse and
keyboard, with a Copy button that puts the plain hex on the clipboard.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

GROUP = 4
GROUPS_PER_LINE = 8


def grouped(value: str, *, per_line: int = GROUPS_PER_LINE, upper: bool = False) -> str:
    """``ab12 cd34 …`` with a line break after every ``per_line`` groups (0: one line)."""
    text = "".join(value.split())
    text = text.upper() if upper else text
    groups = [text[i:i + GROUP] for i in range(0, len(text), GROUP)]
    if per_line <= 0:
        return " ".join(groups)
    lines = [" ".join(groups[i:i + per_line]) for i in range(0, len(groups), per_line)]
    return "\n".join(lines)


def grouped_html(value: str, *, upper: bool = False, copy_link: bool = True) -> str:
    """The grouped value for rich-text views (escaped), with a ``copy:`` link after it.

    A view showing it connects its ``anchorClicked`` to :func:`copy_from_link`.
    """
    text = "".join(value.split())
    body = html.escape(grouped(text, upper=upper)).replace("\n", "<br>")
    link = (f" <a href='copy:{html.escape(text)}'>Copy</a>" if copy_link and text else "")
    return f"<span style='font-family: monospace'>{body}</span>{link}"


def copy_from_link(url) -> bool:
    """Put the value of a ``copy:`` link on the clipboard; False for any other link."""
    text = url.toString() if hasattr(url, "toString") else str(url)
    if not text.startswith("copy:"):
        return False
    QGuiApplication.clipboard().setText(text[len("copy:"):])
    return True


class DigestField(QWidget):
    """A hash or fingerprint: the whole value grouped in fours, selectable, and Copy.

    ``name`` says what it is ("SHA-256", "Certificate fingerprint") for screen
    readers and the Copy button's tooltip. Copy puts the value without spaces
    on the clipboard (what tools print and compare).
    """

    def __init__(self, value: str = "", *, name: str = "Fingerprint", upper: bool = False,
                 per_line: int = GROUPS_PER_LINE, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.upper = upper
        self.per_line = per_line
        self.value = ""
        self.text = QLabel("")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.text.setFont(mono)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.text.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.text.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Minimum)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self.copy)
        self._reset = QTimer(self)
        self._reset.setSingleShot(True)
        self._reset.setInterval(1500)
        self._reset.timeout.connect(lambda: self.copy_button.setText("Copy"))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.text)
        row.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        row.addStretch(1)
        self.set_value(value)

    def set_value(self, value: str) -> None:
        """Show ``value`` (hex; spaces are ignored)."""
        self.value = "".join((value or "").split())
        shown = grouped(self.value, per_line=self.per_line, upper=self.upper)
        self.text.setText(shown or "—")
        self.text.setAccessibleName(f"{self.name}: {grouped(self.value, per_line=0)}"
                                    if self.value else f"{self.name}: none")
        self.copy_button.setEnabled(bool(self.value))
        self.copy_button.setAccessibleName(f"Copy the {self.name.lower()}")
        self.copy_button.setToolTip(f"Copy the whole {self.name.lower()} (no spaces) to the "
                                    "clipboard")

    def shown_text(self) -> str:
        """What is on screen, on one line (tests compare it)."""
        return " ".join(self.text.text().split())

    def copy(self) -> None:
        """Put the value on the clipboard."""
        if not self.value:
            return
        QGuiApplication.clipboard().setText(self.value.upper() if self.upper else self.value)
        self.copy_button.setText("Copied")
        self._reset.start()
