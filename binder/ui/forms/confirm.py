"""Signing is deliberate: before a signature, say whose certificate, which role, what it means.

21 CFR 11.50 asks that a signature show the signer's name, the time and its
meaning; 11.200 that signing be a deliberate act of the signer. The question
names all of it, from the signer's certificate, and waits for a yes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from binder.core.crypto.meanings import EXPLAINED
from binder.core.crypto.signers import SigningSession
from binder.ui import dialogs
from binder.ui.forms.digest import grouped


def confirm_signature(parent: QWidget | None, session: SigningSession, place: str,
                      meaning: str, what: str = "this report") -> bool:
    """Ask ``session``'s person to confirm signing ``what`` in ``place`` with ``meaning``."""
    stated = session.identity  # the certificate's name and role, not the editable row
    role = stated.role or "no role stated"
    return dialogs.confirm(
        parent, f"Sign as {place}?",
        f"You are about to sign {what} as {place}.\n\n"
        f"Signer: {stated.name}\n"
        f"Role on the certificate: {role}\n"
        f"Certificate fingerprint:\n{grouped(session.signer.fingerprint, upper=True)}\n"
        f"Meaning: {meaning}: {EXPLAINED.get(meaning, meaning)}.\n\n"
        "The signature carries this name, role, meaning and the time. It cannot be taken "
        "back: a later change shows as a new revision. Sign now?")
