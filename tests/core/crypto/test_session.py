"""The door verbs: unlock and lock the binder, sign a person in, the two-person rule.

Real binders, real key derivation (light parameters through the API), the
in-memory keyring as the one stand-in. Every way in leaves one access-log row;
a refused attempt leaves none.
"""

from __future__ import annotations

import pytest

from binder.core import roster
from binder.core.crypto import session, signers
from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
from binder.core.crypto.two_person import check_two_people
from binder.core.errors import BadInput, Locked, NotFound, WrongPassphrase
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from binder.core.storage.database import create_binder, open_binder
from tests.helpers import LEAD, LEAD_PASS, PASSPHRASE, WITNESS, WITNESS_PASS

NEW_PASSPHRASE = "a brand new passphrase"


def _log(binder) -> list[tuple[str, str, str]]:
    return binder.conn.execute("SELECT kind, who, detail FROM access_log ORDER BY id").fetchall()


def _never(*_args) -> str:
    raise AssertionError("a passphrase was asked for")


@pytest.fixture
def closed(made):
    """The made binder's path, closed: each test opens it locked."""
    made.binder.close()
    return made.path


# --------------------------------------------------------------------------- unlock


def test_unlock_with_the_passphrase_is_recorded_with_door_and_user(closed):
    with open_binder(closed) as b:
        assert session.unlock_binder(b, door="CLI", passphrase=PASSPHRASE, who="dana") == "passphrase"
        assert b.unlocked
        assert _log(b) == [("unlock", "dana", "passphrase (CLI)")]
        # Unlocking an unlocked binder is not another access.
        assert session.unlock_binder(b, door="CLI", passphrase=PASSPHRASE) == "already"
        assert len(_log(b)) == 1


def test_a_wrong_passphrase_records_nothing_and_stays_locked(closed):
    before = closed.read_bytes()
    with open_binder(closed) as b:
        with pytest.raises(WrongPassphrase):
            session.unlock_binder(b, door="app", passphrase="not the passphrase", use_keyring=False)
        assert not b.unlocked and _log(b) == []
    assert closed.read_bytes() == before


def test_no_secret_and_no_keyring_is_locked(closed):
    with open_binder(closed) as b:
        with pytest.raises(Locked, match="passphrase is needed"):
            session.unlock_binder(b, door="CLI")
        assert _log(b) == []


def test_the_keyring_unlocks_first_and_the_passphrase_is_never_asked(made, memory_keyring):
    assert session.remember_here(made.binder, door="app", who="dana")
    made.binder.close()
    with open_binder(made.path) as b:
        assert session.unlock_binder(b, door="CLI", passphrase=_never, who="dana") == "keyring"
        assert _log(b)[-2:] == [("keyring", "dana", "remembered on this computer (app)"),
                                ("unlock", "dana", "keyring (CLI)")]
    with open_binder(made.path) as b:
        # Told to leave the keyring alone, it asks for the passphrase (a callable: a prompt).
        assert session.unlock_binder(b, door="CLI", passphrase=lambda: PASSPHRASE,
                                     use_keyring=False) == "passphrase"


def test_forget_here_is_recorded_and_the_keyring_no_longer_unlocks(made, memory_keyring):
    session.remember_here(made.binder, door="CLI")
    session.forget_here(made.binder, door="CLI", who="dana")
    assert _log(made.binder)[-1] == ("keyring", "dana", "forgotten on this computer (CLI)")
    made.binder.close()
    with open_binder(made.path) as b, pytest.raises(Locked):
        session.unlock_binder(b, door="CLI")


def test_the_recovery_code_unlocks_sets_a_new_passphrase_and_both_are_recorded(made):
    roster.add_contact(made.binder, role="legal", name="Helen Ossei")
    made.binder.close()
    typed = made.recovery_code.lower().replace("-", " ")  # as copied from paper
    with open_binder(made.path) as b:
        new_code = session.recover_binder(b, typed, NEW_PASSPHRASE, door="app", who="dana",
                                          kdf=LIGHT_KDF_FOR_TESTS)
        assert "Helen Ossei" in [c.name for c in roster.list_contacts(b)]
        assert _log(b) == [("unlock", "dana", "recovery code (app)"),
                           ("passphrase", "dana", "passphrase and recovery code replaced (app)")]
    with open_binder(made.path) as b:
        with pytest.raises(WrongPassphrase):
            session.unlock_binder(b, door="CLI", passphrase=PASSPHRASE)
        with pytest.raises(WrongPassphrase):  # the code used is spent
            session.unlock_binder(b, door="CLI", recovery_code=made.recovery_code)
        session.unlock_binder(b, door="CLI", recovery_code=new_code)
        session.lock_binder(b)
        session.unlock_binder(b, door="CLI", passphrase=NEW_PASSPHRASE)


def test_recovery_with_a_weak_new_passphrase_changes_nothing(made):
    made.binder.close()
    with open_binder(made.path) as b:
        with pytest.raises(BadInput, match="too short"):
            session.recover_binder(b, made.recovery_code, "short", door="CLI")
        assert not b.unlocked and _log(b) == []
        with pytest.raises(WrongPassphrase, match="recovery code"):
            session.unlock_binder(b, door="CLI", recovery_code="00000-00000-00000-00000-00000-00000")
        assert _log(b) == []


def test_creating_the_keys_is_recorded(tmp_path):
    with create_binder(tmp_path / "new.binder") as b:
        code = session.create_keys(b, PASSPHRASE, door="CLI", who="dana", kdf=LIGHT_KDF_FOR_TESTS)
        assert b.unlocked and len(code) > 20
        assert _log(b) == [("unlock", "dana", "created, passphrase set (CLI)")]


# --------------------------------------------------------------------------- lock


def test_lock_forgets_the_data_key_and_every_signer_session(made, incident_id):
    alice = session.sign_in(made.binder, LEAD, LEAD_PASS, door="app")
    bob = session.sign_in(made.binder, WITNESS, WITNESS_PASS, door="app", meaning=session.WITNESS)
    roster.add_contact(made.binder, role="lead", name="Dana Whitfield")
    session.lock_binder(made.binder)
    assert not made.binder.unlocked and made.binder.signer_sessions == []
    with pytest.raises(Locked):
        roster.list_contacts(made.binder)
    for kept in (alice, bob):
        with pytest.raises(Locked, match="signed out"):
            kept.sign(b"anything")
    entries = journal.count_entries(made.binder, incident_id)
    with pytest.raises(Locked):
        journal.append(made.binder, incident_id, alice, NewEntry(text="after the lock"))
    assert journal.count_entries(made.binder, incident_id) == entries


# --------------------------------------------------------------------------- who signs


def _enroll(binder, login: str, full_name: str) -> None:
    signers.enroll(binder, login, f"{login}-passphrase", display_name=full_name,
                   kdf=LIGHT_KDF_FOR_TESTS)


@pytest.mark.parametrize("ref", ["carol", "CAROL", "Carol Jones", "carol jones", " Carol Jones ", "3"])
def test_sign_in_finds_a_person_by_login_full_name_or_number(made, ref):
    _enroll(made.binder, "carol", "Carol Jones")
    opened = session.sign_in(made.binder, ref, "carol-passphrase", door="CLI")
    assert opened.person == "carol" and opened.signer.id == 3
    assert _log(made.binder)[-1] == ("signer", "carol", "author (CLI)")


def test_sign_in_asks_for_the_passphrase_of_the_person_it_found(made):
    asked = []

    def prompt(signer):
        asked.append(signer.person)
        return WITNESS_PASS

    opened = session.sign_in(made.binder, "BOB", prompt, door="app", meaning=session.WITNESS)
    assert asked == ["bob"] and opened.person == "bob"
    assert _log(made.binder)[-1] == ("signer", "bob", "witness (app)")


def test_a_wrong_signer_passphrase_records_nothing(made):
    before = _log(made.binder)
    with pytest.raises(WrongPassphrase, match="nothing was signed"):
        session.sign_in(made.binder, LEAD, "not alice's", door="CLI")
    assert _log(made.binder) == before and made.binder.signer_sessions == []


def test_unknown_and_ambiguous_people_are_named(made):
    with pytest.raises(NotFound, match="'zoe' is not an enrolled signer.*alice"):
        session.sign_in(made.binder, "zoe", _never, door="CLI")
    _enroll(made.binder, "sam", "Sam Lee")
    _enroll(made.binder, "slee", "Sam Lee")
    with pytest.raises(BadInput, match="fits 2 people: Sam Lee .sam., Sam Lee .slee.; give the login"):
        session.sign_in(made.binder, "sam lee", _never, door="CLI")
    assert session.sign_in(made.binder, "slee", "slee-passphrase", door="CLI").person == "slee"


# --------------------------------------------------------------------------- two-person rule


def test_the_same_person_by_login_and_by_full_name_is_one_person(made):
    _enroll(made.binder, "carol", "Carol Jones")
    for author, witness in (("carol", "Carol Jones"), ("3", " CAROL "), ("carol jones", "3")):
        with pytest.raises(BadInput, match="Carol Jones cannot witness.*two-person rule"):
            session.two_people(made.binder, author, witness)
    first, second = session.two_people(made.binder, "Carol Jones", "bob")
    assert (first.person, second.person) == ("carol", "bob")
    assert session.two_people(made.binder, "alice", None)[1] is None


def test_the_rule_holds_for_sessions_signers_and_recorded_authors(made):
    with pytest.raises(BadInput, match="two-person rule"):
        check_two_people(made.lead, made.lead)
    with pytest.raises(BadInput, match="two-person rule"):
        check_two_people("Alice", made.lead.signer)
    check_two_people(made.lead, made.witness)
    check_two_people(made.lead, None)
