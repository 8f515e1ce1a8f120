"""Who was told, who will be, who may be: the notifications register of an incident.

Decisions to notify a party (or not, with the reasons GDPR Art. 33(5) asks to
be documented), the notifications made (which answer a deadline clock), and
the need-to-know list. The regulator forms a notification can carry are
:mod:`binder.core.incident.notices`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from binder.core import times
from binder.core.crypto.signers import SigningSession
from binder.core.errors import BadInput
from binder.core.incident import clocks as clockmod
from binder.core.incident.journal import NewEntry, check_text
from binder.core.incident.record import get_incident
from binder.core.incident.steps import append_step, one_line, stated_time
from binder.core.storage.database import Binder, utc_now

#: The usual parties of a store incident: (key, label). Any other party may be named too.
KNOWN_PARTIES: tuple[tuple[str, str], ...] = (
    ("acquirer", "Acquirer / payment provider"),
    ("card_brands", "Card brands (Visa, Mastercard, ...)"),
    ("dpa", "Data protection authority"),
    ("counsel", "Counsel"),
    ("insurer", "Cyber insurer"),
    ("law_enforcement", "Law enforcement"),
    ("hosting", "Hosting provider"),
    ("customers", "Customers"),
)


@dataclass(frozen=True)
class NotifyDecision:
    """Whether to notify a party, and why (GDPR Art. 33(5) asks that it be documented)."""

    entry_id: int
    at: str
    author: str
    party: str
    notify: bool
    reason: str
    clock_key: str | None
    witnesses: tuple[str, ...] = ()
    recorded_at: str = ""


@dataclass(frozen=True)
class Notification:
    """Who was told what, when, how and by whom."""

    entry_id: int
    told_at: str
    told_by: str
    party: str
    channel: str
    message: str
    clock_key: str | None
    recorded_at: str
    reference: str = ""
    delay_reason: str = ""
    form: str = ""
    content: Any = None


@dataclass(frozen=True)
class NeedToKnow:
    """A person who may be told about the incident while it is not under control."""

    name: str
    reason: str
    added_by: str
    added_at: str


def check_clock(binder: Binder, incident_id: int, clock_key: str | None) -> str | None:
    """The clock key when the incident has such a clock (None stays None)."""
    if not clock_key:
        return None
    keys = clockmod.known_clock_keys(binder, incident_id)
    if clock_key not in keys:
        raise BadInput(f"there is no clock {clock_key!r}; clocks: {', '.join(keys) or 'none'}")
    return clock_key


def record_notify_decision(
    binder: Binder, incident_id: int, author: SigningSession, *, party: str, notify: bool,
    reason: str, clock_key: str | None = None, witness: SigningSession | None = None,
    occurred_at: str | None = None,
) -> int:
    """Record whether a party will be notified, and why.

    A decision not to notify that names a clock marks the clock "not needed"
    (with the reasoning) until someone is told or the decision is reversed.
    """
    party = one_line(party, "party", limit=200)
    check_text(reason, "reasoning", required=True)
    incident = get_incident(binder, incident_id)
    clock_key = check_clock(binder, incident.id, clock_key)
    verb = "Will notify" if notify else "Will not notify"
    return append_step(binder, incident.id, author, NewEntry(
        text=f"{verb} {party}", kind="decision", reason=reason.strip(),
        data={"action": "notify_decision", "party": party, "notify": bool(notify),
              "clock_key": clock_key},
        occurred_at=stated_time(occurred_at),
    ), witness)


def record_notification(
    binder: Binder, incident_id: int, author: SigningSession, *, party: str, channel: str,
    message: str, told_at: str | None = None, clock_key: str | None = None,
    reference: str = "", delay_reason: str = "", form: str = "",
    content: dict[str, Any] | None = None,
) -> int:
    """Record that ``party`` was told ``message`` by ``channel`` (by the author).

    With ``clock_key`` the notification answers that clock (on time or late;
    ``delay_reason`` gives the reasons for a delay). ``reference`` is the
    number the authority gave the submission; ``form`` and ``content`` the
    regulator form that was submitted (see :mod:`binder.core.incident.notices`).
    ``told_at`` is kept as stated, with its offset (default: now).
    """
    party = one_line(party, "party", limit=200)
    channel = one_line(channel, "channel", limit=200)
    message = check_text(message, "message", required=True, limit=20_000).strip()
    reference = one_line(reference, "reference number", required=False, limit=200)
    check_text(delay_reason, "reasons for the delay", limit=20_000)
    when = times.parse_event_time(told_at, "told-at time") if told_at else None
    incident = get_incident(binder, incident_id)
    clock_key = check_clock(binder, incident.id, clock_key)
    when = when or utc_now()
    data: dict[str, Any] = {
        "action": "told", "party": party, "channel": channel, "message": message,
        "told_at": when, "told_by": author.person, "clock_key": clock_key}
    if reference:
        data["reference"] = reference
    if form:
        data["form"] = form
        data["content"] = dict(content or {})
    ref = f" [ref. {reference}]" if reference else ""
    return append_step(binder, incident.id, author, NewEntry(
        text=f"Told {party} ({channel}){ref}: {message}", kind="notification", occurred_at=when,
        reason=delay_reason.strip(), data=data,
    ))


def set_need_to_know(binder: Binder, incident_id: int, author: SigningSession, name: str, *,
                     allowed: bool = True, reason: str = "", occurred_at: str | None = None) -> int:
    """Add a person to (or take them off) the list of who may be told."""
    name = one_line(name, "name", limit=200)
    check_text(reason, "reason")
    incident = get_incident(binder, incident_id)
    text = f"{name} may be told (need to know)" if allowed else f"{name} taken off the need-to-know list"
    return append_step(binder, incident.id, author, NewEntry(
        text=text, kind="notification", reason=reason,
        data={"action": "need_to_know", "name": name, "allowed": bool(allowed)},
        occurred_at=stated_time(occurred_at),
    ))
