"""The list of incidents (open, closed, drills) and the New incident dialog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto.signers import SigningSession, name_for_login, names_by_login
from binder.core.errors import BinderError
from binder.core.incident import journal as jr
from binder.core.incident import record as incidents
from binder.core.incident.record import Incident
from binder.core.plan import revisions as plans
from binder.core.storage.database import Binder
from binder.ui.app import local_text, utc_text
from binder.ui.changes import listen
from binder.ui.forms.feedback import message_label, show_message
from binder.ui.forms.fields import event_field, event_value, stated_time, when_edit
from binder.ui.style import CHIP_COLOURS, heading, muted
from binder.ui.tables import RecordModel, read_only_table

SignerProvider = Callable[[], SigningSession | None]


@dataclass(frozen=True)
class IncidentRow:
    """An incident with what the list shows beside it."""

    incident: Incident
    closed: bool
    entries: int
    last_activity: str
    opened_by: str = ""  # who opened it, as their certificate names them


def load_rows(binder: Binder) -> list[IncidentRow]:
    """Every incident with its status, size and last activity (through the core)."""
    rows = []
    names = names_by_login(binder)
    for inc in incidents.list_incidents(binder):
        closed = False
        # Closing and reopening are both "close" entries; the last one says where it stands.
        for entry in jr.iter_entries(binder, inc.id, kinds=("close",)):
            closed = (entry.data or {}).get("action") != "reopen"
        count = jr.count_entries(binder, inc.id)
        last = jr.page(binder, inc.id, count - 1, 1) if count else []
        rows.append(IncidentRow(inc, closed, count,
                                last[0].entry.recorded_at if last else inc.opened_at,
                                name_for_login(names, inc.opened_by)))
    return rows


class IncidentTableModel(RecordModel):
    """Incidents for the table, filtered by status and text."""

    COLUMNS = ("Title", "Severity", "Type", "Detected", "Status", "Entries", "Last activity")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.all: list[IncidentRow] = []
        self.status = "open"
        self.text = ""
        self.type_labels: dict[str, str] = {}

    def set_rows(self, rows: list[IncidentRow]) -> None:
        """Replace the data."""
        self.all = rows
        self._apply()

    def set_filter(self, status: str | None = None, text: str | None = None) -> None:
        """Status: all, open, closed, drills; text matches title or type."""
        if status is not None:
            self.status = status
        if text is not None:
            self.text = text.strip().casefold()
        self._apply()

    def _apply(self) -> None:
        out = []
        for r in self.all:
            if self.status == "open" and (r.closed or r.incident.drill):
                continue
            if self.status == "closed" and not r.closed:
                continue
            if self.status == "drills" and not r.incident.drill:
                continue
            if self.text and self.text not in f"{r.incident.title} {r.incident.type}".casefold():
                continue
            out.append(r)
        self.set_records(out)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.records[index.row()]
        inc = r.incident
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (
                inc.label,
                inc.severity.capitalize(),
                self.type_labels.get(inc.type, inc.type),
                local_text(inc.detected_at, seconds=False),
                ("Closed" if r.closed else "Open") + (" drill" if inc.drill else ""),
                f"{r.entries:,}",
                local_text(r.last_activity, seconds=False),
            )[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 3:
                return utc_text(inc.detected_at)
            if col == 6:
                return utc_text(r.last_activity)
            if col == 0:
                return f"{inc.label}\nopened by {r.opened_by} {local_text(inc.opened_at)}"
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            return QBrush(QColor(CHIP_COLOURS.get(inc.severity, CHIP_COLOURS["grey"])[0]))
        if role == Qt.ItemDataRole.ForegroundRole and col == 0 and inc.drill:
            return QBrush(QColor(CHIP_COLOURS["drill"][0]))
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 5:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return inc.id
        return None


class IncidentsScreen(QWidget):
    """Incidents: filter, open one, start a new one."""

    open_requested = Signal(int)

    def __init__(self, binder: Binder, signer_provider: SignerProvider, parent: QWidget | None = None):
        super().__init__(parent)
        self.binder = binder
        self.signer_provider = signer_provider
        self.setAccessibleName("Incidents")
        top = QHBoxLayout()
        top.addWidget(heading("Incidents"))
        top.addStretch()
        self.new_button = QPushButton("New incident…")
        self.new_button.setAccessibleName("New incident")
        self.new_button.setToolTip("Open a new incident or drill (Ctrl+Shift+N)")
        self.new_button.clicked.connect(self.new_incident)
        top.addWidget(self.new_button)

        filters = QHBoxLayout()
        self.filter_group = QButtonGroup(self)
        self.filter_buttons: dict[str, QPushButton] = {}
        for key, label in (("open", "Open"), ("closed", "Closed"), ("drills", "Drills"), ("all", "All")):
            b = QPushButton(label)
            b.setCheckable(True)
            b.setAccessibleName(f"Show {label.lower()} incidents")
            b.clicked.connect(lambda _c=False, k=key: self.set_status(k))
            self.filter_group.addButton(b)
            self.filter_buttons[key] = b
            filters.addWidget(b)
        self.filter_buttons["open"].setChecked(True)
        filters.addSpacing(12)
        self.search = QLineEdit()
        self.search.setAccessibleName("Search incidents")
        self.search.setPlaceholderText("Search titles and types")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda t: self.model.set_filter(text=t) or self._update_empty())
        filters.addWidget(self.search, 1)

        self.model = IncidentTableModel(self)
        self.view = read_only_table(QTableView())
        self.view.setAccessibleName("Incident list")
        self.view.setModel(self.model)
        self.view.setShowGrid(False)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        hh = self.view.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 90), (2, 230), (3, 140), (4, 100), (5, 80), (6, 140)):
            hh.resizeSection(col, width)
        self.view.activated.connect(self._activated)
        self.view.doubleClicked.connect(self._activated)

        self.empty = muted("")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.stack, 1)
        self.refresh()
        listen(self, ("incidents", "journal", "plan"), self.refresh)

    def refresh(self) -> None:
        """Reload incidents from the binder."""
        try:
            rev = plans.current_revision(self.binder)
            self.model.type_labels = dict(rev.plan.incident_types)
        except BinderError:
            self.model.type_labels = dict(incidents.INCIDENT_TYPES)
        self.model.set_rows(load_rows(self.binder))
        self._update_empty()

    def set_status(self, status: str) -> None:
        """Show open, closed, drills or all incidents."""
        self.filter_buttons[status].setChecked(True)
        self.model.set_filter(status=status)
        self._update_empty()

    def _update_empty(self) -> None:
        if self.model.rowCount():
            self.stack.setCurrentIndex(0)
            if not self.view.currentIndex().isValid():
                self.view.selectRow(0)
            return
        if not self.model.all:
            self.empty.setText(
                "No incidents yet.\n\nWhen something happens, press “New incident…” (Ctrl+Shift+N).\n"
                "To practise, open a drill: it is marked DRILL everywhere."
            )
        else:
            self.empty.setText("Nothing matches this filter. Try “All”.")
        self.stack.setCurrentIndex(1)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(self.model.data(index, Qt.ItemDataRole.UserRole))

    def new_incident(self, *, drill: bool = False) -> int | None:
        """Ask for the facts, sign the opening, and open the new incident."""
        dialog = NewIncidentDialog(self.binder, self.signer_provider, self, drill=drill)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.incident_id is None:
            return None
        self.refresh()
        self.open_requested.emit(dialog.incident_id)
        return dialog.incident_id


class NewIncidentDialog(QDialog):
    """Title, detection time, type, severity, drill flag and plan; the lead signs it."""

    def __init__(self, binder: Binder, signer_provider: SignerProvider, parent=None, *,
                 drill: bool = False):
        super().__init__(parent)
        self.binder = binder
        self.signer_provider = signer_provider
        self.incident_id: int | None = None
        self.setWindowTitle("New incident")
        self.setAccessibleName("New incident")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Open an incident", 2))
        layout.addWidget(muted(
            "Write down what you know now; everything later goes into the journal. "
            "Detection time is when anyone first noticed, in local time."
        ))
        form = QFormLayout()
        self.title = QLineEdit()
        self.title.setAccessibleName("Title")
        self.title.setPlaceholderText("e.g. Card skimmer found in checkout JavaScript")
        form.addRow("Title", self.title)
        self.detected = when_edit("Detected at (local time)")
        form.addRow("Detected at", self.detected)
        self.aware = event_field("Aware since")
        self.aware.setPlaceholderText("same as detected, or e.g. 2026-11-29 10:30")
        self.aware.setToolTip("When the organisation became reasonably sure of the breach: the "
                              "GDPR and NIS2 clocks count from it (a signed decision)")
        form.addRow("Aware since", self.aware)
        self.plan = QComboBox()
        self.plan.setAccessibleName("Plan")
        for name in plans.list_plan_names(binder):
            self.plan.addItem(name, name)
        form.addRow("Plan", self.plan)
        self.type = QComboBox()
        self.type.setAccessibleName("Incident type")
        form.addRow("Type", self.type)
        self.severity = QComboBox()
        self.severity.setAccessibleName("Severity")
        form.addRow("Severity", self.severity)
        self.drill = QCheckBox("This is a drill (practice); mark it DRILL everywhere")
        self.drill.setAccessibleName("Drill")
        self.drill.setChecked(drill)
        form.addRow("", self.drill)
        layout.addLayout(form)
        self.message = message_label()
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Open incident")
        self.ok_button.setAccessibleName("Open incident")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.create)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.plan.currentIndexChanged.connect(self._plan_changed)
        self._plan_changed()
        self.title.setFocus()

    def _plan_changed(self) -> None:
        name = self.plan.currentData()
        self.type.clear()
        self.severity.clear()
        try:
            plan = plans.current_revision(self.binder, name).plan
            types, severities = plan.incident_types, plan.severities
        except BinderError:
            types, severities = incidents.INCIDENT_TYPES, incidents.SEVERITIES
        for key, label in types:
            self.type.addItem(label, key)
        for s in severities:
            self.severity.addItem(s.capitalize(), s)
        mid = "high" if "high" in severities else severities[len(severities) // 2]
        self.severity.setCurrentIndex(self.severity.findData(mid))

    def create(self) -> int | None:
        """Validate, then have the person at the keyboard sign the opening."""
        title = self.title.text().strip()
        if not title:
            show_message(self.message, "Give the incident a short title.")
            self.title.setFocus()
            return None
        name = self.plan.currentData()
        try:
            rev = plans.current_revision(self.binder, name) if name else None
        except BinderError:
            rev = None
        session = self.signer_provider()
        if session is None:
            show_message(self.message, "Nobody is signed in; the opening must be signed. Nothing was written.")
            return None
        try:
            detected = stated_time(self.detected)
            aware = event_value(self.aware, "aware-since time")
        except BinderError as exc:
            show_message(self.message, str(exc)[:1].upper() + str(exc)[1:])
            return None
        kwargs = {}
        if rev is not None:
            kwargs = {"severities": tuple(rev.plan.severities),
                      "types": tuple(k for k, _ in rev.plan.incident_types)}
        try:
            self.incident_id = incidents.open_incident(
                self.binder, session, title=title, detected_at=detected,
                type=self.type.currentData(), severity=self.severity.currentData(),
                drill=self.drill.isChecked(), plan_revision_id=rev.id if rev else None,
                aware_at=aware, **kwargs,
            )
        except BinderError as exc:
            show_message(self.message, str(exc)[:1].upper() + str(exc)[1:])
            return None
        self.accept()
        return self.incident_id
