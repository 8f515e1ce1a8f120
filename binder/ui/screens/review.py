"""The review pane: lessons learned, proposed plan changes, accepting them, closing.

A review is signed when recorded; accepting it makes a new plan revision (this
incident keeps the revision it ran under). Closing and reopening the incident
are signed forms here too.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
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

from binder.core.crypto.signers import name_for_login, names_by_login
from binder.core.errors import BinderError
from binder.core.incident import review as reviews
from binder.core.incident import workflow
from binder.core.incident.record import get_incident
from binder.core.plan.format import RESPONSIBILITIES
from binder.core.storage.database import Binder
from binder.ui import dialogs
from binder.ui.app import local_text
from binder.ui.forms.feedback import busy_cursor, message_label, show_message
from binder.ui.forms.fields import event_field, event_value, line_field, text_field
from binder.ui.forms.signed import SignedDialog, SignerProvider, ask_author
from binder.ui.screens.incident_pane import IncidentPane
from binder.ui.style import heading

CHANGE_LABELS = (
    ("checklist", "Add a checklist item"),
    ("guidance", "Add to a phase's guidance"),
    ("raci", "Change a RACI cell"),
    ("note", "Other change (in words)"),
)


class ReviewPane(IncidentPane):
    """Lessons learned, proposed plan changes, accepting them, closing the incident."""

    def __init__(self, binder: Binder, incident_id: int, signer_provider: SignerProvider,
                 parent: QWidget | None = None) -> None:
        super().__init__(binder, incident_id, signer_provider, parent, "Review")
        self.changes: list[reviews.PlanChange] = []
        self.plan = workflow.incident_plan(binder, get_incident(binder, incident_id))

        # -- new review (left)
        left = QWidget()
        lbox = QVBoxLayout(left)
        lbox.setContentsMargins(0, 0, 0, 0)
        lbox.addWidget(heading("Lessons learned", 2))
        self.lessons = text_field("Lessons learned", "What worked, what was slow, what was missing "
                             "from the plan or the roster", 80)
        lbox.addWidget(self.lessons, 1)

        change_box = QGroupBox("Proposed plan changes")
        cgrid = QFormLayout(change_box)
        self.change_kind = QComboBox()
        self.change_kind.setAccessibleName("Kind of change")
        for key, label in CHANGE_LABELS:
            self.change_kind.addItem(label, key)
        self.change_phase = QComboBox()
        self.change_phase.setAccessibleName("Phase")
        for phase in self.plan.phases:
            self.change_phase.addItem(phase.name, phase.key)
        self.change_activity = QComboBox()
        self.change_activity.setAccessibleName("Activity")
        for act in self.plan.activities:
            self.change_activity.addItem(act.name, act.key)
        self.change_role = QComboBox()
        self.change_role.setAccessibleName("Role")
        for role in self.plan.internal_roles():
            self.change_role.addItem(role.name, role.key)
        self.change_value = QComboBox()
        self.change_value.setAccessibleName("Responsibility")
        self.change_value.addItems(RESPONSIBILITIES)
        self.change_text = line_field("Change text", "The new item, paragraph or change in words")
        self.change_text.returnPressed.connect(self.add_change)
        raci_row = QWidget()
        rrow = QHBoxLayout(raci_row)
        rrow.setContentsMargins(0, 0, 0, 0)
        for w in (self.change_activity, self.change_role, self.change_value):
            rrow.addWidget(w, 1)
        self.add_change_button = QPushButton("Add to proposa&l")
        self.add_change_button.setAccessibleName("Add change to proposal")
        self.add_change_button.clicked.connect(self.add_change)
        cgrid.addRow("&Kind:", self.change_kind)
        cgrid.addRow("Pha&se:", self.change_phase)
        cgrid.addRow("RACI:", raci_row)
        cgrid.addRow("&Text:", self.change_text)
        cgrid.addRow("", self.add_change_button)
        self._raci_row = raci_row
        self.change_kind.currentIndexChanged.connect(self._kind_changed)
        self.change_list = QListWidget()
        self.change_list.setAccessibleName("Proposed changes")
        self.change_list.setMaximumHeight(90)
        cgrid.addRow(self.change_list)
        self.remove_change_button = QPushButton("Remove selected change")
        self.remove_change_button.clicked.connect(self.remove_change)
        cgrid.addRow("", self.remove_change_button)
        lbox.addWidget(change_box)
        self.record_button = QPushButton("&Record review")
        self.record_button.setAccessibleName("Record review")
        self.record_button.clicked.connect(self.record_review)
        self.message = message_label()
        lbox.addWidget(self.message)
        lbox.addWidget(self.record_button, 0, Qt.AlignmentFlag.AlignRight)
        self._kind_changed()

        # -- reviews and closing (right)
        right = QWidget()
        rbox = QVBoxLayout(right)
        rbox.setContentsMargins(0, 0, 0, 0)
        status_row = QHBoxLayout()
        status_row.addWidget(heading("Reviews", 2), 1)
        self.status = QLabel("")
        self.status.setAccessibleName("Incident status")
        status_row.addWidget(self.status)
        self.close_button = QPushButton("&Close incident…")
        self.close_button.setAccessibleName("Close incident")
        self.close_button.clicked.connect(self.close_or_reopen)
        status_row.addWidget(self.close_button)
        rbox.addLayout(status_row)
        self.reviews = QListWidget()
        self.reviews.setAccessibleName("Reviews")
        self.reviews.setWordWrap(True)
        self.reviews.currentRowChanged.connect(lambda _r: self._show_review())
        rbox.addWidget(self.reviews, 1)
        self.review_text = QTextBrowser()
        self.review_text.setAccessibleName("Selected review")
        rbox.addWidget(self.review_text, 2)
        self.accept_button = QPushButton("&Accept: make a new plan revision")
        self.accept_button.setAccessibleName("Accept review")
        self.accept_button.setToolTip("Applies the proposed changes to the latest revision of "
                                      "the plan; this incident keeps the revision it ran under")
        self.accept_button.clicked.connect(self.accept_selected)
        rbox.addWidget(self.accept_button, 0, Qt.AlignmentFlag.AlignRight)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([640, 640])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)
        self.refresh()

    # -- the proposal being written
    def _kind_changed(self) -> None:
        kind = self.change_kind.currentData()
        self.change_phase.setEnabled(kind in ("checklist", "guidance"))
        self._raci_row.setEnabled(kind == "raci")
        self.change_text.setEnabled(kind != "raci")

    def add_change(self) -> bool:
        """Add the change described in the fields to the proposal."""
        kind = self.change_kind.currentData()
        if kind == "raci":
            change = reviews.PlanChange(kind="raci", activity=self.change_activity.currentData(),
                                         role=self.change_role.currentData(),
                                         value=self.change_value.currentText())
        else:
            change = reviews.PlanChange(kind=kind, text=self.change_text.text().strip(),
                                         phase=self.change_phase.currentData()
                                         if kind in ("checklist", "guidance") else "")
        try:
            reviews.check_change(self.plan, change)
        except BinderError as exc:
            show_message(self.message, str(exc))
            return False
        show_message(self.message, "")
        self.changes.append(change)
        self.change_list.addItem(change.describe(self.plan))
        self.change_text.clear()
        return True

    def remove_change(self) -> None:
        """Drop the selected change from the proposal."""
        row = self.change_list.currentRow()
        if 0 <= row < len(self.changes):
            del self.changes[row]
            self.change_list.takeItem(row)

    def record_review(self) -> int | None:
        """Sign and record the lessons and proposed changes."""
        author = ask_author(self, self.signer_provider, "A review")
        if author is None:
            return None
        try:
            entry_id = reviews.add_review(self.binder, self.incident_id, author,
                                           self.lessons.toPlainText(), self.changes)
        except BinderError as exc:
            show_message(self.message, f"Not recorded: {exc}")
            return None
        show_message(self.message, "Review recorded.", kind="ok")
        self.lessons.clear()
        self.changes.clear()
        self.change_list.clear()
        self.recorded(entry_id)
        return entry_id

    # -- reviews on record
    def refresh(self) -> None:
        """Re-read reviews and the open/closed state."""
        state = self.read_state()
        if state is None:
            return
        current = self.selected_review_id()
        self.reviews.blockSignals(True)
        self.reviews.clear()
        names = names_by_login(self.binder)  # authors as their certificates name them
        for review in reversed(state.reviews):
            done = (f"accepted as plan revision {review.accepted_revision}"
                    if review.accepted_revision else "not accepted yet")
            first = " ".join(review.lessons.split())[:90]
            item = QListWidgetItem(f"{local_text(review.at, seconds=False)} · {name_for_login(names, review.author)} · "
                                   f"{len(review.changes)} change(s) · {done}\n{first}")
            item.setData(Qt.ItemDataRole.UserRole, review.entry_id)
            self.reviews.addItem(item)
            if review.entry_id == current:
                self.reviews.setCurrentItem(item)
        if self.reviews.currentRow() < 0 and self.reviews.count():
            self.reviews.setCurrentRow(0)
        self.reviews.blockSignals(False)
        self._show_review()
        if state.closed:
            self.status.setText(f"Closed {local_text(state.closed_at, seconds=False)} by "
                                f"{name_for_login(names_by_login(self.binder), state.closed_by)}")
            self.close_button.setText("Re&open…")
            self.close_button.setAccessibleName("Reopen incident")
        else:
            self.status.setText("Incident open")
            self.close_button.setText("&Close incident…")
            self.close_button.setAccessibleName("Close incident")

    def selected_review_id(self) -> int | None:
        """The entry id of the selected review."""
        item = self.reviews.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _selected_review(self) -> reviews.Review | None:
        rid = self.selected_review_id()
        reviews = self.state.reviews if self.state else ()
        return next((r for r in reviews if r.entry_id == rid), None)

    def _show_review(self) -> None:
        review = self._selected_review()
        self.accept_button.setEnabled(review is not None and review.accepted_revision is None)
        if review is None:
            self.review_text.setPlainText("No review recorded yet. Hold the lessons-learned "
                                          "review soon after closing, with everyone involved.")
            return
        names = names_by_login(self.binder)
        author = name_for_login(names, review.author)
        lines = [f"Lessons learned ({author}, {local_text(review.at, seconds=False)}):",
                 review.lessons, "", "Proposed plan changes:"]
        lines += [f"  • {c.describe(self.plan)}" for c in review.changes] or ["  (none)"]
        if review.accepted_revision:
            accepted_by = name_for_login(names, review.accepted_by or "")
            lines += ["", f"Accepted by {accepted_by} as plan revision "
                          f"{review.accepted_revision}."]
        self.review_text.setPlainText("\n".join(lines))

    def accept_selected(self) -> int | None:
        """Turn the selected review into a new plan revision; returns the revision id."""
        review = self._selected_review()
        if review is None:
            return None
        if not dialogs.confirm(self, "Accept the review",
                               f"Apply {len(review.changes)} change(s) to the plan "
                               f"“{self.state.plan_name}” as a new revision? This incident "
                               "keeps the revision it ran under."):
            return None
        author = ask_author(self, self.signer_provider, "Accepting a review")
        if author is None:
            return None
        try:
            with busy_cursor():
                revision = reviews.accept_review(self.binder, self.incident_id, author,
                                                  review.entry_id)
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="Review not accepted")
            return None
        self.recorded(None)
        dialogs.info(self, "New plan revision",
                     f"The plan now has revision {revision} with the review's changes.")
        return revision

    def close_or_reopen(self) -> SignedDialog | None:
        """Close the incident (or reopen a closed one), with a summary or reason."""
        author = ask_author(self, self.signer_provider, "Closing or reopening the incident")
        if author is None or self.state is None:
            return None
        closing = not self.state.closed
        text = text_field("Summary" if closing else "Reason",
                     "How it ended: contained, root cause removed, what is still watched"
                     if closing else "Why the incident is reopened", 80)
        when = event_field("When it was closed" if closing else "When it was reopened")
        # Deadlines still open are said before anyone signs; the closing entry records them.
        pending = workflow.open_clocks(workflow.incident_state(self.binder, self.incident_id)) \
            if closing else []

        def save(who, witness):
            at = event_value(when, "time")
            if closing:
                return workflow.close_incident(self.binder, self.incident_id, who,
                                               text.toPlainText(), witness=witness, occurred_at=at)
            return workflow.reopen_incident(self.binder, self.incident_id, who,
                                            text.toPlainText(), occurred_at=at)

        intro = ("Reviews and impact lines can still be added after closing." if closing else "")
        if pending:
            intro = (f"Warning: {len(pending)} deadline(s) still open: "
                     + "; ".join(f"{c.name} ({c.label}: {c.describe()})" for c in pending)
                     + ". Closing does not stop them; the closing entry records them. " + intro)
        dialog = SignedDialog(self, self.binder, author,
                              "Close the incident" if closing else "Reopen the incident",
                              intro, save, witness=closing,
                              ok_text="Close with deadlines open" if pending else "Sign and record")
        dialog.form.addRow("&Summary:" if closing else "&Reason:", text)
        dialog.form.addRow("&When:", when)
        dialog.fields = {"text": text, "when": when}
        dialog.pending_clocks = pending
        dialog.finish()
        return self.open_form(dialog)
