"""A person is a roster contact: enrolling one, finding one, and old binders' signers."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from binder.core import people, roster
from binder.core.crypto import session, signers, vault
from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
from binder.core.errors import BadInput, Locked, NotFound
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from tests.helpers import LEAD, LEAD_PASS, PASSPHRASE, WITNESS_PASS, enroll_person

LUKASZ, ELENI, TARO = "Łukasz Wróblewski", "Ελένη Παπαδοπούλου", "山田 太郎"
GOLDEN = Path(__file__).resolve().parents[1] / "data"


def test_enrolling_a_contact_puts_name_role_login_and_contact_in_the_certificate(made):
    contact = roster.add_contact(made.binder, role="legal", name=LUKASZ, email="l@example.test")
    signer = people.enroll_contact(made.binder, contact[:8], "lukasz-passphrase",
                                   kdf=LIGHT_KDF_FOR_TESTS)
    assert (signer.person, signer.display_name, signer.contact_id) == ("lukasz", LUKASZ, contact)
    cert = x509.load_der_x509_certificate(signer.cert_der)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == LUKASZ
    assert cert.subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "Legal Representative"
    assert cert.subject.get_attributes_for_oid(NameOID.USER_ID)[0].value == "lukasz"
    assert signer.identity == signers.Identity(LUKASZ, "Legal Representative", "lukasz", contact)
    assert roster.signer_contacts(made.binder) == {
        **{c: n for c, n in roster.signer_contacts(made.binder).items() if c != contact},
        contact: signer.id}


def test_logins_are_made_from_first_names_and_kept_apart(made):
    first = enroll_person(made.binder, LUKASZ, "it", "lukasz-passphrase")
    second = enroll_person(made.binder, "Łukasz Nowak", "legal", "nowak-passphrase")
    third = enroll_person(made.binder, TARO, "it", "taro-passphrase")
    assert (first.person, second.person, third.person) == ("lukasz", "lukaszn", "山田")
    assert people.derive_login("Ann Lee", {"ann", "annl"}) == "ann2"


@pytest.mark.parametrize("typed", [LUKASZ, "łukasz wróblewski", "lukasz wroblewski", "lukasz",
                                   "wrob", "Łukasz W"])
def test_as_accepts_login_full_name_contact_id_or_enough_of_the_name(made, typed):
    signer = enroll_person(made.binder, LUKASZ, "it", "lukasz-passphrase")
    assert signers.get_signer(made.binder, typed).fingerprint == signer.fingerprint
    assert signers.get_signer(made.binder, signer.contact_id).fingerprint == signer.fingerprint
    assert signers.get_signer(made.binder, signer.contact_id[:6]).fingerprint == signer.fingerprint


def test_ambiguous_or_unknown_people_get_one_line_naming_the_candidates(made):
    enroll_person(made.binder, "Anna Kowalska", "it", "anna-k-passphrase")
    enroll_person(made.binder, "Anna Nowak", "legal", "anna-n-passphrase")
    assert signers.get_signer(made.binder, "anna").person == "anna"  # a login is exact
    with pytest.raises(BadInput) as err:
        signers.get_signer(made.binder, "Ann")
    message = str(err.value)
    assert "\n" not in message
    assert "Anna Kowalska (anna)" in message and "Anna Nowak (annan)" in message
    assert signers.get_signer(made.binder, "anna nowak").person == "annan"
    with pytest.raises(NotFound, match="'zoe' is not an enrolled signer.*Anna Nowak"):
        signers.get_signer(made.binder, "zoe")
    roster.add_contact(made.binder, role="it", name="Zoe Adams")
    roster.add_contact(made.binder, role="legal", name="Zoe Brown")
    with pytest.raises(BadInput, match="'zoe' fits 2 contacts: Zoe Adams .IT Contact.*Zoe Brown"):
        people.find_contact(made.binder, "zoe")


def test_enrolment_refusals_come_before_any_key_is_made(made):
    gone = roster.add_contact(made.binder, role="it", name="Gone Person")
    roster.remove_contact(made.binder, gone)
    long_name = roster.add_contact(made.binder, role="it", name="N" * 70)
    before = made.binder.conn.execute("SELECT count(*) FROM certificate").fetchone()[0]
    for who, message in ((gone, "was removed"), ("alice", "already enrolled"),
                         (long_name, "longer than 64"), ("Nobody Here", "no roster contact")):
        with pytest.raises((BadInput, NotFound), match=message):
            people.enroll_contact(made.binder, who, "a long passphrase", kdf=LIGHT_KDF_FOR_TESTS)
    assert made.binder.conn.execute("SELECT count(*) FROM certificate").fetchone()[0] == before
    made.binder.data_key = None
    with pytest.raises(Locked):
        people.enroll_contact(made.binder, "alice", "a long passphrase", kdf=LIGHT_KDF_FOR_TESTS)


def test_an_edited_signer_record_is_named_by_verify(made):
    signer = enroll_person(made.binder, ELENI, "legal", "eleni-passphrase")
    assert verify_binder(made.binder).ok
    conn = made.binder.conn
    conn.execute("DROP TRIGGER signer_no_update")
    conn.execute("UPDATE signer SET display_name = 'alice', role = 'Management' WHERE id = ?",
                 (signer.id,))
    conn.commit()
    problems = [p.message for p in verify_binder(made.binder).problems]
    assert any("name 'alice' is not the certificate's" in p for p in problems), problems
    assert any("role 'Management' is not the certificate's 'Legal Representative'" in p
               for p in problems)
    # What documents show still comes from the certificate.
    assert signers.get_signer(made.binder, signer.contact_id).identity.name == ELENI


def test_cli_enrols_a_contact_by_name_and_lists_names_from_certificates(made, run_cli):
    roster.add_contact(made.binder, role="legal", name=ELENI)
    made.binder.close()
    env = {"BINDER_FILE": str(made.path), "BINDER_PASSPHRASE": PASSPHRASE,
           "BINDER_SIGNER_PASSPHRASE": "eleni's own passphrase"}
    enrolled = run_cli("signer", "enroll", "Ελένη", "--login", "eleni", env=env)
    assert enrolled.code == 0, enrolled.err
    assert len(enrolled.out.split()) == 16  # the fingerprint, alone, in groups of four
    again = run_cli("signer", "enroll", ELENI, env=env)
    assert again.code == 2 and "already enrolled" in again.err
    nobody = run_cli("signer", "enroll", "Nobody", env=env)
    assert nobody.code == 2 and "no roster contact is called 'Nobody'" in nobody.err
    listed = json.loads(run_cli("signer", "list", "--json", env=env).out)["signers"]
    eleni = next(s for s in listed if s["login"] == "eleni")
    assert (eleni["name"], eleni["role"]) == (ELENI, "Legal Representative")
    text = run_cli("signer", "list", env=env).out
    assert ELENI in text and "Legal Representative" in text


def _legacy_binder(tmp_path: Path) -> Path:
    """A binder whose signers were enrolled before signers were contacts."""
    path = tmp_path / "old.binder"
    shutil.copyfile(GOLDEN / "binder-v3.binder", path)
    return path


def test_old_signers_become_contacts_at_the_first_unlocked_roster_use(tmp_path, run_cli):
    path = _legacy_binder(tmp_path)
    with open_binder(path) as binder:
        waiting = binder.conn.execute("SELECT count(*) FROM signer_contact").fetchone()[0]
        assert waiting == 0  # the migration cannot write contacts: it has no data key
        assert signers.get_signer(binder, "Alice Ångström").person == LEAD  # found by name
        vault.unlock_with_passphrase(binder, PASSPHRASE)
        names = {c.name: c for c in roster.list_contacts(binder)}
        links = dict(binder.conn.execute(
            "SELECT s.person, l.how FROM signer_contact l JOIN signer s ON s.id = l.signer_id"))
        # Alice was already in the roster under her full name; Bob was not.
        assert links == {"alice": "matched", "bob": "created"}
        assert names["Bob Brown"].role == "it"
        alice = signers.get_signer(binder, LEAD)
        assert alice.contact_id == names["Alice Ångström"].id
        assert signers.get_signer(binder, alice.contact_id[:8]).person == LEAD
        assert roster.adopt_signers(binder) == []  # once
        assert verify_binder(binder, check_files=False).ok
    listed = run_cli("roster", "list", "--json", "--binder", str(path),
                     env={"BINDER_PASSPHRASE": PASSPHRASE})
    assert listed.code == 0, listed.err
    assert {"Alice Ångström", "Bob Brown"} <= {c["name"] for c in json.loads(listed.out)}


def test_the_first_schema_golden_binder_links_its_signers_without_a_plan(tmp_path):
    path = tmp_path / "v1.binder"
    shutil.copyfile(GOLDEN / "binder-v1.binder", path)
    with open_binder(path) as binder:
        session.unlock_binder(binder, door="CLI", passphrase=PASSPHRASE, use_keyring=False)
        contacts = {c.name: c.role for c in roster.list_contacts(binder)}
        assert contacts == {"alice": "Incident Lead", "bob": "IT Contact"}
        assert verify_binder(binder, check_files=False).ok
        lead = session.sign_in(binder, "alice", LEAD_PASS, door="CLI")
        witness = session.sign_in(binder, "bob", WITNESS_PASS, door="CLI", meaning=session.WITNESS)
        assert (lead.identity.name, witness.identity.role) == ("alice", "IT Contact")


def test_linking_old_signers_is_all_or_nothing(tmp_path):
    path = _legacy_binder(tmp_path)
    with open_binder(path) as binder:
        vault.unlock_with_passphrase(binder, PASSPHRASE)
        contacts = binder.conn.execute("SELECT count(*) FROM contact").fetchone()[0]
        # The second link cannot be written: the first link and Bob's new contact go too.
        raw = sqlite3.connect(path)
        raw.execute("CREATE TRIGGER block BEFORE INSERT ON signer_contact WHEN "
                    "NEW.signer_id = 2 BEGIN SELECT RAISE(ABORT, 'disk gone'); END")
        raw.commit()
        raw.close()
        with pytest.raises(sqlite3.IntegrityError):
            roster.adopt_signers(binder)
        assert binder.conn.execute("SELECT count(*) FROM signer_contact").fetchone()[0] == 0
        assert binder.conn.execute("SELECT count(*) FROM contact").fetchone()[0] == contacts
