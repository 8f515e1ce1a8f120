"""People who sign are roster contacts: enrolling one, and finding one by what is typed.

A person is one roster contact. Enrolling them gives that contact a signing key
and a certificate the binder's root signs, stating their full name and role
from the roster (and the contact's id); every screen and document shows the
name and role from that certificate. The short login is only a handle for
typing (``--as lukasz``); people are also found by their full name or their
contact id.
"""

from __future__ import annotations

import re

from binder.core import roster
from binder.core.crypto import session, signers
from binder.core.crypto.envelope import DEFAULT_KDF, KdfParams
from binder.core.crypto.signers import Signer, fold
from binder.core.errors import BadInput, NotFound
from binder.core.roster import Contact
from binder.core.storage.database import Binder

_ID_TEXT = re.compile(r"[0-9a-f-]{4,36}")


def _label(contact: Contact, role_names: dict[str, str]) -> str:
    return f"{contact.name} ({role_names.get(contact.role, contact.role)})"


def find_contact(binder: Binder, text: str) -> Contact:
    """The contact ``text`` names: its id (or first characters), its name, or enough of
    its name to tell it apart (case and accents aside). Needs the binder unlocked.

    Several fits are :class:`BadInput` listing them on one line; none is
    :class:`NotFound`.
    """
    typed = (text or "").strip()
    if not typed:
        raise BadInput("say who: give a roster contact's name or id")
    if _ID_TEXT.fullmatch(typed.lower()):
        try:
            return roster.get_contact(binder, typed)
        except NotFound:
            pass  # a name made of hex letters ("bead") is still a name
    contacts = roster.list_contacts(binder)
    names = roster.role_names(binder)
    key = fold(typed)
    exact = [c for c in contacts if fold(c.name) == key]
    words = key.split()
    fits = exact or [c for c in contacts
                     if all(any(w.startswith(t) for w in fold(c.name).split()) for t in words)]
    if len(fits) > 1:
        raise BadInput(f"{typed!r} fits {len(fits)} contacts: "
                       + ", ".join(f"{_label(c, names)} [{c.id[:8]}]" for c in fits)
                       + "; give the full name or the contact id")
    if not fits:
        raise NotFound(f"no roster contact is called {typed!r}; add them first "
                       "(`binder roster add --name NAME --role ROLE`) or see `binder roster list`")
    return fits[0]


def derive_login(name: str, taken: set[str]) -> str:
    """A short login from a full name: the first name folded ("Łukasz Wróblewski" ->
    ``lukasz``), then with the family name's initials or a number until it is free."""
    words = [re.sub(r"\W", "", w) for w in fold(name).split()]
    words = [w for w in words if w] or ["person"]
    first, rest = words[0][:24], words[1:]
    candidates = [first] + [first + "".join(w[0] for w in rest[:i]) for i in range(1, len(rest) + 1)]
    for candidate in candidates:
        if candidate.casefold() not in taken:
            return candidate
    number = 2
    while f"{first}{number}" in taken:
        number += 1
    return f"{first}{number}"


def enroll_contact(binder: Binder, contact: str, passphrase: str, *, login: str | None = None,
                   door: str | None = None, kdf: KdfParams = DEFAULT_KDF) -> Signer:
    """Give a roster contact a signing key and certificate (needs the binder unlocked).

    ``contact`` is their id or name (:func:`find_contact`); ``passphrase`` is
    their own, typed by them. The certificate states the contact's full name and
    the plan's name for their role; ``login`` defaults to one made from the name.
    With ``door`` ("CLI", "app") the enrolment is written to the access log.
    """
    person = check_can_enroll(binder, contact)
    taken = {s.person.casefold() for s in signers.list_signers(binder)}
    chosen = signers.check_not_enrolled(binder, login) if login else derive_login(person.name,
                                                                                  taken)
    role = roster.role_names(binder).get(person.role, person.role)
    signer = signers.enroll(binder, chosen, passphrase, display_name=person.name, role=role,
                            contact_id=person.id, kdf=kdf)
    if door is not None:
        session.record_access(binder, "signer", signer.person, f"enrolled ({door})")
    return signer


def check_can_enroll(binder: Binder, contact: str) -> Contact:
    """The contact, when they may enrol (before anyone types a passphrase)."""
    person = find_contact(binder, contact)
    if person.removed:
        raise BadInput(f"{person.name} was removed from the roster; add them again first")
    if person.id in roster.signer_contacts(binder):
        raise BadInput(f"{person.name} is already enrolled; each person enrolls once")
    if len(person.name) > signers.MAX_CERT_NAME:
        raise BadInput(f"{person.name[:20]!r}… is longer than {signers.MAX_CERT_NAME} characters, "
                       "more than a certificate holds; shorten the contact's name first")
    return person
