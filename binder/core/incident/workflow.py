"""The guided response: phases, checklists, owners, decisions, closing, and the state of it all.

Every step is an ordinary signed journal entry whose ``data`` carries its
structure, so the report and `verify` cover it without knowing about it. The
state of an incident (focus phase, ticked items, decisions, the notifications
register, clocks, impact, reviews, closed or not) is derived by reading those
entries here; nothing updates a row. Phases, checklists, decisions and closing
are written here; notifications, impact and reviews by their own modules
(:mod:`~binder.core.incident.notifications`, :mod:`~binder.core.incident.impact`,
:mod:`~binder.core.incident.review`), every step through :mod:`~binder.core.incident.steps`.

Entry shapes (``kind``: ``data``):

- ``phase``: ``{"action": "focus", "phase": key}``
- ``checklist``: ``{"phase": key, "item": index, "text": item, "done": bool}``
- ``decision``: ``{"action": "decision", "decision", "options", "approved_by",
  "materiality"}``, ``{"action": "notify_decision", "party", "notify", "clock_key"}``
  or ``{"action": "awareness", "at"}``
- ``notification``: ``{"action": "told", "party", "channel", "message",
  "told_at", "told_by", "clock_key", "reference", "form", "content"}`` (the
  entry's reason holds the reasons for a delay) or ``{"action": "need_to_know",
  "name", "allowed"}``
- ``classification``: ``{"field": "type" | "severity", "from", "to"}``
- ``impact``: ``{"category", "amount" (decimal string), "currency", "note"}``
- ``review``: ``{"action": "add", "lessons", "changes": [...]}`` or
  ``{"action": "accept", "review_entry", "plan_revision", "plan_name"}``
- ``close``: ``{"action": "close" | "reopen"}``; a closing entry lists the clocks
  still running or missed at that moment (``open_clocks``)

Every step can state when it actually happened (``occurred_at``, kept as typed
with its offset); the entry's recorded time is always there too.
- ``clock`` and ``drill``: see :mod:`binder.core.incident.clocks` and :mod:`binder.core.incident.drills`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from binder.core import roster, times
from binder.core.crypto.signers import SigningSession
from binder.core.errors import BadInput
from binder.core.formatting import amount_text
from binder.core.incident import clocks as clockmod
from binder.core.incident import drills, journal, record
from binder.core.incident.impact import ImpactLine
from binder.core.incident.journal import Entry, NewEntry, check_text
from binder.core.incident.notifications import NeedToKnow, Notification, NotifyDecision
from binder.core.incident.record import Incident, get_incident, incident_plan, plan_revision_of
from binder.core.incident.review import Review, fold_review
from binder.core.incident.steps import append_step, check_phase, one_line, stated_time
from binder.core.plan.format import RESPONSIBILITIES, Plan
from binder.core.storage.database import Binder

WORKFLOW_KINDS = ("phase", "checklist", "decision", "notification", "impact", "review", "close")


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class ChecklistItem:
    """One checklist line and who ticked it, when (None when open)."""

    index: int
    text: str
    done: bool
    done_by: str | None = None
    done_at: str | None = None


@dataclass(frozen=True)
class Owner:
    """A role's responsibility in a phase, with the roster's names for it."""

    role_key: str
    role_name: str
    responsibility: str
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActivityOwners:
    """One RACI activity a phase covers, with every role that has a part in it."""

    key: str
    name: str
    owners: tuple[Owner, ...]


@dataclass(frozen=True)
class PhaseStatus:
    """A phase of the plan as it stands in one incident."""

    key: str
    name: str
    guidance: str
    checklist: tuple[ChecklistItem, ...]
    owners: tuple[Owner, ...]
    activities: tuple[ActivityOwners, ...]
    is_focus: bool

    @property
    def done_count(self) -> int:
        """How many checklist items are ticked."""
        return sum(1 for item in self.checklist if item.done)

    def owners_with(self, responsibility: str) -> tuple[Owner, ...]:
        """The roles with one responsibility (Owner, Implements, Advises, Updates)."""
        return tuple(o for o in self.owners if o.responsibility == responsibility)


@dataclass(frozen=True)
class Decision:
    """A recorded decision with its reasoning."""

    entry_id: int
    at: str
    author: str
    decision: str
    reason: str
    options: tuple[str, ...]
    approved_by: str
    witnesses: tuple[str, ...]
    materiality: bool = False
    recorded_at: str = ""


@dataclass(frozen=True)
class IncidentState:
    """Everything the phase guide, decisions and review panes show, derived from the journal."""

    incident: Incident
    plan_name: str
    plan_revision_id: int | None
    focus_phase: str
    phases: tuple[PhaseStatus, ...]
    decisions: tuple[Decision, ...]
    notify_decisions: tuple[NotifyDecision, ...]
    notifications: tuple[Notification, ...]
    need_to_know: tuple[NeedToKnow, ...]
    clocks: tuple[clockmod.ClockStatus, ...]
    impact: tuple[ImpactLine, ...]
    reviews: tuple[Review, ...]
    closed: bool
    closed_at: str | None
    closed_by: str | None
    drill: Any = None  # binder.core.incident.drills.DrillState for a drill run from a scenario
    type: str = ""
    severity: str = ""
    aware_at: str | None = None
    materiality_at: str | None = None
    classification_changes: tuple[Entry, ...] = ()

    @property
    def impact_totals(self) -> dict[str, Decimal]:
        """Total impact per currency."""
        totals: dict[str, Decimal] = {}
        for line in self.impact:
            totals[line.currency] = totals.get(line.currency, Decimal(0)) + line.amount
        return totals

    @property
    def nearest_clock(self) -> clockmod.ClockStatus | None:
        """The most urgent clock still asking for action."""
        return clockmod.nearest(self.clocks)

    @property
    def running_clocks(self) -> list[clockmod.ClockStatus]:
        """Every clock still asking for action (missed or running), most urgent first."""
        return clockmod.running(self.clocks)

    def notification_verdict(self, entry_id: int) -> clockmod.ClockStatus | None:
        """The clock a notification answered, with its verdict (None for follow-ups)."""
        return clockmod.notification_verdicts(self.clocks).get(entry_id)

    def phase(self, key: str) -> PhaseStatus:
        """One phase by key."""
        for phase in self.phases:
            if phase.key == key:
                return phase
        raise BadInput(f"unknown phase {key!r}; use one of {', '.join(p.key for p in self.phases)}")


# ---------------------------------------------------------------- reading


def roster_names(binder: Binder) -> dict[str, tuple[str, ...]]:
    """Role key -> contact names in escalation order; empty when locked or no roster."""
    if not binder.unlocked:
        return {}
    names: dict[str, list[str]] = {}
    for contact in roster.list_contacts(binder):
        if contact.removed:
            continue
        names.setdefault(contact.role, []).append(contact.name)
    return {k: tuple(v) for k, v in names.items()}


def _owners(plan: Plan, raci: Sequence[tuple[str, str]], people: dict[str, tuple[str, ...]]
            ) -> tuple[Owner, ...]:
    rank = {name: i for i, name in enumerate(RESPONSIBILITIES)}
    cells = [(role_key, value) for role_key, value in raci if value != "None"]
    order = {r.key: i for i, r in enumerate(plan.roles)}
    cells.sort(key=lambda c: (rank[c[1]], order.get(c[0], 99)))
    return tuple(
        Owner(role_key, plan.role(role_key).name, value, people.get(role_key, ()))
        for role_key, value in cells
    )


def _moment(value: str | None):
    try:
        return times.utc(value) if value else times.utc("9999-12-31T00:00Z")
    except ValueError:
        return times.utc("9999-12-31T00:00Z")


def _witnesses(binder: Binder, entry_id: int) -> tuple[str, ...]:
    return tuple(c.witness for c in journal.cosigns_for(binder, entry_id))


def incident_state(binder: Binder, incident_id: int | str, now: datetime | str | None = None
                   ) -> IncidentState:
    """The whole guided-response state of an incident at ``now`` (default: now)."""
    incident = get_incident(binder, incident_id)
    revision = plan_revision_of(binder, incident)
    plan = revision.plan if revision is not None else incident_plan(binder, incident)
    people = roster_names(binder)

    focus = plan.phases[0].key
    ticks: dict[tuple[str, int], tuple[bool, str, str]] = {}
    decisions: list[Decision] = []
    notify_decisions: list[NotifyDecision] = []
    notifications: list[Notification] = []
    need: dict[str, NeedToKnow] = {}
    impact: list[ImpactLine] = []
    reviews: dict[int, Review] = {}
    closed, closed_at, closed_by = False, None, None
    phase_keys = {p.key for p in plan.phases}
    aware_at: str | None = None
    materiality_at: str | None = None

    for entry in journal.iter_entries(binder, incident.id, kinds=WORKFLOW_KINDS + ("open",)):
        data = entry.data or {}
        action = data.get("action")
        if entry.kind == "open":
            aware_at = data.get("aware_at") or aware_at
        elif entry.kind == "phase" and action == "focus" and data.get("phase") in phase_keys:
            focus = data["phase"]
        elif entry.kind == "checklist" and "item" in data:
            ticks[(data.get("phase"), int(data["item"]))] = (
                bool(data.get("done")), entry.author, entry.event_at)
        elif entry.kind == "decision" and action == "decision":
            decisions.append(Decision(
                entry.id, entry.event_at, entry.author, data.get("decision", entry.text), entry.reason,
                tuple(data.get("options", ())), data.get("approved_by", ""),
                _witnesses(binder, entry.id), bool(data.get("materiality")), entry.recorded_at,
            ))
            if data.get("materiality") and materiality_at is None:
                materiality_at = entry.event_at
        elif entry.kind == "decision" and action == "awareness" and data.get("at"):
            aware_at = data["at"]
        elif entry.kind == "decision" and action == "notify_decision":
            notify_decisions.append(NotifyDecision(
                entry.id, entry.event_at, entry.author, data.get("party", ""), bool(data.get("notify")),
                entry.reason, data.get("clock_key"), _witnesses(binder, entry.id), entry.recorded_at,
            ))
        elif entry.kind == "notification" and action == "told":
            notifications.append(Notification(
                entry.id, data.get("told_at") or entry.event_at, entry.author,
                data.get("party", ""), data.get("channel", ""), data.get("message", ""),
                data.get("clock_key"), entry.recorded_at, data.get("reference", ""),
                entry.reason, data.get("form", ""), data.get("content"),
            ))
        elif entry.kind == "notification" and action == "need_to_know":
            name = data.get("name", "")
            if data.get("allowed", True):
                need[name.casefold()] = NeedToKnow(name, entry.reason, entry.author, entry.event_at)
            else:
                need.pop(name.casefold(), None)
        elif entry.kind == "impact":
            try:
                amount = Decimal(data.get("amount", "0"))
            except InvalidOperation:
                continue
            impact.append(ImpactLine(
                entry.id, entry.event_at, entry.author, data.get("category", ""), amount,
                data.get("currency", ""), data.get("note", ""), bool(data.get("estimate")),
            ))
        elif entry.kind == "review":
            fold_review(reviews, entry)
        elif entry.kind == "close":
            closed = action == "close"
            closed_at, closed_by = (entry.event_at, entry.author) if closed else (None, None)

    phases = []
    for phase in plan.phases:
        items = []
        for i, text in enumerate(phase.checklist):
            done, by, when = ticks.get((phase.key, i), (False, None, None))
            items.append(ChecklistItem(i, text, done, by if done else None, when if done else None))
        owners_map = plan.owners_for_phase(phase.key)
        owners = tuple(
            Owner(role_key, plan.role(role_key).name, resp, people.get(role_key, ()))
            for resp in RESPONSIBILITIES[:-1] for role_key in owners_map[resp]
        )
        acts = tuple(
            ActivityOwners(a, plan.activity(a).name, _owners(plan, plan.activity(a).raci, people))
            for a in phase.activities
        )
        phases.append(PhaseStatus(phase.key, phase.name, phase.guidance, tuple(items), owners,
                                  acts, phase.key == focus))

    # Lists are by when things happened; entries stating the same moment keep their order.
    decisions.sort(key=lambda d: _moment(d.at))
    notify_decisions.sort(key=lambda d: _moment(d.at))
    notifications.sort(key=lambda n: _moment(n.told_at))
    impact.sort(key=lambda i: _moment(i.at))
    now_class = record.classification(binder, incident)
    clocks = tuple(clockmod.incident_clocks(binder, incident.id, now=now, plan=plan))
    return IncidentState(
        incident=incident,
        plan_name=revision.plan_name if revision is not None else plan.name,
        plan_revision_id=revision.id if revision is not None else None,
        focus_phase=focus,
        phases=tuple(phases),
        decisions=tuple(decisions),
        notify_decisions=tuple(notify_decisions),
        notifications=tuple(notifications),
        need_to_know=tuple(need.values()),
        clocks=clocks,
        impact=tuple(impact),
        reviews=tuple(reviews.values()),
        closed=closed,
        closed_at=closed_at,
        closed_by=closed_by,
        drill=drills.drill_state(binder, incident.id, plan=plan, now=now) if incident.drill else None,
        type=now_class.type,
        severity=now_class.severity,
        aware_at=aware_at or incident.detected_at,
        materiality_at=materiality_at,
        classification_changes=now_class.changes,
    )


# ---------------------------------------------------------------- writing


def set_focus_phase(binder: Binder, incident_id: int, author: SigningSession, phase_key: str,
                    *, occurred_at: str | None = None) -> int:
    """Move the incident's focus to a phase (other phases stay workable); returns the entry id."""
    incident = get_incident(binder, incident_id)
    phase = check_phase(incident_plan(binder, incident), phase_key)
    return journal.append(binder, incident.id, author, NewEntry(
        text=f"Focus moved to phase: {phase.name}", kind="phase", phase=phase.key,
        data={"action": "focus", "phase": phase.key}, occurred_at=stated_time(occurred_at),
    ))


def resolve_item(phase, item: int | str) -> int:
    """A checklist item's index from an index (0-based) or its text (or a unique part of it)."""
    count = len(phase.checklist)
    if isinstance(item, bool):
        raise BadInput("give a checklist item number or its text")
    if isinstance(item, int):
        if not 0 <= item < count:
            raise BadInput(
                f"phase {phase.key!r} has checklist items 1 to {count}; there is no item {item + 1}"
            )
        return item
    wanted = " ".join(str(item).split()).casefold()
    if not wanted:
        raise BadInput("the checklist item is empty; give its number or its text")
    texts = [" ".join(t.split()).casefold() for t in phase.checklist]
    if wanted in texts:
        return texts.index(wanted)
    hits = [i for i, t in enumerate(texts) if wanted in t]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise BadInput(
            f"{len(hits)} items of phase {phase.key!r} match {str(item)[:40]!r} "
            f"(items {', '.join(str(h + 1) for h in hits)}); give the item number"
        )
    raise BadInput(
        f"no checklist item of phase {phase.key!r} matches {str(item)[:40]!r}; "
        f"see `binder incident show` for the numbers"
    )


def tick_checklist(binder: Binder, incident_id: int, author: SigningSession, phase_key: str,
                   item: int | str, done: bool = True, *, occurred_at: str | None = None) -> int:
    """Tick (or untick, ``done=False``) a checklist item; the entry records who and when."""
    state = incident_state(binder, incident_id)
    plan_phase = check_phase(incident_plan(binder, state.incident), phase_key)
    index = resolve_item(plan_phase, item)
    current = state.phase(phase_key).checklist[index]
    if current.done == done:
        if done:
            raise BadInput(f"item {index + 1} is already ticked (by {current.done_by})")
        raise BadInput(f"item {index + 1} is not ticked")
    text = plan_phase.checklist[index]
    verb = "Done" if done else "Not done after all"
    return journal.append(binder, state.incident.id, author, NewEntry(
        text=f"{verb}: {text}", kind="checklist", phase=phase_key,
        data={"phase": phase_key, "item": index, "text": text, "done": bool(done)},
        occurred_at=stated_time(occurred_at),
    ))


def record_decision(
    binder: Binder, incident_id: int, author: SigningSession, *, decision: str, reason: str,
    options: Sequence[str] = (), approved_by: str = "", witness: SigningSession | None = None,
    materiality: bool = False, occurred_at: str | None = None,
) -> int:
    """Record a decision with the options weighed, the reasoning and who approved it.

    ``materiality=True`` marks the decision that the incident is material, which
    starts clocks counted from the materiality decision (SEC 8-K) at the
    decision's event time (``occurred_at``, else when it is written).
    """
    decision = check_text(decision, "decision", required=True, limit=2000).strip()
    check_text(reason, "reasoning", required=True)
    opts = [one_line(o, "option", limit=500) for o in options]
    if any(not o for o in opts):
        raise BadInput("an option is empty; leave it out or describe it")
    approved_by = one_line(approved_by, "approver", required=False, limit=200)
    incident = get_incident(binder, incident_id)
    return append_step(binder, incident.id, author, NewEntry(
        text=f"Decision: {decision}", kind="decision", reason=reason.strip(),
        data={"action": "decision", "decision": decision, "options": opts,
              "approved_by": approved_by, "materiality": bool(materiality)},
        occurred_at=stated_time(occurred_at),
    ), witness)


def open_clocks(state: IncidentState) -> list[clockmod.ClockStatus]:
    """Clocks that closing the incident now would leave running or missed (warn about them)."""
    return state.running_clocks


def close_incident(binder: Binder, incident_id: int, author: SigningSession, summary: str = "",
                   witness: SigningSession | None = None, *, occurred_at: str | None = None,
                   now: datetime | str | None = None) -> int:
    """Close the incident (a signed entry; reviews and impact can still be added).

    Clocks still running or missed at that moment do not stop the closing, but
    the closing entry names them (its text and ``open_clocks``), so the record
    shows it was closed with a deadline open; doors warn before they call this.
    """
    check_text(summary, "summary")
    when = stated_time(occurred_at)
    state = incident_state(binder, incident_id, now=now or (times.utc(when) if when else None))
    if state.closed:
        raise BadInput(f"incident {state.incident.id} is already closed")
    pending = open_clocks(state)
    text = "Incident closed" + (f": {summary.strip()}" if summary.strip() else "")
    if pending:
        text += " (deadlines still open: " + "; ".join(
            f"{c.name} {c.label}" for c in pending) + ")"
    return journal.append(binder, state.incident.id, author, NewEntry(
        text=text, kind="close", reason=summary.strip(), occurred_at=when,
        data={"action": "close", "open_clocks": [
            {"key": c.key, "name": c.name, "status": c.status, "due_at": c.deadline}
            for c in pending]},
    ), witness=witness)


def reopen_incident(binder: Binder, incident_id: int, author: SigningSession, reason: str, *,
                    occurred_at: str | None = None) -> int:
    """Reopen a closed incident, saying why."""
    check_text(reason, "reason", required=True)
    state = incident_state(binder, incident_id)
    if not state.closed:
        raise BadInput(f"incident {state.incident.id} is not closed")
    return journal.append(binder, state.incident.id, author, NewEntry(
        text="Incident reopened", kind="close", reason=reason.strip(), data={"action": "reopen"},
        occurred_at=stated_time(occurred_at),
    ))


# ---------------------------------------------------------------- export


def _verdict_of(state: IncidentState, entry_id: int) -> str | None:
    clock = state.notification_verdict(entry_id)
    return clock.status if clock is not None else None


def state_to_dict(state: IncidentState) -> dict[str, Any]:
    """The state as plain JSON values (what `binder incident show --json` prints)."""
    inc = state.incident
    return {
        "incident": {
            "id": inc.id, "uuid": inc.uuid, "title": inc.title, "type": state.type or inc.type,
            "severity": state.severity or inc.severity, "drill": inc.drill,
            "detected_at": inc.detected_at, "aware_at": state.aware_at,
            "materiality_at": state.materiality_at, "opened_at": inc.opened_at,
            "opened_by": inc.opened_by, "opened_type": inc.type, "opened_severity": inc.severity,
        },
        "plan": {"name": state.plan_name, "revision_id": state.plan_revision_id},
        "closed": state.closed,
        "closed_at": state.closed_at,
        "closed_by": state.closed_by,
        "focus_phase": state.focus_phase,
        "phases": [
            {
                "key": p.key, "name": p.name, "focus": p.is_focus, "guidance": p.guidance,
                "done": p.done_count, "total": len(p.checklist),
                "checklist": [
                    {"number": i.index + 1, "text": i.text, "done": i.done,
                     "done_by": i.done_by, "done_at": i.done_at}
                    for i in p.checklist
                ],
                "owners": [
                    {"role": o.role_key, "role_name": o.role_name,
                     "responsibility": o.responsibility, "people": list(o.people)}
                    for o in p.owners
                ],
                "activities": [
                    {"key": a.key, "name": a.name,
                     "raci": {o.role_key: o.responsibility for o in a.owners}}
                    for a in p.activities
                ],
            }
            for p in state.phases
        ],
        "decisions": [
            {"entry": d.entry_id, "at": d.at, "recorded_at": d.recorded_at, "by": d.author,
             "decision": d.decision, "reason": d.reason, "options": list(d.options),
             "approved_by": d.approved_by, "witnesses": list(d.witnesses),
             "materiality": d.materiality}
            for d in state.decisions
        ],
        "notify_decisions": [
            {"entry": d.entry_id, "at": d.at, "by": d.author, "party": d.party,
             "notify": d.notify, "reason": d.reason, "clock": d.clock_key}
            for d in state.notify_decisions
        ],
        "notifications": [
            {"entry": n.entry_id, "told_at": n.told_at, "recorded_at": n.recorded_at,
             "told_by": n.told_by, "party": n.party, "channel": n.channel, "message": n.message,
             "clock": n.clock_key, "reference": n.reference, "delay_reason": n.delay_reason,
             "form": n.form, "content": n.content,
             "verdict": _verdict_of(state, n.entry_id)}
            for n in state.notifications
        ],
        "need_to_know": [
            {"name": p.name, "reason": p.reason, "added_by": p.added_by, "added_at": p.added_at}
            for p in state.need_to_know
        ],
        "clocks": [c.to_dict() for c in state.clocks],
        "impact": [
            {"entry": i.entry_id, "at": i.at, "by": i.author, "category": i.category,
             "amount": amount_text(i.amount, i.currency, grouped=False),
             "amount_recorded": format(i.amount, "f"), "currency": i.currency, "note": i.note,
             "estimate": i.estimate}
            for i in state.impact
        ],
        "impact_totals": {k: amount_text(v, k, grouped=False)
                          for k, v in sorted(state.impact_totals.items())},
        "reviews": [
            {"entry": r.entry_id, "at": r.at, "by": r.author, "lessons": r.lessons,
             "changes": [c.to_dict() for c in r.changes],
             "accepted_revision": r.accepted_revision, "accepted_by": r.accepted_by}
            for r in state.reviews
        ],
        "drill": state.drill.to_dict() if state.drill is not None else None,
    }
