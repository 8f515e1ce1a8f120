"""Consistent, verified copies of a binder file.

SQLite's online backup API copies a single consistent snapshot even while the
app keeps writing. The copy is made under a temporary name beside the
destination, checked (``integrity_check``, our ``application_id``, the binder's
identity), flushed to disk and only then given its final name, so a crash or a
full disk never leaves something that looks like a finished backup. The copy
holds the same ciphertext as the source and opens with the same passphrase.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import uuid as uuidlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from binder.core.errors import AlreadyExists, BadInput, IntegrityError, ReadOnlyBinder, StorageFull
from binder.core.storage.database import APPLICATION_ID, Binder, open_binder, translate_sqlite_error
from binder.core.storage.files import check_output_path

PAGES_PER_STEP = 256


def default_backup_name(binder_path: Path) -> str:
    """The file name used when a folder is given as destination."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{binder_path.stem}-backup-{stamp}{binder_path.suffix or '.binder'}"


def _unlink_quietly(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            os.unlink(f"{path}{suffix}")


def _fsync_path(path: Path, *, directory: bool = False) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_copy(tmp: Path, expected_uuid: str) -> None:
    conn = sqlite3.connect(tmp)
    try:
        # The copy is one self-contained file: no -wal beside it to forget when copying it on.
        conn.execute("PRAGMA journal_mode = DELETE")
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise IntegrityError(f"the backup copy failed its integrity check ({problems[0]}); nothing kept")
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            raise IntegrityError("the backup copy is not recognisable as a binder; nothing kept")
        row = conn.execute("SELECT value FROM meta WHERE key = 'uuid'").fetchone()
        if row is None or row[0] != expected_uuid:
            raise IntegrityError("the backup copy does not carry this binder's identity; nothing kept")
    finally:
        conn.close()


def _place(tmp: Path, dest: Path) -> None:
    # A hard link fails if dest appeared meanwhile, so we can never overwrite.
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise AlreadyExists(f"{dest} already exists; refusing to overwrite it (choose a new name)") from None
    except OSError:
        # Some file systems (FAT/exFAT USB sticks) have no hard links.
        if dest.exists():
            raise AlreadyExists(f"{dest} already exists; refusing to overwrite it") from None
        os.rename(tmp, dest)
        return
    os.unlink(tmp)


def backup_binder(
    source: Binder | str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write a verified copy of the binder to ``dest`` and return its path.

    ``dest`` may be a new file name or an existing folder (a dated name is
    chosen inside it). Refuses to overwrite anything (:class:`AlreadyExists`).
    The binder does not need to be unlocked: its secrets are copied as ciphertext.
    """
    owned = not isinstance(source, Binder)
    binder = open_binder(source) if owned else source
    try:
        if not str(dest).strip():
            raise BadInput("no backup destination given; name a new file or a folder")
        dest = Path(dest).expanduser()
        if dest.is_dir():
            dest = dest / default_backup_name(binder.path)
        dest = check_output_path(dest)
        if dest.exists() or dest.is_symlink():
            raise AlreadyExists(f"{dest} already exists; refusing to overwrite it (choose a new name)")
        if not os.access(dest.parent, os.W_OK):
            raise ReadOnlyBinder(f"cannot write a backup into {dest.parent}: the folder is not writable")
        tmp = dest.with_name(f".{dest.name}.{uuidlib.uuid4().hex[:8]}.tmp")
        try:
            # Journals and the access log are readable without the key: owner-only, like the binder.
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            target = sqlite3.connect(tmp)
            try:
                binder.conn.backup(
                    target,
                    pages=PAGES_PER_STEP,
                    progress=(lambda _s, remaining, total: progress(total - remaining, total))
                    if progress
                    else None,
                )
            finally:
                target.close()
            _check_copy(tmp, binder.uuid)
            _fsync_path(tmp)
            _place(tmp, dest)
            with contextlib.suppress(OSError):
                _fsync_path(dest.parent, directory=True)
        except sqlite3.Error as exc:
            _unlink_quietly(tmp)
            raise translate_sqlite_error(exc, dest) from None
        except OSError as exc:
            _unlink_quietly(tmp)
            if exc.errno == errno.ENOSPC:
                raise StorageFull(f"the disk is full; no backup was written to {dest}") from None
            raise ReadOnlyBinder(f"cannot write the backup {dest}: {exc.strerror}") from None
        except BaseException:
            _unlink_quietly(tmp)
            raise
        return dest
    finally:
        if owned:
            binder.close()
