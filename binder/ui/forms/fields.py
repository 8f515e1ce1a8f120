"""Input fields the forms share, each with the accessible name a screen reader announces."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QTime
from PySide6.QtWidgets import QDateTimeEdit, QLineEdit, QPlainTextEdit

from binder.core import times


def password_field(name: str, placeholder: str = "") -> QLineEdit:
    """A passphrase field with an accessible name."""
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    field.setPlaceholderText(placeholder)
    field.setMinimumWidth(280)
    return field


def line_field(name: str, placeholder: str = "") -> QLineEdit:
    """A one-line text field with an accessible name."""
    field = QLineEdit()
    field.setAccessibleName(name)
    field.setPlaceholderText(placeholder)
    return field


def text_field(name: str, placeholder: str = "", height: int = 70) -> QPlainTextEdit:
    """A plain-text box (Tab moves on, it never types a tab) with an accessible name."""
    field = QPlainTextEdit()
    field.setAccessibleName(name)
    field.setPlaceholderText(placeholder)
    field.setTabChangesFocus(True)
    field.setMinimumHeight(height)
    return field


def utc_iso(edit: QDateTimeEdit) -> str:
    """The moment in a date-time field as ISO 8601 UTC (``...Z``)."""
    # Seconds since the epoch are zone-free, so the local time shown converts exactly.
    moment = datetime.fromtimestamp(edit.dateTime().toSecsSinceEpoch(), UTC)
    return moment.isoformat().replace("+00:00", "Z")


def now_to_the_minute() -> QDateTime:
    """Now, with the seconds set to zero: a field that shows minutes holds minutes."""
    now = QDateTime.currentDateTime()
    now.setTime(QTime(now.time().hour(), now.time().minute(), 0))
    return now


def when_edit(name: str) -> QDateTimeEdit:
    """A date-time field in local time, to the minute, starting at now, with a calendar.

    It holds no seconds: what it shows (07:58) is what it gives (07:58, never 07:58:02).
    """
    edit = QDateTimeEdit(now_to_the_minute())
    edit.setAccessibleName(name)
    edit.setCalendarPopup(True)
    # Every time shown carries its zone: the computer's zone name follows the minutes.
    zone = (datetime.now().astimezone().tzname() or "").replace("'", "")
    edit.setDisplayFormat(f"yyyy-MM-dd HH:mm '{zone}'" if zone else "yyyy-MM-dd HH:mm")
    edit.setToolTip("Your computer's local time; it is kept as shown, with its UTC offset")
    return edit


def stated_time(edit: QDateTimeEdit) -> str:
    """The moment in a date-time field as an event time: as shown, with the local offset."""
    typed = edit.dateTime().toString("yyyy-MM-ddTHH:mm")
    return times.parse_event_time(typed, edit.accessibleName().lower() or "time")


EVENT_PLACEHOLDER = "now, or e.g. 07:58 / 2026-11-29 07:58 / 2026-11-29T07:58+01:00"


def event_field(name: str = "When it happened") -> QLineEdit:
    """A field for when something happened: empty means now; a time alone means today.

    Typed text is kept as typed (with this computer's offset when none is given).
    """
    field = line_field(name, EVENT_PLACEHOLDER)
    field.setToolTip("When it actually happened, in local time unless you give an offset. "
                     "Leave empty when it happened just now.")
    return field


def event_value(field: QLineEdit, what: str = "time") -> str | None:
    """The event time typed in an :func:`event_field` (None when empty); BadInput when wrong."""
    text = field.text().strip()
    if not text:
        return None
    if len(text) <= 5 and ":" in text:
        # A clock time alone: today, on this computer.
        text = f"{datetime.now().astimezone().date().isoformat()}T{text.zfill(5)}"
    return times.parse_event_time(text, what)
