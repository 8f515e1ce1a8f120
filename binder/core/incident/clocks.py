"""Regulatory and contractual clocks: deadlines counted from the moment of awareness.

A clock comes from the plan (its enabled :class:`ClockTemplate` entries) or is
added to one incident (a journal entry of kind ``clock``). Per incident a clock
can be switched off or on again, and the moment of awareness can be restated;
each of those is a signed journal entry too, so the state is always derived by
reading the journal and nothing is ever updated in place.

The arithmetic (:func:`add_due`, :func:`evaluate`) is pure and takes ``now`` as
an argument, so it is tested with fixed times.

Statuses: ``ok`` (time left), ``amber`` (under a quarter of the time or under
12 hours left), ``missed`` (deadline passed, nobody told), ``met`` (a
notification for this clock before the deadline), ``met-late`` (told after the
deadline), ``waiting`` (counts from a materiality decision not yet taken),
``not-needed`` (a recorded decision not to notify, with its reasoning) and
``off`` (switched off for this incident).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from binder.core.errors import BadInput
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry, check_text, parse_time
from binder.core.incident.record import get_incident, incident_plan
from binder.core.plan.format import KEY_PATTERN

UNITS = ("hours", "days", "business_days")
STARTS = ("awareness", "materiality_decision")
AMBER_FRACTION = 0.25
AMBER_HOURS = 12
STATUS_COLOUR = {
    "ok": "green",
    "amber": "amber",
    "missed": "red",
    "met": "green",
    "met-late": "red",
    "waiting": "grey",
    "not-needed": "grey",
    "off": "grey",
}
#: Statuses of a clock that still asks for action.
RUNNING = ("ok", "amber", "missed")
MAX_DUE = 10_000


@dataclass(frozen=True)
class ClockSpec:
    """A clock as it applies to one incident (from the plan or added to the incident)."""

    key: str
    name: str
    authority: str = ""
    due: int = 72
    unit: str = "hours"
    starts: str = "awareness"
    enabled: bool = True
    note: str = ""
    custom: bool = False


@dataclass(frozen=True)
class ClockStatus:
    """Where a clock stands at a given moment."""

    key: str
    name: str
    authority: str
    note: str
    due: int
    unit: str
    starts: str
    enabled: bool
    custom: bool
    start_at: str | None
    deadline: str | None
    status: str
    seconds_left: float | None
    met_at: str | None = None
    met_by: str | None = None
    reason: str = ""

    @property
    def colour(self) -> str:
        """green / amber / red / grey, for countdown displays."""
        return STATUS_COLOUR[self.status]

    @property
    def running(self) -> bool:
        """True while the clock still asks for someone to be told."""
        return self.status in RUNNING

    @property
    def due_text(self) -> str:
        """The rule in words, e.g. ``72 hours from awareness``."""
        unit = {"hours": "hour", "days": "day", "business_days": "business day"}[self.unit]
        plural = "" if self.due == 1 else "s"
        start = "the materiality decision" if self.starts == "materiality_decision" else "awareness"
        if self.due == 0:
            return f"immediately on {start}"
        return f"{self.due} {unit}{plural} from {start}"

    def describe(self) -> str:
        """One short line a person reads at a glance."""
        if self.status == "off":
            return "switched off for this incident"
        if self.status == "waiting":
            return "starts when the materiality decision is recorded"
        if self.status == "not-needed":
            return "decided not to notify" + (f": {self.reason}" if self.reason else "")
        if self.status == "met":
            return f"met {short_time(self.met_at)}" + (f" by {self.met_by}" if self.met_by else "")
        if self.status == "met-late":
            late = _parse(self.met_at) - _parse(self.deadline)
            return f"met late by {format_span(late.total_seconds())} ({short_time(self.met_at)})"
        assert self.seconds_left is not None
        if self.status == "missed":
            if self.due == 0:
                return f"due immediately: tell them now (aware {format_span(-self.seconds_left)} ago)"
            return f"MISSED: overdue by {format_span(-self.seconds_left)}"
        return f"due in {format_span(self.seconds_left)}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (times as ISO 8601 UTC)."""
        return {
            "key": self.key,
            "name": self.name,
            "authority": self.authority,
            "note": self.note,
            "due": self.due,
            "unit": self.unit,
            "starts": self.starts,
            "rule": self.due_text,
            "enabled": self.enabled,
            "custom": self.custom,
            "start_at": self.start_at,
            "deadline": self.deadline,
            "status": self.status,
            "colour": self.colour,
            "seconds_left": None if self.seconds_left is None else round(self.seconds_left),
            "met_at": self.met_at,
            "met_by": self.met_by,
            "reason": self.reason,
            "summary": self.describe(),
        }


# ---------------------------------------------------------------- pure arithmetic


def _parse(value: str | datetime | None) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        if not value:
            raise ValueError("no time given")
        moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    """A UTC ISO 8601 string in the journal's form."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def short_time(value: str | None) -> str:
    """``2026-11-29 14:05 UTC`` for display."""
    if not value:
        return ""
    return _parse(value).strftime("%Y-%m-%d %H:%M UTC")


def format_span(seconds: float) -> str:
    """``2 d 3 h``, ``5 h 12 min``, ``40 min`` — coarse enough to read under stress."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def add_due(start: datetime, due: int, unit: str) -> datetime:
    """The deadline ``due`` units after ``start``.

    Business days skip Saturdays and Sundays: each step moves one calendar day
    and counts only when it lands on a weekday, keeping the time of day. So
    Friday 10:00 plus one business day is Monday 10:00, and an awareness on
    Saturday plus one business day is also Monday.
    """
    if unit == "hours":
        return start + timedelta(hours=due)
    if unit == "days":
        return start + timedelta(days=due)
    if unit == "business_days":
        moment, counted = start, 0
        while counted < due:
            moment += timedelta(days=1)
            if moment.weekday() < 5:
                counted += 1
        return moment
    raise BadInput(f"unknown clock unit {unit!r}; use one of {', '.join(UNITS)}")


def status_at(
    start: datetime, deadline: datetime, now: datetime, met_at: datetime | None = None
) -> tuple[str, float]:
    """(status, seconds left) of a running clock at ``now``.

    Amber when less than a quarter of the allowed time, or less than 12 hours,
    is left; a notification decides met / met-late however late it came.
    """
    left = (deadline - now).total_seconds()
    if met_at is not None:
        # "Immediately" has no measurable deadline: telling them at all meets it.
        on_time = met_at <= deadline or deadline <= start
        return ("met" if on_time else "met-late"), left
    if left <= 0:
        return "missed", left
    total = (deadline - start).total_seconds()
    if left < max(total * AMBER_FRACTION, AMBER_HOURS * 3600):
        return "amber", left
    return "ok", left


def spec_from_template(template: Any) -> ClockSpec:
    """A :class:`ClockSpec` from a plan ``ClockTemplate`` (or anything shaped like one)."""
    return ClockSpec(
        key=template.key,
        name=template.name,
        authority=getattr(template, "authority", "") or "",
        due=int(template.due),
        unit=template.unit,
        starts=getattr(template, "starts", "awareness") or "awareness",
        enabled=bool(getattr(template, "enabled", True)),
        note=getattr(template, "note", "") or "",
    )


@dataclass(frozen=True)
class ClockEvents:
    """What the journal says about an incident's clocks, already in order."""

    aware_at: datetime
    materiality_at: datetime | None = None
    added: tuple[ClockSpec, ...] = ()
    switched: Mapping[str, bool] | None = None
    #: key -> (told at, by whom); the earliest notification that names the clock
    met: Mapping[str, tuple[datetime, str]] | None = None
    #: key -> reasoning of the latest "do not notify" decision still standing
    not_needed: Mapping[str, str] | None = None


def effective_specs(templates: Iterable[Any], events: ClockEvents) -> list[ClockSpec]:
    """Plan clocks plus incident clocks, each with its per-incident on/off applied.

    A plan clock that is disabled in the plan is still listed (as ``off``) so
    the lead can switch it on for this incident.
    """
    specs: dict[str, ClockSpec] = {}
    for template in templates:
        spec = template if isinstance(template, ClockSpec) else spec_from_template(template)
        specs[spec.key] = spec
    for spec in events.added:
        specs[spec.key] = spec
    for key, on in (events.switched or {}).items():
        if key in specs:
            specs[key] = replace(specs[key], enabled=on)
    return list(specs.values())


def evaluate(specs: Sequence[ClockSpec], events: ClockEvents, now: datetime) -> list[ClockStatus]:
    """Every clock's status at ``now`` (pure: same inputs, same answer)."""
    now = _parse(now)
    out: list[ClockStatus] = []
    met = events.met or {}
    not_needed = events.not_needed or {}
    for spec in specs:
        base = dict(
            key=spec.key, name=spec.name, authority=spec.authority, note=spec.note, due=spec.due,
            unit=spec.unit, starts=spec.starts, enabled=spec.enabled, custom=spec.custom,
        )
        if spec.starts == "materiality_decision":
            start = events.materiality_at
        else:
            start = events.aware_at
        if start is None:
            status = "off" if not spec.enabled else "waiting"
            out.append(ClockStatus(**base, start_at=None, deadline=None, status=status,
                                   seconds_left=None))
            continue
        deadline = add_due(start, spec.due, spec.unit)
        told = met.get(spec.key)
        state, left = status_at(start, deadline, now, told[0] if told else None)
        reason = ""
        if not spec.enabled:
            state = "off"
        elif told is None and spec.key in not_needed:
            state, reason = "not-needed", not_needed[spec.key]
        out.append(ClockStatus(
            **base, start_at=iso(start), deadline=iso(deadline), status=state, seconds_left=left,
            met_at=iso(told[0]) if told else None, met_by=told[1] if told else None,
            reason=reason,
        ))
    return out


def nearest(statuses: Iterable[ClockStatus]) -> ClockStatus | None:
    """The running clock whose deadline comes first (what a header shows)."""
    running = [s for s in statuses if s.running and s.deadline]
    return min(running, key=lambda s: s.deadline) if running else None


def check_spec(spec: ClockSpec) -> ClockSpec:
    """Refuse a clock definition that cannot be counted."""
    if not KEY_PATTERN.fullmatch(spec.key):
        raise BadInput(
            f"clock key {spec.key!r} is not valid; use 1 to 63 lower-case letters, digits, '-' or '_'"
        )
    if not spec.name.strip() or "\n" in spec.name or len(spec.name) > 200:
        raise BadInput("a clock needs a one-line name (up to 200 characters)")
    if spec.unit not in UNITS:
        raise BadInput(f"unknown clock unit {spec.unit!r}; use one of {', '.join(UNITS)}")
    if spec.starts not in STARTS:
        raise BadInput(f"a clock starts at one of {', '.join(STARTS)}, not {spec.starts!r}")
    if isinstance(spec.due, bool) or not isinstance(spec.due, int) or not 0 <= spec.due <= MAX_DUE:
        raise BadInput(f"the clock's due value {spec.due!r} must be a whole number from 0 to {MAX_DUE}")
    return spec


# ---------------------------------------------------------------- reading the journal


def read_events(binder, incident) -> ClockEvents:
    """Collect clock, notification and decision entries of one incident."""
    aware_at = _parse(incident.detected_at)
    materiality_at: datetime | None = None
    added: dict[str, ClockSpec] = {}
    switched: dict[str, bool] = {}
    met: dict[str, tuple[datetime, str]] = {}
    not_needed: dict[str, str] = {}
    for entry in journal.iter_entries(binder, incident.id, kinds=("clock", "notification", "decision")):
        data = entry.data or {}
        action = data.get("action")
        when = _parse(entry.occurred_at or entry.recorded_at)
        if entry.kind == "clock":
            if action == "aware":
                aware_at = _parse(data["at"])
            elif action == "add":
                spec = ClockSpec(**{k: data[k] for k in (
                    "key", "name", "authority", "due", "unit", "starts", "note")}, custom=True)
                added[spec.key] = spec
                switched.pop(spec.key, None)
            elif action in ("enable", "disable"):
                switched[data["key"]] = action == "enable"
        elif entry.kind == "notification" and action == "told":
            key = data.get("clock_key")
            if key and key not in met:
                met[key] = (_parse(data.get("told_at") or entry.recorded_at), entry.author)
        elif entry.kind == "decision":
            if data.get("materiality") and materiality_at is None:
                materiality_at = when
            if action == "notify_decision" and data.get("clock_key"):
                if data.get("notify"):
                    not_needed.pop(data["clock_key"], None)
                else:
                    not_needed[data["clock_key"]] = entry.reason
    return ClockEvents(
        aware_at=aware_at, materiality_at=materiality_at, added=tuple(added.values()),
        switched=switched, met=met, not_needed=not_needed,
    )


def incident_clocks(binder, incident_id: int, *, now: datetime | str | None = None,
                    plan=None) -> list[ClockStatus]:
    """Every clock of an incident at ``now`` (default: the current time)."""
    incident = get_incident(binder, incident_id)
    if plan is None:
        plan = incident_plan(binder, incident)
    events = read_events(binder, incident)
    specs = effective_specs(getattr(plan, "clocks", ()), events)
    statuses = evaluate(specs, events, _parse(now) if now is not None else datetime.now(UTC))
    return sorted(statuses, key=display_order)


def display_order(status: ClockStatus) -> tuple[int, str]:
    """Running clocks first (nearest deadline first), then settled ones, then those off."""
    group = 0 if status.running else 2 if status.status == "off" else 1
    return group, status.deadline or "~"


def known_clock_keys(binder, incident_id: int) -> list[str]:
    """Keys a notification may meet, for validation and completion."""
    return [c.key for c in incident_clocks(binder, incident_id)]


def _clock_entry(binder, incident_id: int, author, text: str, data: dict, reason: str = "") -> int:
    return journal.append(binder, incident_id, author,
                          NewEntry(text=text, kind="clock", reason=reason, data=data))


def add_clock(
    binder, incident_id: int, author, *, key: str, name: str, due: int, unit: str = "hours",
    starts: str = "awareness", authority: str = "", note: str = "",
) -> int:
    """Add a custom clock (e.g. from a contract) to one incident; returns the entry id."""
    spec = check_spec(ClockSpec(key=key.strip(), name=name.strip(), authority=authority.strip(),
                                due=due, unit=unit, starts=starts, note=note, custom=True))
    check_text(spec.authority, "clock authority", limit=200)
    check_text(spec.note, "clock note", limit=2000)
    data = {"action": "add", "key": spec.key, "name": spec.name, "authority": spec.authority,
            "due": spec.due, "unit": spec.unit, "starts": spec.starts, "note": spec.note}
    return _clock_entry(binder, incident_id, author,
                        f"Clock added: {spec.name} ({ClockStatus(**_blank(spec)).due_text})", data)


def _blank(spec: ClockSpec) -> dict[str, Any]:
    return dict(key=spec.key, name=spec.name, authority=spec.authority, note=spec.note,
                due=spec.due, unit=spec.unit, starts=spec.starts, enabled=spec.enabled,
                custom=spec.custom, start_at=None, deadline=None, status="waiting",
                seconds_left=None)


def set_clock_enabled(binder, incident_id: int, author, key: str, enabled: bool,
                      reason: str = "") -> int:
    """Switch a clock on or off for this incident (journaled with the reason)."""
    clocks = {c.key: c for c in incident_clocks(binder, incident_id)}
    if key not in clocks:
        raise BadInput(
            f"there is no clock {key!r} for this incident; clocks: {', '.join(clocks) or 'none'}"
        )
    verb = "switched on" if enabled else "switched off"
    return _clock_entry(binder, incident_id, author, f"Clock {verb}: {clocks[key].name}",
                        {"action": "enable" if enabled else "disable", "key": key}, reason)


def set_awareness(binder, incident_id: int, author, at: str, reason: str = "") -> int:
    """Restate the moment of awareness every awareness clock counts from."""
    when = parse_time(at, "awareness time")
    return _clock_entry(binder, incident_id, author, f"Aware of the incident since {short_time(when)}",
                        {"action": "aware", "at": when}, reason)
