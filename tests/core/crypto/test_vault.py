"""Unlocking the binder: passphrase, OS keyring (working, missing, locked, broken), recovery code."""

from __future__ import annotations

import io
import sys

import keyring
import keyring.backend
import pytest
from keyring.backends import fail, null
from keyring.errors import InitError, KeyringLocked

from binder.cli import common
from binder.core import roster
from binder.core.crypto import session, vault
from binder.core.errors import BadInput, Locked, WrongPassphrase
from binder.core.storage.database import open_binder
from tests.helpers import PASSPHRASE


@pytest.fixture
def made(empty_roster):
    """The vault's tests count roster contacts: nobody enrolled (signers are contacts)."""
    return empty_roster

NEW_PASSPHRASE = "a brand new passphrase"


class LockedKeyring(keyring.backend.KeyringBackend):
    """A keyring the user has not unlocked (e.g. a locked GNOME keyring)."""

    priority = 1

    def get_password(self, service, username):
        raise KeyringLocked("the collection is locked")

    def set_password(self, service, username, password):
        raise KeyringLocked("the collection is locked")

    def delete_password(self, service, username):
        raise KeyringLocked("the collection is locked")


class BrokenKeyring(keyring.backend.KeyringBackend):
    """A keyring whose backend cannot start (no D-Bus session, missing library)."""

    priority = 1

    def get_password(self, service, username):
        raise InitError("failed to unlock the keyring")

    def set_password(self, service, username, password):
        raise InitError("failed to unlock the keyring")

    def delete_password(self, service, username):
        raise InitError("failed to unlock the keyring")


# Each stands for a protected OS keyring in a bad state, so the app does try it.
vault.vouch_for_keyring_in_tests(LockedKeyring)
vault.vouch_for_keyring_in_tests(BrokenKeyring)


@pytest.fixture
def no_terminal(monkeypatch):
    """Standard input is not a terminal, as under a script or a service."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def _slots(binder) -> dict[str, bytes]:
    return dict(binder.conn.execute("SELECT kind, envelope FROM keyslot"))


def _reopen(made):
    made.binder.close()
    return open_binder(made.path)


# ---------------------------------------------------------------- passphrase


def test_wrong_passphrase_leaves_the_binder_locked_and_unchanged(made):
    slots = _slots(made.binder)
    with _reopen(made) as b:
        with pytest.raises(WrongPassphrase, match="wrong passphrase; nothing was changed"):
            session.unlock_binder(b, door="test", passphrase="Correct Horse Battery")
        assert not b.unlocked
        with pytest.raises(Locked):
            roster.list_contacts(b)
        assert _slots(b) == slots


def test_right_passphrase_unlocks_and_decrypts(made):
    roster.add_contact(made.binder, role="lead", name="Dana Whitfield")
    with _reopen(made) as b:
        assert session.unlock_binder(b, door="test", passphrase=PASSPHRASE, use_keyring=False) == "passphrase"
        assert [c.name for c in roster.list_contacts(b)] == ["Dana Whitfield"]


def test_passphrase_change_old_stops_working_new_works(made):
    from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS

    roster.add_contact(made.binder, role="lead", name="Dana Whitfield")
    vault.change_passphrase(made.binder, NEW_PASSPHRASE, kdf=LIGHT_KDF_FOR_TESTS)
    with _reopen(made) as b:
        with pytest.raises(WrongPassphrase):
            vault.unlock_with_passphrase(b, PASSPHRASE)
        vault.unlock_with_passphrase(b, NEW_PASSPHRASE)
        assert [c.name for c in roster.list_contacts(b)] == ["Dana Whitfield"]


def test_too_short_new_passphrase_is_refused_and_old_still_works(made):
    with pytest.raises(BadInput, match="too short"):
        vault.change_passphrase(made.binder, "short")
    with _reopen(made) as b:
        vault.unlock_with_passphrase(b, PASSPHRASE)


def test_recovery_code_unlocks_and_sets_a_new_passphrase(made):
    from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS

    roster.add_contact(made.binder, role="legal", name="Helen Ossei")
    with _reopen(made) as b:
        # Typed on paper-to-keyboard terms: lower case, spaces instead of dashes.
        typed = made.recovery_code.lower().replace("-", " ")
        assert session.unlock_binder(b, door="test", recovery_code=typed, use_keyring=False) == "recovery code"
        vault.change_passphrase(b, NEW_PASSPHRASE, kdf=LIGHT_KDF_FOR_TESTS)
    with open_binder(made.path) as b:
        with pytest.raises(WrongPassphrase):
            vault.unlock_with_passphrase(b, PASSPHRASE)
        vault.unlock_with_passphrase(b, NEW_PASSPHRASE)
        assert [c.name for c in roster.list_contacts(b)] == ["Helen Ossei"]


def test_wrong_recovery_code_is_refused(made):
    with _reopen(made) as b:
        wrong = "00000-00000-00000-00000-00000-00000"
        with pytest.raises(WrongPassphrase, match="recovery code does not fit"):
            vault.unlock_with_recovery_code(b, wrong)
        assert not b.unlocked


def test_cli_unlock_without_secret_and_without_terminal_is_locked(made, no_terminal):
    with _reopen(made) as b:
        with pytest.raises(Locked, match="BINDER_PASSPHRASE"):
            common.unlock(b)


# ---------------------------------------------------------------- OS keyring


def test_memory_keyring_unlocks_silently(made, memory_keyring, no_terminal):
    roster.add_contact(made.binder, role="lead", name="Dana Whitfield")
    assert vault.remember_on_this_computer(made.binder) is True
    assert vault.is_remembered(made.binder)
    # The keyring holds a wrapping key, never the passphrase or the data key.
    [stored] = memory_keyring.store.values()
    assert PASSPHRASE not in stored
    with _reopen(made) as b:
        assert session.unlock_binder(b, door="test") == "keyring"
        assert [c.name for c in roster.list_contacts(b)] == ["Dana Whitfield"]
    with open_binder(made.path) as b:
        common.unlock(b)  # no BINDER_PASSPHRASE, no terminal: the keyring alone suffices
        assert b.unlocked


def test_binder_no_keyring_makes_the_cli_ignore_a_working_keyring(made, memory_keyring, no_terminal,
                                                                   monkeypatch):
    vault.remember_on_this_computer(made.binder)
    monkeypatch.setenv("BINDER_NO_KEYRING", "1")
    with _reopen(made) as b:
        with pytest.raises(Locked):
            common.unlock(b)
        monkeypatch.setenv("BINDER_PASSPHRASE", PASSPHRASE)
        common.unlock(b)
        assert b.unlocked


def test_forget_removes_the_keyring_unlock(made, memory_keyring):
    vault.remember_on_this_computer(made.binder)
    vault.forget_on_this_computer(made.binder)
    assert memory_keyring.store == {}
    assert not vault.is_remembered(made.binder)
    with _reopen(made) as b:
        with pytest.raises(Locked):
            session.unlock_binder(b, door="test")


def test_keyring_key_from_another_binder_falls_back_to_passphrase(made, memory_keyring):
    vault.remember_on_this_computer(made.binder)
    # Someone overwrote the keyring entry (reinstall, another tool): it no longer fits.
    account = made.binder.uuid
    memory_keyring.store[(vault.KEYRING_SERVICE, account)] = "AAAA" * 11
    with _reopen(made) as b:
        assert session.unlock_binder(b, door="test", passphrase=PASSPHRASE) == "passphrase"


@pytest.mark.parametrize(
    "backend",
    [null.Keyring(), fail.Keyring(), LockedKeyring(), BrokenKeyring()],
    ids=["null", "fail", "locked", "init-error"],
)
def test_unusable_keyring_is_a_normal_path_to_the_passphrase(made, memory_keyring, backend,
                                                              monkeypatch, no_terminal):
    roster.add_contact(made.binder, role="lead", name="Dana Whitfield")
    vault.remember_on_this_computer(made.binder)  # remembered while a keyring worked...
    keyring.set_keyring(backend)  # ...then the keyring went away, locked or broke
    with _reopen(made) as b:
        with pytest.raises(Locked, match="passphrase"):
            session.unlock_binder(b, door="test")
        with pytest.raises(Locked, match="BINDER_PASSPHRASE"):
            common.unlock(b)
        assert session.unlock_binder(b, door="test", passphrase=PASSPHRASE) == "passphrase"
        assert [c.name for c in roster.list_contacts(b)] == ["Dana Whitfield"]
    with open_binder(made.path) as b:
        monkeypatch.setenv("BINDER_PASSPHRASE", PASSPHRASE)
        common.unlock(b)
        assert b.unlocked


@pytest.mark.parametrize(
    "backend",
    [null.Keyring(), fail.Keyring(), LockedKeyring(), BrokenKeyring()],
    ids=["null", "fail", "locked", "init-error"],
)
def test_remember_without_a_usable_keyring_stores_nothing(made, backend):
    keyring.set_keyring(backend)
    slots = _slots(made.binder)
    assert vault.remember_on_this_computer(made.binder) is False
    assert _slots(made.binder) == slots
    assert not vault.is_remembered(made.binder)
    vault.forget_on_this_computer(made.binder)  # forgetting with a broken keyring is harmless


# ---------------------------------------------------------------- CLI commands


@pytest.fixture
def cli_binder(made):
    made.binder.close()
    return made.path


def test_cli_passphrase_change(cli_binder, run_cli):
    env = {"BINDER_FILE": str(cli_binder), "BINDER_PASSPHRASE": PASSPHRASE}
    changed = run_cli("passphrase", "change", env={**env, "BINDER_NEW_PASSPHRASE": NEW_PASSPHRASE})
    assert changed.code == 0, changed.err
    old = run_cli("roster", "list", env=env)
    assert old.code == 3 and "wrong passphrase" in old.err
    new = run_cli("roster", "list", env={**env, "BINDER_PASSPHRASE": NEW_PASSPHRASE})
    assert new.code == 0, new.err


def test_cli_passphrase_change_needs_the_old_one(cli_binder, run_cli):
    env = {"BINDER_FILE": str(cli_binder), "BINDER_PASSPHRASE": "guessing wrongly",
           "BINDER_NEW_PASSPHRASE": NEW_PASSPHRASE}
    run = run_cli("passphrase", "change", env=env)
    assert run.code == 3
    with open_binder(cli_binder) as b:
        vault.unlock_with_passphrase(b, PASSPHRASE)


def test_cli_passphrase_change_refuses_a_short_one(cli_binder, run_cli):
    env = {"BINDER_FILE": str(cli_binder), "BINDER_PASSPHRASE": PASSPHRASE, "BINDER_NEW_PASSPHRASE": "short"}
    run = run_cli("passphrase", "change", env=env)
    assert run.code == 2 and "too short" in run.err and "Traceback" not in run.err
    with open_binder(cli_binder) as b:
        vault.unlock_with_passphrase(b, PASSPHRASE)


def test_cli_recovery_unlock_sets_a_new_passphrase(made, run_cli):
    code = made.recovery_code
    roster.add_contact(made.binder, role="lead", name="Dana Whitfield")
    made.binder.close()
    env = {"BINDER_FILE": str(made.path)}
    run = run_cli("unlock", "--recovery",
                  env={**env, "BINDER_RECOVERY_CODE": code, "BINDER_NEW_PASSPHRASE": NEW_PASSPHRASE})
    assert run.code == 0, run.err
    assert "recovery code" in run.err
    assert run_cli("roster", "list", env={**env, "BINDER_PASSPHRASE": PASSPHRASE}).code == 3
    listed = run_cli("roster", "list", env={**env, "BINDER_PASSPHRASE": NEW_PASSPHRASE})
    assert listed.code == 0 and "Dana Whitfield" in listed.out
    with open_binder(made.path) as b:
        kinds = [r[0] for r in b.conn.execute("SELECT detail FROM access_log WHERE kind = 'unlock'")]
        assert any("recovery" in k for k in kinds)


def test_cli_wrong_recovery_code_exits_3(cli_binder, run_cli):
    env = {"BINDER_FILE": str(cli_binder), "BINDER_RECOVERY_CODE": "00000-00000-00000-00000-00000-00000",
           "BINDER_NEW_PASSPHRASE": NEW_PASSPHRASE}
    run = run_cli("unlock", "--recovery", env=env)
    assert run.code == 3 and "recovery code does not fit" in run.err
    with open_binder(cli_binder) as b:
        vault.unlock_with_passphrase(b, PASSPHRASE)


def test_cli_recovery_without_code_or_terminal_exits_3(cli_binder, run_binder_process):
    # The real process, stdin not a terminal: a hang would hit the timeout and fail the test.
    run = run_binder_process("unlock", "--recovery", env={"BINDER_FILE": str(cli_binder)}, timeout=30)
    assert run.code == 3 and "BINDER_RECOVERY_CODE" in run.err


def test_cli_keyring_without_backend_is_a_clear_refusal(cli_binder, run_cli):
    env = {"BINDER_FILE": str(cli_binder), "BINDER_PASSPHRASE": PASSPHRASE, "BINDER_NO_KEYRING": "0",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    remember = run_cli("keyring", "remember", env=env)
    assert remember.code == 2 and "no usable OS keyring" in remember.err
    assert "Traceback" not in remember.err and remember.err.count("\n") == 1
    status = run_cli("keyring", "status", "--json", env=env)
    assert status.code == 0
    assert '"remembered": false' in status.out
    ignored = run_cli("keyring", "remember", env={**env, "BINDER_NO_KEYRING": "1"})
    assert ignored.code == 2 and "BINDER_NO_KEYRING" in ignored.err
    # The passphrase keeps working whatever the keyring does.
    assert run_cli("unlock", env=env).code == 0


def test_cli_keyring_status_and_forget_after_remembering(made, memory_keyring, run_cli,
                                                         run_binder_process):
    vault.remember_on_this_computer(made.binder)
    made.binder.close()
    env = {"BINDER_FILE": str(made.path), "BINDER_NO_KEYRING": "0"}
    # In this process the command sees the (memory) OS keyring and unlocks from it alone.
    status = run_cli("keyring", "status", env=env)
    assert status.code == 0 and "remembered: this computer unlocks" in status.out
    assert run_cli("roster", "list", env=env).code == 0
    # Another process cannot see this process's memory keyring: it says so, calmly.
    elsewhere = run_binder_process("keyring", "status", env=env)
    assert elsewhere.code == 0 and "cannot unlock it" in elsewhere.out
    forget = run_cli("keyring", "forget", env={**env, "BINDER_PASSPHRASE": PASSPHRASE})
    assert forget.code == 0, forget.err
    assert memory_keyring.store == {}
    with open_binder(made.path) as b:
        assert not vault.is_remembered(b)
    assert run_cli("roster", "list", env=env).code == 3
