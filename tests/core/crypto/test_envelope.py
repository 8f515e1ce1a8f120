"""Envelopes: round trips, every way an envelope can be wrong, and KDF strength."""

from __future__ import annotations

import struct

import pytest

from binder.core.crypto import envelope as crypto
from binder.core.crypto import vault
from binder.core.crypto.envelope import (
    DEFAULT_KDF,
    KDF_ARGON2ID,
    KDF_SCRYPT,
    LIGHT_KDF_FOR_TESTS,
    KdfParams,
    decrypt_value,
    encrypt_value,
    envelope_kdf,
    open_with_key,
    open_with_passphrase,
    seal_with_key,
    seal_with_passphrase,
    value_aad,
)
from binder.core.errors import CorruptEnvelope, UnsupportedFormat, WrongPassphrase
from binder.core.storage import database as storage

LIGHT_SCRYPT = KdfParams(KDF_SCRYPT, log2_n=10, r=8, p=1)
SECRET = "prière d'ouvrir — 🔑"
CONTEXT = "ib-test|binder-uuid|slot"


@pytest.fixture(scope="module")
def sealed() -> bytes:
    return seal_with_passphrase(b"the data key, 32 bytes long!!!!", SECRET, CONTEXT, LIGHT_KDF_FOR_TESTS)


@pytest.mark.parametrize("kdf", [LIGHT_KDF_FOR_TESTS, LIGHT_SCRYPT], ids=["argon2id", "scrypt"])
def test_passphrase_envelope_round_trip(kdf):
    for plaintext in (b"", b"x", crypto.new_key(), bytes(range(256)) * 20):
        blob = seal_with_passphrase(plaintext, SECRET, CONTEXT, kdf)
        assert open_with_passphrase(blob, SECRET, CONTEXT) == plaintext
        assert envelope_kdf(blob) == kdf
        assert len(plaintext) < 16 or plaintext not in blob  # short ones may occur by chance


def test_key_envelope_round_trip_and_fresh_nonces():
    key = crypto.new_key()
    a = seal_with_key(b"root private key", key, CONTEXT)
    b = seal_with_key(b"root private key", key, CONTEXT)
    assert a != b  # a fresh nonce every time
    assert open_with_key(a, key, CONTEXT) == open_with_key(b, key, CONTEXT) == b"root private key"


def test_value_envelope_round_trip():
    key = crypto.new_key()
    aad = value_aad("contact_revision", "phone", "c-1", 1)
    blob = encrypt_value(key, "+49 30 1234 5678 ☎", aad)
    assert decrypt_value(key, blob, aad) == "+49 30 1234 5678 ☎"
    assert b"1234" not in blob


def test_wrong_passphrase(sealed):
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        open_with_passphrase(sealed, SECRET + " ", CONTEXT)
    with pytest.raises(WrongPassphrase):
        open_with_passphrase(sealed, "", CONTEXT)


def test_envelope_bound_to_its_context(sealed):
    # A slot copied to another binder (or another slot) does not open.
    with pytest.raises(WrongPassphrase):
        open_with_passphrase(sealed, SECRET, "ib-test|other-binder|slot")
    key = crypto.new_key()
    blob = seal_with_key(b"k", key, CONTEXT)
    with pytest.raises(CorruptEnvelope):
        open_with_key(blob, key, "ib-test|other-binder|slot")
    with pytest.raises(CorruptEnvelope):
        open_with_key(blob, crypto.new_key(), CONTEXT)


def test_every_truncation_is_corrupt_not_wrong_passphrase(sealed):
    for length in range(len(sealed)):
        with pytest.raises(CorruptEnvelope):
            open_with_passphrase(sealed[:length], SECRET, CONTEXT)
    with pytest.raises(CorruptEnvelope):
        open_with_passphrase(sealed + b"\x00", SECRET, CONTEXT)
    key = crypto.new_key()
    blob = seal_with_key(b"0123456789abcdef", key, CONTEXT)
    for length in range(len(blob)):
        with pytest.raises(CorruptEnvelope):
            open_with_key(blob[:length], key, CONTEXT)


def test_newer_or_unknown_format_is_unsupported(sealed):
    newer = sealed[:3] + bytes([2]) + sealed[4:]
    with pytest.raises(UnsupportedFormat, match="format 2"):
        open_with_passphrase(newer, SECRET, CONTEXT)
    unknown_kdf = sealed[:4] + bytes([9]) + sealed[5:]
    with pytest.raises(UnsupportedFormat, match="key-derivation"):
        open_with_passphrase(unknown_kdf, SECRET, CONTEXT)
    with pytest.raises(CorruptEnvelope):
        open_with_passphrase(b"XYZ" + sealed[3:], SECRET, CONTEXT)


def _argon_header_fields(blob: bytes) -> tuple[int, int, int]:
    return struct.unpack_from(">IIB", blob, 5)


def _with_argon_params(blob: bytes, memory: int, iterations: int, lanes: int) -> bytes:
    return blob[:5] + struct.pack(">IIB", memory, iterations, lanes) + blob[14:]


def test_changed_header_parameters_never_open(sealed):
    memory, iterations, lanes = _argon_header_fields(sealed)
    assert (memory, iterations, lanes) == (LIGHT_KDF_FOR_TESTS.memory_kib, 1, 1)
    for changed in (
        _with_argon_params(sealed, memory * 2, iterations, lanes),
        _with_argon_params(sealed, memory, iterations + 1, lanes),
        _with_argon_params(sealed, memory, iterations, lanes + 1),
        sealed[:15] + bytes([sealed[15] ^ 1]) + sealed[16:],  # first salt byte
    ):
        with pytest.raises((WrongPassphrase, CorruptEnvelope)):
            open_with_passphrase(changed, SECRET, CONTEXT)
    # A passphrase envelope relabelled as a raw-key one (or the reverse) is refused.
    raw_kind = sealed[:4] + bytes([crypto.KDF_RAW]) + sealed[5:]
    with pytest.raises(CorruptEnvelope):
        open_with_passphrase(raw_kind, SECRET, CONTEXT)
    key_blob = seal_with_key(b"k", crypto.new_key(), CONTEXT)
    with pytest.raises(CorruptEnvelope, match="sealed with a key"):
        open_with_passphrase(key_blob, SECRET, CONTEXT)


def test_hostile_parameters_are_refused_before_any_work(sealed):
    # Zero lanes would crash the KDF; terabytes of memory would exhaust the machine.
    for memory, iterations, lanes in ((1024, 1, 0), (0xFFFFFFFF, 1, 1), (1024, 0, 1),
                                      (1024, 10**6, 1)):
        with pytest.raises(CorruptEnvelope, match="impossible"):
            open_with_passphrase(_with_argon_params(sealed, memory, iterations, lanes), SECRET,
                                 CONTEXT)


def test_value_envelope_failures():
    key = crypto.new_key()
    aad = value_aad("contact_revision", "email", "c-1", 1)
    blob = encrypt_value(key, "lead@example.test", aad)
    for other in (value_aad("contact_revision", "email", "c-2", 1),
                  value_aad("contact_revision", "phone", "c-1", 1),
                  value_aad("contact_revision", "email", "c-1", 2)):
        with pytest.raises(CorruptEnvelope, match="does not belong"):
            decrypt_value(key, blob, other)
    with pytest.raises(CorruptEnvelope, match="truncated"):
        decrypt_value(key, blob[:20], aad)
    with pytest.raises(CorruptEnvelope):
        decrypt_value(key, blob[:-1], aad)
    with pytest.raises(UnsupportedFormat):
        decrypt_value(key, bytes([2]) + blob[1:], aad)


def test_recovery_codes():
    codes = {crypto.new_recovery_code() for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        groups = code.split("-")
        assert len(groups) == 6 and all(len(g) == 5 for g in groups)
        assert set(code.replace("-", "")) <= set(crypto.RECOVERY_ALPHABET)
    code = next(iter(codes))
    typed = " ".join(code.lower().split("-")).replace("0", "o").replace("1", "l")
    assert crypto.normalize_recovery_code(typed) == code.replace("-", "")


def test_default_kdf_meets_owasp():
    # OWASP Password Storage Cheat Sheet: Argon2id with at least 19 MiB and 2 passes.
    assert DEFAULT_KDF.kind == KDF_ARGON2ID
    assert DEFAULT_KDF.memory_kib >= 19 * 1024 and DEFAULT_KDF.iterations >= 2
    assert DEFAULT_KDF.meets_owasp_minimum()
    assert KdfParams(KDF_SCRYPT, log2_n=17, r=8, p=1).meets_owasp_minimum()
    assert not KdfParams(KDF_SCRYPT, log2_n=16, r=8, p=1).meets_owasp_minimum()
    assert not LIGHT_KDF_FOR_TESTS.meets_owasp_minimum()
    assert not KdfParams(KDF_ARGON2ID, memory_kib=19 * 1024, iterations=1).meets_owasp_minimum()


def test_what_users_create_is_owasp_strength(tmp_path, run_cli):
    """`binder init` and `binder signer enroll` (no test shortcuts) use DEFAULT_KDF."""
    path = tmp_path / "real.binder"
    run = run_cli("init", "--binder", str(path), "--org", "Acme",
                  env={"BINDER_PASSPHRASE": "a strong binder passphrase"})
    assert run.code == 0, run.err
    env = {"BINDER_PASSPHRASE": "a strong binder passphrase"}
    added = run_cli("roster", "add", "--name", "Alice Smith", "--role", "lead", "--binder",
                    str(path), env=env)
    assert added.code == 0, added.err
    enrolled = run_cli("signer", "enroll", "Alice Smith", "--binder", str(path),
                       env={"BINDER_PASSPHRASE": "a strong binder passphrase",
                            "BINDER_SIGNER_PASSPHRASE": "alice's own passphrase"})
    assert enrolled.code == 0, enrolled.err
    binder = storage.open_binder(path)
    try:
        blobs = [b for (b,) in binder.conn.execute("SELECT envelope FROM keyslot")]
        blobs += [b for (b,) in binder.conn.execute("SELECT key_envelope FROM certificate")]
        assert len(blobs) == 3  # passphrase slot, recovery slot, alice's private key
        for blob in blobs:
            assert blob.startswith(b"IBK")  # our envelope, not PKCS#8's PBKDF2
            assert envelope_kdf(blob) == DEFAULT_KDF
        vault.unlock_with_passphrase(binder, "a strong binder passphrase")
        assert binder.unlocked
    finally:
        binder.close()
