"""Who has the binder open and who is at the keyboard: the verbs both doors call.

Unlocking, locking, signing in and the two-person rule are the same act
whether it happens on the command line or in the desktop app, so each is one
function here. Every unlock and every signer session leaves one row in the
access log (who, when, on which computer, how, through which door); a failed
attempt leaves none and changes nothing. The functions state the fact when
they refuse; each door adds its own hint (an environment variable to set, a
field to fill in).
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Callable

from binder.core.crypto import signers, vault
from binder.core.crypto.envelope import DEFAULT_KDF, KdfParams
from binder.core.crypto.meanings import (  # noqa: F401 - re-exported for the doors
    APPROVAL,
    AUTHOR,
    MEANINGS,
    REVIEW,
    WITNESS,
)
from binder.core.crypto.signers import Signer, SigningSession
from binder.core.crypto.two_person import check_two_people
from binder.core.errors import BadInput, Locked
from binder.core.storage.database import Binder, utc_now

# What a signature means (21 CFR 11.50 asks that it be recorded with the name and time):
# AUTHOR, WITNESS, REVIEW, APPROVAL, from binder.core.crypto.meanings; the access log also
# records who received evidence.
RECEIVER = "receiver"
#: What a sign-in can be for, as the access log records it.
SIGN_IN_FOR = (*MEANINGS, RECEIVER)
#: How each way of unlocking is named in the access log.
BY_KEYRING, BY_PASSPHRASE, BY_RECOVERY_CODE = "keyring", "passphrase", "recovery code"

Secret = str | Callable[[], str]


def login_name() -> str:
    """The computer account's login name, or "" when there is none (some containers)."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - getpass raises whatever the password database does
        return ""


def local_user() -> str:
    """The computer account's name, for access records made before anyone signs in."""
    return login_name() or "unknown"


def record_access(binder: Binder, kind: str, who: str, detail: str = "") -> None:
    """Write one row of the access log: the plan asks that everyone with access be noted."""
    with binder.write() as db:
        db["access_log"].insert(
            {"at": utc_now(), "kind": kind, "who": who, "host": socket.gethostname(), "detail": detail}
        )


def _reveal(secret: Secret) -> str:
    return secret() if callable(secret) else secret


# --------------------------------------------------------------------------- the binder


def unlock_binder(
    binder: Binder, *, door: str, passphrase: Secret | None = None,
    recovery_code: Secret | None = None, use_keyring: bool = True, who: str | None = None,
) -> str:
    """Unlock the binder and record who did it; returns how (``keyring``, ``passphrase``...).

    Tries the OS keyring first (silently, unless ``use_keyring`` is False), then
    the passphrase, then the recovery code. A secret may be a callable, asked
    only when the keyring did not unlock (a prompt on a terminal). ``door`` names
    the way in ("CLI", "app") in the access log; ``who`` defaults to the computer
    account. Already unlocked: returns ``"already"`` and records nothing.
    Raises :class:`WrongPassphrase` (nothing recorded, still locked) or
    :class:`Locked` when no secret was given and the keyring did not help.
    """
    if binder.unlocked:
        return "already"
    if use_keyring and vault.unlock_with_keyring(binder):
        how = BY_KEYRING
    elif passphrase is not None:
        vault.unlock_with_passphrase(binder, _reveal(passphrase))
        how = BY_PASSPHRASE
    elif recovery_code is not None:
        vault.unlock_with_recovery_code(binder, _reveal(recovery_code))
        how = BY_RECOVERY_CODE
    else:
        raise Locked("the binder is locked and its passphrase is needed")
    try:
        record_access(binder, "unlock", who or local_user(), f"{how} ({door})")
    except BaseException:
        binder.data_key = None  # an unlock nobody could record did not happen
        raise
    return how


def create_keys(binder: Binder, passphrase: str, *, door: str, who: str | None = None,
                kdf: KdfParams = DEFAULT_KDF) -> str:
    """Give a new binder its data key (it is unlocked afterwards) and record that; returns
    the recovery code, shown once."""
    code = vault.setup_keys(binder, passphrase, kdf=kdf)
    record_access(binder, "unlock", who or local_user(), f"created, passphrase set ({door})")
    return code


def recover_binder(binder: Binder, recovery_code: Secret, new_passphrase: Secret, *, door: str,
                   who: str | None = None, kdf: KdfParams = DEFAULT_KDF) -> str:
    """Unlock with the recovery code and set a new passphrase (both recorded); returns the
    NEW recovery code (the one used is spent), to be shown once.

    A new passphrase given as text is checked before the code is tried; one
    given as a callable (a prompt) is asked only once the code has worked. A
    weak one changes nothing and leaves the binder locked.
    """
    if not callable(new_passphrase):
        vault.check_passphrase_strength(new_passphrase)
    unlock_binder(binder, door=door, who=who, recovery_code=recovery_code, use_keyring=False)
    try:
        code = change_binder_passphrase(binder, _reveal(new_passphrase), door=door, who=who, kdf=kdf)
    except BaseException:
        lock_binder(binder)
        raise
    if code is None:  # pragma: no cover - unlocking with the code always spends it
        raise RuntimeError("the recovery code was not replaced")
    return code


def change_binder_passphrase(binder: Binder, new_passphrase: str, *, door: str,
                             who: str | None = None, kdf: KdfParams = DEFAULT_KDF) -> str | None:
    """Re-wrap the data key under a new passphrase (the binder must be unlocked); recorded.

    After an unlock by recovery code that code is spent: the new one is returned
    (show it once); otherwise None.
    """
    code = vault.change_passphrase(binder, new_passphrase, kdf=kdf)
    detail = "passphrase and recovery code replaced" if code else "passphrase changed"
    record_access(binder, "passphrase", who or local_user(), f"{detail} ({door})")
    return code


def remember_here(binder: Binder, *, door: str, who: str | None = None) -> bool:
    """Let this computer's OS keyring unlock the binder; False (nothing stored) without one."""
    if not vault.remember_on_this_computer(binder):
        return False
    record_access(binder, "keyring", who or local_user(), f"remembered on this computer ({door})")
    return True


def forget_here(binder: Binder, *, door: str, who: str | None = None) -> None:
    """Stop unlocking from the OS keyring: the passphrase is needed from now on."""
    vault.forget_on_this_computer(binder)
    record_access(binder, "keyring", who or local_user(), f"forgotten on this computer ({door})")


def lock_binder(binder: Binder) -> None:
    """Forget the data key and close every signer session opened on this binder.

    A session kept anywhere (a form, a timer) can no longer sign afterwards.
    """
    for session in binder.signer_sessions:
        session.close()
    binder.signer_sessions.clear()
    binder.data_key = None
    binder._recovery_used = False  # type: ignore[attr-defined]  # a later unlock starts afresh


# --------------------------------------------------------------------------- people


def sign_in(binder: Binder, person: str, passphrase: Secret | Callable[[Signer], str], *,
            door: str, meaning: str = AUTHOR) -> SigningSession:
    """Open the signing key of the person at the keyboard and record it.

    ``person`` is their login, full name or signer number (see
    :func:`binder.core.crypto.signers.get_signer`). ``passphrase`` may be a
    callable given the :class:`Signer`, so a prompt can name whose passphrase
    it asks for. ``meaning`` says what their signatures will mean (author,
    witness, receiver of evidence, approval). Raises :class:`NotFound` for nobody of that name and
    :class:`WrongPassphrase` (nothing recorded) for a wrong passphrase.
    """
    if meaning not in SIGN_IN_FOR:
        raise BadInput(f"unknown signature meaning {meaning!r}; use one of "
                       f"{', '.join(SIGN_IN_FOR)}")
    signer = signers.get_signer(binder, person)
    secret = passphrase(signer) if callable(passphrase) else passphrase
    session = signers.open_session(binder, signer.person, secret)
    record_access(binder, "signer", signer.person, f"{meaning} ({door})")
    binder.signer_sessions.append(session)
    return session


def two_people(binder: Binder, author: str, witness: str | None) -> tuple[Signer, Signer | None]:
    """Resolve the author and the witness as typed and apply the two-person rule
    (:func:`binder.core.crypto.two_person.check_two_people`).

    Doors call this before asking for any passphrase: naming the same person
    twice is bad input, not a wrong passphrase.
    """
    first = signers.get_signer(binder, author)
    second = signers.get_signer(binder, witness) if witness is not None else None
    check_two_people(first, second)
    return first, second


def holds_certificate(binder: Binder, kept: SigningSession) -> bool:
    """True when ``kept`` signs with the certificate this binder holds for its person now
    (a session kept from another binder, or from before a re-enrolment, does not)."""
    current = signers.find_signer(binder, kept.person)
    return current is not None and current.fingerprint == kept.signer.fingerprint
