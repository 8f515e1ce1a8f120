"""Input fields the forms share, each with the accessible name a screen reader announces."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit


def password_field(name: str, placeholder: str = "") -> QLineEdit:
    """A passphrase field with an accessible name."""
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    field.setPlaceholderText(placeholder)
    field.setMinimumWidth(280)
    return field
