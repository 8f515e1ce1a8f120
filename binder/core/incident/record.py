"""Incidents: the record an investigation hangs on.

The incident row holds what is fixed at opening; the same facts are the data
of the incident's first, signed journal entry (kind ``open``), so `verify`
notices when the row is edited. Everything that happens later (phases,
decisions, closing) is a journal entry, never an update.

The signed facts include the incident's number (``id``), the binder it was
opened in (``binder``, the binder's uuid), when (``opened_at``) and by whom
(``opened_by``). Who opened it and when are *shown* from the signed opening
entry, not from the row: a row edited with sqlite3 is a `verify` finding, never
a different answer on screen or in a report. Incidents opened by an earlier
version have no ``opened_at``/``opened_by``/``id``/``binder`` in their facts;
for them the opening entry's own signed time and author stand in.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from binder.core import times
from binder.core.errors import BadInput, NotFound
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry, check_text
from binder.core.storage.database import Binder, utc_now

if TYPE_CHECKING:
    from binder.core.crypto.signers import SigningSession
    from binder.core.plan.format import Plan

INCIDENT_TYPES: tuple[tuple[str, str], ...] = (
    ("skimmer", "Checkout skimmer / card data exposure"),
    ("admin_takeover", "Admin account takeover"),
    ("database_leak", "Database leak"),
    ("malware", "Malware or backdoor"),
    ("defacement", "Defacement"),
    ("ddos", "DDoS"),
    ("ransomware", "Ransomware"),
    ("other", "Other"),
)
SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class Incident:
    """An incident as opened."""

    id: int
    uuid: str
    title: str
    detected_at: str
    type: str
    severity: str
    drill: bool
    plan_revision_id: int | None
    opened_at: str
    opened_by: str

    @property
    def label(self) -> str:
        """Title with a DRILL mark when it is one."""
        return f"[DRILL] {self.title}" if self.drill else self.title


_COLUMNS = "id, uuid, title, detected_at, type, severity, drill, plan_revision_id, opened_at, opened_by"
# The row plus the signed bytes of its opening entry (entry 1), from which the
# opening time and the opener are shown.
_SELECT = (
    "SELECT i.id, i.uuid, i.title, i.detected_at, i.type, i.severity, i.drill, "
    "i.plan_revision_id, i.opened_at, i.opened_by, e.canonical FROM incident i "
    "LEFT JOIN entry e ON e.incident_id = i.id AND e.seq = 1"
)


def signed_opening(canonical: Any) -> dict[str, Any]:
    """The parsed signed opening entry (empty when missing or damaged)."""
    if canonical is None:
        return {}
    try:
        doc = json.loads(bytes(canonical) if not isinstance(canonical, str) else canonical)
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError):
        return {}
    return doc if isinstance(doc, dict) and doc.get("kind") == "open" else {}


def opening_time_and_author(doc: dict[str, Any]) -> tuple[str | None, str | None]:
    """(opened at, opened by) as the signed opening entry states them.

    Newer openings sign both in their facts; older ones are grandfathered: the
    opening entry's own signed recorded-at time and author stand in.
    """
    facts = doc.get("data") if isinstance(doc.get("data"), dict) else {}
    opened_at = facts.get("opened_at", doc.get("recorded_at"))
    opened_by = facts.get("opened_by", doc.get("author"))
    return (opened_at if isinstance(opened_at, str) else None,
            opened_by if isinstance(opened_by, str) else None)


def _row(row) -> Incident:
    values = list(row[:10])
    values[6] = bool(values[6])
    signed_at, signed_by = opening_time_and_author(signed_opening(row[10]))
    # Shown from the signed opening; the row's copy is only checked by `verify`.
    values[8] = signed_at or str(values[8])
    values[9] = signed_by or str(values[9])
    return Incident(*values)


def open_incident(
    binder: Binder,
    author: SigningSession,
    *,
    title: str,
    detected_at: str | None = None,
    type: str = "other",
    severity: str = "medium",
    drill: bool = False,
    plan_revision_id: int | None = None,
    severities: tuple[str, ...] = SEVERITIES,
    types: tuple[str, ...] | None = None,
    aware_at: str | None = None,
) -> int:
    """Open an incident and write its signed opening entry; returns the incident id.

    ``detected_at`` and ``aware_at`` are kept as stated, with their offsets.
    With ``aware_at`` a second signed entry records the decision of when the
    organisation became aware, which the awareness clocks count from (without
    it they count from detection).
    """
    check_text(title, "title", required=True, limit=300)
    if "\n" in title:
        raise BadInput("the title must be one line")
    detected = (times.parse_event_time(detected_at, "detected-at time") if detected_at
                else utc_now())
    aware = times.parse_event_time(aware_at, "aware-at time") if aware_at else None
    known_types = types or tuple(k for k, _ in INCIDENT_TYPES)
    if type not in known_types:
        raise BadInput(f"unknown incident type {type!r}; use one of {', '.join(known_types)}")
    if severity not in severities:
        raise BadInput(f"unknown severity {severity!r}; use one of {', '.join(severities)}")
    incident_uuid = str(uuidlib.uuid4())
    opened_at = utc_now()
    facts = {
        "title": title.strip(),
        "detected_at": detected,
        "type": type,
        "severity": severity,
        "drill": bool(drill),
        "plan_revision": plan_revision_id,
    }
    with binder.write() as db:
        incident_id = db["incident"].insert(
            {
                "uuid": incident_uuid,
                "title": facts["title"],
                "detected_at": detected,
                "type": type,
                "severity": severity,
                "drill": int(bool(drill)),
                "plan_revision_id": plan_revision_id,
                "opened_at": opened_at,
                "opened_by": author.person,
            }
        ).last_pk
        # Signed with the rest, so that no column of the row is outside a signature.
        facts.update(
            {"id": int(incident_id), "binder": binder.uuid, "opened_at": opened_at,
             "opened_by": author.person}
        )
        text = ("Drill opened: " if drill else "Incident opened: ") + facts["title"]
        journal.append(binder, incident_id, author,
                       NewEntry(text=text, kind="open", data=facts, occurred_at=detected))
        if aware is not None:
            journal.append(binder, incident_id, author, NewEntry(
                text=f"Aware of the incident since {times.document_time(aware)}", kind="decision",
                occurred_at=aware, reason="Stated when the incident was opened",
                data={"action": "awareness", "at": aware},
            ))
    return int(incident_id)


@dataclass(frozen=True)
class Classification:
    """The incident's type and severity now, and the signed entries that changed them."""

    type: str
    severity: str
    changes: tuple[journal.Entry, ...] = ()


def classification(binder: Binder, incident: Incident) -> Classification:
    """Type and severity as opened, then as changed by signed ``classification`` entries."""
    kind, severity, changes = incident.type, incident.severity, []
    for entry in journal.iter_entries(binder, incident.id, kinds=("classification",)):
        data = entry.data or {}
        if data.get("field") == "type" and data.get("to"):
            kind = data["to"]
        elif data.get("field") == "severity" and data.get("to"):
            severity = data["to"]
        changes.append(entry)
    return Classification(kind, severity, tuple(changes))


def set_classification(
    binder: Binder, incident_id: int | str, author: SigningSession, *, type: str | None = None,
    severity: str | None = None, reason: str = "", occurred_at: str | None = None,
    types: tuple[str, ...] | None = None, severities: tuple[str, ...] = SEVERITIES,
) -> list[int]:
    """Change the incident's type and/or severity: one signed entry per change.

    The incident row keeps what was stated at opening (history is append-only);
    every screen and document reads :func:`classification`. A type change
    starts the clocks the plan maps to the new type. Returns the entry ids.
    """
    incident = get_incident(binder, incident_id)
    if type is None and severity is None:
        raise BadInput("say what changes: give --type, --severity or both")
    check_text(reason, "reason", limit=4000)
    when = times.parse_event_time(occurred_at, "occurred-at time") if occurred_at else None
    now = classification(binder, incident)
    known_types = types or tuple(k for k, _ in INCIDENT_TYPES)
    if type is not None and type not in known_types:
        raise BadInput(f"unknown incident type {type!r}; use one of {', '.join(known_types)}")
    if severity is not None and severity not in severities:
        raise BadInput(f"unknown severity {severity!r}; use one of {', '.join(severities)}")
    changes = [(name, old, new) for name, old, new in (
        ("type", now.type, type), ("severity", now.severity, severity)) if new is not None]
    if all(old == new for _, old, new in changes):
        raise BadInput("nothing changes: the incident already has that type and severity")
    ids = []
    with binder.write():
        for name, old, new in changes:
            if old == new:
                continue
            ids.append(journal.append(binder, incident.id, author, NewEntry(
                text=f"{name.capitalize()} changed from {old} to {new}", kind="classification",
                reason=reason.strip(), occurred_at=when,
                data={"field": name, "from": old, "to": new},
            )))
    return ids


def get_incident(binder: Binder, incident_id: int | str) -> Incident:
    """One incident by id (a number) or uuid."""
    key = str(incident_id).strip()
    if key.isdigit():
        # isdigit() also accepts digits such as '²' that int() refuses, and SQLite
        # integers stop at 2**63 - 1: neither can name an incident.
        number = int(key) if key.isascii() else -1
        if not 0 < number < 2**63:
            raise NotFound(f"there is no incident {incident_id!r}; see `binder incident list`")
        row = binder.conn.execute(f"{_SELECT} WHERE i.id = ?", (number,)).fetchone()
    else:
        row = binder.conn.execute(f"{_SELECT} WHERE i.uuid = ?", (key,)).fetchone()
    if row is None:
        raise NotFound(f"there is no incident {incident_id!r}; see `binder incident list`")
    return _row(row)


def list_incidents(binder: Binder) -> list[Incident]:
    """Every incident, newest first."""
    rows = binder.conn.execute(f"{_SELECT} ORDER BY i.id DESC").fetchall()
    return [_row(r) for r in rows]


def incident_rows(binder: Binder) -> list[tuple]:
    """Every incident row exactly as stored (for `verify`, which compares it with the
    signed opening), ordered by id."""
    return binder.conn.execute(f"SELECT {_COLUMNS} FROM incident ORDER BY id").fetchall()


def most_recent_incident(binder: Binder) -> Incident | None:
    """The incident with the latest journal activity, or None."""
    row = binder.conn.execute(
        "SELECT incident_id FROM entry ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return get_incident(binder, row[0]) if row else None


def plan_revision_of(binder: Binder, incident: Incident):
    """The stored plan revision the incident runs under (the current one when none was
    recorded); None when the binder holds no plan."""
    from binder.core.plan import revisions as plans

    if incident.plan_revision_id is not None:
        return plans.get_revision(binder, incident.plan_revision_id)
    try:
        return plans.current_revision(binder)
    except NotFound:
        return None


def incident_plan(binder: Binder, incident: Incident) -> Plan:
    """The plan revision the incident runs under (the current plan when none was recorded)."""
    # Imported here: listing incidents (`binder incident list`) needs no plan.
    from binder.core.plan import revisions as plans
    from binder.core.plan.format import default_plan

    if incident.plan_revision_id is not None:
        return plans.get_revision(binder, incident.plan_revision_id).plan
    try:
        return plans.current_revision(binder).plan
    except NotFound:
        return default_plan()
