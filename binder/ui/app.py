"""The QApplication: name, icon, high-DPI policy, the style sheet, and plain-text tooltips.

The look itself (style sheet, chips, headings) is in :mod:`binder.ui.style`.
"""

from __future__ import annotations

import html
import sys
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QToolTip, QWidget

from binder.core import times
from binder.core.resources import resources_dir
from binder.ui.style import app_icon, apply_style

APP_DISPLAY_NAME = "Incident Binder"
ORG_NAME = "incident-binder"
# The application id: the name of the .desktop file and the AppStream id (packaging/),
# which Wayland compositors match the window against for its icon and menu entry.
APP_ID = "io.github.incidentbinder.IncidentBinder"

def make_app(argv: list[str] | None = None) -> QApplication:
    """The one QApplication, created with our policies (or the existing one)."""
    existing = QApplication.instance()
    if existing is not None:
        apply_style(existing)  # type: ignore[arg-type]
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
    install_script_fonts(app)
    apply_style(app)
    install_plain_tooltips(app)
    return app


#: The bundled fonts the app falls back on, so names in any script show on a computer
#: without CJK, Arabic or Hebrew fonts of its own (the same files the PDFs embed).
FALLBACK_FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DroidSansFallbackFull.ttf")


def install_script_fonts(app: QApplication) -> list[str]:
    """Load the bundled fonts and put them behind the desktop's own font, in order: a
    character the desktop font lacks is drawn from DejaVu, then from Droid Sans Fallback.
    Returns the families added (none when the files are missing: the desktop's fonts
    still work)."""
    families: list[str] = []
    folder = resources_dir() / "fonts"
    for name in FALLBACK_FONTS:
        font_id = QFontDatabase.addApplicationFont(str(folder / name))
        for family in QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else ():
            if family not in families:
                families.append(family)
    if families:
        font = QFont(app.font())
        font.setFamilies([font.family(), *families])
        app.setFont(font)
    return families


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


def parse_utc(value: str) -> datetime:
    """An ISO 8601 UTC string from the core as an aware datetime."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def local_text(value: str | None, *, seconds: bool | None = True, date: bool = True) -> str:
    """A stored time in the computer's local time with its zone, e.g. ``Sat 29 Nov 14:05:12 CET``.

    Event times stated with another offset are shown in this computer's zone too;
    the tooltip (:func:`utc_text`) gives UTC.
    """
    if not value:
        return ""
    try:
        text = times.screen_time(value, seconds=seconds)
    except ValueError:
        return value
    if date:
        return text
    # The clock and zone alone: the day is the last thing a header needs.
    return " ".join(text.split()[-2:])


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
