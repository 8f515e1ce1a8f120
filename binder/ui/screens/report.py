"""The Report screen: export the full report or the executive summary, preview it page by
page, sign it, print the plan.

Building a report and signing it run off the UI thread with progress and
Cancel (:func:`binder.ui.tasks.run_task`); each task opens its own binder
connection. The preview renders one page at a time off the UI thread too
(:mod:`binder.core.output.preview`, PDFium), so the people who sign read the
very file they sign, page by page, before they sign it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from binder.core.crypto.signers import SigningSession
from binder.core.errors import BadInput, BinderError, Cancelled
from binder.core.formatting import count_text
from binder.core.incident.record import get_incident
from binder.core.output import signing as pdfsign
from binder.core.storage.database import Binder, open_binder
from binder.core.storage.files import check_output_path
from binder.ui import dialogs
from binder.ui.forms.confirm import confirm_signature
from binder.ui.forms.feedback import busy_cursor
from binder.ui.screens.unlock import SignInDialog
from binder.ui.shortcuts import button_keys
from binder.ui.style import heading, muted
from binder.ui.tasks import run_task

if TYPE_CHECKING:
    from binder.ui.screens.assessment import AssessmentDialog

SignerProvider = Callable[[], SigningSession | None]
PathChooser = Callable[[str, str], Path | None]
PAGE_WIDTH = 760  # pixels a preview page is rendered at (about 90 dpi on A4)
_ROLE_TEXT = {"lead": "incident lead", "witness": "witness", "legal": "legal",
              "management": "management"}


def page_pixmap(image) -> QPixmap:
    """A rendered page (:class:`binder.core.output.preview.PageImage`) as a pixmap."""
    qimage = QImage(image.rgb, image.width, image.height, image.stride,
                    QImage.Format.Format_RGB888)
    return QPixmap.fromImage(qimage.copy())  # copy: the pixmap outlives the buffer


#: (label, export format, register for CSV, file suffix) of "Export data".
DATA_FORMATS = (
    ("Attacker timeline (CSV)", "csv", "timeline", ".csv"),
    ("Indicators (CSV)", "csv", "ioc", ".csv"),
    ("Affected assets (CSV)", "csv", "asset", ".csv"),
    ("Tasks (CSV)", "csv", "task", ".csv"),
    ("Journal (CSV)", "csv", "journal", ".csv"),
    ("Timesketch (JSONL)", "timesketch", "", ".jsonl"),
    ("STIX 2.1 bundle (JSON)", "stix", "", ".json"),
    ("DFIR-IRIS timeline (CSV)", "iris", "", ".csv"),
    ("Verification bundle (JSON)", "bundle", "", ".json"),
)


class ReportScreen(QWidget):
    """Export, preview and sign the incident report; print the paper binder."""

    def __init__(self, binder: Binder, incident_id: int, signer_provider: SignerProvider,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.binder = binder
        self.incident_id = incident_id
        self.signer_provider = signer_provider
        self.path_chooser: PathChooser = self._ask_path
        self.current: Path | None = None  # the report on screen
        self.last_result = None  # the last ReportResult (tests wait for it)
        self.task = None
        self.busy = False
        self.setAccessibleName("Report")

        incident = get_incident(binder, incident_id)
        self.incident = incident
        intro = ("The full report is the case file for counsel: facts, chronology, evidence "
                 "and custody, decisions, notifications, costs and review, with every journal "
                 "entry. The executive summary is two pages for management. Both carry the "
                 "verification bundle and four signature places; read them below before "
                 "signing.")
        if incident.drill:
            intro += " This is a drill: every page will say DRILL."

        self.full_button = QPushButton("Export full report…")
        self.full_button.setAccessibleName("Export full report")
        self.full_button.clicked.connect(lambda: self.export("full"))
        self.exec_button = QPushButton("Export executive summary…")
        self.exec_button.setAccessibleName("Export executive summary")
        self.exec_button.clicked.connect(lambda: self.export("executive"))
        self.plan_button = QPushButton("Print plan…")
        self.plan_button.setAccessibleName("Print plan")
        self.plan_button.setToolTip("The paper binder: plan, RACI matrix and roster call sheet")
        self.plan_button.clicked.connect(self.print_plan)

        self.data_format = QComboBox()
        self.data_format.setAccessibleName("Format for other tools")
        for label, fmt, register, suffix in DATA_FORMATS:
            self.data_format.addItem(label, (fmt, register, suffix))
        self.data_button = QPushButton("Export data…")
        self.data_button.setAccessibleName("Export data for other tools")
        self.data_button.setToolTip("Registers as CSV, Timesketch, STIX 2.1 or DFIR-IRIS; every "
                                    "row names its signed entry's SHA-256")
        self.data_button.clicked.connect(lambda: self.export_data())

        self.sign_buttons: dict[str, QPushButton] = {}
        sign_box = QGroupBox("Sign the report on screen")
        sign_grid = QGridLayout(sign_box)
        for i, role in enumerate(pdfsign.FIELD_FOR_ROLE):
            button = QPushButton(f"Sign as {_ROLE_TEXT[role]}…")
            button.setAccessibleName(f"Sign as {_ROLE_TEXT[role]}")
            button.clicked.connect(lambda _=False, r=role: self.sign(r))
            self.sign_buttons[role] = button
            sign_grid.addWidget(button, i // 2, i % 2)
        self.signature_state = muted("Export a report first; then the lead signs, then the "
                                     "witness, and later legal and management.")
        self.signature_state.setAccessibleName("Signatures")
        sign_grid.addWidget(self.signature_state, 2, 0, 1, 2)

        self.file_label = muted("No report exported in this session.")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.file_label.setAccessibleName("Report file")

        # The preview: one page at a time, rendered off the UI thread.
        self.page_number = 0  # 0: nothing shown
        self.page_total = 0
        self.page_task = None
        self._wanted_page: int | None = None
        self.page_view = QLabel("Export a report: its pages appear here, to read before "
                                "anyone signs.")
        self.page_view.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.page_view.setWordWrap(True)
        self.page_view.setAccessibleName("Page")
        self.page_view.setFrameShape(QFrame.Shape.NoFrame)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.page_view)
        scroll.setAccessibleName("Preview")
        scroll.setMinimumHeight(360)
        self.preview = scroll
        self.prev_button = QPushButton("◀ Previous page")
        self.prev_button.setAccessibleName("Previous page")
        button_keys(self.prev_button, "report.previous_page")
        self.prev_button.clicked.connect(lambda: self.show_page(self.page_number - 1))
        self.next_button = QPushButton("Next page ▶")
        self.next_button.setAccessibleName("Next page")
        button_keys(self.next_button, "report.next_page")
        self.next_button.clicked.connect(lambda: self.show_page(self.page_number + 1))
        self.page_label = muted("")
        self.page_label.setAccessibleName("Page number")
        pager = QHBoxLayout()
        pager.addWidget(heading("Preview", 3))
        pager.addStretch(1)
        pager.addWidget(self.prev_button)
        pager.addWidget(self.page_label)
        pager.addWidget(self.next_button)
        self._update_pager()

        buttons = QHBoxLayout()
        self.assess_button = QPushButton("Assessment…")
        self.assess_button.setAccessibleName("Assessment")
        self.assess_button.setToolTip("What happened, root cause, who is affected, decisions "
                                      "needed, risks and currency: what the reports state first")
        self.assess_button.clicked.connect(self.assess)
        for b in (self.assess_button, self.full_button, self.exec_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(QLabel("For other tools:"))
        buttons.addWidget(self.data_format)
        buttons.addWidget(self.data_button)
        buttons.addWidget(self.plan_button)

        layout = QVBoxLayout(self)
        layout.addWidget(heading("Report", 2))
        layout.addWidget(muted(intro))
        layout.addLayout(buttons)
        layout.addWidget(self.file_label)
        layout.addWidget(sign_box)
        layout.addLayout(pager)
        layout.addWidget(scroll, 1)
        self._update_signatures()

    def export_data(self, path: str | Path | None = None) -> int | None:
        """Write the incident in the chosen format for another tool; returns the record count."""
        from binder.core.output import exports

        fmt, register, suffix = self.data_format.currentData()
        if path is None:
            suggested = dialogs.in_documents(f"incident-{self.incident_id}-{register or fmt}{suffix}")
            name = dialogs.save_file(self, "Export data", suggested)
            if not name:
                return None
            path = name
        try:
            path = check_output_path(path)  # before anything is built
            with busy_cursor():
                if fmt == "bundle":
                    from binder.core.output import bundle

                    written = bundle.write_bundle(self.binder, self.incident_id, path)
                    count = written["entry_count"]
                else:
                    count = exports.write_export(self.binder, self.incident_id, path, fmt,
                                                 register or "timeline")
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="Not exported")
            return None
        self.file_label.setText(f"Wrote {path}: {count} record(s), readable by you only; each "
                                "names its signed entry's SHA-256.")
        return count

    # -- helpers -------------------------------------------------------------

    def _choose_output(self, title: str, suggested: str) -> Path | None:
        """Where to write, as chosen; a folder, device or pipe is refused in a dialog."""
        path = self.path_chooser(title, suggested)
        if path is None:
            return None
        try:
            return check_output_path(path)
        except BadInput as exc:
            dialogs.show_exception(self, exc, title="Not written")
            return None

    def _ask_path(self, title: str, suggested: str) -> Path | None:
        name = dialogs.save_file(self, title, dialogs.in_documents(suggested), "PDF files (*.pdf)")
        if not name:
            return None
        path = Path(name)
        return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for b in (self.full_button, self.exec_button, self.plan_button):
            b.setEnabled(not busy)
        self._update_signatures()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.task = None
        if isinstance(exc, Cancelled):
            dialogs.info(self, "Cancelled", "Cancelled; no file was written.")
            return
        dialogs.show_exception(self, exc)

    def _fields(self) -> dict[str, bool]:
        if self.current is None:
            return {}
        from binder.core.output.report.build import signed_places

        try:
            return signed_places(self.current)
        except BinderError:  # moved, replaced or not a PDF any more: nothing to sign here
            return {}

    def _update_signatures(self) -> None:
        fields = self._fields()
        lead_signed = fields.get(pdfsign.FIELD_FOR_ROLE["lead"], False)
        for role, button in self.sign_buttons.items():
            field = pdfsign.FIELD_FOR_ROLE[role]
            free = field in fields and not fields[field]
            # The lead signs first; the others sign what the lead has signed.
            button.setEnabled(not self.busy and free and (role == "lead" or lead_signed))
        if self.current is not None and getattr(self, "file_base", ""):
            # The file line states whether it is signed: it follows every signature.
            signed = [pdfsign.LABEL_FOR_ROLE[role] for role, field in pdfsign.FIELD_FOR_ROLE.items()
                      if fields.get(field)]
            state = ("signed by " + ", ".join(signed).lower()) if signed else "unsigned"
            self.file_label.setText(f"{self.file_base}, {state})")
        if fields:
            parts = [f"{pdfsign.LABEL_FOR_ROLE[role]}: "
                     f"{'signed ✓' if fields.get(field) else 'not yet'}"
                     for role, field in pdfsign.FIELD_FOR_ROLE.items()]
            self.signature_state.setText(" · ".join(parts))
            self.signature_state.setAccessibleName("Signatures: " + ", ".join(parts))

    def _worker_binder(self) -> Binder:
        # Each task has its own connection; the data key is shared so the call
        # sheet can be decrypted when the window is unlocked.
        worker = open_binder(self.binder.path)
        worker.data_key = self.binder.data_key
        return worker

    # -- assessment ----------------------------------------------------------

    def assess(self) -> AssessmentDialog | None:
        """Open the assessment form (signed by whoever is signed in)."""
        from binder.ui.forms.signed import ask_author
        from binder.ui.screens.assessment import AssessmentDialog

        author = ask_author(self, self.signer_provider, "The assessment")
        if author is None:
            return None
        dialog = AssessmentDialog(self, self.binder, self.incident_id, author)
        self.assessment_dialog = dialog
        dialog.finished.connect(lambda _result: setattr(self, "assessment_dialog", None))
        dialog.open()
        return dialog

    # -- export --------------------------------------------------------------

    def export(self, variant: str) -> None:
        """Choose a file, then build the report in the background."""
        if self.busy:
            return
        stem = "report" if variant == "full" else "executive-summary"
        suggested = f"incident-{self.incident.id}-{stem}.pdf"
        title = "Export full report" if variant == "full" else "Export executive summary"
        path = self._choose_output(title, suggested)
        if path is None:
            return
        incident_id = self.incident_id

        def work(progress, cancelled):
            from binder.core.output.report.build import write_report

            worker = self._worker_binder()
            try:
                result = write_report(worker, incident_id, path, variant=variant,
                                      progress=progress, cancelled=cancelled)
            finally:
                worker.close()
            return path, result

        self._set_busy(True)
        label = "Building the full report…" if variant == "full" else "Building the summary…"
        self.task = run_task(self, work, label=label, on_success=self._exported,
                             on_failure=self._failed)

    def _exported(self, outcome) -> None:
        path, result = outcome
        self.task = None
        self.current = path
        self.last_result = result
        kind = "Full report" if result.variant == "full" else "Executive summary"
        entries = count_text(result.entries, "journal entry", "journal entries")
        self.file_base = f"{kind}: {path} ({count_text(result.pages, 'page')}, {entries}"
        self._set_busy(False)
        self.page_total = result.pages
        self.show_page(1)

    # -- preview -------------------------------------------------------------

    def show_page(self, number: int) -> None:
        """Show page ``number`` of the report on screen (rendered off the UI thread)."""
        if self.current is None or not 1 <= number <= max(self.page_total, 1):
            return
        if self.page_task is not None:
            self._wanted_page = number  # shown once the page being rendered arrives
            return
        path = self.current
        width = max(min(self.preview.viewport().width() - 24, 1400), PAGE_WIDTH)

        def work(progress, cancelled):
            from binder.core.output.preview import render_page

            if cancelled():
                raise Cancelled("cancelled")
            return render_page(path, number, width)

        self.page_task = run_task(self, work, label="Rendering the page…",
                                  on_success=self._page_ready, on_failure=self._page_failed,
                                  show_progress=False)

    def _page_ready(self, image) -> None:
        self.page_task = None
        if not isValid(self.page_view):  # the screen was closed while the page rendered
            return
        self.page_number, self.page_total = image.number, image.pages
        self.page_view.setPixmap(page_pixmap(image))
        self.page_view.setAccessibleName(f"Page {image.number} of {image.pages}")
        self._update_pager()
        wanted, self._wanted_page = self._wanted_page, None
        if wanted is not None and wanted != image.number:
            self.show_page(wanted)

    def _page_failed(self, exc: BaseException) -> None:
        self.page_task = None
        self._wanted_page = None
        if not isValid(self.page_view):
            return
        if not isinstance(exc, Cancelled):
            self.page_view.setText(f"The page cannot be shown: {exc}. Open the file in a PDF "
                                   "reader to read it.")
        self._update_pager()

    def _update_pager(self) -> None:
        shown = self.page_number > 0
        self.page_label.setText(f"Page {self.page_number} of {self.page_total}" if shown else "")
        self.prev_button.setEnabled(shown and self.page_number > 1)
        self.next_button.setEnabled(shown and self.page_number < self.page_total)

    # -- signing -------------------------------------------------------------

    def _session_for(self, role: str) -> SigningSession | None:
        current = self.signer_provider()
        if role == "lead" and current is not None:
            return current
        exclude = (current.person,) if current is not None and role != "lead" else ()
        dialog = SignInDialog(
            self.binder, self, title=f"Sign the report as {_ROLE_TEXT[role]}",
            explanation="The signature is embedded in the PDF as a further revision; earlier "
                        "signatures stay valid.",
            exclude=exclude, meaning=pdfsign.MEANING_FOR_ROLE[role],
        )
        # The button does what it says: it signs (the key opens on the way).
        dialog.ok_button.setText(f"Sign as {_ROLE_TEXT[role]}")
        dialog.ok_button.setAccessibleName(f"Sign the report as {_ROLE_TEXT[role]}")
        if not dialog.exec():
            return None
        return dialog.session

    def sign_from_menu(self, role: str) -> None:
        """The Incident menu's "Sign the report as …": say what is missing, or sign."""
        button = self.sign_buttons[role]
        if self.current is None:
            dialogs.info(self, "Export the report first",
                         "People sign what they have read: export the full report (Ctrl+P) or "
                         "the executive summary, read it in the preview, then sign it.")
        elif not button.isEnabled():
            fields = self._fields()
            if fields.get(pdfsign.FIELD_FOR_ROLE[role]):
                dialogs.info(self, "Already signed",
                             f"The report on screen is already signed as {_ROLE_TEXT[role]}.")
            else:
                dialogs.info(self, "The lead signs first",
                             "The incident lead signs the report first; the others sign what "
                             "the lead signed.")
        else:
            self.sign(role)

    def sign(self, role: str, session: SigningSession | None = None) -> None:
        """Sign the report on screen in ``role``'s place (asks who signs when needed)."""
        if self.busy or self.current is None:
            return
        session = session or self._session_for(role)
        if session is None:
            return
        if not confirm_signature(self, session, _ROLE_TEXT[role], pdfsign.MEANING_FOR_ROLE[role]):
            return
        path = self.current

        def work(progress, cancelled):
            from binder.core.output.report.build import sign_report_file

            if cancelled():
                raise Cancelled("cancelled; nothing was signed")
            worker = self._worker_binder()
            try:
                sign_report_file(worker, path, session, role)
            finally:
                worker.close()
            return session.identity.name, role

        self._set_busy(True)
        self.task = run_task(self, work, label="Signing the report…", on_success=self._signed,
                             on_failure=self._failed)

    def _signed(self, outcome) -> None:
        person, role = outcome
        self.task = None
        self._set_busy(False)
        self.show_page(self.page_number or 1)  # the signature now shows on its page
        dialogs.info(self, "Signed", f"{person} signed the report as {_ROLE_TEXT[role]}.")

    # -- paper binder --------------------------------------------------------

    def print_plan(self) -> None:
        """Write the paper binder (the call sheet is filled when the binder is unlocked)."""
        if self.busy:
            return
        path = self._choose_output("Print plan", "incident-response-binder.pdf")
        if path is None:
            return

        def work(progress, cancelled):
            from binder.core.output.paper import write_print_plan

            worker = self._worker_binder()
            try:
                if cancelled():
                    raise Cancelled("cancelled; no file was written")
                return path, write_print_plan(worker, path)
            finally:
                worker.close()

        self._set_busy(True)
        self.task = run_task(self, work, label="Preparing the paper binder…",
                             on_success=self._plan_printed, on_failure=self._failed)

    def _plan_printed(self, outcome) -> None:
        path, result = outcome
        self.task = None
        self._set_busy(False)
        roster = (f"{count_text(result.contacts, 'contact')} on the call sheet (CONFIDENTIAL)" if result.contacts
                  else "an empty call sheet to fill in by hand")
        dialogs.info(self, "Paper binder written",
                     f"{path}: {count_text(result.pages, 'page')}, plan revision {result.revision}, {roster}.")
