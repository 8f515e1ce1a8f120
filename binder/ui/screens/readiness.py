"""The Readiness screen: the plan's prerequisites and when each was last done.

Each row says its status in words and a symbol as well as in colour, so it
reads the same to a colour-blind lead, a screen reader and a grey printout.
Reading and recording go through :mod:`binder.core.readiness`; the screen never
runs SQL. A restore test works on its own connection, off the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QDateTime,
    QModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from binder.core import readiness
from binder.core.crypto import signers
from binder.core.formatting import count_text
from binder.core.readiness import ReadinessItem
from binder.core.storage.database import Binder, open_binder
from binder.ui import dialogs
from binder.ui.app import local_text, utc_text
from binder.ui.changes import listen
from binder.ui.forms.fields import utc_iso, when_edit
from binder.ui.shortcuts import button_keys
from binder.ui.style import CHIP_COLOURS, bold, chip, heading, muted, set_chip
from binder.ui.tables import RecordModel, read_only_table

# (symbol + words, chip colour): the words carry the meaning, the colour only helps.
STATUS_LOOK = {
    readiness.STALE: ("\u2716 Stale", "red"),
    readiness.NEVER: ("\u2716 Never done", "red"),
    readiness.DUE_SOON: ("\u25b2 Due soon", "amber"),
    readiness.OK: ("\u2714 OK", "green"),
}
_COLUMNS = ("Status", "Item", "Last done", "By", "Next / detail")
COL_STATUS, COL_ITEM, COL_LAST, COL_BY, COL_DETAIL = range(len(_COLUMNS))


def status_text(status: str) -> str:
    """The status in words, as shown and as read aloud."""
    return STATUS_LOOK.get(status, (status, "grey"))[0]


class ReadinessModel(RecordModel):
    """Readiness items as rows."""

    COLUMNS = _COLUMNS

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.names: dict = {}

    def set_items(self, items: list[ReadinessItem], names: dict | None = None) -> None:
        """Replace every row; ``names`` (``signers.names_by_login``) shows who by name."""
        self.names = names or {}
        self.set_records(items)

    def item_at(self, row: int) -> ReadinessItem | None:
        """The item shown in ``row``, if any."""
        return self.record_at(row)

    def row_of(self, key: str) -> int:
        """The row of item ``key``, or -1."""
        return next((i for i, item in enumerate(self.records) if item.key == key), -1)

    def _text(self, item: ReadinessItem, column: int) -> str:
        if column == COL_STATUS:
            return status_text(item.status)
        if column == COL_ITEM:
            return item.name
        if column == COL_LAST:
            return local_text(item.last_done, seconds=False) if item.last_done else "never"
        if column == COL_BY:
            return signers.name_for_login(self.names, item.done_by or "")
        return item.detail

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self.records[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if column == COL_STATUS:
                return f"{item.name}: {status_text(item.status).split(' ', 1)[1]}"
            return self._text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == COL_LAST and item.last_done:
                return utc_text(item.last_done)
            if column == COL_DETAIL:
                due = (f"\nDue {local_text(item.due_at, seconds=False)} ({utc_text(item.due_at)})"
                       if item.due_at else "")
                return f"{item.detail}{due}"
            if column == COL_ITEM:
                return item.description
            if column == COL_STATUS and item.interval_days:
                return f"To be redone every {item.interval_days} days"
        if column == COL_STATUS and role in (Qt.ItemDataRole.BackgroundRole,
                                             Qt.ItemDataRole.ForegroundRole):
            bg, fg = CHIP_COLOURS[STATUS_LOOK.get(item.status, ("", "grey"))[1]]
            return QColor(bg if role == Qt.ItemDataRole.BackgroundRole else fg)
        if role == Qt.ItemDataRole.FontRole and column == COL_STATUS:
            return bold()
        return None


class _StatusDelegate(QStyledItemDelegate):
    """Keeps the status cell's own colours on the selected row, so the status stays visible."""

    def initStyleOption(self, option, index) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        option.state &= ~(QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus)


# Cells need air on both sides; the padding rule leaves the model's colours alone.
TABLE_STYLE = "QTableView::item { padding: 0px 8px; }"


class MarkDoneDialog(QDialog):
    """Who did an item, when, and a note; the caller records it on accept."""

    def __init__(self, item: ReadinessItem, who: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Mark done: {item.name}")
        self.setAccessibleName(f"Mark done: {item.name}")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        about = muted(item.description, self)
        layout.addWidget(about)
        form = QFormLayout()
        self.who_edit = QLineEdit(who, self)
        self.who_edit.setAccessibleName("Done by")
        self.who_edit.setMaxLength(readiness.MAX_WHO)
        self.when_edit = when_edit("Done at")
        self.when_edit.setMaximumDateTime(QDateTime.currentDateTime().addSecs(300))
        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setAccessibleName("Note")
        self.note_edit.setPlaceholderText("What was done, what was found, what changed")
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setFixedHeight(90)
        form.addRow("Done by", self.who_edit)
        form.addRow("Done at", self.when_edit)
        form.addRow("Note", self.note_edit)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, parent=self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.who_edit.setFocus()

    def done_at(self) -> str:
        """The chosen time as a UTC ISO string."""
        return utc_iso(self.when_edit)


class ReadinessScreen(QWidget):
    """A table of readiness items coloured by status, with Mark done and a restore test."""

    changed = Signal()

    def __init__(self, binder: Binder, parent: QWidget | None = None, *,
                 who_provider: Callable[[], str] | None = None) -> None:
        super().__init__(parent)
        self.binder = binder
        self._who = who_provider or readiness.default_who
        self.setAccessibleName("Readiness")

        self.model = ReadinessModel(self)
        self.table = read_only_table(QTableView(self))
        self.table.setModel(self.model)
        self.table.setAccessibleName("Readiness items")
        self.table.setWordWrap(False)
        self.table.setStyleSheet(TABLE_STYLE)
        self.table.setItemDelegateForColumn(COL_STATUS, _StatusDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_STATUS, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_ITEM, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_LAST, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_BY, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_DETAIL, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        self.table.doubleClicked.connect(lambda _i: self.mark_done())

        self.summary_chips = QHBoxLayout()
        self.summary_chips.setSpacing(6)
        self.stale_chip = chip("", "red", self)
        self.soon_chip = chip("", "amber", self)
        self.ok_chip = chip("", "green", self)
        for widget in (self.stale_chip, self.soon_chip, self.ok_chip):
            self.summary_chips.addWidget(widget)
        self.summary_chips.addStretch()

        self.mark_button = QPushButton("Mark done\u2026", self)
        self.mark_button.setAccessibleName("Mark done")
        button_keys(self.mark_button, "readiness.mark_done",
                    "Record that the selected item was done")
        self.mark_button.clicked.connect(self.mark_done)
        self.restore_button = QPushButton("Test a backup restore\u2026", self)
        self.restore_button.setAccessibleName("Test a backup restore")
        self.restore_button.setToolTip(
            "Open a copy of a binder backup, unlock it and verify it; records the test when it works")
        self.restore_button.clicked.connect(self.choose_restore_test)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setAccessibleName("Refresh readiness")
        self.refresh_button.clicked.connect(self.refresh)

        self.detail_title = heading("", 2, self)
        self.detail_text = QLabel(self)
        self.detail_text.setWordWrap(True)
        self.detail_text.setTextFormat(Qt.TextFormat.PlainText)
        self.detail_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail_text.setAccessibleName("Selected item")
        self.history_text = muted("", self)
        self.history_text.setTextFormat(Qt.TextFormat.PlainText)
        self.history_text.setAccessibleName("Recent completions")
        card = QFrame(self)
        card.setObjectName("card")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(14, 10, 14, 12)
        card_layout.addWidget(self.detail_title)
        card_layout.addWidget(self.detail_text)
        card_layout.addWidget(self.history_text)

        buttons = QHBoxLayout()
        buttons.addWidget(self.mark_button)
        buttons.addWidget(self.restore_button)
        buttons.addStretch()
        buttons.addWidget(self.refresh_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(heading("Readiness", 1, self))
        layout.addWidget(muted(
            "What the plan asks you to keep ready before an incident, and when each was last "
            "done. Stale items are overdue; record each completion when it is done.", self))
        layout.addLayout(self.summary_chips)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(card)
        self.refresh()
        listen(self, ("readiness", "plan", "signers", "incidents", "checkpoints", "roster"),
               self.refresh)

    # ------------------------------------------------------------------ reading
    def refresh(self) -> None:
        """Re-read every item from the binder, keeping the selection."""
        current = self.selected_item()
        try:
            items = readiness.readiness_status(self.binder)
        except Exception as exc:  # noqa: BLE001 - keep the screen up; say what went wrong
            items = []
            dialogs.show_exception(self, exc, title="Readiness could not be read")
        self.model.set_items(items, signers.names_by_login(self.binder))
        counts = readiness.summary(items)
        bad = counts[readiness.STALE] + counts[readiness.NEVER]
        stale, never = counts[readiness.STALE], counts[readiness.NEVER]
        words = " · ".join(w for w in ((f"{stale} stale" if stale else ""),
                                       (f"{never} never done" if never else "")) if w)
        set_chip(self.stale_chip, f"\u2716 {words}", "red")
        set_chip(self.soon_chip, f"\u25b2 {counts[readiness.DUE_SOON]} due soon", "amber")
        set_chip(self.ok_chip, f"\u2714 {counts[readiness.OK]} OK", "green")
        self.stale_chip.setVisible(bool(bad))
        self.soon_chip.setVisible(bool(counts[readiness.DUE_SOON]))
        self.ok_chip.setVisible(bool(counts[readiness.OK]))
        self.table.resizeColumnToContents(COL_ITEM)
        row = self.model.row_of(current.key) if current else -1
        self.table.selectRow(row if row >= 0 else 0)
        self._show_selected()

    def selected_item(self) -> ReadinessItem | None:
        """The item whose row is selected."""
        index = self.table.currentIndex() if hasattr(self, "table") else QModelIndex()
        return self.model.item_at(index.row()) if index.isValid() else None

    def select(self, key: str) -> None:
        """Select an item by key."""
        row = self.model.row_of(key)
        if row >= 0:
            self.table.selectRow(row)

    def _show_selected(self) -> None:
        item = self.selected_item()
        self.mark_button.setEnabled(item is not None and item.can_mark)
        if item is None:
            self.detail_title.setText("")
            self.detail_text.setText("")
            self.history_text.setText("")
            return
        self.detail_title.setText(f"{item.name} \u2014 {status_text(item.status)}")
        every = f" To be redone every {item.interval_days} days." if item.interval_days else ""
        self.detail_text.setText(f"{item.description}{every}\n{item.detail}.")
        if not item.can_mark:
            self.history_text.setText("Worked out from the enrolled signers; enrol a signer for "
                                      "each missing role to make it OK.")
            return
        records = readiness.history(self.binder, item.key)[-3:]
        names = signers.names_by_login(self.binder)  # a login typed as "who" reads as the name
        lines = [
            f"{local_text(r.done_at, seconds=False)} by {signers.name_for_login(names, r.done_by)}"
            + (f": {r.note}" if r.note else "")
            for r in reversed(records)
        ]
        self.history_text.setText(
            ("Recorded: " + " \u00b7 ".join(lines)) if lines else "No completion recorded yet.")
        self.history_text.setToolTip("\n".join(utc_text(r.done_at) for r in reversed(records)))

    # ------------------------------------------------------------------ writing
    def mark_done(self) -> int | None:
        """Ask who did the selected item and when; record it. Returns the record id."""
        item = self.selected_item()
        if item is None or not item.can_mark:
            return None
        dialog = MarkDoneDialog(item, self._who(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        try:
            record_id = readiness.record_done(
                self.binder, item.key, dialog.who_edit.text(), dialog.note_edit.toPlainText(),
                done_at=dialog.done_at())
        except Exception as exc:  # noqa: BLE001 - shown to the user, nothing written
            dialogs.show_exception(self, exc, title="Not recorded")
            return None
        self.refresh()
        self.changed.emit()
        return record_id

    def choose_restore_test(self) -> None:
        """Pick a backup file, ask its passphrase, and run the restore test."""
        path = dialogs.open_file(self, "Choose a binder backup to test",
                                 str(self.binder.path.parent),
                                 "Binder files (*.binder);;All files (*)")
        if not path:
            return
        passphrase, ok = QInputDialog.getText(
            self, "Passphrase of the backup", "Passphrase the backup was made with:",
            QLineEdit.EchoMode.Password)
        if ok and passphrase:
            self.run_restore_test(path, passphrase)

    def run_restore_test(self, backup_path: str, passphrase: str,
                         on_done: Callable[[object], None] | None = None) -> None:
        """Run :func:`binder.core.readiness.test_restore` off the UI thread, then refresh."""
        from binder.ui.tasks import run_task

        binder_path, who = self.binder.path, self._who()

        def work(progress, cancelled):
            del progress, cancelled  # one short step per stage; nothing to report
            with open_binder(binder_path) as own:
                return readiness.test_restore(own, backup_path, passphrase, who=who)

        def ok(result) -> None:
            self.refresh()
            self.select(readiness.RESTORE_TEST)
            self.changed.emit()
            dialogs.info(self, "Restore test passed",
                         f"The backup opened, unlocked and verified: {result.incidents} incident(s), "
                         f"{count_text(result.entries, 'entry', 'entries')}, {count_text(result.signatures, 'signature')}. "
                         "The test is recorded.")
            if on_done is not None:
                on_done(result)

        def bad(exc: BaseException) -> None:
            dialogs.show_exception(self, exc, title="Restore test failed")
            if on_done is not None:
                on_done(exc)

        run_task(self, work, label="Testing the backup\u2026", on_success=ok, on_failure=bad)
