"""Reading cells that an attacker (or a failing disk) may have filled with anything.

SQLite keeps whatever is written into a column: an integer where text was,
text where a BLOB was, a float, NULL, megabytes, bytes that are not UTF-8.
`verify` must answer every binder, so each checker reads stored values through
these functions, which return the expected type or ``None`` (never raise), and
runs under :func:`guarded`, which turns anything unforeseen into a named problem
instead of a crash.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

from binder.core.storage.database import Binder
from binder.core.verify.findings import VerifyReport

log = logging.getLogger(__name__)
#: Signed documents are small; a cell far larger than any of them is damage, and
#: parsing it would cost time and memory for nothing.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024


def as_text(value: Any) -> str | None:
    """``value`` when it is text, else None."""
    return value if isinstance(value, str) else None


def as_bytes(value: Any) -> bytes | None:
    """The bytes of a BLOB cell (text is taken as its UTF-8 bytes); None otherwise."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return None


def as_int(value: Any) -> int | None:
    """An integer cell (not a bool, float or text), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_document(value: Any) -> dict[str, Any] | None:
    """A stored JSON object (signed bytes or a data column), or None when it is not one."""
    data = as_bytes(value)
    if data is None or len(data) > MAX_DOCUMENT_BYTES:
        return None
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None


@contextlib.contextmanager
def lenient_text(binder: Binder) -> Iterator[None]:
    """Read TEXT cells that hold bytes which are not UTF-8 instead of failing on them.

    Python's sqlite3 raises on such a cell when the row is fetched; for the
    length of a verification they are decoded with replacement characters (so
    they differ from anything signed and are reported as changed).
    """
    conn = binder.conn
    previous = conn.text_factory
    conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
    try:
        yield
    finally:
        conn.text_factory = previous


def guarded(report: VerifyReport, what: str, check: Callable[..., Any], *args: Any,
            incident: int | None = None, **kwargs: Any) -> Any:
    """Run one checker; a failure of the checker itself becomes a problem, not a crash.

    Every checker reads cells defensively; this is the last line, so that
    `verify` names *where* it could not look (exit 1) for damage nobody foresaw.
    """
    try:
        return check(*args, **kwargs)
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - any failure here means "damaged beyond reading"
        log.info("verify: %s could not be checked: %r", what, exc)
        report.add(incident, None, "unreadable",
                   f"{what} could not be checked: the stored data is damaged "
                   f"({type(exc).__name__}); restore the binder from a backup")
        return None
