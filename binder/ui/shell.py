"""The main window: first run, unlock, and the app shell around incidents, plan and roster.

One window per binder (an OS lock beside the file keeps a second window out).
The window's session (:class:`~binder.services.session.WindowSession`) holds the
binder connection, the signer sessions and the idle clock; the window keeps
layout, navigation and menus. Idle for too long, it locks: signer sessions are
dropped, the data key leaves memory, and the unlock page covers everything.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto.envelope import DEFAULT_KDF, KdfParams
from binder.core.crypto.signers import SigningSession
from binder.core.errors import BinderError, BinderInUse
from binder.core.formatting import count_text
from binder.core.incident.record import most_recent_incident
from binder.core.storage.database import Binder, open_binder
from binder.services import settings as app_state
from binder.services.applock import AppLock
from binder.services.changes import BINDER, LOCK, PEOPLE
from binder.services.session import WindowSession
from binder.services.settings import AppSettings
from binder.services.setup_flow import Next, SetupResult
from binder.ui import dialogs, shortcuts
from binder.ui.app import APP_DISPLAY_NAME, ORG_NAME
from binder.ui.changes import ChangeHub, listen
from binder.ui.focus import FocusKeeper, first_focusable
from binder.ui.screens.signing_help import SigningHelpDialog
from binder.ui.screens.unlock import SignInDialog, UnlockPage
from binder.ui.style import heading, muted, set_chip

log = logging.getLogger(__name__)

NAV_INCIDENTS, NAV_WORKSPACE, NAV_PLAN, NAV_ROSTER, NAV_READINESS, NAV_ACCESS = range(6)
NAV_LABELS = ("Incidents", "Current incident", "Plan", "Roster", "Readiness", "Who had access")
PAGE_WELCOME, PAGE_UNLOCK, PAGE_SHELL = range(3)
IDLE_EVENTS = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    """Tells the session about every keyboard or mouse input anywhere in the app."""

    def __init__(self, session: WindowSession, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if event.type() in IDLE_EVENTS:
            self.session.touch()
        return False


class SettingsDialog(QDialog):
    """Idle lock and signer-session length (stored in the binder: a team decision)."""

    def __init__(self, settings: AppSettings, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Settings", 2))
        form = QFormLayout()
        self.idle = QSpinBox()
        self.idle.setRange(*app_state.LIMITS[app_state.IDLE_LOCK_MINUTES])
        self.idle.setSuffix(" min")
        self.idle.setSpecialValueText("never")
        self.idle.setValue(settings.idle_lock_minutes)
        self.idle.setAccessibleName("Lock after this many idle minutes")
        self.session = QSpinBox()
        self.session.setRange(*app_state.LIMITS[app_state.SIGNER_SESSION_MINUTES])
        self.session.setSuffix(" min")
        self.session.setValue(settings.signer_session_minutes)
        self.session.setAccessibleName("Signers stay signed in for")
        form.addRow("Lock when idle for", self.idle)
        form.addRow("Signers stay signed in for", self.session)
        layout.addLayout(form)
        layout.addWidget(muted("Stored in the binder, so the whole team's copy behaves the same."))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def values(self) -> AppSettings:
        """What was chosen."""
        return AppSettings(self.idle.value(), self.session.value())


class MainWindow(QMainWindow):
    """The Incident Binder window."""

    def __init__(
        self, binder_path: str | Path, *, binder: Binder | None = None,
        passphrase: str | None = None, use_keyring: bool = True, kdf: KdfParams = DEFAULT_KDF,
        lock: AppLock | None = None, remember_geometry: bool = True,
    ):
        super().__init__()
        from binder.ui.app import install_plain_tooltips

        install_plain_tooltips(QApplication.instance())
        self.session = WindowSession(binder_path, binder=binder, use_keyring=use_keyring,
                                     lock=lock)
        from binder.ui.forms import witness as witness_forms

        witness_forms.KEEPER = self.session.witness_keeper  # forms reuse a signed-in witness
        self.kdf = kdf
        self.remember_geometry = remember_geometry
        self.workspace = None
        self.plan_screen = None
        self.roster_screen = None
        self.readiness_screen = None
        self.access_screen = None
        self.incidents_screen = None
        self.welcome = None
        self.unlock_page: UnlockPage | None = None
        self.setWindowTitle(APP_DISPLAY_NAME)
        self.setAccessibleName(APP_DISPLAY_NAME)
        self.setMinimumSize(1024, 640)
        # The one "what changed" signal every screen listens to (binder.ui.changes).
        self.changes = ChangeHub(self._change_state, self)

        self.pages = QStackedWidget()
        self.pages.addWidget(QWidget())  # welcome, built when needed
        self.pages.addWidget(QWidget())  # unlock, built when needed
        self.shell = self._build_shell()
        self.pages.addWidget(self.shell)
        self.setCentralWidget(self.pages)
        self._build_actions()
        self._build_status_bar()
        listen(self.statusBar(), (BINDER, LOCK, PEOPLE, "settings"), self._update_status)
        self.changes.changed.connect(self._changed)
        self.focus_keeper = FocusKeeper(self, fallback=self._focus_target,
                                        closed=self.changes.check)
        self._restore_geometry()

        self.idle = IdleWatcher(self.session, self)
        QApplication.instance().installEventFilter(self.idle)
        self._timer = QTimer(self)
        self._timer.setInterval(5000)
        self._timer.timeout.connect(self.tick)
        self._timer.start()
        self._start(passphrase)

    @property
    def binder(self) -> Binder | None:
        """The open binder (the session's), or None."""
        return self.session.binder

    @property
    def binder_path(self) -> Path:
        """The binder file this window shows or is about to create."""
        return self.session.binder_path

    # =========================================================================== start-up
    def _start(self, passphrase: str | None) -> None:
        if self.binder is None and not self.binder_path.exists():
            self.show_welcome()
            return
        if self.binder is None:
            try:
                self.session.open()
            except BinderError as exc:
                self.show_welcome(str(exc))
                return
        if self.session.unlock_at_start(passphrase):
            self._enter_shell(open_recent=True)
        else:
            self.show_unlock()

    def show_welcome(self, message: str = "") -> None:
        """First run (or the chosen binder could not be opened)."""
        from binder.ui.screens.welcome import WelcomeWizard

        if self.welcome is None:
            self.welcome = WelcomeWizard(self.binder_path, self, kdf=self.kdf)
            self.welcome.finished.connect(self._setup_finished)
            self._replace_page(PAGE_WELCOME, self.welcome)
        if message:
            from binder.ui.forms.feedback import show_message

            show_message(self.welcome.welcome_message, message)
        self.pages.setCurrentIndex(PAGE_WELCOME)
        self.menuBar().setEnabled(False)
        self._state_changed()

    def _replace_page(self, index: int, widget: QWidget) -> None:
        old = self.pages.widget(index)
        self.pages.removeWidget(old)
        old.deleteLater()
        self.pages.insertWidget(index, widget)

    def _setup_finished(self, result: SetupResult) -> None:
        assert self.welcome is not None
        flow = self.welcome.flow
        try:
            self.session.take_lock(result.path)
        except BinderInUse as exc:
            dialogs.error(self, "Binder in use", str(exc))
            return
        if result.next is Next.UNLOCK:
            self.session.adopt(result.path, open_binder(result.path))
            self.show_unlock()
            return
        self.session.adopt(result.path, flow.take_binder())
        if flow.lead_session is not None:
            self.session.load_settings()
            self.session.keeper.put(flow.lead_session)
        self._enter_shell(open_recent=False)
        if result.next is Next.DRILL and result.drill_incident_id is not None:
            self.open_incident(result.drill_incident_id)
            self.workspace.focus_entry()
        elif result.next is Next.ROSTER:
            self.navigate(NAV_ROSTER)

    def show_unlock(self) -> None:
        """Cover everything with the unlock page."""
        assert self.binder is not None
        if self.unlock_page is None:
            self.unlock_page = UnlockPage(self.binder, self, use_keyring=self.session.use_keyring)
            self.unlock_page.unlocked.connect(self._unlocked)
            self.unlock_page.open_other.connect(self.open_other_binder)
            self._replace_page(PAGE_UNLOCK, self.unlock_page)
        else:
            self.unlock_page.set_binder(self.binder)
        self.pages.setCurrentIndex(PAGE_UNLOCK)
        self.menuBar().setEnabled(False)
        self.unlock_page.focus()
        self._state_changed()

    def _unlocked(self, how: str) -> None:
        first_time = self.incidents_screen is None
        self._enter_shell(open_recent=first_time)

    def unlock_with(self, passphrase: str) -> bool:
        """Unlock from code (tests and screenshots type into the page instead when they can)."""
        assert self.unlock_page is not None
        self.unlock_page.passphrase.setText(passphrase)
        return self.unlock_page.try_passphrase()

    # =========================================================================== the shell
    def _build_shell(self) -> QWidget:
        shell = QWidget()
        row = QHBoxLayout(shell)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Navigation")
        self.nav.setFixedWidth(190)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setTextElideMode(Qt.TextElideMode.ElideRight)
        for label in NAV_LABELS:
            item = QListWidgetItem(label)
            item.setToolTip(label)
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self._nav_changed)
        self.content = QStackedWidget()
        for label in NAV_LABELS:
            self.content.addWidget(QLabel(label))
        row.addWidget(self.nav)
        inner = QVBoxLayout()
        inner.setContentsMargins(12, 10, 12, 6)
        inner.addWidget(self.content)
        row.addLayout(inner, 1)
        return shell

    def _enter_shell(self, *, open_recent: bool) -> None:
        assert self.session.unlocked
        self.session.load_settings()
        self.session.touch()
        if self.incidents_screen is None:
            from binder.ui.screens.incidents import IncidentsScreen

            self.incidents_screen = IncidentsScreen(self.binder, self.signer_provider, self)
            self.incidents_screen.open_requested.connect(self.open_incident)
            self._set_content(NAV_INCIDENTS, self.incidents_screen)
        else:
            self.incidents_screen.refresh()
        if self.roster_screen is not None and hasattr(self.roster_screen, "refresh"):  # or its Placeholder
            self.roster_screen.refresh()
        self.pages.setCurrentIndex(PAGE_SHELL)
        self.menuBar().setEnabled(True)
        self.setWindowTitle(f"{self.binder.path.stem} — {APP_DISPLAY_NAME}")
        recent = most_recent_incident(self.binder) if open_recent else None
        if recent is not None:
            self.open_incident(recent.id)
        elif self.workspace is not None:
            self.navigate(self.nav.currentRow() if self.nav.currentRow() >= 0 else NAV_WORKSPACE)
        else:
            self.navigate(NAV_INCIDENTS)
        self._update_actions()
        self._state_changed()
        self.check_integrity()

    def _set_content(self, index: int, widget: QWidget) -> None:
        old = self.content.widget(index)
        current = self.content.currentIndex()
        self.content.removeWidget(old)
        old.deleteLater()
        self.content.insertWidget(index, widget)
        self.content.setCurrentIndex(current)

    def navigate(self, index: int) -> None:
        """Show Incidents, the current incident, Plan or Roster."""
        if index == NAV_WORKSPACE and self.workspace is None:
            index = NAV_INCIDENTS
        self.nav.setCurrentRow(index)
        self._nav_changed(index)

    def _nav_changed(self, index: int) -> None:
        if index < 0 or self.binder is None or not self.binder.unlocked:
            return
        if index == NAV_WORKSPACE and self.workspace is None:
            self.nav.setCurrentRow(NAV_INCIDENTS)
            return
        if index == NAV_PLAN and self.plan_screen is None:
            from binder.ui.screens.plan import PlanScreen

            self.plan_screen = PlanScreen(self.binder, self,
                                          author_provider=self._signed_in_person)
            self._set_content(NAV_PLAN, self.plan_screen)
        if index == NAV_ROSTER and self.roster_screen is None:
            self.roster_screen = self._make_roster()
            self._set_content(NAV_ROSTER, self.roster_screen)
        if index == NAV_READINESS:
            if self.readiness_screen is None:
                from binder.ui.screens.readiness import ReadinessScreen

                self.readiness_screen = ReadinessScreen(
                    self.binder, self, who_provider=self._current_person)
                self._set_content(NAV_READINESS, self.readiness_screen)
            else:
                self.readiness_screen.refresh()
        if index == NAV_ACCESS:
            if self.access_screen is None:
                from binder.ui.screens.access import AccessLogScreen

                self.access_screen = AccessLogScreen(self.binder, self)
                self._set_content(NAV_ACCESS, self.access_screen)
            else:
                self.access_screen.refresh()
        if index == NAV_INCIDENTS and self.incidents_screen is not None:
            self.incidents_screen.refresh()
        self.content.setCurrentIndex(index)
        self._update_actions()

    def _make_roster(self) -> QWidget:
        from binder.ui.screens.roster import RosterScreen
        from binder.ui.screens.workspace import Placeholder

        try:
            widget = RosterScreen(self.binder, self)
        except Exception as exc:  # noqa: BLE001 - keep the rest of the app usable
            log.warning("roster failed: %s", exc)
            return Placeholder("Roster", f"The roster could not open: {exc}")
        widget.unlock_requested.connect(self.lock_now)
        return widget

    def open_incident(self, incident_id: int) -> None:
        """Show an incident's workspace (replacing the one shown before)."""
        from binder.ui.screens.workspace import IncidentWorkspace

        assert self.binder is not None
        if self.workspace is not None and self.workspace.incident_id == incident_id:
            self.navigate(NAV_WORKSPACE)
            return
        try:
            workspace = IncidentWorkspace(self.binder, incident_id, self.signer_provider, self,
                                          witness_keeper=self.session.witness_keeper)
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="Cannot open the incident")
            return
        if self.workspace is not None:
            self.workspace.shutdown()
        workspace.sessions_changed.connect(self._update_status)
        self.workspace = workspace
        self._set_content(NAV_WORKSPACE, workspace)
        item = self.nav.item(NAV_WORKSPACE)
        item.setText(_clip(workspace.incident.label, 22))
        item.setToolTip(workspace.incident.label)
        self.navigate(NAV_WORKSPACE)
        workspace.tabs.currentWidget().setFocus()

    # =========================================================================== signing
    def signer_provider(self) -> SigningSession | None:
        """The person at the keyboard, signed in; asks once, then keeps them for a few minutes."""
        session = self.session.keeper.take()
        if session is not None:
            self._state_changed()
            return session
        if self.binder is None:
            return None
        dialog = SignInDialog(
            self.binder, self, title="Sign in to sign",
            explanation=(
                "Your signature goes on what you write. You stay signed in for "
                f"{self.session.keeper.minutes} minutes after your last signature."
            ),
            preferred=self.session.last_person,
        )
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.session is None:
            return None
        return self._signed_in(dialog.session)

    def _signed_in_person(self) -> str | None:
        """Who a change is credited to: the person signed in (asked for now), or None."""
        session = self.signer_provider()
        return session.person if session is not None else None

    def sign_in(self, person: str, passphrase: str) -> SigningSession:
        """Sign in without the dialog (scripted screenshots, the first-run lead)."""
        session = self.session.sign_in(person, passphrase)
        self._state_changed()
        return session

    def _signed_in(self, session: SigningSession) -> SigningSession:
        self.session.signed_in(session)
        self._state_changed()
        return session

    def sign_out(self) -> None:
        """End the signer sessions now."""
        self.session.sign_out()
        self._state_changed()

    def _current_person(self) -> str:
        return self.session.current_person()

    # =========================================================================== locking
    def lock_now(self) -> None:
        """Lock: save drafts, drop signer sessions and the data key, show the unlock page."""
        if self.binder is None or self.pages.currentIndex() != PAGE_SHELL:
            return
        if self.workspace is not None:
            self.workspace.flush()
        self.session.lock()
        self._state_changed()
        if self.roster_screen is not None:
            # The roster shows decrypted contacts: it goes, and is rebuilt after unlocking.
            self.roster_screen.deleteLater()
            self.roster_screen = None
            self._set_content(NAV_ROSTER, QLabel("Roster"))
            if self.nav.currentRow() == NAV_ROSTER:
                self.nav.blockSignals(True)
                self.nav.setCurrentRow(NAV_INCIDENTS)
                self.nav.blockSignals(False)
                self.content.setCurrentIndex(NAV_INCIDENTS)
        self.show_unlock()

    def tick(self) -> None:
        """Every few seconds: idle lock, writes by other programs, and the status bar."""
        if self.pages.currentIndex() == PAGE_SHELL and self.session.idle_lock_due():
            self.lock_now()
        self._state_changed()

    # =========================================================================== changes
    def _change_state(self):
        """(binder, signed-in person, witness) for the change hub; during first run, the
        binder and lead the welcome is setting up."""
        binder = self.session.binder
        signer = self.session.keeper.peek()
        witness = self.session.witness_keeper.peek()
        if binder is None and self.welcome is not None:
            if self.welcome.working:  # a slow step uses the binder on another thread
                return None  # look again when it is done
            binder = self.welcome.flow.binder
            signer = signer or self.welcome.flow.lead_session
        return binder, signer.person if signer else None, witness.person if witness else None

    def _state_changed(self) -> None:
        """Something may have changed: look (every listener hears what did), and redraw
        the status bar (its minutes count down even when nothing changed)."""
        self.changes.check()
        self._update_status()

    def _changed(self, change) -> None:
        if change.about("incidents") and self.workspace is not None:
            item = self.nav.item(NAV_WORKSPACE)
            item.setText(_clip(self.workspace.incident.label, 22))
        if change.about(PEOPLE, LOCK):
            self._update_actions()

    def _focus_target(self) -> QWidget | None:
        """Where the keyboard goes when the widget that had it is gone."""
        page = self.pages.currentWidget()
        if page is self.shell:
            screen = self.content.currentWidget()
            own = getattr(screen, "focus_target", None)
            if callable(own):
                return own()
            return first_focusable(screen)
        return first_focusable(page)

    # =========================================================================== actions
    def _action(self, menu, name: str, slot):
        """A window-wide action for registry command ``name`` (binder.ui.shortcuts)."""
        return shortcuts.make_action(self, menu, name, slot)

    def _build_actions(self) -> None:
        bar = self.menuBar()
        act = self._action
        ws = self._with_workspace
        m = bar.addMenu("&File")
        self.act_new_incident = act(m, "file.new_incident", self._new_incident)
        act(m, "file.open_binder", self.open_other_binder)
        m.addSeparator()
        act(m, "file.settings", self.edit_settings)
        self.act_lock = act(m, "file.lock", self.lock_now)
        m.addSeparator()
        act(m, "file.quit", self.close)

        m = bar.addMenu("&Incident")
        self.act_new_entry = act(m, "incident.new_entry", ws("focus_entry"))
        self.act_add_entry = act(m, "incident.add_entry", ws("add_entry"))
        self.act_cosign = act(m, "incident.cosign", ws("cosign"))
        self.act_correct = act(m, "incident.correct", ws("correct"))
        m.addSeparator()
        self.act_decision = act(m, "incident.decision", ws("new_decision"))
        self.act_notification = act(m, "incident.notification", ws("new_notification"))
        self.act_evidence = act(m, "incident.evidence", ws("new_evidence"))
        self.act_transfer = act(m, "incident.transfer", ws("transfer_custody"))
        m.addSeparator()
        from binder.ui.screens.workspace import REGISTER_SHORTCUTS

        self.register_actions = [
            act(m, name, (lambda c=cls: self._with_workspace_call(
                lambda w: w.new_register_item(c))))
            for cls, name in REGISTER_SHORTCUTS
        ]
        m.addSeparator()
        self.act_report = act(m, "incident.report", ws("export_report"))
        self.act_summary = act(m, "incident.summary", ws("export_summary"))
        self.act_sign_lead = act(m, "incident.sign_lead", ws("sign_report_as_lead"))
        self.act_sign_witness = act(m, "incident.sign_witness", ws("sign_report_as_witness"))
        m.addSeparator()
        self.act_verify = act(m, "incident.verify", ws("verify"))
        self.act_checkpoint = act(m, "incident.checkpoint", self.make_checkpoint)
        self.act_anchor = act(m, "incident.anchor", self.anchor_now)

        m = bar.addMenu("&People")
        self.act_sign_in = act(m, "people.sign_in", self._sign_in_dialog)
        self.act_sign_out = act(m, "people.sign_out", self.sign_out)

        m = bar.addMenu("&Go")
        self.nav_actions = [
            act(m, name, lambda i=i: self.navigate(i))
            for i, name in enumerate(("go.incidents", "go.workspace", "go.plan", "go.roster",
                                      "go.readiness", "go.access"))
        ]
        m.addSeparator()
        self.act_find = act(m, "find.search", self.search)
        self.act_filter = act(m, "find.filter", self._find)
        m.addSeparator()
        self.act_next = act(m, "pane.next", lambda: self._pane_step(1))
        self.act_prev = act(m, "pane.previous", lambda: self._pane_step(-1))
        panes = m.addMenu("Go to p&ane")
        self.pane_actions = [act(panes, c.name, lambda i=i: self._show_pane(i))
                             for i, c in enumerate(shortcuts.pane_commands())]

        m = bar.addMenu("&Help")
        act(m, "help.shortcuts", self._show_shortcuts)
        act(m, "help.signing", self.show_signing_help)
        act(m, "help.about", self._about)
        self.incident_actions = [
            self.act_new_entry, self.act_add_entry, self.act_cosign, self.act_correct,
            self.act_decision, self.act_notification, self.act_evidence, self.act_transfer,
            *self.register_actions, self.act_report, self.act_summary, self.act_sign_lead,
            self.act_sign_witness, self.act_verify, self.act_next, self.act_prev,
            *self.pane_actions]
        # Kept for callers of the older name.
        self.workspace_actions = self.incident_actions

    def _with_workspace(self, name: str):
        def run():
            if self.workspace is None:
                return
            if self.content.currentIndex() != NAV_WORKSPACE:
                self.navigate(NAV_WORKSPACE)
            getattr(self.workspace, name)()

        return run

    def _update_actions(self) -> None:
        has_incident = self.workspace is not None
        for action in self.incident_actions:
            action.setEnabled(has_incident)
        # Ctrl+Tab and Ctrl+1…9 belong to the incident's panes only while they are on view;
        # elsewhere (Plan, Roster) the screen's own tabs take them.
        on_view = has_incident and self.content.currentIndex() == NAV_WORKSPACE
        for action in (self.act_next, self.act_prev, *self.pane_actions):
            action.setEnabled(on_view)
        self.act_sign_out.setEnabled(self.session.anyone_signed_in())

    def _pane_step(self, step: int) -> None:
        if self.workspace is not None:
            self.workspace.next_pane(step)

    def _show_pane(self, index: int) -> None:
        if self.workspace is not None:
            self.workspace.show_pane(index)

    def _with_workspace_call(self, fn) -> None:
        if self.workspace is None:
            return
        if self.content.currentIndex() != NAV_WORKSPACE:
            self.navigate(NAV_WORKSPACE)
        fn(self.workspace)

    def search(self):
        """Ctrl+F: search every journal, attacker timeline and indicator."""
        if self.binder is None or not self.binder.unlocked:
            return None
        from binder.ui.screens.search import SearchDialog

        current = self.workspace.incident_id if self.workspace is not None else None
        self.search_dialog = SearchDialog(self.binder, current, self)
        self.search_dialog.open_entry.connect(self._open_search_hit)
        self.search_dialog.open()
        return self.search_dialog

    def _open_search_hit(self, incident_id: int, entry_id: int) -> None:
        self.open_incident(incident_id)
        if self.workspace is not None and self.workspace.incident_id == incident_id:
            self.workspace.show_entry(entry_id)

    def _find(self) -> None:
        """Ctrl+Shift+F: the filter of the list on view (the journal, the roster)."""
        screen = self.content.currentWidget()
        if self.pages.currentIndex() != PAGE_SHELL:
            return
        if screen is self.roster_screen and self.roster_screen is not None \
                and hasattr(self.roster_screen, "search"):
            self.roster_screen.search.setFocus()
            self.roster_screen.search.selectAll()
            return
        if self.workspace is None:
            return
        self.navigate(NAV_WORKSPACE)
        self.workspace.show_pane(1)
        self.workspace.journal.filter.setFocus()
        self.workspace.journal.filter.selectAll()

    def _new_incident(self) -> None:
        if self.incidents_screen is None:
            return
        self.navigate(NAV_INCIDENTS)
        self.incidents_screen.new_incident()

    def _sign_in_dialog(self) -> None:
        self.session.keeper.clear()
        self.signer_provider()

    def open_other_binder(self) -> None:
        """Switch to another binder file."""
        path = dialogs.open_file(self, "Open a binder", str(self.binder_path.parent),
                                 "Binders (*.binder);;All files (*)")
        if path:
            self.switch_binder(Path(path))

    def switch_binder(self, path: Path) -> bool:
        """Close this binder and open ``path`` (it is unlocked next)."""
        try:
            new, lock = self.session.open_elsewhere(path)
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="Cannot open that binder")
            return False
        self._close_binder()
        self.session.adopt(path, new, lock)
        self.show_unlock()
        return True

    def _close_binder(self) -> None:
        self._integrity_task = None
        if self.workspace is not None:
            self.workspace.shutdown()
        self.session.sign_out()
        self._state_changed()
        for name in ("workspace", "plan_screen", "roster_screen", "incidents_screen",
                     "readiness_screen", "access_screen"):
            widget = getattr(self, name)
            if widget is not None:
                widget.deleteLater()
            setattr(self, name, None)
        for i, label in enumerate(NAV_LABELS):
            self._set_content(i, QLabel(label))
            self.nav.item(i).setText(label)
        self.session.close()

    def edit_settings(self) -> None:
        """Change idle lock and signer-session length."""
        if self.binder is None:
            return
        dialog = SettingsDialog(self.session.settings, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.session.save_settings(dialog.values())
        except BinderError as exc:
            dialogs.show_exception(self, exc, title="Settings not saved")
            return
        self._state_changed()

    def _show_shortcuts(self) -> shortcuts.ShortcutsDialog:
        """F1: every command with its keys, made from the registry the menus are made from."""
        self.shortcuts_dialog = shortcuts.ShortcutsDialog(self)
        self.shortcuts_dialog.open()
        return self.shortcuts_dialog

    def show_signing_help(self) -> SigningHelpDialog:
        """Help → Signing and witnesses, with this binder's signers and settings."""
        minutes = self.session.settings.signer_session_minutes
        self.signing_help = SigningHelpDialog(self.binder, minutes, self)
        self.signing_help.open()
        return self.signing_help

    def _about(self) -> None:
        dialogs.info(self, "About Incident Binder",
                     "Incident Binder: the offline binder for leading a security incident.")

    # =========================================================================== integrity
    def check_integrity(self) -> None:
        """Verify the whole binder off the UI thread: quickly from the last verified checkpoint."""
        if not self.session.unlocked or getattr(self, "_integrity_task", None) is not None:
            return
        from shiboken6 import isValid

        from binder.ui.tasks import run_task

        path, key = self.binder.path, self.binder.data_key
        set_chip(self.integrity_label, "Checking the binder…", "grey")
        self.integrity_label.setVisible(True)

        def work(progress, cancelled):
            from binder.services.integrity import check_at_open

            with open_binder(path) as b:  # a connection of the worker thread's own
                b.data_key = key  # the mark of the last full verify is authenticated with it
                return check_at_open(b, progress)

        def current() -> bool:
            # The window may have closed, or moved to another binder, while this ran.
            return isValid(self) and self.binder is not None and self.binder.path == path

        def done(state) -> None:
            if not current():
                return
            self._integrity_task = None
            self.integrity_state = state
            set_chip(self.integrity_label, state.text, "green" if state.ok else "red")
            self.integrity_label.setToolTip(state.detail)

        def failed(exc: BaseException) -> None:
            if not current():
                return
            self._integrity_task = None
            set_chip(self.integrity_label, "Binder not checked", "amber")
            self.integrity_label.setToolTip(str(exc))

        self._integrity_task = run_task(self, work, label="Checking the binder", on_success=done,
                                        on_failure=failed, show_progress=False)

    def make_checkpoint(self) -> None:
        """Sign (and have a witness co-sign) the state of the whole binder; show its text."""
        if not self.session.unlocked:
            return
        from binder.ui.forms.signed import ask_author
        from binder.ui.screens.checkpoint import CheckpointDialog, CheckpointTextDialog

        author = ask_author(self, self.signer_provider, "A checkpoint")
        if author is None:
            return
        incident_id = self.workspace.incident_id if self.workspace is not None else None
        dialog = CheckpointDialog(self, self.binder, author, incident_id)
        if dialog.exec() and dialog.made is not None:
            CheckpointTextDialog(self, self.binder, dialog.made).exec()

    def anchor_now(self) -> None:
        """Ask the timestamp authorities for trusted time; offline, everything stays pending."""
        if not self.session.unlocked:
            return
        from binder.core.checkpoint.anchor import tsa_urls
        from binder.ui.tasks import run_task

        if not tsa_urls(self.binder):
            dialogs.info(self, "No timestamp authority set",
                         "Set one or more RFC 3161 timestamp authorities first (your organisation's, "
                         "or a public one), e.g. with `binder anchor --tsa URL`. Until then every "
                         "time in this binder is this computer's clock.")
            return
        path = self.binder.path

        def work(progress, cancelled):
            from binder.core.checkpoint.anchor import anchor

            with open_binder(path) as b:
                return anchor(b)

        def done(result) -> None:
            lines = [f"Anchored checkpoint {cp.id} ({count_text(cp.tree_size, 'record')}) at {when[:19]}Z"
                     for cp, _url, when in result.anchored]
            lines += [f"Timestamped {p}" for p, _u, _w in result.reports]
            pending = len(result.pending_checkpoints) + len(result.pending_reports)
            if pending:
                lines.append(f"{pending} item(s) stay pending: {'; '.join(result.failures[:2])}")
            if not lines:
                lines.append("Nothing pending: every checkpoint and report is anchored.")
            dialogs.info(self, "Trusted time", "\n".join(lines))

        run_task(self, work, label="Asking the timestamp authorities", on_success=done)

    # =========================================================================== status bar
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.lock_label = QLabel("")
        self.lock_label.setAccessibleName("Lock state")
        self.signer_label = QLabel("")
        self.signer_label.setAccessibleName("Signer session")
        self.sign_out_button = QToolButton()
        self.sign_out_button.setText("Sign out")
        self.sign_out_button.setAccessibleName("Sign out")
        self.sign_out_button.setAutoRaise(True)
        self.sign_out_button.clicked.connect(self.sign_out)
        self.deadline_label = QLabel("")
        self.deadline_label.setAccessibleName("Nearest deadline")
        self.integrity_label = QLabel("")
        self.integrity_label.setAccessibleName("Binder integrity")
        self.integrity_label.setVisible(False)
        bar.addPermanentWidget(self.integrity_label)
        bar.addPermanentWidget(self.deadline_label)
        bar.addPermanentWidget(self.signer_label)
        bar.addPermanentWidget(self.sign_out_button)
        bar.addPermanentWidget(self.lock_label)

    def _update_status(self) -> None:
        lock_text = self.session.lock_state_text()
        signer_text = self.session.signer_state_text()
        flow = self.welcome.flow if (self.welcome is not None and self.session.binder is None) \
            else None
        if flow is not None and flow.path is not None:
            # First run: the binder being set up, and the lead once their key exists.
            lock_text = (f"Setting up · {flow.path.name}" if flow.binder is not None
                         else "Setting up a new binder")
            if flow.lead_session is not None:
                signer_text = f"Signed in: {flow.lead_session.identity.name}"
        self.lock_label.setText(lock_text)
        self.signer_label.setText(signer_text)
        self.sign_out_button.setVisible(self.session.anyone_signed_in())
        unlocked = self.session.unlocked
        d = self.workspace.nearest_deadline if (self.workspace is not None and unlocked) else None
        if d is not None:
            set_chip(self.deadline_label, f"{d.name}: {d.describe()}", d.colour)
        self.deadline_label.setVisible(d is not None)

    # =========================================================================== closing
    def _restore_geometry(self) -> None:
        settings = QSettings(ORG_NAME, APP_DISPLAY_NAME)
        geometry = settings.value("window/geometry") if self.remember_geometry else None
        if geometry is not None and self.restoreGeometry(geometry):
            state = settings.value("window/state")
            if state is not None:
                self.restoreState(state)
            return
        screen = QApplication.primaryScreen()
        size = screen.availableGeometry().size() if screen else None
        width = min(1366, size.width()) if size else 1366
        height = min(768, size.height()) if size else 768
        self.resize(width, height)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if self.remember_geometry:
            settings = QSettings(ORG_NAME, APP_DISPLAY_NAME)
            settings.setValue("window/geometry", self.saveGeometry())
            settings.setValue("window/state", self.saveState())
        self._timer.stop()
        QApplication.instance().removeEventFilter(self.idle)
        if self.welcome is not None and self.binder is None:
            if self.welcome.working:  # the binder is being made: let that step end first
                from PySide6.QtCore import QThreadPool

                QThreadPool.globalInstance().waitForDone(60_000)
            self.welcome.flow.cancel()
        self._close_binder()
        super().closeEvent(event)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
