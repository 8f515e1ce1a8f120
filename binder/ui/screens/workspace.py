"""The incident workspace: a header with what matters now, the panes, and quick entry.

The quick-entry box sits below the panes, so an entry can be written (Ctrl+Enter)
whatever pane is open. Panes other than the journal are built the first time
they are shown, which keeps opening an incident fast.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from binder.core.crypto.signers import SigningSession, name_for_login, names_by_login
from binder.core.errors import BinderError
from binder.core.formatting import count_text
from binder.core.incident import journal as jr
from binder.core.incident.record import classification, get_incident
from binder.core.plan import revisions as plans
from binder.core.storage.database import Binder
from binder.services.settings import SessionKeeper
from binder.ui.app import local_text, parse_utc, span_text, utc_text
from binder.ui.forms.signed import ask_author
from binder.ui.screens.journal import JournalPane
from binder.ui.screens.quick_entry import QuickEntry
from binder.ui.style import chip, heading, muted, set_chip

log = logging.getLogger(__name__)
#: How many running deadlines the header shows as chips (the rest: "+N more").
HEADER_CLOCKS = 5


def short_clock_name(name: str) -> str:
    """``GDPR Art. 33`` from ``GDPR Art. 33: tell the supervisory authority``."""
    head = name.split(":", 1)[0].strip()
    if len(head) > 22:
        head = " ".join(head.split()[:2])
    return head if len(head) <= 22 else head[:21] + "…"


def _coarse(seconds: float) -> str:
    # "6 h" rather than "6 h 0 min": a header is read at a glance.
    text = span_text(seconds)
    if " h " in text and " d " not in text:
        return text.split(" h ")[0] + " h"
    return text


def header_verdict(clock) -> str:
    """A clock's verdict in a few words for the header (the core decides it)."""
    if clock.status == "missed":
        return f"MISSED {_coarse(-(clock.seconds_left or 0))} ago"
    if clock.due == 0:
        return "due now"
    return f"due in {_coarse(clock.seconds_left or 0)}"
SignerProvider = Callable[[], SigningSession | None]

#: (tab title, module, class) in tab order; Ctrl+1..9 follow this order.
PANES = (
    ("Guide", "guide", "GuidePane"),
    ("Journal", "journal", "JournalPane"),
    ("Evidence", "evidence", "EvidencePane"),
    ("Timeline", "registers", "TimelinePane"),
    ("Indicators", "registers", "IndicatorsPane"),
    ("Assets", "registers", "AssetsPane"),
    ("Tasks", "registers", "TasksPane"),
    ("Decisions && notifications", "decisions", "DecisionsPane"),
    ("Impact", "impact", "ImpactPane"),
    ("Review", "review", "ReviewPane"),
    ("Report", "report", "ReportScreen"),
)
JOURNAL_TAB = 1
EVIDENCE_TAB = 2


def pane_index(cls_name: str) -> int:
    """The tab index of a pane by its class name (panes move as new ones are added)."""
    return next(i for i, (_t, _m, c) in enumerate(PANES) if c == cls_name)


#: The register panes' "new item" commands (binder.ui.shortcuts; the Incident menu shows them).
REGISTER_SHORTCUTS = (("TimelinePane", "incident.timeline"),
                      ("IndicatorsPane", "incident.indicator"),
                      ("AssetsPane", "incident.asset"),
                      ("TasksPane", "incident.task"))


def load_class(module: str, name: str) -> type[QWidget]:
    """A pane's widget class from ``binder.ui.screens.<module>``, imported on first use so the
    window opens fast. Every pane is part of the app: a missing module or class is a bug and
    raises here (tests/test_imports.py loads every one)."""
    return getattr(importlib.import_module(f"binder.ui.screens.{module}"), name)


class Placeholder(QWidget):
    """Stands in for a pane until it is built on first view (or when it failed to open)."""

    def __init__(self, title: str, text: str = ""):
        super().__init__()
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        layout.addStretch()
        label = muted(text or f"{title} opens here.")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(label)
        layout.addStretch()


class IncidentWorkspace(QWidget):
    """Everything about one incident."""

    entry_added = Signal(int)
    sessions_changed = Signal()

    def __init__(
        self, binder: Binder, incident_id: int, signer_provider: SignerProvider,
        parent: QWidget | None = None, *, witness_keeper: SessionKeeper | None = None,
    ):
        super().__init__(parent)
        self.binder = binder
        self.incident_id = incident_id
        self.incident = get_incident(binder, incident_id)
        self.signer_provider = signer_provider
        self.witness_keeper = witness_keeper
        self.setAccessibleName(f"Incident: {self.incident.title}")
        try:
            self.plan = plans.get_revision(binder, self.incident.plan_revision_id).plan \
                if self.incident.plan_revision_id else plans.current_revision(binder).plan
        except BinderError:
            self.plan = None
        self.nearest_deadline = None
        self.focus_phase: tuple[str, str] | None = None  # (key, name)

        self._build_header()
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Incident panes")
        self.tabs.setDocumentMode(True)
        self.panes: dict[int, QWidget] = {}
        for i, (title, _module, _cls) in enumerate(PANES):
            self.tabs.addTab(Placeholder(title.replace("&&", "&")), title)
            keys = f" (Ctrl+{i + 1})" if i < 9 else " (Ctrl+Tab)"
            self.tabs.setTabToolTip(i, f"{title.replace('&&', '&')}{keys}")
        self.journal = JournalPane(binder, incident_id, signer_provider, self,
                                   witness_keeper=witness_keeper)
        self._install(JOURNAL_TAB, self.journal)
        self.journal.sessions_changed.connect(self.sessions_changed)
        self.quick = QuickEntry(binder, incident_id, signer_provider, self,
                                phase_provider=lambda: self.focus_phase[0] if self.focus_phase else None)
        self.quick.added.connect(self._entry_added)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.quick)
        self.tabs.setCurrentIndex(JOURNAL_TAB)
        self.tabs.currentChanged.connect(self._tab_changed)

        # Runs only while on screen: a closed or hidden workspace must not read a binder
        # that may be closed by then (its header has nobody to show the time to).
        self._tick = QTimer(self)
        self._tick.setInterval(15_000)
        self._tick.timeout.connect(self.tick)
        self.update_header()
        # The window's one "what changed" signal: entries, co-signatures, evidence, clocks
        # and reports of this incident, whoever wrote them (a form, a pane, the CLI).
        from binder.ui.changes import listen

        listen(self, ("journal", "cosign", "evidence", "incidents", "plan", "checkpoints",
                      "reports"),
               self.changed, incident_id=incident_id)

    def changed(self, change) -> None:
        """Something this incident shows moved: redraw the header and what is on view."""
        if change.about("incidents"):
            try:
                self.incident = get_incident(self.binder, self.incident_id)
            except BinderError:
                pass
            self.title.setText(self.incident.title)
            self.title.setToolTip(self.incident.title)
        self.update_header()
        if change.touches(self.incident_id) or change.about("cosign"):
            self.journal.refresh()
            if change.about("cosign"):
                view = self.journal.selected_view()
                if view is not None:
                    self.journal.model.refresh_entry(view.entry.id)
                    self.journal.refresh()
        index = self.tabs.currentIndex()
        pane = self.panes.get(index)
        form = getattr(pane, "dialog", None)
        if index != JOURNAL_TAB and pane is not None and hasattr(pane, "refresh") \
                and not getattr(pane, "busy", False) \
                and not (form is not None and isValid(form) and form.isVisible()):
            try:
                pane.refresh()
            except Exception as exc:  # noqa: BLE001 - one pane must not stop the others
                log.warning("pane refresh failed: %s", exc)

    # -- header -----------------------------------------------------------------------------
    def _build_header(self) -> None:
        inc = self.incident
        self.header = QFrame()
        self.header.setObjectName("header")
        grid = QVBoxLayout(self.header)
        grid.setContentsMargins(4, 0, 4, 6)
        grid.setSpacing(4)
        top = QHBoxLayout()
        top.setSpacing(8)
        self.title = heading(inc.title)
        self.title.setWordWrap(False)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setMinimumWidth(200)
        self.title.setToolTip(inc.title)
        top.addWidget(self.title, 1)
        if inc.drill:
            top.addWidget(chip("DRILL", "drill", tooltip="A practice exercise, marked as such everywhere"))
        self.severity = chip(inc.severity.upper(), inc.severity, tooltip="Severity")
        top.addWidget(self.severity)
        self.classify_button = QPushButton("Type / severity…")
        self.classify_button.setAccessibleName("Change type or severity")
        self.classify_button.setToolTip("Change the incident's type or severity (a signed entry; "
                                        "a new type starts its clocks)")
        self.classify_button.clicked.connect(self.change_classification)
        top.addWidget(self.classify_button)
        grid.addLayout(top)
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        self.facts = QLabel("")
        self.facts.setProperty("muted", "1")
        self.facts.setAccessibleName("Incident facts")
        self.facts.setMinimumWidth(200)
        bottom.addWidget(self.facts, 1)
        self.phase_chip = chip("", "phase", tooltip="The phase in focus now (phases can run side by side)")
        bottom.addWidget(self.phase_chip)
        self.overdue_chip = chip("", "red", tooltip="Open tasks past their due time")
        self.overdue_chip.setAccessibleName("Overdue tasks")
        bottom.addWidget(self.overdue_chip)
        grid.addLayout(bottom)
        # Every clock still asking for action, most urgent first (missed before running).
        self.deadlines_row = QWidget()
        self.deadlines_row.setAccessibleName("Running deadlines")
        row = QHBoxLayout(self.deadlines_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(muted("Deadlines:"))
        self.deadline_chips = [chip("", "grey") for _ in range(HEADER_CLOCKS)]
        for c in self.deadline_chips:
            # A narrow window clips a chip rather than growing past the screen.
            c.setMinimumWidth(60)
            c.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            row.addWidget(c)
        self.more_deadlines = chip("", "grey")
        row.addWidget(self.more_deadlines)
        row.addStretch(1)
        self.deadline_chip = self.deadline_chips[0]  # the most urgent one
        grid.addWidget(self.deadlines_row)

    def update_header(self) -> None:
        """Refresh the time since detection, focus phase and nearest deadline."""
        inc = self.incident
        detected = parse_utc(inc.detected_at)
        since = (datetime.now(UTC) - detected).total_seconds()
        try:
            now_class = classification(self.binder, inc)
        except BinderError:
            now_class = None
        kind = now_class.type if now_class else inc.type
        severity = now_class.severity if now_class else inc.severity
        set_chip(self.severity, severity.upper(), severity)
        type_label = kind
        if self.plan is not None:
            try:
                type_label = self.plan.incident_type_label(kind)
            except BinderError:
                pass
        self.facts.setText(
            f"{type_label} · detected {local_text(inc.detected_at, seconds=False)} "
            f"({span_text(since)} ago)"
        )
        self.facts.setToolTip(f"Detected {utc_text(inc.detected_at)}; opened by "
                                 f"{name_for_login(names_by_login(self.binder), inc.opened_by)}")
        self.focus_phase = self._read_focus_phase()
        if self.focus_phase:
            name = self.focus_phase[1]
            # The plan's phase names run to about 45 characters and fit whole at 1366 px;
            # a longer custom one is cut at a word, the tooltip holding all of it.
            short = name if len(name) <= 48 else name[:47].rsplit(" ", 1)[0] + " …"
            set_chip(self.phase_chip, f"Focus: {short}", "phase")
            self.phase_chip.setToolTip(f"Focus: {name} (phases can run side by side)")
        self.phase_chip.setVisible(bool(self.focus_phase))
        self.running_clocks = self._read_running()
        self.nearest_deadline = self.running_clocks[0] if self.running_clocks else None
        for c, label in zip(self.running_clocks, self.deadline_chips, strict=False):
            set_chip(label, f"{short_clock_name(c.name)} · {header_verdict(c)}", c.colour)
            label.setToolTip(f"{c.name}\n{c.describe()}\nDue {local_text(c.deadline, seconds=False)}"
                             f" ({utc_text(c.deadline)}); {c.due_text}")
        for i, label in enumerate(self.deadline_chips):
            label.setVisible(i < len(self.running_clocks))
        hidden = self.running_clocks[len(self.deadline_chips):]
        if hidden:
            set_chip(self.more_deadlines, f"+{len(hidden)} more", "grey")
            self.more_deadlines.setToolTip("\n".join(f"{c.name}: {c.describe()}" for c in hidden))
        self.more_deadlines.setVisible(bool(hidden))
        self.deadlines_row.setVisible(bool(self.running_clocks))
        self.overdue = self._read_overdue()
        if self.overdue:
            n = len(self.overdue)
            set_chip(self.overdue_chip, f"{count_text(n, 'task')} overdue", "red")
            self.overdue_chip.setToolTip("Overdue: " + "; ".join(
                str(t.get("title")) for t in self.overdue[:5]) + (" …" if n > 5 else ""))
        self.overdue_chip.setVisible(bool(self.overdue))

    def _read_overdue(self) -> list:
        from binder.core.incident import registers

        try:
            return registers.overdue_tasks(self.binder, self.incident_id)
        except BinderError as exc:
            log.info("overdue tasks not shown: %s", exc)
            return []

    def _read_focus_phase(self) -> tuple[str, str] | None:
        last = None
        for entry in jr.iter_entries(self.binder, self.incident_id, kinds=("phase",)):
            last = entry
        if last is None:
            return None
        key = (last.data or {}).get("phase") or last.phase
        if not key:
            return None
        name = key
        if self.plan is not None:
            try:
                name = self.plan.phase(key).name
            except BinderError:
                pass
        return key, name

    def _read_running(self) -> list:
        from binder.core.incident import clocks

        try:
            return clocks.running(clocks.incident_clocks(self.binder, self.incident_id,
                                                         plan=self.plan))
        except Exception as exc:  # noqa: BLE001 - the header must not fail over a clock
            log.info("no deadline shown: %s", exc)
            return []

    def change_classification(self):
        """Open the signed form that changes the incident's type or severity."""
        from binder.ui.screens.classification import ClassificationDialog

        author = ask_author(self, self.signer_provider, "Changing the type or severity")
        if author is None:
            return None
        dialog = ClassificationDialog(self, self.binder, self.incident_id, author, self.plan)
        dialog.saved.connect(self._entry_added)
        dialog.show()
        return dialog

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._tick.isActive():
            self.update_header()  # back on screen: the countdowns moved while it was away
        self._tick.start()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._tick.stop()
        super().hideEvent(event)

    def tick(self) -> None:
        """Periodic refresh of the header's times (writes by other programs come through the
        window's change signal)."""
        self.update_header()

    # -- panes ------------------------------------------------------------------------------
    def _install(self, index: int, widget: QWidget) -> None:
        title = self.tabs.tabText(index)
        tip = self.tabs.tabToolTip(index)
        old = self.tabs.widget(index)
        blocked = self.tabs.blockSignals(True)
        current = self.tabs.currentIndex()
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, widget, title)
        self.tabs.setTabToolTip(index, tip)
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(blocked)
        if old is not None:
            old.deleteLater()
        self.panes[index] = widget

    def pane(self, index: int) -> QWidget:
        """The pane at ``index``, built on first use."""
        if index not in self.panes:
            title, module, cls_name = PANES[index]
            cls = load_class(module, cls_name)
            try:
                widget: QWidget = cls(self.binder, self.incident_id, self.signer_provider, self)
            except Exception as exc:  # noqa: BLE001 - show the failure in place, keep working
                log.warning("pane %s failed: %s", cls_name, exc)
                widget = Placeholder(title.replace("&&", "&"), f"This pane could not open: {exc}")
            self._install(index, widget)
        return self.panes[index]

    def _tab_changed(self, index: int) -> None:
        widget = self.pane(index)
        if index == JOURNAL_TAB:
            self.journal.refresh()
        elif hasattr(widget, "refresh"):
            try:
                widget.refresh()
            except Exception as exc:  # noqa: BLE001
                log.warning("pane refresh failed: %s", exc)
        self.update_header()

    def show_pane(self, index: int) -> None:
        """Switch to pane ``index`` (0-based; Ctrl+1 is 0)."""
        if 0 <= index < self.tabs.count():
            self.pane(index)
            self.tabs.setCurrentIndex(index)

    def next_pane(self, step: int = 1) -> None:
        """Ctrl+Tab / Ctrl+Shift+Tab."""
        self.show_pane((self.tabs.currentIndex() + step) % self.tabs.count())

    # -- actions ----------------------------------------------------------------------------
    def _entry_added(self, entry_id: int) -> None:
        self.journal.entry_added(entry_id)
        self.update_header()
        self.entry_added.emit(entry_id)
        self.sessions_changed.emit()

    def add_entry(self) -> int | None:
        """Ctrl+Enter: add what is in the quick-entry box."""
        return self.quick.add_entry()

    def focus_entry(self) -> None:
        """Ctrl+N: start a new entry."""
        self.quick.focus_text()

    def cosign(self) -> bool:
        """Ctrl+Shift+S: co-sign the selected journal entry."""
        self.show_pane(JOURNAL_TAB)
        return self.journal.cosign_selected()

    def new_evidence(self) -> None:
        """Ctrl+E: register evidence in the Evidence pane."""
        self.show_pane(EVIDENCE_TAB)
        pane = self.panes.get(EVIDENCE_TAB)
        for name in ("new_evidence", "choose_files", "add_evidence"):
            action = getattr(pane, name, None)
            if callable(action):
                action()
                return

    def correct(self):
        """Ctrl+Shift+R: correct the selected journal entry."""
        self.show_pane(JOURNAL_TAB)
        return self.journal.correct_selected()

    def _pane_call(self, cls_name: str, method: str, *args):
        index = pane_index(cls_name)
        self.show_pane(index)
        action = getattr(self.panes.get(index), method, None)
        return action(*args) if callable(action) else None

    def new_decision(self):
        """Ctrl+Shift+D: the decision form."""
        return self._pane_call("DecisionsPane", "new_decision")

    def new_notification(self):
        """Ctrl+Shift+M: the notification form."""
        return self._pane_call("DecisionsPane", "new_notification")

    def transfer_custody(self):
        """Ctrl+Shift+E: hand over the selected evidence item."""
        pane = self.pane(EVIDENCE_TAB)
        self.show_pane(EVIDENCE_TAB)
        if getattr(pane, "selected_item", lambda: None)() is None:
            from binder.ui import dialogs

            dialogs.info(self, "Transfer custody",
                         "Select the evidence item to hand over in the Evidence pane first "
                         "(or register one with Ctrl+E).")
            return None
        return pane.transfer_selected()

    def export_report(self):
        """Ctrl+P: build the full report."""
        return self._pane_call("ReportScreen", "export", "full")

    def export_summary(self):
        """Build the executive summary."""
        return self._pane_call("ReportScreen", "export", "executive")

    def sign_report_as_lead(self):
        """Sign the exported report as the incident lead."""
        return self._pane_call("ReportScreen", "sign_from_menu", "lead")

    def sign_report_as_witness(self):
        """Sign the exported report as the witness."""
        return self._pane_call("ReportScreen", "sign_from_menu", "witness")

    def focus_target(self):
        """Where the keyboard goes when nothing else has it: the pane on view."""
        from binder.ui.focus import first_focusable

        pane = self.tabs.currentWidget()
        if self.tabs.currentIndex() == JOURNAL_TAB:
            return self.journal.view
        return first_focusable(pane) or self.quick.text

    def new_register_item(self, cls_name: str):
        """Ctrl+Shift+T/I/A/K: open the register pane and its form for a new item."""
        index = pane_index(cls_name)
        self.show_pane(index)
        pane = self.panes.get(index)
        action = getattr(pane, "new_item", None)
        return action() if callable(action) else None

    def task_from_checklist(self, phase: str, index: int, text: str):
        """A checklist item of the Guide becomes a task (the Tasks pane opens its form)."""
        tasks = pane_index("TasksPane")
        self.show_pane(tasks)
        pane = self.panes.get(tasks)
        action = getattr(pane, "new_task_from", None)
        return action(phase, index, text) if callable(action) else None

    def show_entry(self, entry_id: int) -> None:
        """Show one journal entry (a search result)."""
        self.show_pane(JOURNAL_TAB)
        self.journal.filter.clear()
        model = self.journal.model
        model.set_query("")
        # Older entries are loaded page by page, as scrolling would.
        while model.row_of(entry_id) < 0 and model.canFetchMore():
            model.fetchMore()
        self.journal.select_entry(entry_id)

    def verify(self) -> None:
        """Ctrl+Shift+V: verify this incident."""
        self.show_pane(JOURNAL_TAB)
        self.journal.verify()

    def flush(self) -> None:
        """Save any pending draft (closing, locking, switching away)."""
        self.quick.flush()

    def shutdown(self) -> None:
        """Stop timers and save drafts before the workspace goes away."""
        self._tick.stop()
        self.flush()
