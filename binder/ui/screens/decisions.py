"""Decisions, notifications and clocks; financial impact; the post-incident review.

Three panes of the incident workspace share this module because they share
their form pattern: a dialog (or inline form) collects the fields, the
signed-in person signs, an optional witness co-signs with their own
passphrase, and the core (:mod:`binder.core.incident.workflow`, :mod:`binder.core.incident.clocks`)
writes one journal entry. A refused form stays open with its text and a
one-line message. Every pane re-reads its state from the journal afterwards.

Clocks are shown as countdowns coloured green, amber and red (met, missed,
met late in words beside the colour, never colour alone), refreshed every
30 seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from PySide6.QtCore import QDateTime, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto.signers import SigningSession
from binder.core.errors import BadInput, BinderError
from binder.core.incident import clocks as clockmod
from binder.core.incident import workflow
from binder.core.incident.record import get_incident
from binder.core.plan.format import RESPONSIBILITIES
from binder.core.storage.database import Binder
from binder.ui import dialogs
from binder.ui.app import CHIP_COLOURS, heading, local_text, muted, parse_utc, span_text, utc_text
from binder.ui.forms.feedback import busy_cursor, message_label, show_message
from binder.ui.forms.witness import WitnessPicker
from binder.ui.screens.guide import ask_author

log = logging.getLogger(__name__)
SignerProvider = Callable[[], SigningSession | None]
CHANNELS = ("Phone", "Email", "Web portal / form", "In person", "Video call", "Letter",
            "Secure messenger")
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN", "CZK", "CAD", "AUD")
CLOCK_REFRESH_MS = 30_000


# ---------------------------------------------------------------- shared pieces


def _line(name: str, placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setAccessibleName(name)
    field.setPlaceholderText(placeholder)
    return field


def _text(name: str, placeholder: str = "", height: int = 70) -> QPlainTextEdit:
    field = QPlainTextEdit()
    field.setAccessibleName(name)
    field.setPlaceholderText(placeholder)
    field.setTabChangesFocus(True)
    field.setMinimumHeight(height)
    return field


class _Table(QTableWidget):
    """A read-only register whose rows grow to fit wrapped text as the columns change."""

    def __init__(self, rows: int, columns: int) -> None:
        super().__init__(rows, columns)
        self.horizontalHeader().sectionResized.connect(lambda *_: self._fit_rows())

    def _fit_rows(self) -> None:
        if self.wordWrap():
            self.resizeRowsToContents()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_rows()


def _table(name: str, columns: tuple[str, ...], *stretch: str, wrap: bool = True) -> QTableWidget:
    table = _Table(0, len(columns))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(list(columns))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(wrap)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    for column in stretch:
        header.setSectionResizeMode(columns.index(column), QHeaderView.ResizeMode.Stretch)
    return table


def _cell(text: str, tooltip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(tooltip or text)
    return item


def _fill(table: QTableWidget, rows: list[list[QTableWidgetItem]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, item in enumerate(row):
            table.setItem(r, c, item)
    if table.wordWrap():
        table.resizeRowsToContents()


def money(amount: Decimal) -> str:
    """``12,000.50``: two decimals unless the figure has more."""
    if amount.as_tuple().exponent >= -2:
        return f"{amount:,.2f}"
    return f"{amount:,f}"


def clock_text(c: clockmod.ClockStatus) -> str:
    """A clock's status in words, with local times for met clocks."""
    if c.status == "met":
        return f"met {local_text(c.met_at, seconds=False)} by {c.met_by}"
    if c.status == "met-late":
        late = (parse_utc(c.met_at) - parse_utc(c.deadline)).total_seconds()
        return f"met late by {span_text(late)} ({local_text(c.met_at, seconds=False)})"
    return c.describe()


def _utc_iso(edit: QDateTimeEdit) -> str:
    # Seconds since the epoch are zone-free, so the local time shown converts exactly.
    moment = datetime.fromtimestamp(edit.dateTime().toSecsSinceEpoch(), UTC)
    return moment.isoformat().replace("+00:00", "Z")


def _when_edit(name: str) -> QDateTimeEdit:
    edit = QDateTimeEdit(QDateTime.currentDateTime())
    edit.setAccessibleName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    edit.setToolTip("Your computer's local time; it is stored in UTC")
    return edit


def _find_workspace_update(widget: QWidget) -> None:
    # The workspace header shows the nearest deadline; let it redraw if it can.
    parent = widget.parent()
    while parent is not None:
        update = getattr(parent, "update_header", None)
        if callable(update):
            update()
            return
        parent = parent.parent()


class SignedDialog(QDialog):
    """A form the signed-in person signs; a witness may co-sign with their own passphrase.

    ``save(author, witness)`` writes the record and returns the entry id; when
    the core refuses, the form stays open with the message and everything typed.
    """

    def __init__(self, parent: QWidget, binder: Binder, author: SigningSession, title: str,
                 intro: str, save: Callable[[SigningSession, SigningSession | None], int], *,
                 witness: bool = True, ok_text: str = "Sign and record") -> None:
        super().__init__(parent)
        self.binder = binder
        self.author = author
        self.save = save
        self.entry_id: int | None = None
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(title, 2))
        if intro:
            layout.addWidget(muted(intro))
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(self.form)

        self.witness_box = WitnessPicker(binder, author)
        # The combo and field stay reachable under their old names (tests, shortcuts).
        self.witness, self.witness_pass = self.witness_box.combo, self.witness_box.passphrase
        self.witness_box.setVisible(witness)

        self.message = message_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.ok_button.setAccessibleName(ok_text)
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        self._tail = (self.witness_box, muted(f"Signed by {author.person}."), self.message, buttons)

    def finish(self) -> None:
        """Put the witness section, message and buttons under the fields."""
        for widget in self._tail:
            self.layout().addWidget(widget)

    def choose_witness(self, person: str, passphrase: str) -> None:
        """Pick a witness and type their passphrase (tests call this too)."""
        self.witness_box.choose(person, passphrase)

    def try_accept(self) -> bool:
        """Open the witness's key, write the record, close; or say what is wrong."""
        ok, witness = self.witness_box.open_session(self.message)
        if not ok:
            return False
        try:
            with busy_cursor():
                self.entry_id = self.save(self.author, witness)
        except BinderError as exc:
            show_message(self.message, f"Not recorded: {exc}")
            return False
        self.witness_pass.clear()
        self.accept()
        return True


class _Pane(QWidget):
    """What the three panes share: state reading, signing in, telling the workspace."""

    entry_added = Signal(int)

    def __init__(self, binder: Binder, incident_id: int, signer_provider: SignerProvider,
                 parent: QWidget | None, name: str) -> None:
        super().__init__(parent)
        self.binder = binder
        self.incident_id = incident_id
        self.signer_provider = signer_provider
        self.state: workflow.IncidentState | None = None
        self.dialog: SignedDialog | None = None  # the form on screen, if any (tests fill it)
        self.setAccessibleName(name)

    def read_state(self) -> workflow.IncidentState | None:
        try:
            self.state = workflow.incident_state(self.binder, self.incident_id)
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="Cannot read the incident")
            return None
        return self.state

    def open_form(self, dialog: SignedDialog) -> SignedDialog:
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.recorded(dialog.entry_id))
        dialog.open()
        return dialog

    def recorded(self, entry_id: int | None) -> None:
        """After a write: redraw and tell the workspace."""
        self.refresh()
        if entry_id is not None:
            self.entry_added.emit(entry_id)
        _find_workspace_update(self)

    def refresh(self) -> None:  # pragma: no cover - every pane overrides it
        raise NotImplementedError


# ---------------------------------------------------------------- decisions & notifications


class DecisionsPane(_Pane):
    """Regulatory clocks, the decisions register and the notifications register."""

    def __init__(self, binder: Binder, incident_id: int, signer_provider: SignerProvider,
                 parent: QWidget | None = None) -> None:
        super().__init__(binder, incident_id, signer_provider, parent, "Decisions and notifications")

        # -- clocks
        clocks_box = QWidget()
        cbox = QVBoxLayout(clocks_box)
        cbox.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(heading("Regulatory clocks", 2))
        self.aware_label = muted("")
        row.addWidget(self.aware_label, 1)
        self.clock_on_button = QPushButton("Switch &on…")
        self.clock_off_button = QPushButton("Switch o&ff…")
        self.clock_add_button = QPushButton("Add &clock…")
        self.aware_button = QPushButton("&Aware since…")
        self.aware_button.setToolTip("Restate the moment of awareness every clock counts from")
        for button, action in ((self.clock_on_button, lambda: self.switch_clock(True)),
                               (self.clock_off_button, lambda: self.switch_clock(False)),
                               (self.clock_add_button, self.add_clock),
                               (self.aware_button, self.set_awareness)):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            button.clicked.connect(action)
            row.addWidget(button)
        cbox.addLayout(row)
        self.clocks = _table("Regulatory clocks", ("Clock", "Deadline", "Status", "Rule and authority"),
                             "Rule and authority", wrap=False)
        self.clocks.itemSelectionChanged.connect(self._clock_selected)
        cbox.addWidget(self.clocks, 1)

        # -- decisions
        dec_box = QWidget()
        dbox = QVBoxLayout(dec_box)
        dbox.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(heading("Decisions", 2), 1)
        self.decide_button = QPushButton("Record &decision…")
        self.decide_button.setAccessibleName("Record decision")
        self.decide_button.clicked.connect(self.new_decision)
        self.notify_decision_button = QPushButton("Notify or &not…")
        self.notify_decision_button.setAccessibleName("Record a decision to notify or not")
        self.notify_decision_button.setToolTip("GDPR Art. 33(5): document the decision either way")
        self.notify_decision_button.clicked.connect(self.new_notify_decision)
        row.addWidget(self.decide_button)
        row.addWidget(self.notify_decision_button)
        dbox.addLayout(row)
        self.decisions = _table("Decisions", ("When", "Decision", "Reasoning", "Approved / by"),
                                "Decision", "Reasoning")
        dbox.addWidget(self.decisions, 1)

        # -- notifications
        not_box = QWidget()
        nbox = QVBoxLayout(not_box)
        nbox.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(heading("Notifications", 2), 1)
        self.notify_button = QPushButton("&Record notification…")
        self.notify_button.setAccessibleName("Record notification")
        self.notify_button.clicked.connect(self.new_notification)
        self.need_button = QPushButton("Need to &know…")
        self.need_button.setAccessibleName("Need-to-know list")
        self.need_button.setToolTip("Who may be told while the incident is not under control")
        self.need_button.clicked.connect(self.edit_need_to_know)
        row.addWidget(self.notify_button)
        row.addWidget(self.need_button)
        nbox.addLayout(row)
        self.notifications = _table("Notifications register",
                                    ("Told at", "Party", "Channel", "Message", "By", "Clock"),
                                    "Party", "Message")
        nbox.addWidget(self.notifications, 1)
        self.need_label = muted("")
        self.need_label.setTextFormat(Qt.TextFormat.PlainText)
        nbox.addWidget(self.need_label)

        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(dec_box)
        bottom.addWidget(not_box)
        bottom.setChildrenCollapsible(False)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(clocks_box)
        self.splitter.addWidget(bottom)
        self.splitter.setSizes([210, 300])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

        # Counts down only while on screen: a hidden pane has nothing to redraw.
        self.timer = QTimer(self)
        self.timer.setInterval(CLOCK_REFRESH_MS)
        self.timer.timeout.connect(self.refresh_clocks)
        self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.timer.start()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.timer.stop()
        super().hideEvent(event)

    # -- reading
    def refresh(self) -> None:
        """Re-read decisions, notifications and clocks."""
        state = self.read_state()
        if state is None:
            return
        self._fill_clocks(state.clocks)
        rows = []
        items = [(d.at, d) for d in state.decisions] + [(d.at, d) for d in state.notify_decisions]
        for _, d in sorted(items, key=lambda x: x[0], reverse=True):
            if isinstance(d, workflow.Decision):
                text = d.decision
                if d.options:
                    text += "\nOptions: " + "; ".join(d.options)
                if d.materiality:
                    text += "\n(materiality decision)"
            else:
                text = ("Will notify " if d.notify else "Will not notify ") + d.party
            by = d.author + (f", witness {', '.join(d.witnesses)}" if d.witnesses else "")
            approved = getattr(d, "approved_by", "")
            rows.append([
                _cell(local_text(d.at, seconds=False), utc_text(d.at)), _cell(text),
                _cell(d.reason), _cell((f"approved by {approved}\n" if approved else "") + by),
            ])
        _fill(self.decisions, rows)
        rows = []
        for n in reversed(state.notifications):
            rows.append([
                _cell(local_text(n.told_at, seconds=False), utc_text(n.told_at)), _cell(n.party),
                _cell(n.channel), _cell(n.message), _cell(n.told_by), _cell(n.clock_key or ""),
            ])
        _fill(self.notifications, rows)
        need = ", ".join(p.name for p in state.need_to_know)
        self.need_label.setText(f"Need to know: {need}" if need else
                                "Need to know: nobody listed yet (tell only people with a role "
                                "in the response)")

    def refresh_clocks(self) -> None:
        """Recount the clocks (the timer calls this every 30 seconds)."""
        try:
            self._fill_clocks(clockmod.incident_clocks(self.binder, self.incident_id))
        except Exception as exc:  # noqa: BLE001 - a timer tick must never take the app down
            log.info("clocks not refreshed: %s", exc)

    def _fill_clocks(self, statuses) -> None:
        self.clock_statuses = list(statuses)
        selected = self.selected_clock()
        rows = []
        for c in self.clock_statuses:
            status = _cell(clock_text(c), c.reason or clock_text(c))
            if c.colour == "grey":
                status.setForeground(QBrush(self.palette().placeholderText().color()))
            else:
                bg, fg = CHIP_COLOURS[c.colour]
                status.setBackground(QBrush(QColor(bg)))
                status.setForeground(QBrush(QColor(fg)))
            name = _cell(c.name, f"{c.name} ({c.key})" + (f"\n{c.note}" if c.note else ""))
            name.setData(Qt.ItemDataRole.UserRole, c.key)
            if c.deadline and c.status != "off":
                deadline = _cell(local_text(c.deadline, seconds=False), utc_text(c.deadline))
            elif c.deadline:
                deadline = _cell("—", f"Would be due {utc_text(c.deadline)} if switched on")
            else:
                deadline = _cell("—", "Not started")
            rule = c.due_text + (f" · {c.authority}" if c.authority else "")
            rows.append([name, deadline, status, _cell(rule, c.note or rule)])
        _fill(self.clocks, rows)
        if self.state is not None:
            self.aware_label.setText(f"counting from detection {local_text(self.state.incident.detected_at, seconds=False)}"
                                     " unless restated")
        if selected:
            self.select_clock(selected)
        self._clock_selected()

    def selected_clock(self) -> str | None:
        """The key of the selected clock."""
        row = self.clocks.currentRow()
        item = self.clocks.item(row, 0) if row >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def select_clock(self, key: str) -> None:
        """Select a clock row by key."""
        for row in range(self.clocks.rowCount()):
            if self.clocks.item(row, 0).data(Qt.ItemDataRole.UserRole) == key:
                self.clocks.selectRow(row)
                return

    def _clock_selected(self) -> None:
        key = self.selected_clock()
        status = next((c for c in getattr(self, "clock_statuses", []) if c.key == key), None)
        self.clock_on_button.setEnabled(status is not None and status.status == "off")
        self.clock_off_button.setEnabled(status is not None and status.status != "off")

    # -- writing
    def _author(self, what: str) -> SigningSession | None:
        return ask_author(self, self.signer_provider, what)

    def new_decision(self) -> SignedDialog | None:
        """Open the decision form."""
        author = self._author("A decision")
        if author is None:
            return None
        decision = _line("Decision", "e.g. Take the store offline until the skimmer is removed")
        options = _text("Options weighed", "One option per line, e.g.\nTake the store offline\n"
                        "Stay up with the admin restricted", 60)
        reason = _text("Reasoning", "Why this option: costs, SLA and contract duties, risk", 70)
        approved = _line("Approved by", "Who approved it (name and role)")
        material = QCheckBox("This decision finds the incident material (starts SEC 8-K clocks)")
        material.setAccessibleName("Materiality decision")

        def save(who, witness):
            return workflow.record_decision(
                self.binder, self.incident_id, who, decision=decision.text(),
                reason=reason.toPlainText(), approved_by=approved.text(), witness=witness,
                options=[o.strip() for o in options.toPlainText().splitlines() if o.strip()],
                materiality=material.isChecked())

        dialog = SignedDialog(self, self.binder, author, "Record a decision",
                              "What was decided, the options weighed and why. Signed now; "
                              "a witness may co-sign.", save)
        dialog.form.addRow("&Decision:", decision)
        dialog.form.addRow("&Options:", options)
        dialog.form.addRow("&Reasoning:", reason)
        dialog.form.addRow("Approved &by:", approved)
        dialog.form.addRow("", material)
        dialog.fields = {"decision": decision, "options": options, "reason": reason,
                         "approved_by": approved, "materiality": material}
        dialog.finish()
        return self.open_form(dialog)

    def _clock_combo(self, running_only: bool = False) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName("Clock")
        combo.addItem("No clock", None)
        for c in getattr(self, "clock_statuses", []):
            if c.status == "off" or (running_only and not c.running):
                continue
            combo.addItem(f"{c.name} — {clock_text(c)}", c.key)
        return combo

    def _party_combo(self) -> QComboBox:
        combo = QComboBox()
        combo.setEditable(True)
        combo.setAccessibleName("Party")
        combo.addItems([label for _, label in workflow.KNOWN_PARTIES])
        combo.setCurrentIndex(-1)
        combo.lineEdit().setPlaceholderText("Who: choose or type a name")
        return combo

    def new_notification(self) -> SignedDialog | None:
        """Open the form recording who was told what."""
        author = self._author("A notification")
        if author is None:
            return None
        party = self._party_combo()
        channel = QComboBox()
        channel.setEditable(True)
        channel.setAccessibleName("Channel")
        channel.addItems(CHANNELS)
        message = _text("Message", "What was said or sent (the gist, reference numbers)", 80)
        told_at = _when_edit("Told at")
        clock = self._clock_combo()

        def save(who, _witness):
            return workflow.record_notification(
                self.binder, self.incident_id, who, party=party.currentText(),
                channel=channel.currentText(), message=message.toPlainText(),
                told_at=_utc_iso(told_at), clock_key=clock.currentData())

        dialog = SignedDialog(self, self.binder, author, "Record a notification",
                              f"Who was told, how and what. {author.person} is recorded as "
                              "the one who told them. Choose the clock this meets, if any.",
                              save, witness=False)
        dialog.form.addRow("&Party:", party)
        dialog.form.addRow("&Channel:", channel)
        dialog.form.addRow("&Message:", message)
        dialog.form.addRow("&Told at:", told_at)
        dialog.form.addRow("C&lock met:", clock)
        dialog.fields = {"party": party, "channel": channel, "message": message,
                         "told_at": told_at, "clock": clock}
        dialog.finish()
        return self.open_form(dialog)

    def new_notify_decision(self) -> SignedDialog | None:
        """Open the form recording a decision to notify a party or not."""
        author = self._author("A decision to notify or not")
        if author is None:
            return None
        party = self._party_combo()
        yes = QRadioButton("&Notify them")
        no = QRadioButton("Do &not notify them")
        yes.setChecked(True)
        choice = QWidget()
        crow = QHBoxLayout(choice)
        crow.setContentsMargins(0, 0, 0, 0)
        crow.addWidget(yes)
        crow.addWidget(no)
        crow.addStretch()
        reason = _text("Reasoning", "e.g. only hashed passwords of test accounts were exposed; "
                       "no risk to people's rights and freedoms", 80)
        clock = self._clock_combo()

        def save(who, witness):
            return workflow.record_notify_decision(
                self.binder, self.incident_id, who, party=party.currentText(),
                notify=yes.isChecked(), reason=reason.toPlainText(),
                clock_key=clock.currentData(), witness=witness)

        dialog = SignedDialog(self, self.binder, author, "Notify or not",
                              "Every breach is documented, including the decision not to notify "
                              "(GDPR Art. 33(5)). A decision not to notify settles the chosen "
                              "clock as “not needed” until it is reversed.", save)
        dialog.form.addRow("&Party:", party)
        dialog.form.addRow("Decision:", choice)
        dialog.form.addRow("&Reasoning:", reason)
        dialog.form.addRow("C&lock:", clock)
        dialog.fields = {"party": party, "notify": yes, "dont": no, "reason": reason,
                         "clock": clock}
        dialog.finish()
        return self.open_form(dialog)

    def edit_need_to_know(self) -> SignedDialog | None:
        """Add a person to, or take them off, the need-to-know list."""
        author = self._author("A need-to-know change")
        if author is None:
            return None
        name = QComboBox()
        name.setEditable(True)
        name.setAccessibleName("Name")
        name.addItems([p.name for p in (self.state.need_to_know if self.state else ())])
        name.setCurrentIndex(-1)
        remove = QCheckBox("Take this person off the list")
        remove.setAccessibleName("Take off the list")
        reason = _line("Why they need to know")

        def save(who, _witness):
            return workflow.set_need_to_know(self.binder, self.incident_id, who,
                                             name.currentText(), allowed=not remove.isChecked(),
                                             reason=reason.text())

        dialog = SignedDialog(self, self.binder, author, "Need to know",
                              "Until the incident is under control, tell only people with a "
                              "role in the response. Remember the attacker may be an insider.",
                              save, witness=False)
        dialog.form.addRow("&Name:", name)
        dialog.form.addRow("&Why:", reason)
        dialog.form.addRow("", remove)
        dialog.fields = {"name": name, "reason": reason, "remove": remove}
        dialog.finish()
        return self.open_form(dialog)

    def switch_clock(self, on: bool) -> SignedDialog | None:
        """Switch the selected clock on or off for this incident, saying why."""
        key = self.selected_clock()
        if key is None:
            dialogs.info(self, "Choose a clock", "Select a clock in the list first.")
            return None
        author = self._author("Switching a clock")
        if author is None:
            return None
        reason = _line("Reason", "Why it applies" if on else "Why it does not apply")

        def save(who, _witness):
            if not on and not reason.text().strip():
                raise BadInput("say why the clock does not apply to this incident")
            return clockmod.set_clock_enabled(self.binder, self.incident_id, who, key, on,
                                              reason.text())

        name = next(c.name for c in self.clock_statuses if c.key == key)
        dialog = SignedDialog(self, self.binder, author,
                              f"Switch {'on' if on else 'off'}: {name}", "", save, witness=False)
        dialog.form.addRow("&Reason:", reason)
        dialog.fields = {"reason": reason}
        dialog.finish()
        return self.open_form(dialog)

    def add_clock(self) -> SignedDialog | None:
        """Add a custom clock, e.g. from a contract."""
        author = self._author("Adding a clock")
        if author is None:
            return None
        key = _line("Key", "e.g. acquirer_contract")
        name = _line("Name", "e.g. Tell the acquirer (merchant agreement 7.2)")
        authority = _line("Authority", "Who must be told")
        due = QSpinBox()
        due.setRange(0, clockmod.MAX_DUE)
        due.setValue(24)
        due.setAccessibleName("Due")
        unit = QComboBox()
        unit.setAccessibleName("Unit")
        for value, label in (("hours", "hours"), ("days", "calendar days"),
                             ("business_days", "business days (Mon–Fri)")):
            unit.addItem(label, value)
        starts = QComboBox()
        starts.setAccessibleName("Starts at")
        starts.addItem("the moment of awareness", "awareness")
        starts.addItem("the materiality decision", "materiality_decision")
        note = _line("Note", "Where the deadline comes from")
        due_row = QWidget()
        drow = QHBoxLayout(due_row)
        drow.setContentsMargins(0, 0, 0, 0)
        drow.addWidget(due)
        drow.addWidget(unit, 1)

        def save(who, _witness):
            return clockmod.add_clock(self.binder, self.incident_id, who, key=key.text(),
                                      name=name.text(), due=due.value(), unit=unit.currentData(),
                                      starts=starts.currentData(), authority=authority.text(),
                                      note=note.text())

        dialog = SignedDialog(self, self.binder, author, "Add a clock",
                              "A deadline from a contract or another rule, for this incident.",
                              save, witness=False)
        for label, widget in (("&Key:", key), ("&Name:", name), ("&Authority:", authority),
                              ("&Due:", due_row), ("&Starts at:", starts), ("N&ote:", note)):
            dialog.form.addRow(label, widget)
        dialog.fields = {"key": key, "name": name, "authority": authority, "due": due,
                         "unit": unit, "starts": starts, "note": note}
        dialog.finish()
        return self.open_form(dialog)

    def set_awareness(self) -> SignedDialog | None:
        """Restate the moment of awareness."""
        author = self._author("Restating the moment of awareness")
        if author is None:
            return None
        when = _when_edit("Aware since")
        reason = _line("Reason", "e.g. the alert was only read the next morning")

        def save(who, _witness):
            return clockmod.set_awareness(self.binder, self.incident_id, who, _utc_iso(when),
                                          reason.text())

        dialog = SignedDialog(self, self.binder, author, "Aware since",
                              "Awareness clocks (GDPR Art. 33 and others) count from the moment "
                              "the organisation became reasonably certain of the breach.",
                              save, witness=False)
        dialog.form.addRow("&Aware since:", when)
        dialog.form.addRow("&Reason:", reason)
        dialog.fields = {"when": when, "reason": reason}
        dialog.finish()
        return self.open_form(dialog)


# ---------------------------------------------------------------- impact


class ImpactPane(_Pane):
    """Financial impact lines, totals per currency, and an inline form to add one."""

    def __init__(self, binder: Binder, incident_id: int, signer_provider: SignerProvider,
                 parent: QWidget | None = None) -> None:
        super().__init__(binder, incident_id, signer_provider, parent, "Financial impact")
        top = QHBoxLayout()
        top.addWidget(heading("Financial impact", 2), 1)
        self.totals = QLabel("")
        self.totals.setAccessibleName("Totals")
        self.totals.setTextFormat(Qt.TextFormat.PlainText)
        font = self.totals.font()
        font.setBold(True)
        self.totals.setFont(font)
        top.addWidget(self.totals)
        self.table = _table("Impact lines", ("When", "Category", "Amount", "Note", "By"), "Note")

        form_box = QGroupBox("Add a line")
        form = QHBoxLayout(form_box)
        self.category = QComboBox()
        self.category.setEditable(True)
        self.category.setAccessibleName("Category")
        self.category.addItems(workflow.IMPACT_CATEGORIES)
        self.category.setMinimumWidth(230)
        self.amount = _line("Amount", "e.g. 12500.00")
        self.amount.setMaximumWidth(150)
        self.currency = QComboBox()
        self.currency.setEditable(True)
        self.currency.setAccessibleName("Currency")
        self.currency.addItems(CURRENCIES)
        self.currency.setMaximumWidth(90)
        self.note = _line("Note", "Where the figure comes from (quote, invoice, estimate)")
        self.add_button = QPushButton("&Add line")
        self.add_button.setAccessibleName("Add impact line")
        self.add_button.clicked.connect(self.add_line)
        self.amount.returnPressed.connect(self.add_line)
        self.note.returnPressed.connect(self.add_line)
        for label, widget, stretch in (("&Category", self.category, 0), ("A&mount", self.amount, 0),
                                       ("C&urrency", self.currency, 0), ("&Note", self.note, 1)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            form.addWidget(caption)
            form.addWidget(widget, stretch)
        form.addWidget(self.add_button)
        self.message = message_label()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(muted("Management determines the total impact; record each figure "
                               "with its source. A negative amount corrects an earlier line."))
        layout.addWidget(self.table, 1)
        layout.addWidget(form_box)
        layout.addWidget(self.message)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the impact lines."""
        state = self.read_state()
        if state is None:
            return
        rows = []
        for line in state.impact:
            amount = _cell(f"{money(line.amount)} {line.currency}")
            amount.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            rows.append([_cell(local_text(line.at, seconds=False), utc_text(line.at)),
                         _cell(line.category), amount, _cell(line.note), _cell(line.author)])
        _fill(self.table, rows)
        totals = state.impact_totals
        self.totals.setText("Total: " + " · ".join(f"{money(v)} {k}" for k, v in sorted(totals.items()))
                            if totals else "No figures yet")

    def add_line(self) -> int | None:
        """Sign and record the line in the form; the form clears when it is recorded."""
        author = ask_author(self, self.signer_provider, "A financial impact line")
        if author is None:
            return None
        try:
            entry_id = workflow.add_impact(self.binder, self.incident_id, author,
                                           self.category.currentText(), self.amount.text(),
                                           self.currency.currentText(), self.note.text())
        except BinderError as exc:
            show_message(self.message, f"Not recorded: {exc}")
            return None
        show_message(self.message, "")
        self.amount.clear()
        self.note.clear()
        self.recorded(entry_id)
        return entry_id


# ---------------------------------------------------------------- review


CHANGE_LABELS = (
    ("checklist", "Add a checklist item"),
    ("guidance", "Add to a phase's guidance"),
    ("raci", "Change a RACI cell"),
    ("note", "Other change (in words)"),
)


class ReviewPane(_Pane):
    """Lessons learned, proposed plan changes, accepting them, closing the incident."""

    def __init__(self, binder: Binder, incident_id: int, signer_provider: SignerProvider,
                 parent: QWidget | None = None) -> None:
        super().__init__(binder, incident_id, signer_provider, parent, "Review")
        self.changes: list[workflow.PlanChange] = []
        self.plan = workflow.incident_plan(binder, get_incident(binder, incident_id))

        # -- new review (left)
        left = QWidget()
        lbox = QVBoxLayout(left)
        lbox.setContentsMargins(0, 0, 0, 0)
        lbox.addWidget(heading("Lessons learned", 2))
        self.lessons = _text("Lessons learned", "What worked, what was slow, what was missing "
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
        self.change_text = _line("Change text", "The new item, paragraph or change in words")
        self.change_text.returnPressed.connect(self.add_change)
        raci_row = QWidget()
        rrow = QHBoxLayout(raci_row)
        rrow.setContentsMargins(0, 0, 0, 0)
        for w in (self.change_activity, self.change_role, self.change_value):
            rrow.addWidget(w, 1)
        self.add_change_button = QPushButton("Add to &proposal")
        self.add_change_button.setAccessibleName("Add change to proposal")
        self.add_change_button.clicked.connect(self.add_change)
        cgrid.addRow("&Kind:", self.change_kind)
        cgrid.addRow("P&hase:", self.change_phase)
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
            change = workflow.PlanChange(kind="raci", activity=self.change_activity.currentData(),
                                         role=self.change_role.currentData(),
                                         value=self.change_value.currentText())
        else:
            change = workflow.PlanChange(kind=kind, text=self.change_text.text().strip(),
                                         phase=self.change_phase.currentData()
                                         if kind in ("checklist", "guidance") else "")
        try:
            workflow.check_change(self.plan, change)
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
            entry_id = workflow.add_review(self.binder, self.incident_id, author,
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
        for review in reversed(state.reviews):
            done = (f"accepted as plan revision {review.accepted_revision}"
                    if review.accepted_revision else "not accepted yet")
            first = " ".join(review.lessons.split())[:90]
            item = QListWidgetItem(f"{local_text(review.at, seconds=False)} · {review.author} · "
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
            self.status.setText(f"Closed {local_text(state.closed_at, seconds=False)} by {state.closed_by}")
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

    def _selected_review(self) -> workflow.Review | None:
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
        lines = [f"Lessons learned ({review.author}, {local_text(review.at, seconds=False)}):",
                 review.lessons, "", "Proposed plan changes:"]
        lines += [f"  • {c.describe(self.plan)}" for c in review.changes] or ["  (none)"]
        if review.accepted_revision:
            lines += ["", f"Accepted by {review.accepted_by} as plan revision "
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
                revision = workflow.accept_review(self.binder, self.incident_id, author,
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
        text = _text("Summary" if closing else "Reason",
                     "How it ended: contained, root cause removed, what is still watched"
                     if closing else "Why the incident is reopened", 80)

        def save(who, witness):
            if closing:
                return workflow.close_incident(self.binder, self.incident_id, who,
                                               text.toPlainText(), witness=witness)
            return workflow.reopen_incident(self.binder, self.incident_id, who,
                                            text.toPlainText())

        dialog = SignedDialog(self, self.binder, author,
                              "Close the incident" if closing else "Reopen the incident",
                              "Reviews and impact lines can still be added after closing."
                              if closing else "", save, witness=closing)
        dialog.form.addRow("&Summary:" if closing else "&Reason:", text)
        dialog.fields = {"text": text}
        dialog.finish()
        return self.open_form(dialog)
