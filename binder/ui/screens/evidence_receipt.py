"""The receipt of a hand-over: the receiver signs that the item arrived (or a witness does).

A hand-over signed only by the person who gave the item away is one side's
word. The person who received it signs here with their own passphrase; a
courier or a lab without a key cannot, so a second person who saw them take
it signs instead, and the report says which of the two it was.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto import session, signers
from binder.core.crypto.signers import SigningSession
from binder.core.crypto.two_person import person_key
from binder.core.errors import BinderError, WrongPassphrase
from binder.core.incident.evidence import CustodyEvent, EvidenceItem
from binder.core.storage.database import Binder
from binder.services.session import DOOR
from binder.ui.forms.feedback import busy_cursor, message_label, show_message
from binder.ui.forms.fields import line_field, password_field
from binder.ui.style import heading, muted


def pending_handover(item: EvidenceItem, selected: CustodyEvent | None) -> CustodyEvent | None:
    """The hand-over to acknowledge: the selected one, else the newest still unacknowledged."""
    if selected is not None and selected.action == "transfer":
        return selected
    waiting = [e for e in item.custody if e.action == "transfer" and e.receipt is None]
    return waiting[-1] if waiting else None


class ReceiptDialog(QDialog):
    """Who signs the receipt of one hand-over, with their own passphrase."""

    def __init__(self, parent: QWidget, binder: Binder, item: EvidenceItem, event: CustodyEvent,
                 author: SigningSession | None) -> None:
        super().__init__(parent)
        self.binder = binder
        self.item = item
        self.handover = event
        self.author = author
        self.session: SigningSession | None = None
        title = f"Receipt of {item.label}"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(title, 2))
        names = signers.names_by_login(binder)
        giver = signers.name_for_login(names, event.released_by)
        taker = signers.name_for_login(names, event.received_by)
        self.intro = muted(f"Hand-over #{event.seq}: {giver} gave {item.label} "
                           f"({item.description}) to {taker}. The receiver signs that it "
                           "arrived; a receiver without a key (a courier, a lab) is vouched "
                           "for by a witness who saw them take it.")
        self.intro.setTextFormat(Qt.TextFormat.PlainText)  # names and descriptions are user text
        layout.addWidget(self.intro)
        form = QFormLayout()
        self.signer = QComboBox()
        self.signer.setAccessibleName("Signed by")
        receiver_index = -1
        for s in signers.list_signers(binder):
            # Name and role as the certificate states them, as in the sign-in dialog.
            stated = s.identity
            full = stated.name or s.person
            self.signer.addItem(f"{full} — {stated.role}" if stated.role else full, s.person)
            if event.received_by.casefold() in (s.person.casefold(), full.casefold()):
                receiver_index = self.signer.count() - 1
        self.passphrase = password_field("Passphrase", "The person who signs types their own")
        self.witnessing = QCheckBox("I witnessed the receipt (the receiver holds no key)")
        self.witnessing.setToolTip(f"Tick when you did not receive it yourself but saw "
                                   f"{taker} take it")
        self.note = line_field("Note", "e.g. seal intact, bag unopened")
        self.time = line_field("Time of receipt", "now (or e.g. 2026-11-29 14:05)")
        form.addRow("&Signed by:", self.signer)
        form.addRow("Pass&phrase:", self.passphrase)
        form.addRow("", self.witnessing)
        form.addRow("&Note:", self.note)
        form.addRow("T&ime:", self.time)
        layout.addLayout(form)
        self.message = message_label()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Sign receipt")
        self.ok_button.setAccessibleName("Sign receipt")
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.signer.currentIndexChanged.connect(self._signer_changed)
        if receiver_index >= 0:
            self.signer.setCurrentIndex(receiver_index)
        else:
            self.witnessing.setChecked(True)
        self._signer_changed()
        self.passphrase.setFocus()

    def _signer_changed(self) -> None:
        person = self.signer.currentData()
        signed_in = self.author is not None and person_key(self.author) == person_key(person)
        self.passphrase.setEnabled(not signed_in)
        self.passphrase.setPlaceholderText("already signed in" if signed_in
                                           else "The person who signs types their own")

    def choose(self, person: str, passphrase: str = "", *, witnessing: bool = False) -> None:
        """Pick who signs (what a keyboard user does; tests too)."""
        index = self.signer.findData(person)
        if index >= 0:
            self.signer.setCurrentIndex(index)
        self.passphrase.setText(passphrase)
        self.witnessing.setChecked(witnessing)

    def values(self) -> dict:
        """Keyword arguments for :func:`binder.core.incident.evidence.acknowledge`."""
        return {"witnessing": self.witnessing.isChecked(), "note": self.note.text().strip(),
                "time": self.time.text().strip() or None}

    def try_accept(self) -> bool:
        """Open the signer's key, then accept (a wrong passphrase keeps the form open)."""
        person = self.signer.currentData()
        if not person:
            show_message(self.message, "Nobody is enrolled to sign; enroll the receiver first.")
            return False
        if self.author is not None and person_key(self.author) == person_key(person):
            self.session = self.author
        else:
            try:
                meaning = session.WITNESS if self.witnessing.isChecked() else session.RECEIVER
                with busy_cursor():
                    self.session = session.sign_in(self.binder, person, self.passphrase.text(),
                                                   door=DOOR, meaning=meaning)
            except WrongPassphrase:
                signer = signers.find_signer(self.binder, person)
                name = signer.identity.name if signer and signer.identity.name else person
                show_message(self.message, f"That is not {name}'s passphrase; nothing was "
                                           "signed. Try again.")
                self.passphrase.selectAll()
                self.passphrase.setFocus()
                return False
            except BinderError as exc:
                show_message(self.message, str(exc))
                return False
        self.passphrase.clear()
        self.accept()
        return True
