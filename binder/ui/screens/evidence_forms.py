"""The evidence pane's signed forms: register a file, transfer custody, close an item.

Each record is signed by the author and, when the form asks for it, co-signed
by a witness who types their own passphrase.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QWidget,
)

from binder.core.crypto import signers
from binder.core.crypto.signers import SigningSession
from binder.core.errors import BinderError
from binder.core.formatting import size_text
from binder.core.incident import evidence as ev
from binder.core.incident.evidence import EvidenceItem
from binder.ui.forms.fields import line_field
from binder.ui.forms.signed import SignedDialog

#: The evidence pane that opens a form: a widget with the open ``binder``. Named by its
#: shape, not imported: the pane imports these forms.
EvidencePane = QWidget


class EvidenceForm(SignedDialog):
    """A signed evidence form: the pane writes the record (hashing runs off the UI thread)
    with the author and ``witness_session`` once the form is accepted."""

    def __init__(self, pane: EvidencePane, title: str, intro: str, author: SigningSession,
                 *, witness_required: bool = False) -> None:
        super().__init__(pane, pane.binder, author, title, intro,
                         witness_required=witness_required,
                         witness_title=None if witness_required else "Witness (co-signs now)")
        self.pane = pane


class RegisterDialog(EvidenceForm):
    """The custody-form questions for one file before it is hashed and registered."""

    def __init__(self, pane: EvidencePane, path: Path, author: SigningSession) -> None:
        super().__init__(
            pane, "Register evidence",
            "The file is hashed (SHA-256) and the answers below become a signed journal entry. "
            "Only the description is required; the rest is what a chain-of-custody form asks.",
            author,
        )
        self.path = path
        file_label = QLabel(str(path))
        file_label.setTextFormat(Qt.TextFormat.PlainText)
        file_label.setWordWrap(True)
        file_label.setAccessibleName("File")
        try:
            size = size_text(path.stat().st_size)
        except OSError:
            size = "not readable"
        self.description = line_field("Description", "e.g. nginx access log of web1, 27–29 Nov")
        self.type = QComboBox()
        self.type.setEditable(True)
        self.type.addItems(ev.EVIDENCE_TYPES)
        self.type.setCurrentText("file copy")
        self.type.setAccessibleName("Type")
        self.source_system = line_field("Source system", "host name, e.g. web1.shop.example")
        self.source_ip = line_field("Source IP address", "e.g. 10.0.0.5")
        self.source_device = line_field("Make and model", "for a device: make, model")
        self.source_serial = line_field("Serial number", "for a device")
        self.reason = line_field("Reason obtained", "why this is evidence")
        self.covers_from = line_field("Covers from", "e.g. 2026-11-28 00:00")
        self.covers_to = line_field("Covers to", "e.g. 2026-11-29 12:00")
        covers = QHBoxLayout()
        covers.addWidget(self.covers_from)
        covers.addWidget(QLabel("to"))
        covers.addWidget(self.covers_to)
        self.storage_location = line_field("Storage location", "where the item is kept, e.g. safe 2")
        self.copy = QCheckBox("Copy into the evidence folder beside the binder")
        self.copy.setToolTip(f"Into {ev.evidence_folder(pane.binder)}; the copy is hashed again "
                             "and becomes the file that re-checks look at")
        self.copy.setAccessibleName("Copy into the evidence folder")
        self.form.addRow("File:", file_label)
        self.form.addRow("Size:", QLabel(size))
        self.form.addRow("&Description:", self.description)
        self.form.addRow("&Type:", self.type)
        self.form.addRow("Source &system:", self.source_system)
        self.form.addRow("Source &IP:", self.source_ip)
        self.form.addRow("Make / model:", self.source_device)
        self.form.addRow("Serial:", self.source_serial)
        self.form.addRow("&Reason obtained:", self.reason)
        self.form.addRow("Time range covered:", covers)
        self.form.addRow("Storage &location:", self.storage_location)
        self.form.addRow("", self.copy)
        self.ok_button.setText("Hash and register")
        self.finish()
        self.description.setFocus()

    def check(self) -> str | None:
        if not self.description.text().strip():
            self.description.setFocus()
            return "Describe the item (what it is and where it came from)."
        for field, what in ((self.covers_from, "covers-from time"), (self.covers_to, "covers-to time")):
            if field.text().strip():
                try:
                    ev.zoned_time(field.text(), what)
                except BinderError as exc:
                    field.setFocus()
                    return str(exc)
        return None

    def values(self) -> dict[str, Any]:
        """Keyword arguments for :func:`binder.core.incident.evidence.register_evidence`."""
        return {
            "description": self.description.text().strip(),
            "type": self.type.currentText().strip() or "file copy",
            "source_system": self.source_system.text(),
            "source_ip": self.source_ip.text(),
            "source_device": self.source_device.text(),
            "source_serial": self.source_serial.text(),
            "reason": self.reason.text(),
            "covers_from": self.covers_from.text().strip() or None,
            "covers_to": self.covers_to.text().strip() or None,
            "storage_location": self.storage_location.text(),
        }


class TransferDialog(EvidenceForm):
    """Hand an item over to someone (any named person, not only enrolled signers)."""

    def __init__(self, pane: EvidencePane, item: EvidenceItem, author: SigningSession) -> None:
        super().__init__(
            pane, f"Transfer {item.label}",
            f"{item.label} — {item.description}. Held by {pane.model.custodian_name(item) or 'nobody recorded'}. "
            "The file is hashed again at hand-over when it can be reached; a different hash "
            "stops the transfer.",
            author,
        )
        self.item = item
        self.received_by = line_field("Received by", "name of the person receiving it")
        names = [s.identity.name for s in signers.list_signers(pane.binder)]
        self.received_by.setCompleter(QCompleter(names, self))
        self.purpose = line_field("Purpose", "e.g. imaging at the forensics lab")
        self.location = line_field("New location", item.location)
        self.seal = line_field("Seal or tracking number", "e.g. SEAL-0042, courier tracking")
        self.time = line_field("Time", "now (or e.g. 2026-11-29 14:05)")
        self.form.addRow("&Received by:", self.received_by)
        self.form.addRow("&Purpose:", self.purpose)
        self.form.addRow("New &location:", self.location)
        self.form.addRow("&Seal / tracking:", self.seal)
        self.form.addRow("T&ime:", self.time)
        self.ok_button.setText("Record transfer")
        self.finish()
        self.received_by.setFocus()

    def check(self) -> str | None:
        if not self.received_by.text().strip():
            self.received_by.setFocus()
            return "Name the person who receives the item."
        if not self.purpose.text().strip():
            self.purpose.setFocus()
            return "Say why the item changes hands."
        try:
            # An empty time is now; a hand-over before the registration is refused here too.
            when = ev.zoned_time(self.time.text().strip() or None, "hand-over time")
            ev.check_handover_time(self.item, when)
        except BinderError as exc:
            self.time.setFocus()
            return str(exc)
        return None

    def values(self) -> dict[str, Any]:
        """Keyword arguments for :func:`binder.core.incident.evidence.transfer`."""
        return {
            "received_by": self.received_by.text().strip(),
            "purpose": self.purpose.text().strip(),
            "location": self.location.text().strip(),
            "seal": self.seal.text().strip(),
            "time": self.time.text().strip() or None,
        }


class DisposeDialog(EvidenceForm):
    """Close an item: returned, destroyed or archived, with authority and witness."""

    WITNESS_MISSING = "Choose a witness: closing an item needs a second person."

    def __init__(self, pane: EvidencePane, item: EvidenceItem, author: SigningSession) -> None:
        super().__init__(
            pane, f"Close {item.label}",
            f"{item.label} — {item.description}. Closing is final: the item can no longer "
            "change hands. Name who authorised it; a witness co-signs.",
            author, witness_required=True,
        )
        self.item = item
        self.action = QComboBox()
        self.action.setAccessibleName("Disposition")
        for key in ev.DISPOSITIONS:
            self.action.addItem(key.capitalize(), key)
        self.authority = line_field("Authority", "who allowed it: person, role, order or ticket")
        self.location = line_field("Location", "where it went (returned to, archive box)")
        self.note = line_field("Note", "optional")
        self.form.addRow("&Disposition:", self.action)
        self.form.addRow("&Authority:", self.authority)
        self.form.addRow("&Location:", self.location)
        self.form.addRow("&Note:", self.note)
        self.ok_button.setText("Close item")
        self.finish()
        self.authority.setFocus()

    def check(self) -> str | None:
        if not self.authority.text().strip():
            self.authority.setFocus()
            return "Name the authority that allowed this."
        return None

    def values(self) -> dict[str, Any]:
        """Keyword arguments for :func:`binder.core.incident.evidence.dispose`."""
        return {
            "action": self.action.currentData(),
            "authority": self.authority.text().strip(),
            "location": self.location.text().strip(),
            "note": self.note.text().strip(),
        }
