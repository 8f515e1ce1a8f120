"""The guided response core: every step a signed entry, state derived from the journal."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from binder.core import roster
from binder.core.errors import BadInput
from binder.core.incident import drills, impact, journal, notifications, workflow
from binder.core.incident import review as reviews
from binder.core.incident.record import open_incident
from binder.core.plan import revisions as plans
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from tests.helpers import LEAD_NAME


def entries(made, incident_id):
    return journal.count_entries(made.binder, incident_id)


def test_focus_starts_on_the_first_phase_and_moves_when_told(made, incident_id):
    state = workflow.incident_state(made.binder, incident_id)
    assert state.focus_phase == "initial_assessment"
    assert [p.is_focus for p in state.phases].count(True) == 1
    entry_id = workflow.set_focus_phase(made.binder, incident_id, made.lead, "containment")
    state = workflow.incident_state(made.binder, incident_id)
    assert state.focus_phase == "containment"
    assert state.phase("containment").is_focus
    entry = journal.get_entry(made.binder, entry_id)
    assert (entry.kind, entry.phase, entry.author) == ("phase", "containment", "alice")


def test_unknown_phase_names_the_valid_ones_and_writes_nothing(made, incident_id):
    before = entries(made, incident_id)
    with pytest.raises(BadInput, match="unknown phase 'contain'; use one of initial_assessment, "):
        workflow.set_focus_phase(made.binder, incident_id, made.lead, "contain")
    with pytest.raises(BadInput, match="containment"):
        workflow.tick_checklist(made.binder, incident_id, made.lead, "contain", 0)
    assert entries(made, incident_id) == before


def test_ticking_records_who_and_when_and_unticking_is_a_new_entry(made, incident_id):
    workflow.tick_checklist(made.binder, incident_id, made.lead, "containment", 0)
    workflow.tick_checklist(made.binder, incident_id, made.witness, "containment", "crypt key")
    items = workflow.incident_state(made.binder, incident_id).phase("containment").checklist
    assert items[0].done and items[0].done_by == "alice" and items[0].done_at
    crypt = next(i for i in items if "crypt key" in i.text)
    assert crypt.done_by == "bob"
    assert sum(i.done for i in items) == 2

    with pytest.raises(BadInput, match="already ticked"):
        workflow.tick_checklist(made.binder, incident_id, made.lead, "containment", 0)
    before = entries(made, incident_id)
    workflow.tick_checklist(made.binder, incident_id, made.lead, "containment", 0, done=False)
    assert entries(made, incident_id) == before + 1
    items = workflow.incident_state(made.binder, incident_id).phase("containment").checklist
    assert not items[0].done and items[0].done_by is None
    ticks = list(journal.iter_entries(made.binder, incident_id, kinds=["checklist"]))
    assert [t.data["done"] for t in ticks] == [True, True, False]
    assert ticks[0].data["text"] == items[0].text


def test_ambiguous_or_missing_item_text_is_refused(made, incident_id):
    with pytest.raises(BadInput, match="give the item number"):
        workflow.tick_checklist(made.binder, incident_id, made.lead, "containment", "Rotate")
    with pytest.raises(BadInput, match="no checklist item"):
        workflow.tick_checklist(made.binder, incident_id, made.lead, "containment", "zebra")
    with pytest.raises(BadInput, match="items 1 to 13"):
        workflow.tick_checklist(made.binder, incident_id, made.lead, "containment", 13)


def test_phase_owners_follow_the_raci_matrix(made, incident_id):
    phase = workflow.incident_state(made.binder, incident_id).phase("evidence_preservation")
    assert [(o.role_name, o.responsibility) for o in phase.owners] == [
        ("Legal Representative", "Owner"),
        ("Incident Lead", "Implements"),
        ("IT Contact", "Advises"),
    ]
    assert [a.key for a in phase.activities] == ["collect_evidence"]


def test_owners_carry_roster_names_only_when_unlocked(made, incident_id):
    roster.add_contact(made.binder, role="Legal Representative", name="Lena Law", escalation=1)
    roster.add_contact(made.binder, role="legal", name="Backup Counsel", escalation=2)
    phase = workflow.incident_state(made.binder, incident_id).phase("evidence_preservation")
    assert phase.owners_with("Owner")[0].people == ("Lena Law", "Backup Counsel")
    locked = open_binder(made.path)
    try:
        phase = workflow.incident_state(locked, incident_id).phase("evidence_preservation")
        assert phase.owners_with("Owner")[0].people == ()
    finally:
        locked.close()


def test_decision_with_options_approval_and_witness(made, incident_id):
    entry_id = workflow.record_decision(
        made.binder, incident_id, made.lead, decision="Take the store offline",
        reason="The skimmer is live; the SLA allows 4 hours of maintenance",
        options=["Take it offline", "Stay up with admin restricted"], approved_by="CEO",
        witness=made.witness,
    )
    [decision] = workflow.incident_state(made.binder, incident_id).decisions
    assert decision.entry_id == entry_id
    assert decision.options == ("Take it offline", "Stay up with admin restricted")
    assert (decision.approved_by, decision.witnesses) == ("CEO", ("bob",))
    assert decision.reason.startswith("The skimmer is live")
    assert verify_binder(made.binder, incident_id).ok


def test_decision_needs_reasoning(made, incident_id):
    with pytest.raises(BadInput, match="reasoning is empty"):
        workflow.record_decision(made.binder, incident_id, made.lead, decision="x", reason=" ")


def test_notification_meets_its_clock(made):
    iid = open_incident(made.binder, made.lead, title="Leak", detected_at="2026-03-02T09:00Z",
                        plan_revision_id=plans.current_revision(made.binder).id)
    notifications.record_notification(
        made.binder, iid, made.lead, party="Data protection authority", channel="portal",
        message="Initial notification, reference 42", told_at="2026-03-04T08:00Z",
        clock_key="gdpr_art33",
    )
    state = workflow.incident_state(made.binder, iid, now="2026-03-10T00:00Z")
    gdpr = next(c for c in state.clocks if c.key == "gdpr_art33")
    assert (gdpr.status, gdpr.met_by) == ("met", LEAD_NAME)
    assert gdpr.deadline == "2026-03-05T09:00:00.000000Z"
    [told] = state.notifications
    assert (told.party, told.channel, told.told_by) == ("Data protection authority", "portal", "alice")
    assert told.told_at == "2026-03-04T08:00Z"  # as stated
    with pytest.raises(BadInput, match="no clock 'gdpr'"):
        notifications.record_notification(made.binder, iid, made.lead, party="x", channel="y",
                                     message="z", clock_key="gdpr")


def test_a_documented_decision_not_to_notify_settles_the_clock(made, incident_id):
    notifications.record_notify_decision(
        made.binder, incident_id, made.lead, party="Data protection authority", notify=False,
        reason="Only hashed passwords of test accounts; no risk to people", clock_key="gdpr_art33",
    )
    state = workflow.incident_state(made.binder, incident_id)
    gdpr = next(c for c in state.clocks if c.key == "gdpr_art33")
    assert (gdpr.status, gdpr.why_off) == ("off", "not_needed")
    assert "test accounts" in gdpr.describe()
    assert state.notify_decisions[0].notify is False
    notifications.record_notify_decision(made.binder, incident_id, made.lead, party="DPA", notify=True,
                                    reason="New facts: real customers", clock_key="gdpr_art33")
    state = workflow.incident_state(made.binder, incident_id)
    assert next(c for c in state.clocks if c.key == "gdpr_art33").running


def test_need_to_know_list(made, incident_id):
    notifications.set_need_to_know(made.binder, incident_id, made.lead, "Carol (hosting)", reason="admin")
    notifications.set_need_to_know(made.binder, incident_id, made.lead, "Dave")
    notifications.set_need_to_know(made.binder, incident_id, made.lead, "dave", allowed=False)
    names = [p.name for p in workflow.incident_state(made.binder, incident_id).need_to_know]
    assert names == ["Carol (hosting)"]


@pytest.mark.parametrize("amount", ["", "abc", "1e5", "NaN", "Infinity", "1.23456",
                                    "99999999999999"])
def test_bad_amounts_are_refused(made, incident_id, amount):
    with pytest.raises(BadInput, match="amount"):
        impact.add_impact(made.binder, incident_id, made.lead, "Forensics", amount, "EUR")


def test_impact_lines_and_totals(made, incident_id):
    impact.add_impact(made.binder, incident_id, made.lead, "Forensic investigation", "12000.50",
                        "eur", "PFI quote")
    impact.add_impact(made.binder, incident_id, made.lead, "Card reissue", "3000", "EUR")
    impact.add_impact(made.binder, incident_id, made.lead, "Card reissue", "-500.25", "EUR",
                        "corrects the estimate")
    impact.add_impact(made.binder, incident_id, made.lead, "Legal", "800", "USD")
    with pytest.raises(BadInput, match="3-letter code"):
        impact.add_impact(made.binder, incident_id, made.lead, "Legal", "1", "euro")
    state = workflow.incident_state(made.binder, incident_id)
    assert state.impact_totals == {"EUR": Decimal("14500.25"), "USD": Decimal("800")}
    assert state.impact[0].currency == "EUR"
    assert state.impact[0].note == "PFI quote"


def test_accepting_a_review_creates_a_new_plan_revision(made, incident_id):
    state = workflow.incident_state(made.binder, incident_id)
    old_revision = state.plan_revision_id
    review_id = reviews.add_review(
        made.binder, incident_id, made.lead, "CDN logs were gone before we asked",
        ["checklist:evidence_preservation:Ask the CDN for logs on day one",
         "raci:review_plan:management:Owner", "Hire the forensic firm earlier"],
    )
    revision_id = reviews.accept_review(made.binder, incident_id, made.witness)
    assert revision_id != old_revision
    new = plans.get_revision(made.binder, revision_id)
    assert new.number == 2 and new.author == "bob"
    assert new.plan.phase("evidence_preservation").checklist[-1] == "Ask the CDN for logs on day one"
    assert new.plan.activity("review_plan").responsibility("management") == "Owner"
    assert "Hire the forensic firm earlier" in new.note
    assert plans.current_revision(made.binder).id == revision_id

    state = workflow.incident_state(made.binder, incident_id)
    assert state.plan_revision_id == old_revision  # the incident keeps the plan it ran under
    [review] = state.reviews
    assert (review.entry_id, review.accepted_revision, review.accepted_by) == (
        review_id, revision_id, "bob")
    with pytest.raises(BadInput, match="no review waiting"):
        reviews.accept_review(made.binder, incident_id, made.lead)
    with pytest.raises(BadInput, match="already accepted"):
        reviews.accept_review(made.binder, incident_id, made.lead, review_id)


def test_review_changes_are_checked_against_the_plan(made, incident_id):
    before = entries(made, incident_id)
    with pytest.raises(BadInput, match="unknown phase 'nope'"):
        reviews.add_review(made.binder, incident_id, made.lead, "x", ["checklist:nope:do it"])
    with pytest.raises(BadInput, match="not a responsibility"):
        reviews.add_review(made.binder, incident_id, made.lead, "x", ["raci:review_plan:it:Boss"])
    assert entries(made, incident_id) == before


def test_close_and_reopen(made, incident_id):
    workflow.close_incident(made.binder, incident_id, made.lead, "Skimmer removed", witness=made.witness)
    state = workflow.incident_state(made.binder, incident_id)
    assert state.closed and state.closed_by == "alice"
    with pytest.raises(BadInput, match="already closed"):
        workflow.close_incident(made.binder, incident_id, made.lead)
    workflow.reopen_incident(made.binder, incident_id, made.lead, "The skimmer came back")
    assert not workflow.incident_state(made.binder, incident_id).closed


def test_drill_from_a_scenario_reveals_injects_in_order(made):
    scenario = next(s for s in drills.list_scenarios(made.binder) if s.key == "skimmer_cms")
    iid = drills.start_drill(made.binder, made.lead, "skimmer_cms")
    state = workflow.incident_state(made.binder, iid)
    assert state.incident.drill and state.incident.type == scenario.incident_type
    assert state.incident.label.startswith("[DRILL]")
    assert state.drill.scenario_key == "skimmer_cms"
    assert (len(state.drill.revealed), len(state.drill.pending)) == (0, len(scenario.injects))
    for _ in scenario.injects:
        drills.reveal_next_inject(made.binder, iid, made.witness)
    state = workflow.incident_state(made.binder, iid)
    assert [i.text for i in state.drill.revealed] == [i.text for i in scenario.injects]
    assert state.drill.revealed[0].revealed_by == "bob"
    with pytest.raises(BadInput, match="already revealed"):
        drills.reveal_next_inject(made.binder, iid, made.lead)
    assert state.drill.to_dict()["revealed"][0]["text"] == scenario.injects[0].text
    assert verify_binder(made.binder, iid).ok


def test_injects_belong_to_drills(made, incident_id):
    with pytest.raises(BadInput, match="not a drill"):
        drills.reveal_next_inject(made.binder, incident_id, made.lead)
    with pytest.raises(BadInput, match="unknown drill scenario 'nope'; scenarios: skimmer_cms"):
        drills.start_drill(made.binder, made.lead, "nope")


def test_pending_inject_texts_stay_hidden_in_the_summary(made):
    iid = drills.start_drill(made.binder, made.lead, "admin_takeover")
    data = drills.drill_state(made.binder, iid).to_dict()
    assert data["revealed"] == [] and all("text" not in p for p in data["pending"])
    assert all("text" in p for p in drills.drill_state(made.binder, iid).to_dict(
        include_pending_text=True)["pending"])


def test_state_exports_as_json(made, incident_id):
    impact.add_impact(made.binder, incident_id, made.lead, "Legal", "10.5", "EUR")
    data = json.loads(json.dumps(workflow.state_to_dict(
        workflow.incident_state(made.binder, incident_id))))
    # Shown in the currency's minor unit, as every door shows it; the signed figure is kept.
    assert data["impact_totals"] == {"EUR": "10.50"}
    assert (data["impact"][0]["amount"], data["impact"][0]["amount_recorded"]) == ("10.50", "10.5")
    assert data["phases"][0]["checklist"][0]["number"] == 1
    assert {c["key"] for c in data["clocks"]} >= {"gdpr_art33", "sec_8k"}


def test_a_met_clock_names_who_answered_it_as_their_certificate_does(made):
    from binder.core.crypto import signers
    from tests.helpers import LIGHT_KDF_FOR_TESTS

    signers.enroll(made.binder, "lw", "lw-passphrase-long", display_name="Łukasz Wróblewski",
                   role="Legal Representative", kdf=LIGHT_KDF_FOR_TESTS)
    lukasz = signers.open_session(made.binder, "lw", "lw-passphrase-long")
    iid = open_incident(made.binder, made.lead, title="Leak", detected_at="2026-03-02T09:00Z",
                        plan_revision_id=plans.current_revision(made.binder).id)
    notifications.record_notification(
        made.binder, iid, lukasz, party="Data protection authority", channel="portal",
        message="Initial notification", told_at="2026-03-04T08:00Z", clock_key="gdpr_art33")
    state = workflow.incident_state(made.binder, iid, now="2026-03-10T00:00Z")
    gdpr = next(c for c in state.clocks if c.key == "gdpr_art33")
    # Reports print this verdict: the person's name, never the login typed with --as.
    assert (gdpr.status, gdpr.met_by) == ("met", "Łukasz Wróblewski")
    assert "by Łukasz Wróblewski" in gdpr.describe()
