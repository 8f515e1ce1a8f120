"""The Access screen: who had access to the binder, when, and on which computer.

The plan asks that everyone with access during a response be noted. Every
unlock and signer session is in the binder's access log; this screen lists it
(all of it, or the time one incident was open), newest first, with one line
per person above the full list. Reading goes through :mod:`binder.core.incident.access`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from binder.core.formatting import count_text
from binder.core.incident import access
from binder.core.incident.access import AccessRecord, AccessSummary
from binder.core.incident.record import list_incidents
from binder.core.storage.database import Binder
from binder.ui import dialogs
from binder.ui.app import local_text, utc_text
from binder.ui.changes import listen
from binder.ui.style import heading, muted
from binder.ui.tables import RecordModel, read_only_table

KIND_LABELS = {
    "unlock": "Unlocked the binder",
    "signer": "Signer session",
    "passphrase": "Changed the passphrase",
    "keyring": "OS keyring setting",
}
_LOG_COLUMNS = ("When", "Who", "What", "Computer", "How")
_PEOPLE_COLUMNS = ("Who", "Accesses", "First", "Last", "Computers", "As")


def who_text(who: str, names: dict[str, str]) -> str:
    """A person as people know them: "Dana Smith (dana)" for an enrolled signer; an unlock
    recorded under the computer's login says so ("root, computer account")."""
    if who in names:
        full = names[who]
        return full if full == who else f"{full} ({who})"
    if not who or who == "unknown":
        return "unknown computer account"
    return f"{who}, computer account"


def kind_label(kind: str) -> str:
    """A kind of access in words."""
    return KIND_LABELS.get(kind, kind.capitalize())


class _Table(RecordModel):
    """Rows of (display values, {column: UTC time for the tooltip})."""

    def __init__(self, columns: tuple[str, ...], parent=None) -> None:
        super().__init__(parent, columns=columns)

    def set_rows(self, rows: list[tuple[tuple[str, ...], dict[int, str]]]) -> None:
        """Replace every row."""
        self.set_records(rows)

    def text(self, row: int, column: int) -> str:
        """The text shown in a cell."""
        return self.records[row][0][column]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        values, times = self.records[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return values[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return utc_text(times[index.column()]) if index.column() in times else None
        if role == Qt.ItemDataRole.TextAlignmentRole and values[index.column()].isdigit():
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _table(model: _Table, name: str, parent: QWidget) -> QTableView:
    view = read_only_table(QTableView(parent))
    view.setModel(model)
    view.setAccessibleName(name)
    view.setWordWrap(False)
    view.setStyleSheet("QTableView::item { padding: 0px 8px; }")
    view.verticalHeader().setDefaultSectionSize(28)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return view


class AccessLogScreen(QWidget):
    """Who had access when, on which computer: per person, then every access."""

    def __init__(self, binder: Binder, parent: QWidget | None = None, *,
                 incident_id: int | None = None) -> None:
        super().__init__(parent)
        self.binder = binder
        self.setAccessibleName("Who had access")

        self.scope = QComboBox(self)
        self.scope.setAccessibleName("Period")
        self.scope.setToolTip("All access, or only while one incident was open")
        # Long incident titles must not stretch the combo across the window.
        self.scope.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scope.setMinimumContentsLength(42)
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Kind of access")
        self.kind.addItem("Every kind", None)
        for key, label in KIND_LABELS.items():
            self.kind.addItem(label, key)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setAccessibleName("Refresh the access log")
        self.refresh_button.clicked.connect(self.refresh)
        filters = QHBoxLayout()
        for text, widget in (("Show", self.scope), ("Kind", self.kind)):
            label = QLabel(text, self)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addStretch()
        filters.addWidget(self.refresh_button)

        self.people_model = _Table(_PEOPLE_COLUMNS, self)
        self.people = _table(self.people_model, "People with access", self)
        self.log_model = _Table(_LOG_COLUMNS, self)
        self.log = _table(self.log_model, "Access log", self)
        self.count_label = muted("", self)
        self.count_label.setAccessibleName("Access count")


        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(heading("Who had access", 1, self))
        layout.addWidget(muted(
            "Every unlock of the binder and every signer session, with who was at the keyboard "
            "and on which computer. Times are your local time; hover for UTC.", self))
        layout.addLayout(filters)
        layout.addWidget(heading("People", 2, self))
        layout.addWidget(self.people, 2)
        layout.addWidget(heading("Every access, newest first", 2, self))
        layout.addWidget(self.log, 5)
        layout.addWidget(self.count_label)

        self._fill_scope(incident_id)
        self.scope.currentIndexChanged.connect(lambda _i: self.refresh())
        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh()
        listen(self, ("access", "signers", "incidents"), self.refresh)

    def _fill_scope(self, select: int | None) -> None:
        self.scope.blockSignals(True)
        current = self.scope.currentData() if select is None else select
        self.scope.clear()
        self.scope.addItem("All access", None)
        for incident in list_incidents(self.binder):
            self.scope.addItem(f"While #{incident.id} {incident.label} was open", incident.id)
        index = self.scope.findData(current) if current is not None else 0
        self.scope.setCurrentIndex(max(index, 0))
        self.scope.blockSignals(False)

    def show_incident(self, incident_id: int | None) -> None:
        """Limit the list to the time one incident was open (None: everything)."""
        self._fill_scope(incident_id)
        self.refresh()

    def records(self) -> list[AccessRecord]:
        """The records the current filters select, oldest first."""
        kinds = [self.kind.currentData()] if self.kind.currentData() else None
        incident_id = self.scope.currentData()
        if incident_id is not None:
            return access.access_during_incident(self.binder, incident_id, kinds=kinds)
        return access.list_access(self.binder, kinds=kinds)

    def _names(self) -> dict[str, str]:
        """Signers' short names -> their full names (as their certificates give them)."""
        try:
            from binder.core.crypto import signers

            return {x.person: x.display_name for x in signers.list_signers(self.binder)}
        except Exception:  # noqa: BLE001 - names are a help; the log reads without them
            return {}

    def refresh(self) -> None:
        """Re-read the access log."""
        self._fill_scope(None)
        try:
            records = self.records()
        except Exception as exc:  # noqa: BLE001 - keep the screen up; say what went wrong
            records = []
            dialogs.show_exception(self, exc, title="The access log could not be read")
        names = self._names()
        self.log_model.set_rows([
            ((local_text(r.at), who_text(r.who, names), kind_label(r.kind), r.host, r.detail),
             {0: r.at})
            for r in reversed(records)
        ])
        people: list[AccessSummary] = access.summarize(records)
        self.people_model.set_rows([
            ((who_text(s.who, names), str(s.count), local_text(s.first_at, seconds=False),
              local_text(s.last_at, seconds=False), ", ".join(s.hosts),
              ", ".join(kind_label(k) for k in s.kinds)), {2: s.first_at, 3: s.last_at})
            for s in people
        ])
        hosts = {r.host for r in records}
        self.count_label.setText(
            f"{count_text(len(records), 'access', 'accesses')} by "
            f"{count_text(len(people), 'person', 'people')} on {count_text(len(hosts), 'computer')}"
            if records else "No access recorded for this selection.")
