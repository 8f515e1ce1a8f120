"""The Roster screen: encrypted contacts, their editor and the call sheet.

The screen keeps decrypted values only in memory and only while the binder is
unlocked: :meth:`RosterScreen.refresh` on a locked binder drops them and shows
a message with an Unlock button instead. All reading and writing goes through
:mod:`binder.core.roster`; the screen never touches SQL.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from binder.core import roster
from binder.core.crypto import signers
from binder.core.crypto.envelope import DEFAULT_KDF
from binder.core.errors import BinderError
from binder.core.roster import CallSheetGroup, Contact
from binder.core.storage.database import Binder
from binder.ui import dialogs
from binder.ui.changes import listen
from binder.ui.forms.digest import DigestField
from binder.ui.shortcuts import bind, mnemonic_safe, with_keys
from binder.ui.style import bold
from binder.ui.tables import RecordModel, read_only_table

_COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("role", "Role"),
    ("escalation", "Order"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("im", "IM"),
    ("sla", "SLA / contract"),
)


_MAX_COLUMN_WIDTH = 220


class ContactTableModel(RecordModel):
    """Decrypted contacts as rows; the role column shows the plan's role name."""

    COLUMNS = tuple(header for _field, header in _COLUMNS)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._role_names: dict[str, str] = {}

    def set_contacts(self, contacts: list[Contact], role_names: dict[str, str]) -> None:
        """Replace every row."""
        self._role_names = dict(role_names)
        self.set_records(contacts)

    def contact_at(self, row: int) -> Contact | None:
        """The contact shown in ``row``, if any."""
        return self.record_at(row)

    def row_of(self, contact_id: str) -> int:
        """The row showing ``contact_id``, or -1."""
        for i, c in enumerate(self.records):
            if c.id == contact_id:
                return i
        return -1

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        contact = self.records[index.row()]
        field = _COLUMNS[index.column()][0]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if field == "role":
                name = self._role_names.get(contact.role, contact.role)
                return f"{name} (external)" if contact.external else name
            if field == "escalation":
                return str(contact.escalation)
            return getattr(contact, field).replace("\n", " ")
        if role == Qt.ItemDataRole.ToolTipRole:
            if field == "role":
                return self._role_names.get(contact.role, contact.role)
            if field == "name" and contact.notes:
                return contact.notes
        if role == Qt.ItemDataRole.TextAlignmentRole and field == "escalation":
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


class _ContactEditor(QGroupBox):
    """The add / edit form. Emits ``saved(contact_id)`` and ``removed(contact_id)``."""

    saved = Signal(str)
    removed = Signal(str)

    def __init__(self, screen: RosterScreen) -> None:
        super().__init__("Contact", screen)
        self._screen = screen
        self.setMaximumWidth(420)
        self._editing: Contact | None = None
        self.setAccessibleName("Contact editor")

        self.mode_label = QLabel()
        self.mode_label.setWordWrap(True)
        self.mode_label.setAccessibleName("Editor mode")

        self.role = QComboBox()
        self.role.setAccessibleName("Role")
        self.role.currentIndexChanged.connect(self._role_changed)
        self.escalation = QSpinBox()
        self.escalation.setRange(1, roster.MAX_ESCALATION)
        self.escalation.setAccessibleName("Escalation order")
        self.escalation.setToolTip("Place on this role's escalation ladder: 1 is called first")
        self.name = QLineEdit()
        self.name.setAccessibleName("Name")
        self.name.setPlaceholderText("Person or service desk")
        self.phone = QLineEdit()
        self.phone.setAccessibleName("Phone")
        self.phone.setPlaceholderText("+1 555 0100")
        self.email = QLineEdit()
        self.email.setAccessibleName("Email")
        self.email.setPlaceholderText("name@example.com")
        self.im = QLineEdit()
        self.im.setAccessibleName("IM handle")
        self.im.setPlaceholderText("Signal, Slack, Teams…")
        self.sla = QLineEdit()
        self.sla.setAccessibleName("SLA or contract reference")
        self.sla.setPlaceholderText("Contract number, response time")
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Notes")
        self.notes.setPlaceholderText("Hours, deputies, language, how to reach them out of hours")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        # Short enough for the editor's column at 1366x768; the examples are in the tooltip.
        self.external = QCheckBox("E&xternal resource")
        self.external.setAccessibleName("External resource")
        self.external.setToolTip("Someone outside the company: hosting provider, vendor, "
                                 "authority. A new contact takes the role's setting.")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Role:", self.role)
        form.addRow("&Escalation order:", self.escalation)
        form.addRow("&Name:", self.name)
        form.addRow("Ph&one:", self.phone)
        form.addRow("Emai&l:", self.email)
        form.addRow("IM / &messenger:", self.im)
        form.addRow("SLA / contr&act:", self.sla)
        form.addRow("No&tes:", self.notes)
        form.addRow("", self.external)

        self.new_button = QPushButton("New contact")
        self.new_button.setAccessibleName("New contact")
        self.new_button.setToolTip("Clear the form to add another contact")
        self.new_button.clicked.connect(self.start_new)
        self.save_button = QPushButton("Add contact")
        self.save_button.setAccessibleName("Save contact")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.remove_button = QPushButton("Remove contact…")
        self.remove_button.setAccessibleName("Remove contact")
        self.remove_button.setToolTip("Take this contact off the roster; its history is kept")
        self.remove_button.clicked.connect(self.remove)
        self.enrol_button = QPushButton("Enrol as signer…")
        self.enrol_button.setAccessibleName("Enrol as signer")
        self.enrol_button.setToolTip("Give this person a signing key and a certificate in their "
                                     "name and role; they type their own passphrase")
        self.enrol_button.clicked.connect(self.enrol)
        self.signer_label = QLabel("")
        self.signer_label.setWordWrap(True)
        self.signer_label.setProperty("muted", "1")
        self.signer_label.setAccessibleName("Signing key")
        # The whole fingerprint, copyable: people compare it aloud with the person.
        self.signer_fingerprint = DigestField(name="Certificate fingerprint", upper=True)
        self.signer_fingerprint.setVisible(False)
        signing = QGridLayout()
        signing.addWidget(self.signer_label, 0, 0)
        signing.addWidget(self.enrol_button, 0, 1, Qt.AlignmentFlag.AlignTop)
        signing.addWidget(self.signer_fingerprint, 1, 0, 1, 2)
        signing.setColumnStretch(0, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.mode_label)
        layout.addLayout(form)
        layout.addLayout(signing)
        layout.addStretch(1)
        layout.addLayout(buttons)
        for line in (self.name, self.phone, self.email, self.im, self.sla):
            line.returnPressed.connect(self.save)
        self.start_new()

    # -- state

    def set_roles(self, roles: list[tuple[str, str, bool]]) -> None:
        """Fill the role combo with (key, name, external) from the current plan."""
        current = self.role.currentData()
        self.role.blockSignals(True)
        self.role.clear()
        for key, name, external in roles:
            self.role.addItem(f"{name} (external)" if external else name, key)
            self.role.setItemData(self.role.count() - 1, external, Qt.ItemDataRole.UserRole + 1)
        index = self.role.findData(current)
        self.role.setCurrentIndex(max(index, 0))
        self.role.blockSignals(False)

    def _role_changed(self) -> None:
        # A new contact takes the role's usual external flag; an edit keeps what was chosen.
        if self._editing is None and self.role.currentIndex() >= 0:
            self.external.setChecked(bool(self.role.currentData(Qt.ItemDataRole.UserRole + 1)))

    def start_new(self) -> None:
        """Empty the form for a new contact (the role choice stays)."""
        self._editing = None
        for line in (self.name, self.phone, self.email, self.im, self.sla):
            line.clear()
        self.notes.clear()
        self.escalation.setValue(1)
        self._role_changed()
        self.mode_label.setText("<b>New contact</b> — fill in at least the role and the name.")
        self.save_button.setText("Add contact")
        self.remove_button.setEnabled(False)
        self._show_signing(None)

    def load(self, contact: Contact) -> None:
        """Show ``contact`` for editing."""
        self._editing = contact
        index = self.role.findData(contact.role)
        self.role.blockSignals(True)
        self.role.setCurrentIndex(index)
        self.role.blockSignals(False)
        self.escalation.setValue(contact.escalation)
        self.name.setText(contact.name)
        self.phone.setText(contact.phone)
        self.email.setText(contact.email)
        self.im.setText(contact.im)
        self.sla.setText(contact.sla)
        self.notes.setPlainText(contact.notes)
        self.external.setChecked(contact.external)
        self.mode_label.setText(
            f"<b>Editing</b> {_escape(contact.name)} — revision {contact.revision}; "
            "saving keeps the earlier revision in the history."
        )
        self.save_button.setText("Save changes")
        self.remove_button.setEnabled(True)
        self._show_signing(contact)

    def _show_signing(self, contact: Contact | None) -> None:
        """Say whether the contact signs (and as whom their certificate says), or offer to
        enrol them."""
        if contact is None:
            self.signer_label.setText("Save the contact first; then they can be enrolled "
                                      "to sign.")
            self.enrol_button.setEnabled(False)
            self.signer_fingerprint.setVisible(False)
            return
        number = roster.signer_contacts(self._screen.binder).get(contact.id)
        signer = next((s for s in signers.list_signers(self._screen.binder) if s.id == number),
                      None) if number is not None else None
        if signer is not None:
            stated = signer.identity
            self.signer_label.setText(
                f"Signs as {stated.label}; on the command line: --as {signer.person}. "
                "Certificate fingerprint:")
            self.signer_fingerprint.set_value(signer.fingerprint)
            self.signer_fingerprint.setVisible(True)
            self.enrol_button.setEnabled(False)
        else:
            self.signer_label.setText("Not enrolled to sign.")
            self.signer_fingerprint.setVisible(False)
            self.enrol_button.setEnabled(not contact.removed)

    @property
    def editing(self) -> Contact | None:
        """The contact being edited, or None when adding."""
        return self._editing

    def clear_secrets(self) -> None:
        """Forget every shown value (the binder was locked)."""
        self.start_new()

    # -- actions

    def _values(self) -> dict:
        return {
            "role": self.role.currentData() or "",
            "name": self.name.text(),
            "email": self.email.text(),
            "phone": self.phone.text(),
            "im": self.im.text(),
            "escalation": self.escalation.value(),
            "notes": self.notes.toPlainText(),
            "sla": self.sla.text(),
            "external": self.external.isChecked(),
        }

    def save(self) -> None:
        """Add the contact, or record a new revision of the one being edited."""
        binder = self._screen.binder
        values = self._values()
        try:
            if self._editing is None:
                contact_id = roster.add_contact(binder, **values)
                name = values["name"].strip()
                self.start_new()
                self._screen.show_status(f"Added {name}.")
            else:
                contact_id = self._editing.id
                before = self._editing
                changed = {k: v for k, v in values.items() if v != getattr(before, k)}
                if not changed:
                    self._screen.show_status("Nothing to save: no field was changed.")
                    return
                roster.edit_contact(binder, contact_id, **changed)
                self._screen.show_status(f"Saved changes to {values['name'].strip()}.")
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="Contact not saved")
            return
        self.saved.emit(contact_id)

    def enrol(self) -> None:
        """Enrol the contact being edited as a signer; they type their own passphrase."""
        from binder.ui.screens.enrol import EnrolDialog

        contact = self._editing
        if contact is None:
            return
        dialog = EnrolDialog(self._screen.binder, contact, self, kdf=self._screen.kdf)
        if dialog.exec() != EnrolDialog.DialogCode.Accepted or dialog.signer is None:
            return
        self._show_signing(contact)
        self._screen.show_status(
            f"Enrolled {dialog.signer.identity.label}; certificate fingerprint "
            f"{signers.format_fingerprint(dialog.signer.fingerprint)}.")

    def remove(self) -> None:
        """Remove the contact being edited, after asking."""
        contact = self._editing
        if contact is None:
            return
        if not dialogs.confirm(
            self, "Remove contact",
            f"Remove {contact.name} from the roster?\n\n"
            "The contact leaves the call sheet; earlier revisions stay in the binder's history.",
        ):
            return
        try:
            roster.remove_contact(self._screen.binder, contact.id)
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="Contact not removed")
            return
        self.start_new()
        self._screen.show_status(f"Removed {contact.name}.")
        self.removed.emit(contact.id)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain_label(text: str, accessible: str) -> QLabel:
    # User text is shown as plain text: a name like "<b>x" must not become markup.
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(accessible)
    return label


class _CallSheet(QScrollArea):
    """Every plan role with its contacts in escalation order and copy buttons."""

    def __init__(self, screen: RosterScreen) -> None:
        super().__init__(screen)
        self._screen = screen
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAccessibleName("Call sheet")
        self.copy_buttons: list[QPushButton] = []
        self._set_groups([])

    def _set_groups(self, groups: list[CallSheetGroup]) -> None:
        self.copy_buttons = []
        body = QWidget()
        body.setAccessibleName("Call sheet contents")
        layout = QVBoxLayout(body)
        layout.setSpacing(10)
        intro = QLabel(
            "Call from the top of each role's ladder down. Copy buttons put a number or "
            "address on the clipboard."
        )
        intro.setWordWrap(True)
        intro.setAccessibleName("Call sheet help")
        layout.addWidget(intro)
        for group in groups:
            layout.addWidget(self._group_box(group))
        layout.addStretch(1)
        self.setWidget(body)

    def _group_box(self, group: CallSheetGroup) -> QGroupBox:
        title = group.role_name + ("  ·  external" if group.external else "")
        box = QGroupBox(mnemonic_safe(title))  # role names are user text: "&" stays
        box.setAccessibleName(f"Call sheet for {group.role_name}")
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(14)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 2)
        grid.setColumnStretch(3, 3)
        if not group.contacts:
            empty = QLabel("No contact yet — add one on the Contacts tab.")
            empty.setAccessibleName(f"No contact for {group.role_name}")
            empty.setStyleSheet("color: palette(placeholder-text); font-style: italic;")
            grid.addWidget(empty, 0, 0, 1, 6)
            return box
        row = 0
        for contact in group.contacts:
            order = QLabel(f"{contact.escalation}.")
            order.setAccessibleName(f"Escalation order of {contact.name}")
            strong = bold(order.font())
            order.setFont(strong)
            name = _plain_label(contact.name, f"Name: {contact.name}")
            name.setFont(strong)
            if contact.notes:
                name.setToolTip(contact.notes)
            grid.addWidget(order, row, 0)
            grid.addWidget(name, row, 1)
            grid.addWidget(_plain_label(contact.phone or "—", f"Phone of {contact.name}"), row, 2)
            grid.addWidget(_plain_label(contact.email or "—", f"Email of {contact.name}"), row, 3)
            grid.addWidget(self._copy_button("Copy phone", "phone", contact), row, 4)
            grid.addWidget(self._copy_button("Copy email", "email", contact), row, 5)
            row += 1
            details = "   ·   ".join(
                f"{label}: {value}" for label, value in (("IM", contact.im), ("SLA / contract", contact.sla))
                if value
            )
            if details:
                detail = _plain_label(details.replace("\n", " "), f"Details of {contact.name}")
                detail.setStyleSheet("color: palette(placeholder-text);")
                grid.addWidget(detail, row, 1, 1, 3)
                row += 1
        return box

    def _copy_button(self, text: str, field: str, contact: Contact) -> QPushButton:
        value = getattr(contact, field)
        button = QPushButton(text)
        button.setAccessibleName(f"{text} of {contact.name}")
        button.setProperty("contact_id", contact.id)
        button.setProperty("field", field)
        button.setEnabled(bool(value))
        button.setToolTip(f"Copy {value}" if value else f"No {field} recorded")
        button.clicked.connect(lambda _checked=False, v=value, c=contact, f=field: self._copy(v, c, f))
        self.copy_buttons.append(button)
        return button

    def _copy(self, value: str, contact: Contact, field: str) -> None:
        QGuiApplication.clipboard().setText(value)
        self._screen.show_status(f"Copied the {field} of {contact.name}.")

    def set_groups(self, groups: list[CallSheetGroup]) -> None:
        """Rebuild the sheet."""
        self._set_groups(groups)


class RosterScreen(QWidget):
    """Contacts table, editor and call sheet; a locked message while locked."""

    unlock_requested = Signal()

    def __init__(self, binder: Binder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.binder = binder
        self.kdf = DEFAULT_KDF  # key derivation for enrolments (tests choose a light one)
        self.setAccessibleName("Roster")
        self._all: list[Contact] = []
        self._role_names: dict[str, str] = {}

        self.stack = QStackedWidget()
        self.stack.setAccessibleName("Roster pages")
        self.stack.addWidget(self._build_locked_page())
        self.stack.addWidget(self._build_unlocked_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self._reselecting = False
        self.refresh()
        # Contacts added elsewhere (the command line, another window) and new plan roles show
        # up by themselves; refresh only reloads the views, never the form being edited.
        listen(self, ("roster", "plan"), self.refresh)

    # -- construction

    def _build_locked_page(self) -> QWidget:
        page = QWidget()
        page.setAccessibleName("Roster locked")
        self.locked_label = QLabel(
            "<h3>The roster is locked</h3>"
            "<p>Names, phone numbers and emails are stored encrypted. "
            "Unlock the binder with its passphrase to see and edit them.</p>"
        )
        self.locked_label.setWordWrap(True)
        self.locked_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.locked_label.setAccessibleName("Roster is locked")
        self.unlock_button = QPushButton("Unlock binder…")
        self.unlock_button.setAccessibleName("Unlock binder")
        self.unlock_button.clicked.connect(self.unlock_requested.emit)
        box = QVBoxLayout(page)
        box.addStretch(1)
        box.addWidget(self.locked_label)
        box.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(2)
        return page

    def _build_unlocked_page(self) -> QWidget:
        page = QWidget()
        page.setAccessibleName("Roster contents")
        self.search = QLineEdit()
        self.search.setAccessibleName("Search contacts")
        self.search.setPlaceholderText("Search name, role, phone, email, notes…")
        self.search.setClearButtonEnabled(True)
        for clear in self.search.findChildren(QToolButton):
            clear.setAccessibleName("Clear search")
        self.search.textChanged.connect(self._apply_filter)

        self.model = ContactTableModel(self)
        self.table = read_only_table(QTableView())
        self.table.setAccessibleName("Contacts")
        self.table.setModel(self.model)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)

        self.editor = _ContactEditor(self)
        self.editor.saved.connect(self._after_change)
        self.editor.removed.connect(self._after_change)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.table)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setAccessibleName("Contacts and editor")
        split.addWidget(left)
        split.addWidget(self.editor)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        self.table.installEventFilter(self)  # fit the columns to the width on every resize

        self.call_sheet = _CallSheet(self)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Roster views")
        self.tabs.addTab(split, "&Contacts")
        self.tabs.addTab(self.call_sheet, "Call &sheet")

        self.status = QLabel(" ")
        self.status.setAccessibleName("Roster status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        layout = QVBoxLayout(page)
        layout.addWidget(self.tabs)
        layout.addWidget(self.status)

        # Insert: a new contact (as in every register); Ctrl+Shift+F (the window's "filter this
        # list") reaches the search field. Ctrl+Shift+N stays "New incident" everywhere.
        bind(page, "roster.new_contact", self._new_contact)
        self.editor.new_button.setToolTip(with_keys("Clear the form to add another contact",
                                                    "roster.new_contact"))
        return page

    # -- behaviour

    def refresh(self) -> None:
        """Reload from the binder; shows the locked page (and drops values) when locked."""
        if not self.binder.unlocked:
            self._all = []
            self.model.set_contacts([], {})
            self.call_sheet.set_groups([])
            self.editor.clear_secrets()
            self.search.clear()
            self.stack.setCurrentIndex(0)
            return
        try:
            from binder.core.plan import revisions as plans

            try:
                plan_roles = [(r.key, r.name, bool(r.external))
                              for r in plans.current_revision(self.binder).plan.roles]
            except BinderError:
                plan_roles = []
            self._role_names = {key: name for key, name, _ in plan_roles}
            self._all = roster.list_contacts(self.binder)
            groups = roster.call_sheet(self.binder) if plan_roles else []
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="Cannot show the roster")
            return
        self.editor.set_roles(plan_roles)
        self._apply_filter()
        self.call_sheet.set_groups(groups)
        self.stack.setCurrentIndex(1)

    def _apply_filter(self) -> None:
        needle = " ".join(self.search.text().split()).casefold()
        shown = [
            c for c in self._all
            if not needle or c.matches(needle)
            or needle in self._role_names.get(c.role, "").casefold()
        ]
        editing = self.editor.editing
        self.model.set_contacts(shown, self._role_names)
        self.table.resizeColumnsToContents()
        # Long role names ("Magento / Adobe Commerce support SLA contact") would push
        # phone and email out of sight; the full text stays in the tooltip-free cell.
        for column in range(self.model.columnCount()):
            if self.table.columnWidth(column) > _MAX_COLUMN_WIDTH:
                self.table.setColumnWidth(column, _MAX_COLUMN_WIDTH)
        self._fit_width()
        if editing is not None:
            row = self.model.row_of(editing.id)
            if row >= 0:
                # Re-select without reloading the form: edits under way survive a refresh.
                self._reselecting = True
                try:
                    self.table.selectRow(row)
                finally:
                    self._reselecting = False

    def _fit_width(self) -> None:
        """No sideways scrolling: when the table is narrow (a 1366x768 laptop), the columns
        read least at 3 a.m. (SLA, then IM) step aside; the editor shows them for the selected
        contact."""
        if not hasattr(self, "table"):
            return
        room = self.table.viewport().width()
        optional = [i for i, (key, _t) in enumerate(_COLUMNS) if key in ("sla", "im")]
        for column in optional:
            self.table.setColumnHidden(column, False)
        used = sum(self.table.columnWidth(c) for c in range(self.model.columnCount()))
        for column in sorted(optional, key=lambda c: _COLUMNS[c][0] != "sla"):
            if used <= room:
                break
            used -= self.table.columnWidth(column)
            self.table.setColumnHidden(column, True)
        # Still too wide: the widest columns give way (their cells elide; the editor shows all).
        shown = [c for c in range(self.model.columnCount()) if not self.table.isColumnHidden(c)]
        for _ in range(20):
            if used <= room or not shown:
                break
            widest = max(shown, key=self.table.columnWidth)
            width = self.table.columnWidth(widest)
            if width <= 120:
                break
            new = max(120, width - (used - room))
            self.table.setColumnWidth(widest, new)
            used -= width - new

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        from PySide6.QtCore import QEvent

        if obj is getattr(self, "table", None) and event.type() == QEvent.Type.Resize:
            self._fit_width()
        return super().eventFilter(obj, event)

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._reselecting:
            return
        contact = self.model.contact_at(current.row())
        if contact is not None:
            self.editor.load(contact)

    def _new_contact(self) -> None:
        self.table.clearSelection()
        self.editor.start_new()
        self.editor.name.setFocus()

    def _after_change(self, contact_id: str) -> None:
        editing = self.editor.editing
        self.refresh()
        if editing is not None and editing.id == contact_id:
            try:
                self.editor.load(roster.get_contact(self.binder, contact_id))
            except BinderError as exc:
                dialogs.show_exception(self, exc, title="Cannot show the contact")

    def show_status(self, text: str) -> None:
        """A short, non-modal note under the roster."""
        self.status.setText(text)

    @property
    def contacts(self) -> list[Contact]:
        """The decrypted contacts currently loaded (empty while locked)."""
        return list(self._all)
