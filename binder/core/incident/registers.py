"""The investigation registers: attacker timeline, indicators, affected assets, tasks.

Like the guided response (:mod:`binder.core.incident.workflow`), every register
fact is the ``data`` of an ordinary signed journal entry, and the registers are
derived by reading those entries; nothing here updates a row. A change (an
asset contained, a task done, an event's time corrected) is a new entry whose
``data`` names the item by the hash of the entry that added it, so the link is
part of what was signed.

Entry shapes (``kind``: ``data``), every one with ``"register"`` = kind:

- ``timeline``: ``{"action": "add", "at", "at_utc", "zone_assumed", "time_source",
  "what", "asset", "evidence", "evidence_sha256", "iocs": [...], "technique",
  "technique_name", "confidence"}``
- ``ioc``: ``{"action": "add", "type", "value", "tlp", "first_seen", "first_seen_utc",
  "last_seen", "last_seen_utc", "source", "description"}``
- ``asset``: ``{"action": "add", "name", "asset_kind", "status", "note"}``
- ``task``: ``{"action": "add", "title", "owner", "owner_contact", "due", "due_utc",
  "status", "checklist": {"phase", "item", "text"} | null, "note"}``
- any of them: ``{"action": "update", "item": <hash of the add entry>, "changes": {...}}``
  or ``{"action": "withdraw", "item": <hash>}`` (with the reason in the entry's reasoning).

An item's id is the id of the journal entry that added it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from binder.core.crypto import signers
from binder.core.crypto.signers import SigningSession
from binder.core.errors import BadInput, BinderError, NotFound
from binder.core.incident import indicators as check
from binder.core.incident import journal
from binder.core.incident.journal import Entry, NewEntry, check_text
from binder.core.incident.record import get_incident
from binder.core.storage.database import Binder, utc_now

REGISTERS: tuple[tuple[str, str], ...] = (
    ("timeline", "Attacker timeline"),
    ("ioc", "Indicators of compromise"),
    ("asset", "Affected systems and accounts"),
    ("task", "Tasks"),
)
REGISTER_KINDS = tuple(k for k, _ in REGISTERS)
ASSET_STATUSES = ("suspected", "confirmed", "contained", "cleaned", "restored")
#: Suggested asset kinds (free text is accepted too).
ASSET_KINDS = ("web server", "database server", "admin account", "customer account",
               "service account", "API key", "workstation", "payment integration",
               "third-party script", "cloud service", "other")
TASK_STATUSES = ("open", "done", "cancelled")
CONFIDENCE = ("low", "medium", "high", "confirmed")
#: Fields a change may set, per register (an indicator's type and value, an asset's
#: name are its identity: withdraw the item and add a new one instead).
CHANGEABLE = {
    "timeline": ("at", "what", "asset", "time_source", "evidence", "iocs", "technique",
                 "confidence"),
    "ioc": ("tlp", "first_seen", "last_seen", "source", "description"),
    "asset": ("status", "asset_kind", "note"),
    "task": ("status", "owner", "due", "title", "note"),
}
_CONTACT_ID = re.compile(r"[0-9a-f][0-9a-f-]{3,}")


@dataclass(frozen=True)
class Change:
    """One signed change of an item (or its registration)."""

    entry_id: int
    seq: int
    hash: str
    recorded_at: str
    author: str
    action: str  # add | update | withdraw
    changes: dict
    reason: str


@dataclass(frozen=True)
class Item:
    """A register item as it stands after every signed change."""

    register: str
    id: int  # the id of the entry that added it
    incident_id: int
    seq: int
    hash: str  # of the adding entry
    last_hash: str  # of the latest entry that changed it
    created_at: str
    created_by: str
    fields: dict
    history: tuple[Change, ...] = ()
    withdrawn: bool = False
    withdrawn_reason: str = ""

    def get(self, key: str, default: Any = "") -> Any:
        """A field's current value."""
        value = self.fields.get(key)
        return default if value is None else value

    @property
    def label(self) -> str:
        """How people refer to it: ``event 12``, ``indicator 15``, ``asset 9``, ``task 20``."""
        noun = {"timeline": "event", "ioc": "indicator", "asset": "asset", "task": "task"}
        return f"{noun[self.register]} {self.id}"

    @property
    def changed(self) -> bool:
        """True when anything happened to it after it was added."""
        return len(self.history) > 1


# ---------------------------------------------------------------- reading


def _fold(entries: Iterable[Entry]) -> tuple[dict[str, dict], list[Entry]]:
    """Items by adding hash (as mutable dicts), and the change entries that point nowhere."""
    items: dict[str, dict] = {}
    dangling: list[Entry] = []
    for entry in entries:
        data = entry.data or {}
        action = data.get("action")
        change = Change(entry.id, entry.seq, entry.hash, entry.recorded_at, entry.author,
                        str(action), {}, entry.reason)
        if action == "add":
            fields = {k: v for k, v in data.items() if k not in ("action", "register")}
            items[entry.hash] = {
                "register": entry.kind, "id": entry.id, "incident_id": entry.incident_id,
                "seq": entry.seq, "hash": entry.hash, "last_hash": entry.hash,
                "created_at": entry.recorded_at, "created_by": entry.author, "fields": fields,
                "history": [Change(**{**change.__dict__, "changes": dict(fields)})],
                "withdrawn": False, "withdrawn_reason": "",
            }
            continue
        target = items.get(str(data.get("item", "")))
        if target is None or target["register"] != entry.kind:
            dangling.append(entry)
            continue
        if action == "update":
            changes = data.get("changes") if isinstance(data.get("changes"), dict) else {}
            target["fields"].update(changes)
            target["history"].append(Change(**{**change.__dict__, "changes": dict(changes)}))
        elif action == "withdraw":
            target["withdrawn"] = True
            target["withdrawn_reason"] = entry.reason
            target["history"].append(change)
        else:
            dangling.append(entry)
            continue
        target["last_hash"] = entry.hash
    return items, dangling


def _freeze(raw: dict) -> Item:
    return Item(**{**raw, "fields": dict(raw["fields"]), "history": tuple(raw["history"])})


def list_items(binder: Binder, incident_id: int | str, register: str, *,
               include_withdrawn: bool = True) -> list[Item]:
    """Every item of one register of an incident, in the order it was added.

    The attacker timeline comes in event order (UTC), ties in the order added.
    """
    register = check_register(register)
    incident = get_incident(binder, incident_id)
    items, _ = _fold(journal.iter_entries(binder, incident.id, kinds=(register,)))
    out = [_freeze(raw) for raw in items.values()
           if include_withdrawn or not raw["withdrawn"]]
    if register == "timeline":
        out.sort(key=lambda i: (str(i.get("at_utc")), i.seq))
    return out


def get_item(binder: Binder, item_id: int | str, register: str | None = None) -> Item:
    """One item by its id (the id of the entry that added it)."""
    number = _parse_item_id(item_id, register)
    try:
        entry = journal.get_entry(binder, number)
    except NotFound:
        entry = None
    noun = _noun(register)
    if entry is None or entry.kind not in REGISTER_KINDS or (entry.data or {}).get("action") != "add" \
            or (register is not None and entry.kind != register):
        raise NotFound(f"there is no {noun} {number}; the id is the number `add` printed "
                       f"(see `binder {register or 'timeline'} list`)")
    for item in list_items(binder, entry.incident_id, entry.kind):
        if item.id == number:
            return item
    raise NotFound(f"there is no {noun} {number}")  # pragma: no cover - the entry was just read


def _noun(register: str | None) -> str:
    return {"timeline": "timeline event", "ioc": "indicator", "asset": "asset",
            "task": "task"}.get(register or "", "register item")


def _parse_item_id(value: int | str, register: str | None) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 2**63:
        raise BadInput(f"{value!r} is not a {_noun(register)} id; use the number `add` printed")
    return int(text)


def check_register(register: str) -> str:
    """A register key (``timeline``, ``ioc``, ``asset``, ``task``); plurals are accepted."""
    text = (register or "").strip().casefold()
    aliases = {"timelines": "timeline", "events": "timeline", "event": "timeline",
               "iocs": "ioc", "indicators": "ioc", "indicator": "ioc", "assets": "asset",
               "tasks": "task"}
    text = aliases.get(text, text)
    if text not in REGISTER_KINDS:
        raise BadInput(f"unknown register {register!r}; use one of {', '.join(REGISTER_KINDS)}")
    return text


def overdue_tasks(binder: Binder, incident_id: int | str, now: datetime | str | None = None
                  ) -> list[Item]:
    """Open tasks whose due time has passed, most overdue first."""
    moment = _now_text(now)
    late = [t for t in list_items(binder, incident_id, "task", include_withdrawn=False)
            if t.get("status") == "open" and t.get("due_utc") and t.get("due_utc") < moment]
    return sorted(late, key=lambda t: t.get("due_utc"))


def _now_text(now: datetime | str | None) -> str:
    if now is None:
        return utc_now()
    if isinstance(now, datetime):
        return now.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return journal.parse_time(now, "time")


def linked_events(binder: Binder, indicator: Item) -> list[Item]:
    """Timeline events that name this indicator's value."""
    value = str(indicator.get("value")).casefold()
    return [e for e in list_items(binder, indicator.incident_id, "timeline", include_withdrawn=False)
            if value in (str(v).casefold() for v in e.get("iocs", []))]


@dataclass(frozen=True)
class OwnerChoice:
    """Someone a task can be given to: how a picker shows them, and what it stores."""

    label: str  # "Alice Martin — Incident lead"
    ref: str  # what :func:`resolve_owner` takes back: a contact id (or an old signer's login)


def owner_choices(binder: Binder) -> list[OwnerChoice]:
    """Everyone a task can be given to, by name: the enrolled signers as their
    certificates name them, then (while the binder is unlocked) the other roster contacts."""
    out: list[OwnerChoice] = []
    names = signers.names_by_login(binder)
    taken: set[str] = set()
    for s in signers.list_signers(binder):
        who = names.get(_login_key(s.person))
        name = who.name if who is not None and who.name else s.display_name
        role = who.role if who is not None else s.role
        out.append(OwnerChoice(f"{name} — {role}" if role else name, s.contact_id or s.person))
        if s.contact_id:
            taken.add(s.contact_id)
    if binder.unlocked:
        from binder.core import roster

        role_names = roster.role_names(binder)
        for c in roster.list_contacts(binder):
            if c.id not in taken:
                role = role_names.get(c.role, c.role)
                out.append(OwnerChoice(f"{c.name} — {role}" if role else c.name, c.id))
    return out


def _login_key(login: str) -> str:
    return unicodedata.normalize("NFC", login or "").strip().casefold()


def owner_namer(binder: Binder, *, roster_names: bool = True) -> Callable[[Mapping[str, Any]], str]:
    """A function giving a task owner's name from a task's fields (``owner``, ``owner_contact``).

    Reads the certificates once, so a table of many tasks costs one read: a
    signer (by contact or by an older task's login) is named as their
    certificate names them, locked or not; any other roster contact by their
    roster name while the binder is unlocked (and ``roster_names``), else as
    ``contact 1a2b3c4d`` (roster names are encrypted, the journal is not).
    """
    names = signers.names_by_login(binder)
    by_contact = {s.contact_id: s.person for s in signers.list_signers(binder) if s.contact_id}
    contacts: dict[str, str] | None = None

    def contact_name(contact: str) -> str | None:
        nonlocal contacts
        if contacts is None:
            contacts = {}
            if roster_names and binder.unlocked:
                from binder.core import roster

                try:
                    contacts = {c.id: c.name
                                for c in roster.list_contacts(binder, include_removed=True)}
                except BinderError:  # a damaged roster still shows the contact's id
                    contacts = {}
        return contacts.get(contact)

    def name_of(fields: Mapping[str, Any]) -> str:
        contact = str(fields.get("owner_contact") or "")
        login = str(fields.get("owner") or "")
        if contact:
            if contact in by_contact:
                return signers.name_for_login(names, by_contact[contact])
            if not login:
                return contact_name(contact) or f"contact {contact[:8]}"
        return signers.name_for_login(names, login) if login else ""

    return name_of


def owner_label(binder: Binder, task: Item) -> str:
    """The task owner's name (for one task; a table uses :func:`owner_namer` once)."""
    return owner_namer(binder)(task.fields)


def describe_changes(changes: Mapping[str, Any],
                     owner_of: Callable[[Mapping[str, Any]], str] | None = None, *,
                     sep: str = "; ") -> str:
    """A change as people read it: ``status → done; owner → Bob Okafor``.

    Machine companions (UTC copies, hashes, the owner's contact id) are left
    out; an owner is named through ``owner_of`` (see :func:`owner_namer`).
    """
    words = []
    for key, value in changes.items():
        if key.endswith("_utc") or key in ("zone_assumed", "evidence_sha256", "owner_contact",
                                           "technique_name"):
            continue
        if key == "owner" and owner_of is not None:
            value = owner_of(changes)
        words.append(f"{key.replace('_', ' ')} → {_show(value)}")
    if "owner_contact" in changes and "owner" not in changes and owner_of is not None:
        words.append(f"owner → {_show(owner_of(changes))}")
    return sep.join(words)


# ---------------------------------------------------------------- writing


def _append(binder: Binder, incident_id: int, author: SigningSession, kind: str, text: str,
            data: dict, *, reason: str = "", phase: str | None = None,
            witness: SigningSession | None = None, occurred_at: str | None = None) -> int:
    # occurred_at: when it happened, as the responder states it (kept as typed).
    return journal.append(binder, incident_id, author, NewEntry(
        text=text, kind=kind, reason=reason, phase=phase, data={"register": kind, **data},
        occurred_at=occurred_at or None,
    ), witness=witness)


def _evidence_ref(binder: Binder, incident_id: int, ref: str | int | None) -> tuple[str | None, str | None]:
    if ref is None or not str(ref).strip():
        return None, None
    from binder.core.incident import evidence

    number = evidence.parse_evidence_ref(ref)
    row = binder.conn.execute("SELECT incident_id, sha256 FROM evidence WHERE id = ?",
                              (number,)).fetchone()
    if row is None or row[0] != incident_id:
        raise NotFound(f"there is no evidence {evidence.label(number)} in this incident; "
                       "see `binder evidence list`")
    return evidence.label(number), row[1]


def _ioc_refs(binder: Binder, incident_id: int, values: Iterable[str]) -> list[str]:
    known = {str(i.get("value")).casefold(): str(i.get("value"))
             for i in list_items(binder, incident_id, "ioc", include_withdrawn=False)}
    out: list[str] = []
    for value in values:
        text = check.one_line(value, "indicator", limit=check.MAX_VALUE)
        if text:
            text = known.get(text.casefold(), text)
            if text not in out:
                out.append(text)
    return out


def _confidence(value: str | None) -> str:
    text = (value or "").strip().casefold()
    if text and text not in CONFIDENCE:
        raise BadInput(f"unknown confidence {value!r}; use one of {', '.join(CONFIDENCE)}")
    return text


def _timeline_fields(binder: Binder, incident_id: int, values: Mapping[str, Any]) -> dict:
    out: dict[str, Any] = {}
    if "at" in values:
        out["at"], out["at_utc"], out["zone_assumed"] = check.zoned(values["at"], "event time")
    if "what" in values:
        out["what"] = check_text(values["what"] or "", "what happened", required=True,
                                 limit=10_000).strip()
    if "asset" in values:
        out["asset"] = check.one_line(values["asset"], "asset")
    if "time_source" in values:
        out["time_source"] = check.one_line(values["time_source"], "time source")
    if "evidence" in values:
        out["evidence"], out["evidence_sha256"] = _evidence_ref(binder, incident_id,
                                                                values["evidence"])
    if "iocs" in values:
        out["iocs"] = _ioc_refs(binder, incident_id, values["iocs"] or ())
    if "technique" in values:
        out["technique"] = check.technique(values["technique"])
        out["technique_name"] = check.technique_name(out["technique"])
    if "confidence" in values:
        out["confidence"] = _confidence(values["confidence"])
    return out


def _seen(values: Mapping[str, Any], key: str, what: str) -> dict:
    value = values[key]
    if value is None or not str(value).strip():
        return {key: None, f"{key}_utc": None}
    at, utc, _ = check.zoned(str(value), what)
    return {key: at, f"{key}_utc": utc}


def _ioc_fields(values: Mapping[str, Any]) -> dict:
    out: dict[str, Any] = {}
    if "tlp" in values:
        out["tlp"] = check.tlp(values["tlp"])
    if "first_seen" in values:
        out.update(_seen(values, "first_seen", "first-seen time"))
    if "last_seen" in values:
        out.update(_seen(values, "last_seen", "last-seen time"))
    if out.get("first_seen_utc") and out.get("last_seen_utc") and \
            out["last_seen_utc"] < out["first_seen_utc"]:
        raise BadInput("the last-seen time is before the first-seen time")
    if "source" in values:
        out["source"] = check.one_line(values["source"], "source")
    if "description" in values:
        out["description"] = check_text(values["description"] or "", "description",
                                        limit=4000).strip()
    return out


def _status(value: str, allowed: tuple[str, ...], what: str) -> str:
    text = (value or "").strip().casefold()
    if text not in allowed:
        raise BadInput(f"unknown {what} {value!r}; use one of {', '.join(allowed)}")
    return text


def _asset_fields(values: Mapping[str, Any]) -> dict:
    out: dict[str, Any] = {}
    if "status" in values:
        out["status"] = _status(values["status"], ASSET_STATUSES, "containment status")
    if "asset_kind" in values:
        out["asset_kind"] = check.one_line(values["asset_kind"], "asset kind", limit=100)
    if "note" in values:
        out["note"] = check_text(values["note"] or "", "note", limit=4000).strip()
    return out


def resolve_owner(binder: Binder, owner: str | None) -> tuple[str, str]:
    """(login, roster contact id) of a task owner; ("", "") for nobody.

    The owner is kept by their roster contact id, a stable reference that
    names nobody in the clear (roster names are encrypted, the journal is
    not); only a signer enrolled before signers were contacts is kept by
    login. ``owner`` is what a person types or a picker stores: a signer's
    login or full name, a contact's id or (binder unlocked) name, or a
    picker's "Name — Role" label.
    """
    text = (owner or "").strip()
    if not text:
        return "", ""
    if " — " in text:  # a picker's label, typed or pasted
        for choice in owner_choices(binder):
            if signers.fold(choice.label) == signers.fold(text):
                return resolve_owner(binder, choice.ref)
    typed = signers.clean_person(text)
    key = signers.fold(typed)
    everyone = signers.list_signers(binder)
    found = signers.find_signer(binder, typed)
    if found is None:
        named = [s for s in everyone if key in (signers.fold(s.display_name),
                                                 signers.fold(s.identity.name))]
        if len(named) > 1:
            raise BadInput(f"several signers are called {text!r}; give the login")
        found = named[0] if named else None
    if found is None:
        by_contact = [s for s in everyone if s.contact_id and s.contact_id == text.lower()]
        found = by_contact[0] if by_contact else None
    if found is not None:
        return ("", found.contact_id) if found.contact_id else (found.person, "")
    from binder.core import roster

    if _CONTACT_ID.fullmatch(text.lower()):
        try:
            contact = roster.resolve_contact_id(binder, text)
        except BadInput:
            pass
        else:
            signer = next((s for s in everyone if s.contact_id == contact), None)
            return ("", contact) if signer is None or signer.contact_id else (signer.person, "")
    if binder.unlocked:
        matches = [c for c in roster.list_contacts(binder) if signers.fold(c.name) == key]
        if len(matches) == 1:
            return "", matches[0].id
        if len(matches) > 1:
            raise BadInput(f"several roster contacts are called {text!r}; give the contact id")
    names = signers.names_by_login(binder)
    known = ", ".join(signers.name_for_login(names, s.person) for s in everyone) or "nobody yet"
    hint = "" if binder.unlocked else \
        " (unlock the binder to name a roster contact)"
    raise NotFound(f"{text!r} is neither an enrolled signer ({known}) nor a roster contact{hint}")


def _task_fields(binder: Binder, values: Mapping[str, Any]) -> dict:
    out: dict[str, Any] = {}
    if "title" in values:
        out["title"] = check.one_line(values["title"], "task title", required=True, limit=500)
    if "owner" in values:
        out["owner"], out["owner_contact"] = resolve_owner(binder, values["owner"])
    if "due" in values:
        if values["due"] is None or not str(values["due"]).strip():
            out["due"], out["due_utc"] = None, None
        else:
            out["due"], out["due_utc"], _ = check.zoned(str(values["due"]), "due time")
    if "status" in values:
        out["status"] = _status(values["status"], TASK_STATUSES, "task status")
    if "note" in values:
        out["note"] = check_text(values["note"] or "", "note", limit=4000).strip()
    return out


def _describe_event(f: Mapping[str, Any]) -> str:
    parts = [f"Attacker event at {f.get('at')}"]
    if f.get("time_source"):
        parts[0] += f" ({f['time_source']})"
    parts[0] += f": {f.get('what', '')}"
    if f.get("asset"):
        parts.append(f"asset {f['asset']}")
    if f.get("technique"):
        name = f.get("technique_name")
        parts.append(f"ATT&CK {f['technique']}" + (f" {name}" if name else ""))
    if f.get("iocs"):
        parts.append("indicators " + ", ".join(f["iocs"]))
    if f.get("evidence"):
        parts.append(f"source artefact {f['evidence']}")
    if f.get("confidence"):
        parts.append(f"confidence {f['confidence']}")
    return " · ".join(parts)


def add_event(
    binder: Binder, incident_id: int | str, author: SigningSession, *, at: str, what: str,
    asset: str = "", time_source: str = "", evidence: str | int | None = None,
    iocs: Iterable[str] = (), technique: str | None = None, confidence: str = "",
    phase: str | None = None, witness: SigningSession | None = None,
) -> int:
    """Add an event to the attacker timeline; returns its id."""
    incident = get_incident(binder, incident_id)
    f = _timeline_fields(binder, incident.id, {
        "at": at, "what": what, "asset": asset, "time_source": time_source,
        "evidence": evidence, "iocs": list(iocs), "technique": technique,
        "confidence": confidence})
    return _append(binder, incident.id, author, "timeline", _describe_event(f),
                   {"action": "add", **f}, phase=phase, witness=witness)


def add_indicator(
    binder: Binder, incident_id: int | str, author: SigningSession, *, type: str, value: str,
    tlp: str = "AMBER", first_seen: str | None = None, last_seen: str | None = None,
    source: str = "", description: str = "", phase: str | None = None,
    witness: SigningSession | None = None, occurred_at: str | None = None,
) -> int:
    """Register an indicator of compromise; returns its id.

    The value is checked and normalised for its type; the same indicator
    twice in one incident is refused (change the first one instead).
    """
    incident = get_incident(binder, incident_id)
    kind = check.ioc_type(type)
    normal = check.ioc_value(kind, value)
    for item in list_items(binder, incident.id, "ioc", include_withdrawn=False):
        if item.get("type") == kind and str(item.get("value")).casefold() == normal.casefold():
            raise BadInput(f"{normal} is already registered as indicator {item.id}; change that one")
    f = {"type": kind, "value": normal, **_ioc_fields({
        "tlp": tlp, "first_seen": first_seen, "last_seen": last_seen, "source": source,
        "description": description})}
    if kind == "hash":
        f["hash_algorithm"] = check.hash_algorithm(normal)
    label = dict(check.IOC_TYPES)[kind]
    text = f"Indicator ({label}) {normal} TLP:{f['tlp']}"
    if f.get("description"):
        text += f" — {f['description']}"
    return _append(binder, incident.id, author, "ioc", text, {"action": "add", **f},
                   phase=phase, witness=witness, occurred_at=occurred_at)


def add_asset(
    binder: Binder, incident_id: int | str, author: SigningSession, *, name: str,
    kind: str = "", status: str = "suspected", note: str = "", phase: str | None = None,
    witness: SigningSession | None = None, occurred_at: str | None = None,
) -> int:
    """Register an affected system or account; returns its id."""
    incident = get_incident(binder, incident_id)
    name = check.one_line(name, "asset name", required=True, limit=300)
    for item in list_items(binder, incident.id, "asset", include_withdrawn=False):
        if str(item.get("name")).casefold() == name.casefold():
            raise BadInput(f"{name} is already registered as asset {item.id}; change its status instead")
    f = {"name": name, **_asset_fields({"status": status, "asset_kind": kind, "note": note})}
    what = f" ({f['asset_kind']})" if f["asset_kind"] else ""
    return _append(binder, incident.id, author, "asset",
                   f"Affected asset {name}{what}: {f['status']}", {"action": "add", **f},
                   reason=f.get("note", ""), phase=phase, witness=witness,
                   occurred_at=occurred_at)


def add_task(
    binder: Binder, incident_id: int | str, author: SigningSession, *, title: str,
    owner: str | None = None, due: str | None = None, note: str = "",
    checklist: Mapping[str, Any] | None = None, phase: str | None = None,
    occurred_at: str | None = None,
) -> int:
    """Add a task (optionally made from a checklist item of the plan); returns its id."""
    incident = get_incident(binder, incident_id)
    f = _task_fields(binder, {"title": title, "owner": owner, "due": due, "note": note})
    f["status"] = "open"
    f["checklist"] = None
    if checklist:
        f["checklist"] = {"phase": check.one_line(str(checklist.get("phase", "")), "phase"),
                          "item": int(checklist.get("item", 0)),
                          "text": check.one_line(str(checklist.get("text", "")),
                                                 "checklist item", limit=1000)}
        phase = phase or f["checklist"]["phase"] or None
    # Named as their certificate names them; a contact who signs nothing by contact id only.
    who = owner_namer(binder, roster_names=False)(f)
    text = f"Task: {f['title']}" + (f" (owner {who}" if who else " (no owner")
    text += f", due {f['due']})" if f.get("due") else ")"
    return _append(binder, incident.id, author, "task", text, {"action": "add", **f},
                   reason=f.get("note", ""), phase=phase, occurred_at=occurred_at)


def _check_changes(binder: Binder, item: Item, values: Mapping[str, Any]) -> dict:
    allowed = CHANGEABLE[item.register]
    unknown = [k for k in values if k not in allowed]
    if unknown:
        raise BadInput(f"a {_noun(item.register)}'s {unknown[0]} cannot be changed; "
                       f"changeable: {', '.join(allowed)}")
    if item.register == "timeline":
        out = _timeline_fields(binder, item.incident_id, values)
    elif item.register == "ioc":
        merged = {k: item.fields.get(k) for k in ("first_seen", "last_seen")} | dict(values)
        out = {k: v for k, v in _ioc_fields(merged).items()
               if k.removesuffix("_utc") in values}
    elif item.register == "asset":
        out = _asset_fields(values)
    else:
        out = _task_fields(binder, values)
    return {k: v for k, v in out.items() if item.fields.get(k) != v}


def update_item(binder: Binder, item_id: int | str, author: SigningSession, *,
                reason: str = "", witness: SigningSession | None = None,
                register: str | None = None, occurred_at: str | None = None,
                **values: Any) -> int:
    """Change fields of an item (a new signed entry); returns the entry id.

    Changing the facts of a timeline event or an indicator is a correction and
    needs a reason; a status change may carry one.
    """
    item = get_item(binder, item_id, register)
    if item.withdrawn:
        raise BadInput(f"{item.label} was withdrawn; add a new one instead")
    check_text(reason or "", "reason", limit=4000)
    changes = _check_changes(binder, item, values)
    if not changes:
        raise BadInput(f"nothing to change: {item.label} already says that")
    if item.register in ("timeline", "ioc") and not (reason or "").strip():
        raise BadInput(f"say why {item.label} is changed (--reason); the original stays in the journal")
    words = describe_changes(changes, owner_namer(binder, roster_names=False), sep=", ")
    title = item.get("name") or item.get("title") or item.get("value") or item.get("what")
    text = f"{item.label[0].upper()}{item.label[1:]} ({_clip(str(title), 80)}) changed: {words}"
    return _append(binder, item.incident_id, author, item.register, text,
                   {"action": "update", "item": item.hash, "changes": changes},
                   reason=(reason or "").strip(), witness=witness, occurred_at=occurred_at)


def _show(value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def set_asset_status(binder: Binder, asset_id: int | str, author: SigningSession, status: str,
                     reason: str = "", witness: SigningSession | None = None,
                     occurred_at: str | None = None) -> int:
    """Move an asset to another containment status (journaled)."""
    return update_item(binder, asset_id, author, reason=reason, witness=witness,
                       register="asset", occurred_at=occurred_at, status=status)


def complete_task(binder: Binder, task_id: int | str, author: SigningSession, note: str = "",
                  occurred_at: str | None = None) -> int:
    """Mark a task done (journaled)."""
    item = get_item(binder, task_id, "task")
    if item.get("status") == "done":
        raise BadInput(f"task {item.id} is already done")
    return update_item(binder, item.id, author, reason=note, register="task",
                       occurred_at=occurred_at, status="done")


def withdraw(binder: Binder, item_id: int | str, author: SigningSession, reason: str,
             register: str | None = None, occurred_at: str | None = None) -> int:
    """Withdraw an item entered in error (it stays in the journal, marked withdrawn)."""
    item = get_item(binder, item_id, register)
    if item.withdrawn:
        raise BadInput(f"{item.label} was already withdrawn")
    if not check_text(reason or "", "reason", limit=4000).strip():
        raise BadInput("say why it is withdrawn (a reason is required)")
    return _append(binder, item.incident_id, author, item.register,
                   f"{item.label[0].upper()}{item.label[1:]} withdrawn",
                   {"action": "withdraw", "item": item.hash}, reason=reason.strip(),
                   occurred_at=occurred_at)


# ---------------------------------------------------------------- export to plain values


def item_to_dict(binder: Binder, item: Item,
                 owner_of: Callable[[Mapping[str, Any]], str] | None = None) -> dict[str, Any]:
    """An item as plain JSON values (what `--json` prints); ``owner_of`` from
    :func:`owner_namer` names task owners (read once for many items)."""
    out = {"id": item.id, "register": item.register, "incident": item.incident_id,
           "entry_sha256": item.hash, "last_entry_sha256": item.last_hash,
           "created_at": item.created_at, "created_by": item.created_by,
           "withdrawn": item.withdrawn, **item.fields,
           "history": [{"entry": c.entry_id, "sha256": c.hash, "at": c.recorded_at,
                        "by": c.author, "action": c.action, "changes": c.changes,
                        "reason": c.reason} for c in item.history]}
    if item.register == "task":
        out["owner_name"] = (owner_of or owner_namer(binder))(item.fields)
    return out


# ---------------------------------------------------------------- checking


def dangling_changes(binder: Binder, incident_id: int) -> list[Entry]:
    """Register changes of an incident that name no item of their own register."""
    _, dangling = _fold(journal.iter_entries(binder, incident_id, kinds=REGISTER_KINDS))
    return dangling
