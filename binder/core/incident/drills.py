"""Drills: tabletop exercises run from the plan's scenarios.

A drill is an incident with ``drill=True`` (marked DRILL everywhere) whose
first step after opening is a signed ``drill`` entry naming the scenario.
The facilitator reveals the scenario's injects one at a time; each reveal is
another ``drill`` entry, so the exercise's record is as trustworthy as a real
incident's, and its review feeds the plan the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from binder.core.crypto.signers import SigningSession
from binder.core.errors import BadInput
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import get_incident, incident_plan, open_incident
from binder.core.plan import revisions as plans
from binder.core.plan.format import Plan, Scenario
from binder.core.storage.database import Binder


@dataclass(frozen=True)
class InjectView:
    """One inject of a running drill: its text, when it is due, and whether it was revealed."""

    number: int
    after_minutes: int
    text: str
    due_at: str
    revealed_at: str | None = None
    revealed_by: str | None = None

    @property
    def revealed(self) -> bool:
        """True once the facilitator has revealed it."""
        return self.revealed_at is not None


@dataclass(frozen=True)
class DrillState:
    """A drill incident's scenario and injects."""

    scenario_key: str
    title: str
    summary: str
    started_at: str
    injects: tuple[InjectView, ...]

    @property
    def revealed(self) -> tuple[InjectView, ...]:
        """Injects already revealed, in order."""
        return tuple(i for i in self.injects if i.revealed)

    @property
    def pending(self) -> tuple[InjectView, ...]:
        """Injects still to come, in order."""
        return tuple(i for i in self.injects if not i.revealed)

    @property
    def next_inject(self) -> InjectView | None:
        """The inject the facilitator reveals next."""
        pending = self.pending
        return pending[0] if pending else None

    def to_dict(self, *, include_pending_text: bool = False) -> dict[str, Any]:
        """Plain JSON values; pending inject texts stay hidden unless asked for."""
        return {
            "scenario": self.scenario_key,
            "title": self.title,
            "summary": self.summary,
            "started_at": self.started_at,
            "revealed": [
                {"number": i.number, "after_minutes": i.after_minutes, "text": i.text,
                 "due_at": i.due_at, "revealed_at": i.revealed_at, "revealed_by": i.revealed_by}
                for i in self.revealed
            ],
            "pending": [
                {"number": i.number, "after_minutes": i.after_minutes, "due_at": i.due_at,
                 **({"text": i.text} if include_pending_text else {})}
                for i in self.pending
            ],
        }


def list_scenarios(binder: Binder, plan_name: str | None = None) -> tuple[Scenario, ...]:
    """The drill scenarios of the current plan."""
    return plans.current_revision(binder, plan_name).plan.scenarios


def get_scenario(plan: Plan, key: str) -> Scenario:
    for scenario in plan.scenarios:
        if scenario.key == key:
            return scenario
    known = ", ".join(s.key for s in plan.scenarios) or "none"
    raise BadInput(f"unknown drill scenario {key!r}; scenarios: {known}")


def start_drill(binder: Binder, author: SigningSession, scenario_key: str, *,
                plan_name: str | None = None, severity: str | None = None,
                title: str | None = None) -> int:
    """Open a drill incident from a plan scenario; returns the incident id.

    The incident and its scenario entry are written in one transaction.
    """
    revision = plans.current_revision(binder, plan_name)
    plan = revision.plan
    scenario = get_scenario(plan, scenario_key)
    if severity is None:
        severity = "high" if "high" in plan.severities else plan.severities[-1]
    with binder.write():
        incident_id = open_incident(
            binder, author, title=title or scenario.title, type=scenario.incident_type,
            severity=severity, drill=True, plan_revision_id=revision.id,
            severities=plan.severities, types=tuple(k for k, _ in plan.incident_types),
        )
        journal.append(binder, incident_id, author, NewEntry(
            text=f"Drill scenario: {scenario.title}. {scenario.summary}".strip(),
            kind="drill",
            data={"action": "start", "scenario": scenario.key, "title": scenario.title,
                  "injects": len(scenario.injects)},
        ))
    return incident_id


def _iso_plus(start: str, minutes: int) -> str:
    moment = datetime.fromisoformat(start).astimezone(UTC) + timedelta(minutes=minutes)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def drill_state(binder: Binder, incident_id: int, *, plan: Plan | None = None,
                now: Any = None) -> DrillState | None:
    """The scenario and injects of a drill; None for a drill opened without a scenario."""
    del now  # injects are due by the clock, but revealing them is the facilitator's call
    incident = get_incident(binder, incident_id)
    start = None
    revealed: dict[int, tuple[str, str]] = {}
    for entry in journal.iter_entries(binder, incident.id, kinds=("drill",)):
        data = entry.data or {}
        if data.get("action") == "start" and start is None:
            start = entry
        elif data.get("action") == "inject":
            revealed.setdefault(int(data.get("number", 0)), (entry.recorded_at, entry.author))
    if start is None:
        return None
    if plan is None:
        plan = incident_plan(binder, incident)
    key = start.data["scenario"]
    try:
        scenario = get_scenario(plan, key)
    except BadInput:
        return DrillState(key, start.data.get("title", key), "", start.recorded_at, ())
    injects = tuple(
        InjectView(n, inj.after_minutes, inj.text, _iso_plus(start.recorded_at, inj.after_minutes),
                   *revealed.get(n, (None, None)))
        for n, inj in enumerate(scenario.injects, start=1)
    )
    return DrillState(scenario.key, scenario.title, scenario.summary, start.recorded_at, injects)


def pending_inject(binder: Binder, incident_id: int) -> tuple[InjectView, int]:
    """The inject to reveal next and the total count; BadInput when there is none."""
    incident = get_incident(binder, incident_id)
    if not incident.drill:
        raise BadInput(f"incident {incident.id} is not a drill; injects belong to drills")
    state = drill_state(binder, incident.id)
    if state is None:
        raise BadInput(
            f"drill {incident.id} was not started from a scenario; start one with `binder drill start`"
        )
    nxt = state.next_inject
    if nxt is None:
        raise BadInput(f"all {len(state.injects)} injects of this drill are already revealed")
    return nxt, len(state.injects)


def reveal_next_inject(binder: Binder, incident_id: int, author: SigningSession) -> int:
    """Reveal the next inject of a drill (a signed entry); returns the entry id."""
    nxt, total = pending_inject(binder, incident_id)
    return journal.append(binder, get_incident(binder, incident_id).id, author, NewEntry(
        text=f"Inject {nxt.number} of {total}: {nxt.text}", kind="drill",
        data={"action": "inject", "number": nxt.number, "after_minutes": nxt.after_minutes,
              "text": nxt.text},
    ))
