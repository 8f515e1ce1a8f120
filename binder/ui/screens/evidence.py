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

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto.signers import SigningSession, name_for_login, names_by_login
from binder.core.errors import BinderError, Cancelled
from binder.core.incident import evidence as ev
from binder.core.incident import recheck
from binder.core.incident.evidence import EvidenceItem
from binder.core.incident.recheck import RecheckResult
from binder.core.storage.database import Binder, open_binder
from binder.ui import dialogs
from binder.ui.forms.digest import DigestField
from binder.ui.screens.evidence_forms import (
    DisposeDialog,
    EvidenceForm,
    RegisterDialog,
    TransferDialog,
)
from binder.ui.screens.evidence_models import (
    STATUS_TEXT,
    CustodyTableModel,
    EvidenceTableModel,
    zoned_text,
)
from binder.ui.screens.evidence_receipt import ReceiptDialog, pending_handover
from binder.ui.shortcuts import mnemonic_safe
from binder.ui.style import heading, muted
from binder.ui.tables import read_only_table
from binder.ui.tasks import run_task

SignerProvider = Callable[[], SigningSession | None]

def _fit_columns(view: QTableView, cap: int = 240, skip: tuple[int, ...] = ()) -> None:
    # Size to content, but never let one long path push the other columns off screen.
    view.resizeColumnsToContents()
    for column in range(view.model().columnCount()):
        if column not in skip and view.columnWidth(column) > cap:
            view.setColumnWidth(column, cap)


# --------------------------------------------------------------------------- the pane


class EvidencePane(QWidget):
    """The Evidence tab of an incident: register, custody history, actions."""

    def __init__(self, binder: Binder, incident_id: int, signer_provider: SignerProvider,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.binder = binder
        self.incident_id = incident_id
        self.signer_provider = signer_provider
        self.dialog: EvidenceForm | None = None  # the form on screen, if any (tests fill it)
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
        self.receipt_button = QPushButton("Receipt…")
        self.receipt_button.setAccessibleName("Acknowledge receipt")
        self.receipt_button.setToolTip("The receiver of a hand-over signs that the item arrived")
        self.receipt_button.clicked.connect(self.acknowledge_selected)
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
        for b in (self.register_button, self.transfer_button, self.receipt_button,
                  self.dispose_button, self.recheck_button):
            top.addWidget(b, 0, Qt.AlignmentFlag.AlignBottom)

        self.model = EvidenceTableModel(self)
        self.table = read_only_table(QTableView())
        self.table.setModel(self.model)
        self.table.setAccessibleName("Evidence register")
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
            if key == "sha256":
                # The whole hash, grouped in fours, selectable, with Copy: people hold it next
                # to what sha256sum printed. (The plain label stays for screen readers.)
                self.sha_field = DigestField(name="SHA-256")
                value.setVisible(False)
                grid.addWidget(self.sha_field, row, 1)
            else:
                grid.addWidget(value, row, 1)
            self._detail_labels[key] = value
        grid.setRowStretch(len(self._detail_labels), 1)

        self.custody_model = CustodyTableModel(self)
        self.custody = read_only_table(QTableView())
        self.custody.setModel(self.custody_model)
        self.custody.setAccessibleName("Custody history")
        self.custody.setWordWrap(False)
        self.custody.horizontalHeader().setStretchLastSection(True)
        custody_box = QGroupBox("Custody history")
        QVBoxLayout(custody_box).addWidget(self.custody)

        self.lower = lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.details)
        lower.addWidget(custody_box)
        lower.setStretchFactor(0, 2)
        lower.setStretchFactor(1, 3)
        lower.setSizes([470, 670])
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
        self.model.set_items(items, names_by_login(self.binder))
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
        self.receipt_button.setEnabled(bool(item and any(e.action == "transfer"
                                                         for e in item.custody))
                                       and not self.busy)
        self.recheck_button.setEnabled(self.model.rowCount() > 0 and not self.busy)
        self.register_button.setEnabled(not self.busy)
        if item is None:
            self.details.setTitle("Item")
            for label in self._detail_labels.values():
                label.setText("")
            self.sha_field.set_value("")
            self.custody_model.set_events([])
            return
        d = item.data
        names = names_by_login(self.binder)  # people as their certificates name them
        src = d.get("source_system") or {}
        source = ", ".join(v for v in (src.get("hostname"), src.get("ip"), src.get("make_model"),
                                       src.get("serial")) if v) or "not recorded"
        covers = d.get("covers") or {}
        check = self.model.check_of(item.id)
        file_text = item.file + (f"  (symbolic link {d['original_path']} → {d['symlink_target']})"
                                 if d.get("symlink_target") else "")
        if check:
            file_text += f"\nLast check: {STATUS_TEXT.get(check.status, check.status).lower()}"
        # User text: "R&D laptop" must not lose its "&" to a keyboard mnemonic.
        self.details.setTitle(mnemonic_safe(f"{item.label} — {item.description}"))
        values = {
            "sha256": item.sha256,
            "file": file_text,
            "collected": f"{zoned_text(item.collected_at)} by {name_for_login(names, item.collected_by)}"
                         + (f", {d['collected_where']}" if d.get("collected_where") else ""),
            "source": source,
            "reason": d.get("reason") or "not recorded",
            "covers": (f"{zoned_text(covers.get('from', ''))} to {zoned_text(covers.get('to', ''))}"
                       if covers else "not recorded"),
            "witness": ", ".join(name_for_login(names, w) for w in item.witnesses) or "none",
        }
        for key, value in values.items():
            self._detail_labels[key].setText(value)
        self.sha_field.set_value(item.sha256)
        self.custody_model.set_events(item.custody, names)
        _fit_columns(self.custody, cap=160)

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
        names = dialogs.open_files(self, "Register evidence files", dialogs.in_documents(""))
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

    def _open(self, dialog: EvidenceForm, on_accept: Callable[[], None]) -> None:
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

    def acknowledge_selected(self) -> ReceiptDialog | None:
        """Open the receipt form for the selected hand-over (else the newest unacknowledged)."""
        item = self.selected_item()
        if item is None or self.busy:
            return None
        row = self.custody.currentIndex()
        event = pending_handover(item, self.custody_model.event_at(row.row())
                                 if row.isValid() else None)
        if event is None:
            dialogs.info(self, "Nothing to acknowledge",
                         f"Every hand-over of {item.label} is already acknowledged.")
            return None
        dialog = ReceiptDialog(self, self.binder, item, event, self.signer_provider())
        self.dialog = dialog

        def done(result: int) -> None:
            self.dialog = None
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted:
                self._finish_receipt(dialog)

        dialog.finished.connect(done)
        dialog.open()
        return dialog

    def _finish_receipt(self, dialog: ReceiptDialog) -> None:
        # No file work: quick enough to do here, on the pane's own connection.
        try:
            ev.acknowledge(self.binder, dialog.handover.entry_id, dialog.session, **dialog.values())
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="The receipt was not recorded")
            return
        self.refresh(select=dialog.item.id)

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
                return recheck.recheck(b, incident_id, progress=progress, cancelled=cancelled)

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
