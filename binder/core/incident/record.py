"""Incidents: the record an investigation hangs on.

The incident row holds what is fixed at opening; the same facts are the data
of the incident's first, signed journal entry (kind ``open``), so `verify`
notices when the row is edited. Everything that happens later (phases,
decisions, closing) is a journal entry, never an update.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from binder.core.errors import BadInput, NotFound
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry, check_text, parse_time
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


def _row(row) -> Incident:
    values = list(row)
    values[6] = bool(values[6])
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
) -> int:
    """Open an incident and write its signed opening entry; returns the incident id."""
    check_text(title, "title", required=True, limit=300)
    if "\n" in title:
        raise BadInput("the title must be one line")
    detected = parse_time(detected_at, "detected-at time") if detected_at else utc_now()
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
        text = ("Drill opened: " if drill else "Incident opened: ") + facts["title"]
        journal.append(binder, incident_id, author, NewEntry(text=text, kind="open", data=facts))
    return int(incident_id)


def get_incident(binder: Binder, incident_id: int | str) -> Incident:
    """One incident by id (a number) or uuid."""
    key = str(incident_id).strip()
    if key.isdigit():
        # isdigit() also accepts digits such as '²' that int() refuses, and SQLite
        # integers stop at 2**63 - 1: neither can name an incident.
        number = int(key) if key.isascii() else -1
        if not 0 < number < 2**63:
            raise NotFound(f"there is no incident {incident_id!r}; see `binder incident list`")
        row = binder.conn.execute(f"SELECT {_COLUMNS} FROM incident WHERE id = ?", (number,)).fetchone()
    else:
        row = binder.conn.execute(f"SELECT {_COLUMNS} FROM incident WHERE uuid = ?", (key,)).fetchone()
    if row is None:
        raise NotFound(f"there is no incident {incident_id!r}; see `binder incident list`")
    return _row(row)


def list_incidents(binder: Binder) -> list[Incident]:
    """Every incident, newest first."""
    rows = binder.conn.execute(f"SELECT {_COLUMNS} FROM incident ORDER BY id DESC").fetchall()
    return [_row(r) for r in rows]


def most_recent_incident(binder: Binder) -> Incident | None:
    """The incident with the latest journal activity, or None."""
    row = binder.conn.execute(
        "SELECT incident_id FROM entry ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return get_incident(binder, row[0]) if row else None


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
