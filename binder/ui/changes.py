"""The window's one "what changed" signal, and how screens listen to it.

The main window owns a :class:`ChangeHub`. Anything that may have changed
something (a signed form closing, a sign-in, the idle lock, a task finishing,
the five-second tick that notices other programs' writes) calls
:func:`check` with any widget of the window; the hub reads the window's state
(:class:`binder.services.changes.ChangeTracker`) and, when something moved,
emits :attr:`ChangeHub.changed` with a :class:`~binder.services.changes.Change`
naming the topics (binder, lock, people, journal, roster, plan, evidence…) and
the incidents whose journal moved, with their new heads.

Screens do not refresh each other: each calls :func:`listen` once with the
topics it shows and its refresh method. A screen that is not on view only
notes that it is out of date and refreshes when it is shown again, so a busy
journal does not redraw ten hidden panes.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from binder.services.changes import BINDER, LOCK, Change, ChangeTracker

log = logging.getLogger(__name__)

#: Topics that concern one incident's journal: a listener given an incident id
#: hears them only for that incident.
JOURNAL_TOPICS = frozenset({"journal", "cosign"})

#: (binder or None, signed-in person, witness), or None for "not now".
StateReader = Callable[[], tuple[object, str | None, str | None] | None]


_PAUSED = 0  # pause() blocks under way


@contextmanager
def pause() -> Iterator[None]:
    """No window reads its binder meanwhile (work on another thread is using it)."""
    global _PAUSED
    _PAUSED += 1
    try:
        yield
    finally:
        _PAUSED -= 1


def paused() -> bool:
    """True inside :func:`pause`."""
    return _PAUSED > 0


class ChangeHub(QObject):
    """Emits :attr:`changed` whenever a look at the window's state finds something new.

    ``read_state`` returns (binder or None, signed-in person or None, witness or None).
    """

    changed = Signal(object)  # Change

    def __init__(self, read_state: StateReader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._read_state = read_state
        self.tracker = ChangeTracker()
        self._emitting = False
        self._again = False
        self.last: Change = Change()

    def check(self) -> Change:
        """Look now; emit and return what changed (an empty Change when nothing did)."""
        if self._emitting:
            self._again = True  # a listener acted: look again once this round is told
            return Change()
        if _PAUSED:  # a form waits on work using the binder (tasks.wait_for): look after
            return Change()
        state = self._read_state()
        if state is None:  # the window cannot be read now (a slow step holds the binder)
            return Change()
        binder, signer, witness = state
        change = self.tracker.look(binder, signer=signer, witness=witness)
        if change:
            self._emit(change)
        return change

    def announce(self, *topics: str, heads=None) -> None:
        """Tell every listener about a change the binder's marks cannot see (a file signed)."""
        self._emit(Change(frozenset(topics), dict(heads or {})))

    def _emit(self, change: Change) -> None:
        self.last = change
        self._emitting = True
        try:
            self.changed.emit(change)
        finally:
            self._emitting = False
        if self._again:
            self._again = False
            self.check()


def hub_of(widget: QObject | None) -> ChangeHub | None:
    """The hub of the window ``widget`` is in (None outside a main window)."""
    obj = widget
    while obj is not None:
        hub = getattr(obj, "changes", None)
        if isinstance(hub, ChangeHub):
            return hub
        obj = obj.parent()
    return None


def check(widget: QObject | None) -> bool:
    """Ask the window of ``widget`` to look for changes now; False when it has no hub."""
    hub = hub_of(widget)
    if hub is None:
        return False
    hub.check()
    return True


class Listener(QObject):
    """Calls a screen's refresh when a topic it shows changed: at once when the screen is
    on view, else the next time it is shown.

    ``refresh`` may take the :class:`Change` as its one argument, or nothing.
    """

    def __init__(self, widget: QWidget, topics: Iterable[str], refresh: Callable,
                 incident_id: int | None = None) -> None:
        super().__init__(widget)
        self.widget = widget
        self.topics = frozenset(topics)
        self.refresh = refresh
        self.incident_id = incident_id
        self.stale: Change | None = None
        self.hub: ChangeHub | None = None
        try:
            self._wants_change = bool(inspect.signature(refresh).parameters)
        except (TypeError, ValueError):
            self._wants_change = False
        widget.installEventFilter(self)
        self._connect()

    def _connect(self) -> None:
        if self.hub is not None:
            return
        self.hub = hub_of(self.widget)
        if self.hub is not None:
            self.hub.changed.connect(self.on_change)

    def concerns(self, change: Change) -> bool:
        """Whether ``change`` is about what this screen shows."""
        if change.topics & {BINDER, LOCK}:
            return True
        others = self.topics - JOURNAL_TOPICS
        if change.topics & others:
            return True
        if change.topics & self.topics & JOURNAL_TOPICS:
            return self.incident_id is None or change.touches(self.incident_id) \
                or not change.heads  # heads unknown: better refresh than show stale facts
        return False

    def on_change(self, change: Change) -> None:
        """The hub said something changed."""
        if not isValid(self.widget) or not self.concerns(change):
            return
        if self.widget.isVisible():
            self._run(change)
        else:
            self.stale = change if self.stale is None else Change(
                self.stale.topics | change.topics, {**self.stale.heads, **change.heads})

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if obj is self.widget and event.type() == QEvent.Type.Show:
            self._connect()
            if self.stale is not None:
                change, self.stale = self.stale, None
                self._run(change)
        return False

    def _run(self, change: Change) -> None:
        try:
            if self._wants_change:
                self.refresh(change)
            else:
                self.refresh()
        except Exception:  # noqa: BLE001 - one screen's refresh must not stop the others
            log.exception("refresh after a change failed")


def listen(widget: QWidget, topics: Iterable[str], refresh: Callable,
           incident_id: int | None = None) -> Listener:
    """Refresh ``widget`` through ``refresh`` whenever one of ``topics`` changes (for
    journal topics with ``incident_id``: only that incident's journal)."""
    return Listener(widget, topics, refresh, incident_id)
