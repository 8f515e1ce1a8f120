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
from binder.core.plan import revisions as plans
from binder.core.storage.database import Binder
from binder.services.session import DOOR
from binder.services.settings import SessionKeeper
from binder.ui.forms.feedback import show_message
from binder.ui.forms.fields import password_field
from binder.ui.tasks import wait_for

#: The window's witness session (the shell sets it): a witness who signed a few minutes
#: ago is not asked again, unless the plan asks for the passphrase at every signature.
KEEPER: SessionKeeper | None = None


def kept_witness(binder: Binder) -> SigningSession | None:
    """The witness still signed in, when the plan lets a session stand in for a passphrase."""
    if KEEPER is None or plans.passphrase_every_signature(binder):
        return None
    kept = KEEPER.peek()
    if kept is None or not kept.is_open:
        return None
    # Only this binder's own witness: the certificate must be theirs here.
    return kept if session.holds_certificate(binder, kept) else None


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
        self._names: dict[str, str] = {}
        for s in signers.list_signers(binder):
            if person_key(s) != person_key(author):
                stated = s.identity  # name and role as the certificate states them
                self._names[s.person] = stated.name or s.person
                self.combo.addItem(f"{stated.name} — {stated.role}" if stated.role
                                   else stated.name, s.person)
        self.passphrase = password_field("Witness passphrase",
                                         "The witness types their own passphrase")
        form.addRow("&Witness:", self.combo)
        form.addRow("Pass&phrase:", self.passphrase)
        self.kept = kept_witness(binder)
        if self.kept is not None and person_key(self.kept) == person_key(author):
            self.kept = None
        self.combo.currentIndexChanged.connect(self._changed)
        if self.kept is not None and self.combo.findData(self.kept.person) >= 0:
            self.combo.setCurrentIndex(self.combo.findData(self.kept.person))
        self._changed()

    def _is_kept(self, person: str | None) -> bool:
        return (self.kept is not None and person is not None
                and person_key(self.kept) == person_key(person))

    def _changed(self) -> None:
        has = self.combo.currentData() is not None
        self.passphrase.setEnabled(has)
        if not has:
            self.passphrase.clear()
        if self._is_kept(self.combo.currentData()):
            self.passphrase.setPlaceholderText(
                f"{self.kept.identity.name} is signed in as witness: no passphrase needed")
        else:
            self.passphrase.setPlaceholderText("The witness types their own passphrase")

    def person(self) -> str | None:
        """The chosen witness, or None."""
        return self.combo.currentData()

    def witness_name(self) -> str:
        """The chosen witness's full name as their certificate states it ("" for none)."""
        person = self.person()
        return self._names.get(person, person) if person else ""

    def opening_label(self) -> str:
        """What the progress dialog says while the witness's key opens: their name, not login."""
        return f"Opening {self.witness_name()}'s signing key…"

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
        if self._is_kept(person) and not self.passphrase.text():
            session.two_people(self.binder, self.author.person, person)
            return True, KEEPER.take() if KEEPER is not None else self.kept
        if not self.passphrase.text():
            show_message(message, "The witness passphrase field is empty: the witness types "
                                  "their own passphrase. Nothing was signed.")
            self.passphrase.setFocus()
            return False, None
        try:
            # The rule before the passphrase: naming the author is not a wrong passphrase.
            session.two_people(self.binder, self.author.person, person)
            passphrase = self.passphrase.text()
            # A second or more (Argon2id): off the window's thread, the form busy meanwhile.
            witness = wait_for(
                self, lambda: session.sign_in(self.binder, person, passphrase, door=DOOR,
                                              meaning=session.WITNESS),
                label=self.opening_label(), status=message,
                busy=(self.combo, self.passphrase))
        except WrongPassphrase:
            show_message(message, f"That is not {self.witness_name()}'s "
                                  "passphrase; nothing was signed. Try again.")
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            return False, None
        except BinderError as exc:
            show_message(message, str(exc))
            return False, None
        if KEEPER is not None and not plans.passphrase_every_signature(self.binder):
            KEEPER.put(witness)  # signed in: the next form does not ask again for a while
        return True, witness
