"""The two-person rule: a witness is an enrolled person other than the author.

One function, used by every place that takes a witness (journal entries,
co-signatures, evidence, decisions, reports, checkpoints) and by both doors
before they ask for any passphrase. People are compared by who they are (their
enrolled login), never by how a name was typed. Plain Python, no cryptography:
the journal imports it on every command.
"""

from __future__ import annotations

import unicodedata
from typing import Protocol

from binder.core.errors import BadInput


class Person(Protocol):
    """What the rule needs of a signer or a signing session."""

    @property
    def person(self) -> str: ...  # the enrolled login

    @property
    def display_name(self) -> str: ...  # the full name


def person_key(who: Person | str) -> str:
    """Who someone is, for comparing people: their login, case and Unicode form folded.

    A string is a login already resolved (the author recorded with an entry).
    """
    login = who if isinstance(who, str) else who.person
    return unicodedata.normalize("NFC", login).strip().casefold()


def check_two_people(author: Person | str, witness: Person | str | None) -> None:
    """:class:`BadInput` when ``witness`` is the author: "alice" and "Alice Smith" are one person."""
    if witness is not None and person_key(author) == person_key(witness):
        name = witness if isinstance(witness, str) else witness.display_name
        raise BadInput(f"{name} cannot witness their own signature: a witness must be a "
                       "second person, not the author (two-person rule)")
