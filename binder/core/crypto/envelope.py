"""Versioned envelopes and the primitives under them.

Two formats, both starting with a version byte so a future format can be told
apart from damage:

* **Key envelope** (wrapped data keys, signer private keys, the root key)::

      b"IBK" | version (1) | kdf id (1) | kdf params | salt len (1) | salt | ct len (u32) | nonce (12) | ciphertext+tag

  kdf id 0 = a raw 256-bit key (OS keyring, data key), 1 = Argon2id
  (u32 memory KiB, u32 iterations, u8 lanes), 2 = scrypt (u8 log2 n, u8 r, u8 p).
  Everything before the nonce, plus a caller-chosen context label, is the
  AES-GCM associated data, so parameters cannot be swapped or downgraded.
  The ciphertext length lets a truncated envelope be told apart from a wrong
  passphrase (GCM alone cannot tell the two apart).

* **Value envelope** (one encrypted roster field)::

      version (1) | key version (1) | nonce (12) | ciphertext+tag

  with associated data naming table, column, row and key version.
"""

from __future__ import annotations

import os
import secrets
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from binder.core.errors import CorruptEnvelope, UnsupportedFormat, WrongPassphrase

KEY_MAGIC = b"IBK"
KEY_ENVELOPE_VERSION = 1
VALUE_ENVELOPE_VERSION = 1
KDF_RAW, KDF_ARGON2ID, KDF_SCRYPT = 0, 1, 2
NONCE_LEN = 12
KEY_LEN = 32


@dataclass(frozen=True)
class KdfParams:
    """How a passphrase becomes a key. Stored inside every envelope that uses it."""

    kind: int = KDF_ARGON2ID
    memory_kib: int = 65536
    iterations: int = 3
    lanes: int = 1
    log2_n: int = 17
    r: int = 8
    p: int = 1

    def encode(self) -> bytes:
        """The parameter bytes as they appear in an envelope header."""
        if self.kind == KDF_ARGON2ID:
            return struct.pack(">IIB", self.memory_kib, self.iterations, self.lanes)
        if self.kind == KDF_SCRYPT:
            return struct.pack(">BBB", self.log2_n, self.r, self.p)
        return b""

    def meets_owasp_minimum(self) -> bool:
        """True when at least OWASP's Password Storage Cheat Sheet minimum strength."""
        if self.kind == KDF_ARGON2ID:
            # OWASP: m=19 MiB with t=2, or m=47 MiB with t=1 (p=1).
            return (self.memory_kib >= 19456 and self.iterations >= 2) or (
                self.memory_kib >= 47104 and self.iterations >= 1
            )
        if self.kind == KDF_SCRYPT:
            return self.log2_n >= 17 and self.r >= 8 and self.p >= 1
        return False


#: The strength every user-facing binder gets: Argon2id, 64 MiB, 3 passes (~0.3 s here).
DEFAULT_KDF = KdfParams()
#: Only for tests and benchmarks, passed through the API; no user switch reaches it.
LIGHT_KDF_FOR_TESTS = KdfParams(memory_kib=1024, iterations=1)


def derive_key(secret: str | bytes, salt: bytes, params: KdfParams) -> bytes:
    """Derive a 256-bit key from a passphrase or recovery code."""
    data = secret.encode("utf-8") if isinstance(secret, str) else secret
    if params.kind == KDF_ARGON2ID:
        kdf = Argon2id(
            salt=salt,
            length=KEY_LEN,
            iterations=params.iterations,
            lanes=params.lanes,
            memory_cost=params.memory_kib,
        )
    elif params.kind == KDF_SCRYPT:
        kdf = Scrypt(salt=salt, length=KEY_LEN, n=2**params.log2_n, r=params.r, p=params.p)
    else:
        raise UnsupportedFormat(f"unknown key-derivation function {params.kind}")
    return kdf.derive(data)


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return secrets.token_bytes(KEY_LEN)


def _header(kdf: KdfParams, salt: bytes, plaintext_len: int) -> bytes:
    return (
        KEY_MAGIC
        + bytes([KEY_ENVELOPE_VERSION, kdf.kind])
        + kdf.encode()
        + bytes([len(salt)])
        + salt
        + struct.pack(">I", plaintext_len + 16)
    )


def _plausible(params: KdfParams) -> bool:
    # A damaged or hostile header must not make us allocate gigabytes or crash
    # the KDF with zero lanes; these bounds are far above anything we write.
    if params.kind == KDF_ARGON2ID:
        return (
            1 <= params.lanes <= 64
            and 8 * params.lanes <= params.memory_kib <= 4 * 1024 * 1024
            and 1 <= params.iterations <= 100
        )
    if params.kind == KDF_SCRYPT:
        return 1 <= params.log2_n <= 22 and 1 <= params.r <= 32 and 1 <= params.p <= 16
    return True


def _parse_header(blob: bytes) -> tuple[KdfParams, bytes, int]:
    """Return (kdf params, salt, offset of the nonce)."""
    if len(blob) < 6 or blob[:3] != KEY_MAGIC:
        raise CorruptEnvelope("the encrypted key is damaged (bad header)")
    version, kind = blob[3], blob[4]
    if version != KEY_ENVELOPE_VERSION:
        raise UnsupportedFormat(
            f"this key was written in envelope format {version}; this version reads "
            f"{KEY_ENVELOPE_VERSION} (a newer Incident Binder is needed)"
        )
    pos = 5
    try:
        if kind == KDF_ARGON2ID:
            mem, its, lanes = struct.unpack_from(">IIB", blob, pos)
            params, pos = KdfParams(KDF_ARGON2ID, mem, its, lanes), pos + 9
        elif kind == KDF_SCRYPT:
            log2n, r, p = struct.unpack_from(">BBB", blob, pos)
            params, pos = KdfParams(KDF_SCRYPT, log2_n=log2n, r=r, p=p), pos + 3
        elif kind == KDF_RAW:
            params = KdfParams(KDF_RAW)
        else:
            raise UnsupportedFormat(f"unknown key-derivation function {kind} in an envelope")
        salt_len = blob[pos]
        salt = blob[pos + 1 : pos + 1 + salt_len]
        pos += 1 + salt_len
        (ct_len,) = struct.unpack_from(">I", blob, pos)
        pos += 4
    except (struct.error, IndexError):
        raise CorruptEnvelope("the encrypted key is damaged (truncated header)") from None
    if len(salt) != salt_len or ct_len < 16 or len(blob) != pos + NONCE_LEN + ct_len:
        raise CorruptEnvelope("the encrypted key is damaged (truncated or extended)")
    if not _plausible(params):
        raise CorruptEnvelope("the encrypted key is damaged (impossible key-derivation parameters)")
    return params, salt, pos


def seal_with_passphrase(
    plaintext: bytes, passphrase: str, context: str, kdf: KdfParams = DEFAULT_KDF
) -> bytes:
    """Encrypt ``plaintext`` under a passphrase-derived key; parameters travel along."""
    salt = os.urandom(16)
    key = derive_key(passphrase, salt, kdf)
    return _seal(plaintext, key, _header(kdf, salt, len(plaintext)), context)


def open_with_passphrase(blob: bytes, passphrase: str, context: str) -> bytes:
    """Decrypt a passphrase envelope; :class:`WrongPassphrase` when it does not fit."""
    params, salt, pos = _parse_header(blob)
    if params.kind == KDF_RAW:
        raise CorruptEnvelope("this envelope is sealed with a key, not a passphrase")
    key = derive_key(passphrase, salt, params)
    try:
        return _open(blob, key, pos, context)
    except InvalidTag:
        raise WrongPassphrase("wrong passphrase; nothing was changed. Check it and try again") from None


def seal_with_key(plaintext: bytes, key: bytes, context: str) -> bytes:
    """Encrypt ``plaintext`` under a raw 256-bit key."""
    return _seal(plaintext, key, _header(KdfParams(KDF_RAW), b"", len(plaintext)), context)


def open_with_key(blob: bytes, key: bytes, context: str) -> bytes:
    """Decrypt a raw-key envelope; :class:`CorruptEnvelope` when key or data do not fit."""
    params, _salt, pos = _parse_header(blob)
    if params.kind != KDF_RAW:
        raise CorruptEnvelope("this envelope is sealed with a passphrase, not a key")
    try:
        return _open(blob, key, pos, context)
    except InvalidTag:
        raise CorruptEnvelope("an encrypted key does not match (damaged, or the wrong key)") from None


def envelope_kdf(blob: bytes) -> KdfParams:
    """The key-derivation parameters stored in an envelope."""
    return _parse_header(blob)[0]


def _seal(plaintext: bytes, key: bytes, header: bytes, context: str) -> bytes:
    nonce = os.urandom(NONCE_LEN)
    ct = AESGCM(key).encrypt(nonce, plaintext, header + context.encode("utf-8"))
    return header + nonce + ct


def _open(blob: bytes, key: bytes, pos: int, context: str) -> bytes:
    header, nonce, ct = blob[:pos], blob[pos : pos + NONCE_LEN], blob[pos + NONCE_LEN :]
    return AESGCM(key).decrypt(nonce, ct, header + context.encode("utf-8"))


def value_aad(table: str, column: str, row: str, key_version: int) -> bytes:
    """Associated data that pins a ciphertext to one cell of one row."""
    return f"ib-value|{table}|{column}|{row}|k{key_version}".encode()


def encrypt_value(key: bytes, value: str, aad: bytes, key_version: int = 1) -> bytes:
    """Encrypt one field value (fresh nonce every time)."""
    nonce = os.urandom(NONCE_LEN)
    return (
        bytes([VALUE_ENVELOPE_VERSION, key_version])
        + nonce
        + AESGCM(key).encrypt(nonce, value.encode("utf-8"), aad)
    )


def decrypt_value(key: bytes, blob: bytes, aad: bytes) -> str:
    """Decrypt one field value; :class:`CorruptEnvelope` if it was moved or altered."""
    if len(blob) < 2 + NONCE_LEN + 16:
        raise CorruptEnvelope("an encrypted value is truncated")
    if blob[0] != VALUE_ENVELOPE_VERSION:
        raise UnsupportedFormat(f"encrypted value format {blob[0]} is not supported")
    try:
        plain = AESGCM(key).decrypt(blob[2 : 2 + NONCE_LEN], blob[2 + NONCE_LEN :], aad)
    except InvalidTag:
        raise CorruptEnvelope(
            "an encrypted roster value does not belong to this row (moved or altered)"
        ) from None
    return plain.decode("utf-8")


# Crockford-style alphabet: no I, L, O, U, so a code read aloud or copied by hand survives.
RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_GROUPS, RECOVERY_GROUP_LEN = 6, 5  # 30 symbols x 5 bits = 150 bits


def new_recovery_code() -> str:
    """A random recovery code, grouped for writing on paper: ``XXXXX-XXXXX-...``."""
    symbols = "".join(
        secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP_LEN)
    )
    return "-".join(
        symbols[i : i + RECOVERY_GROUP_LEN] for i in range(0, len(symbols), RECOVERY_GROUP_LEN)
    )


def normalize_recovery_code(code: str) -> str:
    """Canonical form of a typed recovery code: case, spaces, dashes and look-alikes forgiven."""
    cleaned = code.upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"}))
    return cleaned
