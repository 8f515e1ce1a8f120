"""Hashing evidence files: streamed SHA-256 in constant memory, with progress and cancel.

A file is read once through one reusable buffer, optionally copied on the way
(the copy is then read back and compared), and refused when it changed while it
was read: a log that grew, a file rewritten in place, or one swapped by rename.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from binder.core.errors import BadInput, Cancelled

Progress = Callable[[int, int], None]
IsCancelled = Callable[[], bool]

#: Read size: big enough that per-call overhead vanishes next to hashing,
#: small enough to stay cache friendly. One buffer is reused for the whole file.
CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class FileState:
    """What says a file is still the one that was read: size, modification time, inode."""

    size: int
    mtime_ns: int
    ino: int
    dev: int


def file_state(st: os.stat_result) -> FileState:
    """The state of a file from its ``stat``."""
    return FileState(st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


def stream(
    fh, hasher, *, sink=None, base: int, total: int,
    progress: Progress | None, cancelled: IsCancelled | None, limit: int | None = None,
) -> int:
    """Feed an open binary file through ``hasher`` (and ``sink``); returns bytes read.

    With ``limit``, stops after that many bytes.
    """
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    done = 0
    while True:
        if cancelled is not None and cancelled():
            raise Cancelled("cancelled; nothing was written")
        if limit is not None and done >= limit:
            break
        n = fh.readinto(view[: min(CHUNK, limit - done)] if limit is not None else buf)
        if not n:
            break
        chunk = view[:n]
        hasher.update(chunk)
        if sink is not None:
            sink.write(chunk)
        done += n
        if progress is not None:
            progress(base + done, total)
    return done


def sha256_file(
    path: str | os.PathLike[str], *, progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
) -> str:
    """SHA-256 of a file, streamed in constant memory (hex)."""
    total = os.stat(path).st_size
    with open(path, "rb", buffering=0) as fh:
        hasher = hashlib.sha256()
        stream(fh, hasher, base=0, total=total, progress=progress, cancelled=cancelled)
    return hasher.hexdigest()


def refuse_if_changed(path: Path, before: FileState, fh, read: int) -> None:
    """Raise BadInput when ``path`` changed while ``fh`` was read (``read`` bytes)."""
    # Size and mtime before vs after, on the open file and on the name: a log
    # that grew, a file rewritten in place, or one swapped by rename all differ.
    after_fd = file_state(os.fstat(fh.fileno()))
    try:
        after_name = file_state(os.stat(path))
    except OSError:
        after_name = None
    if after_fd != before or after_name != before or read != before.size:
        raise BadInput(
            f"{path} changed while it was being hashed (size or modification time differ); "
            "nothing was registered. Stop whatever writes to it, or copy it first, then try again"
        )


def remove_copy(path: Path) -> None:
    """Delete a (read-only) copy, quietly: used when registration fails half way."""
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)
    with contextlib.suppress(FileNotFoundError, OSError):
        os.unlink(path)


def hash_and_copy(
    real: Path, folder: Path | None, progress: Progress | None, cancelled: IsCancelled | None,
) -> tuple[str, FileState, Path | None]:
    """Hash (and optionally copy) ``real``; returns (digest, stat before, partial copy)."""
    try:
        fh = open(real, "rb", buffering=0)  # noqa: SIM115 - closed below, after the checks
    except PermissionError:
        raise BadInput(f"{real} cannot be read (permission denied); run as a user who can read it") from None
    except IsADirectoryError:
        raise BadInput(f"{real} is a folder; register each file in it") from None
    except OSError as exc:
        raise BadInput(f"{real} cannot be opened: {exc.strerror}") from None
    partial: Path | None = None
    try:
        before = file_state(os.fstat(fh.fileno()))
        with contextlib.suppress(AttributeError, OSError):
            os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        total = before.size * (2 if folder is not None else 1)
        hasher = hashlib.sha256()
        if folder is None:
            read = _read_or_refuse(real, fh, hasher, None, total, progress, cancelled)
            refuse_if_changed(real, before, fh, read)
            return hasher.hexdigest(), before, None
        partial = folder / f".partial-{uuidlib.uuid4().hex[:12]}"
        try:
            sink = os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
        except OSError as exc:
            raise BadInput(f"cannot write into the evidence folder {folder}: {exc.strerror}") from None
        with sink:
            try:
                read = _read_or_refuse(real, fh, hasher, sink, total, progress, cancelled)
                sink.flush()
                os.fsync(sink.fileno())
            except OSError as exc:
                raise BadInput(f"copying {real} into {folder} failed: {exc.strerror}; nothing was registered") from None
        refuse_if_changed(real, before, fh, read)
        digest = hasher.hexdigest()
        with open(partial, "rb", buffering=0) as check:
            again = hashlib.sha256()
            stream(check, again, base=before.size, total=total, progress=progress, cancelled=cancelled)
        if again.hexdigest() != digest:
            raise BadInput(
                f"the copy of {real} in {folder} does not match the original (disk error?); "
                "nothing was registered"
            )
        return digest, before, partial
    except BaseException:
        if partial is not None:
            remove_copy(partial)
        raise
    finally:
        fh.close()


def _read_or_refuse(real, fh, hasher, sink, total, progress, cancelled) -> int:
    try:
        return stream(fh, hasher, sink=sink, base=0, total=total, progress=progress, cancelled=cancelled)
    except (Cancelled, BadInput):
        raise
    except OSError as exc:
        if sink is not None and getattr(exc, "errno", None) == 28:
            raise BadInput("the disk holding the evidence folder is full; nothing was registered") from None
        raise BadInput(f"reading {real} failed: {exc.strerror or exc}; nothing was registered") from None
