"""Settings of the desktop app that belong to the binder, and signer-session timing.

These live in the binder's ``setting`` table (not in QSettings) because they are
a team decision: how long an unattended laptop stays unlocked, how long a
signer stays signed in. Only window geometry is per-computer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from binder.core.crypto.signers import SigningSession
from binder.core.errors import BadInput
from binder.core.storage.database import Binder

IDLE_LOCK_MINUTES = "ui.idle_lock_minutes"
SIGNER_SESSION_MINUTES = "ui.signer_session_minutes"
DEFAULTS = {IDLE_LOCK_MINUTES: 15, SIGNER_SESSION_MINUTES: 5}
# Bounds: a lock after 0 minutes would lock while typing; a day-long signer
# session would defeat the point of asking for a passphrase.
LIMITS = {IDLE_LOCK_MINUTES: (0, 240), SIGNER_SESSION_MINUTES: (1, 60)}


@dataclass(frozen=True)
class AppSettings:
    """The app's binder-wide settings. ``idle_lock_minutes`` 0 means never lock."""

    idle_lock_minutes: int
    signer_session_minutes: int


def _get_int(binder: Binder, key: str) -> int:
    row = binder.conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    low, high = LIMITS[key]
    try:
        value = int(row[0]) if row else DEFAULTS[key]
    except ValueError:
        value = DEFAULTS[key]
    return min(max(value, low), high)


def load_settings(binder: Binder) -> AppSettings:
    """The stored settings, with defaults for what was never set."""
    return AppSettings(_get_int(binder, IDLE_LOCK_MINUTES), _get_int(binder, SIGNER_SESSION_MINUTES))


def save_settings(binder: Binder, settings: AppSettings) -> None:
    """Store the settings; out-of-range values are refused with a clear message."""
    values = {
        IDLE_LOCK_MINUTES: settings.idle_lock_minutes,
        SIGNER_SESSION_MINUTES: settings.signer_session_minutes,
    }
    for key, value in values.items():
        low, high = LIMITS[key]
        if not isinstance(value, int) or not low <= value <= high:
            what = key.split(".")[-1].replace("_", " ")
            raise BadInput(f"{what} must be a whole number from {low} to {high}")
    with binder.write() as db:
        for key, value in values.items():
            db.execute(
                "INSERT INTO setting (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, str(value)),
            )


class SessionKeeper:
    """Keeps one unlocked signing session for a few minutes after its last use.

    The person at the keyboard signs in once; every signature within
    ``minutes`` of the previous one reuses the session, then it is dropped and
    the passphrase is asked for again. ``clock`` is injectable for tests.
    """

    def __init__(self, minutes: int, clock: Callable[[], float] = time.monotonic):
        self.minutes = minutes
        self._clock = clock
        self._session: SigningSession | None = None
        self._last_used = 0.0

    def put(self, session: SigningSession) -> None:
        """Keep ``session`` from now on."""
        self._session = session
        self._last_used = self._clock()

    def peek(self) -> SigningSession | None:
        """The session if it is still open, without counting as a use."""
        if self._session is not None and self.remaining() <= 0:
            self.clear()
        return self._session

    def take(self) -> SigningSession | None:
        """The session if still open; using it restarts its timeout."""
        session = self.peek()
        if session is not None:
            self._last_used = self._clock()
        return session

    def remaining(self) -> float:
        """Seconds until the session closes (0 when there is none)."""
        if self._session is None:
            return 0.0
        return max(0.0, self.minutes * 60 - (self._clock() - self._last_used))

    def clear(self) -> None:
        """Close the session now (sign out, idle lock)."""
        self._session = None
