"""Re-checking registered evidence files against the SHA-256 their registrations signed.

Used by `binder evidence recheck`, the Evidence pane and `verify`. The expected
hash comes from the signed registration entry, never from the index row, so an
edited row cannot hide an edited file. A re-check never blocks and never reads
more than the registered size (plus one byte): a folder, named pipe, device or
socket in the file's place is reported at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from binder.core.incident.evidence import label, resolve_file
from binder.core.incident.hashing import IsCancelled, Progress, stream
from binder.core.incident.record import get_incident
from binder.core.storage.database import Binder
from binder.core.storage.files import file_kind


@dataclass(frozen=True)
class RecheckResult:
    """What re-hashing one item's file found."""

    evidence_id: int
    incident_id: int
    file: str
    status: str  # ok | changed | missing | not_a_file | unreadable
    expected: str
    actual: str = ""
    detail: str = ""

    def __str__(self) -> str:
        head = f"{label(self.evidence_id)} {self.file}"
        if self.status == "ok":
            return f"{head}: unchanged"
        if self.status == "changed":
            if not self.actual.isalnum():
                return f"{head}: CHANGED {self.actual}"
            return (f"{head}: CHANGED (SHA-256 is now {self.actual[:16]}..., "
                    f"registered {self.expected[:16]}...)")
        if self.status == "missing":
            return f"{head}: file not found (not checked)"
        if self.status == "not_a_file":
            return f"{head}: is {self.detail}, not the registered file"
        return f"{head}: cannot be read ({self.detail})"



@dataclass(frozen=True)
class SignedItem:
    """A register row beside what its signed registration entry says."""

    id: int
    incident_id: int
    seq: int | None
    row: tuple
    data: dict  # the registration data as signed (not the possibly edited column)
    entry_kind: str | None
    entry_evidence: int | None
    entry_incident: int | None


def _signed(canonical: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(canonical)
    except (ValueError, UnicodeDecodeError, TypeError):
        return {}
    return doc if isinstance(doc, dict) else {}


def signed_items(binder: Binder, incident_id: int | None) -> Iterator[SignedItem]:
    """Every register row (of one incident, or all) with its signed registration data."""
    sql = ("SELECT v.id, v.incident_id, v.entry_id, v.sha256, v.size, v.path, v.description, "
           "e.seq, e.kind, e.evidence_id, e.incident_id, e.canonical "
           "FROM evidence v LEFT JOIN entry e ON e.id = v.entry_id")
    params: tuple = ()
    if incident_id is not None:
        sql += " WHERE v.incident_id = ?"
        params = (incident_id,)
    for r in binder.conn.execute(sql + " ORDER BY v.id", params).fetchall():
        doc = _signed(r[11]) if r[11] is not None else {}
        data = doc.get("data") if isinstance(doc.get("data"), dict) else {}
        yield SignedItem(r[0], r[1], r[7], tuple(r[:7]), data, r[8], r[9], r[10])


def _recorded_size(item: SignedItem) -> int | None:
    size = item.data.get("size")
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        return size
    return None


def recheck_item(
    binder: Binder, item: SignedItem, *, base: int, total: int,
    progress: Progress | None, cancelled: IsCancelled | None,
) -> RecheckResult:
    """Hash one registered file again against the SHA-256 its registration signed.

    Never blocks and never reads more than the registered size (plus one byte,
    to notice growth): a folder, named pipe, device or socket in the file's
    place (or a symbolic link to one) is reported at once as ``not_a_file``,
    without being opened for reading.
    """
    expected = str(item.data.get("sha256") or item.row[3])
    stored = str(item.data.get("checked_path") or item.row[5])
    try:
        file = resolve_file(binder, stored)
        mode = os.stat(file).st_mode
    except FileNotFoundError:
        return RecheckResult(item.id, item.incident_id, stored, "missing", expected)
    except (OSError, ValueError) as exc:
        detail = getattr(exc, "strerror", None) or str(exc)
        return RecheckResult(item.id, item.incident_id, stored, "unreadable", expected, detail=detail)
    kind = file_kind(mode)
    if kind is not None:
        return RecheckResult(item.id, item.incident_id, str(file), "not_a_file", expected, detail=kind)
    limit = _recorded_size(item)
    try:
        # O_NONBLOCK: if a pipe is swapped in between the check above and this open,
        # the open still returns at once (and the check below refuses it).
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        return RecheckResult(item.id, item.incident_id, str(file), "unreadable", expected,
                             detail=exc.strerror or str(exc))
    try:
        kind = file_kind(os.fstat(fd).st_mode)
        if kind is not None:
            return RecheckResult(item.id, item.incident_id, str(file), "not_a_file", expected,
                                 detail=kind)
        with os.fdopen(fd, "rb", buffering=0) as fh:
            fd = -1
            hasher = hashlib.sha256()
            read = stream(fh, hasher, base=base, total=total, progress=progress,
                          cancelled=cancelled, limit=None if limit is None else limit + 1)
    except OSError as exc:
        return RecheckResult(item.id, item.incident_id, str(file), "unreadable", expected,
                             detail=exc.strerror or str(exc))
    finally:
        if fd >= 0:
            os.close(fd)
    if limit is not None and read > limit:
        return RecheckResult(item.id, item.incident_id, str(file), "changed", expected,
                             "(larger than registered)")
    actual = hasher.hexdigest()
    status = "ok" if actual == expected else "changed"
    return RecheckResult(item.id, item.incident_id, str(file), status, expected, actual)


def recheck(
    binder: Binder, incident_id: int | None = None, *,
    progress: Progress | None = None, cancelled: IsCancelled | None = None,
) -> list[RecheckResult]:
    """Hash every registered file again against its signed SHA-256.

    Returns one result per item (ok, changed, missing or unreadable). The
    expected hash comes from the signed registration, not the index row, so an
    edited row cannot hide an edited file.
    """
    if incident_id is not None:
        incident_id = get_incident(binder, incident_id).id
    items = list(signed_items(binder, incident_id))
    sizes = []
    for item in items:
        file = resolve_file(binder, str(item.data.get("checked_path") or item.row[5]))
        try:
            info = os.stat(file)
            sizes.append(info.st_size if stat.S_ISREG(info.st_mode) else 0)
        except (OSError, ValueError):
            sizes.append(0)
    total = sum(sizes)
    results: list[RecheckResult] = []
    base = 0
    for item, size in zip(items, sizes, strict=True):
        results.append(recheck_item(binder, item, base=base, total=total, progress=progress,
                                  cancelled=cancelled))
        base += size
    if progress is not None:
        progress(total, total)
    return results
