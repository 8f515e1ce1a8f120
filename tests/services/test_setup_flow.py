"""First run as plain state: every step, every refusal, no Qt."""

from __future__ import annotations

import pytest

from binder.core.crypto import signers, vault
from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
from binder.core.errors import AlreadyExists, BadInput, NotABinder, WrongPassphrase
from binder.core.incident import journal
from binder.core.incident import record as incidents
from binder.core.storage.database import open_binder
from binder.services.setup_flow import (
    Next,
    SetupFlow,
    Step,
    normalize_location,
    passphrase_strength,
)

GOOD = "orange kettle mountain"
LEAD_GOOD = "blue lantern harbour"


def new_flow(tmp_path):
    return SetupFlow(tmp_path / "default.binder", kdf=LIGHT_KDF_FOR_TESTS)


def walk_to_enroll(flow, path):
    flow.start_new()
    flow.choose_location(path, org="Acme Store")
    code = flow.set_passphrase(GOOD, GOOD)
    flow.recovery_shown()
    flow.confirm_written_down(True)
    return code


def test_full_first_run_creates_a_working_binder(tmp_path):
    flow = new_flow(tmp_path)
    assert flow.step is Step.WELCOME
    code = walk_to_enroll(flow, tmp_path / "shop")
    assert flow.step is Step.ENROLL
    signer = flow.enroll_lead("dana", LEAD_GOOD, LEAD_GOOD, display_name="Dana Smith")
    assert signer.role == "Incident Lead"
    assert flow.lead_session is not None and flow.lead_session.person == "dana"
    result = flow.finish()
    assert result.next is Next.INCIDENTS and result.lead == "dana"
    assert result.path == tmp_path / "shop.binder"
    assert flow.step is Step.DONE and flow.recovery_code is None
    flow.take_binder().close()

    # The binder opens with the passphrase, and with the recovery code shown once.
    with open_binder(result.path) as b:
        vault.unlock_with_passphrase(b, GOOD)
        assert b.meta("org") == "Acme Store"
        assert [s.person for s in signers.list_signers(b)] == ["dana"]
    with open_binder(result.path) as b:
        vault.unlock_with_recovery_code(b, code)
        assert b.unlocked


def test_drill_is_opened_signed_and_marked(tmp_path):
    flow = new_flow(tmp_path)
    walk_to_enroll(flow, tmp_path / "drill.binder")
    flow.enroll_lead("dana", LEAD_GOOD, LEAD_GOOD)
    result = flow.finish(drill=True)
    assert result.next is Next.DRILL
    binder = flow.take_binder()
    inc = incidents.get_incident(binder, result.drill_incident_id)
    assert inc.drill and inc.opened_by == "dana"
    first = next(journal.iter_entries(binder, inc.id))
    assert first.kind == "open" and first.text.startswith("Drill opened")
    binder.close()


def test_roster_choice_and_skipping_enrolment(tmp_path):
    flow = new_flow(tmp_path)
    walk_to_enroll(flow, tmp_path / "r.binder")
    flow.skip_enroll()
    with pytest.raises(BadInput, match="enrol yourself"):
        flow.finish(drill=True)
    assert flow.finish(roster=True).next is Next.ROSTER
    flow.take_binder().close()


def test_passphrase_refusals_write_nothing(tmp_path):
    flow = new_flow(tmp_path)
    flow.start_new()
    path = flow.choose_location(tmp_path / "x.binder")
    with pytest.raises(BadInput, match="differ"):
        flow.set_passphrase(GOOD, GOOD + "!")
    with pytest.raises(BadInput, match="too short"):
        flow.set_passphrase("short", "short")
    with pytest.raises(BadInput, match="too common"):
        flow.set_passphrase("password123", "password123")
    assert not path.exists()
    assert flow.step is Step.PASSPHRASE


def test_location_refuses_an_existing_file_and_adds_suffix(tmp_path):
    (tmp_path / "taken.binder").write_bytes(b"x")
    flow = new_flow(tmp_path)
    flow.start_new()
    with pytest.raises(AlreadyExists, match="open it instead"):
        flow.choose_location(tmp_path / "taken")
    with pytest.raises(BadInput, match="choose where"):
        flow.choose_location("  ")
    assert normalize_location(tmp_path) == tmp_path / "incident.binder"
    assert flow.choose_location(tmp_path / "sub" / "new").name == "new.binder"


def test_cancel_before_confirmation_removes_the_empty_binder(tmp_path):
    flow = new_flow(tmp_path)
    flow.start_new()
    path = flow.choose_location(tmp_path / "gone.binder")
    flow.set_passphrase(GOOD, GOOD)
    assert path.exists()
    flow.recovery_shown()
    flow.cancel()
    assert not path.exists() and flow.step is Step.WELCOME


def test_cancel_after_confirmation_keeps_the_binder(tmp_path):
    flow = new_flow(tmp_path)
    walk_to_enroll(flow, tmp_path / "kept.binder")
    flow.cancel()
    assert (tmp_path / "kept.binder").exists()


def test_confirmation_must_be_ticked(tmp_path):
    flow = new_flow(tmp_path)
    flow.start_new()
    flow.choose_location(tmp_path / "c.binder")
    flow.set_passphrase(GOOD, GOOD)
    flow.recovery_shown()
    with pytest.raises(BadInput, match="I wrote it down"):
        flow.confirm_written_down(False)
    flow.back()
    assert flow.step is Step.RECOVERY  # the code can be shown again
    flow.cancel()


def test_steps_out_of_order_are_refused(tmp_path):
    flow = new_flow(tmp_path)
    with pytest.raises(BadInput, match="welcome step"):
        flow.set_passphrase(GOOD, GOOD)
    with pytest.raises(BadInput, match="cannot go back"):
        flow.back()
    flow.start_new()
    flow.back()
    assert flow.step is Step.WELCOME


def test_enrol_refusals(tmp_path):
    flow = new_flow(tmp_path)
    walk_to_enroll(flow, tmp_path / "e.binder")
    with pytest.raises(BadInput, match="differ"):
        flow.enroll_lead("dana", LEAD_GOOD, "other words here")
    with pytest.raises(BadInput, match="empty"):
        flow.enroll_lead("   ", LEAD_GOOD, LEAD_GOOD)
    assert flow.step is Step.ENROLL
    flow.enroll_lead("dana", LEAD_GOOD, LEAD_GOOD)
    binder = flow.take_binder()
    with pytest.raises(WrongPassphrase):
        signers.open_session(binder, "dana", GOOD)
    binder.close()


def test_open_existing_checks_the_file(tmp_path, made):
    made.binder.close()
    flow = new_flow(tmp_path)
    result = flow.open_existing(made.path)
    assert result.next is Next.UNLOCK and result.path == made.path
    other = new_flow(tmp_path)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(NotABinder):
        other.open_existing(tmp_path / "notes.txt")
    with pytest.raises(NotABinder):
        other.open_existing(tmp_path / "missing.binder")
    assert not (tmp_path / "missing.binder").exists()


@pytest.mark.parametrize(
    ("passphrase", "score"),
    [("abc", 0), ("password1", 0), ("aaaaaaaaaaaa", 0), ("kettle12", 1), ("Summer2024!", 2),
     ("kettle-mountain-x", 4), ("orange kettle mountain", 4),
     ("Orange kettle mountain 7", 4)],
)
def test_strength_meter(passphrase, score):
    strength = passphrase_strength(passphrase)
    assert strength.score == score
    assert strength.acceptable is (score >= 3)
    assert strength.label and strength.hint
