"""What every guided-response step shares: checks of its fields and how it is appended.

A step (a decision, a notification, an impact line, a review...) is a signed
journal entry written under the incident's focus phase at that moment.
"""

from __future__ import annotations

import dataclasses

from binder.core import times
from binder.core.crypto.signers import SigningSession
from binder.core.errors import BadInput
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry, check_text
from binder.core.plan.format import Plan
from binder.core.storage.database import Binder


def one_line(value: str, what: str, *, required: bool = True, limit: int = 300) -> str:
    """``value`` stripped, or :class:`BadInput` when it is missing, too long or not one line."""
    check_text(value, what, required=required, limit=limit)
    if "\n" in value or "\r" in value:
        raise BadInput(f"the {what} must be one line")
    return value.strip()


def stated_time(occurred_at: str | None) -> str | None:
    """A stated event time, checked and kept as typed (None: it happened as it is written)."""
    return times.parse_event_time(occurred_at, "occurred-at time") if occurred_at else None


def check_phase(plan: Plan, phase_key: str):
    """The plan's phase with this key; BadInput naming the valid keys otherwise."""
    for phase in plan.phases:
        if phase.key == phase_key:
            return phase
    raise BadInput(
        f"unknown phase {phase_key!r}; use one of {', '.join(p.key for p in plan.phases)}"
    )


def focus_phase(binder: Binder, incident_id: int) -> str | None:
    """The phase the incident's focus is on now (None until it was first moved)."""
    focus = None
    for entry in journal.iter_entries(binder, incident_id, kinds=("phase",)):
        if (entry.data or {}).get("action") == "focus":
            focus = entry.data.get("phase")
    return focus


def append_step(binder: Binder, incident_id: int, author: SigningSession, new: NewEntry,
                witness: SigningSession | None = None) -> int:
    """Append a step's entry under the incident's focus phase (unless it names one)."""
    if new.phase is None:
        new = dataclasses.replace(new, phase=focus_phase(binder, incident_id))
    return journal.append(binder, incident_id, author, new, witness=witness)
