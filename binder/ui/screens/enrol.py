"""Enrol a roster contact as a signer: that person types their own passphrase.

People who sign are roster contacts (:mod:`binder.core.people`). From the Roster
screen anyone on the roster can be given a signing key and a certificate that
states their full name and role; the person sits at the keyboard and chooses
their passphrase, judged by the same estimate (zxcvbn) as the binder's own.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from binder.core import people, roster
from binder.core.crypto import signers
from binder.core.crypto.envelope import DEFAULT_KDF, KdfParams
from binder.core.crypto.signers import Signer
from binder.core.errors import BinderError
from binder.core.roster import Contact
from binder.core.storage.database import Binder
from binder.services.session import DOOR
from binder.ui.forms.feedback import message_label, show_message
from binder.ui.forms.fields import line_field, password_field
from binder.ui.screens.welcome import StrengthMeter
from binder.ui.style import heading, muted
from binder.ui.tasks import wait_for


class EnrolDialog(QDialog):
    """Give ``contact`` a signing key; ``signer`` holds the enrolment once accepted."""

    def __init__(self, binder: Binder, contact: Contact, parent: QWidget | None = None, *,
                 kdf: KdfParams = DEFAULT_KDF) -> None:
        super().__init__(parent)
        self.binder = binder
        self.contact = contact
        self.kdf = kdf
        self.signer: Signer | None = None
        role = roster.role_names(binder).get(contact.role, contact.role)
        title = f"Enrol {contact.name} as a signer"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(title, 2))
        layout.addWidget(muted(
            f"{contact.name} ({role}) gets a signing key and a certificate in this name and "
            "role, issued by this binder. Documents show the name and role from the "
            f"certificate. {contact.name} types their own passphrase now; nobody else should "
            "see it or know it."))
        taken = {s.person.casefold() for s in signers.list_signers(binder)}
        form = QFormLayout()
        self.login = line_field("Short login",
                                people.derive_login(contact.name, taken))
        self.login.setToolTip("What to type after --as on the command line; "
                              "left empty, the one shown is used")
        form.addRow("Short &login:", self.login)
        self.passphrase = password_field("New signing passphrase",
                                         f"{contact.name}'s own passphrase")
        form.addRow("&Passphrase:", self.passphrase)
        self.meter = StrengthMeter(self.passphrase)
        form.addRow("", self.meter)
        self.repeat = password_field("Repeat the passphrase", "The same passphrase again")
        form.addRow("&Repeat:", self.repeat)
        layout.addLayout(form)
        self.message = message_label()
        layout.addWidget(self.message)
        self.fingerprint = QLabel("")
        self.fingerprint.setWordWrap(True)
        self.fingerprint.setAccessibleName("Certificate fingerprint")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Enrol")
        self.ok_button.setAccessibleName("Enrol")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.try_enrol)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.passphrase.setFocus()

    def fill(self, passphrase: str, login: str = "") -> None:
        """Type the passphrase twice (and a login): what the person does; tests call this."""
        self.login.setText(login)
        self.passphrase.setText(passphrase)
        self.repeat.setText(passphrase)

    def try_enrol(self) -> bool:
        """Enrol, or say in one line what is wrong and stay open."""
        secret = self.passphrase.text()
        if not secret:
            show_message(self.message, "The passphrase field is empty: "
                                       f"{self.contact.name} types a passphrase of their own.")
            self.passphrase.setFocus()
            return False
        if secret != self.repeat.text():
            show_message(self.message, "The two passphrases differ; type the same one twice.")
            self.repeat.selectAll()
            self.repeat.setFocus()
            return False
        login = self.login.text().strip() or None
        try:
            # Deriving the key that wraps the new signing key takes a second or more
            # (Argon2id): off the window's thread, the dialog painted and busy at once, a
            # progress window past two seconds.
            self.signer = wait_for(
                self, lambda: people.enroll_contact(self.binder, self.contact.id, secret,
                                                    login=login, door=DOOR, kdf=self.kdf),
                label=f"Creating {self.contact.name}'s signing key…", status=self.message,
                busy=(self.ok_button, self.login, self.passphrase, self.repeat))
        except BinderError as exc:
            text = str(exc)
            show_message(self.message, text[:1].upper() + text[1:])
            return False
        finally:
            self.repeat.clear()
        self.passphrase.clear()
        self.accept()
        return True
