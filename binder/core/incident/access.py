"""Who had access: the binder's access log, read back.

:func:`binder.core.crypto.session.record_access` writes one row per unlock and per signer
session (who was at the keyboard, when, on which computer). The plan asks that
everyone with access during a response be noted, so this module lists those
rows overall and for the time an incident was open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from binder.core.errors import BadInput
from binder.core.incident import journal
from binder.core.incident.journal import parse_time
from binder.core.incident.record import get_incident
from binder.core.storage.database import Binder, utc_now

#: The kinds of access the app and the command line record.
KNOWN_KINDS = ("unlock", "signer", "passphrase", "keyring")
#: The unlock and signer session that open an incident come just before its opening.
OPENING_ALLOWANCE = timedelta(minutes=15)


@dataclass(frozen=True)
class AccessRecord:
    """One access: when (UTC ISO), what kind, who, on which computer, and how."""

    at: str
    kind: str
    who: str
    host: str
    detail: str
    id: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values."""
        return asdict(self)


@dataclass(frozen=True)
class AccessSummary:
    """Everything one person did with the binder, folded into one line."""

    who: str
    first_at: str
    last_at: str
    count: int
    kinds: tuple[str, ...]
    hosts: tuple[str, ...]


def _iso(moment: datetime) -> str:
    # The log's own format (utc_now), so plain string comparison orders correctly in SQL.
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _moment(value: datetime | str, what: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.astimezone()
    return datetime.fromisoformat(parse_time(value, what).replace("Z", "+00:00"))


def _select(binder: Binder, windows: Iterable[tuple[str | None, str | None]],
            kinds: Iterable[str] | None) -> list[AccessRecord]:
    sql = "SELECT at, kind, who, host, detail, id FROM access_log"
    clauses: list[str] = []
    args: list[Any] = []
    spans = []
    for start, end in windows:
        parts = []
        if start is not None:
            parts.append("at >= ?")
            args.append(start)
        if end is not None:
            parts.append("at <= ?")
            args.append(end)
        spans.append("(" + " AND ".join(parts) + ")" if parts else "1")
    if spans:
        clauses.append("(" + " OR ".join(spans) + ")")
    if kinds is not None:
        wanted = [k.strip() for k in kinds if k and k.strip()]
        if wanted:
            clauses.append(f"kind IN ({', '.join('?' for _ in wanted)})")
            args.extend(wanted)
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    rows = binder.conn.execute(sql + " ORDER BY at, id", args).fetchall()
    return [AccessRecord(*row) for row in rows]


def list_access(binder: Binder, since: datetime | str | None = None,
                kinds: Iterable[str] | None = None, *,
                until: datetime | str | None = None) -> list[AccessRecord]:
    """Access records, oldest first, optionally from ``since``/to ``until`` and of some ``kinds``."""
    start = _iso(_moment(since, "since time")) if since is not None else None
    end = _iso(_moment(until, "until time")) if until is not None else None
    if start is not None and end is not None and start > end:
        raise BadInput("the start of the period is after its end; swap them")
    return _select(binder, [(start, end)], kinds)


def incident_windows(binder: Binder, incident_id: int | str) -> list[tuple[str, str | None]]:
    """The periods an incident was open, as (start, end or None while still open).

    The first period starts at detection or opening, whichever came first
    (less :data:`OPENING_ALLOWANCE` for the session that opened it); a close
    ends a period and a reopen starts the next one.
    """
    incident = get_incident(binder, incident_id)
    first = min(_moment(incident.detected_at, "detected-at time"),
                _moment(incident.opened_at, "opening time"))
    windows: list[tuple[str, str | None]] = []
    start: str | None = _iso(first - OPENING_ALLOWANCE)
    for entry in journal.iter_entries(binder, incident.id, kinds=("close",)):
        action = (entry.data or {}).get("action")
        if action == "close" and start is not None:
            windows.append((start, entry.recorded_at))
            start = None
        elif action == "reopen" and start is None:
            start = entry.recorded_at
    if start is not None:
        windows.append((start, None))
    return windows


def access_during_incident(binder: Binder, incident_id: int | str,
                           kinds: Iterable[str] | None = None) -> list[AccessRecord]:
    """Access records from the incident's opening to its close (or now), oldest first."""
    windows = [(start, end or utc_now()) for start, end in incident_windows(binder, incident_id)]
    return _select(binder, windows, kinds)


def summarize(records: Iterable[AccessRecord]) -> list[AccessSummary]:
    """One line per person (in order of first access): when, how often, how, from where."""
    folded: dict[str, dict[str, Any]] = {}
    for record in records:
        key = record.who.casefold()
        seen = folded.setdefault(key, {"who": record.who, "first": record.at, "last": record.at,
                                       "count": 0, "kinds": [], "hosts": []})
        seen["first"] = min(seen["first"], record.at)
        seen["last"] = max(seen["last"], record.at)
        seen["count"] += 1
        if record.kind not in seen["kinds"]:
            seen["kinds"].append(record.kind)
        if record.host not in seen["hosts"]:
            seen["hosts"].append(record.host)
    return [AccessSummary(s["who"], s["first"], s["last"], s["count"], tuple(s["kinds"]),
                          tuple(s["hosts"])) for s in folded.values()]
