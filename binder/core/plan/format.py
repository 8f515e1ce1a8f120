"""The response plan as immutable data, and its plain-text file form.

A plan holds the roles, the RACI matrix (activity x role), the response phases
with their guidance and checklists, the standing prerequisites, regulatory
clock templates, incident types, severities and drill scenarios.

The text form is TOML, read with the standard library's ``tomllib`` and written
by the small emitter below (no extra dependency). Layout::

    format = "incident-binder-plan"
    version = 1
    name = "..."            unit = "..."            description = '''...'''
    severities = ["low", "medium", "high", "critical"]
    [[incident_types]]  key, label
    [[roles]]           key, name, description, external
    [[activities]]      key, name, raci = { lead = "Owner", it = "Advises", ... }
    [[phases]]          key, name, guidance, checklist = [...], activities = [...]
    [[prerequisites]]   key, name, description, interval_days
    [[clocks]]          key, name, authority, due, unit, starts, enabled, note, source,
                        types, applies_if, calendar, time_zone, answer, form
    [regulatory]        jurisdiction, time_zone, nis2_in_scope, sec_registrant,
                        dpo_contact, acquirer, merchant_id, card_brands,
                        passphrase_every_signature
    [[scenarios]]       key, title, incident_type, summary
    [[scenarios.injects]]  after_minutes, text

Every :class:`Plan` validates itself when built, so a ``Plan`` in hand is always
complete and consistent, and ``parse_plan(dump_plan(p)) == p`` holds for all of
them. Problems are reported as :class:`~binder.core.errors.PlanFormatError` with one
line naming the place, e.g. ``plan file, line 40: activities[2] ("Initial
response").raci.lead: "Ownr" is not one of Owner, Implements, Advises, Updates,
None``. Element numbers count from 1, as a person counts the ``[[activities]]``
blocks in the file.

No Qt and no SQL here: the CLI, the UI, storage and reports all share this.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NoReturn

from binder.core.errors import BadInput, NotFound, PlanFormatError
from binder.core.resources import resources_dir

FORMAT_NAME = "incident-binder-plan"
FORMAT_VERSION = 1
RESPONSIBILITIES = ("Owner", "Implements", "Advises", "Updates", "None")
CLOCK_UNITS = ("hours", "business_days", "days", "months")
CLOCK_STARTS = ("awareness", "materiality_decision")
#: What a clock may depend on besides the incident type (see :class:`Regulatory`).
CLOCK_CONDITIONS = ("", "nis2_in_scope", "sec_registrant")
#: What answers a clock: a notification to its authority, or a recorded decision.
CLOCK_ANSWERS = ("notification", "decision")
#: Regulator-shaped forms a clock can offer (see binder.core.incident.notices).
CLOCK_FORMS = ("", "gdpr_art33", "gdpr_art34", "nis2_early_warning", "nis2_notification",
               "nis2_final_report", "card_brands", "sec_8k")
# Keys end up as bare TOML keys, SQL values and CLI arguments; one safe alphabet for all.
KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")

MAX_INTERVAL_DAYS = 3660
MAX_CLOCK_DUE = 10_000
MAX_INJECT_MINUTES = 100_000


# --------------------------------------------------------------------------- data


def _tuplify(obj: object, *names: str) -> None:
    # Callers naturally pass lists; tuples keep the frozen objects hashable and comparable.
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, list):
            object.__setattr__(obj, name, tuple(value))


@dataclass(frozen=True)
class Role:
    """A member of the response team (``external=False``) or an outside contact."""

    key: str
    name: str
    description: str = ""
    external: bool = False


@dataclass(frozen=True)
class Activity:
    """One row of the RACI matrix: ``raci`` pairs role keys with a responsibility."""

    key: str
    name: str
    raci: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.raci, dict):
            object.__setattr__(self, "raci", tuple(self.raci.items()))
        elif isinstance(self.raci, list):
            object.__setattr__(
                self, "raci", tuple(tuple(c) if isinstance(c, list) else c for c in self.raci)
            )

    def responsibility(self, role_key: str) -> str:
        """The role's responsibility for this activity; ``"None"`` when it has no cell."""
        for key, value in self.raci:
            if key == role_key:
                return value
        return "None"


@dataclass(frozen=True)
class Phase:
    """A response phase: guidance (plain text, paragraphs split by blank lines),
    tickable checklist items, and the keys of the RACI activities it covers."""

    key: str
    name: str
    guidance: str = ""
    checklist: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _tuplify(self, "checklist", "activities")


@dataclass(frozen=True)
class Prerequisite:
    """Standing preparation that should be redone every ``interval_days``."""

    key: str
    name: str
    description: str
    interval_days: int


@dataclass(frozen=True)
class ClockTemplate:
    """A notification deadline that starts counting at ``starts``.

    ``unit`` is one of :data:`CLOCK_UNITS`; ``starts`` one of :data:`CLOCK_STARTS`
    or ``clock:KEY`` (counted from the answer to another clock); ``due == 0``
    means "immediately" and ``due = None`` (left out of the file) means the
    plan's owner has yet to set it, so the clock cannot start. A clock runs for
    an incident when it is ``enabled``, the incident's type is in ``types``
    (every type when empty) and the organisation meets ``applies_if``.
    ``calendar`` (a country code) and ``time_zone`` count business days on
    another jurisdiction's calendar than the plan's. ``source`` cites the
    document, article and version the duration comes from.
    """

    key: str
    name: str
    authority: str
    due: int | None
    unit: str
    starts: str = "awareness"
    enabled: bool = False
    note: str = ""
    source: str = ""
    types: tuple[str, ...] = ()
    applies_if: str = ""
    calendar: str = ""
    time_zone: str = ""
    answer: str = "notification"
    form: str = ""

    def __post_init__(self) -> None:
        _tuplify(self, "types")


@dataclass(frozen=True)
class Regulatory:
    """What the plan says about the organisation, for clocks and regulator forms.

    ``jurisdiction`` is the country code whose public holidays business days
    skip (``DE``, or ``DE-BY`` for a region); ``time_zone`` an IANA name. The
    data protection officer's contact is a functional address or phone line
    (names of people go in the roster, role ``dpo``).
    ``passphrase_every_signature`` asks every signer (witnesses too) for their
    passphrase at each signature, as 21 CFR Part 11 (11.200) has it for signings
    outside one continuous session; otherwise a witness signed in a few minutes
    ago is not asked again.
    """

    jurisdiction: str = ""
    time_zone: str = ""
    nis2_in_scope: bool = False
    sec_registrant: bool = False
    dpo_contact: str = ""
    acquirer: str = ""
    merchant_id: str = ""
    card_brands: tuple[str, ...] = ()
    passphrase_every_signature: bool = False

    def __post_init__(self) -> None:
        _tuplify(self, "card_brands")


@dataclass(frozen=True)
class Inject:
    """A drill event, revealed ``after_minutes`` into the exercise."""

    after_minutes: int
    text: str


@dataclass(frozen=True)
class Scenario:
    """A drill (tabletop exercise): a starting situation and timed injects."""

    key: str
    title: str
    incident_type: str
    summary: str = ""
    injects: tuple[Inject, ...] = ()

    def __post_init__(self) -> None:
        _tuplify(self, "injects")


@dataclass(frozen=True)
class Plan:
    """A complete response plan. Built only valid: the constructor checks everything
    and raises :class:`PlanFormatError` naming the first problem."""

    format_version: int
    name: str
    unit: str
    description: str
    roles: tuple[Role, ...]
    activities: tuple[Activity, ...]
    phases: tuple[Phase, ...]
    prerequisites: tuple[Prerequisite, ...]
    clocks: tuple[ClockTemplate, ...]
    severities: tuple[str, ...]
    incident_types: tuple[tuple[str, str], ...]
    scenarios: tuple[Scenario, ...]
    regulatory: Regulatory = Regulatory()

    def __post_init__(self) -> None:
        _tuplify(self, "roles", "activities", "phases", "prerequisites", "clocks",
                 "severities", "incident_types", "scenarios")
        if isinstance(self.incident_types, tuple):
            object.__setattr__(self, "incident_types", tuple(
                tuple(t) if isinstance(t, list) else t for t in self.incident_types))
        _validate(self)

    # -- look-ups --------------------------------------------------------------

    def role(self, key: str) -> Role:
        """The role with this key; :class:`NotFound` names the valid keys."""
        return _find(self.roles, key, "role")

    def activity(self, key: str) -> Activity:
        """The RACI activity with this key; :class:`NotFound` names the valid keys."""
        return _find(self.activities, key, "activity")

    def phase(self, key: str) -> Phase:
        """The phase with this key; :class:`NotFound` names the valid keys."""
        return _find(self.phases, key, "phase")

    def prerequisite(self, key: str) -> Prerequisite:
        """The prerequisite with this key; :class:`NotFound` names the valid keys."""
        return _find(self.prerequisites, key, "prerequisite")

    def clock(self, key: str) -> ClockTemplate:
        """The clock template with this key; :class:`NotFound` names the valid keys."""
        return _find(self.clocks, key, "clock")

    def scenario(self, key: str) -> Scenario:
        """The drill scenario with this key; :class:`NotFound` names the valid keys."""
        return _find(self.scenarios, key, "scenario")

    def incident_type_label(self, key: str) -> str:
        """The display label of an incident type key."""
        for type_key, label in self.incident_types:
            if type_key == key:
                return label
        known = ", ".join(k for k, _ in self.incident_types)
        raise NotFound(f"no incident type {_quote(key)} in this plan; known: {known}")

    def internal_roles(self) -> tuple[Role, ...]:
        """The response team's roles (the RACI columns), in plan order."""
        return tuple(r for r in self.roles if not r.external)

    def external_roles(self) -> tuple[Role, ...]:
        """Outside contacts (law enforcement, SLA contacts), in plan order."""
        return tuple(r for r in self.roles if r.external)

    def phases_for_activity(self, activity_key: str) -> tuple[Phase, ...]:
        """The phases that cover an activity."""
        self.activity(activity_key)
        return tuple(p for p in self.phases if activity_key in p.activities)

    def owners_for_phase(self, phase_key: str) -> dict[str, tuple[str, ...]]:
        """Who does what in a phase: ``{"Owner": (...), "Implements": (...),
        "Advises": (...), "Updates": (...)}`` with role keys in plan order.

        A phase may cover several activities; each role is listed once, under its
        strongest responsibility among them (Owner > Implements > Advises > Updates).
        Roles with only ``None`` do not appear. Every key is always present.
        """
        phase = self.phase(phase_key)
        rank = {name: i for i, name in enumerate(RESPONSIBILITIES)}
        best: dict[str, str] = {}
        for activity_key in phase.activities:
            for role_key, value in self.activity(activity_key).raci:
                if value != "None" and rank[value] < rank[best.get(role_key, "None")]:
                    best[role_key] = value
        return {
            resp: tuple(r.key for r in self.roles if best.get(r.key) == resp)
            for resp in RESPONSIBILITIES[:-1]
        }

    # -- edits -----------------------------------------------------------------

    def with_raci(self, activity_key: str, role_key: str, value: str) -> Plan:
        """A copy of this plan with one RACI cell set (the editor's single edit)."""
        activity = self.activity(activity_key)
        self.role(role_key)
        if value not in RESPONSIBILITIES:
            raise BadInput(
                f"{_quote(value)} is not a responsibility; use one of {', '.join(RESPONSIBILITIES)}"
            )
        cells = list(activity.raci)
        for i, (key, _) in enumerate(cells):
            if key == role_key:
                cells[i] = (role_key, value)
                break
        else:
            cells.append((role_key, value))
        changed = dataclasses.replace(activity, raci=tuple(cells))
        return dataclasses.replace(
            self, activities=tuple(changed if a.key == activity_key else a for a in self.activities)
        )


def _find(items: tuple, key: str, what: str) -> Any:
    for item in items:
        if item.key == key:
            return item
    known = ", ".join(item.key for item in items) or "none"
    raise NotFound(f"no {what} {_quote(key)} in this plan; known: {known}")


# --------------------------------------------------------------------------- problems


class _PlanProblem(PlanFormatError):
    """A problem at a place in the plan; parse_plan re-words it for the file."""

    def __init__(self, path: tuple, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(f"plan: {self.body}")

    @property
    def body(self) -> str:
        where = _format_path(self.path)
        return f"{where}: {self.detail}" if where else self.detail


def _fail(path: tuple, detail: str) -> NoReturn:
    raise _PlanProblem(path, detail)


def _quote(value: object, limit: int = 60) -> str:
    """User text made safe for a one-line message: quoted, short, nothing invisible."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\n\r\t":
            out.append(_ESCAPES[ch])
        elif ch == " " or ch.isprintable():
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def _format_path(path: tuple) -> str:
    # Path segments: a str is a key, an (index, label) pair an element of a list.
    out = ""
    for seg in path:
        if isinstance(seg, tuple):
            index, label = seg
            out += f"[{index + 1}]"
            if label:
                out += f" ({_quote(label, 40)})"
        else:
            seg = str(seg)
            shown = seg if re.fullmatch(r"[A-Za-z0-9_-]+", seg) else _quote(seg)
            out += f".{shown}" if out else shown
    return out


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (datetime.date, datetime.time)):
        return "a date/time"
    return type(value).__name__


# --------------------------------------------------------------------------- validation


def _text(value: object, path: tuple, *, line: bool = False, required: bool = False) -> None:
    if not isinstance(value, str):
        _fail(path, f"expected text, got {_type_name(value)}")
    if "\x00" in value:
        _fail(path, "contains a NUL character, which is not allowed")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        _fail(path, "contains an unpaired surrogate, which is not valid Unicode")
    if line:
        for ch in value:
            if unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
                _fail(path, "must be a single line (found a line break or control character)")
    if required and not value.strip():
        _fail(path, "must not be empty")


def _key(value: object, path: tuple) -> None:
    if not isinstance(value, str):
        _fail(path, f"expected a key (text), got {_type_name(value)}")
    if not KEY_PATTERN.fullmatch(value):
        _fail(path, f"{_quote(value)} is not a valid key; use 1 to 63 lower-case letters, digits, "
                    "'_' or '-', starting with a letter or digit")


def _int(value: object, path: tuple, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(path, f"expected a whole number, got {_type_name(value)}")
    if not low <= value <= high:
        _fail(path, f"{value} is out of range; expected {low} to {high}")


def _bool(value: object, path: tuple) -> None:
    if not isinstance(value, bool):
        _fail(path, f"expected true or false, got {_type_name(value)}")


def _choice(value: object, path: tuple, choices: tuple[str, ...]) -> None:
    if not isinstance(value, str):
        _fail(path, f"expected text, got {_type_name(value)}")
    if value not in choices:
        _fail(path, f"{_quote(value)} is not one of {', '.join(choices)}")


def _seq(value: object, path: tuple, what: str, *, required: bool = False) -> tuple:
    if not isinstance(value, tuple):
        _fail(path, f"expected a list of {what}, got {_type_name(value)}")
    if required and not value:
        _fail(path, f"is empty; list at least one of the {what}")
    return value


def _label(item: object, *attrs: str) -> str | None:
    for attr in attrs:
        value = getattr(item, attr, None)
        if isinstance(value, str) and value:
            return value
    return None


def _elements(items: tuple, name: str, cls: type, *label_attrs: str) -> list[tuple[tuple, Any]]:
    out = []
    for i, item in enumerate(items):
        path = (name, (i, _label(item, *label_attrs)))
        if not isinstance(item, cls):
            _fail(path, f"expected a {cls.__name__}, got {_type_name(item)}")
        out.append((path, item))
    return out


def _unique(seen: dict[str, tuple], key: str, path: tuple) -> None:
    if key in seen:
        _fail(path, f"{_quote(key)} is already used by {_format_path(seen[key][:2])}")
    seen[key] = path


def _validate(p: Plan) -> None:
    if isinstance(p.format_version, int) and not isinstance(p.format_version, bool) \
            and p.format_version > FORMAT_VERSION:
        _fail(("version",), _newer_message(p.format_version))
    _int(p.format_version, ("version",), 1, FORMAT_VERSION)
    _text(p.name, ("name",), line=True, required=True)
    _text(p.unit, ("unit",), line=True)
    _text(p.description, ("description",))

    seen: dict[str, tuple] = {}
    for i, sev in enumerate(_seq(p.severities, ("severities",), "severities", required=True)):
        path = ("severities", (i, None))
        _key(sev, path)
        _unique(seen, sev, path)

    seen = {}
    types = _seq(p.incident_types, ("incident_types",), "incident types", required=True)
    for i, item in enumerate(types):
        ok = isinstance(item, tuple) and len(item) == 2
        path = ("incident_types", (i, item[1] if ok and isinstance(item[1], str) else None))
        if not ok:
            _fail(path, "expected a (key, label) pair")
        _key(item[0], path + ("key",))
        _unique(seen, item[0], path + ("key",))
        _text(item[1], path + ("label",), line=True, required=True)
    type_keys = tuple(seen)

    seen = {}
    roles = _seq(p.roles, ("roles",), "roles", required=True)
    for path, role in _elements(roles, "roles", Role, "name", "key"):
        _key(role.key, path + ("key",))
        _unique(seen, role.key, path + ("key",))
        _text(role.name, path + ("name",), line=True, required=True)
        _text(role.description, path + ("description",))
        _bool(role.external, path + ("external",))
    roles_by_key = {r.key: r for r in roles}
    internal = [r for r in roles if not r.external]
    if not internal:
        _fail(("roles",), "no internal role; the RACI matrix needs at least one (external = false)")

    seen = {}
    activities = _seq(p.activities, ("activities",), "activities", required=True)
    for path, act in _elements(activities, "activities", Activity, "name", "key"):
        _key(act.key, path + ("key",))
        _unique(seen, act.key, path + ("key",))
        _text(act.name, path + ("name",), line=True, required=True)
        _check_raci(act.raci, path + ("raci",), roles_by_key, internal)
    activity_keys = tuple(seen)

    seen = {}
    phases = _seq(p.phases, ("phases",), "phases", required=True)
    for path, phase in _elements(phases, "phases", Phase, "name", "key"):
        _key(phase.key, path + ("key",))
        _unique(seen, phase.key, path + ("key",))
        _text(phase.name, path + ("name",), line=True, required=True)
        _text(phase.guidance, path + ("guidance",))
        for j, item in enumerate(_seq(phase.checklist, path + ("checklist",), "text items")):
            _text(item, path + ("checklist", (j, None)), line=True, required=True)
        refs: set[str] = set()
        for j, ref in enumerate(_seq(phase.activities, path + ("activities",), "activity keys")):
            where = path + ("activities", (j, None))
            _key(ref, where)
            if ref not in activity_keys:
                _fail(where, f"no activity {_quote(ref)} in this plan; activities are "
                             f"{', '.join(activity_keys)}")
            if ref in refs:
                _fail(where, f"{_quote(ref)} is listed twice")
            refs.add(ref)

    seen = {}
    prereqs = _seq(p.prerequisites, ("prerequisites",), "prerequisites")
    for path, pre in _elements(prereqs, "prerequisites", Prerequisite, "name", "key"):
        _key(pre.key, path + ("key",))
        _unique(seen, pre.key, path + ("key",))
        _text(pre.name, path + ("name",), line=True, required=True)
        _text(pre.description, path + ("description",))
        _int(pre.interval_days, path + ("interval_days",), 1, MAX_INTERVAL_DAYS)

    seen = {}
    for path, clock in _elements(_seq(p.clocks, ("clocks",), "clocks"), "clocks",
                                 ClockTemplate, "name", "key"):
        _key(clock.key, path + ("key",))
        _unique(seen, clock.key, path + ("key",))
        _text(clock.name, path + ("name",), line=True, required=True)
        _text(clock.authority, path + ("authority",), line=True, required=True)
        if clock.due is not None:
            _int(clock.due, path + ("due",), 0, MAX_CLOCK_DUE)
        _choice(clock.unit, path + ("unit",), CLOCK_UNITS)
        if not (isinstance(clock.starts, str) and clock.starts.startswith("clock:")):
            _choice(clock.starts, path + ("starts",), CLOCK_STARTS)
        _bool(clock.enabled, path + ("enabled",))
        _text(clock.note, path + ("note",))
        _text(clock.source, path + ("source",))
        for j, ref in enumerate(_seq(clock.types, path + ("types",), "incident type keys")):
            _choice(ref, path + ("types", (j, None)), type_keys)
        _choice(clock.applies_if, path + ("applies_if",), CLOCK_CONDITIONS)
        _text(clock.calendar, path + ("calendar",), line=True)
        if clock.calendar and not _COUNTRY.fullmatch(clock.calendar):
            _fail(path + ("calendar",), f"{_quote(clock.calendar)} is not a country code such "
                                        "as US, DE or DE-BY")
        _zone(clock.time_zone, path + ("time_zone",))
        _choice(clock.answer, path + ("answer",), CLOCK_ANSWERS)
        _choice(clock.form, path + ("form",), CLOCK_FORMS)
    clock_keys = tuple(seen)
    for path, clock in _elements(p.clocks, "clocks", ClockTemplate, "name", "key"):
        if clock.starts.startswith("clock:") and (
                clock.starts[6:] not in clock_keys or clock.starts[6:] == clock.key):
            _fail(path + ("starts",), f"{_quote(clock.starts)} names no other clock of this plan; "
                                      f"use clock:KEY with one of {', '.join(clock_keys)}")

    reg = p.regulatory
    if not isinstance(reg, Regulatory):
        _fail(("regulatory",), f"expected a [regulatory] table, got {_type_name(reg)}")
    _text(reg.jurisdiction, ("regulatory", "jurisdiction"), line=True)
    if reg.jurisdiction and not _COUNTRY.fullmatch(reg.jurisdiction):
        _fail(("regulatory", "jurisdiction"), f"{_quote(reg.jurisdiction)} is not a country code "
                                              "such as DE, FR or DE-BY")
    _zone(reg.time_zone, ("regulatory", "time_zone"))
    _bool(reg.nis2_in_scope, ("regulatory", "nis2_in_scope"))
    _bool(reg.sec_registrant, ("regulatory", "sec_registrant"))
    _bool(reg.passphrase_every_signature, ("regulatory", "passphrase_every_signature"))
    for name in ("dpo_contact", "acquirer", "merchant_id"):
        _text(getattr(reg, name), ("regulatory", name), line=True)
    for j, brand in enumerate(_seq(reg.card_brands, ("regulatory", "card_brands"), "brand names")):
        _text(brand, ("regulatory", "card_brands", (j, None)), line=True, required=True)

    seen = {}
    scenarios = _seq(p.scenarios, ("scenarios",), "scenarios")
    for path, sc in _elements(scenarios, "scenarios", Scenario, "title", "key"):
        _key(sc.key, path + ("key",))
        _unique(seen, sc.key, path + ("key",))
        _text(sc.title, path + ("title",), line=True, required=True)
        _choice(sc.incident_type, path + ("incident_type",), type_keys)
        _text(sc.summary, path + ("summary",))
        previous = 0
        for j, inject in enumerate(_seq(sc.injects, path + ("injects",), "injects")):
            where = path + ("injects", (j, None))
            if not isinstance(inject, Inject):
                _fail(where, f"expected an Inject, got {_type_name(inject)}")
            _int(inject.after_minutes, where + ("after_minutes",), 0, MAX_INJECT_MINUTES)
            # A drill is read out in order; an out-of-order inject is almost always a typo.
            if inject.after_minutes < previous:
                _fail(where + ("after_minutes",), f"{inject.after_minutes} comes before the "
                      f"previous inject ({previous}); list injects in time order")
            previous = inject.after_minutes
            _text(inject.text, where + ("text",), required=True)


_COUNTRY = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")


def _zone(value: object, path: tuple) -> None:
    _text(value, path, line=True)
    if value and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*", value):
        _fail(path, f"{_quote(value)} is not a time zone name such as Europe/Berlin")


def _check_raci(raci: object, path: tuple, roles: dict[str, Role], internal: list[Role]) -> None:
    cells = _seq(raci, path, "cells")
    given: set[str] = set()
    for cell in cells:
        if not (isinstance(cell, tuple) and len(cell) == 2):
            _fail(path, "expected (role key, responsibility) pairs")
        role_key, value = cell
        where = path + (str(role_key),)
        _key(role_key, where)
        if role_key not in roles:
            _fail(where, f"no role {_quote(role_key)} in this plan; roles are {', '.join(roles)}")
        if role_key in given:
            _fail(where, "given twice")
        given.add(role_key)
        _choice(value, where, RESPONSIBILITIES)
    for role in internal:
        if role.key not in given:
            _fail(path, f"no cell for role {role.key} ({_quote(role.name, 40)}); give one of "
                        f"{', '.join(RESPONSIBILITIES)}")


def _newer_message(version: int) -> str:
    return (f"version {version} was written by a newer Incident Binder (this one reads up to "
            f"version {FORMAT_VERSION}); update Incident Binder to use this plan")


# --------------------------------------------------------------------------- parsing

_REQUIRED = object()

_TOP_FIELDS: dict[str, Any] = {
    "format": _REQUIRED, "version": _REQUIRED, "name": _REQUIRED, "unit": "", "description": "",
    "severities": _REQUIRED, "incident_types": _REQUIRED, "roles": _REQUIRED,
    "activities": _REQUIRED, "phases": _REQUIRED, "prerequisites": [], "clocks": [],
    "scenarios": [], "regulatory": {},
}
_FIELDS: dict[str, dict[str, Any]] = {
    "incident_types": {"key": _REQUIRED, "label": _REQUIRED},
    "roles": {"key": _REQUIRED, "name": _REQUIRED, "description": "", "external": False},
    "activities": {"key": _REQUIRED, "name": _REQUIRED, "raci": _REQUIRED},
    "phases": {"key": _REQUIRED, "name": _REQUIRED, "guidance": "", "checklist": [],
               "activities": []},
    "prerequisites": {"key": _REQUIRED, "name": _REQUIRED, "description": "",
                      "interval_days": _REQUIRED},
    "clocks": {"key": _REQUIRED, "name": _REQUIRED, "authority": _REQUIRED, "due": None,
               "unit": _REQUIRED, "starts": "awareness", "enabled": False, "note": "",
               "source": "", "types": [], "applies_if": "", "calendar": "", "time_zone": "",
               "answer": "notification", "form": ""},
    "regulatory": {"jurisdiction": "", "time_zone": "", "nis2_in_scope": False,
                   "sec_registrant": False, "dpo_contact": "", "acquirer": "", "merchant_id": "",
                   "card_brands": [], "passphrase_every_signature": False},
    "scenarios": {"key": _REQUIRED, "title": _REQUIRED, "incident_type": _REQUIRED,
                  "summary": "", "injects": []},
    "injects": {"after_minutes": _REQUIRED, "text": _REQUIRED},
}


def parse_plan(text: str | bytes) -> Plan:
    """Read a plan from its TOML text form.

    Raises :class:`PlanFormatError` with one line naming the place: a line and
    column for syntax errors, a path such as ``roles[2] ("IT Contact").name``
    (plus the line, when it can be found) for everything else. Refuses unknown
    and missing keys, wrong types, duplicate keys, references to unknown roles,
    activities or incident types, NUL characters, and files from a newer version.
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PlanFormatError(
                f"plan file: byte {exc.start} is not UTF-8 text; save the plan as UTF-8"
            ) from None
    if not isinstance(text, str):
        raise TypeError(f"parse_plan needs text, got {type(text).__name__}")
    # Some Windows editors put a byte-order mark first; TOML does not allow one.
    text = text.removeprefix("\ufeff")
    import tomllib  # here: reading a plan file is rare, importing tomllib is not free

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanFormatError(_syntax_message(str(exc))) from None
    except RecursionError:
        raise PlanFormatError("plan file: arrays or tables are nested far too deep to be a "
                              "plan (a plan needs a few levels)") from None
    try:
        return _plan_from_data(data)
    except _PlanProblem as problem:
        line = _locate(text, data, problem.path)
        where = f"plan file, line {line}" if line else "plan file"
        raise PlanFormatError(f"{where}: {problem.body}") from None


def _syntax_message(message: str) -> str:
    message = " ".join(message.split())
    match = re.fullmatch(r"(.*?)\s*\(at line (\d+), column (\d+)\)", message)
    if match:
        detail, line, column = match.groups()
        return f"plan file, line {line}, column {column}: {_lower_first(detail)}"
    match = re.fullmatch(r"(.*?)\s*\(at end of document\)", message)
    if match:
        return f"plan file, at the end: {_lower_first(match.group(1))} (is something unclosed?)"
    return f"plan file: {_lower_first(message)}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _fields(table: dict, path: tuple, spec: dict[str, Any]) -> dict[str, Any]:
    for key in table:
        if key not in spec:
            _fail(path + (key,), f"unknown key; expected one of {', '.join(spec)}")
    out = {}
    for key, default in spec.items():
        if key in table:
            out[key] = table[key]
        elif default is _REQUIRED:
            _fail(path + (key,), "is missing")
        else:
            out[key] = default
    return out


def _tables(value: object, path: tuple, header: str) -> list[tuple[tuple, dict]]:
    if not isinstance(value, list):
        _fail(path, f"expected [[{header}]] tables, got {_type_name(value)}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            _fail(path + ((i, None),), f"expected a [[{header}]] table, got {_type_name(item)}")
        label = next((item[k] for k in ("name", "title", "label", "key")
                      if isinstance(item.get(k), str) and item[k]), None)
        out.append((path + ((i, label),), item))
    return out


def _as_list(value: object) -> object:
    # Wrong types pass through unchanged so that validation names them.
    return tuple(value) if isinstance(value, list) else value


def _plan_from_data(data: dict) -> Plan:
    if "format" not in data:
        _fail(("format",), f'is missing; an Incident Binder plan file starts with '
                           f'format = "{FORMAT_NAME}"')
    if data["format"] != FORMAT_NAME:
        _fail(("format",), f'{_quote(data["format"])} is not "{FORMAT_NAME}"; this is not an '
                           "Incident Binder plan file")
    if "version" not in data:
        _fail(("version",), f"is missing; expected version = {FORMAT_VERSION}")
    version = data["version"]
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        _fail(("version",), _newer_message(version))
    _int(version, ("version",), 1, FORMAT_VERSION)

    top = _fields(data, (), _TOP_FIELDS)
    kinds = {}
    for name in ("incident_types", "roles", "activities", "phases", "prerequisites", "clocks",
                 "scenarios"):
        kinds[name] = [(path, _fields(table, path, _FIELDS[name]))
                       for path, table in _tables(top[name], (name,), name)]

    activities = []
    for path, f in kinds["activities"]:
        raci = f["raci"]
        if not isinstance(raci, dict):
            _fail(path + ("raci",), 'expected an inline table such as { lead = "Owner", '
                                    f'it = "Advises" }}, got {_type_name(raci)}')
        activities.append(Activity(f["key"], f["name"], tuple(raci.items())))

    scenarios = []
    for path, f in kinds["scenarios"]:
        injects = tuple(
            Inject(**_fields(t, p, _FIELDS["injects"]))
            for p, t in _tables(f["injects"], path + ("injects",), "scenarios.injects")
        )
        scenarios.append(Scenario(f["key"], f["title"], f["incident_type"], f["summary"], injects))

    return Plan(
        format_version=version,
        name=top["name"],
        unit=top["unit"],
        description=top["description"],
        roles=tuple(Role(**f) for _, f in kinds["roles"]),
        activities=tuple(activities),
        phases=tuple(
            Phase(f["key"], f["name"], f["guidance"], _as_list(f["checklist"]),
                  _as_list(f["activities"]))
            for _, f in kinds["phases"]
        ),
        prerequisites=tuple(Prerequisite(**f) for _, f in kinds["prerequisites"]),
        clocks=tuple(ClockTemplate(**{**f, "types": _as_list(f["types"])})
                     for _, f in kinds["clocks"]),
        severities=_as_list(top["severities"]),
        incident_types=tuple((f["key"], f["label"]) for _, f in kinds["incident_types"]),
        scenarios=tuple(scenarios),
        regulatory=_regulatory(top["regulatory"]),
    )


def _regulatory(table: object) -> Regulatory:
    if not isinstance(table, dict):
        _fail(("regulatory",), f"expected a [regulatory] table, got {_type_name(table)}")
    f = _fields(table, ("regulatory",), _FIELDS["regulatory"])
    return Regulatory(**{**f, "card_brands": _as_list(f["card_brands"])})


_ARRAY_HEADER = re.compile(r"[ \t]*\[\[[ \t]*([A-Za-z0-9_.\- \t]+?)[ \t]*\]\][ \t]*(#.*)?")
_ANY_HEADER = re.compile(r"[ \t]*\[")


def _locate(text: str, data: dict, path: tuple) -> int | None:
    """Best-effort 1-based line of the place a path names, or None when unsure.

    tomllib keeps no positions, so this scans for table headers; it only answers
    when the headers it finds agree in number with the parsed data (a header-like
    line inside a multi-line string would otherwise mislead it).
    """
    lines = text.split("\n")
    headers: list[tuple[int, str | None]] = []  # (index, array-table name or None)
    for n, line in enumerate(lines):
        m = _ARRAY_HEADER.fullmatch(line)
        if m:
            headers.append((n, re.sub(r"[ \t]", "", m.group(1))))
        elif _ANY_HEADER.match(line) and "=" not in line.split("]")[0]:
            headers.append((n, None))

    def block(start: int, end: int, parent: object, name: str, index: int) -> tuple[int, int] | None:
        found = [h for h in headers if start <= h[0] < end and h[1] == name]
        items = parent.get(name.rsplit(".", 1)[-1]) if isinstance(parent, dict) else None
        if not isinstance(items, list) or len(found) != len(items) or index >= len(found):
            return None
        first = found[index][0]
        later = [h[0] for h in headers if h[0] > first and h[0] < end]
        return first, later[0] if later else end

    def key_line(start: int, end: int, key: str) -> int | None:
        pattern = re.compile(rf"[ \t]*{re.escape(key)}[ \t]*=")
        hits = [n for n in range(start, end) if pattern.match(lines[n])]
        return hits[0] + 1 if len(hits) == 1 else None

    if not path or not isinstance(path[0], str):
        return None
    if len(path) >= 2 and isinstance(path[1], tuple):
        items = data.get(path[0])
        if not (isinstance(items, list) and items and all(isinstance(i, dict) for i in items)):
            # A plain list (severities, ...): point at its key.
            first_header = headers[0][0] if headers else len(lines)
            return key_line(0, first_header, path[0])
        span = block(0, len(lines), data, path[0], path[1][0])
        if span is None:
            return None
        rest = path[2:]
        if path[0] == "scenarios" and len(rest) >= 2 and rest[0] == "injects" \
                and isinstance(rest[1], tuple):
            scenario_end = next((h[0] for h in headers
                                 if h[0] > span[0] and h[1] != "scenarios.injects"), len(lines))
            inner = block(span[0], scenario_end, data["scenarios"][path[1][0]],
                          "scenarios.injects", rest[1][0])
            if inner is None:
                return span[0] + 1
            span, rest = inner, rest[2:]
        key = next((seg for seg in rest if isinstance(seg, str)), None)
        return (key_line(span[0] + 1, span[1], key) if key else None) or span[0] + 1
    first_header = headers[0][0] if headers else len(lines)
    return key_line(0, first_header, path[0])


# --------------------------------------------------------------------------- writing

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def _basic(value: str) -> str:
    """A TOML basic string. Invisible characters (controls, bidi overrides, line
    separators) are escaped so that the file shows exactly what it holds."""
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch == " " or ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(f"\\U{ord(ch):08X}")
    return '"' + "".join(out) + '"'


def _multiline(value: str) -> str:
    """Multi-line text as a ''' literal block when that is exact, else a basic string."""
    literal_safe = (
        "\n" in value
        and "'''" not in value
        and not value.endswith("'")
        and all(ch in "\n\t" or ch == " " or ch.isprintable() for ch in value)
    )
    # The newline right after the opening ''' is dropped by TOML, so a leading
    # newline in the value survives.
    return f"'''\n{value}'''" if literal_safe else _basic(value)


def _inline_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(_basic(v) for v in values) + "]"


def _block_list(values: tuple[str, ...]) -> str:
    if not values:
        return "[]"
    return "[\n" + "".join(f"    {_basic(v)},\n" for v in values) + "]"


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


def dump_plan(plan: Plan) -> str:
    """The plan as human-readable TOML; ``parse_plan(dump_plan(p)) == p`` always."""
    if not isinstance(plan, Plan):
        raise TypeError(f"dump_plan needs a Plan, got {type(plan).__name__}")
    out = [
        "# Incident Binder response plan. Edit it in any text editor, then load it with",
        "# `binder plan import FILE`. RACI cells: Owner, Implements, Advises, Updates, None.",
        "",
        f"format = {_basic(FORMAT_NAME)}",
        f"version = {plan.format_version}",
        f"name = {_basic(plan.name)}",
        f"unit = {_basic(plan.unit)}",
        f"description = {_multiline(plan.description)}",
        f"severities = {_inline_list(plan.severities)}",
    ]
    for key, label in plan.incident_types:
        out += ["", "[[incident_types]]", f"key = {_basic(key)}", f"label = {_basic(label)}"]
    for role in plan.roles:
        out += ["", "[[roles]]", f"key = {_basic(role.key)}", f"name = {_basic(role.name)}",
                f"external = {_bool_text(role.external)}",
                f"description = {_multiline(role.description)}"]
    for act in plan.activities:
        cells = ", ".join(f"{role} = {_basic(value)}" for role, value in act.raci)
        out += ["", "[[activities]]", f"key = {_basic(act.key)}", f"name = {_basic(act.name)}",
                f"raci = {{ {cells} }}" if cells else "raci = {}"]
    for phase in plan.phases:
        out += ["", "[[phases]]", f"key = {_basic(phase.key)}", f"name = {_basic(phase.name)}",
                f"activities = {_inline_list(phase.activities)}",
                f"guidance = {_multiline(phase.guidance)}",
                f"checklist = {_block_list(phase.checklist)}"]
    for pre in plan.prerequisites:
        out += ["", "[[prerequisites]]", f"key = {_basic(pre.key)}", f"name = {_basic(pre.name)}",
                f"interval_days = {pre.interval_days}",
                f"description = {_multiline(pre.description)}"]
    for clock in plan.clocks:
        out += ["", "[[clocks]]", f"key = {_basic(clock.key)}", f"name = {_basic(clock.name)}",
                f"authority = {_basic(clock.authority)}"]
        if clock.due is not None:
            out.append(f"due = {clock.due}")
        out += [f"unit = {_basic(clock.unit)}", f"starts = {_basic(clock.starts)}",
                f"enabled = {_bool_text(clock.enabled)}"]
        if clock.types:
            out.append(f"types = {_inline_list(clock.types)}")
        for name in ("applies_if", "calendar", "time_zone", "form"):
            if getattr(clock, name):
                out.append(f"{name} = {_basic(getattr(clock, name))}")
        if clock.answer != "notification":
            out.append(f"answer = {_basic(clock.answer)}")
        out.append(f"note = {_multiline(clock.note)}")
        if clock.source:
            out.append(f"source = {_multiline(clock.source)}")
    reg = plan.regulatory
    if reg != Regulatory():
        out += ["", "[regulatory]", f"jurisdiction = {_basic(reg.jurisdiction)}",
                f"time_zone = {_basic(reg.time_zone)}",
                f"nis2_in_scope = {_bool_text(reg.nis2_in_scope)}",
                f"sec_registrant = {_bool_text(reg.sec_registrant)}",
                f"dpo_contact = {_basic(reg.dpo_contact)}", f"acquirer = {_basic(reg.acquirer)}",
                f"merchant_id = {_basic(reg.merchant_id)}",
                f"card_brands = {_inline_list(reg.card_brands)}"]
        if reg.passphrase_every_signature:
            out.append("passphrase_every_signature = true")
    for sc in plan.scenarios:
        out += ["", "[[scenarios]]", f"key = {_basic(sc.key)}", f"title = {_basic(sc.title)}",
                f"incident_type = {_basic(sc.incident_type)}",
                f"summary = {_multiline(sc.summary)}"]
        for inject in sc.injects:
            out += ["", "[[scenarios.injects]]", f"after_minutes = {inject.after_minutes}",
                    f"text = {_multiline(inject.text)}"]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- bundled plan


def default_plan_text() -> str:
    """The text of the bundled Magento / Adobe Commerce plan."""
    path = resources_dir() / "plans" / "magento.toml"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        raise NotFound(
            f"the bundled plan is missing ({path}); the installation is incomplete, reinstall it"
        ) from None


@lru_cache(maxsize=1)
def default_plan() -> Plan:
    """The bundled Magento / Adobe Commerce plan, parsed (cached: plans are immutable)."""
    return parse_plan(default_plan_text())
