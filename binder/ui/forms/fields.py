"""Input fields the forms share, each with the accessible name a screen reader announces."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import QDateTimeEdit, QLineEdit, QPlainTextEdit


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


def when_edit(name: str) -> QDateTimeEdit:
    """A date-time field in local time, starting at now, with a calendar."""
    edit = QDateTimeEdit(QDateTime.currentDateTime())
    edit.setAccessibleName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    edit.setToolTip("Your computer's local time; it is stored in UTC")
    return edit
