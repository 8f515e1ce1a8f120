"""Signed forms: the signed-in person signs what the form records, a witness may co-sign.

Decisions, notifications, clocks and closings share :class:`SignedDialog`: the
fields come first, then the witness, the message line and the buttons. A refused
form stays open with its text and a one-line message.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QVBoxLayout, QWidget

from binder.core.crypto.signers import SigningSession
from binder.core.errors import BinderError
from binder.core.storage.database import Binder
from binder.ui import dialogs
from binder.ui.forms.feedback import busy_cursor, message_label, show_message
from binder.ui.forms.witness import WitnessPicker
from binder.ui.style import heading, muted

SignerProvider = Callable[[], SigningSession | None]


def ask_author(parent: QWidget, signer_provider: SignerProvider, what: str) -> SigningSession | None:
    """The signed-in person, or None after telling them to sign in first."""
    session = signer_provider()
    if session is None:
        dialogs.info(parent, "Sign in to sign",
                     f"{what} is a signed journal entry. Sign in with your own passphrase "
                     "first, then try again.")
    return session


class SignedDialog(QDialog):
    """A form the signed-in person signs; a witness may co-sign with their own passphrase.

    ``save(author, witness)`` writes the record and returns the entry id; when
    the core refuses, the form stays open with the message and everything typed.
    """

    def __init__(self, parent: QWidget, binder: Binder, author: SigningSession, title: str,
                 intro: str, save: Callable[[SigningSession, SigningSession | None], int], *,
                 witness: bool = True, ok_text: str = "Sign and record") -> None:
        super().__init__(parent)
        self.binder = binder
        self.author = author
        self.save = save
        self.entry_id: int | None = None
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(title, 2))
        if intro:
            layout.addWidget(muted(intro))
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(self.form)

        self.witness_box = WitnessPicker(binder, author)
        # The combo and field stay reachable under their old names (tests, shortcuts).
        self.witness, self.witness_pass = self.witness_box.combo, self.witness_box.passphrase
        self.witness_box.setVisible(witness)

        self.message = message_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.ok_button.setAccessibleName(ok_text)
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        self._tail = (self.witness_box, muted(f"Signed by {author.person}."), self.message, buttons)

    def finish(self) -> None:
        """Put the witness section, message and buttons under the fields."""
        for widget in self._tail:
            self.layout().addWidget(widget)

    def choose_witness(self, person: str, passphrase: str) -> None:
        """Pick a witness and type their passphrase (tests call this too)."""
        self.witness_box.choose(person, passphrase)

    def try_accept(self) -> bool:
        """Open the witness's key, write the record, close; or say what is wrong."""
        ok, witness = self.witness_box.open_session(self.message)
        if not ok:
            return False
        try:
            with busy_cursor():
                self.entry_id = self.save(self.author, witness)
        except BinderError as exc:
            show_message(self.message, f"Not recorded: {exc}")
            return False
        self.witness_pass.clear()
        self.accept()
        return True
