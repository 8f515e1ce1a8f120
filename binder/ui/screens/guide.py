"""The phase guide: every phase of the plan, its guidance, checklist and owners.

Phases run side by side, so any phase can be opened and worked; one of them
is the focus (the header shows it). Ticking a checklist item writes a signed
journal entry through :mod:`binder.core.incident.workflow`; the pane then re-reads the state
from the journal, so what is on screen is always what was recorded. For a
drill run from a scenario, a banner lets the facilitator reveal the injects.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto.signers import SigningSession, name_for_login, names_by_login
from binder.core.errors import BinderError
from binder.core.incident import drills, workflow
from binder.core.storage.database import Binder
from binder.ui import dialogs
from binder.ui.app import local_text, utc_text
from binder.ui.forms.feedback import busy_cursor
from binder.ui.forms.fields import event_field, event_value
from binder.ui.forms.signed import ask_author
from binder.ui.shortcuts import bind
from binder.ui.style import bold, chip, heading, muted

SignerProvider = Callable[[], SigningSession | None]

RESPONSIBILITY_WORDS = {
    "Owner": "Owns it",
    "Implements": "Does it",
    "Advises": "Advises",
    "Updates": "Kept updated",
}


def owners_html(phase: workflow.PhaseStatus) -> str:
    """Who does what in a phase, as escaped rich text (roster names when unlocked)."""
    rows = []
    for responsibility, words in RESPONSIBILITY_WORDS.items():
        owners = phase.owners_with(responsibility)
        if not owners:
            continue
        names = []
        for owner in owners:
            who = html.escape(owner.role_name)
            if owner.people:
                who += f" (<b>{html.escape(', '.join(owner.people))}</b>)"
            names.append(who)
        rows.append(
            "<tr><td style='padding:2px 12px 2px 0; white-space:nowrap; color:palette(text)'>"
            f"<i>{html.escape(words)}</i></td><td style='padding:2px 0'>{'; '.join(names)}</td></tr>"
        )
    if not rows:
        return "<p><i>No RACI activity is linked to this phase.</i></p>"
    activities = ", ".join(html.escape(a.name) for a in phase.activities)
    return (f"<p style='margin-bottom:4px'>RACI activities: {activities}</p>"
            f"<table cellspacing='0'>{''.join(rows)}</table>")


def guidance_html(phase: workflow.PhaseStatus) -> str:
    """The phase's guidance paragraphs and owners as escaped rich text."""
    paras = [p for p in phase.guidance.split("\n\n") if p.strip()]
    body = "".join(
        f"<p>{html.escape(' '.join(p.split()))}</p>" for p in paras
    ) or "<p><i>No guidance written for this phase.</i></p>"
    return f"{body}<h4 style='margin-top:14px'>Who does what</h4>{owners_html(phase)}"


class GuidePane(QWidget):
    """The Guide tab: phase list, guidance and owners, checklist, drill injects."""

    entry_added = Signal(int)

    def __init__(self, binder: Binder, incident_id: int, signer_provider: SignerProvider,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.binder = binder
        self.incident_id = incident_id
        self.signer_provider = signer_provider
        self.state: workflow.IncidentState | None = None
        self._filling = False
        self.setAccessibleName("Phase guide")

        # -- drill banner (shown only for drills run from a scenario)
        self.drill_banner = QFrame()
        self.drill_banner.setObjectName("card")
        banner = QHBoxLayout(self.drill_banner)
        banner.setContentsMargins(10, 6, 10, 6)
        banner.addWidget(chip("DRILL", "drill"), 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        self.drill_text = muted("")
        self.drill_text.setTextFormat(Qt.TextFormat.PlainText)
        self.drill_text.setAccessibleName("Drill scenario")
        self.inject_text = QLabel("")
        self.inject_text.setWordWrap(True)
        self.inject_text.setTextFormat(Qt.TextFormat.PlainText)
        self.inject_text.setAccessibleName("Latest inject")
        self.inject_text.setFont(bold(self.inject_text.font()))
        texts.addWidget(self.drill_text)
        texts.addWidget(self.inject_text)
        banner.addLayout(texts, 1)
        self.reveal_button = QPushButton("Reveal next inject")
        self.reveal_button.setAccessibleName("Reveal next inject")
        self.reveal_button.setToolTip("The facilitator reveals the next event of the scenario")
        self.reveal_button.clicked.connect(self.reveal_inject)
        banner.addWidget(self.reveal_button, 0, Qt.AlignmentFlag.AlignTop)
        self.drill_banner.hide()

        # -- phases
        left = QWidget()
        lbox = QVBoxLayout(left)
        lbox.setContentsMargins(0, 0, 0, 0)
        lbox.addWidget(heading("Phases", 2))
        self.phases = QListWidget()
        self.phases.setAccessibleName("Phases")
        self.phases.setWordWrap(True)
        self.phases.setSpacing(3)
        self.phases.setToolTip("Phases run side by side: open any of them. "
                               "The focus phase is marked ★.")
        self.phases.currentRowChanged.connect(lambda _row: self._show_phase())
        lbox.addWidget(self.phases, 1)
        self.focus_button = QPushButton("&Make this the focus phase")
        self.focus_button.setAccessibleName("Make this the focus phase")
        self.focus_button.clicked.connect(self.make_focus)
        lbox.addWidget(self.focus_button)

        # -- guidance and owners
        middle = QWidget()
        mbox = QVBoxLayout(middle)
        mbox.setContentsMargins(0, 0, 0, 0)
        title_row = QHBoxLayout()
        self.phase_title = heading("", 2)
        title_row.addWidget(self.phase_title, 1)
        self.focus_chip = chip("Focus", "phase", tooltip="The phase in focus now")
        title_row.addWidget(self.focus_chip, 0, Qt.AlignmentFlag.AlignTop)
        mbox.addLayout(title_row)
        self.guidance = QTextBrowser()
        self.guidance.setAccessibleName("Guidance and owners")
        self.guidance.setOpenLinks(False)
        mbox.addWidget(self.guidance, 1)

        # -- checklist
        right = QWidget()
        rbox = QVBoxLayout(right)
        rbox.setContentsMargins(0, 0, 0, 0)
        check_row = QHBoxLayout()
        check_row.addWidget(heading("Checklist", 2))
        check_row.addStretch()
        self.progress = QLabel("")
        self.progress.setProperty("muted", "1")
        self.progress.setAccessibleName("Checklist progress")
        check_row.addWidget(self.progress)
        rbox.addLayout(check_row)
        self.checklist = QListWidget()
        self.checklist.setAccessibleName("Checklist")
        self.checklist.setWordWrap(True)
        self.checklist.setSpacing(2)
        self.checklist.itemChanged.connect(self._item_changed)
        rbox.addWidget(self.checklist, 1)
        when_row = QHBoxLayout()
        when_row.addWidget(QLabel("Done at:"))
        self.when = event_field("When it was done")
        self.when.setToolTip("For the next tick or focus change: when it actually happened "
                             "(local time unless you give an offset). Empty: just now.")
        when_row.addWidget(self.when, 1)
        rbox.addLayout(when_row)
        task_row = QHBoxLayout()
        task_row.addWidget(muted("Space ticks the selected item. Each tick is signed and "
                                 "journaled with your name and the time."), 1)
        self.task_button = QPushButton("Make a task…")
        self.task_button.setAccessibleName("Make the selected checklist item a task")
        self.task_button.setToolTip("Give the selected item an owner and a due time (Ctrl+T)")
        self.task_button.clicked.connect(self.make_task)
        bind(self.checklist, "guide.task", self.make_task,
             context=Qt.ShortcutContext.WidgetShortcut)
        task_row.addWidget(self.task_button)
        rbox.addLayout(task_row)
        self.overdue = QLabel("")
        self.overdue.setAccessibleName("Overdue tasks")
        self.overdue.setTextFormat(Qt.TextFormat.PlainText)
        self.overdue.setWordWrap(True)
        self.overdue.setProperty("error", "1")
        rbox.addWidget(self.overdue)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for w in (left, middle, right):
            self.splitter.addWidget(w)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setStretchFactor(2, 3)
        self.splitter.setSizes([250, 430, 600])
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.drill_banner)
        layout.addWidget(self.splitter, 1)
        self.refresh()

    # ------------------------------------------------------------------ reading

    def refresh(self) -> None:
        """Re-read the incident's state from the journal and redraw."""
        try:
            self.state = workflow.incident_state(self.binder, self.incident_id)
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="Cannot read the phase guide")
            return
        self._show_overdue()
        current = self.current_phase_key() or self.state.focus_phase
        self._filling = True
        self.phases.blockSignals(True)
        self.phases.clear()
        for phase in self.state.phases:
            mark = "★ " if phase.is_focus else ""
            item = QListWidgetItem(f"{mark}{phase.name}\n{phase.done_count} of "
                                   f"{len(phase.checklist)} done")
            item.setData(Qt.ItemDataRole.UserRole, phase.key)
            item.setToolTip(f"{phase.name} ({phase.key})" + (" — focus phase" if phase.is_focus else ""))
            if phase.is_focus:
                item.setFont(bold(item.font()))
            self.phases.addItem(item)
            if phase.key == current:
                self.phases.setCurrentItem(item)
        self.phases.blockSignals(False)
        self._filling = False
        self._show_phase()
        self._show_drill()

    def current_phase_key(self) -> str | None:
        """The key of the phase on screen."""
        item = self.phases.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def select_phase(self, key: str) -> None:
        """Show a phase (keyboard users click or arrow; tests call this)."""
        for row in range(self.phases.count()):
            if self.phases.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.phases.setCurrentRow(row)
                return

    def _show_phase(self) -> None:
        if self.state is None:
            return
        key = self.current_phase_key()
        if key is None:
            return
        phase = self.state.phase(key)
        self.phase_title.setText(phase.name)
        self.focus_chip.setVisible(phase.is_focus)
        self.focus_button.setEnabled(not phase.is_focus)
        self.guidance.setHtml(guidance_html(phase))
        self.progress.setText(f"{phase.done_count} of {len(phase.checklist)} done")
        row = self.checklist.currentRow()
        self._filling = True
        self.checklist.clear()
        names = names_by_login(self.binder)  # who ticked, as their certificate names them
        for item in phase.checklist:
            self.checklist.addItem(self._checklist_item(item, names))
        self._filling = False
        if 0 <= row < self.checklist.count():
            self.checklist.setCurrentRow(row)

    @staticmethod
    def _checklist_item(item: workflow.ChecklistItem, names: dict) -> QListWidgetItem:
        text = f"{item.index + 1}. {item.text}"
        done_by = name_for_login(names, item.done_by) if item.done else ""
        if item.done:
            text += f"\n      ✓ {done_by}, {local_text(item.done_at, seconds=None)}"
        widget_item = QListWidgetItem(text)
        widget_item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                             | Qt.ItemFlag.ItemIsUserCheckable)
        widget_item.setCheckState(Qt.CheckState.Checked if item.done else Qt.CheckState.Unchecked)
        widget_item.setData(Qt.ItemDataRole.UserRole, item.index)
        if item.done:
            widget_item.setToolTip(f"Ticked by {done_by} at {utc_text(item.done_at)}")
        return widget_item

    def _show_drill(self) -> None:
        drill = self.state.drill if self.state is not None else None
        self.drill_banner.setVisible(drill is not None)
        if drill is None:
            return
        revealed = drill.revealed
        self.drill_text.setText(f"Scenario: {drill.title}. {drill.summary}".strip())
        if revealed:
            last = revealed[-1]
            self.inject_text.setText(f"Inject {last.number} of {len(drill.injects)}: {last.text}")
        else:
            self.inject_text.setText(f"No inject revealed yet ({len(drill.injects)} planned).")
        nxt = drill.next_inject
        self.reveal_button.setEnabled(nxt is not None)
        if nxt is not None:
            self.reveal_button.setText(f"Reveal inject {nxt.number} of {len(drill.injects)}")
            self.reveal_button.setToolTip(
                f"Planned {nxt.after_minutes} min into the drill ({local_text(nxt.due_at, seconds=False)})")
        else:
            self.reveal_button.setText("All injects revealed")

    # ------------------------------------------------------------------ writing

    def _item_changed(self, item: QListWidgetItem) -> None:
        if self._filling:
            return
        done = item.checkState() == Qt.CheckState.Checked
        self.tick(self.current_phase_key(), item.data(Qt.ItemDataRole.UserRole), done)

    def tick(self, phase_key: str | None, index: int, done: bool = True) -> int | None:
        """Tick (or untick) a checklist item as the signed-in person; returns the entry id."""
        entry_id = None
        session = ask_author(self, self.signer_provider, "Ticking a checklist item")
        if session is not None and phase_key is not None:
            try:
                with busy_cursor():
                    entry_id = workflow.tick_checklist(
                        self.binder, self.incident_id, session, phase_key, index, done,
                        occurred_at=event_value(self.when, "time"))
                self.when.clear()
            except BinderError as exc:
                dialogs.show_exception(self, exc, title="Not recorded")
        # Redraw from the journal either way: a refused tick springs back.
        self.refresh()
        if entry_id is not None:
            self.entry_added.emit(entry_id)
        return entry_id

    def make_focus(self) -> int | None:
        """Move the incident's focus to the phase on screen (journaled)."""
        key = self.current_phase_key()
        if key is None:
            return None
        session = ask_author(self, self.signer_provider, "Moving the focus phase")
        if session is None:
            return None
        try:
            entry_id = workflow.set_focus_phase(self.binder, self.incident_id, session, key,
                                                occurred_at=event_value(self.when, "time"))
            self.when.clear()
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="Focus not moved")
            return None
        self.refresh()
        self.entry_added.emit(entry_id)
        self._notify_workspace()
        return entry_id

    def reveal_inject(self) -> int | None:
        """Reveal the drill's next inject (journaled)."""
        session = ask_author(self, self.signer_provider, "Revealing an inject")
        if session is None:
            return None
        try:
            entry_id = drills.reveal_next_inject(self.binder, self.incident_id, session)
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="No inject revealed")
            return None
        self.refresh()
        self.entry_added.emit(entry_id)
        return entry_id

    def make_task(self):
        """The selected checklist item becomes a task (the Tasks pane opens its form)."""
        phase = self.current_phase_key()
        row = self.checklist.currentRow()
        if phase is None or row < 0 or self.state is None:
            dialogs.info(self, "Make a task", "Select a checklist item first.")
            return None
        text = self.state.phase(phase).checklist[row].text
        parent = self.parent()
        while parent is not None and not hasattr(parent, "task_from_checklist"):
            parent = parent.parent()
        if parent is None:
            return None
        return parent.task_from_checklist(phase, row, text)

    def _show_overdue(self) -> None:
        from binder.core.incident import registers

        try:
            late = registers.overdue_tasks(self.binder, self.incident_id)
        except BinderError:
            late = []
        self.overdue.setText(
            "Overdue: " + "; ".join(
                f"{t.get('title')} ({registers.owner_label(self.binder, t) or 'no owner'})"
                for t in late) if late else "")
        self.overdue.setVisible(bool(late))

    def _notify_workspace(self) -> None:
        # The workspace header shows the focus phase; let it redraw if it can.
        parent = self.parent()
        while parent is not None:
            update = getattr(parent, "update_header", None)
            if callable(update):
                update()
                return
            parent = parent.parent()

