"""Ctrl+F: search every journal, attacker timeline and indicator of the binder.

The dialog searches as the person types (after a short pause), in this
incident or all of them, filtered by kind and person; Enter on a result opens
that entry in its incident's journal. Results are the signed entries
themselves, newest first; the highlighted words come from the search index.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
)

from binder.core.crypto import signers
from binder.core.errors import BinderError
from binder.core.incident import journal
from binder.core.incident import search as searching
from binder.core.storage.database import Binder
from binder.ui.app import local_text
from binder.ui.forms.fields import line_field
from binder.ui.style import heading, muted
from binder.ui.tables import RecordModel, read_only_table

RESULT_LIMIT = 200


class HitsModel(RecordModel):
    """Search results for a table."""

    COLUMNS = ("When", "Incident", "#", "Kind", "Author", "Match")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.names: dict[str, signers.Identity] = {}

    def set_hits(self, hits: list[searching.Hit],
                 names: dict[str, signers.Identity] | None = None) -> None:
        """Show these results; ``names`` (:func:`signers.names_by_login`) names the authors."""
        self.names = names or {}
        self.set_records(hits)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        h = self.records[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = (local_text(h.occurred_at or h.recorded_at, seconds=False),
                      h.incident_title, str(h.seq), h.kind,
                      signers.name_for_login(self.names, h.author),
                      " ".join(h.snippet.split()))
            if role == Qt.ItemDataRole.ToolTipRole and index.column() == 5:
                return h.text + (f"\n\nWhy: {h.reason}" if h.reason else "")
            return values[index.column()]
        return None


class SearchDialog(QDialog):
    """Search the binder; ``open_entry(incident_id, entry_id)`` is emitted for a chosen hit."""

    open_entry = Signal(int, int)

    def __init__(self, binder: Binder, incident_id: int | None, parent=None):
        super().__init__(parent)
        self.binder = binder
        self.incident_id = incident_id
        self.setWindowTitle("Search")
        self.setAccessibleName("Search the binder")
        self.resize(980, 560)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Search journals, timelines and indicators", 2))
        row = QHBoxLayout()
        self.query = line_field("Search for", 'words, a value such as 203.0.113.7, or a "phrase"')
        row.addWidget(self.query, 3)
        self.scope = QComboBox()
        self.scope.setAccessibleName("Where to search")
        if incident_id is not None:
            self.scope.addItem("This incident", incident_id)
        self.scope.addItem("All incidents", None)
        row.addWidget(self.scope)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind")
        self.kind.addItem("Any kind", None)
        for kind, label in (("timeline", "Attacker timeline"), ("ioc", "Indicators"),
                            ("asset", "Assets"), ("task", "Tasks")):
            self.kind.addItem(label, kind)
        for kind in journal.KINDS:
            if kind not in ("timeline", "ioc", "asset", "task"):
                self.kind.addItem(kind.capitalize(), kind)
        row.addWidget(self.kind)
        self.person = QComboBox()
        self.person.setAccessibleName("Written by")
        self.person.addItem("Anyone", None)
        for s in signers.list_signers(binder):
            self.person.addItem(s.identity.name, s.person)
        row.addWidget(self.person)
        layout.addLayout(row)
        self.status = QLabel("")
        self.status.setAccessibleName("Search status")
        layout.addWidget(self.status)
        self.model = HitsModel(self)
        self.view = read_only_table(QTableView())
        self.view.setAccessibleName("Search results")
        self.view.setModel(self.model)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        for col, width in enumerate((140, 170, 50, 100, 90)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.view.activated.connect(self._chosen)
        layout.addWidget(self.view, 1)
        layout.addWidget(muted("Enter on a result opens it in its incident's journal. Words "
                               "match whole; the last one also as a beginning (skim → skimmer)."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.run)
        self.query.textChanged.connect(self._timer.start)
        self.query.returnPressed.connect(self._enter)
        for combo in (self.scope, self.kind, self.person):
            combo.currentIndexChanged.connect(self.run)
        self.query.setFocus()

    def run(self) -> int:
        """Search now; returns the number of results."""
        self._timer.stop()
        text = self.query.text()
        if not text.strip():
            self.model.set_hits([])
            self.status.setText("")
            return 0
        kind = self.kind.currentData()
        started = time.perf_counter()
        try:
            hits = searching.search(self.binder, text, incident_id=self.scope.currentData(),
                                    kinds=[kind] if kind else None,
                                    person=self.person.currentData(), limit=RESULT_LIMIT)
        except BinderError as exc:
            self.model.set_hits([])
            self.status.setText(str(exc))
            return 0
        ms = (time.perf_counter() - started) * 1000
        self.model.set_hits(hits, signers.names_by_login(self.binder))
        more = " (the newest shown; narrow the search for older ones)" \
            if len(hits) == RESULT_LIMIT else ""
        self.status.setText(f"{len(hits)} match{'es' if len(hits) != 1 else ''}, newest first "
                            f"({ms:.0f} ms){more}")
        if hits:
            self.view.selectRow(0)
        return len(hits)

    def _enter(self) -> None:
        if self._timer.isActive() or not self.model.records:
            self.run()
            return
        self._chosen(self.view.currentIndex())

    def _chosen(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        hit = self.model.records[index.row()]
        self.open_entry.emit(hit.incident_id, hit.entry_id)
        self.accept()
