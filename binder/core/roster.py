"""The encrypted contact roster: who to call, in which order, for every role.

Each contact is a stable id plus append-only revisions. Sensitive fields
(name, email, phone, IM, notes, SLA / contract reference) are stored only as
AES-256-GCM ciphertext, sealed as :mod:`binder.core.roster_seal` describes;
role and escalation order stay in clear so a call sheet can be ordered without
the key. Searching happens on decrypted values in memory; nothing derived from
them is written anywhere. Rotating the data key is :mod:`binder.core.key_rotation`.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid as uuidlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from binder.core.crypto import vault
from binder.core.errors import BadInput, NotFound
from binder.core.roster_seal import (
    AAD_VERSION,
    COLUMNS,
    LABELS,
    SENSITIVE,
    TABLE,
    Link,
    check_roster_seal,
    clear_binding,
    current_key_version,
    links_for,
    seal_value,
    unseal_value,
    write_head,
)
from binder.core.storage.database import Binder, utc_now

if TYPE_CHECKING:
    from binder.core.plan.format import Plan

MAX_ESCALATION = 99
LIMITS = {"name": 200, "email": 254, "phone": 64, "im": 200, "notes": 4000, "sla": 1000}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_PHONE_CHARS = re.compile(r"^[0-9+()./#*,; xXeEtT-]+$")


@dataclass(frozen=True)
class Contact:
    """One revision of a contact, decrypted. ``removed`` marks a removal revision."""

    id: str
    revision: int
    role: str
    escalation: int
    external: bool
    name: str
    email: str
    phone: str
    im: str
    notes: str
    sla: str
    recorded_at: str
    removed: bool

    def matches(self, needle: str) -> bool:
        """True when ``needle`` (already case-folded) appears in any field."""
        fields = (self.role, self.name, self.email, self.phone, self.im, self.notes, self.sla)
        return any(needle in value.casefold() for value in fields)


@dataclass(frozen=True)
class CallSheetGroup:
    """The contacts for one role, in escalation order (first to call first)."""

    role: str
    role_name: str
    external: bool
    contacts: tuple[Contact, ...]


# ---------------------------------------------------------------- validation


def _clean_text(value: str, field: str, *, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise BadInput(f"the {LABELS[field]} must be text")
    value = unicodedata.normalize("NFC", value).strip()
    if len(value) > LIMITS[field]:
        raise BadInput(f"the {LABELS[field]} is longer than {LIMITS[field]} characters; shorten it")
    allowed = "\n\t" if multiline else ""
    for ch in value:
        if ch in allowed:
            continue
        if unicodedata.category(ch) == "Cs":
            # Not text at all (only a broken decoder makes one); it could not be encrypted.
            raise BadInput(f"the {LABELS[field]} contains an unpaired surrogate "
                           f"(U+{ord(ch):04X}), which is not valid text; type it again")
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            raise BadInput(
                f"the {LABELS[field]} contains a control character (U+{ord(ch):04X}); remove it"
            )
    return value


def _clean_email(value: str) -> str:
    value = _clean_text(value, "email")
    # The value itself stays out of the message: messages can end up in logs.
    if value and not _EMAIL.match(value):
        raise BadInput("the email is not an address like name@example.com; check it")
    return value


def _clean_phone(value: str) -> str:
    value = _clean_text(value, "phone")
    if value and (not _PHONE_CHARS.match(value) or sum(c.isdigit() for c in value) < 3):
        raise BadInput(
            "the phone number should hold digits, spaces, + - ( ) and an optional 'ext'; check it"
        )
    return value


def _clean_escalation(value: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadInput("the escalation order must be a whole number (1 = call first)") from None
    if isinstance(value, float) and value != number:
        raise BadInput("the escalation order must be a whole number (1 = call first)")
    if not 1 <= number <= MAX_ESCALATION:
        raise BadInput(f"the escalation order must be between 1 and {MAX_ESCALATION} (1 = call first)")
    return number


def _current_plan(binder: Binder) -> Plan:
    from binder.core.plan import revisions as plans

    try:
        return plans.current_revision(binder).plan
    except NotFound:
        raise BadInput("this binder has no plan yet, so it has no roles; import a plan first") from None


def _role_token(text: str) -> str:
    # "Communications/PR", "communications / pr" and "law-enforcement" all count as typed right.
    return "".join(text.split()).casefold().replace("-", "_")


def resolve_role(plan: Plan, role: str):
    """The plan's Role for a key (``lead``) or a name (``Incident Lead``), any case."""
    if not isinstance(role, str) or not role.strip():
        raise BadInput("the role is empty; give a role from the plan (e.g. 'Incident Lead')")
    wanted = _role_token(role)
    for candidate in plan.roles:
        if wanted in (_role_token(candidate.key), _role_token(candidate.name)):
            return candidate
    choices = ", ".join(f"{r.key} ({r.name})" for r in plan.roles) or "none"
    shown = role.strip()[:60]
    raise BadInput(f"unknown role {shown!r}; the plan's roles are: {choices}")


def _decrypt_row(key: bytes, row: tuple, links: dict[tuple[Any, Any], Link]) -> Contact:
    (contact_id, revision, recorded_at, role, escalation, external, removed, key_version,
     aad_version) = row[:9]
    link = links.get((contact_id, revision), Link("", ""))
    binding = clear_binding(role, escalation, external, removed, link.prev)
    values = {
        column: unseal_value(key, column, blob, contact_id, revision, key_version, aad_version, binding)
        for column, blob in zip(SENSITIVE, row[9:], strict=True)
    }
    return Contact(
        id=contact_id,
        revision=revision,
        role=role,
        escalation=escalation,
        external=bool(external),
        recorded_at=recorded_at,
        removed=bool(removed),
        **values,
    )


def _insert_revision(binder: Binder, key: bytes, contact: Contact) -> None:
    with binder.write() as db:
        check_roster_seal(binder, key)
        row: dict[str, Any] = {
            "contact_id": contact.id,
            "revision": contact.revision,
            "recorded_at": contact.recorded_at,
            "role": contact.role,
            "escalation": contact.escalation,
            "external": int(contact.external),
            "removed": int(contact.removed),
            "key_version": current_key_version(binder),
            "aad_version": AAD_VERSION,
        }
        prev = ""
        if contact.revision > 1:
            prev = links_for(binder)[(contact.id, contact.revision - 1)].digest
        binding = clear_binding(row["role"], row["escalation"], row["external"], row["removed"], prev)
        for column in SENSITIVE:
            row[column] = seal_value(key, column, getattr(contact, column), contact.id,
                                contact.revision, binding, row["key_version"])
        db[TABLE].insert(row)
        write_head(binder, key)


#: What a contacts file (`roster add --from-json`) may hold for each contact.
CONTACT_FIELDS = ("name", "role", "email", "phone", "im", "escalation", "notes", "sla", "external")
MAX_CONTACTS_FILE = 4 * 1024 * 1024


def parse_contacts_json(data: bytes, source: str) -> list[dict[str, Any]]:
    """Contacts from JSON: one object, or a list of them (:class:`BadInput` naming the place).

    Used so that contact values never have to appear on a command line (where
    other users see them in the process list and shells keep them in history).
    """
    from binder.core.storage.depth import json_depth

    if len(data) > MAX_CONTACTS_FILE:
        raise BadInput(f"{source} is larger than {MAX_CONTACTS_FILE // (1 << 20)} MiB, too large "
                       "for a contacts file; nothing was added")
    if json_depth(data) > 3:
        raise BadInput(f"{source} nests too deeply: give one contact object or a list of them; "
                       "nothing was added")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadInput(f"{source} is not JSON ({getattr(exc, 'msg', 'not UTF-8')}); nothing was "
                       "added") from None
    items = doc if isinstance(doc, list) else [doc]
    if not items:
        raise BadInput(f"{source} holds no contacts; nothing was added")
    out = []
    for number, item in enumerate(items, start=1):
        where = f"{source}, contact {number}"
        if not isinstance(item, dict):
            raise BadInput(f"{where}: expected an object with \"name\" and \"role\"; nothing was added")
        unknown = sorted(set(item) - set(CONTACT_FIELDS))
        if unknown:
            raise BadInput(f"{where}: unknown field {unknown[0]!r} (allowed: "
                           f"{', '.join(CONTACT_FIELDS)}); nothing was added")
        for key in ("name", "role"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise BadInput(f"{where}: \"{key}\" is missing or empty; nothing was added")
        for key in ("email", "phone", "im", "notes", "sla"):
            if not isinstance(item.get(key, ""), str):
                raise BadInput(f"{where}: \"{key}\" must be text; nothing was added")
        if "escalation" in item and (not isinstance(item["escalation"], int)
                                     or isinstance(item["escalation"], bool)):
            raise BadInput(f"{where}: \"escalation\" must be a whole number; nothing was added")
        if "external" in item and not isinstance(item["external"], bool):
            raise BadInput(f"{where}: \"external\" must be true or false; nothing was added")
        out.append(item)
    return out


def add_contacts(binder: Binder, records: list[dict[str, Any]]) -> list[str]:
    """Add several contacts in one transaction (all or none); returns their ids in order."""
    ids: list[str] = []
    with binder.write():
        for number, record in enumerate(records, start=1):
            try:
                ids.append(add_contact(
                    binder, role=record["role"], name=record["name"],
                    email=record.get("email", ""), phone=record.get("phone", ""),
                    im=record.get("im", ""), escalation=record.get("escalation", 1),
                    notes=record.get("notes", ""), sla=record.get("sla", ""),
                    external=record.get("external"),
                ))
            except BadInput as exc:
                raise BadInput(f"contact {number}: {exc}; nothing was added") from None
    return ids


# ---------------------------------------------------------------- signers are contacts


def _key(binder: Binder) -> bytes:
    """The data key (:class:`~binder.core.errors.Locked` without it), once every signer
    has a contact: the roster's first unlocked use after an upgrade links them."""
    key = _unlocked_and_sealed(binder)
    if binder.conn.execute(
            "SELECT 1 FROM signer WHERE id NOT IN (SELECT signer_id FROM signer_contact) LIMIT 1"
    ).fetchone():
        adopt_signers(binder)
    return key


def adopt_signers(binder: Binder) -> list[tuple[str, str, str]]:
    """Give every signer enrolled before signers were contacts a roster contact.

    A signer whose full name a contact already has (case and accents aside; one
    not linked to anyone else, the same role first) is linked to it; anyone
    else gets a new contact with their name and role. All in one transaction,
    so a crash leaves every old signer linked or none. Needs the binder
    unlocked (writing a contact encrypts its name). Returns (login, contact
    id, how) per signer linked.
    """
    from binder.core.crypto.signers import fold

    key = _unlocked_and_sealed(binder)
    waiting = binder.conn.execute(
        """SELECT id, person, display_name, role FROM signer
           WHERE id NOT IN (SELECT signer_id FROM signer_contact) ORDER BY id""").fetchall()
    if not waiting:
        return []
    try:
        plan = _current_plan(binder)
    except BadInput:
        plan = None
    rows = binder.conn.execute(
        f"""SELECT {COLUMNS} FROM {TABLE} r
            WHERE revision = (SELECT max(revision) FROM {TABLE} WHERE contact_id = r.contact_id)
              AND removed = 0 ORDER BY contact_id""").fetchall()
    links = links_for(binder)
    contacts = [_decrypt_row(key, row, links) for row in rows]
    taken = {cid for (cid,) in binder.conn.execute("SELECT contact_id FROM signer_contact")}
    done = []
    with binder.write() as db:
        for signer_id, login, name, role_text in waiting:
            role_key = role_text or "unassigned"
            external = False
            if plan is not None:
                try:
                    role = resolve_role(plan, role_text)
                    role_key, external = role.key, bool(role.external)
                except BadInput:
                    pass
            same = [c for c in contacts if c.id not in taken and fold(c.name) == fold(name)]
            same.sort(key=lambda c: (c.role != role_key, c.escalation, c.id))
            if same:
                contact_id, how = same[0].id, "matched"
            else:
                contact = Contact(
                    id=str(uuidlib.uuid4()), revision=1, role=role_key, escalation=1,
                    external=external, name=name, email="", phone="", im="",
                    notes=f"Made for signer {login}, enrolled before signers were contacts",
                    sla="", recorded_at=utc_now(), removed=False)
                db["contact"].insert({"id": contact.id, "created_at": contact.recorded_at})
                _insert_revision(binder, key, contact)
                contact_id, how = contact.id, "created"
            taken.add(contact_id)
            db["signer_contact"].insert({"signer_id": signer_id, "contact_id": contact_id,
                                         "linked_at": utc_now(), "how": how})
            done.append((login, contact_id, how))
    return done


def signer_contacts(binder: Binder) -> dict[str, int]:
    """contact id -> signer number, for every contact who may sign."""
    return {cid: sid for sid, cid in binder.conn.execute(
        "SELECT signer_id, contact_id FROM signer_contact")}


# ---------------------------------------------------------------- public API


def resolve_contact_id(binder: Binder, text: str) -> str:
    """A contact id from its full form or a unique prefix (at least 4 characters)."""
    needle = (text or "").strip().lower()
    if len(needle) < 4 or not re.fullmatch(r"[0-9a-f-]+", needle):
        raise BadInput("a contact id is the hex id shown by `binder roster list` (at least 4 characters)")
    rows = binder.conn.execute(
        "SELECT id FROM contact WHERE id = ? OR id LIKE ? ESCAPE '\\' LIMIT 2",
        (needle, needle.replace("_", "\\_").replace("%", "\\%") + "%"),
    ).fetchall()
    if not rows:
        raise NotFound(f"there is no contact {needle}; `binder roster list --all` shows every id")
    exact = [r[0] for r in rows if r[0] == needle]
    if exact:
        return exact[0]
    if len(rows) > 1:
        raise BadInput(f"the id {needle} fits several contacts; give more characters")
    return rows[0][0]


def add_contact(
    binder: Binder,
    *,
    role: str,
    name: str,
    email: str = "",
    phone: str = "",
    im: str = "",
    escalation: int = 1,
    notes: str = "",
    sla: str = "",
    external: bool | None = None,
) -> str:
    """Add a contact (needs the binder unlocked); returns the new contact id.

    ``external`` defaults to what the plan says about the role.
    """
    key = _key(binder)
    role_obj = resolve_role(_current_plan(binder), role)
    clean_name = _clean_text(name, "name")
    if not clean_name:
        raise BadInput("the contact's name is empty; give a name (a person or a service desk)")
    contact = Contact(
        id=str(uuidlib.uuid4()),
        revision=1,
        role=role_obj.key,
        escalation=_clean_escalation(escalation),
        external=bool(role_obj.external if external is None else external),
        name=clean_name,
        email=_clean_email(email),
        phone=_clean_phone(phone),
        im=_clean_text(im, "im"),
        notes=_clean_text(notes, "notes", multiline=True),
        sla=_clean_text(sla, "sla", multiline=True),
        recorded_at=utc_now(),
        removed=False,
    )
    with binder.write() as db:
        db["contact"].insert({"id": contact.id, "created_at": contact.recorded_at})
        _insert_revision(binder, key, contact)
    return contact.id


def _latest_row(binder: Binder, contact_id: str) -> tuple:
    row = binder.conn.execute(
        f"SELECT {COLUMNS} FROM {TABLE} WHERE contact_id = ? ORDER BY revision DESC LIMIT 1",
        (contact_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"there is no contact {contact_id}")
    return row


def _unlocked_and_sealed(binder: Binder) -> bytes:
    key = vault.require_unlocked(binder)
    check_roster_seal(binder, key)
    return key


def get_contact(binder: Binder, contact_id: str) -> Contact:
    """The latest revision of one contact (decrypted; needs the binder unlocked)."""
    key = _key(binder)
    return _decrypt_row(key, _latest_row(binder, resolve_contact_id(binder, contact_id)),
                        links_for(binder))


def edit_contact(
    binder: Binder,
    contact_id: str,
    *,
    role: str | None = None,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    im: str | None = None,
    escalation: int | None = None,
    notes: str | None = None,
    sla: str | None = None,
    external: bool | None = None,
) -> int:
    """Record a new revision with the given fields changed (None = unchanged).

    Returns the new revision number. Earlier revisions stay in the history.
    """
    key = _key(binder)
    current = get_contact(binder, contact_id)
    if current.removed:
        raise BadInput(f"contact {current.id} was removed; add a new contact instead")
    changes: dict[str, object] = {}
    if role is not None:
        role_obj = resolve_role(_current_plan(binder), role)
        changes["role"] = role_obj.key
        if external is None and role_obj.key != current.role:
            changes["external"] = bool(role_obj.external)
    if name is not None:
        changes["name"] = _clean_text(name, "name")
        if not changes["name"]:
            raise BadInput("the contact's name cannot be emptied; remove the contact instead")
    if email is not None:
        changes["email"] = _clean_email(email)
    if phone is not None:
        changes["phone"] = _clean_phone(phone)
    if im is not None:
        changes["im"] = _clean_text(im, "im")
    if escalation is not None:
        changes["escalation"] = _clean_escalation(escalation)
    if notes is not None:
        changes["notes"] = _clean_text(notes, "notes", multiline=True)
    if sla is not None:
        changes["sla"] = _clean_text(sla, "sla", multiline=True)
    if external is not None:
        changes["external"] = bool(external)
    updated = replace(current, revision=current.revision + 1, recorded_at=utc_now(), **changes)
    if all(getattr(updated, f) == getattr(current, f) for f in changes):
        raise BadInput("nothing to change: every given value equals the current one")
    _insert_revision(binder, key, updated)
    return updated.revision


def remove_contact(binder: Binder, contact_id: str) -> int:
    """Remove a contact from the roster; its earlier revisions stay as history.

    Returns the number of the removal revision.
    """
    key = _key(binder)
    current = get_contact(binder, contact_id)
    if current.removed:
        raise BadInput(f"contact {current.id} is already removed")
    removal = replace(current, revision=current.revision + 1, recorded_at=utc_now(), removed=True)
    _insert_revision(binder, key, removal)
    return removal.revision


def _role_order(plan: Plan | None) -> dict[str, int]:
    return {r.key: i for i, r in enumerate(plan.roles)} if plan is not None else {}


def _sort_key(order: dict[str, int]):
    def key(c: Contact) -> tuple:
        return (order.get(c.role, len(order)), c.role, c.escalation, c.name.casefold(), c.id)

    return key


def list_contacts(binder: Binder, include_removed: bool = False) -> list[Contact]:
    """The latest revision of every contact, decrypted, by role (plan order) then escalation.

    Raises :class:`~binder.core.errors.Locked` when the binder is locked.
    """
    key = _key(binder)
    rows = binder.conn.execute(
        f"""SELECT {COLUMNS} FROM {TABLE} r
            WHERE revision = (SELECT max(revision) FROM {TABLE} WHERE contact_id = r.contact_id)"""
        + ("" if include_removed else " AND removed = 0")
    ).fetchall()
    links = links_for(binder)
    contacts = [_decrypt_row(key, row, links) for row in rows]
    from binder.core.plan import revisions as plans

    try:
        plan = plans.current_revision(binder).plan
    except NotFound:
        plan = None
    return sorted(contacts, key=_sort_key(_role_order(plan)))


def call_sheet(binder: Binder, plan: Plan | None = None) -> list[CallSheetGroup]:
    """Who to call, per role in the plan's order, each role's contacts by escalation.

    Every plan role appears (an empty group shows a gap to fill); contacts whose
    role is not in the plan come last under their role key.
    """
    if plan is None:
        plan = _current_plan(binder)
    contacts = list_contacts(binder)
    by_role: dict[str, list[Contact]] = {}
    for c in contacts:
        by_role.setdefault(c.role, []).append(c)
    order = _sort_key(_role_order(plan))
    groups = [
        CallSheetGroup(r.key, r.name, bool(r.external), tuple(sorted(by_role.pop(r.key, []), key=order)))
        for r in plan.roles
    ]
    for role_key in sorted(by_role):
        members = tuple(sorted(by_role[role_key], key=order))
        groups.append(CallSheetGroup(role_key, role_key, any(c.external for c in members), members))
    return groups


def contact_history(binder: Binder, contact_id: str) -> list[Contact]:
    """Every revision of one contact, oldest first (decrypted; needs the binder unlocked)."""
    key = _key(binder)
    cid = resolve_contact_id(binder, contact_id)
    rows = binder.conn.execute(
        f"SELECT {COLUMNS} FROM {TABLE} WHERE contact_id = ? ORDER BY revision", (cid,)
    ).fetchall()
    links = links_for(binder)
    return [_decrypt_row(key, row, links) for row in rows]


def search(binder: Binder, query: str, include_removed: bool = False) -> list[Contact]:
    """Contacts with ``query`` in any field (case-insensitive), searched in memory only."""
    needle = " ".join((query or "").split()).casefold()
    contacts = list_contacts(binder, include_removed=include_removed)
    if not needle:
        return contacts
    names = {k: v.casefold() for k, v in role_names(binder).items()}
    return [c for c in contacts if c.matches(needle) or needle in names.get(c.role, "")]


def role_names(binder: Binder) -> dict[str, str]:
    """Role key -> display name from the current plan (empty without a plan)."""
    from binder.core.plan import revisions as plans

    try:
        return {r.key: r.name for r in plans.current_revision(binder).plan.roles}
    except NotFound:
        return {}
