"""The quick-entry box below an incident's panes: Ctrl+Enter signs and adds an entry.

What the lead types is saved as a draft on every pause, so a crash or a closed
window loses nothing; the text stays in the box when adding fails.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto.signers import SigningSession
from binder.core.errors import BinderError
from binder.core.incident import journal as jr
from binder.core.incident.journal import NewEntry
from binder.core.storage.database import Binder
from binder.core.storage.marks import journal_head as jr_head
from binder.services import drafts
from binder.ui.app import local_text
from binder.ui.changes import listen
from binder.ui.forms.feedback import message_label, show_message
from binder.ui.forms.fields import now_to_the_minute, stated_time, when_edit

SignerProvider = Callable[[], SigningSession | None]


class QuickEntry(QFrame):
    """The always-visible entry box of an incident: Ctrl+Enter adds, drafts are kept."""

    added = Signal(int)
    DRAFT_DELAY_MS = 500

    def __init__(
        self, binder: Binder, incident_id: int, signer_provider: SignerProvider,
        parent: QWidget | None = None, *, phase_provider: Callable[[], str | None] | None = None,
    ):
        super().__init__(parent)
        self.binder = binder
        self.incident_id = incident_id
        self.signer_provider = signer_provider
        self.phase_provider = phase_provider
        self.setObjectName("quickEntry")
        self.setAccessibleName("New journal entry")
        self.setFrameShape(QFrame.Shape.StyledPanel)

        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Entry text")
        self.text.setPlaceholderText(
            "What happened, or what was done? Ctrl+Enter adds it to the journal (signed)."
        )
        self.text.setTabChangesFocus(True)
        self.text.setFixedHeight(62)
        self.add_button = QPushButton("Add entry\nCtrl+Enter")
        self.add_button.setAccessibleName("Add entry")
        self.add_button.setToolTip("Sign and add to the journal (Ctrl+Enter)")
        self.add_button.setMinimumWidth(120)
        self.add_button.setFixedHeight(62)
        self.add_button.clicked.connect(self.add_entry)

        self.kind = QComboBox()
        self.kind.setAccessibleName("Entry kind")
        for k in jr.USER_KINDS:
            self.kind.addItem(k.capitalize(), k)
        self.kind.setCurrentIndex(self.kind.findData("observation"))
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Why (reasoning)")
        self.reason.setPlaceholderText("Why? (reasoning, optional)")
        self.earlier = QCheckBox("Happened at")
        self.earlier.setAccessibleName("Happened earlier than now")
        self.earlier.setToolTip("Tick to state when it happened, if not just now (local time)")
        self.when = when_edit("When it happened (local time)")
        self.when.setEnabled(False)
        self.earlier.toggled.connect(self.when.setEnabled)
        self.draft_status = QLabel("")
        self.draft_status.setProperty("muted", "1")
        self.draft_status.setAccessibleName("Draft status")
        self.message = message_label()

        top = QHBoxLayout()
        top.addWidget(self.text, 1)
        top.addWidget(self.add_button)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Kind"))
        bottom.addWidget(self.kind)
        bottom.addWidget(self.reason, 1)
        bottom.addWidget(self.earlier)
        bottom.addWidget(self.when)
        bottom.addWidget(self.draft_status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(bottom)
        layout.addWidget(self.message)

        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(self.DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self._restore_draft()
        self.text.textChanged.connect(self._draft_timer.start)
        self.added_seq: int | None = None  # the entry "Added #N" names, while it is the newest
        listen(self, ("journal",), self._journal_moved, incident_id=incident_id)
        self.reason.textChanged.connect(self._draft_timer.start)

    def _restore_draft(self) -> None:
        draft = drafts.load_draft(self.binder, self.incident_id)
        if draft is None:
            return
        self.text.setPlainText(draft.text)
        self.reason.setText(draft.reason)
        self.draft_status.setText(f"Draft restored ({local_text(draft.updated_at, seconds=False)})")

    def focus_text(self) -> None:
        """Put the cursor in the entry box (Ctrl+N)."""
        self.text.setFocus()
        cursor = self.text.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.text.setTextCursor(cursor)

    def save_draft(self) -> bool:
        """Save what is typed now; False (and a note) when it could not be saved."""
        self._draft_timer.stop()
        try:
            drafts.save_draft(self.binder, self.incident_id, self.text.toPlainText(), self.reason.text())
        except BinderError as exc:
            self.draft_status.setText("Draft not saved")
            self.draft_status.setToolTip(str(exc))
            return False
        has_text = bool(self.text.toPlainText().strip() or self.reason.text().strip())
        self.draft_status.setText("Draft saved" if has_text else "")
        self.draft_status.setToolTip("Kept in the binder until the entry is added")
        return True

    def flush(self) -> None:
        """Save a pending draft now (closing, locking, switching incident)."""
        if self._draft_timer.isActive():
            self.save_draft()

    def add_entry(self) -> int | None:
        """Sign and add the typed entry; on any failure the text stays where it is."""
        text = self.text.toPlainText()
        if not text.strip():
            show_message(self.message, "Write what happened first; the entry is empty.")
            self.text.setFocus()
            return None
        self.save_draft()  # whatever happens next, the words are on disk
        occurred = None
        if self.earlier.isChecked():
            occurred = stated_time(self.when)
        new = NewEntry(
            text=text, kind=self.kind.currentData(), reason=self.reason.text(),
            occurred_at=occurred, phase=self.phase_provider() if self.phase_provider else None,
        )
        try:
            new = jr.validate(new)
        except BinderError as exc:
            show_message(self.message, f"Not added: {exc}. Your text is kept.")
            return None
        session = self.signer_provider()
        if session is None:
            show_message(self.message, "Not added: nobody is signed in to sign it. Your text is kept.")
            return None
        try:
            entry_id = jr.append(self.binder, self.incident_id, session, new)
        except BinderError as exc:
            show_message(self.message, f"Not added: {exc}. Your text is kept (saved as a draft).")
            return None
        self.text.blockSignals(True)
        self.reason.blockSignals(True)
        self.text.clear()
        self.reason.clear()
        self.text.blockSignals(False)
        self.reason.blockSignals(False)
        self.earlier.setChecked(False)
        self.when.setDateTime(now_to_the_minute())
        try:
            drafts.clear_draft(self.binder, self.incident_id)
        except BinderError:
            pass  # a stale draft only means the text reappears next time; the entry is safe
        show_message(self.message, "")
        self.added_seq = jr.get_entry(self.binder, entry_id).seq
        self.draft_status.setText(f"Added #{self.added_seq} as {session.identity.name}")
        self.added.emit(entry_id)
        return entry_id

    def _journal_moved(self, change) -> None:
        """"Added #6" is true only while #6 is the newest entry: a later one (a form, a pane,
        another program) clears it."""
        if self.added_seq is None:
            return
        head = change.heads.get(self.incident_id)
        if head is None:
            head = jr_head(self.binder, self.incident_id)
        if head is None or head.seq != self.added_seq:
            self.added_seq = None
            if self.draft_status.text().startswith("Added #"):
                self.draft_status.setText("")
