"""Regulatory and contractual clocks, and the one verdict every screen and document reads.

A clock comes from the plan (a :class:`~binder.core.plan.format.ClockTemplate`)
or is added to one incident (a journal entry of kind ``clock``). Whether a plan
clock applies depends on the incident's type (``types``), on what the plan says
about the organisation (``applies_if``: NIS2 scope, SEC registrant) and on the
per-incident switches (signed entries; switching one off needs a reason). A
clock counts from awareness, from the materiality decision, or from the moment
another clock was answered (``clock:KEY``, e.g. the NIS2 final report one month
after the incident notification). Awareness and materiality are signed
decisions. Nothing is updated in place: the state is read from the journal.

:func:`verdict` is the only place that decides a clock's status; the header,
every screen, `incident show --json`, the notification forms and both PDFs read
it through :func:`incident_clocks`, so they cannot disagree. Statuses:

- ``running``: not answered, deadline still ahead (``urgency`` ``ok`` or
  ``amber`` when under a quarter of the time or 12 hours is left);
- ``met``: answered by the deadline;
- ``late``: answered after the deadline (with the reason stated for the delay);
- ``missed``: deadline passed, not answered;
- ``off``: does not run, with the reason (``why_off``): switched off, not for
  this incident type, organisation not in scope, waiting for its start
  (materiality not decided, the clock it follows not answered), decided not
  to notify, or no duration set in the plan.

The arithmetic is pure and takes ``now`` as an argument, so it is tested with
fixed times. Business days skip weekends and the public holidays of the
clock's calendar (the plan's jurisdiction, or the clock's own, e.g. US federal
holidays for the SEC), counted in that jurisdiction's time zone.
"""

from __future__ import annotations

import calendar as _calendar
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from binder.core import times
from binder.core.errors import BadInput
from binder.core.formatting import count_text
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry, check_text
from binder.core.incident.record import get_incident, incident_plan
from binder.core.plan.format import KEY_PATTERN

UNITS = ("hours", "days", "business_days", "months")
STARTS = ("awareness", "materiality_decision")
ANSWERS = ("notification", "decision")
STATUSES = ("running", "met", "late", "missed", "off")
AMBER_FRACTION = 0.25
AMBER_HOURS = 12
MAX_DUE = 10_000
#: Why a clock is off, in words a reader understands.
OFF_REASONS = {
    "switched_off": "switched off for this incident",
    "not_for_type": "does not apply to this type of incident",
    "not_in_scope": "the plan says the organisation is not in scope",
    "waiting_materiality": "starts when the materiality decision is recorded",
    "waiting_clock": "starts when the clock it follows is answered",
    "not_needed": "decided not to notify",
    "no_duration": "no duration set in the plan",
    "disabled": "not switched on for this incident",
}


@dataclass(frozen=True)
class ClockSpec:
    """A clock as it applies to one incident (from the plan or added to the incident)."""

    key: str
    name: str
    authority: str = ""
    due: int | None = 72
    unit: str = "hours"
    starts: str = "awareness"
    enabled: bool = True
    note: str = ""
    custom: bool = False
    types: tuple[str, ...] = ()
    applies_if: str = ""
    calendar: str = ""
    time_zone: str = ""
    source: str = ""
    answer: str = "notification"
    form: str = ""


@dataclass(frozen=True)
class Verdict:
    """What :func:`verdict` decides about one clock at one moment."""

    status: str
    urgency: str = ""
    seconds_left: float | None = None


@dataclass(frozen=True)
class ClockStatus:
    """Where a clock stands at a given moment (built only by :func:`evaluate`)."""

    key: str
    name: str
    authority: str
    note: str
    due: int | None
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
    urgency: str = ""
    why_off: str = ""
    answer_entry: int | None = None
    source: str = ""
    form: str = ""
    calendar: str = ""
    answer: str = "notification"

    @property
    def due_at(self) -> str | None:
        """The deadline, ISO 8601 UTC (``None`` while the clock has no start)."""
        return self.deadline

    @property
    def colour(self) -> str:
        """green / amber / red / grey, for countdown displays."""
        if self.status == "running":
            return "amber" if self.urgency == "amber" else "green"
        return {"met": "green", "late": "red", "missed": "red"}.get(self.status, "grey")

    @property
    def running(self) -> bool:
        """True while the clock still asks for someone to act (running or missed)."""
        return self.status in ("running", "missed")

    @property
    def due_text(self) -> str:
        """The rule in words, e.g. ``72 hours from awareness``."""
        start = start_words(self.starts)
        if self.due is None:
            return f"no duration set, from {start}"
        if self.due == 0:
            return f"immediately on {start}"
        unit = {"hours": "hour", "days": "day", "business_days": "business day",
                "months": "month"}[self.unit]
        where = f" ({self.calendar} calendar)" if self.unit == "business_days" and self.calendar else ""
        return f"{count_text(self.due, unit)}{where} from {start}"

    @property
    def label(self) -> str:
        """The verdict in one or two words, for tables: ``met``, ``LATE``, ``MISSED``."""
        return {"running": "running", "met": "met", "late": "LATE", "missed": "MISSED",
                "off": "off"}[self.status]

    def describe(self) -> str:
        """One short line a person reads at a glance."""
        if self.status == "off":
            words = OFF_REASONS.get(self.why_off, "off")
            return words + (f": {self.reason}" if self.reason else "")
        what = "decided" if self.answer == "decision" else "met"
        if self.status == "met":
            return f"{what} {times.document_time(self.met_at)}" + (
                f" by {self.met_by}" if self.met_by else "")
        if self.status == "late":
            late = times.utc(self.met_at) - times.utc(self.deadline)
            why = f"; reason given: {self.reason}" if self.reason else "; no reason for the delay stated"
            return f"LATE: {what} {format_span(late.total_seconds())} after the deadline{why}"
        assert self.seconds_left is not None
        if self.status == "missed":
            return f"MISSED: overdue by {format_span(-self.seconds_left)}"
        if self.due == 0:
            return "due immediately"
        return f"due in {format_span(self.seconds_left)}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (times as ISO 8601 UTC)."""
        return {
            "key": self.key,
            "name": self.name,
            "status": self.status,
            "due_at": self.deadline,
            "met_at": self.met_at,
            "met_by": self.met_by,
            "urgency": self.urgency,
            "why_off": self.why_off,
            "reason": self.reason,
            "answer_entry": self.answer_entry,
            "authority": self.authority,
            "note": self.note,
            "source": self.source,
            "due": self.due,
            "unit": self.unit,
            "calendar": self.calendar,
            "starts": self.starts,
            "rule": self.due_text,
            "enabled": self.enabled,
            "custom": self.custom,
            "form": self.form,
            "start_at": self.start_at,
            "deadline": self.deadline,
            "colour": self.colour,
            "seconds_left": None if self.seconds_left is None else round(self.seconds_left),
            "summary": self.describe(),
        }


def start_words(starts: str) -> str:
    """``awareness``, ``the materiality decision`` or ``the answer to clock KEY``."""
    if starts == "materiality_decision":
        return "the materiality decision"
    if starts.startswith("clock:"):
        return f"the answer to clock {starts[6:]}"
    return "awareness"


# ---------------------------------------------------------------- pure arithmetic


def _parse(value: str | datetime | None) -> datetime:
    if value is None or value == "":
        raise ValueError("no time given")
    return times.utc(value)


def iso(moment: datetime) -> str:
    """A UTC ISO 8601 string in the journal's form."""
    return times.utc_iso(moment)


def short_time(value: str | None) -> str:
    """``2026-11-29 14:05 UTC`` for plain-text output (with the stated local time)."""
    return times.document_time(value) if value else ""


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


@functools.lru_cache(maxsize=32)
def holiday_calendar(country: str):
    """The public holidays of ``country`` (``DE``, ``US``, or ``DE-BY`` for a subdivision).

    From the ``holidays`` package; :class:`BadInput` names an unknown code.
    """
    import holidays  # here: only business-day clocks need it, and it is a large package

    code, _, subdivision = country.strip().upper().partition("-")
    try:
        return holidays.country_holidays(code, subdiv=subdivision or None)
    except NotImplementedError:
        raise BadInput(f"no public-holiday calendar for {country!r}; use an ISO 3166 country "
                       "code such as DE, FR, US (or DE-BY for a region)") from None


def zone_of(name: str) -> tzinfo:
    """An IANA time zone by name; UTC for an empty name."""
    if not name:
        return UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin") from None


def is_business_day(day: date, country: str = "") -> bool:
    """Monday to Friday and not a public holiday of ``country`` (weekends only when empty)."""
    if day.weekday() >= 5:
        return False
    return not (country and day in holiday_calendar(country))


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months later (the month's last day when shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, _calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def add_due(start: datetime, due: int, unit: str, *, country: str = "",
            zone: tzinfo | None = None) -> datetime:
    """The deadline ``due`` units after ``start`` (an aware datetime; the result is UTC).

    Hours and days are elapsed time. Business days and months are counted on
    the calendar of the jurisdiction, in its time zone (``zone``, UTC when
    not given): each step moves one calendar day and counts only when it lands
    on a business day, keeping the local time of day. So Friday 10:00 plus one
    business day is Monday 10:00 (Tuesday when Monday is a public holiday), and
    an awareness on Saturday plus one business day is Monday.
    """
    start = _parse(start)
    if unit == "hours":
        return start + timedelta(hours=due)
    if unit == "days":
        return start + timedelta(days=due)
    local = start.astimezone(zone or UTC)
    if unit == "business_days":
        wall, counted = local.replace(tzinfo=None), 0
        while counted < due:
            wall += timedelta(days=1)
            if is_business_day(wall.date(), country):
                counted += 1
        return _from_wall(wall, zone or UTC)
    if unit == "months":
        return _from_wall(add_months(local.replace(tzinfo=None), due), zone or UTC)
    raise BadInput(f"unknown clock unit {unit!r}; use one of {', '.join(UNITS)}")


def _from_wall(wall: datetime, zone: tzinfo) -> datetime:
    # A local time that a DST change skips or repeats: fold=0 takes the earlier reading.
    return wall.replace(tzinfo=zone).astimezone(UTC)


def verdict(*, start: datetime | None, deadline: datetime | None, now: datetime,
            answered_at: datetime | None = None, off: bool = False) -> Verdict:
    """THE decision about a clock: running, met, late, missed or off.

    A clock that is off, or has not started, is ``off``. An answer (a
    notification, or a decision for decision clocks) at or before the deadline
    is ``met``, after it ``late``, however long ago. Without an answer the
    clock is ``missed`` once ``now`` passes the deadline and ``running``
    before; running clocks are ``amber`` when under a quarter of the allowed
    time, or under 12 hours, is left. A clock due immediately (deadline at its
    start) has no measurable deadline: it runs (amber) until answered, and any
    answer meets it.
    """
    if off or start is None or deadline is None:
        return Verdict("off")
    left = (deadline - now).total_seconds()
    immediate = deadline <= start
    if answered_at is not None:
        on_time = immediate or answered_at <= deadline
        return Verdict("met" if on_time else "late", "", left)
    if immediate:
        return Verdict("running", "amber", 0.0)
    if left <= 0:
        return Verdict("missed", "", left)
    total = (deadline - start).total_seconds()
    urgent = left < max(total * AMBER_FRACTION, AMBER_HOURS * 3600)
    return Verdict("running", "amber" if urgent else "ok", left)


def spec_from_template(template: Any) -> ClockSpec:
    """A :class:`ClockSpec` from a plan ``ClockTemplate`` (or anything shaped like one)."""
    due = getattr(template, "due", None)
    return ClockSpec(
        key=template.key,
        name=template.name,
        authority=getattr(template, "authority", "") or "",
        due=None if due is None else int(due),
        unit=template.unit,
        starts=getattr(template, "starts", "awareness") or "awareness",
        enabled=bool(getattr(template, "enabled", True)),
        note=getattr(template, "note", "") or "",
        types=tuple(getattr(template, "types", ()) or ()),
        applies_if=getattr(template, "applies_if", "") or "",
        calendar=getattr(template, "calendar", "") or "",
        time_zone=getattr(template, "time_zone", "") or "",
        source=getattr(template, "source", "") or "",
        answer=getattr(template, "answer", "notification") or "notification",
        form=getattr(template, "form", "") or "",
    )


@dataclass(frozen=True)
class Answer:
    """The earliest notification (or decision) that answers a clock."""

    at: datetime
    by: str
    entry_id: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class Setting:
    """What the plan says about the organisation, as the clocks need it."""

    country: str = ""
    time_zone: str = ""
    nis2_in_scope: bool = False
    sec_registrant: bool = False

    def in_scope(self, applies_if: str) -> bool:
        """Whether a clock with this ``applies_if`` concerns the organisation."""
        if applies_if == "nis2_in_scope":
            return self.nis2_in_scope
        if applies_if == "sec_registrant":
            return self.sec_registrant
        return True


@dataclass(frozen=True)
class ClockEvents:
    """What the journal says about an incident's clocks, already in order."""

    aware_at: datetime
    materiality_at: datetime | None = None
    added: tuple[ClockSpec, ...] = ()
    #: key -> (on, reason) of the latest switch
    switched: Mapping[str, Any] | None = None
    #: key -> the earliest answer (by the time it happened), see :class:`Answer`
    met: Mapping[str, Any] | None = None
    #: key -> reasoning of the latest "do not notify" decision still standing
    not_needed: Mapping[str, str] | None = None
    incident_type: str = ""
    setting: Setting = field(default_factory=Setting)


def _switch(value: Any) -> tuple[bool, str]:
    if isinstance(value, tuple):
        return bool(value[0]), str(value[1] or "")
    return bool(value), ""


def _answer(value: Any) -> Answer:
    if isinstance(value, Answer):
        return value
    at, by = value[0], value[1]
    return Answer(_parse(at), by, *value[2:])


def applies(spec: ClockSpec, events: ClockEvents) -> tuple[bool, str]:
    """Whether the clock runs for this incident, and why not (a ``why_off`` key)."""
    on, _ = _switch((events.switched or {}).get(spec.key, (None, "")))
    if spec.key in (events.switched or {}):
        return (True, "") if on else (False, "switched_off")
    if spec.custom:
        return True, ""
    if not spec.enabled:
        return False, "disabled"
    if spec.types and events.incident_type and events.incident_type not in spec.types:
        return False, "not_for_type"
    if not events.setting.in_scope(spec.applies_if):
        return False, "not_in_scope"
    return True, ""


def effective_specs(templates: Iterable[Any], events: ClockEvents) -> list[ClockSpec]:
    """Plan clocks plus incident clocks (a clock added to the incident replaces a plan one)."""
    specs: dict[str, ClockSpec] = {}
    for template in templates:
        spec = template if isinstance(template, ClockSpec) else spec_from_template(template)
        specs[spec.key] = spec
    for spec in events.added:
        specs[spec.key] = spec
    return list(specs.values())


def _start(spec: ClockSpec, events: ClockEvents, answers: Mapping[str, Answer]
           ) -> tuple[datetime | None, str]:
    if spec.starts == "materiality_decision":
        return events.materiality_at, "waiting_materiality"
    if spec.starts.startswith("clock:"):
        followed = answers.get(spec.starts[6:])
        return (followed.at if followed else None), "waiting_clock"
    return events.aware_at, ""


def deadline_of(spec: ClockSpec, start: datetime, setting: Setting) -> datetime:
    """The deadline of a started clock (its own calendar, else the plan's jurisdiction)."""
    assert spec.due is not None
    country = spec.calendar or setting.country
    zone = zone_of(spec.time_zone or (setting.time_zone if not spec.calendar else ""))
    return add_due(start, spec.due, spec.unit, country=country, zone=zone)


def evaluate(specs: Sequence[ClockSpec], events: ClockEvents, now: datetime) -> list[ClockStatus]:
    """Every clock's status at ``now`` (pure: same inputs, same answer)."""
    now = _parse(now)
    answers = {k: _answer(v) for k, v in (events.met or {}).items()}
    not_needed = events.not_needed or {}
    out: list[ClockStatus] = []
    for spec in specs:
        base = dict(
            key=spec.key, name=spec.name, authority=spec.authority, note=spec.note, due=spec.due,
            unit=spec.unit, starts=spec.starts, enabled=spec.enabled, custom=spec.custom,
            source=spec.source, form=spec.form, calendar=spec.calendar or events.setting.country,
            answer=spec.answer,
        )
        runs, why = applies(spec, events)
        _, switch_reason = _switch((events.switched or {}).get(spec.key, (None, "")))
        start, waiting = _start(spec, events, answers)
        told = answers.get(spec.key)
        reason = switch_reason if why == "switched_off" else ""
        if runs and spec.due is None:
            runs, why = False, "no_duration"
        if runs and start is None:
            runs, why = False, waiting
        if runs and told is None and spec.key in not_needed and spec.answer == "notification":
            runs, why, reason = False, "not_needed", not_needed[spec.key]
        deadline = deadline_of(spec, start, events.setting) if (
            start is not None and spec.due is not None) else None
        judged = verdict(start=start, deadline=deadline, now=now,
                         answered_at=told.at if told else None, off=not runs)
        if judged.status == "late":
            reason = told.reason if told else ""
        out.append(ClockStatus(
            **base, start_at=iso(start) if start else None,
            deadline=iso(deadline) if deadline else None, status=judged.status,
            seconds_left=judged.seconds_left, urgency=judged.urgency,
            why_off=why if judged.status == "off" else "",
            met_at=iso(told.at) if told and runs else None,
            met_by=told.by if told and runs else None,
            answer_entry=told.entry_id if told and runs else None, reason=reason,
        ))
    return out


def urgency_order(status: ClockStatus) -> tuple[int, str]:
    """Most urgent first: missed, then running by deadline (nearest first)."""
    return (0 if status.status == "missed" else 1), status.deadline or "~"


def running(statuses: Iterable[ClockStatus]) -> list[ClockStatus]:
    """The clocks that still ask for action (missed or running), most urgent first."""
    return sorted((s for s in statuses if s.running and s.deadline), key=urgency_order)


def nearest(statuses: Iterable[ClockStatus]) -> ClockStatus | None:
    """The most urgent clock still asking for action (what a one-line header shows)."""
    found = running(statuses)
    return found[0] if found else None


def notification_verdicts(statuses: Iterable[ClockStatus]) -> dict[int, ClockStatus]:
    """Entry id of each answering notification -> the verdict of the clock it answered.

    A later notification naming the same clock is a follow-up and has no verdict of its own,
    so one notification can never be called both met and missed.
    """
    return {s.answer_entry: s for s in statuses if s.answer_entry is not None}


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
    if spec.starts not in STARTS and not (
            spec.starts.startswith("clock:") and KEY_PATTERN.fullmatch(spec.starts[6:])):
        raise BadInput(f"a clock starts at one of {', '.join(STARTS)} or clock:KEY, not {spec.starts!r}")
    if isinstance(spec.due, bool) or not isinstance(spec.due, int) or not 0 <= spec.due <= MAX_DUE:
        raise BadInput(f"the clock's due value {spec.due!r} must be a whole number from 0 to {MAX_DUE}")
    return spec


# ---------------------------------------------------------------- reading the journal


def setting_of(plan: Any) -> Setting:
    """The clock-relevant facts of a plan (defaults for plans without them)."""
    reg = getattr(plan, "regulatory", None)
    if reg is None:
        return Setting()
    return Setting(country=reg.jurisdiction, time_zone=reg.time_zone,
                   nis2_in_scope=reg.nis2_in_scope, sec_registrant=reg.sec_registrant)


def read_events(binder, incident, *, plan=None) -> ClockEvents:
    """Collect the entries of one incident that start, switch or answer its clocks."""
    if plan is None:
        plan = incident_plan(binder, incident)
    decision_keys = {t.key for t in getattr(plan, "clocks", ())
                     if getattr(t, "answer", "notification") == "decision"}
    aware_at = _parse(incident.detected_at)
    materiality_at: datetime | None = None
    added: dict[str, ClockSpec] = {}
    switched: dict[str, tuple[bool, str]] = {}
    met: dict[str, Answer] = {}
    not_needed: dict[str, str] = {}
    incident_type = incident.type

    def answered(key: str, answer: Answer) -> None:
        # The earliest answer by the time it happened, whatever order it was written in.
        if key not in met or answer.at < met[key].at:
            met[key] = answer

    names: dict | None = None

    def name_of(entry) -> str:
        # Who answered, as their certificate names them (verdicts are printed in reports);
        # certificates are read only when a clock has an answer.
        nonlocal names
        if names is None:
            from binder.core.crypto import signers

            names = signers.identities(binder)
        who = names.get(entry.cert_fingerprint)
        return who.name if who is not None and who.name else entry.author

    kinds = ("open", "clock", "notification", "decision", "classification")
    for entry in journal.iter_entries(binder, incident.id, kinds=kinds):
        data = entry.data or {}
        action = data.get("action")
        when = entry.event_utc
        if entry.kind == "open" and data.get("aware_at"):
            aware_at = _parse(data["aware_at"])
        elif entry.kind == "classification":
            if data.get("field") == "type" and data.get("to"):
                incident_type = data["to"]
        elif entry.kind == "clock":
            if action == "aware":  # binders before awareness became a decision
                aware_at = _parse(data["at"])
            elif action == "add":
                spec = ClockSpec(**{k: data[k] for k in (
                    "key", "name", "authority", "due", "unit", "starts", "note")}, custom=True)
                added[spec.key] = spec
                switched.pop(spec.key, None)
            elif action in ("enable", "disable"):
                switched[data["key"]] = (action == "enable", entry.reason)
        elif entry.kind == "notification" and action == "told":
            key = data.get("clock_key")
            if key and key not in decision_keys:
                told = _parse(data.get("told_at") or entry.event_at)
                answered(key, Answer(told, name_of(entry), entry.id, entry.reason))
        elif entry.kind == "decision":
            if action == "awareness" and data.get("at"):
                aware_at = _parse(data["at"])
            if data.get("materiality") and (materiality_at is None or when < materiality_at):
                materiality_at = when
            key = data.get("clock_key")
            if action == "notify_decision" and key:
                if key in decision_keys:
                    # A decision clock (GDPR Art. 34) is answered by the decision itself;
                    # its reasoning is about the decision, not a reason for any delay.
                    answered(key, Answer(when, name_of(entry), entry.id))
                elif data.get("notify"):
                    not_needed.pop(key, None)
                else:
                    not_needed[key] = entry.reason
    return ClockEvents(
        aware_at=aware_at, materiality_at=materiality_at, added=tuple(added.values()),
        switched=switched, met=met, not_needed=not_needed, incident_type=incident_type,
        setting=setting_of(plan),
    )


def incident_clocks(binder, incident_id: int, *, now: datetime | str | None = None,
                    plan=None) -> list[ClockStatus]:
    """Every clock of an incident at ``now`` (default: the current time), in display order."""
    incident = get_incident(binder, incident_id)
    if plan is None:
        plan = incident_plan(binder, incident)
    events = read_events(binder, incident, plan=plan)
    specs = effective_specs(getattr(plan, "clocks", ()), events)
    statuses = evaluate(specs, events, _parse(now) if now is not None else datetime.now(UTC))
    return sorted(statuses, key=display_order)


def display_order(status: ClockStatus) -> tuple[int, str, str]:
    """Missed first, then running (nearest deadline first), then settled ones, then those off."""
    group = {"missed": 0, "running": 1, "late": 2, "met": 2}.get(status.status, 3)
    return group, status.deadline or "~", status.key


def known_clock_keys(binder, incident_id: int) -> list[str]:
    """Keys a notification may answer, for validation and completion."""
    return [c.key for c in incident_clocks(binder, incident_id)]


def _clock_entry(binder, incident_id: int, author, text: str, data: dict, reason: str = "",
                 occurred_at: str | None = None) -> int:
    return journal.append(binder, incident_id, author,
                          NewEntry(text=text, kind="clock", reason=reason, data=data,
                                   occurred_at=occurred_at))


def add_clock(
    binder, incident_id: int, author, *, key: str, name: str, due: int, unit: str = "hours",
    starts: str = "awareness", authority: str = "", note: str = "", occurred_at: str | None = None,
) -> int:
    """Add a custom clock (e.g. from a contract) to one incident; returns the entry id."""
    spec = check_spec(ClockSpec(key=key.strip(), name=name.strip(), authority=authority.strip(),
                                due=due, unit=unit, starts=starts, note=note, custom=True))
    check_text(spec.authority, "clock authority", limit=200)
    check_text(spec.note, "clock note", limit=2000)
    data = {"action": "add", "key": spec.key, "name": spec.name, "authority": spec.authority,
            "due": spec.due, "unit": spec.unit, "starts": spec.starts, "note": spec.note}
    rule = ClockStatus(**_blank(spec)).due_text
    return _clock_entry(binder, incident_id, author, f"Clock added: {spec.name} ({rule})", data,
                        occurred_at=occurred_at)


def _blank(spec: ClockSpec) -> dict[str, Any]:
    return dict(key=spec.key, name=spec.name, authority=spec.authority, note=spec.note,
                due=spec.due, unit=spec.unit, starts=spec.starts, enabled=spec.enabled,
                custom=spec.custom, start_at=None, deadline=None, status="off",
                seconds_left=None)


def set_clock_enabled(binder, incident_id: int, author, key: str, enabled: bool,
                      reason: str = "", *, occurred_at: str | None = None) -> int:
    """Switch a clock on or off for this incident (a signed entry; off needs a reason)."""
    clocks = {c.key: c for c in incident_clocks(binder, incident_id)}
    if key not in clocks:
        raise BadInput(
            f"there is no clock {key!r} for this incident; clocks: {', '.join(clocks) or 'none'}"
        )
    check_text(reason, "reason", limit=4000)
    if not enabled and not reason.strip():
        raise BadInput("switching a clock off needs a reason: say why it does not apply")
    verb = "switched on" if enabled else "switched off"
    return _clock_entry(binder, incident_id, author, f"Clock {verb}: {clocks[key].name}",
                        {"action": "enable" if enabled else "disable", "key": key}, reason.strip(),
                        occurred_at=occurred_at)


def set_awareness(binder, incident_id: int, author, at: str, reason: str = "", *,
                  witness=None) -> int:
    """Record the signed decision of when the organisation became aware.

    Every clock counted from awareness starts at ``at`` (kept as stated, with
    its offset); the entry's event time is that moment.
    """
    when = times.parse_event_time(at, "awareness time")
    incident = get_incident(binder, incident_id)
    check_text(reason, "reasoning")
    return journal.append(binder, incident.id, author, NewEntry(
        text=f"Aware of the incident since {short_time(when)}", kind="decision",
        reason=reason.strip(), occurred_at=when,
        data={"action": "awareness", "at": when},
    ), witness=witness)
