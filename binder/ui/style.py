"""The app's look: the style sheet, chip colours, headings, muted text, bold fonts, the icon.

The palette is left to the platform so the app follows the system's light or
dark scheme; our few custom colours (chips, RACI cells) carry their own
foreground so they stay readable on both. Every label made here shows plain
text: user text never becomes Qt markup.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QApplication, QLabel, QWidget

# Chip colours: (background, text). Chosen to pass contrast on light and dark windows.
CHIP_COLOURS = {
    "drill": ("#c2410c", "#ffffff"),
    "critical": ("#991b1b", "#ffffff"),
    "high": ("#dc2626", "#ffffff"),
    "medium": ("#d97706", "#111111"),
    "low": ("#2563eb", "#ffffff"),
    "green": ("#15803d", "#ffffff"),
    "amber": ("#f59e0b", "#111111"),
    "red": ("#b91c1c", "#ffffff"),
    "grey": ("#6b7280", "#ffffff"),
    "phase": ("#4338ca", "#ffffff"),
    "closed": ("#374151", "#ffffff"),
    "open": ("#0f766e", "#ffffff"),
}
#: Text of a corrected (struck-through) journal entry.
CORRECTED_GREY = "#8a8a8a"

STYLE_SHEET = """
QLabel[heading="1"] { font-size: 17pt; font-weight: 600; }
QLabel[heading="2"] { font-size: 12.5pt; font-weight: 600; }
QLabel[muted="1"] { color: palette(placeholder-text); }
QLabel[error="1"] { color: #c62828; font-weight: 600; }
QLabel[ok="1"] { color: #2e7d32; font-weight: 600; }
QListWidget#navigation { font-size: 11pt; border: none; border-right: 1px solid palette(mid);
    padding-top: 8px; background: palette(window); }
QListWidget#navigation::item { padding: 9px 12px; border-radius: 4px; margin: 1px 8px;
    color: palette(window-text); }
QListWidget#navigation::item:hover { background: palette(midlight); }
QListWidget#navigation::item:selected { background: palette(highlight);
    color: palette(highlighted-text); }
QFrame#card { border: 1px solid palette(mid); border-radius: 6px; }
QFrame#header { border-bottom: 1px solid palette(mid); }
"""


def apply_style(app: QApplication) -> None:
    """Add the app's style sheet to ``app`` (once)."""
    if app.property("binder_styled"):
        return
    app.setStyleSheet(app.styleSheet() + STYLE_SHEET)
    app.setProperty("binder_styled", True)


def app_icon() -> QIcon:
    """The app icon from resources/icons, when present."""
    from binder.core.resources import resources_dir

    icon = QIcon()
    folder = resources_dir() / "icons"
    if folder.is_dir():
        for png in sorted(folder.glob("*.png")):
            icon.addFile(str(png))
        svg = folder / "incident-binder.svg"
        if icon.isNull() and svg.exists():
            icon.addFile(str(svg))
    return icon


def chip(text: str, colour: str, parent: QWidget | None = None, *, tooltip: str = "") -> QLabel:
    """A small coloured label (severity, DRILL, deadline)."""
    label = QLabel(text, parent)
    set_chip(label, text, colour)
    label.setAccessibleName(text)
    if tooltip:
        label.setToolTip(tooltip)
    label.setTextFormat(Qt.TextFormat.PlainText)  # user text: never markup
    return label


def set_chip(label: QLabel, text: str, colour: str) -> None:
    """Restyle an existing chip."""
    bg, fg = CHIP_COLOURS.get(colour, CHIP_COLOURS["grey"])
    label.setText(text)
    label.setAccessibleName(text)
    label.setStyleSheet(
        f"QLabel {{ background: {bg}; color: {fg}; border-radius: 4px; padding: 2px 8px; "
        "font-weight: 600; }"
    )


def heading(text: str, level: int = 1, parent: QWidget | None = None) -> QLabel:
    """A heading label."""
    label = QLabel(text, parent)
    label.setProperty("heading", str(level))
    label.setAccessibleName(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)  # user text: never markup
    return label


def muted(text: str, parent: QWidget | None = None) -> QLabel:
    """A secondary, word-wrapped explanation."""
    label = QLabel(text, parent)
    label.setProperty("muted", "1")
    label.setWordWrap(True)
    label.setAccessibleName(text[:80])
    label.setTextFormat(Qt.TextFormat.PlainText)  # user text: never markup
    return label


def bold(font: QFont | None = None, on: bool = True) -> QFont:
    """A bold copy of ``font`` (the default font when None); ``on=False`` leaves it regular."""
    out = QFont(font) if font is not None else QFont()
    out.setBold(on)
    return out
