"""Passphrases and codes: refused by how guessable they are, a recovery code that works
once, contact values kept off the command line, and a data key that can be rotated.

docs/RELIABILITY.md lists every case.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from binder.core import key_rotation, roster
from binder.core.crypto import envelope, signers, vault
from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
from binder.core.errors import BadInput, CorruptEnvelope, WrongPassphrase
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from tests.helpers import PASSPHRASE

NEW = "tangerine orbit lighthouse 42"


@pytest.mark.parametrize("weak, why", [
    ("Password2024!", "similar to a commonly used password"),
    ("qwertyuiop12", "commonly used password"),
    ("aaaaaaaaaaaaaaaa", "repeats"),
    ("kettle12", "10^"),
    ("short", "too short"),
])
def test_weak_passphrases_are_refused_saying_why(weak, why):
    with pytest.raises(BadInput) as caught:
        vault.check_passphrase_strength(weak)
    message = str(caught.value)
    assert why in message and "\n" not in message


def test_length_alone_does_not_make_a_passphrase_strong():
    """Twelve characters of a common pattern: a length rule would have let it through."""
    assert len("Password2024!") >= vault.MIN_PASSPHRASE_LEN
    assert not vault.estimate_passphrase("Password2024!").acceptable
    assert vault.estimate_passphrase("orange kettle mountain").acceptable


def test_weak_passphrase_is_refused_everywhere_one_is_set(made):
    with pytest.raises(BadInput, match="too common"):
        vault.change_passphrase(made.binder, "Password2024!")
    with pytest.raises(BadInput, match="too common"):
        signers.enroll(made.binder, "carol", "Password2024!", kdf=LIGHT_KDF_FOR_TESTS)
    with pytest.raises(BadInput, match="too common"):
        key_rotation.rotate_data_key(made.binder, "Password2024!", kdf=LIGHT_KDF_FOR_TESTS)


def _reopen(made):
    made.binder.close()
    return open_binder(made.path)


def test_a_recovery_code_works_once_and_a_new_one_is_issued(made):
    old_code = made.recovery_code
    b = _reopen(made)
    vault.unlock_with_recovery_code(b, old_code)
    new_code = vault.change_passphrase(b, NEW, kdf=LIGHT_KDF_FOR_TESTS)
    assert new_code and new_code != old_code
    b.close()
    with open_binder(made.path) as again:
        with pytest.raises(WrongPassphrase):
            vault.unlock_with_recovery_code(again, old_code)
        vault.unlock_with_recovery_code(again, new_code)
        assert again.unlocked
    with open_binder(made.path) as again:
        vault.unlock_with_passphrase(again, NEW)


def test_an_ordinary_passphrase_change_keeps_the_recovery_code(made):
    assert vault.change_passphrase(made.binder, NEW, kdf=LIGHT_KDF_FOR_TESTS) is None
    b = _reopen(made)
    vault.unlock_with_recovery_code(b, made.recovery_code)
    b.close()


def test_cli_recovery_prints_the_new_code_once(made, run_cli):
    made.binder.close()
    result = run_cli("unlock", "--recovery", "--binder", str(made.path),
                     env={"BINDER_RECOVERY_CODE": made.recovery_code, "BINDER_NEW_PASSPHRASE": NEW})
    assert result.code == 0, result.err
    assert result.out == ""  # secrets never on stdout, where scripts capture
    new_code = result.err.split("\n\n")[1].strip()
    assert len(new_code.replace("-", "")) == 30
    again = run_cli("unlock", "--recovery", "--binder", str(made.path),
                    env={"BINDER_RECOVERY_CODE": made.recovery_code, "BINDER_NEW_PASSPHRASE": NEW})
    assert again.code == 3 and "does not fit" in again.err
    third = run_cli("unlock", "--recovery", "--binder", str(made.path),
                    env={"BINDER_RECOVERY_CODE": new_code,
                         "BINDER_NEW_PASSPHRASE": "walnut cascade meridian 77"})
    assert third.code == 0, third.err


# ------------------------------------------------------------------ rotation


def test_rotation_re_encrypts_everything_under_a_new_key(made):
    b = made.binder
    dana = roster.add_contact(b, role="lead", name="Dana Whitfield", phone="+1 555 0100")
    roster.edit_contact(b, dana, phone="+1 555 0111")
    roster.add_contact(b, role="it", name="Priya Raman", email="priya@example.com")
    before = {c.id: c for c in roster.list_contacts(b)}
    history = roster.contact_history(b, dana)
    old_key = b.data_key
    cells_before = b.conn.execute("SELECT phone FROM contact_revision").fetchall()
    code = key_rotation.rotate_data_key(b, NEW, kdf=LIGHT_KDF_FOR_TESTS)
    assert b.data_key != old_key
    assert b.conn.execute("SELECT phone FROM contact_revision").fetchall() != cells_before
    assert {c.id: c for c in roster.list_contacts(b)} == before
    assert [c.phone for c in roster.contact_history(b, dana)] == [c.phone for c in history]
    # The old key opens nothing any more: not a cell, not the root key.
    blob, revision = b.conn.execute(
        "SELECT name, revision FROM contact_revision WHERE contact_id = ? ORDER BY revision",
        (dana,)).fetchone()
    with pytest.raises(CorruptEnvelope):
        envelope.decrypt_value(old_key, blob, envelope.value_aad(
            "contact_revision", "name", f"{dana}/{revision}", 1))
    # The root key was re-wrapped: a new signer can still be enrolled.
    signers.enroll(b, "carol", "orange kettle mountain", kdf=LIGHT_KDF_FOR_TESTS)
    assert verify_binder(b).ok
    b.close()
    with open_binder(made.path) as again:
        with pytest.raises(WrongPassphrase):
            vault.unlock_with_passphrase(again, PASSPHRASE)
        with pytest.raises(WrongPassphrase):
            vault.unlock_with_recovery_code(again, made.recovery_code)
        vault.unlock_with_recovery_code(again, code)
        # carol, enrolled without a contact, became one (signers are contacts); the rest is as it was.
        assert {c.id: c for c in roster.list_contacts(again) if c.name != "carol"} == before
    with open_binder(made.path) as again:
        vault.unlock_with_passphrase(again, NEW)
        roster.add_contact(again, role="legal", name="Grace")  # writes go on under the new key
        assert len(roster.list_contacts(again)) == len(before) + 2  # carol and Grace


def test_rotation_keeps_history_append_only(made):
    import sqlite3

    roster.add_contact(made.binder, role="lead", name="Dana")
    key_rotation.rotate_data_key(made.binder, NEW, kdf=LIGHT_KDF_FOR_TESTS)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        made.binder.conn.execute("UPDATE contact_revision SET escalation = 5")


def test_cli_rotate(made, run_cli):
    roster.add_contact(made.binder, role="lead", name="Dana Whitfield", phone="+1 555 0100")
    made.binder.close()
    result = run_cli("passphrase", "change", "--rotate", "--binder", str(made.path),
                     env={"BINDER_PASSPHRASE": PASSPHRASE, "BINDER_NEW_PASSPHRASE": NEW})
    assert result.code == 0, result.err
    assert "new data key" in result.err and "New recovery code" in result.err
    listed = run_cli("roster", "list", "--json", "--binder", str(made.path),
                     env={"BINDER_PASSPHRASE": NEW})
    assert listed.code == 0
    assert [c["phone"] for c in json.loads(listed.out) if c["name"] == "Dana Whitfield"] == [
        "+1 555 0100"]
    with sqlite3.connect(made.path) as raw:
        assert ("passphrase", "passphrase changed, data key rotated (CLI)") in raw.execute(
            "SELECT kind, detail FROM access_log").fetchall()


# ------------------------------------------------------------------ --from-json


def test_roster_add_from_json_keeps_values_off_the_command_line(made, tmp_path, run_cli):
    made.binder.close()
    people = [
        {"name": "Dana Whitfield", "role": "Incident Lead", "phone": "+1 555 0100",
         "email": "dana@example.com", "escalation": 1, "notes": "night shift"},
        {"name": "Priya Raman", "role": "it", "im": "@priya", "escalation": 2, "external": False},
    ]
    args = ("roster", "add", "--from-json", "-", "--binder", str(made.path))
    result = run_cli(*args, input=json.dumps(people), env={"BINDER_PASSPHRASE": PASSPHRASE})
    assert result.code == 0, result.err
    ids = result.out.split()
    assert len(ids) == 2
    assert not any(p["name"] in " ".join(args) or p.get("phone", "x") in " ".join(args)
                   for p in people)
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"name": "Grace Hopper", "role": "legal", "sla": "C-17"}),
                    encoding="utf-8")
    one = run_cli("roster", "add", "--from-json", str(path), "--binder", str(made.path),
                  env={"BINDER_PASSPHRASE": PASSPHRASE})
    assert one.code == 0 and len(one.out.split()) == 1
    with open_binder(made.path) as b:
        vault.unlock_with_passphrase(b, PASSPHRASE)
        got = {c.name: c for c in roster.list_contacts(b)}
    assert got["Dana Whitfield"].phone == "+1 555 0100" and got["Priya Raman"].escalation == 2
    assert got["Grace Hopper"].sla == "C-17"


@pytest.mark.parametrize("payload, words", [
    ('[{"name": "A", "role": "lead"}, {"name": "B", "role": "no-such-role"}]', "contact 2"),
    ('{"name": "A", "role": "lead", "pager": "1"}', "unknown field 'pager'"),
    ('{"name": "A", "role": "lead", "escalation": "first"}', "whole number"),
    ('{"name": "", "role": "lead"}', '"name" is missing'),
    ("[[[[[[1]]]]]]", "nests too deeply"),
    ("not json", "not JSON"),
])
def test_roster_add_from_json_all_or_nothing(made, run_cli, payload, words):
    before = made.binder.conn.execute("SELECT count(*) FROM contact").fetchone()[0]
    made.binder.close()
    result = run_cli("roster", "add", "--from-json", "-", "--binder", str(made.path),
                     input=payload, env={"BINDER_PASSPHRASE": PASSPHRASE})
    assert result.code == 2 and words in result.err and result.err.count("\n") == 1, result.err
    assert "nothing was added" in result.err or "unknown role" in result.err
    with open_binder(made.path) as b:
        assert b.conn.execute("SELECT count(*) FROM contact").fetchone()[0] == before
