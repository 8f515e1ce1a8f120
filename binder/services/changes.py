"""What changed in a window since the last look: one answer for every screen.

A window's state is the binder it has open, whether it is unlocked, who is
signed in (and as witness), and the change marks of the binder's stored
areas (:mod:`binder.core.storage.marks`). :class:`ChangeTracker` reads that
state when asked and returns a :class:`Change` naming what moved since the
previous reading: the screens refresh from it, each for the topics it shows.

Asking is cheap, so the window asks after every action it runs, after every
dialog closes and every few seconds (the last catches writes from other
programs, e.g. the command line). Qt-free: the rules are tested without a
window; :mod:`binder.ui.changes` turns a Change into a Qt signal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from binder.core.storage.marks import Head, Marks, journal_changes, read_marks

# Topics a Change may name. The stored areas of the binder are named as in
# binder.core.storage.marks.AREA_SQL (incidents, journal, cosign, evidence, plan,
# roster, signers, access, readiness, checkpoints, reports, settings).
BINDER = "binder"  # another binder file was opened, or the binder was closed
LOCK = "lock"  # locked or unlocked
PEOPLE = "people"  # who is signed in (or as witness) changed
ALL_TOPICS = frozenset({BINDER, LOCK, PEOPLE, "incidents", "journal", "cosign", "evidence",
                        "plan", "roster", "signers", "access", "readiness", "checkpoints",
                        "reports", "settings"})


@dataclass(frozen=True)
class Change:
    """What moved since the last reading.

    ``topics``: the names above. ``heads``: for each incident whose journal got
    an entry or a co-signature, its newest entry now.
    """

    topics: frozenset[str] = frozenset()
    heads: Mapping[int, Head] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.topics)

    def about(self, *topics: str) -> bool:
        """True when any of ``topics`` changed (a new binder or lock state changes all)."""
        if self.topics & {BINDER, LOCK}:
            return True
        return bool(self.topics & set(topics))

    def touches(self, incident_id: int | None) -> bool:
        """True when this incident's journal moved (or the binder changed under it)."""
        if self.topics & {BINDER, LOCK}:
            return True
        return incident_id is not None and incident_id in self.heads

    @staticmethod
    def everything() -> Change:
        """A change naming every topic (a screen built or shown afresh)."""
        return Change(ALL_TOPICS)


@dataclass(frozen=True)
class WindowState:
    """One reading of what a window shows."""

    binder: str | None
    unlocked: bool
    signer: str | None
    witness: str | None
    marks: Marks | None


class ChangeTracker:
    """Reads a window's state and says what changed since the previous reading.

    ``read_state`` returns the binder (or None) and the people signed in; it is
    given by the window, whose session knows them.
    """

    def __init__(self) -> None:
        self.state: WindowState | None = None

    def reset(self) -> None:
        """Forget the last reading (the next one reports nothing: a fresh start)."""
        self.state = None

    def look(self, binder, *, signer: str | None, witness: str | None) -> Change:
        """Read the state now; the Change since the last look (empty on the first one)."""
        path = str(binder.path) if binder is not None else None
        unlocked = bool(binder is not None and binder.unlocked)
        marks = _safe_marks(binder)
        state = WindowState(path, unlocked, signer, witness, marks)
        before, self.state = self.state, state
        if before is None:
            return Change()
        topics: set[str] = set()
        heads: dict[int, Head] = {}
        if before.binder != state.binder:
            return Change(ALL_TOPICS)
        if before.unlocked != state.unlocked:
            topics.add(LOCK)
        if (before.signer, before.witness) != (signer, witness):
            topics.add(PEOPLE)
        if marks is not None:
            topics |= marks.changed_areas(before.marks)
            if topics & {"journal", "cosign"}:
                try:
                    heads = journal_changes(binder, before.marks, marks)
                except Exception:  # noqa: BLE001 - a look must never fail: say "journal"
                    heads = {}
        return Change(frozenset(topics), heads)


def _safe_marks(binder) -> Marks | None:
    if binder is None:
        return None
    try:
        return read_marks(binder)
    except Exception:  # noqa: BLE001 - a closed or damaged file: nothing to compare
        return None
