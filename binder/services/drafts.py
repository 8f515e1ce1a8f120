"""Unsent journal text, kept so that nothing typed is lost.

A draft is scratch space, not history: one row per incident, overwritten as the
lead types and removed once the entry is written. It lives in the binder file
(WAL, ``synchronous=FULL``), so it survives a closed window, a crash or a
power cut just like the journal does.
"""

from __future__ import annotations

from dataclasses import dataclass

from binder.core.incident.journal import check_text
from binder.core.storage.database import Binder, utc_now


@dataclass(frozen=True)
class Draft:
    """What was typed for an incident but not yet added to its journal."""

    incident_id: int
    text: str
    reason: str
    updated_at: str


def save_draft(binder: Binder, incident_id: int, text: str, reason: str = "") -> None:
    """Store (overwrite) the draft of an incident; an empty draft removes it."""
    # Checked like entry text so a draft can always become an entry later.
    check_text(text, "draft text")
    check_text(reason, "draft reasoning")
    if not text.strip() and not reason.strip():
        clear_draft(binder, incident_id)
        return
    with binder.write() as db:
        db.execute(
            """INSERT INTO draft (incident_id, updated_at, text, reason) VALUES (?, ?, ?, ?)
               ON CONFLICT (incident_id) DO UPDATE
               SET updated_at = excluded.updated_at, text = excluded.text, reason = excluded.reason""",
            (incident_id, utc_now(), text, reason),
        )


def load_draft(binder: Binder, incident_id: int) -> Draft | None:
    """The saved draft of an incident, or None when there is none."""
    row = binder.conn.execute(
        "SELECT incident_id, text, reason, updated_at FROM draft WHERE incident_id = ?",
        (incident_id,),
    ).fetchone()
    return Draft(*row) if row else None


def clear_draft(binder: Binder, incident_id: int) -> None:
    """Forget the draft of an incident (after its entry was written)."""
    with binder.write() as db:
        db.execute("DELETE FROM draft WHERE incident_id = ?", (incident_id,))
