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
    """A form the signed-in person signs; a witness may (or must) co-sign with their own
    passphrase.

    With ``save(author, witness)`` the form writes the record itself and keeps the
    entry id; when the core refuses, it stays open with the message and everything
    typed. Without ``save`` it only checks the fields (:meth:`check`) and opens the
    witness's key (``witness_session``), for callers that write off the UI thread.
    """

    #: What the form says when a required witness was not chosen.
    WITNESS_MISSING = "Choose a witness: this record needs a second person."

    def __init__(self, parent: QWidget, binder: Binder, author: SigningSession, title: str,
                 intro: str, save: Callable[[SigningSession, SigningSession | None], int]
                 | None = None, *, witness: bool = True, witness_required: bool = False,
                 witness_title: str | None = None, ok_text: str = "Sign and record") -> None:
        super().__init__(parent)
        self.binder = binder
        self.author = author
        self.save = save
        self.witness_required = witness_required
        self.entry_id: int | None = None
        self.witness_session: SigningSession | None = None
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(title, 2))
        if intro:
            layout.addWidget(muted(intro))  # plain text: intros quote user text
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(self.form)

        self.witness_box = WitnessPicker(binder, author, required=witness_required,
                                         title=witness_title)
        # The combo and field stay reachable under their old names (tests, shortcuts).
        self.witness, self.witness_pass = self.witness_box.combo, self.witness_box.passphrase
        self.witness_box.setVisible(witness)

        self.signed_as = muted(f"Signed by {author.identity.name}.")
        self.message = message_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.ok_button.setAccessibleName(ok_text)
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        self._tail = (self.witness_box, self.signed_as, self.message, self.buttons)

    def finish(self) -> None:
        """Put the witness section, message and buttons under the fields."""
        for widget in self._tail:
            self.layout().addWidget(widget)

    def choose_witness(self, person: str, passphrase: str) -> None:
        """Pick a witness and type their passphrase (tests call this too)."""
        self.witness_box.choose(person, passphrase)

    def check(self) -> str | None:
        """Field checks of a concrete form: a message when something is missing."""
        return None

    def try_accept(self) -> bool:
        """Check the fields, open the witness's key, write the record (when the form does),
        close; or say what is wrong and stay open."""
        problem = self.check()
        if problem:
            show_message(self.message, problem)
            return False
        if self.witness_required and not self.witness_box.person():
            show_message(self.message, self.WITNESS_MISSING)
            return False
        ok, witness = self.witness_box.open_session(self.message)
        if not ok:
            return False
        self.witness_session = witness
        if self.save is not None:
            try:
                with busy_cursor():
                    self.entry_id = self.save(self.author, witness)
            except BinderError as exc:
                show_message(self.message, f"Not recorded: {exc}")
                return False
        self.witness_pass.clear()
        self.accept()
        return True
