"""The assessment form: what happened, why, to whom, for how long, and the money.

The executive summary's first paragraph and the report's facts come from
here. The form opens with the current values; only fields that changed are
signed into the new statement, so the journal shows what was restated.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPlainTextEdit, QWidget

from binder.core.crypto.signers import SigningSession
from binder.core.incident import assessment as am
from binder.core.storage.database import Binder
from binder.ui.forms.fields import line_field, text_field
from binder.ui.forms.signed import SignedDialog


def _lines(edit: QPlainTextEdit) -> list[str]:
    return [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]


class AssessmentDialog(SignedDialog):
    """State the assessment; the signed-in person signs it, a witness may co-sign."""

    def __init__(self, parent: QWidget, binder: Binder, incident_id: int,
                 author: SigningSession) -> None:
        self.incident_id = incident_id
        self.current = am.current_assessment(binder, incident_id)
        super().__init__(
            parent, binder, author, "Assessment",
            "What legal and management read first. Each field keeps its newest signed value; "
            "earlier figures stay in the journal.", self._save)
        get = self.current.get
        self.what_happened = text_field("What happened", "In plain words, for management")
        self.root_cause = text_field("Root cause", "Why it could happen", height=50)
        self.data_exposed = line_field("Data exposed", "e.g. card numbers, names, addresses")
        self.customers = line_field("Customers affected", "e.g. 1200")
        self.customers_estimate = QCheckBox("estimate")
        self.records = line_field("Records affected", "e.g. 1350")
        self.records_estimate = QCheckBox("estimate")
        self.exposure_from = line_field("Exposure from", "e.g. 2026-11-25 15:47")
        self.exposure_to = line_field("Exposure to", "e.g. 2026-11-28 03:47")
        self.status = line_field("Status", "Where things stand, in one sentence")
        self.asks = text_field("Decisions needed", "One per line: what management must decide")
        self.risks = text_field("Open risks", "One per line")
        self.currency = line_field("Reporting currency", "e.g. EUR")
        self.rates = line_field("Exchange rates", "e.g. USD=0.92, GBP=1.16")
        self.rates_source = line_field("Source of the rates", "e.g. ECB reference rate, date")
        self.reason = line_field("Reasoning", "Why the figures changed, or where they come from")
        self.what_happened.setPlainText(get("what_happened", ""))
        self.root_cause.setPlainText(get("root_cause", ""))
        self.data_exposed.setText(get("data_exposed", ""))
        self.customers.setText(str(get("customers", "")))
        self.customers_estimate.setChecked(self.current.is_estimate("customers"))
        self.records.setText(str(get("records", "")))
        self.records_estimate.setChecked(self.current.is_estimate("records"))
        self.exposure_from.setText(get("exposure_from", ""))
        self.exposure_to.setText(get("exposure_to", ""))
        self.status.setText(get("status", ""))
        self.asks.setPlainText("\n".join(get("asks", [])))
        self.risks.setPlainText("\n".join(get("risks", [])))
        self.currency.setText(get("currency", ""))
        self.rates.setText(", ".join(f"{k}={v}" for k, v in (get("rates", {}) or {}).items()))
        self.rates_source.setText(get("rates_source", ""))
        for label, widget in (("&What happened:", self.what_happened),
                              ("&Root cause:", self.root_cause),
                              ("&Data exposed:", self.data_exposed)):
            self.form.addRow(label, widget)
        for label, field, box in (("&Customers:", self.customers, self.customers_estimate),
                                  ("Re&cords:", self.records, self.records_estimate)):
            row = QHBoxLayout()
            row.addWidget(field, 1)
            row.addWidget(box)
            self.form.addRow(label, row)
        for label, widget in (("Exposure &from:", self.exposure_from),
                              ("Exposure &to:", self.exposure_to), ("&Status:", self.status),
                              ("Decisions &needed:", self.asks), ("Open ris&ks:", self.risks),
                              ("Reporting c&urrency:", self.currency),
                              ("Exchange r&ates:", self.rates),
                              ("Rates s&ource:", self.rates_source),
                              ("Reasonin&g:", self.reason)):
            self.form.addRow(label, widget)
        self.finish()
        self.what_happened.setFocus()

    def values(self) -> dict[str, Any]:
        """The fields that differ from the current assessment."""
        get = self.current.get
        typed: dict[str, Any] = {
            "what_happened": self.what_happened.toPlainText().strip(),
            "root_cause": self.root_cause.toPlainText().strip(),
            "data_exposed": self.data_exposed.text().strip(),
            "customers": self.customers.text().strip(),
            "records": self.records.text().strip(),
            "exposure_from": self.exposure_from.text().strip(),
            "exposure_to": self.exposure_to.text().strip(),
            "status": self.status.text().strip(),
            "asks": _lines(self.asks),
            "risks": _lines(self.risks),
            "currency": self.currency.text().strip().upper(),
            "rates_source": self.rates_source.text().strip(),
        }
        rates = [r.strip() for r in self.rates.text().split(",") if r.strip()]
        out = {k: v for k, v in typed.items() if str(v) != str(get(k, "" if k not in
                                                                      ("asks", "risks") else []))}
        current_rates = ", ".join(f"{k}={v}" for k, v in (get("rates", {}) or {}).items())
        if ", ".join(rates) != current_rates:
            out["rates"] = rates
        estimated = [k for k, box in (("customers", self.customers_estimate),
                                      ("records", self.records_estimate)) if box.isChecked()]
        if sorted(estimated) != sorted(get("estimated", [])) or any(k in out for k in
                                                                   am.COUNT_FIELDS):
            out["estimated"] = estimated
        return out

    def _save(self, author: SigningSession, witness: SigningSession | None) -> int:
        return am.assess(self.binder, self.incident_id, author, reason=self.reason.text(),
                         witness=witness, **self.values())
