"""The signed form that changes an incident's type or severity.

The core (:func:`binder.core.incident.record.set_classification`) writes one
signed entry per change; a new type starts the clocks the plan maps to it,
counted from awareness, so the form says which clocks that will be.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

from binder.core.crypto.signers import SigningSession
from binder.core.errors import BinderError
from binder.core.incident import record
from binder.core.storage.database import Binder
from binder.ui.forms.fields import event_field, event_value, line_field
from binder.ui.forms.signed import SignedDialog


class ClassificationDialog(SignedDialog):
    """Type and severity, the reason and when the change happened; signed on OK."""

    saved = Signal(int)

    def __init__(self, parent: QWidget, binder: Binder, incident_id: int,
                 author: SigningSession, plan) -> None:
        self.incident_id = incident_id
        incident = record.get_incident(binder, incident_id)
        now = record.classification(binder, incident)
        types = plan.incident_types if plan is not None else record.INCIDENT_TYPES
        severities = plan.severities if plan is not None else record.SEVERITIES
        self.type = QComboBox()
        self.type.setAccessibleName("Incident type")
        for key, label in types:
            self.type.addItem(label, key)
        self.type.setCurrentIndex(max(self.type.findData(now.type), 0))
        self.severity = QComboBox()
        self.severity.setAccessibleName("Severity")
        for value in severities:
            self.severity.addItem(value.capitalize(), value)
        self.severity.setCurrentIndex(max(self.severity.findData(now.severity), 0))
        self.reason = line_field("Why it changes", "e.g. card data was found in the loader script")
        self.when = event_field("When it became clear")
        self._types = tuple(k for k, _ in types)
        self._severities = tuple(severities)
        self._now = now

        def save(who, _witness) -> int:
            kind = self.type.currentData()
            severity = self.severity.currentData()
            ids = record.set_classification(
                binder, incident_id, who,
                type=kind if kind != self._now.type else None,
                severity=severity if severity != self._now.severity else None,
                reason=self.reason.text(), occurred_at=event_value(self.when, "time"),
                types=self._types, severities=self._severities)
            return ids[-1]

        super().__init__(parent, binder, author, "Change type or severity",
                         "Each change is a signed journal entry; the opening stays as it was. "
                         "A new type starts the deadlines the plan sets for it, counted from "
                         "awareness.", save, witness=False)
        self.form.addRow("&Type:", self.type)
        self.form.addRow("&Severity:", self.severity)
        self.form.addRow("&Why:", self.reason)
        self.form.addRow("&When:", self.when)
        self.fields = {"type": self.type, "severity": self.severity, "reason": self.reason,
                       "when": self.when}
        self.finish()
        self.accepted.connect(lambda: self.saved.emit(self.entry_id) if self.entry_id else None)

    def check(self) -> str | None:
        """Nothing changed is said before anything is signed."""
        if (self.type.currentData() == self._now.type
                and self.severity.currentData() == self._now.severity):
            return "Nothing changes: choose another type or severity."
        try:
            event_value(self.when, "time")
        except BinderError as exc:
            return str(exc)[:1].upper() + str(exc)[1:]
        return None
