"""Change marks: a cheap reading of "how far" each area of a binder has got.

Every stored history in a binder is append-only with growing row ids, so the
largest id of an area's table moves exactly when something was added to it.
A window reads these marks after each action and every few seconds; two
readings that differ say which areas changed (and, for journals, which
incidents and their new heads) without re-reading any content. Reading them
is a handful of index look-ups, fast at 100k entries.

Settings are the one area that is overwritten in place; its mark is the
rows themselves (a few short key/value pairs).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field

from binder.core.storage.database import Binder

#: Area name -> the SQL giving its mark. Areas whose table is missing read as None.
AREA_SQL: Mapping[str, str] = {
    "incidents": "SELECT max(id) FROM incident",
    "journal": "SELECT max(id) FROM entry",
    "cosign": "SELECT max(id) FROM cosign",
    "evidence": "SELECT max(id) FROM evidence",
    "plan": "SELECT max(id) FROM plan_revision",
    "roster": "SELECT max(id) FROM contact_revision",
    "signers": "SELECT (SELECT max(id) FROM signer) || '/' || (SELECT count(*) FROM certificate)",
    "access": "SELECT max(id) FROM access_log",
    "readiness": "SELECT max(id) FROM readiness",
    "checkpoints": "SELECT max(id) FROM checkpoint",
    "reports": "SELECT max(id) || '/' || count(*) FROM report_anchor",
    "settings": "SELECT group_concat(key || '=' || value, ';') FROM (SELECT * FROM setting "
                "ORDER BY key)",
}


@dataclass(frozen=True)
class Head:
    """The newest entry of one incident's journal."""

    seq: int
    hash: str


@dataclass(frozen=True)
class Marks:
    """One reading of every area's mark (see :data:`AREA_SQL`)."""

    areas: Mapping[str, object] = field(default_factory=dict)

    def changed_areas(self, other: Marks | None) -> frozenset[str]:
        """The areas whose mark differs from ``other`` (every area when ``other`` is None)."""
        if other is None:
            return frozenset(self.areas)
        return frozenset(a for a in set(self.areas) | set(other.areas)
                         if self.areas.get(a) != other.areas.get(a))


def read_marks(binder: Binder) -> Marks:
    """Read every area's mark from ``binder`` (a few index look-ups)."""
    areas: dict[str, object] = {}
    for area, sql in AREA_SQL.items():
        try:
            row = binder.conn.execute(sql).fetchone()
        except sqlite3.OperationalError:  # a table an older schema does not have
            row = None
        areas[area] = row[0] if row else None
    return Marks(areas)


def journal_changes(binder: Binder, before: Marks | None, after: Marks) -> dict[int, Head]:
    """Incidents whose journal got a new entry or co-signature between two readings,
    each with its head now. With no earlier reading: nothing (everything is new)."""
    if before is None:
        return {}
    ids: set[int] = set()
    old_entry = before.areas.get("journal") or 0
    if after.areas.get("journal") != before.areas.get("journal"):
        ids |= {r[0] for r in binder.conn.execute(
            "SELECT DISTINCT incident_id FROM entry WHERE id > ?", (old_entry,))}
    old_cosign = before.areas.get("cosign") or 0
    if after.areas.get("cosign") != before.areas.get("cosign"):
        ids |= {r[0] for r in binder.conn.execute(
            "SELECT DISTINCT e.incident_id FROM cosign c JOIN entry e ON e.id = c.entry_id "
            "WHERE c.id > ?", (old_cosign,))}
    return {i: h for i in ids if (h := journal_head(binder, i)) is not None}


def journal_head(binder: Binder, incident_id: int) -> Head | None:
    """The newest entry of an incident's journal, or None for an empty one."""
    row = binder.conn.execute(
        "SELECT seq, hash FROM entry WHERE incident_id = ? ORDER BY seq DESC LIMIT 1",
        (incident_id,)).fetchone()
    return Head(int(row[0]), str(row[1])) if row else None
