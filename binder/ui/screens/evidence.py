"""The Evidence pane: the register, each item's custody history, and the signed actions.

Files dropped on the pane (or chosen with "Register file…") open a short form;
hashing then runs off the UI thread with a progress dialog and Cancel, in a
task that opens its own binder connection. Transfers and closing an item work
the same way (a transfer re-hashes the file). The pane reads through
:mod:`binder.core.incident.evidence` and never runs SQL itself.

The person at the keyboard signs: ``signer_provider()`` returns their open
signing session (or None, and we ask them to sign in). A witness types their
own passphrase into the form they co-sign.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto import signers
from binder.core.crypto.signers import SigningSession
from binder.core.errors import BinderError, Cancelled
from binder.core.incident import evidence as ev
from binder.core.incident.evidence import CustodyEvent, EvidenceItem, RecheckResult
from binder.core.storage.database import Binder, open_binder
from binder.ui import dialogs
from binder.ui.app import CHIP_COLOURS, heading, muted
from binder.ui.forms.feedback import message_label, show_message
from binder.ui.forms.witness import WitnessPicker
from binder.ui.tasks import run_task

SignerProvider = Callable[[], SigningSession | None]

_STATUS_COLOURS = {"ok": "green", "changed": "red", "missing": "amber", "unreadable": "amber"}
_STATUS_TEXT = {"ok": "Unchanged", "changed": "CHANGED", "missing": "File missing",
                "unreadable": "Unreadable"}


def _when(iso: str) -> str:
    """A zoned ISO time as written (custody forms keep the zone): ``2026-11-29 14:05 +01:00``."""
    if not iso:
        return ""
    text = iso.replace("T", " ")
    if len(text) >= 22 and text[-6] in "+-":
        return f"{text[:16]} {text[-6:]}"
    return text[:16]


def _fit_columns(view: QTableView, cap: int = 240, skip: tuple[int, ...] = ()) -> None:
    # Size to content, but never let one long path push the other columns off screen.
    view.resizeColumnsToContents()
    for column in range(view.model().columnCount()):
        if column not in skip and view.columnWidth(column) > cap:
            view.setColumnWidth(column, cap)


# --------------------------------------------------------------------------- models


class EvidenceTableModel(QAbstractTableModel):
    """Evidence items as rows, with the latest re-check result per item."""

    COLUMNS = ("Item", "Description", "Type", "Size", "SHA-256", "Custodian", "Location",
               "State", "Last check")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._items: list[EvidenceItem] = []
        self._checks: dict[int, RecheckResult] = {}

    def set_items(self, items: Sequence[EvidenceItem]) -> None:
        """Replace every row (re-check results are kept per item)."""
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def set_checks(self, results: Sequence[RecheckResult]) -> None:
        """Show the outcome of a re-check."""
        self._checks.update({r.evidence_id: r for r in results})
        if self._items:
            col = self.COLUMNS.index("Last check")
            self.dataChanged.emit(self.index(0, col), self.index(len(self._items) - 1, col))

    def check_of(self, evidence_id: int) -> RecheckResult | None:
        """The last re-check of an item in this session, if any."""
        return self._checks.get(evidence_id)

    def item_at(self, row: int) -> EvidenceItem | None:
        """The item shown in ``row``."""
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, evidence_id: int) -> int:
        """The row showing ``evidence_id``, or -1."""
        return next((i for i, it in enumerate(self._items) if it.id == evidence_id), -1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def _text(self, item: EvidenceItem, column: str) -> str:
        check = self._checks.get(item.id)
        return {
            "Item": item.label,
            "Description": item.description.replace("\n", " "),
            "Type": item.type,
            "Size": ev.human_size(item.size),
            "SHA-256": item.sha256[:16] + "…",
            "Custodian": item.custodian,
            "Location": item.location,
            "State": item.disposition.capitalize() if item.disposition else "In custody",
            "Last check": _STATUS_TEXT.get(check.status, check.status) if check else "",
        }[column]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self._items[index.row()]
        column = self.COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "SHA-256":
                return item.sha256
            if column == "Last check" and (check := self._checks.get(item.id)):
                return str(check)
            if column == "Description":
                return item.description
            if column == "Location":
                return f"{item.location}\nFile: {item.file}"
        if role == Qt.ItemDataRole.UserRole:
            return item.id
        check = self._checks.get(item.id)
        if column == "Last check" and check and role in (
            Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole
        ):
            bg, fg = CHIP_COLOURS[_STATUS_COLOURS.get(check.status, "grey")]
            return QColor(bg if role == Qt.ItemDataRole.BackgroundRole else fg)
        if column == "Size" and role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None


class CustodyTableModel(QAbstractTableModel):
    """One item's chain of custody, oldest first."""

    COLUMNS = ("#", "Time", "Action", "From", "To", "Purpose / note", "Location", "Seal",
               "Re-hash", "Signed by", "Witness")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._events: list[CustodyEvent] = []

    def set_events(self, events: Sequence[CustodyEvent]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._events = list(events)
        self.endResetModel()

    def event_at(self, row: int) -> CustodyEvent | None:
        """The custody event in ``row``."""
        return self._events[row] if 0 <= row < len(self._events) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e = self._events[index.row()]
        column = self.COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole,
                    Qt.ItemDataRole.ToolTipRole):
            purpose = e.purpose
            if e.authority:
                purpose = f"authority: {e.authority}" + (f"; {purpose}" if purpose else "")
            return {
                "#": str(e.seq),
                "Time": _when(e.time),
                "Action": e.action.capitalize(),
                "From": e.released_by,
                "To": e.received_by,
                "Purpose / note": purpose.replace("\n", " "),
                "Location": e.location,
                "Seal": e.seal,
                "Re-hash": e.rehash,
                "Signed by": e.author,
                "Witness": ", ".join(e.witnesses),
            }[column]
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None


# --------------------------------------------------------------------------- forms


class _SignedForm(QDialog):
    """A form whose record is signed by the author and optionally co-signed by a witness."""

    def __init__(self, pane: EvidencePane, title: str, intro: str, author: SigningSession,
                 *, witness_required: bool = False) -> None:
        super().__init__(pane)
        self.pane = pane
        self.author = author
        self.witness_required = witness_required
        self.witness_session: SigningSession | None = None
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(title, 2))
        self.intro = muted(intro)
        self.intro.setTextFormat(Qt.TextFormat.PlainText)  # descriptions are user text, not markup
        layout.addWidget(self.intro)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(self.form)

        self.witness_box = WitnessPicker(
            pane.binder, author, required=witness_required,
            title=None if witness_required else "Witness (co-signs now)")
        self.witness, self.witness_pass = self.witness_box.combo, self.witness_box.passphrase

        self.signed_as = muted(f"Signed by {author.person}.")
        self.message = message_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setAccessibleName("Sign and record")
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        self._tail = (self.witness_box, self.signed_as, self.message, self.buttons)

    def finish_layout(self) -> None:
        """Add the witness section, message line and buttons under the fields."""
        layout = self.layout()
        for widget in self._tail:
            layout.addWidget(widget)

    def choose_witness(self, person: str, passphrase: str) -> None:
        """Pick a witness and fill their passphrase (keyboard users do the same; tests call this)."""
        self.witness_box.choose(person, passphrase)

    def check(self) -> str | None:
        """Field checks of the concrete form; a message when something is missing."""
        return None

    def try_accept(self) -> bool:
        """Check the fields, open the witness's key, then accept."""
        problem = self.check()
        if problem:
            show_message(self.message, problem)
            return False
        person = self.witness.currentData()
        if self.witness_required and not person:
            show_message(self.message, "Choose a witness: closing an item needs a second person.")
            return False
        ok, self.witness_session = self.witness_box.open_session(self.message)
        if not ok:
            return False
        self.witness_pass.clear()
        self.accept()
        return True


def _line(name: str, placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setAccessibleName(name)
    field.setPlaceholderText(placeholder)
    return field


class RegisterDialog(_SignedForm):
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
            size = ev.human_size(path.stat().st_size)
        except OSError:
            size = "not readable"
        self.description = _line("Description", "e.g. nginx access log of web1, 27–29 Nov")
        self.type = QComboBox()
        self.type.setEditable(True)
        self.type.addItems(ev.EVIDENCE_TYPES)
        self.type.setCurrentText("file copy")
        self.type.setAccessibleName("Type")
        self.source_system = _line("Source system", "host name, e.g. web1.shop.example")
        self.source_ip = _line("Source IP address", "e.g. 10.0.0.5")
        self.source_device = _line("Make and model", "for a device: make, model")
        self.source_serial = _line("Serial number", "for a device")
        self.reason = _line("Reason obtained", "why this is evidence")
        self.covers_from = _line("Covers from", "e.g. 2026-11-28 00:00")
        self.covers_to = _line("Covers to", "e.g. 2026-11-29 12:00")
        covers = QHBoxLayout()
        covers.addWidget(self.covers_from)
        covers.addWidget(QLabel("to"))
        covers.addWidget(self.covers_to)
        self.storage_location = _line("Storage location", "where the item is kept, e.g. safe 2")
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
        self.finish_layout()
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


class TransferDialog(_SignedForm):
    """Hand an item over to someone (any named person, not only enrolled signers)."""

    def __init__(self, pane: EvidencePane, item: EvidenceItem, author: SigningSession) -> None:
        super().__init__(
            pane, f"Transfer {item.label}",
            f"{item.label} — {item.description}. Held by {item.custodian or 'nobody recorded'}. "
            "The file is hashed again at hand-over when it can be reached; a different hash "
            "stops the transfer.",
            author,
        )
        self.item = item
        self.received_by = _line("Received by", "name of the person receiving it")
        names = [s.person for s in signers.list_signers(pane.binder)]
        self.received_by.setCompleter(QCompleter(names, self))
        self.purpose = _line("Purpose", "e.g. imaging at the forensics lab")
        self.location = _line("New location", item.location)
        self.seal = _line("Seal or tracking number", "e.g. SEAL-0042, courier tracking")
        self.time = _line("Time", "now (or e.g. 2026-11-29 14:05)")
        self.form.addRow("&Received by:", self.received_by)
        self.form.addRow("&Purpose:", self.purpose)
        self.form.addRow("New &location:", self.location)
        self.form.addRow("&Seal / tracking:", self.seal)
        self.form.addRow("T&ime:", self.time)
        self.ok_button.setText("Record transfer")
        self.finish_layout()
        self.received_by.setFocus()

    def check(self) -> str | None:
        if not self.received_by.text().strip():
            self.received_by.setFocus()
            return "Name the person who receives the item."
        if not self.purpose.text().strip():
            self.purpose.setFocus()
            return "Say why the item changes hands."
        if self.time.text().strip():
            try:
                ev.zoned_time(self.time.text(), "hand-over time")
            except BinderError as exc:
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


class DisposeDialog(_SignedForm):
    """Close an item: returned, destroyed or archived, with authority and witness."""

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
        self.authority = _line("Authority", "who allowed it: person, role, order or ticket")
        self.location = _line("Location", "where it went (returned to, archive box)")
        self.note = _line("Note", "optional")
        self.form.addRow("&Disposition:", self.action)
        self.form.addRow("&Authority:", self.authority)
        self.form.addRow("&Location:", self.location)
        self.form.addRow("&Note:", self.note)
        self.ok_button.setText("Close item")
        self.finish_layout()
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


# --------------------------------------------------------------------------- the pane


class EvidencePane(QWidget):
    """The Evidence tab of an incident: register, custody history, actions."""

    def __init__(self, binder: Binder, incident_id: int, signer_provider: SignerProvider,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.binder = binder
        self.incident_id = incident_id
        self.signer_provider = signer_provider
        self.dialog: _SignedForm | None = None  # the form on screen, if any (tests fill it)
        self.busy = False
        self.task = None  # the running hashing task, if any
        self._queue: list[Path] = []
        self.setAcceptDrops(True)
        self.setAccessibleName("Evidence")

        self.title = heading("Evidence and chain of custody", 2)
        self.hint = muted("Drop files here to register them. Every registration, hand-over "
                          "and closing is a signed journal entry.")
        self.register_button = QPushButton("Register file…")
        self.register_button.setAccessibleName("Register file")
        self.register_button.clicked.connect(self.choose_files)
        self.transfer_button = QPushButton("Transfer…")
        self.transfer_button.setAccessibleName("Transfer custody")
        self.transfer_button.clicked.connect(self.transfer_selected)
        self.dispose_button = QPushButton("Close item…")
        self.dispose_button.setAccessibleName("Close item")
        self.dispose_button.setToolTip("Returned, destroyed or archived (needs a witness)")
        self.dispose_button.clicked.connect(self.dispose_selected)
        self.recheck_button = QPushButton("Re-check files")
        self.recheck_button.setAccessibleName("Re-check files")
        self.recheck_button.setToolTip("Hash every registered file again and compare")
        self.recheck_button.clicked.connect(self.recheck)

        top = QHBoxLayout()
        text = QVBoxLayout()
        text.addWidget(self.title)
        text.addWidget(self.hint)
        top.addLayout(text, 1)
        for b in (self.register_button, self.transfer_button, self.dispose_button,
                  self.recheck_button):
            top.addWidget(b, 0, Qt.AlignmentFlag.AlignBottom)

        self.model = EvidenceTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Evidence register")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(EvidenceTableModel.COLUMNS.index("Description"),
                                    QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        self.table.doubleClicked.connect(lambda *_: self.transfer_selected())

        self.empty = muted("No evidence registered yet.\n\nDrop a log, database dump or disk "
                           "image here, or click “Register file…”.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.table)

        self.details = QGroupBox("Item")
        grid = QGridLayout(self.details)
        grid.setColumnStretch(1, 1)
        self._detail_labels: dict[str, QLabel] = {}
        for row, (key, caption) in enumerate((
            ("sha256", "SHA-256"), ("file", "File"), ("collected", "Collected"),
            ("source", "Source"), ("reason", "Reason"), ("covers", "Covers"),
            ("witness", "Witness"),
        )):
            cap = QLabel(caption + ":")
            cap.setProperty("muted", "1")
            value = QLabel("")
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(caption)
            grid.addWidget(cap, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 1)
            self._detail_labels[key] = value
        grid.setRowStretch(len(self._detail_labels), 1)

        self.custody_model = CustodyTableModel(self)
        self.custody = QTableView()
        self.custody.setModel(self.custody_model)
        self.custody.setAccessibleName("Custody history")
        self.custody.verticalHeader().hide()
        self.custody.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.custody.setWordWrap(False)
        self.custody.horizontalHeader().setStretchLastSection(True)
        custody_box = QGroupBox("Custody history")
        QVBoxLayout(custody_box).addWidget(self.custody)

        self.lower = lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.details)
        lower.addWidget(custody_box)
        lower.setStretchFactor(0, 2)
        lower.setStretchFactor(1, 3)
        lower.setSizes([380, 800])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.stack)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.refresh()

    # ------------------------------------------------------------------ reading

    def refresh(self, select: int | None = None) -> None:
        """Reload the register from the binder, keeping (or moving) the selection."""
        current = select if select is not None else self.selected_id()
        items = ev.list_evidence(self.binder, self.incident_id)
        self.model.set_items(items)
        self.stack.setCurrentWidget(self.table if items else self.empty)
        self.lower.setVisible(bool(items))
        row = self.model.row_of(current) if current is not None else -1
        if row < 0 and items:
            row = len(items) - 1
        if row >= 0:
            self.table.selectRow(row)
        _fit_columns(self.table, skip=(EvidenceTableModel.COLUMNS.index("Description"),))
        self._show_selected()

    def selected_id(self) -> int | None:
        """The id of the selected item, if any."""
        index = self.table.currentIndex()
        item = self.model.item_at(index.row()) if index.isValid() else None
        return item.id if item else None

    def selected_item(self) -> EvidenceItem | None:
        """The selected item, if any."""
        index = self.table.currentIndex()
        return self.model.item_at(index.row()) if index.isValid() else None

    def _show_selected(self) -> None:
        item = self.selected_item()
        self.transfer_button.setEnabled(bool(item and not item.closed) and not self.busy)
        self.dispose_button.setEnabled(bool(item and not item.closed) and not self.busy)
        self.recheck_button.setEnabled(self.model.rowCount() > 0 and not self.busy)
        self.register_button.setEnabled(not self.busy)
        if item is None:
            self.details.setTitle("Item")
            for label in self._detail_labels.values():
                label.setText("")
            self.custody_model.set_events([])
            return
        d = item.data
        src = d.get("source_system") or {}
        source = ", ".join(v for v in (src.get("hostname"), src.get("ip"), src.get("make_model"),
                                       src.get("serial")) if v) or "not recorded"
        covers = d.get("covers") or {}
        check = self.model.check_of(item.id)
        file_text = item.file + (f"  (symbolic link {d['original_path']} → {d['symlink_target']})"
                                 if d.get("symlink_target") else "")
        if check:
            file_text += f"\nLast check: {_STATUS_TEXT.get(check.status, check.status).lower()}"
        self.details.setTitle(f"{item.label} — {item.description}")
        values = {
            "sha256": item.sha256,
            "file": file_text,
            "collected": f"{_when(item.collected_at)} by {item.collected_by}"
                         + (f", {d['collected_where']}" if d.get("collected_where") else ""),
            "source": source,
            "reason": d.get("reason") or "not recorded",
            "covers": (f"{_when(covers.get('from', ''))} to {_when(covers.get('to', ''))}"
                       if covers else "not recorded"),
            "witness": ", ".join(item.witnesses) or "none",
        }
        for key, value in values.items():
            self._detail_labels[key].setText(value)
        self.custody_model.set_events(item.custody)
        _fit_columns(self.custody, cap=200)

    # ------------------------------------------------------------------ signing in

    def _author(self) -> SigningSession | None:
        session = self.signer_provider()
        if session is None:
            dialogs.info(self, "Sign in to sign",
                         "Evidence records are signed by the person at the keyboard. Sign in "
                         "with your own passphrase first, then try again.")
        return session

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._show_selected()

    # ------------------------------------------------------------------ register

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.register_files(paths)

    def choose_files(self) -> None:
        """Pick files with the system file dialog, then register them."""
        names, _ = QFileDialog.getOpenFileNames(self, "Register evidence files")
        if names:
            self.register_files([Path(n) for n in names])

    def register_files(self, paths: Sequence[Path]) -> RegisterDialog | None:
        """Queue files for registration and open the form for the first (what a drop does)."""
        if self.signer_provider() is None:
            self._author()
            return None
        self._queue.extend(Path(p) for p in paths)
        if self.busy or self.dialog is not None:
            return None
        return self._next_registration()

    def _next_registration(self) -> RegisterDialog | None:
        while self._queue:
            path = self._queue.pop(0)
            try:
                ev.check_source(path)
            except BinderError as exc:
                dialogs.error(self, "Cannot register this file", str(exc))
                continue
            author = self._author()
            if author is None:
                self._queue.clear()
                return None
            dialog = RegisterDialog(self, path, author)
            self._open(dialog, lambda d=dialog: self._start_register(d))
            return dialog
        return None

    def _open(self, dialog: _SignedForm, on_accept: Callable[[], None]) -> None:
        self.dialog = dialog

        def done(result: int) -> None:
            self.dialog = None
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted:
                on_accept()
            elif isinstance(dialog, RegisterDialog):
                self._next_registration()

        dialog.finished.connect(done)
        dialog.open()

    def _start_register(self, dialog: RegisterDialog) -> None:
        path_of_binder = self.binder.path
        incident_id = self.incident_id
        file = dialog.path
        author = dialog.author
        witness = dialog.witness_session
        copy = dialog.copy.isChecked()
        values = dialog.values()

        def work(progress, cancelled) -> int:
            with open_binder(path_of_binder) as b:
                return ev.register_evidence(
                    b, incident_id, file, author, witness=witness,
                    copy_to=ev.evidence_folder(b) if copy else None,
                    progress=progress, cancelled=cancelled, **values)

        self._run(work, f"Hashing {file.name}…", self._registered,
                  f"{file.name} was not registered")

    def _registered(self, evidence_id: int) -> None:
        self.refresh(select=evidence_id)
        self._next_registration()

    # ------------------------------------------------------------------ custody

    def transfer_selected(self) -> TransferDialog | None:
        """Open the transfer form for the selected item."""
        item = self.selected_item()
        if item is None or item.closed or self.busy:
            return None
        author = self._author()
        if author is None:
            return None
        dialog = TransferDialog(self, item, author)
        self._open(dialog, lambda: self._start_transfer(dialog))
        return dialog

    def _start_transfer(self, dialog: TransferDialog) -> None:
        path_of_binder, evidence_id = self.binder.path, dialog.item.id
        author, witness, values = dialog.author, dialog.witness_session, dialog.values()

        def work(progress, cancelled) -> int:
            with open_binder(path_of_binder) as b:
                ev.transfer(b, evidence_id, author, witness=witness, progress=progress,
                            cancelled=cancelled, **values)
            return evidence_id

        self._run(work, f"Re-hashing {ev.label(evidence_id)} for the hand-over…",
                  lambda eid: self.refresh(select=eid), "The transfer was not recorded")

    def dispose_selected(self) -> DisposeDialog | None:
        """Open the closing form for the selected item."""
        item = self.selected_item()
        if item is None or item.closed or self.busy:
            return None
        author = self._author()
        if author is None:
            return None
        dialog = DisposeDialog(self, item, author)
        self._open(dialog, lambda: self._finish_dispose(dialog))
        return dialog

    def _finish_dispose(self, dialog: DisposeDialog) -> None:
        # No file work: quick enough to do here, on the pane's own connection.
        try:
            ev.dispose(self.binder, dialog.item.id, dialog.author,
                       witness=dialog.witness_session, **dialog.values())
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="The item was not closed")
            return
        self.refresh(select=dialog.item.id)

    # ------------------------------------------------------------------ re-check

    def recheck(self) -> None:
        """Hash every registered file of this incident again, off the UI thread."""
        if self.busy or self.model.rowCount() == 0:
            return
        path_of_binder, incident_id = self.binder.path, self.incident_id

        def work(progress, cancelled) -> list[RecheckResult]:
            with open_binder(path_of_binder) as b:
                return ev.recheck(b, incident_id, progress=progress, cancelled=cancelled)

        self._run(work, "Re-checking evidence files…", self._rechecked, "Re-check stopped")

    def _rechecked(self, results: list[RecheckResult]) -> None:
        self.model.set_checks(results)
        self._show_selected()
        changed = [r for r in results if r.status == "changed"]
        unreachable = [r for r in results if r.status in ("missing", "unreadable")]
        if changed:
            dialogs.error(self, "Evidence changed",
                          "These files no longer match their registered SHA-256:\n"
                          + "\n".join(str(r) for r in changed)
                          + "\n\nRecord what happened in the journal.")
        else:
            extra = (f" {len(unreachable)} file(s) could not be reached and were not checked."
                     if unreachable else "")
            dialogs.info(self, "Evidence unchanged",
                         f"{len(results) - len(unreachable)} file(s) match their registered "
                         f"SHA-256.{extra}")

    # ------------------------------------------------------------------ tasks

    def _run(self, work, label: str, on_success: Callable[[Any], None], failed_title: str) -> None:
        self._set_busy(True)

        def ok(result: Any) -> None:
            self.task = None
            self._set_busy(False)
            on_success(result)

        def bad(exc: BaseException) -> None:
            self.task = None
            self._set_busy(False)
            if not isinstance(exc, Cancelled):
                dialogs.show_exception(self, exc, title=failed_title)
            self.refresh()
            self._next_registration()

        self.task = run_task(self, work, label=label, on_success=ok, on_failure=bad)
