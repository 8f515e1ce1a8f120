"""The base of the incident workspace's panes that record signed entries.

A pane reads the incident's state from the journal, opens signed forms, and after
each write redraws itself and tells the workspace (the header shows the nearest
deadline, the journal shows the new entry).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from binder.core.errors import BinderError
from binder.core.incident import workflow
from binder.core.storage.database import Binder
from binder.ui import dialogs
from binder.ui.forms.signed import SignedDialog, SignerProvider


def tell_workspace(widget: QWidget) -> None:
    """Let the workspace around ``widget`` redraw its header (it shows the nearest deadline)."""
    parent = widget.parent()
    while parent is not None:
        update = getattr(parent, "update_header", None)
        if callable(update):
            update()
            return
        parent = parent.parent()


class IncidentPane(QWidget):
    """What the decisions, impact and review panes share: state reading, signing in, telling
    the workspace."""

    entry_added = Signal(int)

    def __init__(self, binder: Binder, incident_id: int, signer_provider: SignerProvider,
                 parent: QWidget | None, name: str) -> None:
        super().__init__(parent)
        self.binder = binder
        self.incident_id = incident_id
        self.signer_provider = signer_provider
        self.state: workflow.IncidentState | None = None
        self.dialog: SignedDialog | None = None  # the form on screen, if any (tests fill it)
        self.setAccessibleName(name)

    def read_state(self) -> workflow.IncidentState | None:
        try:
            self.state = workflow.incident_state(self.binder, self.incident_id)
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="Cannot read the incident")
            return None
        return self.state

    def open_form(self, dialog: SignedDialog) -> SignedDialog:
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.recorded(dialog.entry_id))
        dialog.open()
        return dialog

    def recorded(self, entry_id: int | None) -> None:
        """After a write: redraw and tell the workspace."""
        self.refresh()
        if entry_id is not None:
            self.entry_added.emit(entry_id)
        tell_workspace(self)

    def refresh(self) -> None:  # pragma: no cover - every pane overrides it
        raise NotImplementedError


# ---------------------------------------------------------------- decisions & notifications
