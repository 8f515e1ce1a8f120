"""Every keyboard command of the app in one registry: name, keys, and where it works.

Menus, pane shortcuts, tooltips and the F1 list are all made from
:data:`COMMANDS`, so a key is bound in one place and the list of shortcuts is
never out of date. A key sequence is used once per place it works: a command
that works "Anywhere" owns its keys in every screen, and two commands of the
same screen never share one (``tests/ui/test_shortcuts.py`` collects every
QAction and QShortcut of the window and fails on a clash).

Menu texts carry their mnemonic (``&``); the F1 list and tooltips show them
without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QMenu,
    QTabBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

# Where a command works, in the order the F1 list shows them.
ANYWHERE = "Anywhere"
INCIDENT = "With an incident open"
JOURNAL = "Journal pane"
GUIDE = "Guide pane"
REGISTERS = "Timeline, indicators, assets and tasks panes"
REPORT = "Report pane"
ROSTER = "Roster"
READINESS = "Readiness"
FORMS = "Forms and dialogs"
PLACES = (ANYWHERE, INCIDENT, JOURNAL, GUIDE, REGISTERS, REPORT, ROSTER, READINESS, FORMS)


@dataclass(frozen=True)
class Command:
    """One thing the keyboard can do.

    ``text`` is the menu text with its mnemonic; ``keys`` are portable key
    sequences (the first one is shown); ``where`` is one of :data:`PLACES`.
    """

    name: str
    text: str
    keys: tuple[str, ...] = ()
    where: str = ANYWHERE
    tip: str = ""
    native: bool = False  # a key the widget itself handles (Space in a list): listed, not bound

    @property
    def shown_keys(self) -> tuple[str, ...]:
        """The keys as listed: the first of each pair of aliases only."""
        return tuple(k for k in self.keys if k not in ALIASES)

    @property
    def listed(self) -> str:
        """What the F1 list says it does ("Go to the Guide pane" for the menu's "1 Guide")."""
        if self.name.startswith("pane.") and self.name[5:].isdigit():
            return f"Go to the {self.label.split(' ', 1)[-1]} pane"
        return self.label

    @property
    def label(self) -> str:
        """The text without mnemonic marks or the trailing ellipsis."""
        return plain(self.text).rstrip("…")


def plain(text: str) -> str:
    """Menu text as read: ``&&`` is a literal ampersand, a single ``&`` marks the mnemonic."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def mnemonic_safe(text: str) -> str:
    """User text for a Qt title that takes mnemonics (buttons, group boxes, tabs, menu items):
    every ``&`` doubled, so "R&D" shows as typed instead of underlining the D."""
    return text.replace("&", "&&")


#: Second spellings of a key, bound so every keyboard works, never listed.
ALIASES = frozenset({"Ctrl+Enter", "Ctrl+Backtab"})

_C = Command
#: Every command with keys, or reached through a menu, grouped by where it works.
COMMANDS: tuple[Command, ...] = (
    # -- anywhere in the window
    _C("file.new_incident", "&New incident…", ("Ctrl+Shift+N",), ANYWHERE,
       "Open a new incident (or a drill)"),
    _C("file.open_binder", "&Open another binder…", ("Ctrl+O",), ANYWHERE),
    _C("file.settings", "Se&ttings…", ("Ctrl+,",), ANYWHERE,
       "Idle lock and how long signers stay signed in"),
    _C("file.lock", "&Lock now", ("Ctrl+L",), ANYWHERE, "Lock the binder and sign everyone out"),
    _C("file.quit", "&Quit", ("Ctrl+Q",), ANYWHERE),
    _C("people.sign_in", "&Sign in…", ("Ctrl+I",), ANYWHERE,
       "Open your signing key with your own passphrase"),
    _C("people.sign_out", "Sign &out", (), ANYWHERE, "End the signer and witness sessions now"),
    _C("find.search", "&Search everything…", ("Ctrl+F",), ANYWHERE,
       "Search journals, attacker timelines and indicators"),
    _C("find.filter", "&Filter this list", ("Ctrl+Shift+F",), ANYWHERE,
       "Put the cursor in the filter of the journal or the roster"),
    _C("go.incidents", "&Incidents", ("Alt+1",), ANYWHERE),
    _C("go.workspace", "&Current incident", ("Alt+2",), ANYWHERE),
    _C("go.plan", "&Plan", ("Alt+3",), ANYWHERE),
    _C("go.roster", "&Roster", ("Alt+4",), ANYWHERE),
    _C("go.readiness", "Rea&diness", ("Alt+5",), ANYWHERE),
    _C("go.access", "&Who had access", ("Alt+6",), ANYWHERE),
    _C("help.shortcuts", "&Keyboard shortcuts", ("F1",), ANYWHERE),
    _C("help.signing", "&Signing and witnesses", (), ANYWHERE,
       "Who signs, how to enrol someone, witness sessions and what each signature means"),
    _C("help.about", "&About Incident Binder", (), ANYWHERE),
    # -- the incident
    _C("incident.new_entry", "&New entry", ("Ctrl+N",), INCIDENT,
       "Put the cursor in the journal entry box"),
    _C("incident.add_entry", "&Add entry", ("Ctrl+Return", "Ctrl+Enter"), INCIDENT,
       "Sign and add the entry being written"),
    _C("incident.cosign", "&Co-sign selected entry…", ("Ctrl+Shift+S",), INCIDENT,
       "A witness co-signs the selected journal entry with their own key"),
    _C("incident.correct", "C&orrect selected entry…", ("Ctrl+Shift+R",), INCIDENT,
       "Add a signed correction; the original stays"),
    _C("incident.decision", "Record &decision…", ("Ctrl+Shift+D",), INCIDENT,
       "What was decided, the options weighed and why"),
    _C("incident.notification", "Record noti&fication…", ("Ctrl+Shift+M",), INCIDENT,
       "Who was told what, when, and which clock it answers"),
    _C("incident.evidence", "Register &evidence…", ("Ctrl+E",), INCIDENT,
       "Hash files and register them with their custody facts"),
    _C("incident.transfer", "&Transfer custody…", ("Ctrl+Shift+E",), INCIDENT,
       "Hand the selected evidence item to someone else (signed)"),
    _C("incident.timeline", "New attacker e&vent…", ("Ctrl+Shift+T",), INCIDENT),
    _C("incident.indicator", "New &indicator…", ("Ctrl+Shift+I",), INCIDENT),
    _C("incident.asset", "New affected a&sset…", ("Ctrl+Shift+A",), INCIDENT),
    _C("incident.task", "New tas&k…", ("Ctrl+Shift+K",), INCIDENT),
    _C("incident.report", "Export full &report…", ("Ctrl+P",), INCIDENT,
       "Build the signed case file for counsel as a PDF"),
    _C("incident.summary", "Export executive s&ummary…", (), INCIDENT,
       "Two pages for management"),
    _C("incident.sign_lead", "Sign the report as &lead…", (), INCIDENT,
       "Embed the incident lead's signature in the exported report"),
    _C("incident.sign_witness", "Sign the report as &witness…", (), INCIDENT,
       "Embed the witness's signature in the exported report"),
    _C("incident.verify", "Verif&y this incident", ("Ctrl+Shift+V",), INCIDENT,
       "Recompute every hash and signature"),
    _C("incident.checkpoint", "&Make a checkpoint…", ("Ctrl+Alt+K",), INCIDENT,
       "Sign the state of the whole binder, e.g. at a shift handover"),
    _C("incident.anchor", "Anc&hor with a timestamp authority", (), INCIDENT,
       "Send pending checkpoints and signed reports to the timestamp authorities set"),
    _C("pane.next", "&Next pane", ("Ctrl+Tab", "Ctrl+PgDown"), INCIDENT),
    _C("pane.previous", "Pre&vious pane", ("Ctrl+Shift+Tab", "Ctrl+Backtab", "Ctrl+PgUp"),
       INCIDENT),
    # -- inside one pane or screen
    _C("journal.open", "Read the selected entry", ("Return",), JOURNAL,
       "Move to the full text of the selected entry", native=True),
    _C("guide.task", "Make the checklist item a task…", ("Ctrl+T",), GUIDE),
    _C("guide.tick", "Tick the selected checklist item", ("Space",), GUIDE, native=True),
    _C("register.new", "New item in this register…", ("Insert",), REGISTERS),
    _C("report.previous_page", "Previous page of the preview", ("PgUp",), REPORT),
    _C("report.next_page", "Next page of the preview", ("PgDown",), REPORT),
    _C("roster.new_contact", "New contact", ("Insert",), ROSTER),
    _C("readiness.mark_done", "Mark the selected item done…", ("Ctrl+D",), READINESS),
    _C("forms.accept", "Sign and record / OK", ("Return",), FORMS,
       "From a one-line field; in a text box Tab moves on first", native=True),
    _C("forms.cancel", "Cancel and close", ("Esc",), FORMS, native=True),
    _C("forms.next_field", "Next / previous field", ("Tab", "Shift+Tab"), FORMS, native=True),
    _C("forms.mnemonic", "Jump to the field or button whose letter is underlined", ("Alt+letter",),
       FORMS, native=True),
)

#: Pane commands (Ctrl+1…9) are made from the workspace's pane list.
PANE_KEYS = 9


def pane_commands() -> tuple[Command, ...]:
    """One "go to pane" command per incident pane, Ctrl+1…Ctrl+9 for the first nine."""
    from binder.ui.screens.workspace import PANES

    out = []
    used: set[str] = set()
    for i, (title, _m, _c) in enumerate(PANES):
        name = plain(title)
        if i < PANE_KEYS:
            out.append(Command(f"pane.{i}", f"&{i + 1} {mnemonic_safe(name)}",
                               (f"Ctrl+{i + 1}",), INCIDENT))
            continue
        # Past the ninth pane: the first letter of its name no other pane took.
        at = next((j for j, ch in enumerate(name) if ch.isalpha() and ch.lower() not in used), -1)
        if at >= 0:
            used.add(name[at].lower())
        text = mnemonic_safe(name)
        if at >= 0:
            text = mnemonic_safe(name[:at]) + "&" + mnemonic_safe(name[at:])
        out.append(Command(f"pane.{i}", text, (), INCIDENT))
    return tuple(out)


def all_commands() -> tuple[Command, ...]:
    """Every command, panes included."""
    return COMMANDS + pane_commands()


def command(name: str) -> Command:
    """The command called ``name`` (KeyError for a name not in the registry)."""
    for c in all_commands():
        if c.name == name:
            return c
    raise KeyError(name)


def key_text(name_or_command: str | Command) -> str:
    """The command's first key as this platform writes it (``Ctrl+N``), or ""."""
    c = command(name_or_command) if isinstance(name_or_command, str) else name_or_command
    if not c.keys:
        return ""
    return QKeySequence(c.keys[0]).toString(QKeySequence.SequenceFormat.NativeText)


def with_keys(text: str, name: str) -> str:
    """A tooltip that ends with the command's key: ``Co-sign the entry (Ctrl+Shift+S)``."""
    keys = key_text(name)
    return f"{text} ({keys})" if keys else text


def make_action(window: QWidget, menu: QMenu | None, name: str, slot: Callable[[], object]
                ) -> QAction:
    """A window-wide QAction for command ``name``, added to ``menu`` and to ``window``."""
    c = command(name)
    action = QAction(c.text, window)
    action.setObjectName(name)
    action.setProperty("command", name)
    if c.keys:
        action.setShortcuts([QKeySequence(k) for k in c.keys])
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    tip = with_keys(c.tip or c.label, name)
    action.setToolTip(tip)
    action.setStatusTip(c.tip)
    action.triggered.connect(lambda _checked=False: slot())
    if menu is not None:
        menu.addAction(action)
    window.addAction(action)
    return action


def bind(widget: QWidget, name: str, slot: Callable[[], object], *,
         context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut
         ) -> list[QShortcut]:
    """Bind command ``name``'s keys on ``widget`` (active while focus is inside it)."""
    c = command(name)
    out = []
    for key in c.keys:
        shortcut = QShortcut(QKeySequence(key), widget)
        shortcut.setContext(context)
        shortcut.setProperty("command", name)
        shortcut.activated.connect(slot)
        out.append(shortcut)
    return out


def button_keys(button: QAbstractButton, name: str, tip: str = "") -> QAbstractButton:
    """Give ``button`` command ``name``'s key and say it in the tooltip."""
    c = command(name)
    if c.keys:
        button.setShortcut(QKeySequence(c.keys[0]))
    button.setProperty("command", name)
    button.setToolTip(with_keys(tip or c.tip or c.label, name))
    return button


def mnemonic_key(text: str) -> str:
    """``Alt+F`` for a title with ``&F`` in it (``&&`` is a literal ampersand), else ""."""
    stripped = text.replace("&&", "")
    at = stripped.find("&")
    if at < 0 or at + 1 >= len(stripped):
        return ""
    return f"Alt+{stripped[at + 1].upper()}"


def bindings(root: QWidget) -> list[tuple[str, QObject]]:
    """Every (key sequence, owner) bound in the window ``root``: QActions, QShortcuts, button
    shortcuts, and mnemonics (buttons, labels with a buddy, tabs, the menu bar).

    Keys are in portable text (``Ctrl+Shift+N``). Dialogs are windows of their own and are
    left out (collect them with their own root).
    """
    found: list[tuple[str, QObject]] = []
    bar = root.menuBar() if hasattr(root, "menuBar") else None
    if bar is not None:
        for action in bar.actions():
            if key := mnemonic_key(action.text()):
                found.append((key, bar))

    def in_window(widget) -> bool:
        return widget is not None and (widget is root or widget.window() is root)

    for obj in root.findChildren(QObject):
        if isinstance(obj, QAction):
            if not any(in_window(w) for w in obj.associatedObjects() if isinstance(w, QWidget)):
                continue
            for seq in obj.shortcuts():
                if not seq.isEmpty():
                    found.append((seq.toString(), obj))
        elif isinstance(obj, QShortcut):
            if in_window(obj.parent()) and not obj.key().isEmpty():
                found.append((obj.key().toString(), obj))
        elif isinstance(obj, QWidget) and not in_window(obj):
            continue
        elif isinstance(obj, QAbstractButton):
            if not obj.shortcut().isEmpty():
                found.append((obj.shortcut().toString(), obj))
        elif isinstance(obj, QLabel):
            if obj.buddy() is not None and (key := mnemonic_key(obj.text())):
                found.append((key, obj))
        elif isinstance(obj, QTabBar):
            for i in range(obj.count()):
                if key := mnemonic_key(obj.tabText(i)):
                    found.append((key, obj))
        elif isinstance(obj, QGroupBox):
            if obj.isCheckable() and (key := mnemonic_key(obj.title())):
                found.append((key, obj))
    return found


class ShortcutsDialog(QDialog):
    """F1: every command with keys, grouped by where it works."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        self.resize(900, 620)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Keyboard shortcuts")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Keys", "Does"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        by_place: dict[str, list[Command]] = {p: [] for p in PLACES}
        for c in all_commands():
            if c.shown_keys:
                by_place.setdefault(c.where, []).append(c)
        for place in by_place:
            commands = by_place[place]
            if not commands:
                continue
            group = QTreeWidgetItem([place, ""])
            group.setFirstColumnSpanned(True)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(group)
            for c in commands:
                keys = "  or  ".join(
                    k if c.native else
                    QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
                    for k in c.shown_keys)
                row = QTreeWidgetItem([keys, c.listed + (f" — {c.tip}" if c.tip else "")])
                row.setToolTip(1, c.tip or c.label)
                group.addChild(row)
        self.tree.expandAll()
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.setItemsExpandable(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str, str]]:
        """(where, keys, what) of every line shown (tests read this)."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for j in range(group.childCount()):
                row = group.child(j)
                out.append((group.text(0), row.text(0), row.text(1)))
        return out
