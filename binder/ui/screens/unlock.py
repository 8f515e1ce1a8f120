"""Unlocking the binder and signing in as a person.

:class:`UnlockPage` is shown in the main window whenever the binder is locked
(at start and after the idle lock). A wrong passphrase gets a calm message and
another try; a lost passphrase is replaced through the recovery code.
:class:`SignInDialog` unlocks one person's signing key (the lead, or a witness).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto import session, signers, vault
from binder.core.crypto.signers import SigningSession
from binder.core.crypto.two_person import person_key
from binder.core.errors import BinderError, WrongPassphrase
from binder.core.storage.database import Binder
from binder.services.session import DOOR
from binder.ui import dialogs
from binder.ui.forms.digest import DigestField
from binder.ui.forms.feedback import busy_cursor, message_label, show_message
from binder.ui.forms.fields import password_field
from binder.ui.style import heading, muted
from binder.ui.tasks import wait_for


class UnlockPage(QWidget):
    """The locked screen: passphrase, or the recovery code and a new passphrase."""

    unlocked = Signal(str)  # how: passphrase / recovery
    open_other = Signal()

    def __init__(self, binder: Binder, parent: QWidget | None = None, *, use_keyring: bool = True):
        super().__init__(parent)
        self.binder = binder
        self.use_keyring = use_keyring
        self.attempts = 0
        self.setAccessibleName("Unlock the binder")

        card = QFrame()
        card.setObjectName("card")
        card.setMaximumWidth(520)
        box = QVBoxLayout(card)
        box.setContentsMargins(32, 28, 32, 28)
        box.setSpacing(12)
        self.title = heading("This binder is locked")
        box.addWidget(self.title)
        self.where = muted("")
        box.addWidget(self.where)

        self.stack = QStackedWidget()
        box.addWidget(self.stack)

        # -- passphrase page
        pp = QWidget()
        form = QVBoxLayout(pp)
        form.setContentsMargins(0, 8, 0, 0)
        form.addWidget(QLabel("Binder passphrase"))
        self.passphrase = password_field("Binder passphrase", "The passphrase chosen at set-up")
        self.passphrase.returnPressed.connect(self.try_passphrase)
        form.addWidget(self.passphrase)
        self.remember = QCheckBox("Remember on this computer (uses the system keyring)")
        self.remember.setAccessibleName("Remember on this computer")
        self.remember.setToolTip(
            "Unlocks this binder without the passphrase on this computer only. "
            "Leave it off on a shared or borrowed laptop."
        )
        form.addWidget(self.remember)
        self.message = message_label()
        form.addWidget(self.message)
        row = QHBoxLayout()
        self.recovery_link = QPushButton("Forgot it? Use the recovery code")
        self.recovery_link.setFlat(True)
        self.recovery_link.setAccessibleName("Use the recovery code")
        self.recovery_link.clicked.connect(self.show_recovery)
        row.addWidget(self.recovery_link)
        row.addStretch()
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.setAccessibleName("Unlock")
        self.unlock_button.clicked.connect(self.try_passphrase)
        row.addWidget(self.unlock_button)
        form.addLayout(row)
        form.addStretch()
        self.stack.addWidget(pp)

        # -- recovery page
        rp = QWidget()
        rform = QFormLayout(rp)
        rform.setContentsMargins(0, 8, 0, 0)
        rform.addRow(muted(
            "Type the recovery code you wrote down when the binder was created, then choose "
            "a new passphrase. Groups, dashes and upper or lower case do not matter."
        ))
        self.code = QLineEdit()
        self.code.setAccessibleName("Recovery code")
        self.code.setPlaceholderText("XXXXX-XXXXX-XXXXX-…")
        rform.addRow("Recovery code", self.code)
        self.new_pass = password_field("New passphrase")
        self.new_confirm = password_field("Repeat the new passphrase")
        rform.addRow("New passphrase", self.new_pass)
        rform.addRow("Repeat it", self.new_confirm)
        self.recovery_message = message_label()
        rform.addRow(self.recovery_message)
        rrow = QHBoxLayout()
        back = QPushButton("Back to the passphrase")
        back.setAccessibleName("Back to the passphrase")
        back.clicked.connect(self.show_passphrase)
        rrow.addWidget(back)
        rrow.addStretch()
        self.recover_button = QPushButton("Unlock and set passphrase")
        self.recover_button.setAccessibleName("Unlock with the recovery code")
        self.recover_button.clicked.connect(self.try_recovery)
        rrow.addWidget(self.recover_button)
        rform.addRow(rrow)
        self.stack.addWidget(rp)
        # Each page only as tall as it needs: the passphrase form should not inherit
        # the height of the longer recovery form.
        self.stack.currentChanged.connect(self._fit_page)

        other = QPushButton("Open another binder…")
        other.setFlat(True)
        other.setAccessibleName("Open another binder")
        other.clicked.connect(self.open_other.emit)
        box.addWidget(other, alignment=Qt.AlignmentFlag.AlignLeft)

        outer = QVBoxLayout(self)
        outer.addStretch(2)
        h = QHBoxLayout()
        h.addStretch()
        h.addWidget(card, 3)
        h.addStretch()
        outer.addLayout(h)
        outer.addStretch(3)
        self.set_binder(binder)

    def _fit_page(self, index: int) -> None:
        from PySide6.QtWidgets import QSizePolicy

        for i in range(self.stack.count()):
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            self.stack.widget(i).setSizePolicy(QSizePolicy.Policy.Preferred, policy)
            self.stack.widget(i).adjustSize()
        self.stack.adjustSize()

    def set_binder(self, binder: Binder) -> None:
        """Show this binder (after the idle lock or when another file was opened)."""
        self.binder = binder
        org = binder.meta("org") or ""
        self.where.setText(f"{binder.path.name}{' · ' + org if org else ''}\n{binder.path.parent}")
        self.remember.setChecked(vault.is_remembered(binder))
        self.show_passphrase()

    def focus(self) -> None:
        """Put the cursor in the passphrase field."""
        self.passphrase.setFocus()

    def show_passphrase(self) -> None:
        """Back to the passphrase form."""
        self.stack.setCurrentIndex(0)
        self._fit_page(0)
        self.title.setText("This binder is locked")
        self.passphrase.setFocus()

    def show_recovery(self) -> None:
        """Switch to the recovery-code form."""
        self.stack.setCurrentIndex(1)
        self.title.setText("Unlock with the recovery code")
        self.code.setFocus()

    def try_passphrase(self) -> bool:
        """Unlock with what is typed; a calm message and another try when it is wrong."""
        text = self.passphrase.text()
        if not text:
            show_message(self.message, "Type the binder passphrase, then press Enter.")
            return False
        try:
            # Deriving the key takes a second or more: the page says so and stays painted.
            wait_for(self, lambda: session.unlock_binder(self.binder, door=DOOR, passphrase=text,
                                                         use_keyring=False),
                     label="Unlocking the binder…", status=self.message,
                     busy=(self.passphrase, self.unlock_button))
        except WrongPassphrase:
            self.attempts += 1
            hint = " Check Caps Lock and the keyboard layout." if self.attempts >= 2 else ""
            show_message(
                self.message,
                f"That passphrase does not unlock this binder. Nothing was changed; try again.{hint}"
                + (" If it is lost, use the recovery code." if self.attempts >= 3 else ""),
            )
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            return False
        except BinderError as exc:
            show_message(self.message, str(exc))
            return False
        self.passphrase.clear()
        self._after_unlock("passphrase")
        return True

    def try_recovery(self) -> bool:
        """Unlock with the recovery code, then set the new passphrase."""
        new, again = self.new_pass.text(), self.new_confirm.text()
        if new != again:
            show_message(self.recovery_message, "The two new passphrases differ; type it twice.")
            return False
        try:
            with busy_cursor():
                new_code = session.recover_binder(self.binder, self.code.text(), new, door=DOOR)
        except BinderError as exc:
            show_message(self.recovery_message, str(exc)[:1].upper() + str(exc)[1:] + ".")
            return False
        for field in (self.code, self.new_pass, self.new_confirm):
            field.clear()
        if new_code:
            # The code just used is spent; this is the only time the new one is shown.
            dialogs.info(self, "Your new recovery code",
                         "The recovery code you typed no longer works. Write this new one "
                         f"down now and keep it apart from the laptop:\n\n{new_code}\n\n"
                         "It is shown only this once.")
        self._after_unlock("recovery")
        return True

    def _after_unlock(self, how: str) -> None:
        self.attempts = 0
        show_message(self.message, "")
        show_message(self.recovery_message, "")
        if self.use_keyring:
            if self.remember.isChecked() and not vault.is_remembered(self.binder):
                session.remember_here(self.binder, door=DOOR)
            elif not self.remember.isChecked() and vault.is_remembered(self.binder):
                session.forget_here(self.binder, door=DOOR)
        self.unlocked.emit(how)


class SignInDialog(QDialog):
    """Pick a name, type that person's passphrase: their signing key opens.

    ``exclude`` leaves out people who may not sign here (the author, for a witness).
    """

    def __init__(
        self, binder: Binder, parent: QWidget | None = None, *, title: str = "Sign in to sign",
        explanation: str = "", exclude: tuple[str, ...] = (), preferred: str | None = None,
        keep_label: str = "", meaning: str = session.AUTHOR,
    ):
        super().__init__(parent)
        self.binder = binder
        self.meaning = meaning
        self.session: SigningSession | None = None
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(title, 2))
        if explanation:
            layout.addWidget(muted(explanation))
        form = QFormLayout()
        self.person = QComboBox()
        self.person.setAccessibleName("Who is signing")
        excluded = {person_key(p) for p in exclude}
        # login -> the name their certificate states, for messages about the chosen person
        self.names: dict[str, str] = {}
        for s in signers.list_signers(binder):
            if person_key(s) in excluded:
                continue
            stated = s.identity  # name and role as the certificate states them
            self.names[s.person] = stated.name
            self.person.addItem(f"{stated.name} — {stated.role}" if stated.role else stated.name,
                                s.person)
        if preferred:
            index = self.person.findData(preferred)
            if index >= 0:
                self.person.setCurrentIndex(index)
        form.addRow("Name", self.person)
        self.passphrase = password_field("Personal passphrase", "Your own signing passphrase")
        form.addRow("Passphrase", self.passphrase)
        # Whole, grouped and copyable: people compare it aloud with the enrolment record.
        self.fingerprint = DigestField(name="Certificate fingerprint", upper=True)
        form.addRow("Fingerprint", self.fingerprint)
        layout.addLayout(form)
        self.keep = QCheckBox(keep_label)
        self.keep.setAccessibleName(keep_label or "Stay signed in")
        self.keep.setChecked(True)
        self.keep.setVisible(bool(keep_label))
        layout.addWidget(self.keep)
        self.message = message_label()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Sign in")
        self.ok_button.setAccessibleName("Sign in")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.try_sign_in)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.person.currentIndexChanged.connect(self._show_fingerprint)
        self._show_fingerprint()
        if self.person.count() == 0:
            self.passphrase.setEnabled(False)
            self.ok_button.setEnabled(False)
            show_message(
                self.message,
                "Nobody who may sign here is enrolled yet. On the Roster screen, choose a "
                "contact and Enrol as signer… (each person types their own passphrase).",
            )
        else:
            self.passphrase.setFocus()

    def _show_fingerprint(self) -> None:
        person = self.person.currentData()
        signer = signers.find_signer(self.binder, person) if person else None
        self.fingerprint.set_value(signer.fingerprint if signer else "")

    def choose(self, person: str) -> None:
        """Select a person by name (keyboard users type in the combo; tests call this)."""
        index = self.person.findData(person)
        if index >= 0:
            self.person.setCurrentIndex(index)

    def try_sign_in(self) -> bool:
        """Open the chosen person's key; a calm message when the passphrase is wrong."""
        person = self.person.currentData()
        if not person:
            return False
        name = self.names[person]
        if not self.passphrase.text():
            show_message(self.message, f"The passphrase field is empty: {name} types their own "
                                       "passphrase. Nothing was signed.")
            self.passphrase.setFocus()
            return False
        passphrase = self.passphrase.text()
        try:
            # Opening a key takes a second or more (Argon2id): off the window's thread, with
            # the busy state and, past two seconds, a progress window. The core verb records
            # who signed in and what their signatures mean.
            self.session = wait_for(
                self, lambda: session.sign_in(self.binder, person, passphrase,
                                              door=DOOR, meaning=self.meaning),
                label=f"Opening {name}'s signing key…", status=self.message,
                busy=(self.ok_button, self.person, self.passphrase))
        except WrongPassphrase:
            show_message(
                self.message,
                f"That is not {name}'s passphrase. Nothing was signed; try again.",
            )
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            return False
        except BinderError as exc:
            show_message(self.message, str(exc))
            return False
        self.passphrase.clear()
        self.accept()
        return True
