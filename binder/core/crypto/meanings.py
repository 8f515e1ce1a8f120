"""What a signature means, recorded inside what is signed (21 CFR 11.50 (a)(3)).

21 CFR Part 11, section 11.50, asks that every electronic signature show the
signer's printed name, the date and time, and its meaning (such as review,
approval, responsibility or authorship) wherever it is shown. Plain Python,
no cryptography: the journal imports it on every command.
"""

from __future__ import annotations

from binder.core.errors import BadInput

AUTHOR, WITNESS, REVIEW, APPROVAL = "author", "witness", "review", "approval"
#: Every meaning a signature can have.
MEANINGS = (AUTHOR, WITNESS, REVIEW, APPROVAL)
#: What a second signature over an entry can mean (the author's own is always "author").
COSIGN_MEANINGS = (WITNESS, REVIEW, APPROVAL)
#: What each meaning says in a sentence: "signed as author: wrote this and answers for it".
EXPLAINED = {
    AUTHOR: "wrote this and answers for it",
    WITNESS: "saw it done or said, and attests it",
    REVIEW: "read it and checked it",
    APPROVAL: "approves it",
}


def check_meaning(meaning: str, allowed: tuple[str, ...] = MEANINGS) -> str:
    """``meaning`` when it is one of ``allowed``; :class:`BadInput` naming them otherwise."""
    if meaning not in allowed:
        raise BadInput(f"unknown signature meaning {meaning!r}; use one of {', '.join(allowed)}")
    return meaning
