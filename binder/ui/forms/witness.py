"""The witness part of every signed form: pick a second person, they type their passphrase.

Decisions, evidence registrations, transfers and closings all ask for a witness
the same way, so they share this one widget.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QWidget

from binder.core.crypto import session, signers
from binder.core.crypto.signers import SigningSession
from binder.core.crypto.two_person import person_key
from binder.core.errors import BinderError, WrongPassphrase
from binder.core.storage.database import Binder
from binder.services.session import DOOR
from binder.ui.forms.feedback import show_message
from binder.ui.forms.fields import password_field
from binder.ui.tasks import wait_for


class WitnessPicker(QGroupBox):
    """A witness chooser (every enrolled signer but the author) and their passphrase."""

    def __init__(self, binder: Binder, author: SigningSession, *, required: bool = False,
                 title: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(title or ("Witness (required, co-signs now)" if required
                                   else "Witness (optional, co-signs now)"), parent)
        self.binder = binder
        self.author = author
        form = QFormLayout(self)
        self.combo = QComboBox()
        self.combo.setAccessibleName("Witness")
        if not required:
            self.combo.addItem("No witness", None)
        for s in signers.list_signers(binder):
            if person_key(s) != person_key(author):
                text = s.person if s.display_name == s.person else f"{s.display_name} ({s.person})"
                self.combo.addItem(text, s.person)
        self.passphrase = password_field("Witness passphrase",
                                         "The witness types their own passphrase")
        form.addRow("&Witness:", self.combo)
        form.addRow("Pass&phrase:", self.passphrase)
        self.combo.currentIndexChanged.connect(self._changed)
        self._changed()

    def _changed(self) -> None:
        has = self.combo.currentData() is not None
        self.passphrase.setEnabled(has)
        if not has:
            self.passphrase.clear()

    def person(self) -> str | None:
        """The chosen witness, or None."""
        return self.combo.currentData()

    def choose(self, person: str, passphrase: str) -> None:
        """Pick a witness and fill their passphrase (what a keyboard user does; tests too)."""
        index = self.combo.findData(person)
        if index >= 0:
            self.combo.setCurrentIndex(index)
        self.passphrase.setText(passphrase)

    def open_session(self, message: QLabel) -> tuple[bool, SigningSession | None]:
        """Unlock the chosen witness's key: (True, session or None) or (False, None) after
        saying in ``message`` what went wrong (a wrong passphrase keeps the dialog open)."""
        person = self.person()
        if not person:
            return True, None
        try:
            # The rule before the passphrase: naming the author is not a wrong passphrase.
            session.two_people(self.binder, self.author.person, person)
            passphrase = self.passphrase.text()
            # A second or more (Argon2id): off the window's thread, the form busy meanwhile.
            witness = wait_for(
                self, lambda: session.sign_in(self.binder, person, passphrase, door=DOOR,
                                              meaning=session.WITNESS),
                label=f"Opening {person}'s signing key…", status=message,
                busy=(self.combo, self.passphrase))
        except WrongPassphrase:
            show_message(message, f"That is not {person}'s passphrase; nothing was signed. "
                                  "Try again.")
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            return False, None
        except BinderError as exc:
            show_message(message, str(exc))
            return False, None
        return True, witness
