"""Checkpoints in the app: make one at a handover or the end of a phase, read and keep its text.

The signed-in person signs the checkpoint, a witness co-signs it with their
own passphrase (the same picker every signed form uses); the text is then
shown to copy, print or save, with whether a timestamp authority has anchored
it yet.
"""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from binder.core.checkpoint.anchor import checkpoint_status
from binder.core.checkpoint.store import OCCASIONS, StoredCheckpoint, make_checkpoint
from binder.core.crypto.signers import SigningSession, name_for_login, names_by_login
from binder.core.errors import BinderError
from binder.core.storage.database import Binder
from binder.core.storage.files import atomic_write_bytes
from binder.ui import dialogs
from binder.ui.forms.signed import SignedDialog
from binder.ui.style import heading, muted


class CheckpointDialog(SignedDialog):
    """Sign the state of the whole binder, co-signed by a witness."""

    def __init__(self, parent: QWidget, binder: Binder, author: SigningSession,
                 incident_id: int | None) -> None:
        self.incident_id = incident_id
        self.made: StoredCheckpoint | None = None
        super().__init__(
            parent, binder, author, "Make a checkpoint",
            "A checkpoint signs how many journal entries and co-signatures the binder holds "
            "and their fingerprint (a Merkle root). Keep its text outside the binder: later, "
            "anyone can show that nothing it covers was removed or changed.",
            self._save, ok_text="Sign checkpoint")
        self.occasion = QComboBox()
        self.occasion.setAccessibleName("Occasion")
        for key in ("handover", "phase", "manual"):
            self.occasion.addItem(OCCASIONS[key].capitalize(), key)
        self.form.addRow("Occasion", self.occasion)
        self.finish()

    def _save(self, author: SigningSession, witness: SigningSession | None) -> int:
        self.made = make_checkpoint(self.binder, author, witness,
                                    occasion=self.occasion.currentData(),
                                    incident_id=self.incident_id)
        return self.made.id


class CheckpointTextDialog(QDialog):
    """The checkpoint's text, its status, and ways to keep it."""

    def __init__(self, parent: QWidget, binder: Binder, checkpoint: StoredCheckpoint) -> None:
        super().__init__(parent)
        self.checkpoint = checkpoint
        self.setWindowTitle(f"Checkpoint {checkpoint.id}")
        self.setAccessibleName(f"Checkpoint {checkpoint.id}")
        self.setMinimumWidth(720)
        layout = QVBoxLayout(self)
        names = names_by_login(binder)  # as their certificates name them
        who = name_for_login(names, checkpoint.maker) + (
            f", witnessed by {name_for_login(names, checkpoint.witness)}" if checkpoint.witness
            else "")
        noun = "record" if checkpoint.tree_size == 1 else "records"
        layout.addWidget(heading(f"Checkpoint {checkpoint.id}: {checkpoint.tree_size} {noun}", 2))
        layout.addWidget(muted(f"{checkpoint.occasion_label.capitalize()}, signed by {who}. "
                               "Print it, e-mail it or write down its first three lines: "
                               "`binder verify --against -` compares the binder with it."))
        self.text = QPlainTextEdit(checkpoint.note)
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Checkpoint text")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setMinimumHeight(170)
        layout.addWidget(self.text)
        self.status = QLabel(checkpoint_status(binder, checkpoint).capitalize())
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Timestamp status")
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("Copy text")
        copy.clicked.connect(self.copy)
        save = QPushButton("Save as…")
        save.clicked.connect(self.save_as)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(save, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def copy(self) -> None:
        """Put the text on the clipboard."""
        QGuiApplication.clipboard().setText(self.checkpoint.note)

    def save_as(self, path: str | None = None) -> None:
        """Write the text to a file the person chooses (atomically)."""
        if not path:  # None, or False from the button's clicked(checked)
            path = dialogs.save_file(self, "Save checkpoint",
                                     dialogs.in_documents(f"checkpoint-{self.checkpoint.id}.txt"),
                                     "Text files (*.txt)")
        if not path:
            return
        try:
            atomic_write_bytes(path, self.checkpoint.note.encode("utf-8"))
        except BinderError as exc:
            dialogs.show_exception(self, exc)
