"""The binder's data key and the three ways to unlock it.

One random 256-bit data key encrypts every sensitive value. It is stored only
wrapped: by the binder passphrase (Argon2id), by a random key kept in the OS
keyring when one works, and by a one-time recovery code. A keyring that is
missing, locked or broken is an ordinary situation: we fall back to the
passphrase and never to plain text.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass

from binder.core.crypto import envelope as crypto
from binder.core.crypto.envelope import DEFAULT_KDF, KdfParams
from binder.core.errors import BadInput, CorruptEnvelope, Locked, WrongPassphrase
from binder.core.storage.database import Binder, utc_now

KEYRING_SERVICE = "incident-binder"
SLOT_PASSPHRASE, SLOT_KEYRING, SLOT_RECOVERY = "passphrase", "keyring", "recovery"
MIN_PASSPHRASE_LEN = 8
log = logging.getLogger(__name__)


def _context(binder: Binder, slot: str) -> str:
    # Binds each wrapped key to this binder and slot: a slot copied from another
    # binder, or moved between slots, does not open.
    return f"ib-datakey|{binder.uuid}|{slot}"


#: zxcvbn's score 3: more than 10^8 guesses ("safely unguessable" for an offline
#: attack on a slow hash, which is what a stolen binder faces: Argon2id at 64 MiB).
MIN_PASSPHRASE_SCORE = 3
#: zxcvbn refuses longer input; a passphrase this long is judged by its first part.
_ESTIMATOR_MAX = 72


@dataclass(frozen=True)
class PassphraseEstimate:
    """How guessable a passphrase is, by zxcvbn (Dropbox's estimator, maintained in Python).

    ``score`` 0..4; ``acceptable`` when it may protect a binder or a signing key;
    ``why`` and ``advice`` say, in words, what makes it weak and what to do.
    """

    score: int
    acceptable: bool
    why: str
    advice: str
    guesses_log10: float


def _lower_after_comma(text: str) -> str:
    # zxcvbn's advice comes as sentences; joined into one line, they read as clauses.
    return ", ".join(part[:1].lower() + part[1:] if i else part
                     for i, part in enumerate(text.split(", ")))


def estimate_passphrase(passphrase: str) -> PassphraseEstimate:
    """Estimate how many guesses ``passphrase`` would take (patterns, words, dates, keyboard)."""
    if len(passphrase) < MIN_PASSPHRASE_LEN:
        return PassphraseEstimate(
            0, False, f"it is shorter than {MIN_PASSPHRASE_LEN} characters",
            "a few unrelated words work well", 0.0)
    from zxcvbn import zxcvbn  # loaded only when a passphrase is being set

    result = zxcvbn(passphrase[:_ESTIMATOR_MAX])
    feedback = result.get("feedback") or {}
    warning = str(feedback.get("warning") or "").rstrip(".")
    suggestions = [_lower_after_comma(str(s).rstrip(".").replace(". ", ", "))
                   for s in feedback.get("suggestions") or []]
    score = int(result["score"])
    guesses = float(result["guesses_log10"])
    why = warning[:1].lower() + warning[1:] if warning else (
        f"it could be guessed in about 10^{guesses:.0f} tries")
    advice = "; ".join(s[:1].lower() + s[1:] for s in suggestions) or (
        "add another word or two; uncommon words are better")
    return PassphraseEstimate(score, score >= MIN_PASSPHRASE_SCORE, why, advice, guesses)


def check_passphrase_strength(passphrase: str) -> None:
    """Refuse a passphrase an attacker would guess, saying why (:class:`BadInput`).

    Length alone says little ("Password2024!" is long and among the first
    guesses); the estimate looks for words, names, dates, repeats and keyboard
    patterns as a guesser would.
    """
    estimate = estimate_passphrase(passphrase)
    if estimate.acceptable:
        return
    if len(passphrase) < MIN_PASSPHRASE_LEN:
        raise BadInput(
            f"the passphrase is too short: use at least {MIN_PASSPHRASE_LEN} characters "
            "(a few words work well)"
        )
    kind = "too common" if "common" in estimate.why else "too easy to guess"
    raise BadInput(f"the passphrase is {kind}: {estimate.why}; {estimate.advice}")


def setup_keys(binder: Binder, passphrase: str, *, kdf: KdfParams = DEFAULT_KDF) -> str:
    """Create the data key, wrap it by passphrase and recovery code; return the code.

    The recovery code is returned once and never stored in the clear.
    """
    check_passphrase_strength(passphrase)
    data_key = crypto.new_key()
    code = crypto.new_recovery_code()
    now = utc_now()
    with binder.write() as db:
        db["keyslot"].insert_all(
            [
                {
                    "kind": SLOT_PASSPHRASE,
                    "created_at": now,
                    "envelope": crypto.seal_with_passphrase(
                        data_key, passphrase, _context(binder, SLOT_PASSPHRASE), kdf
                    ),
                },
                {
                    "kind": SLOT_RECOVERY,
                    "created_at": now,
                    "envelope": crypto.seal_with_passphrase(
                        data_key,
                        crypto.normalize_recovery_code(code),
                        _context(binder, SLOT_RECOVERY),
                        kdf,
                    ),
                },
            ]
        )
    binder.data_key = data_key
    return code


def _slot(binder: Binder, kind: str) -> bytes | None:
    row = binder.conn.execute("SELECT envelope FROM keyslot WHERE kind = ?", (kind,)).fetchone()
    return row[0] if row else None


def has_keys(binder: Binder) -> bool:
    """True once the binder has a data key (set-up finished)."""
    return _slot(binder, SLOT_PASSPHRASE) is not None


#: The keyrings that keep secrets encrypted at rest under the user's login: Secret
#: Service (GNOME Keyring, KeePassXC...), KWallet, the macOS Keychain and the Windows
#: Credential Locker. Anything else (keyrings.alt's plain-text or file backends, the
#: null and fail backends, a third-party plug-in) is refused and never written to.
PROTECTED_KEYRINGS = frozenset({
    "keyring.backends.SecretService.Keyring",
    "keyring.backends.kwallet.DBusKeyring",
    "keyring.backends.macOS.Keyring",
    "keyring.backends.Windows.WinVaultKeyring",
})
# Backends tests may vouch for through the API (an in-memory stand-in: CI has no OS
# keyring). No setting or variable reaches this.
_VOUCHED: set[type] = set()


def vouch_for_keyring_in_tests(backend_class: type) -> None:
    """Let a test's in-memory keyring count as protected (tests only; API only)."""
    _VOUCHED.add(backend_class)


def _keyring():
    # Imported lazily: keyring's backend discovery costs time we only pay when used.
    import keyring

    return keyring


def _names(backend: object) -> set[str]:
    return {f"{cls.__module__}.{cls.__qualname__}" for cls in type(backend).__mro__}


def _protected(backend: object) -> bool:
    return bool(_names(backend) & PROTECTED_KEYRINGS) or type(backend) in _VOUCHED


def _describe(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def protected_keyring() -> tuple[object | None, str]:
    """(the OS keyring to use, "") or (None, why there is none we may use).

    A chain of backends (keyring's ChainerBackend) is looked into: the first
    protected backend in it is used, the others are never touched.
    """
    try:
        chosen = _keyring().get_keyring()
    except Exception as exc:  # noqa: BLE001 - discovery itself can fail on broken setups
        return None, f"no OS keyring could be found ({type(exc).__name__})"
    candidates = list(getattr(chosen, "backends", None) or [chosen])
    for backend in candidates:
        if _protected(backend):
            return backend, ""
    found = ", ".join(_describe(b) for b in candidates) or "none"
    return None, (
        f"no usable OS keyring on this computer: the keyring here ({found}) does not protect "
        "secrets at rest (a plain-text or file backend, or none at all); Incident Binder uses "
        "only Secret Service, KWallet, the macOS Keychain or the Windows Credential Locker, so "
        "the passphrase stays the way to unlock"
    )


def keyring_get(account: str) -> str | None:
    """Read our secret from the OS keyring; None when there is no usable, protected keyring."""
    backend, why = protected_keyring()
    if backend is None:
        log.info("OS keyring not used: %s", why)
        return None
    try:
        return backend.get_password(KEYRING_SERVICE, account)  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001 - any backend failure means "no keyring here"
        log.info("OS keyring unavailable: %s", type(exc).__name__)
        return None


def keyring_set(account: str, secret: str) -> bool:
    """Store a secret in the OS keyring; False when no usable, protected keyring exists."""
    backend, why = protected_keyring()
    if backend is None:
        log.info("OS keyring not used: %s", why)
        return False
    try:
        backend.set_password(KEYRING_SERVICE, account, secret)  # type: ignore[attr-defined]
        return backend.get_password(KEYRING_SERVICE, account) == secret  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001 - fail, null, locked or broken backends
        log.info("OS keyring unavailable: %s", type(exc).__name__)
        return False


def keyring_delete(account: str) -> None:
    """Remove our secret from the OS keyring, if a protected one can be reached."""
    backend, _ = protected_keyring()
    if backend is None:
        return
    try:
        backend.delete_password(KEYRING_SERVICE, account)  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001
        log.info("OS keyring: nothing removed (%s)", type(exc).__name__)


def unlock_with_keyring(binder: Binder) -> bool:
    """Try the OS keyring silently; True when it unlocked the binder."""
    blob = _slot(binder, SLOT_KEYRING)
    if blob is None:
        return False
    secret = keyring_get(binder.uuid)
    if not secret:
        return False
    try:
        key = base64.b64decode(secret, validate=True)
        binder.data_key = crypto.open_with_key(blob, key, _context(binder, SLOT_KEYRING))
    except (ValueError, CorruptEnvelope):
        log.info("the keyring entry for this binder no longer fits; asking for the passphrase")
        return False
    return True


def unlock_with_passphrase(binder: Binder, passphrase: str) -> None:
    """Unlock with the binder passphrase; :class:`WrongPassphrase` leaves it locked."""
    blob = _slot(binder, SLOT_PASSPHRASE)
    if blob is None:
        raise Locked("this binder has no passphrase yet; finish its set-up first")
    binder.data_key = crypto.open_with_passphrase(blob, passphrase, _context(binder, SLOT_PASSPHRASE))


def unlock_with_recovery_code(binder: Binder, code: str) -> None:
    """Unlock with the recovery code written down at creation."""
    blob = _slot(binder, SLOT_RECOVERY)
    if blob is None:
        raise Locked("this binder has no recovery code")
    try:
        binder.data_key = crypto.open_with_passphrase(
            blob, crypto.normalize_recovery_code(code), _context(binder, SLOT_RECOVERY)
        )
    except WrongPassphrase:
        raise WrongPassphrase("that recovery code does not fit this binder; check each group") from None
    # A recovery code works once: the passphrase set next (change_passphrase) also
    # replaces it, in the same transaction, and the door shows the new one.
    binder._recovery_used = True  # type: ignore[attr-defined]


def require_unlocked(binder: Binder) -> bytes:
    """The data key, or :class:`Locked` when the binder has not been unlocked."""
    if binder.data_key is None:
        raise Locked("the binder is locked: unlock it with its passphrase first")
    return binder.data_key


def change_passphrase(
    binder: Binder, new_passphrase: str, *, kdf: KdfParams = DEFAULT_KDF
) -> str | None:
    """Re-wrap the data key under a new passphrase in one transaction.

    A crash leaves either the old or the new passphrase working, never neither.
    When the binder was unlocked with its recovery code, that code is spent:
    a new one replaces it in the same transaction and is returned (show it
    once); otherwise None.
    """
    key = require_unlocked(binder)
    check_passphrase_strength(new_passphrase)
    blob = crypto.seal_with_passphrase(key, new_passphrase, _context(binder, SLOT_PASSPHRASE), kdf)
    new_code = None
    rows = [{"kind": SLOT_PASSPHRASE, "created_at": utc_now(), "envelope": blob}]
    if getattr(binder, "_recovery_used", False):
        new_code = crypto.new_recovery_code()
        rows.append({
            "kind": SLOT_RECOVERY, "created_at": utc_now(),
            "envelope": crypto.seal_with_passphrase(
                key, crypto.normalize_recovery_code(new_code), _context(binder, SLOT_RECOVERY), kdf),
        })
    with binder.write() as db:
        db["keyslot"].upsert_all(rows, pk="kind")
    binder._recovery_used = False  # type: ignore[attr-defined]
    return new_code


def rewrap_all_slots(binder: Binder, new_key: bytes, new_passphrase: str, *,
                     kdf: KdfParams = DEFAULT_KDF) -> str:
    """Wrap a NEW data key by the new passphrase and a new recovery code (inside the caller's
    transaction); the keyring slot is dropped (it wrapped the old key). Returns the new code."""
    code = crypto.new_recovery_code()
    now = utc_now()
    binder.conn.execute("DELETE FROM keyslot WHERE kind = ?", (SLOT_KEYRING,))
    binder.db["keyslot"].upsert_all([
        {"kind": SLOT_PASSPHRASE, "created_at": now, "envelope": crypto.seal_with_passphrase(
            new_key, new_passphrase, _context(binder, SLOT_PASSPHRASE), kdf)},
        {"kind": SLOT_RECOVERY, "created_at": now, "envelope": crypto.seal_with_passphrase(
            new_key, crypto.normalize_recovery_code(code), _context(binder, SLOT_RECOVERY), kdf)},
    ], pk="kind")
    return code


def remember_on_this_computer(binder: Binder) -> bool:
    """Keep an unlock key in the OS keyring; False (and nothing stored) without one."""
    key = require_unlocked(binder)
    wrap_key = crypto.new_key()
    if not keyring_set(binder.uuid, base64.b64encode(wrap_key).decode("ascii")):
        return False
    blob = crypto.seal_with_key(key, wrap_key, _context(binder, SLOT_KEYRING))
    with binder.write() as db:
        db["keyslot"].upsert(
            {"kind": SLOT_KEYRING, "created_at": utc_now(), "envelope": blob}, pk="kind"
        )
    return True


def forget_on_this_computer(binder: Binder) -> None:
    """Remove the keyring unlock: the passphrase is needed from now on."""
    with binder.write() as db:
        db.execute("DELETE FROM keyslot WHERE kind = ?", (SLOT_KEYRING,))
    keyring_delete(binder.uuid)


def is_remembered(binder: Binder) -> bool:
    """True when this binder has a keyring slot (it may still fail on another computer)."""
    return _slot(binder, SLOT_KEYRING) is not None
