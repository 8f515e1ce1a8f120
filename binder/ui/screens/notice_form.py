"""A regulator form in the app: prefilled from the journal, completed, read out or saved as
PDF, and its submission recorded as a signed notification that answers its clock.

The fields, the prefill and the submission are the core's
(:mod:`binder.core.incident.notices`); this window only lays them out.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto.signers import SigningSession
from binder.core.errors import BinderError
from binder.core.incident import clocks as clockmod
from binder.core.incident import notices
from binder.core.incident.record import get_incident
from binder.core.storage.database import Binder, utc_now
from binder.ui import dialogs
from binder.ui.forms.feedback import busy_cursor, message_label, show_message
from binder.ui.forms.fields import event_field, event_value, line_field, text_field
from binder.ui.forms.signed import SignedDialog, SignerProvider, ask_author
from binder.ui.style import heading, muted

log = logging.getLogger(__name__)
CHANNELS = ("Web portal / form", "Email", "Phone", "Letter", "EDGAR filing", "In person")


def default_form(statuses) -> str:
    """The form of the most urgent clock that has one (else the GDPR Art. 33 form)."""
    for clock in clockmod.running(statuses):
        if clock.form in notices.FORMS:
            return clock.form
    return "gdpr_art33"


class NoticeDialog(QDialog):
    """One regulator form: its fields, prefilled, with copy, PDF and record-submission."""

    recorded = Signal(int)

    def __init__(self, parent: QWidget, binder: Binder, incident_id: int,
                 signer_provider: SignerProvider, form_key: str = "gdpr_art33") -> None:
        super().__init__(parent)
        self.binder = binder
        self.incident_id = incident_id
        self.incident = get_incident(binder, incident_id)
        self.signer_provider = signer_provider
        self.setWindowTitle("Regulator notification")
        self.setAccessibleName("Regulator notification")
        self.resize(900, 660)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading("Regulator notification", 2), 1)
        self.form_choice = QComboBox()
        self.form_choice.setAccessibleName("Form")
        for form in notices.FORMS.values():
            self.form_choice.addItem(form.title, form.key)
        top.addWidget(QLabel("&Form:"))
        top.itemAt(top.count() - 1).widget().setBuddy(self.form_choice)
        top.addWidget(self.form_choice)
        layout.addLayout(top)
        self.about = muted("")
        layout.addWidget(self.about)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        layout.addWidget(self.scroll, 1)
        self.message = message_label()
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.refill_button = QPushButton("Fill &again from the journal")
        self.copy_button = QPushButton("&Copy text")
        self.copy_button.setToolTip("The form as plain text, to paste into the authority's portal "
                                    "or read out on the phone")
        self.pdf_button = QPushButton("Save &PDF…")
        self.submit_button = QPushButton("&Record submission…")
        self.submit_button.setDefault(True)
        self.close_button = QPushButton("Close")
        for button, action in ((self.refill_button, self.prefill),
                               (self.copy_button, self.copy_text),
                               (self.pdf_button, self.save_pdf),
                               (self.submit_button, self.record_submission),
                               (self.close_button, self.reject)):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            button.clicked.connect(action)
        buttons.addWidget(self.refill_button)
        buttons.addStretch(1)
        for button in (self.copy_button, self.pdf_button, self.submit_button, self.close_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.inputs: dict[str, QLineEdit | QPlainTextEdit] = {}
        self.form_choice.setCurrentIndex(max(self.form_choice.findData(form_key), 0))
        self.form_choice.currentIndexChanged.connect(lambda _i: self.prefill())
        self.prefill()

    @property
    def form(self) -> notices.Form:
        """The form on screen."""
        return notices.get_form(self.form_choice.currentData())

    def _build_fields(self) -> None:
        body = QWidget()
        grid = QFormLayout(body)
        grid.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.inputs = {}
        for field in self.form.fields:
            if field.lines <= 1:
                widget: QLineEdit | QPlainTextEdit = line_field(field.label, field.hint)
            else:
                widget = text_field(field.label, field.hint, 12 + 18 * field.lines)
                widget.setMaximumHeight(12 + 18 * field.lines)
            label = QLabel(f"{field.label}" + (f"\n{field.basis}" if field.basis else ""))
            label.setWordWrap(True)
            label.setMaximumWidth(260)
            label.setToolTip(field.hint or field.label)
            label.setBuddy(widget)
            grid.addRow(label, widget)
            self.inputs[field.key] = widget
        self.scroll.setWidget(body)

    def values(self) -> dict[str, str]:
        """What the fields hold now."""
        return {key: (w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text())
                for key, w in self.inputs.items()}

    def set_values(self, values: dict[str, str]) -> None:
        """Fill the fields (tests and the prefill use this)."""
        for key, value in values.items():
            widget = self.inputs.get(key)
            if isinstance(widget, QPlainTextEdit):
                widget.setPlainText(value)
            elif widget is not None:
                widget.setText(value)

    def prefill(self) -> None:
        """Fill the form from the signed journal (what a person typed is replaced)."""
        form = self.form
        self._build_fields()
        try:
            with busy_cursor():
                self.set_values(notices.prefill(self.binder, self.incident_id, form.key))
        except BinderError as exc:
            show_message(self.message, f"Could not fill the form: {exc}")
            return
        self.about.setText(f"To {form.authority}, under {form.basis}. Answers the clock "
                           f"“{form.clock}”. Fields the journal cannot know are left empty: "
                           "complete them before you submit.")
        show_message(self.message, "")

    def text(self) -> str:
        """The form as plain text."""
        return notices.render_text(self.form, self.values(), incident_title=self.incident.title,
                                   prepared_at=utc_now(), drill=self.incident.drill)

    def copy_text(self) -> bool:
        """Put the form's text on the clipboard."""
        try:
            text = self.text()
        except BinderError as exc:
            show_message(self.message, str(exc))
            return False
        QApplication.clipboard().setText(text)
        show_message(self.message, "Copied: paste it into the portal or read it out.", kind="ok")
        return True

    def save_pdf(self, path: str | Path | None = None) -> Path | None:
        """Write the form as a PDF (asks where when no path is given)."""
        from binder.core.output.notice import write_notice

        if not path:
            path = dialogs.save_file(self, "Save the form as PDF",
                                     dialogs.in_documents(f"{self.form.key}.pdf"), "PDF (*.pdf)")
            if not path:
                return None
        try:
            with busy_cursor():
                write_notice(self.binder, self.incident_id, self.form.key, self.values(), path)
        except (BinderError, OSError) as exc:
            show_message(self.message, f"Not saved: {exc}")
            return None
        show_message(self.message, f"Saved {path}", kind="ok")
        return Path(path)

    def record_submission(self) -> SignedDialog | None:
        """Ask when, how and under which reference it was submitted; sign and record it."""
        form = self.form
        try:
            notices.check_values(form, self.values())
        except BinderError as exc:
            show_message(self.message, str(exc))
            return None
        author = ask_author(self, self.signer_provider, "Recording a submission")
        if author is None:
            return None
        return SubmissionDialog(self, author, form).open_and_keep()


class SubmissionDialog(SignedDialog):
    """When, how and under which reference number the form went to the authority."""

    def __init__(self, notice: NoticeDialog, author: SigningSession, form: notices.Form) -> None:
        self.notice = notice
        self.channel = QComboBox()
        self.channel.setEditable(True)
        self.channel.setAccessibleName("Channel")
        self.channel.addItems(CHANNELS)
        self.when = event_field("Submitted at")
        self.reference = line_field("Reference number", "The number the authority gave it")
        self.delay = text_field("Reasons for the delay",
                                "Taken from the form's delay field unless you write them here", 40)
        self.clock = QComboBox()
        self.clock.setAccessibleName("Clock answered")
        self.clock.addItem("No clock", "")
        for c in clockmod.incident_clocks(notice.binder, notice.incident_id):
            self.clock.addItem(f"{c.name} — {c.describe()}", c.key)
        self.clock.setCurrentIndex(max(self.clock.findData(form.clock), 0))

        def save(who, _witness) -> int:
            delay = self.delay.toPlainText().strip() or None
            return notices.submit(
                notice.binder, notice.incident_id, who, form.key, notice.values(),
                channel=self.channel.currentText(), told_at=event_value(self.when, "submission time"),
                reference=self.reference.text(), clock_key=self.clock.currentData() or "",
                delay_reason=delay)

        super().__init__(notice, notice.binder, author, f"Record submission: {form.title}",
                         f"{author.identity.name} is recorded as the one who submitted it. The "
                         "submitted text is kept with the signed entry.", save, witness=False)
        self.form.addRow("&Channel:", self.channel)
        self.form.addRow("Submitted &at:", self.when)
        self.form.addRow("&Reference:", self.reference)
        self.form.addRow("C&lock answered:", self.clock)
        self.form.addRow("Reasons for &delay:", self.delay)
        self.fields = {"channel": self.channel, "when": self.when, "reference": self.reference,
                       "clock": self.clock, "delay": self.delay}
        self.finish()

    def open_and_keep(self) -> SubmissionDialog:
        """Show the dialog; a recorded submission closes the form too."""
        self.accepted.connect(self._done)
        self.open()
        return self

    def _done(self) -> None:
        if self.entry_id is not None:
            self.notice.recorded.emit(self.entry_id)
            self.notice.accept()
