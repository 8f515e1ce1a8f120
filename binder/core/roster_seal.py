"""How roster revisions are sealed, so that an edit of the file is an error, not an answer.

Every sensitive cell of a contact revision is AES-256-GCM ciphertext whose
associated data names the table, column, row (``contact_id/revision``) and key
version, so a ciphertext copied into another row or column does not decrypt.
Clear fields and history are bound too, so that someone without the key who
edits the file gets an error, not a quietly different answer:
* The associated data of every cell of a revision (``aad_version`` 2) also
  names the revision's role, escalation order, external and removed flags and
  the digest of the revision before it (:func:`row_digest`, a hash chain over
  the clear fields of the contact's whole history). Moving a contact down the
  ladder, hiding it, or changing an earlier revision makes its values stop
  decrypting.
* Which revision of each contact is the newest is kept in ``roster_head``: a
  listing of (contact, newest revision, its digest) under an HMAC keyed by the
  data key. Deleting the newest revision (rolling a phone number back), a whole
  contact, or adding one outside the app no longer matches the listing.

Binders written before this (``aad_version`` 1) keep their old revisions as
they are. Re-sealing them would mean rewriting history rows (the append-only
triggers refuse it, and rightly: a rewrite is exactly what we want to detect),
and a migration cannot do it anyway because it runs before the binder is
unlocked. So the associated data is versioned per row, and the head, which
also covers the clear fields of old revisions through their digests, is
written in one transaction at the first unlocked read after the upgrade. That
first read trusts what it finds (an older binder offered no more); from then on
every change is caught.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from binder.core.crypto import envelope as crypto
from binder.core.errors import CorruptEnvelope
from binder.core.storage.database import Binder, utc_now

TABLE = "contact_revision"
SENSITIVE = ("name", "email", "phone", "im", "notes", "sla")
KEY_VERSION = 1
#: How new revisions are sealed: 2 binds the clear fields and the previous revision.
AAD_VERSION = 2
#: How a sensitive column is named in messages.
LABELS = {
    "name": "name",
    "email": "email",
    "phone": "phone number",
    "im": "IM handle",
    "notes": "notes",
    "sla": "SLA / contract reference",
}
# Ciphertext length would otherwise reveal each value's exact length (a short
# phone number vs. a long one); padding to a block hides all but the rough size.
_PAD_BLOCK = 32


def _row(contact_id: str, revision: int) -> str:
    return f"{contact_id}/{revision}"


def clear_binding(role: Any, escalation: Any, external: Any, removed: Any, prev: str) -> str:
    # repr: a number stored as text, or text as a number, is a different binding.
    return f"role={role!r}|esc={escalation!r}|ext={external!r}|rm={removed!r}|prev={prev}"


def row_digest(contact_id: Any, revision: Any, role: Any, escalation: Any, external: Any,
               removed: Any, prev: str) -> str:
    """The digest of one revision's clear fields and of the chain before it (key-free).

    ``prev`` is the digest of the contact's previous revision ("" for the first).
    """
    text = f"ib-contact|{contact_id!r}/{revision!r}|{clear_binding(role, escalation, external, removed, prev)}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _aad(column: str, contact_id: str, revision: int, key_version: int, aad_version: int,
         binding: str) -> bytes:
    base = crypto.value_aad(TABLE, column, _row(contact_id, revision), key_version)
    if aad_version == 1:
        return base  # grandfathered: sealed before clear fields were bound
    return base + f"|b{aad_version}|{binding}".encode("utf-8", "surrogatepass")


def seal_value(key: bytes, column: str, value: str, contact_id: str, revision: int, binding: str,
          key_version: int = KEY_VERSION, aad_version: int = AAD_VERSION) -> bytes:
    raw = value.encode("utf-8")
    # NUL is refused in every field (a control character), so trailing NULs are only padding.
    padded = value + "\0" * (-len(raw) % _PAD_BLOCK or (_PAD_BLOCK if not raw else 0))
    return crypto.encrypt_value(
        key, padded, _aad(column, contact_id, revision, key_version, aad_version, binding),
        key_version,
    )


def unseal_value(key: bytes, column: str, blob: bytes | None, contact_id: str, revision: int,
            key_version: int, aad_version: int, binding: str) -> str:
    if blob is None:
        return ""
    try:
        if not isinstance(blob, bytes):
            raise TypeError("not a BLOB")
        plain = crypto.decrypt_value(
            key, blob, _aad(column, contact_id, revision, key_version, aad_version, binding)
        )
    except (CorruptEnvelope, TypeError, ValueError):
        raise CorruptEnvelope(
            f"the {LABELS[column]} of contact {contact_id} (revision {revision}) does not decrypt: "
            "it was moved from another row, or this revision's role, escalation order, removed "
            "flag or history was altered; restore the binder from a backup"
        ) from None
    return plain.rstrip("\0")


_CLEAR = "contact_id, revision, recorded_at, role, escalation, external, removed, key_version, aad_version"
COLUMNS = _CLEAR + ", " + ", ".join(SENSITIVE)


@dataclass(frozen=True)
class Link:
    prev: str
    digest: str


def chain(rows: Iterable[tuple]) -> dict[tuple[Any, Any], Link]:
    """(contact, revision) -> its place in its contact's hash chain, from clear columns only.

    ``rows`` are (contact_id, revision, role, escalation, external, removed).
    """
    by_contact: dict[Any, list[tuple]] = {}
    for row in rows:
        by_contact.setdefault(row[0], []).append(row)
    links: dict[tuple[Any, Any], Link] = {}
    for contact_rows in by_contact.values():
        prev = ""
        for cid, revision, role, escalation, external, removed in sorted(
            contact_rows, key=lambda r: (not isinstance(r[1], int), r[1] if isinstance(r[1], int) else 0)
        ):
            digest = row_digest(cid, revision, role, escalation, external, removed, prev)
            links[(cid, revision)] = Link(prev, digest)
            prev = digest
    return links


def _clear_rows(binder: Binder) -> list[tuple]:
    return binder.conn.execute(
        f"SELECT contact_id, revision, role, escalation, external, removed FROM {TABLE}"
    ).fetchall()


def current_listing(binder: Binder) -> dict[str, Any]:
    """What the roster head must say: every contact's newest revision and its digest."""
    rows = _clear_rows(binder)
    links = chain(rows)
    newest: dict[Any, Any] = {}
    for cid, revision, *_ in rows:
        if isinstance(revision, int) and (cid not in newest or revision > newest[cid]):
            newest[cid] = revision
    contacts = sorted([str(cid), rev, links[(cid, rev)].digest] for cid, rev in newest.items())
    return {"binder": binder.uuid, "contacts": contacts}


def _listing_bytes(listing: dict[str, Any]) -> bytes:
    return json.dumps(listing, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _head_key(key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ib-roster-head").derive(key)


def write_head(binder: Binder, key: bytes) -> None:
    body = _listing_bytes(current_listing(binder))
    mac = hmac.new(_head_key(key), body, hashlib.sha256).digest()
    binder.conn.execute(
        "INSERT INTO roster_head (id, updated_at, listing, mac) VALUES (1, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, "
        "listing = excluded.listing, mac = excluded.mac",
        (utc_now(), body.decode("utf-8"), mac),
    )


def listing_differences(stored: Any, now: dict[str, Any]) -> list[str]:
    """How the roster differs from the listing its head holds, in words (key-free)."""
    if not isinstance(stored, dict) or not isinstance(stored.get("contacts"), list):
        return ["the roster's seal is damaged (not a listing)"]
    problems = []
    if stored.get("binder") != now["binder"]:
        problems.append("the roster was sealed in another binder")
    then: dict[str, tuple[Any, Any]] = {}
    for item in stored["contacts"]:
        if isinstance(item, list) and len(item) == 3:
            then[str(item[0])] = (item[1], item[2])
    here = {cid: (rev, digest) for cid, rev, digest in now["contacts"]}
    for cid, (rev, digest) in then.items():
        if cid not in here:
            problems.append(f"contact {cid} is gone (deleted outside the app)")
        elif here[cid][0] != rev:
            problems.append(
                f"contact {cid}: its newest revision is {rev!r}, but the roster now holds up to "
                f"revision {here[cid][0]} (a revision was deleted or added outside the app)"
            )
        elif here[cid][1] != digest:
            problems.append(
                f"contact {cid}: its role, escalation order, removed flag or history was changed "
                "outside the app"
            )
    for cid in here:
        if cid not in then:
            problems.append(f"contact {cid} was added outside the app")
    return problems


def gap_problems(binder: Binder) -> list[str]:
    """Contacts whose revisions are not numbered 1, 2, 3... (key-free)."""
    numbers: dict[Any, list[Any]] = {}
    for cid, revision in binder.conn.execute(f"SELECT contact_id, revision FROM {TABLE}"):
        numbers.setdefault(cid, []).append(revision)
    problems = []
    for cid, seen in numbers.items():
        ints = sorted(n for n in seen if isinstance(n, int) and not isinstance(n, bool))
        if len(ints) != len(seen) or ints != list(range(1, len(ints) + 1)):
            problems.append(f"contact {cid}: its revisions are not numbered 1, 2, 3... "
                            "(one was deleted or renumbered outside the app)")
    return problems


def has_sealed_revisions(binder: Binder) -> bool:
    """True when some revision was sealed with its clear fields bound, so the roster must
    have a head (key-free): a binder without one lost it, rather than predating it."""
    return binder.conn.execute(
        f"SELECT 1 FROM {TABLE} WHERE aad_version IS NOT 1 LIMIT 1").fetchone() is not None


def check_roster_seal(binder: Binder, key: bytes) -> None:
    """Refuse to read or write a roster changed outside the app (:class:`CorruptEnvelope`).

    The first unlocked read of a binder from before the head existed writes it.
    """
    row = binder.conn.execute("SELECT listing, mac FROM roster_head WHERE id = 1").fetchone()
    if row is None:
        if has_sealed_revisions(binder):
            raise CorruptEnvelope(
                "the roster's seal (which revision of each contact is the newest) is gone: "
                "it was deleted outside the app; restore the binder from a backup"
            )
        problems = gap_problems(binder)
        if problems:
            raise CorruptEnvelope(f"the roster was changed outside the app: {problems[0]}; "
                                  "restore the binder from a backup")
        with binder.write():
            write_head(binder, key)
        return
    listing_text, mac = row
    body = listing_text.encode("utf-8", "surrogatepass") if isinstance(listing_text, str) else b""
    expected = hmac.new(_head_key(key), body, hashlib.sha256).digest()
    if not isinstance(mac, bytes) or not hmac.compare_digest(expected, mac):
        raise CorruptEnvelope(
            "the roster's seal was altered outside the app (its MAC does not match); restore the "
            "binder from a backup"
        )
    try:
        stored = json.loads(body)
    except ValueError:
        stored = None
    problems = listing_differences(stored, current_listing(binder)) + gap_problems(binder)
    if problems:
        raise CorruptEnvelope(f"the roster was changed outside the app: {problems[0]}; "
                              "restore the binder from a backup")


def links_for(binder: Binder) -> dict[tuple[Any, Any], Link]:
    return chain(_clear_rows(binder))


def current_key_version(binder: Binder) -> int:
    """The version of the data key now in use (1 until the first rotation)."""
    value = binder.meta("key_version")
    return int(value) if value and value.isdigit() else KEY_VERSION
