"""The desktop window's session: which binder is open, whether it is unlocked, who is
signed in, and when the keyboard was last touched (the idle lock).

The window (:mod:`binder.ui.shell`) keeps layout, navigation and menus; it asks
this object what state it is in and tells it what happened. Qt-free, so the
rules (which access is recorded, when the idle lock is due, what the status bar
says) are the same whatever draws them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from binder.core.crypto import session as core_session
from binder.core.crypto.signers import SigningSession
from binder.core.errors import BinderError
from binder.core.storage.database import Binder, open_binder
from binder.services import settings as app_state
from binder.services.applock import AppLock
from binder.services.settings import AppSettings, SessionKeeper

log = logging.getLogger(__name__)

#: Until the binder's own settings are read (they need it open).
DEFAULT_SETTINGS = AppSettings(idle_lock_minutes=15, signer_session_minutes=5)
#: How the access log names this door.
DOOR = "app"


class WindowSession:
    """One window's binder, lock file, signer sessions and idle clock.

    ``binder`` may be given already open (tests, the scripted screenshot);
    ``lock`` is the app lock the command line took before the window existed.
    ``clock`` is injectable for tests.
    """

    def __init__(self, binder_path: str | Path, *, binder: Binder | None = None,
                 use_keyring: bool = True, lock: AppLock | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.binder_path = Path(binder_path).expanduser()
        self.binder = binder
        self.use_keyring = use_keyring
        self.applock = lock
        self.settings = DEFAULT_SETTINGS
        self.keeper = SessionKeeper(self.settings.signer_session_minutes)
        self.witness_keeper = SessionKeeper(self.settings.signer_session_minutes)
        self.last_person: str | None = None
        self._clock = clock
        self.last_input = clock()

    # -- the binder file ----------------------------------------------------------------
    @property
    def unlocked(self) -> bool:
        """A binder is open and its data key is in memory."""
        return self.binder is not None and self.binder.unlocked

    def take_lock(self, path: Path) -> None:
        """Hold the app lock of ``path`` (raises BinderInUse when another window has it)."""
        if self.applock is not None and self.applock.binder_path == path and self.applock.held:
            return
        new = AppLock(path).acquire()
        if self.applock is not None:
            self.applock.release()
        self.applock = new

    def open(self) -> None:
        """Lock and open ``binder_path`` (raises BinderError when it cannot be opened)."""
        self.take_lock(self.binder_path)
        self.binder = open_binder(self.binder_path)

    def unlock_at_start(self, passphrase: str | None) -> bool:
        """Unlock with the OS keyring, else with ``passphrase``; each recorded as an access.

        A passphrase that does not unlock is not an error here: the unlock page
        asks for one. Returns whether the binder is unlocked now.
        """
        assert self.binder is not None
        if self.binder.unlocked:
            return True
        try:
            core_session.unlock_binder(self.binder, door=DOOR, passphrase=passphrase or None,
                                       use_keyring=self.use_keyring)
        except BinderError as exc:
            log.info("not unlocked at start: %s", exc)
        return self.binder.unlocked

    def open_elsewhere(self, path: Path) -> tuple[Binder, AppLock]:
        """Lock and open another binder, leaving this one as it is until :meth:`adopt`."""
        lock = AppLock(path).acquire()
        try:
            return open_binder(path), lock
        except BaseException:
            lock.release()
            raise

    def adopt(self, path: Path, binder: Binder, lock: AppLock | None = None) -> None:
        """Make ``binder`` (at ``path``) this window's binder; ``lock`` replaces the held one."""
        if lock is not None:
            self.applock = lock
        self.binder, self.binder_path = binder, path

    def close(self) -> None:
        """Sign everyone out, close the binder and let go of its lock."""
        self.sign_out()
        if self.binder is not None:
            self.binder.close()
            self.binder = None
        if self.applock is not None:
            self.applock.release()
            self.applock = None

    # -- settings -----------------------------------------------------------------------
    def load_settings(self) -> None:
        """Read the binder's idle-lock and signer-session settings."""
        assert self.binder is not None
        self.settings = app_state.load_settings(self.binder)
        self.keeper.minutes = self.settings.signer_session_minutes
        self.witness_keeper.minutes = self.settings.signer_session_minutes

    def save_settings(self, values: AppSettings) -> None:
        """Store new settings in the binder (BadInput when out of range) and apply them."""
        assert self.binder is not None
        app_state.save_settings(self.binder, values)
        self.load_settings()

    # -- who is signed in ---------------------------------------------------------------
    def signed_in(self, session: SigningSession) -> SigningSession:
        """Keep a session someone just opened (the sign-in recorded it)."""
        self.keeper.put(session)
        self.last_person = session.person
        return session

    def sign_in(self, person: str, passphrase: str) -> SigningSession:
        """Open ``person``'s signing key and keep the session (WrongPassphrase if not theirs)."""
        assert self.binder is not None
        return self.signed_in(core_session.sign_in(self.binder, person, passphrase, door=DOOR))

    def sign_out(self) -> None:
        """End the signer and witness sessions now."""
        self.keeper.clear()
        self.witness_keeper.clear()

    def current_person(self) -> str:
        """Who is at the keyboard, as a form would name them: the signed-in person's
        certificate name, else the computer account."""
        session = self.keeper.peek()
        if session is None:
            return core_session.local_user()
        return session.identity.name or session.person

    # -- idle lock ----------------------------------------------------------------------
    def touch(self) -> None:
        """Someone used the keyboard or the mouse."""
        self.last_input = self._clock()

    def idle_seconds(self) -> float:
        """Seconds since the last input."""
        return self._clock() - self.last_input

    def idle_lock_due(self) -> bool:
        """The idle lock is on and nobody touched anything for that long."""
        minutes = self.settings.idle_lock_minutes
        return bool(minutes) and self.idle_seconds() >= minutes * 60

    def lock(self) -> None:
        """Sign everyone out and take the data key out of memory."""
        self.sign_out()
        if self.binder is not None:
            core_session.lock_binder(self.binder)

    # -- what the status bar says -------------------------------------------------------
    def lock_state_text(self) -> str:
        """``Unlocked · file · locks after N min idle``, ``Locked · file`` or no binder."""
        if self.binder is None:
            return "No binder open"
        if not self.binder.unlocked:
            return f"Locked · {self.binder.path.name}"
        minutes = self.settings.idle_lock_minutes
        when = f"locks after {minutes} min idle" if minutes else "idle lock off"
        return f"Unlocked · {self.binder.path.name} · {when}"

    def signer_state_text(self) -> str:
        """Who is signed in (and as witness) with the minutes left, or nobody."""
        session = self.keeper.peek()
        witness = self.witness_keeper.peek()
        if session is not None:
            left = max(1, round(self.keeper.remaining() / 60))
            text = f"Signed in: {session.identity.name} ({left} min left)"
        else:
            text = "Nobody signed in"
        if witness is not None:
            text += (f" · witness {witness.identity.name} "
                     f"({max(1, round(self.witness_keeper.remaining() / 60))} min)")
        return text

    def anyone_signed_in(self) -> bool:
        """A signer or a witness session is open."""
        return self.keeper.peek() is not None or self.witness_keeper.peek() is not None
