"""Rotating the binder's data key: every encrypted cell, the root key and the key slots.

When a passphrase or a copy of the binder may have leaked, changing the
passphrase alone is not enough (the old wrapped key may be out there):
`binder passphrase change --rotate` re-encrypts everything under a new key.
"""

from __future__ import annotations

from binder.core.crypto import envelope as crypto
from binder.core.crypto import vault
from binder.core.roster_seal import (
    COLUMNS,
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
from binder.core.storage.database import Binder


def rotate_data_key(binder: Binder, new_passphrase: str, *,
                    kdf: crypto.KdfParams = crypto.DEFAULT_KDF) -> str:
    """Re-encrypt everything under a NEW data key, in one transaction; return the new
    recovery code (show it once).

    Every encrypted cell of every contact revision (history included) is decrypted
    with the old key and sealed again with the new one under the next key
    version; the root's private key, the roster's head, the passphrase slot (new
    passphrase) and the recovery slot (new code) follow. The keyring slot, which
    wrapped the old key, is dropped. A crash leaves the old key and passphrase
    working, or the new ones: never a mixture. The old key then opens nothing.
    """
    from binder.core.crypto import signers

    old_key = vault.require_unlocked(binder)
    vault.check_passphrase_strength(new_passphrase)
    new_key = crypto.new_key()
    with binder.write():
        check_roster_seal(binder, old_key)
        version = current_key_version(binder) + 1
        links = links_for(binder)
        rows = binder.conn.execute(f"SELECT {COLUMNS} FROM {TABLE}").fetchall()
        # Re-encryption is not a change of history: the same values, a new key. The
        # append-only guard steps aside for this one statement set, in this transaction.
        binder.conn.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
        for row in rows:
            (contact_id, revision, _at, role, escalation, external, removed, key_version,
             aad_version) = row[:9]
            link = links.get((contact_id, revision), Link("", ""))
            binding = clear_binding(role, escalation, external, removed, link.prev)
            sealed = {}
            for column, blob in zip(SENSITIVE, row[9:], strict=True):
                if blob is None:
                    sealed[column] = None
                    continue
                plain = unseal_value(old_key, column, blob, contact_id, revision, key_version,
                                aad_version, binding)
                sealed[column] = seal_value(new_key, column, plain, contact_id, revision, binding,
                                       version, aad_version)
            binder.conn.execute(
                f"UPDATE {TABLE} SET key_version = ?, "
                + ", ".join(f"{c} = ?" for c in SENSITIVE)
                + " WHERE contact_id = ? AND revision = ?",
                (version, *(sealed[c] for c in SENSITIVE), contact_id, revision),
            )
        binder.conn.execute(
            f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} BEGIN "
            f"SELECT RAISE(ABORT, '{TABLE} is append-only history'); END"
        )
        signers.reseal_root_key(binder, old_key, new_key)
        code = vault.rewrap_all_slots(binder, new_key, new_passphrase, kdf=kdf)
        binder.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('key_version', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(version),))
        write_head(binder, new_key)
    vault.keyring_delete(binder.uuid)
    binder.data_key = new_key
    return code


def rotate_binder_key(binder: Binder, new_passphrase: str, *, door: str, who: str | None = None,
                      kdf: crypto.KdfParams = crypto.DEFAULT_KDF) -> str:
    """:func:`rotate_data_key`, recorded in the access log as every passphrase change is;
    the verb both doors call. Returns the new recovery code (show it once)."""
    from binder.core.crypto import session

    code = rotate_data_key(binder, new_passphrase, kdf=kdf)
    session.record_access(binder, "passphrase", who or session.local_user(),
                          f"passphrase changed, data key rotated ({door})")
    return code
