"""The financial impact pane: signed impact lines, totals per currency, an inline form."""

from __future__ import annotations

import re

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto.signers import name_for_login, names_by_login
from binder.core.errors import BinderError
from binder.core.formatting import amount_text
from binder.core.incident import impact
from binder.core.storage.database import Binder
from binder.ui.app import local_text, utc_text
from binder.ui.forms.feedback import message_label, show_message
from binder.ui.forms.fields import event_field, event_value, line_field
from binder.ui.forms.signed import SignerProvider, ask_author
from binder.ui.screens.incident_pane import IncidentPane
from binder.ui.style import bold, heading, muted
from binder.ui.tables import cell, fill_rows, register_table

CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN", "CZK", "CAD", "AUD")


def locale_amount(text: str, locale: QLocale | None = None) -> str:
    """An amount as typed in the user's locale ("12,500", "12.500,50", "12 500") in the plain
    notation the core reads ("12500", "12500.50"). Only well-formed thousands groups are taken
    as grouping, so "12500.00" typed anywhere stays what it says."""
    loc = locale or QLocale()
    group, point = loc.groupSeparator(), loc.decimalPoint()
    t = text.strip()
    if re.fullmatch(r"[-+]?\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d+)?", t):
        t = re.sub(r"[ \u00a0\u202f]", "", t)  # spaces group digits in many locales
    grouped = rf"[-+]?\d{{1,3}}({re.escape(group)}\d{{3}})+({re.escape(point)}\d+)?"
    if group and re.fullmatch(grouped, t):
        t = t.replace(group, "")
    if point and point != "." and re.fullmatch(rf"[-+]?\d+{re.escape(point)}\d+", t):
        t = t.replace(point, ".")
    return t


class ImpactPane(IncidentPane):
    """Financial impact lines, totals per currency, and an inline form to add one."""

    def __init__(self, binder: Binder, incident_id: int, signer_provider: SignerProvider,
                 parent: QWidget | None = None) -> None:
        super().__init__(binder, incident_id, signer_provider, parent, "Financial impact")
        top = QHBoxLayout()
        top.addWidget(heading("Financial impact", 2), 1)
        self.totals = QLabel("")
        self.totals.setAccessibleName("Totals")
        self.totals.setTextFormat(Qt.TextFormat.PlainText)
        self.totals.setFont(bold(self.totals.font()))
        top.addWidget(self.totals)
        self.table = register_table("Impact lines", ("When", "Category", "Amount", "Note", "By"), "Note")

        form_box = QGroupBox("Add a line")
        form = QHBoxLayout(form_box)
        self.category = QComboBox()
        self.category.setEditable(True)
        self.category.setAccessibleName("Category")
        self.category.addItems(impact.IMPACT_CATEGORIES)
        self.category.setMinimumWidth(230)
        self.amount = line_field("Amount", f"e.g. {QLocale().toString(12500.0, 'f', 2)}")
        self.amount.setMaximumWidth(150)
        self.currency = QComboBox()
        self.currency.setEditable(True)
        self.currency.setAccessibleName("Currency")
        self.currency.addItems(CURRENCIES)
        self.currency.setMaximumWidth(90)
        self.note = line_field("Note", "Where the figure comes from (quote, invoice, estimate)")
        self.estimate = QCheckBox("E&stimate")
        self.estimate.setToolTip("The figure is an estimate, not invoiced or booked; summaries "
                                 "mark it so")
        self.when = event_field("When it was incurred")
        self.when.setPlaceholderText("now, or e.g. 2026-11-29 09:00")
        self.when.setMaximumWidth(170)
        self.when.returnPressed.connect(self.add_line)
        self.add_button = QPushButton("&Add line")
        self.add_button.setAccessibleName("Add impact line")
        self.add_button.clicked.connect(self.add_line)
        self.amount.returnPressed.connect(self.add_line)
        self.note.returnPressed.connect(self.add_line)
        for label, widget, stretch in (("&Category", self.category, 0), ("A&mount", self.amount, 0),
                                       ("C&urrency", self.currency, 0), ("&Note", self.note, 1),
                                       ("&When", self.when, 0)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            form.addWidget(caption)
            form.addWidget(widget, stretch)
        form.addWidget(self.estimate)
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
        names = names_by_login(self.binder)  # people as their certificates name them
        rows = []
        for line in state.impact:
            amount = cell(f"{amount_text(line.amount, line.currency)} {line.currency}")
            amount.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            note = ("estimate" + (f"; {line.note}" if line.note else "")) if line.estimate \
                else line.note
            rows.append([cell(local_text(line.at, seconds=False), utc_text(line.at)),
                         cell(line.category), amount, cell(note),
                         cell(name_for_login(names, line.author))])
        fill_rows(self.table, rows)
        totals = state.impact_totals
        self.totals.setText("Total: " + " · ".join(f"{amount_text(v, k)} {k}" for k, v in sorted(totals.items()))
                            if totals else "No figures yet")

    def add_line(self) -> int | None:
        """Sign and record the line in the form; the form clears when it is recorded."""
        author = ask_author(self, self.signer_provider, "A financial impact line")
        if author is None:
            return None
        try:
            entry_id = impact.add_impact(self.binder, self.incident_id, author,
                                           self.category.currentText(),
                                           locale_amount(self.amount.text()),
                                           self.currency.currentText(), self.note.text(),
                                           estimate=self.estimate.isChecked(),
                                           occurred_at=event_value(self.when, "time"))
        except BinderError as exc:
            show_message(self.message, f"Not recorded: {exc}")
            return None
        show_message(self.message, "")
        self.amount.clear()
        self.note.clear()
        self.estimate.setChecked(False)
        self.when.clear()
        self.recorded(entry_id)
        return entry_id


# ---------------------------------------------------------------- review
