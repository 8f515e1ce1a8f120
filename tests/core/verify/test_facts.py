"""Facts shown outside the journal's signatures: each is signed now, or checked against
something signed, so an edit with sqlite3 is a finding and never a different answer.

The incident's opening time and opener, its number and the binder's identity are in
the signed opening entry (and the binder's uuid in its root certificate); the roster's
clear fields, its history and which revision is the newest are bound by the data key.
Binders from the released schemas keep verifying: what they never signed is
grandfathered and `verify` says so in a note. docs/RELIABILITY.md lists every case.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from binder.core import roster, roster_seal
from binder.core.crypto import vault
from binder.core.errors import CorruptEnvelope
from binder.core.incident.record import get_incident, list_incidents, open_incident
from binder.core.output import bundle
from binder.core.plan import revisions as plans
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from tests.core.verify.test_tamper import tamper, verified
from tests.helpers import LEAD_NAME, PASSPHRASE

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def opened(made):
    iid = open_incident(made.binder, made.lead, title="Skimmer in checkout", type="skimmer",
                        severity="high", plan_revision_id=plans.current_revision(made.binder).id)
    made.binder.close()
    return made.path, iid


def _codes(path: Path) -> set[str]:
    return {p.code for p in verified(path).problems}


def _reopen(path: Path):
    return open_binder(path)


def test_opening_time_edited_is_found_and_never_shown(opened):
    path, iid = opened
    with _reopen(path) as b:
        signed_at = get_incident(b, iid).opened_at
    tamper(path, "UPDATE incident SET opened_at = '2020-01-01T00:00:00.000000Z'")
    report = verified(path)
    assert [str(p) for p in report.problems] == [
        f"incident {iid}: incident record changed: opening time differs from the signed opening"]
    with _reopen(path) as b:
        # Screens, reports and bundles show the signed time, not the edited row.
        assert get_incident(b, iid).opened_at == signed_at
        assert list_incidents(b)[0].opened_at == signed_at
        assert bundle.build_bundle(b, iid)["incident"]["opened_at"] == signed_at


def test_opener_edited_is_found_and_the_signed_opener_shown(opened):
    path, iid = opened
    tamper(path, "UPDATE incident SET opened_by = 'mallory'")
    assert _codes(path) == {"incident_changed"}
    with _reopen(path) as b:
        assert get_incident(b, iid).opened_by == "alice"


def test_opening_facts_are_signed_in_the_opening_entry(opened):
    path, iid = opened
    with _reopen(path) as b:
        doc = bundle.build_bundle(b, iid)["entries"][0]["document"]
        assert doc["kind"] == "open"
        assert {"id": iid, "binder": b.uuid, "opened_by": "alice"}.items() <= doc["data"].items()
        assert doc["data"]["opened_at"] == get_incident(b, iid).opened_at


def test_incident_renumbered_is_found(opened):
    """The row and its entries moved to another number together: consistent, but not as signed."""
    path, iid = opened
    tamper(path, "PRAGMA foreign_keys = OFF", f"UPDATE incident SET id = 7 WHERE id = {iid}",
           f"UPDATE entry SET incident_id = 7 WHERE incident_id = {iid}")
    report = verified(path)
    assert {p.code for p in report.problems} == {"incident_renumbered"}
    assert "opened as incident 1, the binder now calls it 7" in str(report.problems[0])


def test_binder_identity_changed_is_found(opened):
    path, _ = opened
    tamper(path, "UPDATE meta SET value = '00000000-0000-4000-8000-000000000000' WHERE key = 'uuid'")
    report = verified(path)
    # The roster (the signers are contacts) was sealed under the old identity: named too.
    assert {p.code for p in report.problems} == {"binder_identity_changed", "roster_changed"}
    texts = " ".join(str(p) for p in report.problems)
    assert "root certificate was made for binder" in texts and "was opened in binder" in texts


def test_binder_identity_deleted_is_a_finding_not_a_refusal(opened, run_cli):
    path, _ = opened
    tamper(path, "DELETE FROM meta WHERE key = 'uuid'")
    result = run_cli("verify", "--binder", str(path), "--skip-files")
    assert result.code == 1, result.err
    assert "identity (its uuid) is missing" in result.out


@pytest.mark.parametrize("golden", ["binder-v1.binder", "binder-v3.binder"])
def test_released_binders_verify_with_grandfathered_notes(golden, tmp_path):
    path = tmp_path / golden
    shutil.copy(DATA / golden, path)
    report = verified(path)
    assert report.ok, [str(p) for p in report.problems]
    notes = " ".join(report.notes)
    assert "opened by an earlier version" in notes and "grandfathered" in notes


def test_released_binder_opening_time_edited_is_still_found(tmp_path):
    path = tmp_path / "v3.binder"
    shutil.copy(DATA / "binder-v3.binder", path)
    with _reopen(path):
        pass  # upgrade first, as the app would
    tamper(path, "UPDATE incident SET opened_at = '2020-01-01T00:00:00.000000Z' WHERE id = 1")
    assert "incident_changed" in _codes(path)


# ------------------------------------------------------------------ the roster


@pytest.fixture
def ladder(made):
    """Two contacts for one role, first and second to call; the first's phone changed once."""
    b = made.binder
    first = roster.add_contact(b, role="lead", name="Dana Whitfield", phone="+1 555 0100")
    second = roster.add_contact(b, role="lead", name="Priya Raman", phone="+1 555 0200",
                                escalation=2)
    roster.edit_contact(b, first, phone="+1 555 0111")
    b.close()
    return made.path, first, second


def _read_roster(path: Path):
    with _reopen(path) as b:
        vault.unlock_with_passphrase(b, PASSPHRASE)
        return roster.list_contacts(b, include_removed=True)


def _refused(path: Path, contact: str) -> str:
    with pytest.raises(CorruptEnvelope) as caught:
        _read_roster(path)
    assert contact in str(caught.value)
    return str(caught.value)


def test_contact_moved_down_the_ladder_is_an_error(ladder):
    path, first, _ = ladder
    tamper(path, f"UPDATE contact_revision SET escalation = 3 WHERE contact_id = '{first}'")
    assert "escalation order" in _refused(path, first)
    assert _codes(path) == {"roster_changed"}


def test_contact_hidden_by_the_removed_flag_is_an_error(ladder):
    path, first, _ = ladder
    tamper(path, f"UPDATE contact_revision SET removed = 1 WHERE contact_id = '{first}' "
                 "AND revision = 2")
    _refused(path, first)
    assert _codes(path) == {"roster_changed"}


def test_phone_rolled_back_by_deleting_the_newest_revision_is_an_error(ladder):
    path, first, _ = ladder
    tamper(path, f"DELETE FROM contact_revision WHERE contact_id = '{first}' AND revision = 2")
    assert "newest revision is 2" in _refused(path, first)
    assert _codes(path) == {"roster_changed"}


def test_whole_contact_deleted_is_an_error(ladder):
    path, _, second = ladder
    tamper(path, f"DELETE FROM contact_revision WHERE contact_id = '{second}'")
    assert "gone" in _refused(path, second)


def test_role_of_an_old_revision_changed_breaks_the_chain(ladder):
    path, first, _ = ladder
    tamper(path, f"UPDATE contact_revision SET role = 'it' WHERE contact_id = '{first}' "
                 "AND revision = 1")
    _refused(path, first)
    assert _codes(path) == {"roster_changed"}


def test_roster_seal_deleted_is_an_error(ladder):
    path, first, _ = ladder
    tamper(path, "DELETE FROM roster_head")
    with pytest.raises(CorruptEnvelope, match="seal .* is gone"):
        _read_roster(path)
    assert _codes(path) == {"roster_changed"}


def test_roster_seal_rewritten_without_the_key_is_an_error(ladder):
    """The attacker edits a contact and rewrites the listing to match, but cannot make the MAC."""
    path, first, _ = ladder
    with _reopen(path) as b:
        listing = roster_seal.current_listing(b)
    tamper(path, f"UPDATE contact_revision SET escalation = 3 WHERE contact_id = '{first}'")
    with _reopen(path) as b:
        forged = roster_seal.current_listing(b)
    assert forged != listing
    import json

    tamper(path, "UPDATE roster_head SET listing = ?",
           params=(json.dumps(forged, sort_keys=True, separators=(",", ":")),))
    assert verified(path).ok  # consistent without the key: only the unlocked read can tell
    with pytest.raises(CorruptEnvelope, match="MAC does not match"):
        _read_roster(path)


def test_released_binder_roster_is_sealed_at_first_unlock_then_guarded(tmp_path):
    path = tmp_path / "v3.binder"
    shutil.copy(DATA / "binder-v3.binder", path)
    before = verified(path)
    assert any("not sealed yet" in n for n in before.notes)
    contacts = _read_roster(path)  # first unlocked read: seals what it finds
    assert contacts
    with _reopen(path) as b:
        assert b.conn.execute("SELECT count(*) FROM roster_head").fetchone()[0] == 1
    victim = contacts[0].id
    tamper(path, f"UPDATE contact_revision SET escalation = 9 WHERE contact_id = '{victim}'")
    _refused(path, victim)
    assert "roster_changed" in _codes(path)


def test_roster_edits_through_the_app_keep_verifying(ladder):
    path, first, second = ladder
    with _reopen(path) as b:
        vault.unlock_with_passphrase(b, PASSPHRASE)
        roster.edit_contact(b, second, escalation=1)
        roster.remove_contact(b, first)
        assert [c.escalation for c in roster.list_contacts(b) if c.role == "lead"
                and c.name != LEAD_NAME] == [1]
        assert verify_binder(b).ok


def test_intact_binder_has_no_grandfathered_notes(opened):
    path, _ = opened
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM incident").fetchone()[0] == 1
    report = verified(path)
    assert report.ok and not any("grandfathered" in n for n in report.notes)
