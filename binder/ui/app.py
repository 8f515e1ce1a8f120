"""The QApplication: name, icon, high-DPI policy, palette, and shared look helpers.

The palette is left to the platform so the app follows the system's light or
dark scheme; our few custom colours (chips, RACI cells) carry their own
foreground so they stay readable on both.
"""

from __future__ import annotations

import html
import sys
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QToolTip, QWidget

APP_DISPLAY_NAME = "Incident Binder"
ORG_NAME = "incident-binder"
# The application id: the name of the .desktop file and the AppStream id (packaging/),
# which Wayland compositors match the window against for its icon and menu entry.
APP_ID = "io.github.incidentbinder.IncidentBinder"

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

_STYLE = """
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


def make_app(argv: list[str] | None = None) -> QApplication:
    """The one QApplication, created with our policies (or the existing one)."""
    existing = QApplication.instance()
    if existing is not None:
        _apply_style(existing)  # type: ignore[arg-type]
        return existing  # type: ignore[return-value]
    # Fractional scaling as the desktop asks (125 %, 150 %), not rounded to 1x/2x.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_DISPLAY_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationDisplayName(APP_DISPLAY_NAME)
    app.setDesktopFileName(APP_ID)
    icon = app_icon()
    if not icon.isNull():
        app.setWindowIcon(icon)
    _apply_style(app)
    install_plain_tooltips(app)
    return app


def tooltip_html(text: str) -> str:
    """Rich text that displays ``text`` literally (tags, ampersands and all)."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


class PlainTextToolTips(QObject):
    """Shows every tooltip that looks like HTML as the literal text it is.

    Qt guesses "rich text" for any tooltip that looks like markup, so a
    contact called ``<b>x</b>`` would turn bold and ``<img src=...>`` would
    load a file. Tooltips are mostly user text here; one filter for the whole
    app escapes them, widget tooltips and table-cell tooltips alike.
    """

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() != QEvent.Type.ToolTip or not isinstance(obj, QWidget):
            return False
        view = obj.parent()
        if isinstance(view, QAbstractItemView) and obj is view.viewport():
            index = view.indexAt(event.pos())
            value = index.data(Qt.ItemDataRole.ToolTipRole) if index.isValid() else None
            text = value if isinstance(value, str) else ""
        else:
            text = obj.toolTip()
        if not text or not GuiQt.mightBeRichText(text):
            return False  # plain already: Qt shows it as it is
        QToolTip.showText(event.globalPos(), tooltip_html(text), obj)
        return True


def install_plain_tooltips(app: QApplication) -> None:
    """Install :class:`PlainTextToolTips` once on the application."""
    if app.property("binder_plain_tooltips"):
        return
    tips = PlainTextToolTips(app)
    app.installEventFilter(tips)
    app.setProperty("binder_plain_tooltips", True)


def _apply_style(app: QApplication) -> None:
    if app.property("binder_styled"):
        return
    app.setStyleSheet(app.styleSheet() + _STYLE)
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


def is_dark(widget: QWidget | None = None) -> bool:
    """True when the window background is dark (system dark scheme)."""
    palette = widget.palette() if widget is not None else QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


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


def colour(name: str) -> QColor:
    """A chip background as a QColor."""
    return QColor(CHIP_COLOURS.get(name, CHIP_COLOURS["grey"])[0])


# -- times: local on screen, UTC on hover ------------------------------------------------------


def parse_utc(value: str) -> datetime:
    """An ISO 8601 UTC string from the core as an aware datetime."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def local_text(value: str | None, *, seconds: bool = True, date: bool = True) -> str:
    """A stored UTC time in the computer's local time, e.g. ``Sat 29 Nov 14:05:12``."""
    if not value:
        return ""
    try:
        moment = parse_utc(value).astimezone()
    except ValueError:
        return value
    clock = moment.strftime("%H:%M:%S" if seconds else "%H:%M")
    if not date:
        return clock
    today = datetime.now().astimezone().date()
    if moment.date() == today:
        return f"today {clock}"
    if moment.year == today.year:
        return f"{moment.strftime('%a %d %b')} {clock}"
    return f"{moment.strftime('%d %b %Y')} {clock}"


def utc_text(value: str | None) -> str:
    """The same time in UTC, for tooltips: ``2026-11-29 13:05:12 UTC``."""
    if not value:
        return ""
    try:
        return parse_utc(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return value


def span_text(seconds: float) -> str:
    """A duration in words for headers: ``3 h 12 min``, ``2 d 4 h``."""
    from binder.core.incident.clocks import format_span

    return format_span(seconds)
