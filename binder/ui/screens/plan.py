"""The Plan screen: roles, the RACI matrix as a coloured grid, phases, prerequisites.

Editing never changes a stored revision: Save writes a new revision of the plan
(its number is shown), and every earlier revision stays selectable.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto.signers import name_for_login, names_by_login
from binder.core.errors import BinderError
from binder.core.formatting import count_text
from binder.core.plan import revisions as plans
from binder.core.plan.files import load_plan_file
from binder.core.plan.format import RESPONSIBILITIES, Plan, dump_plan
from binder.core.storage.database import Binder
from binder.core.storage.files import atomic_write_bytes, check_output_path
from binder.ui import dialogs
from binder.ui.app import local_text, utc_text
from binder.ui.changes import listen
from binder.ui.forms.feedback import message_label, show_message
from binder.ui.style import bold, heading, muted

#: Responsibility -> (background, text colour, one-line meaning).
RACI_STYLE = {
    "Owner": ("#b91c1c", "#ffffff", "accountable: decides and answers for it"),
    "Implements": ("#1d4ed8", "#ffffff", "does the work"),
    "Advises": ("#f59e0b", "#111111", "is consulted before"),
    "Updates": ("#059669", "#ffffff", "is kept informed"),
    "None": ("", "", "no part in it"),
}
SHORTCUT_KEYS = {Qt.Key.Key_O: "Owner", Qt.Key.Key_I: "Implements", Qt.Key.Key_A: "Advises",
                 Qt.Key.Key_U: "Updates", Qt.Key.Key_N: "None", Qt.Key.Key_Delete: "None"}


def next_responsibility(value: str) -> str:
    """The value a click moves to: Owner → Implements → Advises → Updates → None → Owner."""
    order = list(RESPONSIBILITIES)
    return order[(order.index(value) + 1) % len(order)] if value in order else order[0]


def style_cell(item: QTableWidgetItem, value: str, *, changed: bool = False) -> None:
    """Colour a RACI cell by its responsibility."""
    bg, fg, meaning = RACI_STYLE[value]
    item.setText("—" if value == "None" else value)
    item.setData(Qt.ItemDataRole.UserRole, value)
    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
    item.setBackground(QBrush(QColor(bg)) if bg else QBrush())
    item.setForeground(QBrush(QColor(fg)) if fg else QBrush())
    font = bold(on=value != "None")
    font.setItalic(changed)
    item.setFont(font)
    item.setToolTip(f"{value}: {meaning}" + ("\n(changed, not saved yet)" if changed else ""))


class RaciGrid(QTableWidget):
    """Activities down, team roles across; click (or Space) cycles a cell, O/I/A/U/N set it."""

    cell_changed = Signal(str, str, str)  # activity key, role key, value

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("RACI matrix")
        self.setAccessibleDescription(
            "Activities in rows, roles in columns. Click or press Space to change a cell; "
            "O, I, A, U and N set Owner, Implements, Advises, Updates and None."
        )
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.verticalHeader().setDefaultSectionSize(34)
        self.verticalHeader().setMinimumSectionSize(30)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setMinimumSectionSize(90)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.cellClicked.connect(self.cycle)
        self.activities: list[str] = []
        self.roles: list[str] = []
        self.original: dict[tuple[str, str], str] = {}
        self.read_only = False

    def load(self, plan: Plan) -> None:
        """Show a plan's matrix."""
        team = plan.internal_roles()
        self.activities = [a.key for a in plan.activities]
        self.roles = [r.key for r in team]
        self.clear()
        self.setRowCount(len(plan.activities))
        self.setColumnCount(len(team))
        self.setHorizontalHeaderLabels([r.name for r in team])
        self.setVerticalHeaderLabels([a.name for a in plan.activities])
        for c, role in enumerate(team):
            self.horizontalHeaderItem(c).setToolTip(role.description)
        self.original = {}
        for r, activity in enumerate(plan.activities):
            for c, role in enumerate(team):
                value = activity.responsibility(role.key)
                self.original[(activity.key, role.key)] = value
                item = QTableWidgetItem()
                style_cell(item, value)
                self.setItem(r, c, item)

    def value(self, activity_key: str, role_key: str) -> str:
        """The value shown in a cell."""
        item = self.item(self.activities.index(activity_key), self.roles.index(role_key))
        return item.data(Qt.ItemDataRole.UserRole)

    def set_value(self, row: int, col: int, value: str) -> None:
        """Set one cell and announce the change."""
        if self.read_only or row < 0 or col < 0:
            return
        key = (self.activities[row], self.roles[col])
        style_cell(self.item(row, col), value, changed=value != self.original.get(key))
        self.cell_changed.emit(key[0], key[1], value)

    def cycle(self, row: int, col: int) -> None:
        """Move a cell to the next responsibility."""
        item = self.item(row, col)
        if item is not None:
            self.set_value(row, col, next_responsibility(item.data(Qt.ItemDataRole.UserRole)))

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        index = self.currentIndex()
        if index.isValid() and event.key() in SHORTCUT_KEYS and not event.modifiers():
            self.set_value(index.row(), index.column(), SHORTCUT_KEYS[event.key()])
            return
        if index.isValid() and event.key() == Qt.Key.Key_Space:
            self.cycle(index.row(), index.column())
            return
        super().keyPressEvent(event)

    def _menu(self, pos) -> None:
        index = self.indexAt(pos)
        if not index.isValid() or self.read_only:
            return
        menu = QMenu(self)
        row, col = index.row(), index.column()
        for value in RESPONSIBILITIES:
            action = menu.addAction(f"{value} — {RACI_STYLE[value][2]}")
            action.triggered.connect(lambda _c=False, v=value: self.set_value(row, col, v))
        menu.popup(self.viewport().mapToGlobal(pos))

    def changes(self) -> dict[tuple[str, str], str]:
        """Cells that differ from the loaded revision."""
        out = {}
        for r, a in enumerate(self.activities):
            for c, role in enumerate(self.roles):
                value = self.item(r, c).data(Qt.ItemDataRole.UserRole)
                if value != self.original[(a, role)]:
                    out[(a, role)] = value
        return out


def legend() -> QWidget:
    """The colour legend under the grid."""
    box = QWidget()
    box.setAccessibleName("RACI legend")
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 4, 0, 0)
    for value in RESPONSIBILITIES:
        bg, fg, meaning = RACI_STYLE[value]
        swatch = QLabel("—" if value == "None" else value[0])
        swatch.setAlignment(Qt.AlignmentFlag.AlignCenter)
        swatch.setFixedSize(26, 22)
        style = f"background: {bg}; color: {fg};" if bg else "border: 1px solid palette(mid);"
        swatch.setStyleSheet(f"QLabel {{ {style} border-radius: 3px; font-weight: 600; }}")
        text = QLabel(f"<b>{value}</b> {meaning}")
        text.setAccessibleName(f"{value}: {meaning}")
        row.addWidget(swatch)
        row.addWidget(text)
        row.addSpacing(10)
    row.addStretch()
    return box


class PlanScreen(QWidget):
    """Read and edit the binder's plans; each save is a new revision."""

    saved = Signal(int)  # revision id

    def __init__(self, binder: Binder, parent: QWidget | None = None, *,
                 author_provider: Callable[[], str | None] | None = None):
        super().__init__(parent)
        self.binder = binder
        self.author_provider = author_provider
        self.plan: Plan | None = None
        self.revision = None
        self.setAccessibleName("Plan")

        top = QHBoxLayout()
        top.addWidget(heading("Plan"))
        self.plan_picker = QComboBox()
        self.plan_picker.setAccessibleName("Plan")
        self.plan_picker.setToolTip("One plan per technical unit of the store")
        top.addWidget(self.plan_picker)
        self.revision_picker = QComboBox()
        self.revision_picker.setAccessibleName("Revision")
        self.revision_picker.setMinimumWidth(300)
        top.addWidget(self.revision_picker, 1)
        self.export_button = QPushButton("Export…")
        self.export_button.setAccessibleName("Export the plan as a text file")
        self.export_button.clicked.connect(self.export_plan)
        self.import_button = QPushButton("Import…")
        self.import_button.setAccessibleName("Import a plan text file as a new revision")
        self.import_button.clicked.connect(self.import_plan)
        top.addWidget(self.export_button)
        top.addWidget(self.import_button)

        self.summary = muted("")
        save_row = QHBoxLayout()
        self.note = QLineEdit()
        self.note.setAccessibleName("Why this change (revision note)")
        self.note.setPlaceholderText("Why this change? (saved with the revision)")
        self.save_button = QPushButton("Save as new revision")
        self.save_button.setAccessibleName("Save as new revision")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        self.discard_button = QPushButton("Discard changes")
        self.discard_button.setAccessibleName("Discard changes")
        self.discard_button.setEnabled(False)
        self.discard_button.clicked.connect(self.discard)
        self.status = QLabel("")
        self.status.setAccessibleName("Save status")
        save_row.addWidget(self.status, 1)
        save_row.addWidget(self.note, 2)
        save_row.addWidget(self.discard_button)
        save_row.addWidget(self.save_button)
        self.message = message_label()

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Plan sections")
        self.tabs.setDocumentMode(True)
        raci_page = QWidget()
        rl = QVBoxLayout(raci_page)
        rl.setContentsMargins(0, 8, 0, 0)
        rl.addWidget(muted(
            "Who does what in each activity. Click a cell to cycle Owner → Implements → Advises "
            "→ Updates → None, right-click to choose, or type O, I, A, U, N. Saving keeps the "
            "previous revision."
        ))
        self.grid = RaciGrid()
        self.grid.cell_changed.connect(self._edited)
        rl.addWidget(self.grid, 1)
        rl.addWidget(legend())
        self.tabs.addTab(raci_page, "RACI matrix")

        phases_page = QSplitter()
        self.phase_list = QListWidget()
        self.phase_list.setAccessibleName("Phases")
        self.phase_list.setMaximumWidth(320)
        self.phase_list.setSpacing(3)
        self.phase_view = QTextBrowser()
        self.phase_view.setAccessibleName("Phase guidance and checklist")
        phases_page.addWidget(self.phase_list)
        phases_page.addWidget(self.phase_view)
        phases_page.setSizes([260, 700])
        self.phase_list.currentRowChanged.connect(self._show_phase)
        self.tabs.addTab(phases_page, "Phases")

        self.roles_view = QTextBrowser()
        self.roles_view.setAccessibleName("Roles and contacts")
        self.tabs.addTab(self.roles_view, "Roles")
        self.prereq_view = QTextBrowser()
        self.prereq_view.setAccessibleName("Prerequisites")
        self.tabs.addTab(self.prereq_view, "Prerequisites")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addLayout(save_row)

        self.plan_picker.currentIndexChanged.connect(self._plan_chosen)
        self.revision_picker.currentIndexChanged.connect(self._revision_chosen)
        self.refresh()
        # A revision saved elsewhere (the command line, another window) shows up, unless
        # edits are under way here: those are never thrown away by a refresh.
        listen(self, ("plan",), lambda: None if self.dirty else self.refresh())

    # -- loading ----------------------------------------------------------------------------
    def refresh(self, *, select_revision: int | None = None) -> None:
        """Reload plan names and revisions from the binder."""
        current = self.plan_picker.currentData()
        self.plan_picker.blockSignals(True)
        self.plan_picker.clear()
        for name in plans.list_plan_names(self.binder):
            self.plan_picker.addItem(name, name)
        if current:
            i = self.plan_picker.findData(current)
            if i >= 0:
                self.plan_picker.setCurrentIndex(i)
        self.plan_picker.blockSignals(False)
        self.plan_picker.setVisible(self.plan_picker.count() > 1)
        self._plan_chosen(select_revision=select_revision)

    def _plan_chosen(self, *_args, select_revision: int | None = None) -> None:
        name = self.plan_picker.currentData()
        self.revision_picker.blockSignals(True)
        self.revision_picker.clear()
        if name is None:
            self.revision_picker.blockSignals(False)
            self.summary.setText("This binder has no plan yet. Import one to start.")
            return
        revs = plans.revisions(self.binder, name)
        names = names_by_login(self.binder)  # authors as their certificates name them
        for rev in reversed(revs):
            latest = " (current)" if rev is revs[-1] else ""
            note = f" · {rev.note}" if rev.note else ""
            self.revision_picker.addItem(
                f"Revision {rev.number}{latest} · {local_text(rev.created_at, seconds=False)} · "
                f"{name_for_login(names, rev.author)}{note}", rev.id,
            )
            self.revision_picker.setItemData(
                self.revision_picker.count() - 1, utc_text(rev.created_at), Qt.ItemDataRole.ToolTipRole
            )
        if select_revision is not None:
            i = self.revision_picker.findData(select_revision)
            self.revision_picker.setCurrentIndex(max(i, 0))
        self.revision_picker.blockSignals(False)
        self._revision_chosen()

    def _revision_chosen(self, *_args) -> None:
        rev_id = self.revision_picker.currentData()
        if rev_id is None:
            return
        self.revision = plans.get_revision(self.binder, rev_id)
        self.plan = self.revision.plan
        self._show_plan()

    def _show_plan(self) -> None:
        plan, rev = self.plan, self.revision
        assert plan is not None and rev is not None
        latest = self.revision_picker.currentIndex() == 0
        self.summary.setText(
            f"{html.unescape(plan.name)} — {plan.unit}. "
            + ("" if latest else "You are looking at an older revision; saving makes a new one from it.")
        )
        self.grid.load(plan)
        self.phase_list.clear()
        for phase in plan.phases:
            self.phase_list.addItem(phase.name)
        self.phase_list.setCurrentRow(0)
        self.roles_view.setHtml(self._roles_html(plan))
        self.prereq_view.setHtml(self._prereq_html(plan))
        self._set_dirty(False)

    def _roles_html(self, plan: Plan) -> str:
        esc = html.escape
        out = ["<h3>Response team</h3>"]
        for r in plan.internal_roles():
            out.append(f"<p><b>{esc(r.name)}</b><br>{esc(r.description)}</p>")
        out.append("<h3>Outside contacts</h3>")
        for r in plan.external_roles():
            out.append(f"<p><b>{esc(r.name)}</b><br>{esc(r.description)}</p>")
        return "".join(out)

    def _prereq_html(self, plan: Plan) -> str:
        esc = html.escape
        out = ["<h3>Before any incident</h3><p>Standing preparation, each redone at the interval "
               "given. The Readiness view records when each was last done.</p>"]
        for p in plan.prerequisites:
            out.append(f"<p><b>{esc(p.name)}</b> — every {p.interval_days} days<br>{esc(p.description)}</p>")
        return "".join(out)

    def _show_phase(self, row: int) -> None:
        if self.plan is None or not 0 <= row < len(self.plan.phases):
            self.phase_view.clear()
            return
        esc = html.escape
        plan = self.plan
        phase = plan.phases[row]
        parts = [f"<h2>{esc(phase.name)}</h2>"]
        for para in phase.guidance.split("\n\n"):
            if para.strip():
                parts.append(f"<p>{esc(para.strip())}</p>")
        owners = plan.owners_for_phase(phase.key)
        who = []
        for resp in RESPONSIBILITIES[:-1]:
            names = ", ".join(esc(plan.role(k).name) for k in owners[resp])
            if names:
                who.append(f"<b>{resp}:</b> {names}")
        if who:
            parts.append("<h3>Who</h3><p>" + "<br>".join(who) + "</p>")
        if phase.checklist:
            parts.append("<h3>Checklist</h3><ul>")
            parts.extend(f"<li>{esc(item)}</li>" for item in phase.checklist)
            parts.append("</ul>")
        self.phase_view.setHtml("".join(parts))

    # -- editing ----------------------------------------------------------------------------
    def _edited(self, activity: str, role: str, value: str) -> None:
        assert self.plan is not None
        self.plan = self.plan.with_raci(activity, role, value)
        self._set_dirty(bool(self.grid.changes()))
        show_message(self.message, "")

    def _set_dirty(self, dirty: bool) -> None:
        self.save_button.setEnabled(dirty)
        self.discard_button.setEnabled(dirty)
        count = len(self.grid.changes()) if dirty else 0
        if dirty:
            self.status.setText(count_text(count, "unsaved change"))
        self.status.setProperty("ok", "0")

    @property
    def dirty(self) -> bool:
        """True when there are unsaved edits."""
        return self.save_button.isEnabled()

    def discard(self) -> None:
        """Back to the selected revision as stored."""
        self._revision_chosen()
        self.status.setText("")

    def _author(self) -> str | None:
        """The signed-in person a revision is credited to (the window asks them to sign in),
        or None: a plan change is never credited to a computer account."""
        if self.author_provider is None:
            return None
        return self.author_provider() or None

    def save(self) -> int | None:
        """Store the edited plan as a new revision; show its number."""
        if self.plan is None or self.revision is None:
            return None
        note = self.note.text().strip() or "RACI edited in the app"
        author = self._author()
        if author is None:
            show_message(self.message, "Not saved: a plan revision is credited to the person who "
                                       "makes it; sign in first. Your edits are kept.")
            return None
        try:
            rev_id = plans.save_revision(self.binder, self.plan, author=author, note=note,
                                         plan_name=self.revision.plan_name)
        except BinderError as exc:
            show_message(self.message, f"Not saved: {exc}")
            return None
        number = plans.get_revision(self.binder, rev_id).number
        self.note.clear()
        self.refresh(select_revision=rev_id)
        self.status.setText(f"Saved as revision {number}")
        self.status.setProperty("ok", "1")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.saved.emit(rev_id)
        return rev_id

    def export_plan(self) -> None:
        """Write the shown revision as a plan text file."""
        if self.plan is None:
            return
        path = dialogs.save_file(self, "Export plan",
                                 dialogs.in_documents(f"{self.plan.name}.plan.toml"),
                                 "Plan files (*.toml *.txt);;All files (*)")
        if not path:
            return
        try:
            atomic_write_bytes(check_output_path(path), dump_plan(self.plan).encode("utf-8"))
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="Not exported")
            return
        self.status.setText(f"Exported to {Path(path).name}")

    def import_plan(self) -> None:
        """Load a plan text file as a new revision (refused with the place named)."""
        path = dialogs.open_file(self, "Import plan", dialogs.in_documents(""),
                                 "Plan files (*.toml *.txt);;All files (*)")
        if not path:
            return
        author = self._author()
        if author is None:
            dialogs.info(self, "Not imported", "A plan revision is credited to the person who "
                         "makes it: sign in first, then import the plan again.")
            return
        try:
            plan = load_plan_file(path)
            rev_id = plans.save_revision(self.binder, plan, author=author,
                                         note=f"imported from {Path(path).name}")
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="Not imported")
            return
        self.refresh(select_revision=rev_id)
        self.status.setText(f"Imported as revision {plans.get_revision(self.binder, rev_id).number}")
