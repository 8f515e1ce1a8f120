"""The decisions pane: regulatory clocks, the decisions register and the notifications register.

Each record is a signed form (:class:`~binder.ui.forms.signed.SignedDialog`);
the core (:mod:`binder.core.incident.workflow`, :mod:`binder.core.incident.clocks`)
writes one journal entry, and the pane re-reads its state from the journal.

Clocks are shown as countdowns coloured green, amber and red (met, missed,
met late in words beside the colour, never colour alone), refreshed every
30 seconds.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto.signers import SigningSession, name_for_login, names_by_login
from binder.core.errors import BadInput, BinderError
from binder.core.incident import clocks as clockmod
from binder.core.incident import notifications, workflow
from binder.core.storage.database import Binder
from binder.ui import dialogs
from binder.ui.app import local_text, parse_utc, span_text, utc_text
from binder.ui.forms.fields import event_field, event_value, line_field, text_field
from binder.ui.forms.signed import SignedDialog, SignerProvider, ask_author
from binder.ui.screens.incident_pane import IncidentPane
from binder.ui.style import CHIP_COLOURS, heading, muted
from binder.ui.tables import cell, fill_rows, register_table

log = logging.getLogger(__name__)
CHANNELS = ("Phone", "Email", "Web portal / form", "In person", "Video call", "Letter",
            "Secure messenger")
CLOCK_REFRESH_MS = 30_000


#: Words in a clock's authority that a party answers (the party's key in KNOWN_PARTIES).
PARTY_CLOCK_WORDS = {
    "acquirer": ("acquirer", "payment provider"),
    "card_brands": ("visa", "mastercard", "card brand", "american express", "discover"),
    "dpa": ("supervisory", "data protection authority"),
    "customers": ("data subjects", "customers"),
    "law_enforcement": ("law enforcement", "police"),
    "insurer": ("insurer",),
}


def preselect_clock(combo: QComboBox, party: str, statuses) -> None:
    """Select the nearest running clock the ``party`` answers (left alone when none does)."""
    key = next((k for k, label in notifications.KNOWN_PARTIES if label == party), None)
    words = PARTY_CLOCK_WORDS.get(key or "", ())
    if not words:
        return
    running = [c for c in statuses if c.running and c.status != "off"
               and any(w in f"{c.authority} {c.name}".casefold() for w in words)]
    running.sort(key=lambda c: c.seconds_left if c.seconds_left is not None else float("inf"))
    for c in running:
        index = combo.findData(c.key)
        if index >= 0:
            combo.setCurrentIndex(index)
            return


def notice_title(form_key: str) -> str:
    """The title of a regulator form (empty when none or unknown)."""
    from binder.core.incident import notices

    form = notices.FORMS.get(form_key or "")
    return f"{form.title} (submitted form)" if form else ""


def clock_text(c: clockmod.ClockStatus) -> str:
    """A clock's verdict in words (from the one core verdict), with local times on screen."""
    what = "decided" if c.answer == "decision" else "met"
    if c.status == "met":
        return f"{what} {local_text(c.met_at, seconds=False)}" + (f" by {c.met_by}" if c.met_by else "")
    if c.status == "late":
        late = (parse_utc(c.met_at) - parse_utc(c.deadline)).total_seconds()
        return f"LATE: {what} {span_text(late)} after the deadline ({local_text(c.met_at, seconds=False)})"
    return c.describe()


class DecisionsPane(IncidentPane):
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
        self.clock_on_button = QPushButton("S&witch on…")
        self.clock_off_button = QPushButton("Switch &off…")
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
        self.clocks = register_table("Regulatory clocks", ("Clock", "Deadline", "Status", "Rule and authority"),
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
        self.decisions = register_table("Decisions", ("When", "Decision", "Reasoning", "Approved / by"),
                                "Decision", "Reasoning")
        # Who approved wraps in a narrow column: the decision and its reasons get the width.
        approved_column = self.decisions.horizontalHeader()
        approved_column.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        approved_column.resizeSection(3, 150)
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
        self.form_button = QPushButton("Reg&ulator form…")
        self.form_button.setAccessibleName("Regulator form")
        self.form_button.setToolTip("GDPR, NIS2, card brand or SEC notification prefilled from "
                                    "the journal: read it out, save it as PDF, record it as sent")
        self.form_button.clicked.connect(self.open_notice)
        row.addWidget(self.form_button)
        row.addWidget(self.notify_button)
        row.addWidget(self.need_button)
        nbox.addLayout(row)
        self.notifications = register_table("Notifications register",
                                    ("Told at", "Party", "Channel", "Message", "By", "Verdict"),
                                    "Party", "Message")
        # A long verdict ("...: LATE — reasons") wraps in its column rather than squeezing the
        # party and the message to nothing at 1366x768.
        verdict_column = self.notifications.horizontalHeader()
        verdict_column.setSectionResizeMode(5, QHeaderView.ResizeMode.Interactive)
        verdict_column.resizeSection(5, 190)
        nbox.addWidget(self.notifications, 1)
        self.need_label = muted("")
        self.need_label.setTextFormat(Qt.TextFormat.PlainText)
        nbox.addWidget(self.need_label)

        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(dec_box)
        bottom.addWidget(not_box)
        bottom.setChildrenCollapsible(False)
        # Both sides carry long text (options and reasons; party, message and verdict): the
        # notifications have more columns, so they get a little more of a 1366-px screen.
        bottom.setStretchFactor(0, 9)
        bottom.setStretchFactor(1, 10)
        bottom.setSizes([540, 600])
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
        names = names_by_login(self.binder)  # people as their certificates name them
        rows = []
        items = [(d.at, d) for d in state.decisions] + [(d.at, d) for d in state.notify_decisions]
        for _, d in sorted(items, key=lambda x: parse_utc(x[0]), reverse=True):
            if isinstance(d, workflow.Decision):
                text = d.decision
                if d.options:
                    text += "\nOptions: " + "; ".join(d.options)
                if d.materiality:
                    text += "\n(materiality decision)"
            else:
                text = ("Will notify " if d.notify else "Will not notify ") + d.party
            witnesses = ", ".join(name_for_login(names, w) for w in d.witnesses)
            by = name_for_login(names, d.author) + (f", witness {witnesses}" if witnesses else "")
            approved = getattr(d, "approved_by", "")
            rows.append([
                cell(local_text(d.at, seconds=None), utc_text(d.at)), cell(text),
                cell(d.reason), cell((f"approved by {approved}\n" if approved else "") + by),
            ])
        fill_rows(self.decisions, rows)
        rows = []
        clock_names = {c.key: c.name for c in state.clocks}
        for n in reversed(state.notifications):
            answered = state.notification_verdict(n.entry_id)
            if answered is not None:
                verdict = f"{answered.name}: {answered.label}"
                if answered.status == "late":
                    verdict += f" — {answered.reason or 'no reason for the delay stated'}"
            elif n.clock_key:
                verdict = f"{clock_names.get(n.clock_key, n.clock_key)}: follow-up"
            else:
                verdict = ""
            message = notice_title(n.form) or n.message
            if n.reference:
                message += f"\nref. {n.reference}"
            rows.append([
                cell(local_text(n.told_at, seconds=None), utc_text(n.told_at)), cell(n.party),
                cell(n.channel), cell(message, n.message), cell(name_for_login(names, n.told_by)),
                cell(verdict),
            ])
        fill_rows(self.notifications, rows)
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
            status = cell(clock_text(c), c.reason or clock_text(c))
            if c.colour == "grey":
                status.setForeground(QBrush(self.palette().placeholderText().color()))
            else:
                bg, fg = CHIP_COLOURS[c.colour]
                status.setBackground(QBrush(QColor(bg)))
                status.setForeground(QBrush(QColor(fg)))
            name = cell(c.name, f"{c.name} ({c.key})" + (f"\n{c.note}" if c.note else ""))
            name.setData(Qt.ItemDataRole.UserRole, c.key)
            if c.deadline and c.status != "off":
                deadline = cell(local_text(c.deadline, seconds=False), utc_text(c.deadline))
            elif c.deadline:
                deadline = cell("—", f"Would be due {utc_text(c.deadline)} if switched on")
            else:
                deadline = cell("—", "Not started")
            rule = c.due_text + (f" · {c.authority}" if c.authority else "")
            rows.append([name, deadline, status, cell(rule, c.note or rule)])
        fill_rows(self.clocks, rows)
        if self.state is not None:
            aware = self.state.aware_at or self.state.incident.detected_at
            how = ("aware since" if aware != self.state.incident.detected_at
                   else "counting from detection")
            self.aware_label.setText(f"{how} {local_text(aware, seconds=None)}")
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
        decision = line_field("Decision", "e.g. Take the store offline until the skimmer is removed")
        options = text_field("Options weighed", "One option per line, e.g.\nTake the store offline\n"
                        "Stay up with the admin restricted", 60)
        reason = text_field("Reasoning", "Why this option: costs, SLA and contract duties, risk", 70)
        approved = line_field("Approved by", "Who approved it (name and role)")
        material = QCheckBox("This decision finds the incident material (starts SEC 8-K clocks)")
        material.setAccessibleName("Materiality decision")
        when = event_field("When it was decided")

        def save(who, witness):
            return workflow.record_decision(
                self.binder, self.incident_id, who, decision=decision.text(),
                reason=reason.toPlainText(), approved_by=approved.text(), witness=witness,
                options=[o.strip() for o in options.toPlainText().splitlines() if o.strip()],
                materiality=material.isChecked(), occurred_at=event_value(when, "decision time"))

        dialog = SignedDialog(self, self.binder, author, "Record a decision",
                              "What was decided, the options weighed and why. Signed now; "
                              "a witness may co-sign.", save)
        dialog.form.addRow("&Decision:", decision)
        dialog.form.addRow("&Options:", options)
        dialog.form.addRow("&Reasoning:", reason)
        dialog.form.addRow("Approved &by:", approved)
        dialog.form.addRow("&When:", when)
        dialog.form.addRow("", material)
        dialog.fields = {"decision": decision, "options": options, "reason": reason,
                         "approved_by": approved, "materiality": material, "when": when}
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
        """Who may be told: the usual outside parties, then the roster's external contacts and
        its people (names as the roster spells them); anything else can be typed."""
        combo = QComboBox()
        combo.setEditable(True)
        combo.setAccessibleName("Party")
        combo.addItems([label for _, label in notifications.KNOWN_PARTIES])
        try:
            from binder.core import roster

            contacts = roster.list_contacts(self.binder)
        except BinderError:  # locked, or the roster cannot be read: the usual parties only
            contacts = []
        external = sorted((c for c in contacts if c.external), key=lambda c: c.name.casefold())
        people = sorted((c for c in contacts if not c.external), key=lambda c: c.name.casefold())
        if external or people:
            combo.insertSeparator(combo.count())
        for c in (*external, *people):
            combo.addItem(c.name, c.name)
            combo.setItemData(combo.count() - 1, (f"{c.name}: {c.role}"
                                                  + (" (external)" if c.external else "")),
                              Qt.ItemDataRole.ToolTipRole)
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
        message = text_field("Message", "What was said or sent (the gist)", 80)
        told_at = event_field("Told at")
        reference = line_field("Reference number", "The number the authority gave it, if any")
        delay = text_field("Reasons for a delay",
                           "Only when telling them after the clock's deadline (GDPR Art. 33(1))", 50)
        clock = self._clock_combo()
        # Choosing the acquirer on a card incident picks its clock (the nearest running one).
        party.currentTextChanged.connect(lambda text: preselect_clock(clock, text,
                                                                      self.clock_statuses_now()))

        def save(who, _witness):
            return notifications.record_notification(
                self.binder, self.incident_id, who, party=party.currentText(),
                channel=channel.currentText(), message=message.toPlainText(),
                told_at=event_value(told_at, "told-at time"), clock_key=clock.currentData(),
                reference=reference.text(), delay_reason=delay.toPlainText())

        dialog = SignedDialog(self, self.binder, author, "Record a notification",
                              f"Who was told, how and what. {author.identity.name} is recorded as "
                              "the one who told them. Choose the clock this meets, if any.",
                              save, witness=False)
        dialog.form.addRow("&Party:", party)
        dialog.form.addRow("&Channel:", channel)
        dialog.form.addRow("&Message:", message)
        dialog.form.addRow("&Told at:", told_at)
        dialog.form.addRow("C&lock answered:", clock)
        dialog.form.addRow("Re&ference:", reference)
        dialog.form.addRow("Reasons for &delay:", delay)
        dialog.fields = {"party": party, "channel": channel, "message": message,
                         "told_at": told_at, "clock": clock, "reference": reference,
                         "delay": delay}
        dialog.finish()
        return self.open_form(dialog)

    def clock_statuses_now(self) -> list:
        """The clocks as last drawn (running ones first by deadline)."""
        return list(getattr(self, "clock_statuses", []))

    def open_notice(self, form_key: str | None = None):
        """Open the regulator form of the most urgent clock (or ``form_key``)."""
        from binder.ui.screens.notice_form import NoticeDialog, default_form

        key = form_key or default_form(getattr(self, "clock_statuses", []))
        dialog = NoticeDialog(self, self.binder, self.incident_id, self.signer_provider, key)
        dialog.recorded.connect(self.recorded)
        self.notice_dialog = dialog
        dialog.open()
        return dialog

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
        reason = text_field("Reasoning", "e.g. only hashed passwords of test accounts were exposed; "
                       "no risk to people's rights and freedoms", 80)
        clock = self._clock_combo()
        when = event_field("When it was decided")

        def save(who, witness):
            return notifications.record_notify_decision(
                self.binder, self.incident_id, who, party=party.currentText(),
                notify=yes.isChecked(), reason=reason.toPlainText(),
                clock_key=clock.currentData(), witness=witness,
                occurred_at=event_value(when, "decision time"))

        dialog = SignedDialog(self, self.binder, author, "Notify or not",
                              "Every breach is documented, including the decision not to notify "
                              "(GDPR Art. 33(5)). A decision not to notify switches the chosen "
                              "clock off as not needed until it is reversed; for the GDPR "
                              "Art. 34 clock the decision itself is the answer.", save)
        dialog.form.addRow("&Party:", party)
        dialog.form.addRow("Decision:", choice)
        dialog.form.addRow("&Reasoning:", reason)
        dialog.form.addRow("C&lock:", clock)
        dialog.form.addRow("&When:", when)
        dialog.fields = {"party": party, "notify": yes, "dont": no, "reason": reason,
                         "clock": clock, "when": when}
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
        reason = line_field("Why they need to know")
        when = event_field()

        def save(who, _witness):
            return notifications.set_need_to_know(self.binder, self.incident_id, who,
                                             name.currentText(), allowed=not remove.isChecked(),
                                             reason=reason.text(),
                                             occurred_at=event_value(when, "time"))

        dialog = SignedDialog(self, self.binder, author, "Need to know",
                              "Until the incident is under control, tell only people with a "
                              "role in the response. Remember the attacker may be an insider.",
                              save, witness=False)
        dialog.form.addRow("&Name:", name)
        dialog.form.addRow("&Why:", reason)
        dialog.form.addRow("W&hen:", when)
        dialog.form.addRow("", remove)
        dialog.fields = {"name": name, "reason": reason, "remove": remove, "when": when}
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
        reason = line_field("Reason", "Why it applies" if on else "Why it does not apply")
        when = event_field("When it was decided")

        def save(who, _witness):
            if not on and not reason.text().strip():
                raise BadInput("say why the clock does not apply to this incident")
            return clockmod.set_clock_enabled(self.binder, self.incident_id, who, key, on,
                                              reason.text(),
                                              occurred_at=event_value(when, "time"))

        name = next(c.name for c in self.clock_statuses if c.key == key)
        dialog = SignedDialog(self, self.binder, author,
                              f"Switch {'on' if on else 'off'}: {name}", "", save, witness=False)
        dialog.form.addRow("&Reason:", reason)
        dialog.form.addRow("&When:", when)
        dialog.fields = {"reason": reason, "when": when}
        dialog.finish()
        return self.open_form(dialog)

    def add_clock(self) -> SignedDialog | None:
        """Add a custom clock, e.g. from a contract."""
        author = self._author("Adding a clock")
        if author is None:
            return None
        key = line_field("Key", "e.g. acquirer_contract")
        name = line_field("Name", "e.g. Tell the acquirer (merchant agreement 7.2)")
        authority = line_field("Authority", "Who must be told")
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
        note = line_field("Note", "Where the deadline comes from")
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
        when = event_field("Aware since")
        when.setPlaceholderText("e.g. 2026-11-29 10:30 (local time) or 2026-11-29T10:30+01:00")
        reason = line_field("Reason", "e.g. the alert was only read the next morning")

        def save(who, witness):
            at = event_value(when, "awareness time")
            if at is None:
                raise BadInput("give the moment of awareness")
            return clockmod.set_awareness(self.binder, self.incident_id, who, at,
                                          reason.text(), witness=witness)

        dialog = SignedDialog(self, self.binder, author, "Aware since",
                              "A signed decision: awareness clocks (GDPR Art. 33, NIS2 and "
                              "others) count from the moment the organisation became reasonably "
                              "certain of the incident.", save)
        dialog.form.addRow("&Aware since:", when)
        dialog.form.addRow("&Reason:", reason)
        dialog.fields = {"when": when, "reason": reason}
        dialog.finish()
        return self.open_form(dialog)


# ---------------------------------------------------------------- impact
