"""The user's own files: where an output may be written, writing it whole, and reading an
input safely.

Every `-o FILE`, save dialog and export goes through :func:`check_output_path`
before anything is built (and :func:`atomic_write_bytes` checks again), so a
folder, a missing folder, a device such as ``/dev/null``, a named pipe or a
socket is refused with one clear line instead of being replaced by a rename or
written into; the file is then written whole or not at all. Inputs (plan files, imports) go
through :func:`read_input_file`, which reads only regular files and never more
than a stated size, so ``/dev/zero`` or a FIFO cannot hang or exhaust memory.
"""

from __future__ import annotations

import contextlib
import os
import stat
import uuid as uuidlib
from pathlib import Path

from binder.core.errors import AlreadyExists, BadInput, ReadOnlyBinder, StorageFull


def file_kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """The file an output may be written to, or :class:`BadInput` saying why not.

    Refuses an empty name, a folder, a device, a named pipe or a socket (also
    behind a symbolic link), and a folder that does not exist. An existing
    regular file is fine: outputs replace it atomically.
    """
    if not str(path).strip():
        raise BadInput("no file name given; name the file to write")
    target = Path(path).expanduser()
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise BadInput(f"cannot use {target}: {exc.strerror}") from None
    if mode is not None:
        kind = file_kind(mode)
        if kind == "a folder":
            raise BadInput(f"{target} is a folder, not a file; give a file name inside it")
        if kind is not None:
            raise BadInput(f"{target} is {kind}, not a regular file; give a file name to write")
    parent = target.parent
    if not parent.exists():
        raise BadInput(f"the folder {parent} does not exist; create it first")
    if not parent.is_dir():
        raise BadInput(f"{parent} is not a folder")
    return target


#: The largest PDF report read back (to sign it later, to timestamp it); a full report
#: with every entry stays far below.
MAX_REPORT_BYTES = 512 * 1024 * 1024


def read_input_file(path: str | os.PathLike[str], *, what: str, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or :class:`BadInput`.

    ``what`` names the file in messages ("plan file"). A named pipe or a device
    is refused without being read (the open does not block), and reading stops
    one byte past the limit.
    """
    if not str(path).strip():
        raise BadInput(f"no {what} given; name the file to read")
    source = Path(path).expanduser()
    try:
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise BadInput(f"no {what} at {source}") from None
    except IsADirectoryError:
        raise BadInput(f"{source} is a folder, not a {what}") from None
    except OSError as exc:
        raise BadInput(f"cannot read {source}: {exc.strerror}") from None
    try:
        kind = file_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise BadInput(f"{source} is {kind}, not a {what}")
        # The file is regular: reads cannot block, so leave non-blocking mode alone.
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise BadInput(f"cannot read {source}: {exc.strerror}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise BadInput(f"{source} is larger than {_size(limit)}, too large for a {what}")
    return data


def _size(count: int) -> str:
    return f"{count // (1 << 20)} MiB" if count >= 1 << 20 else f"{count // 1024} KiB"


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, overwrite: bool = True,
                       mode: int | None = 0o600) -> None:
    """Write a file so that it is either wholly there or not at all.

    Temp file in the same folder, fsync, rename, fsync the folder. The file has
    ``mode`` from its first byte on: owner-only by default, because reports,
    bundles, exports and the paper binder hold journal content or roster values
    (``None`` leaves it to the umask).
    """
    path = check_output_path(path)
    if not overwrite and path.exists():
        raise AlreadyExists(f"{path} already exists; refusing to overwrite it")
    tmp = path.with_name(f".{path.name}.{uuidlib.uuid4().hex[:8]}.tmp")
    try:
        opener = None if mode is None else (lambda p, flags: os.open(p, flags, mode))
        with open(tmp, "wb", opener=opener) as fh:
            if mode is not None:
                os.fchmod(fh.fileno(), mode)  # the umask may have taken bits away, or left some
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if exc.errno == 28:
            raise StorageFull(f"the disk is full; {path} was not written") from None
        raise ReadOnlyBinder(f"cannot write {path}: {exc.strerror}") from None
    with contextlib.suppress(OSError):
        dirfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)
