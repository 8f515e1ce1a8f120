"""The first-run welcome: a thin view over :class:`binder.services.setup_flow.SetupFlow`.

Every rule lives in the flow; this module lays out one page per step, passes
what was typed, and shows the flow's refusals inline.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto import session
from binder.core.crypto.envelope import DEFAULT_KDF, KdfParams
from binder.core.errors import BinderError
from binder.services.setup_flow import (
    DEFAULT_LEAD_ROLE,
    SetupFlow,
    SetupResult,
    Step,
    passphrase_strength,
)
from binder.ui import dialogs
from binder.ui.forms.digest import DigestField
from binder.ui.forms.feedback import busy_cursor, message_label, show_message
from binder.ui.forms.fields import password_field
from binder.ui.style import heading, muted
from binder.ui.tasks import Task, run_task

RAIL_STEPS = ("Binder file", "Passphrase", "Recovery code", "Your signing key", "Ready")
_RAIL_INDEX = {
    Step.WELCOME: -1, Step.LOCATION: 0, Step.PASSPHRASE: 1, Step.RECOVERY: 2, Step.CONFIRM: 2,
    Step.ENROLL: 3, Step.EXTRAS: 4, Step.DONE: 4,
}
STRENGTH_COLOURS = ("#b91c1c", "#d97706", "#ca8a04", "#16a34a", "#15803d")


def _err(exc: BinderError) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


class StrengthMeter(QWidget):
    """A bar and a hint that follow a passphrase field."""

    def __init__(self, field: QLineEdit):
        super().__init__()
        self.bar = QProgressBar()
        self.bar.setRange(0, 4)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.bar.setAccessibleName("Passphrase strength")
        self.label = QLabel("")
        self.label.setProperty("muted", "1")
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Passphrase strength hint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        field.textChanged.connect(self.update_for)
        self.update_for("")

    def update_for(self, text: str) -> None:
        """Re-rate the passphrase."""
        if not text:
            self.bar.setValue(0)
            self.label.setText("A few unrelated words are easy to remember and hard to guess.")
            return
        s = passphrase_strength(text)
        self.bar.setValue(max(s.score, 0))
        self.bar.setStyleSheet(
            f"QProgressBar::chunk {{ background: {STRENGTH_COLOURS[s.score]}; border-radius: 3px; }}"
        )
        self.label.setText(f"{s.label}. {s.hint}")
        self.bar.setAccessibleDescription(s.label)


class WelcomeWizard(QWidget):
    """First run: create (or open) a binder, secure it, enrol the lead."""

    finished = Signal(object)  # SetupResult

    def __init__(self, default_path: Path, parent: QWidget | None = None, *,
                 kdf: KdfParams = DEFAULT_KDF):
        super().__init__(parent)
        self.flow = SetupFlow(default_path, kdf=kdf)
        self.working = False  # a slow step (creating the binder, the lead's key) is running
        self.task: Task | None = None
        self.setAccessibleName("Set up Incident Binder")

        rail = QFrame()
        rail.setObjectName("rail")
        rail.setFixedWidth(250)
        rail.setStyleSheet(
            "QFrame#rail { background: #1f2937; } QFrame#rail QLabel { color: #f9fafb; }"
            " QFrame#rail QListWidget { background: transparent; color: #d1d5db; border: none;"
            " font-size: 11pt; } QFrame#rail QListWidget::item { padding: 8px 4px; }"
            " QFrame#rail QListWidget::item:selected { color: #ffffff; background: #374151;"
            " border-radius: 4px; }"
        )
        rl = QVBoxLayout(rail)
        rl.setContentsMargins(20, 28, 16, 20)
        name = QLabel("Incident Binder")
        name.setStyleSheet("font-size: 16pt; font-weight: 600;")
        rl.addWidget(name)
        tag = QLabel("The offline binder for leading a security incident.")
        tag.setWordWrap(True)
        tag.setStyleSheet("color: #9ca3af;")
        rl.addWidget(tag)
        rl.addSpacing(24)
        self.rail = QListWidget()
        self.rail.setAccessibleName("Set-up steps")
        self.rail.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for i, label in enumerate(RAIL_STEPS, start=1):
            self.rail.addItem(f"{i}.  {label}")
        rl.addWidget(self.rail, 1)
        footer = QLabel("Works offline. Nothing leaves this computer.")
        footer.setWordWrap(True)
        rl.addWidget(footer)

        self.pages = QStackedWidget()
        self.page_for: dict[Step, int] = {}
        self._build_welcome()
        self._build_location()
        self._build_passphrase()
        self._build_recovery()
        self._build_confirm()
        self._build_enroll()
        self._build_extras()

        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(rail)
        content = QVBoxLayout()
        content.setContentsMargins(48, 40, 48, 32)
        content.addWidget(self.pages, 1)
        outer.addLayout(content, 1)
        self.sync()

    # -- page helpers -----------------------------------------------------------------------
    def _page(self, step: Step, title: str, text: str) -> QVBoxLayout:
        page = QWidget()
        page.setAccessibleName(title)
        page.setMaximumWidth(760)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        layout.addWidget(heading(title))
        if text:
            layout.addWidget(muted(text))
        self.page_for[step] = self.pages.addWidget(page)
        return layout

    @staticmethod
    def _button(text: str, *, default: bool = False) -> QPushButton:
        b = QPushButton(text)
        b.setAccessibleName(text.replace("…", "").replace("&", ""))
        b.setDefault(default)
        b.setAutoDefault(True)
        b.setMinimumHeight(32)
        return b

    @staticmethod
    def _buttons(layout: QVBoxLayout, *buttons: QPushButton, left: QPushButton | None = None) -> None:
        row = QHBoxLayout()
        if left is not None:
            row.addWidget(left)
        row.addStretch()
        for b in buttons:
            row.addWidget(b)
        layout.addLayout(row)

    def sync(self) -> None:
        """Show the page of the flow's current step."""
        step = self.flow.step
        if step in self.page_for:
            self.pages.setCurrentIndex(self.page_for[step])
        self.rail.setCurrentRow(_RAIL_INDEX.get(step, -1))
        focus = {
            Step.LOCATION: self.path_field, Step.PASSPHRASE: self.pass1,
            Step.CONFIRM: self.confirm_box, Step.ENROLL: self.person_field,
            Step.WELCOME: self.create_button, Step.EXTRAS: self.go_incidents,
            Step.RECOVERY: self.recovery_continue,
        }.get(step)
        if focus is not None:
            focus.setFocus()

    # -- welcome ------------------------------------------------------------------------------
    def _build_welcome(self) -> None:
        lay = self._page(
            Step.WELCOME, "Welcome",
            "Incident Binder keeps your response plan, an encrypted contact roster and a signed, "
            "tamper-evident incident journal in one file on this computer. It works when "
            "everything else is down.",
        )
        points = QLabel(
            "•  Follow the plan's phases during an incident, with who owns what.\n"
            "•  Write the journal fast; a witness co-signs with their own key.\n"
            "•  Export a signed PDF report that legal and management can check."
        )
        points.setWordWrap(True)
        points.setAccessibleName("What the binder does")
        lay.addWidget(points)
        lay.addSpacing(12)
        self.create_button = self._button("Create a new binder", default=True)
        self.create_button.clicked.connect(self.start_new)
        self.open_button = self._button("Open an existing binder…")
        self.open_button.clicked.connect(self._reveal_open)
        row = QHBoxLayout()
        row.addWidget(self.create_button)
        row.addWidget(self.open_button)
        row.addStretch()
        lay.addLayout(row)
        self.open_row = QWidget()
        orow = QHBoxLayout(self.open_row)
        orow.setContentsMargins(0, 0, 0, 0)
        self.open_field = QLineEdit()
        self.open_field.setAccessibleName("Existing binder file")
        self.open_field.setPlaceholderText("Path to a .binder file")
        browse = self._button("Browse…")
        browse.clicked.connect(self._browse_existing)
        self.open_go = self._button("Open")
        self.open_go.clicked.connect(self.open_existing)
        self.open_field.returnPressed.connect(self.open_existing)
        orow.addWidget(self.open_field, 1)
        orow.addWidget(browse)
        orow.addWidget(self.open_go)
        self.open_row.hide()
        lay.addWidget(self.open_row)
        self.welcome_message = message_label()
        lay.addWidget(self.welcome_message)
        lay.addStretch()

    def _reveal_open(self) -> None:
        self.open_row.show()
        self.open_field.setFocus()

    def _browse_existing(self) -> None:
        path = dialogs.open_file(self, "Open a binder", str(self.flow.default_path.parent),
                                 "Binders (*.binder);;All files (*)")
        if path:
            self.open_field.setText(path)

    def start_new(self) -> None:
        """Create a new binder."""
        self.flow.start_new()
        self.sync()

    def open_existing(self) -> None:
        """Open the binder named in the field (it is unlocked next)."""
        try:
            result = self.flow.open_existing(self.open_field.text())
        except BinderError as exc:
            show_message(self.welcome_message, _err(exc))
            return
        self.finished.emit(result)

    # -- location ------------------------------------------------------------------------------
    def _build_location(self) -> None:
        lay = self._page(
            Step.LOCATION, "Where to keep the binder",
            "The binder is one file. Keep it on this laptop (not a network share, which may be "
            "down when you need it). Back it up like any important file.",
        )
        form = QFormLayout()
        row = QHBoxLayout()
        self.path_field = QLineEdit(str(self.flow.default_path))
        self.path_field.setAccessibleName("Binder file location")
        browse = self._button("Browse…")
        browse.clicked.connect(self._browse_new)
        row.addWidget(self.path_field, 1)
        row.addWidget(browse)
        form.addRow("File", row)
        self.org_field = QLineEdit()
        self.org_field.setAccessibleName("Organisation name")
        self.org_field.setPlaceholderText("e.g. Acme Outdoor Ltd (shown on certificates and reports)")
        form.addRow("Organisation", self.org_field)
        lay.addLayout(form)
        self.location_message = message_label()
        lay.addWidget(self.location_message)
        lay.addStretch()
        back = self._button("Back")
        back.clicked.connect(self.go_back)
        go = self._button("Continue", default=True)
        go.clicked.connect(self.choose_location)
        self.path_field.returnPressed.connect(self.choose_location)
        self.org_field.returnPressed.connect(self.choose_location)
        self._buttons(lay, go, left=back)

    def _browse_new(self) -> None:
        path = dialogs.save_file(self, "New binder file", self.path_field.text(),
                                 "Binders (*.binder)")
        if path:
            self.path_field.setText(path)

    def choose_location(self) -> None:
        """Accept the file location and organisation."""
        try:
            self.flow.choose_location(self.path_field.text(), self.org_field.text())
        except BinderError as exc:
            show_message(self.location_message, _err(exc))
            return
        show_message(self.location_message, "")
        self.pass_where.setText(f"The binder will be created at {self.flow.path}.")
        self.sync()

    # -- passphrase ----------------------------------------------------------------------------
    def _build_passphrase(self) -> None:
        lay = self._page(
            Step.PASSPHRASE, "Choose the binder passphrase",
            "It unlocks the binder and protects the contact roster. Everyone on the response "
            "team who opens this binder needs it. Signing uses each person's own passphrase, "
            "set up next.",
        )
        self.pass_where = muted("")
        lay.addWidget(self.pass_where)
        form = QFormLayout()
        self.pass1 = password_field("Binder passphrase")
        self.pass2 = password_field("Repeat the binder passphrase")
        form.addRow("Passphrase", self.pass1)
        form.addRow("Repeat it", self.pass2)
        self.pass_meter = StrengthMeter(self.pass1)
        form.addRow("", self.pass_meter)
        lay.addLayout(form)
        self.pass_message = message_label()
        lay.addWidget(self.pass_message)
        lay.addStretch()
        back = self._button("Back")
        back.clicked.connect(self.go_back)
        go = self._button("Create the binder", default=True)
        go.clicked.connect(self.set_passphrase)
        self.pass_go, self.pass_back = go, back
        self.pass2.returnPressed.connect(self.set_passphrase)
        self._buttons(lay, go, left=back)

    def set_passphrase(self) -> Task | None:
        """Create the binder with the passphrase (a few seconds: key derivation runs off the
        window's thread, with a busy state and then a progress window)."""
        if self.working:
            return None
        first, second = self.pass1.text(), self.pass2.text()
        try:
            self.flow.check_new_passphrase(first, second)
        except BinderError as exc:
            show_message(self.pass_message, _err(exc))
            return None
        show_message(self.pass_message, "")

        def done(code: str) -> None:
            self.working = False
            self.pass1.clear()
            self.pass2.clear()
            show_message(self.pass_message, "")
            self.code_label.setText(code)
            self.code_label.setAccessibleName(f"Recovery code {code}")
            self.sync()

        return self._slow(lambda: self.flow.set_passphrase(first, second),
                          "Creating the binder and its keys…", done, self.pass_message,
                          (self.pass1, self.pass2, self.pass_go, self.pass_back))

    def _slow(self, work, label: str, done, message: QLabel, busy) -> Task:
        """Run one slow step of the flow on the thread pool; refusals show in ``message``."""
        self.working = True

        def failed(exc: BaseException) -> None:
            self.working = False
            show_message(message, _err(exc) if isinstance(exc, BinderError)
                         else f"That did not work: {exc}. Nothing was kept; try again.")

        self.task = run_task(self, lambda progress, cancelled: work(), label=label,
                             on_success=done, on_failure=failed, cancellable=False,
                             busy=busy, status=message)
        return self.task

    # -- recovery code --------------------------------------------------------------------------
    def _build_recovery(self) -> None:
        lay = self._page(
            Step.RECOVERY, "Write down the recovery code",
            "If the passphrase is ever lost, this code unlocks the binder and lets you set a new "
            "one. It is shown only now. Write it on paper (or print it) and keep it apart from "
            "this laptop, e.g. in the physical incident binder.",
        )
        box = QFrame()
        box.setObjectName("card")
        bl = QVBoxLayout(box)
        bl.setContentsMargins(24, 20, 24, 20)
        self.code_label = QLabel("")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(mono.pointSizeF(), 10) * 1.6)
        mono.setWeight(QFont.Weight.DemiBold)
        self.code_label.setFont(mono)
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label.setWordWrap(True)
        bl.addWidget(self.code_label)
        lay.addWidget(box)
        lay.addWidget(muted("Upper or lower case, dashes and spaces do not matter when it is typed back."))
        lay.addStretch()
        print_button = self._button("Print…")
        print_button.clicked.connect(self.print_code)
        self.recovery_continue = self._button("I have it on paper — continue", default=True)
        self.recovery_continue.clicked.connect(self.recovery_shown)
        self._buttons(lay, self.recovery_continue, left=print_button)

    def print_code(self) -> None:
        """Print the recovery code (the system print dialog)."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        doc = QTextDocument()
        doc.setPlainText(
            "Incident Binder — recovery code\n\n"
            f"Binder: {self.flow.path}\nOrganisation: {self.flow.org or '-'}\n\n"
            f"    {self.code_label.text()}\n\n"
            "It unlocks the binder and sets a new passphrase if the passphrase is lost.\n"
            "Keep it apart from the laptop."
        )
        doc.print_(printer)

    def recovery_shown(self) -> None:
        """On to the confirmation."""
        self.flow.recovery_shown()
        self.sync()

    def _build_confirm(self) -> None:
        lay = self._page(
            Step.CONFIRM, "Is the recovery code on paper?",
            "Without the passphrase and without this code, nobody (not even us) can open the "
            "roster again. Confirm before going on.",
        )
        self.confirm_box = QCheckBox("I wrote the recovery code down and will keep it apart from this laptop")
        self.confirm_box.setAccessibleName("I wrote it down")
        lay.addWidget(self.confirm_box)
        self.confirm_message = message_label()
        lay.addWidget(self.confirm_message)
        lay.addStretch()
        back = self._button("Show the code again")
        back.clicked.connect(self.go_back)
        go = self._button("Continue", default=True)
        go.clicked.connect(self.confirm_written)
        self._buttons(lay, go, left=back)

    def confirm_written(self) -> None:
        """Go on once the box is ticked."""
        try:
            self.flow.confirm_written_down(self.confirm_box.isChecked())
        except BinderError as exc:
            show_message(self.confirm_message, _err(exc))
            return
        show_message(self.confirm_message, "")
        self.code_label.clear()
        self.sync()

    # -- the lead's key --------------------------------------------------------------------------
    def _build_enroll(self) -> None:
        lay = self._page(
            Step.ENROLL, "Your signing key",
            "Every journal entry is signed by its author. Create your own key, protected by your "
            "own passphrase (not the binder's). Its fingerprint can be compared aloud later.",
        )
        form = QFormLayout()
        user = session.login_name()  # the computer account suggests a login; the lead may change it
        self.person_field = QLineEdit(os.environ.get("BINDER_LEAD", user))
        self.person_field.setAccessibleName("Your short name (used to sign)")
        self.display_field = QLineEdit()
        self.display_field.setAccessibleName("Your full name")
        self.display_field.setPlaceholderText("Shown on reports, e.g. Dana Smith")
        self.role_field = QComboBox()
        self.role_field.setEditable(True)
        self.role_field.setAccessibleName("Your role")
        for role in ("Incident Lead", "IT Contact", "Legal Representative", "Communications / PR",
                     "Management / Stakeholders"):
            self.role_field.addItem(role)
        self.role_field.setCurrentText(DEFAULT_LEAD_ROLE)
        self.lead1 = password_field("Your signing passphrase")
        self.lead2 = password_field("Repeat your signing passphrase")
        form.addRow("Short name", self.person_field)
        form.addRow("Full name", self.display_field)
        form.addRow("Role", self.role_field)
        form.addRow("Passphrase", self.lead1)
        form.addRow("Repeat it", self.lead2)
        self.lead_meter = StrengthMeter(self.lead1)
        form.addRow("", self.lead_meter)
        lay.addLayout(form)
        self.enroll_message = message_label()
        lay.addWidget(self.enroll_message)
        lay.addStretch()
        skip = self._button("Skip for now")
        skip.clicked.connect(self.skip_enroll)
        go = self._button("Create my signing key", default=True)
        go.clicked.connect(self.enroll)
        self.enroll_go, self.enroll_skip = go, skip
        self.lead2.returnPressed.connect(self.enroll)
        self._buttons(lay, go, left=skip)

    def enroll(self) -> Task | None:
        """Enrol the lead (a few seconds: the key and its passphrase protection are made off
        the window's thread)."""
        if self.working:
            return None
        person, first, second = self.person_field.text(), self.lead1.text(), self.lead2.text()
        role = self.role_field.currentText()
        display = self.display_field.text().strip() or None
        try:
            self.flow.check_new_passphrase(first, second)
        except BinderError as exc:
            show_message(self.enroll_message, _err(exc))
            return None
        show_message(self.enroll_message, "")

        def done(signer) -> None:
            self.working = False
            self.lead1.clear()
            self.lead2.clear()
            show_message(self.enroll_message, "")
            self.extras_intro.setText(
                f"You are signed in as {signer.identity.name}. Your key's fingerprint (compare it "
                "aloud when someone checks your signature):")
            self.lead_fingerprint.set_value(signer.fingerprint)
            self.lead_fingerprint.setVisible(True)
            self.go_drill.setEnabled(True)
            self.sync()

        return self._slow(
            lambda: self.flow.enroll_lead(person, first, second, role=role, display_name=display),
            f"Creating {person.strip() or 'your'}'s signing key…", done, self.enroll_message,
            (self.person_field, self.display_field, self.role_field, self.lead1, self.lead2,
             self.enroll_go, self.enroll_skip))

    def skip_enroll(self) -> None:
        """Enrol later."""
        self.flow.skip_enroll()
        self.lead_fingerprint.setVisible(False)
        self.extras_intro.setText("Enrol signers later from the roster; a drill needs a signed-in lead.")
        self.go_drill.setEnabled(False)
        self.sync()

    # -- extras -----------------------------------------------------------------------------------
    def _build_extras(self) -> None:
        lay = self._page(Step.EXTRAS, "The binder is ready", "")
        self.extras_intro = muted("")
        self.extras_intro.setWordWrap(True)
        lay.addWidget(self.extras_intro)
        self.lead_fingerprint = DigestField(name="Signing key fingerprint", upper=True)
        self.lead_fingerprint.setVisible(False)
        lay.addWidget(self.lead_fingerprint)
        lay.addSpacing(8)
        self.go_roster = self._option(lay, "Fill in the contact roster",
                                      "Who to call for each role, hosting and Adobe support SLAs, "
                                      "law enforcement. Encrypted in the binder.")
        self.go_drill = self._option(lay, "Run a practice drill",
                                     "Opens a drill incident (marked DRILL everywhere) so you can try "
                                     "the journal and the phase guide without pressure.")
        self.go_incidents = self._option(lay, "Go to incidents",
                                         "Start from the incident list. Everything else can be "
                                         "done later from the menus.")
        self.go_roster.clicked.connect(lambda: self.finish(roster=True))
        self.go_drill.clicked.connect(lambda: self.finish(drill=True))
        self.go_incidents.clicked.connect(lambda: self.finish())
        self.extras_message = message_label()
        lay.addWidget(self.extras_message)
        lay.addStretch()

    def _option(self, lay: QVBoxLayout, title: str, text: str) -> QPushButton:
        button = QPushButton(f"{title}\n{text}")
        button.setAccessibleName(title)
        button.setAccessibleDescription(text)
        button.setMinimumHeight(64)
        button.setStyleSheet("QPushButton { text-align: left; padding: 10px 16px; }")
        lay.addWidget(button)
        return button

    def finish(self, *, roster: bool = False, drill: bool = False) -> SetupResult | None:
        """Finish set-up and hand the binder to the main window."""
        try:
            with busy_cursor():
                result = self.flow.finish(roster=roster, drill=drill)
        except BinderError as exc:
            show_message(self.extras_message, _err(exc))
            return None
        self.finished.emit(result)
        return result

    # -- navigation -------------------------------------------------------------------------------
    def go_back(self) -> None:
        """One step back."""
        try:
            self.flow.back()
        except BinderError:
            return
        self.sync()

    def cancel(self) -> None:
        """Leave set-up (an unconfirmed, empty binder is removed)."""
        self.flow.cancel()
        self.sync()
