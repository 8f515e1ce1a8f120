"""The Journal pane: filter, the lazy table, the selected entry in full, co-sign, correct, verify.

The table model is in :mod:`binder.ui.screens.journal_model`; the quick-entry box
below the panes is in :mod:`binder.ui.screens.quick_entry`.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto import signers
from binder.core.crypto.meanings import COSIGN_MEANINGS, EXPLAINED
from binder.core.crypto.session import WITNESS
from binder.core.crypto.signers import SigningSession
from binder.core.crypto.two_person import person_key
from binder.core.errors import BinderError, WrongPassphrase
from binder.core.formatting import count_text
from binder.core.incident import journal as jr
from binder.core.incident.journal import EntryView
from binder.core.plan.revisions import passphrase_every_signature
from binder.core.storage.database import Binder, open_binder, utc_now
from binder.services.settings import SessionKeeper
from binder.ui import dialogs
from binder.ui.app import local_text, utc_text
from binder.ui.forms.digest import copy_from_link, grouped, grouped_html
from binder.ui.forms.feedback import busy_cursor, message_label, show_message
from binder.ui.screens.journal_model import BadgeDelegate, JournalModel
from binder.ui.screens.unlock import SignInDialog
from binder.ui.style import CORRECTED_GREY, heading, muted
from binder.ui.tables import read_only_table

SignerProvider = Callable[[], SigningSession | None]

def entry_html(view: EntryView, binder: Binder) -> str:
    """The full entry for the detail panel; every user value is escaped."""
    e = view.entry
    esc = html.escape
    # People as their certificates name them (name and role), never the editable login.
    names = signers.identities(binder)

    def who(fingerprint: str, login: str) -> str:
        stated = names.get(fingerprint)
        return stated.label if stated else f"{login} (certificate not found)"

    rows = [
        f"<h3 style='margin:0'>#{e.seq} · {esc(e.kind)}</h3>",
        f"<p style='margin-top:4px'>by <b>{esc(who(e.cert_fingerprint, e.author))}</b>",
    ]
    if e.occurred_at:
        rows.append(
            f"<br>happened {esc(local_text(e.occurred_at, seconds=None))} "
            f"<small>({esc(utc_text(e.occurred_at))}; stated as {esc(e.occurred_at)})</small>"
        )
    rows.append(
        f"<br>written <span title='{esc(utc_text(e.recorded_at))}'>{esc(local_text(e.recorded_at))}"
        f"</span> <small>({esc(utc_text(e.recorded_at))})</small>")
    rows.append("</p>")
    if e.phase:
        rows.append(f"<p>Phase: {esc(e.phase)}</p>")
    body = esc(e.text).replace("\n", "<br>")
    style = f"text-decoration: line-through; color: {CORRECTED_GREY}" if view.corrected_by else ""
    rows.append(f"<p style='{style}'>{body}</p>")
    if e.reason:
        rows.append(f"<p><i>Why:</i> {esc(e.reason).replace(chr(10), '<br>')}</p>")
    if e.source:
        rows.append(f"<p><i>Source:</i> {esc(e.source)}</p>")
    if e.assets:
        rows.append(f"<p><i>Assets:</i> {esc(e.assets)}</p>")
    if view.corrected_by:
        fixes = ", ".join(f"entry id {i}" for i in view.corrected_by)
        rows.append(f"<p><b>Corrected</b> by {esc(fixes)}; the original stays as written.</p>")
    rows.append("<hr><p><small>")
    # Whole values, grouped in fours, each with a Copy link: people compare them out of band.
    rows.append(f"Signed by {esc(who(e.cert_fingerprint, e.author))} · certificate<br>"
                f"{grouped_html(e.cert_fingerprint, upper=True)}<br>")
    for c in jr.cosigns_for(binder, e.id):
        rows.append(
            f"Co-signed by {esc(who(c.cert_fingerprint, c.witness))} "
            f"{esc(local_text(c.signed_at))} · certificate<br>"
            f"{grouped_html(c.cert_fingerprint, upper=True)}<br>"
        )
    rows.append(f"Entry hash<br>{grouped_html(e.hash)}</small></p>")
    from binder.core.incident import evidence as ev

    files = ev.attachments(binder, [e.id]).get(e.id, [])
    if files:
        rows.append("<p><b>Attached</b> (registered as evidence):<br>")
        rows += [f"{esc(lab)} {esc(description)}<br><small>SHA-256<br>{grouped_html(sha)}</small><br>"
                 for lab, description, sha in files]
        rows.append("</p>")
    return "".join(rows)


class CosignDialog(SignInDialog):
    """The witness picks their name and types their passphrase to co-sign an entry."""

    def __init__(self, binder: Binder, view: EntryView, parent=None, *,
                 keeper: SessionKeeper | None = None):
        e = view.entry
        kept = keeper.peek() if keeper is not None else None
        if passphrase_every_signature(binder):
            kept = None  # the plan asks for the passphrase at every signature
        excluded = (e.author, *view.cosigners)
        if kept is not None and person_key(kept) in {person_key(p) for p in excluded}:
            kept = None
        minutes = keeper.minutes if keeper is not None else 5
        author = signers.identities(binder).get(e.cert_fingerprint, signers.UNVERIFIED).name
        super().__init__(
            binder, parent, title=f"Co-sign entry #{e.seq}",
            explanation=(
                f"{author} wrote: “{_clip(e.text, 180)}”. A second person confirms it "
                "with their own key (two-person rule)."
            ),
            exclude=excluded, preferred=kept.person if kept else None,
            keep_label=f"Keep me signed in as witness for {minutes} minutes",
            meaning=WITNESS,
        )
        self.view = view
        self.keeper = keeper
        self.kept = kept
        self.ok_button.setText("Co-sign")
        self.ok_button.setAccessibleName("Co-sign")
        # What the co-signature means is signed with it (21 CFR 11.50).
        self.meaning_box = QComboBox()
        self.meaning_box.setAccessibleName("Signs as")
        for meaning in COSIGN_MEANINGS:
            self.meaning_box.addItem(f"{meaning}: {EXPLAINED[meaning]}", meaning)
        row = QHBoxLayout()
        row.addWidget(QLabel("Signs as:"))
        row.addWidget(self.meaning_box, 1)
        self.layout().insertLayout(self.layout().indexOf(self.keep), row)
        if kept is not None:
            self.passphrase.setPlaceholderText(f"{kept.identity.name} is still signed in: just press Co-sign")

    def try_sign_in(self) -> bool:
        """Use the kept witness session when it is theirs and no passphrase was typed."""
        person = self.person.currentData()
        if (self.kept is not None and person_key(person) == person_key(self.kept)
                and not self.passphrase.text()):
            self.session = self.kept
            self.accept()
            return True
        return super().try_sign_in()


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


class CorrectDialog(QDialog):
    """Write a correction of an entry: new text and why the original was wrong."""

    def __init__(self, view: EntryView, parent=None):
        super().__init__(parent)
        e = view.entry
        self.setWindowTitle(f"Correct entry #{e.seq}")
        self.setAccessibleName(f"Correct entry #{e.seq}")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"Correct entry #{e.seq}", 2))
        layout.addWidget(muted(
            "Nothing is edited or deleted: the original stays, struck through, and this "
            "correction is added beside it with your signature."
        ))
        form = QFormLayout()
        original = QLabel(_clip(e.text, 300))
        original.setWordWrap(True)
        original.setAccessibleName("Original text")
        form.addRow("Original", original)
        self.text = QPlainTextEdit(e.text)
        self.text.setAccessibleName("Corrected text")
        self.text.setTabChangesFocus(True)
        form.addRow("Corrected text", self.text)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Why the original was wrong")
        self.reason.setPlaceholderText("Required: why the original was wrong")
        form.addRow("Why", self.reason)
        layout.addLayout(form)
        self.message = message_label()
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add correction")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setAccessibleName("Add correction")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _check(self) -> None:
        if not self.text.toPlainText().strip():
            show_message(self.message, "The corrected text is empty.")
        elif not self.reason.text().strip():
            show_message(self.message, "Say why the original was wrong; a correction needs a reason.")
        else:
            self.accept()


class VerifyDialog(QDialog):
    """What verification found: a green "intact" or each problem by entry and cause."""

    def __init__(self, report, parent=None, *, scope: str = "this incident"):
        super().__init__(parent)
        self.setWindowTitle("Verification")
        self.setAccessibleName("Verification result")
        self.setMinimumSize(560, 320)
        layout = QVBoxLayout(self)
        if report.ok:
            title = heading("Intact: nothing was changed", 2)
            title.setProperty("ok", "1")
        else:
            count = len(report.problems)
            title = heading(f"{count_text(count, 'problem')} found", 2)
            title.setProperty("error", "1")
        layout.addWidget(title)
        layout.addWidget(muted(
            f"Checked {scope}: {count_text(report.entries, 'entry', 'entries')}, "
            f"{count_text(report.signatures, 'signature')}"
            + (f", {count_text(report.evidence_files, 'evidence file')}"
               if report.evidence_files else "")
            + ". Every hash, chain link, signature and certificate was recomputed."
        ))
        self.findings = QListWidget()
        self.findings.setAccessibleName("Findings")
        for p in report.problems:
            self.findings.addItem(str(p))
        for note in report.notes:
            self.findings.addItem(f"Note: {note}")
        if report.ok and not report.notes:
            for iid, head in report.heads.items():
                self.findings.addItem(f"Incident {iid}: journal head {grouped(head, per_line=0)}")
        layout.addWidget(self.findings)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.accept)
        close.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        layout.addWidget(close)


class JournalPane(QWidget):
    """The Journal tab: filter, the lazy table, the selected entry in full, actions."""

    entry_selected = Signal(int)
    sessions_changed = Signal()  # a witness signed in or out

    def __init__(
        self, binder: Binder, incident_id: int, signer_provider: SignerProvider,
        parent: QWidget | None = None, *, witness_keeper: SessionKeeper | None = None,
    ):
        super().__init__(parent)
        self.binder = binder
        self.incident_id = incident_id
        self.signer_provider = signer_provider
        self.witness_keeper = witness_keeper
        self.last_report = None
        self._verify_task = None
        self.setAccessibleName("Journal")

        self.filter = QLineEdit()
        self.filter.setAccessibleName("Filter entries")
        self.filter.setPlaceholderText("Filter: text, author, kind or phase (Ctrl+Shift+F)")
        self.filter.setClearButtonEnabled(True)
        self.count = QLabel("")
        self.count.setAccessibleName("Entry count")
        self.cosign_button = QPushButton("Co-sign…")
        self.cosign_button.setAccessibleName("Co-sign the selected entry")
        self.cosign_button.setToolTip("A witness co-signs the selected entry (Ctrl+Shift+S)")
        self.correct_button = QPushButton("Correct…")
        self.correct_button.setAccessibleName("Correct the selected entry")
        self.correct_button.setToolTip("Add a correction of the selected entry")
        self.attach_button = QPushButton("Attach file…")
        self.attach_button.setAccessibleName("Attach a file to the selected entry")
        self.attach_button.setToolTip("Attach a screenshot or file to the selected entry; it is "
                                      "copied, hashed and registered as evidence")
        self.verify_button = QPushButton("Verify")
        self.verify_button.setAccessibleName("Verify the journal")
        self.verify_button.setToolTip("Recompute every hash and signature (Ctrl+Shift+V)")
        self.verify_status = QLabel("")
        self.verify_status.setAccessibleName("Last verification")
        self.order = QComboBox()
        self.order.setAccessibleName("Order")
        self.order.addItem("By when it happened", "event")
        self.order.addItem("By when it was written", "entry")
        self.order.setToolTip("When it happened: the time its author states, else when it was "
                              "written. When written: the order of the signed chain.")
        self.order.currentIndexChanged.connect(self._order_changed)
        bar = QHBoxLayout()
        bar.addWidget(self.filter, 2)
        bar.addWidget(self.order)
        bar.addWidget(self.count)
        bar.addStretch(1)
        bar.addWidget(self.verify_status)
        bar.addWidget(self.cosign_button)
        bar.addWidget(self.correct_button)
        bar.addWidget(self.attach_button)
        bar.addWidget(self.verify_button)

        self.model = JournalModel(binder, incident_id, self)
        self.view = read_only_table(QTableView())
        self.view.setAccessibleName("Journal entries")
        self.view.setModel(self.model)
        self.view.setWordWrap(False)
        self.view.setShowGrid(False)
        self.view.setItemDelegateForColumn(JournalModel.BADGES, BadgeDelegate(self.view))
        vh = self.view.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # fixed rows: no per-row measuring
        vh.setDefaultSectionSize(self.fontMetrics().height() + 12)
        hh = self.view.horizontalHeader()
        hh.setHighlightSections(False)
        # At 1366x768 the entry's words get the width (about 50 characters), not the facts.
        # The time column holds day, time and zone ("Wed 29 Nov 12:01 CEST"): a cut zone is a
        # time nobody can place.
        when_width = self.fontMetrics().horizontalAdvance("Wed 29 Nov 12:01 CEST") + 18
        # Authors are full names now (the certificate's): room for a typical one whole.
        author_width = self.fontMetrics().horizontalAdvance("Dana Whitfield") + 18
        for col, width in ((JournalModel.SEQ, 44), (JournalModel.WHEN, when_width),
                           (JournalModel.AUTHOR, author_width), (JournalModel.KIND, 86),
                           (JournalModel.BADGES, 150)):
            hh.resizeSection(col, width)
        hh.setSectionResizeMode(JournalModel.TEXT, QHeaderView.ResizeMode.Stretch)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(lambda _i: self.detail.setFocus())

        self.detail = QTextBrowser()
        self.detail.setAccessibleName("Selected entry")
        self.detail.setOpenLinks(False)
        self.detail.anchorClicked.connect(copy_from_link)  # the Copy links of hashes
        self.detail.setPlaceholderText("Select an entry to read it in full, with its signatures.")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.view)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([830, 320])
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(250)
        self._filter_timer.timeout.connect(self._apply_filter)
        self.filter.textChanged.connect(self._filter_timer.start)
        self.cosign_button.clicked.connect(self.cosign_selected)
        self.correct_button.clicked.connect(self.correct_selected)
        self.attach_button.clicked.connect(self.attach_to_selected)
        self.verify_button.clicked.connect(self.verify)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.rowsInserted.connect(self._update_count)
        self.model.modelReset.connect(self._update_count)
        self.model.fetchMore()
        self._update_count()
        if self.model.rowCount():
            self.view.selectRow(0)

    # -- selection and display --------------------------------------------------------------
    def _update_count(self, *args) -> None:
        total = self.model.total()
        if self.model.query:
            self.count.setText(f"{total:,} matching")
        else:
            self.count.setText(count_text(total, "entry", "entries"))

    def _apply_filter(self) -> None:
        self.model.set_query(self.filter.text())
        if self.model.rowCount():
            self.view.selectRow(0)
        else:
            self.detail.clear()

    def _order_changed(self) -> None:
        selected = self.selected_view()
        self.model.set_order(self.order.currentData())
        if selected is not None:
            self.select_entry(selected.entry.id)
        elif self.model.rowCount():
            self.view.selectRow(0)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        view = self.model.view_at(current.row())
        if view is None:
            self.detail.clear()
            return
        self.detail.setHtml(entry_html(view, self.binder))
        self.entry_selected.emit(view.entry.id)

    def selected_view(self) -> EntryView | None:
        """The entry under the cursor, if any."""
        index = self.view.currentIndex()
        return self.model.view_at(index.row()) if index.isValid() else None

    def select_entry(self, entry_id: int) -> None:
        """Make an entry current and visible (loading more pages when it is further down)."""
        row = self.model.row_of(entry_id)
        while row < 0 and self.model.canFetchMore() and self.model.rowCount() < 20_000:
            self.model.fetchMore()
            row = self.model.row_of(entry_id)
        if row >= 0:
            self.view.selectRow(row)
            self.view.scrollTo(self.model.index(row, 0))

    def refresh(self) -> list[int]:
        """Take in entries added elsewhere (another pane, the CLI)."""
        new = self.model.refresh_new()
        self._update_count()
        current = self.selected_view()
        if current is not None:
            self.detail.setHtml(entry_html(current, self.binder))
        return new

    def entry_added(self, entry_id: int) -> None:
        """A new entry was written: show it and make it current (ready to co-sign)."""
        self.refresh()
        self.select_entry(entry_id)

    def _context_menu(self, pos) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        self.view.selectRow(index.row())
        menu = QMenu(self)
        menu.addAction("Co-sign…", self.cosign_selected)
        menu.addAction("Correct…", self.correct_selected)
        menu.addSeparator()
        menu.addAction("Copy text", self._copy_text)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def _copy_text(self) -> None:
        from PySide6.QtGui import QGuiApplication

        view = self.selected_view()
        if view is not None:
            QGuiApplication.clipboard().setText(view.entry.text)

    # -- actions ----------------------------------------------------------------------------
    def cosign_selected(self) -> bool:
        """A witness co-signs the selected entry; True when it was co-signed."""
        view = self.selected_view()
        if view is None:
            dialogs.info(self, "Co-sign", "Select the entry to co-sign first.")
            return False
        dialog = CosignDialog(self.binder, view, self, keeper=self.witness_keeper)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.session is None:
            return False
        witness = dialog.session
        try:
            jr.cosign(self.binder, view.entry.id, witness,
                      meaning=dialog.meaning_box.currentData())
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="Not co-signed")
            return False
        if self.witness_keeper is not None:
            if dialog.keep.isChecked():
                self.witness_keeper.put(witness)
            else:
                self.witness_keeper.clear()
        self.sessions_changed.emit()
        self.model.refresh_entry(view.entry.id)
        self.select_entry(view.entry.id)
        return True

    def attach_to_selected(self, path: str | None = None) -> None:
        """Attach a file to the selected entry (hashed off the UI thread, then signed)."""
        view = self.selected_view()
        if view is None:
            dialogs.info(self, "Attach a file", "Select the entry to attach a file to first.")
            return
        if not path:  # None, or False from the button's clicked(checked)
            path = dialogs.open_file(self, f"Attach a file to entry #{view.entry.seq}",
                                     dialogs.in_documents(""))
            if not path:
                return
        session = self.signer_provider()
        if session is None:
            return
        entry_id, binder_path = view.entry.id, self.binder.path
        self.attach_button.setEnabled(False)

        def work(progress, cancelled):
            from binder.core.incident import evidence as ev

            with open_binder(binder_path) as b:  # this worker thread's own connection
                return ev.attach_file(b, entry_id, path, session, progress=progress,
                                      cancelled=cancelled)

        def done(_evidence_id) -> None:
            self.attach_task = None
            self.attach_button.setEnabled(True)
            self.refresh()
            self.select_entry(entry_id)
            self.sessions_changed.emit()

        def failed(exc) -> None:
            self.attach_task = None
            self.attach_button.setEnabled(True)
            from binder.core.errors import Cancelled

            if not isinstance(exc, Cancelled):
                dialogs.show_exception(self, exc, title="File not attached")

        from binder.ui.tasks import run_task

        self.attach_task = run_task(self, work, label="Hashing the attachment…",
                                    on_success=done, on_failure=failed)

    def correct_selected(self) -> int | None:
        """Add a correction of the selected entry; returns the correction's id."""
        view = self.selected_view()
        if view is None:
            dialogs.info(self, "Correct", "Select the entry to correct first.")
            return None
        dialog = CorrectDialog(view, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        session = self.signer_provider()
        if session is None:
            return None
        try:
            with busy_cursor():
                fix = jr.correct(self.binder, view.entry.id, session, dialog.text.toPlainText(),
                                 dialog.reason.text())
        except (BinderError, WrongPassphrase) as exc:
            dialogs.show_exception(self, exc, title="Correction not added")
            return None
        self.entry_added(fix)
        return fix

    def verify(self) -> None:
        """Verify this incident off the UI thread and show what was found."""
        if self._verify_task is not None:
            return
        path, incident_id = self.binder.path, self.incident_id
        self.verify_button.setEnabled(False)
        self.verify_status.setText("Verifying…")

        def work(progress, cancelled):
            from binder.core.verify.checks import verify_binder

            with open_binder(path) as b:  # a connection of this worker thread's own
                return verify_binder(b, incident_id, progress=progress)

        def done(report) -> None:
            self._verify_task = None
            self.verify_button.setEnabled(True)
            self.last_report = report
            when = local_text(utc_now(), date=False)
            if report.ok:
                self.verify_status.setText(f"✔ Intact at {when}")
                self.verify_status.setProperty("ok", "1")
                self.verify_status.setProperty("error", "0")
            else:
                self.verify_status.setText(f"✖ {len(report.problems)} problem(s) at {when}")
                self.verify_status.setProperty("error", "1")
                self.verify_status.setProperty("ok", "0")
            self.verify_status.style().unpolish(self.verify_status)
            self.verify_status.style().polish(self.verify_status)
            self.result_dialog = VerifyDialog(report, self)
            self.result_dialog.show()

        def failed(exc) -> None:
            self._verify_task = None
            self.verify_button.setEnabled(True)
            self.verify_status.setText("")
            from binder.core.errors import Cancelled

            if not isinstance(exc, Cancelled):
                dialogs.show_exception(self, exc, title="Verification did not run")

        from binder.ui.tasks import run_task

        self._verify_task = run_task(self, work, label="Verifying the journal…",
                                     on_success=done, on_failure=failed)
