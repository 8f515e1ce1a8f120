"""One desktop app per binder: an OS advisory lock beside the binder file.

SQLite already keeps two writers from corrupting the file, but two windows on
the same binder would each show a journal the other one is changing, and idle
locking in one would not lock the other. The lock is advisory and released by
the OS when the process dies, so a crash never leaves a binder "stuck in use".
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from binder.core.errors import BinderInUse


def lock_path(binder_path: str | os.PathLike[str]) -> Path:
    """The lock file used for a binder: ``<binder>.lock`` beside it."""
    path = Path(binder_path).expanduser()
    return path.with_name(path.name + ".lock")


class AppLock:
    """An exclusive, non-blocking advisory lock on ``<binder>.lock``.

    Use as a context manager or call :meth:`acquire` / :meth:`release`.
    """

    def __init__(self, binder_path: str | os.PathLike[str]):
        self.binder_path = Path(binder_path).expanduser()
        self.path = lock_path(self.binder_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> AppLock:
        """Take the lock, or raise :class:`BinderInUse` at once when another app has it."""
        if self._fd is not None:
            return self
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            # A folder we cannot write (read-only media) cannot host a second
            # writer either; opening the binder itself will say what is wrong.
            return self
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            raise BinderInUse(
                f"{self.binder_path.name} is already open in another Incident Binder window; "
                "switch to that window (or close it) and try again"
            ) from None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        """Let go of the lock (the lock file stays; it is harmless)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            _unlock(fd)
        os.close(fd)

    def __enter__(self) -> AppLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
