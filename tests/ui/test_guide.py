"""The Guide, Decisions, Impact and Review panes, driven with qtbot on a real binder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from binder.core import roster
from binder.core.incident import clocks, drills, journal, workflow
from binder.core.incident.record import open_incident
from binder.core.plan import revisions as plans
from binder.ui.screens.decisions import DecisionsPane
from binder.ui.screens.guide import GuidePane
from binder.ui.screens.impact import ImpactPane
from binder.ui.screens.review import ReviewPane
from tests.helpers import LEAD, LEAD_NAME, WITNESS, WITNESS_NAME, WITNESS_PASS


def show(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(1366, 520)
    widget.show()
    return widget


@pytest.fixture
def guide(qtbot, made, incident_id):
    return show(qtbot, GuidePane(made.binder, incident_id, lambda: made.lead))


def checklist_entries(made, incident_id):
    return list(journal.iter_entries(made.binder, incident_id, kinds=["checklist"]))


def test_ticking_a_checklist_item_records_who_and_when(qtbot, made, incident_id, guide):
    guide.select_phase("containment")
    assert guide.phase_title.text() == "Containing the damage and minimising risk"
    guide.checklist.setCurrentRow(2)
    guide.checklist.setFocus()
    qtbot.keyClick(guide.checklist, Qt.Key.Key_Space)

    [entry] = checklist_entries(made, incident_id)
    assert (entry.author, entry.phase, entry.data["item"], entry.data["done"]) == (
        LEAD, "containment", 2, True)
    item = guide.checklist.item(2)
    assert item.checkState() == Qt.CheckState.Checked
    assert f"✓ {LEAD_NAME}" in item.text()
    assert f"Ticked by {LEAD_NAME}" in item.toolTip()
    assert guide.progress.text() == "1 of 13 done"
    state = workflow.incident_state(made.binder, incident_id)
    assert state.phase("containment").checklist[2].done_by == LEAD

    # Unticking is a new signed entry, not an edit.
    guide.checklist.item(2).setCheckState(Qt.CheckState.Unchecked)
    assert [e.data["done"] for e in checklist_entries(made, incident_id)] == [True, False]
    assert guide.checklist.item(2).checkState() == Qt.CheckState.Unchecked


def test_without_a_signed_in_person_nothing_is_ticked(qtbot, made, incident_id, shown_messages):
    pane = show(qtbot, GuidePane(made.binder, incident_id, lambda: None))
    pane.checklist.item(0).setCheckState(Qt.CheckState.Checked)
    assert checklist_entries(made, incident_id) == []
    assert pane.checklist.item(0).checkState() == Qt.CheckState.Unchecked
    assert shown_messages[-1][1] == "Sign in to sign"


def test_any_phase_can_become_the_focus(qtbot, made, incident_id, guide):
    first = guide.phases.item(0)
    assert first.text().startswith("★ Initial assessment")
    guide.select_phase("evidence_preservation")
    assert guide.focus_chip.isHidden()
    entry_id = guide.make_focus()
    assert journal.get_entry(made.binder, entry_id).data == {"action": "focus",
                                                             "phase": "evidence_preservation"}
    assert guide.current_phase_key() == "evidence_preservation"
    assert not guide.focus_chip.isHidden()
    assert not guide.focus_button.isEnabled()
    assert not guide.phases.item(0).text().startswith("★")


def test_owners_show_roster_names_as_plain_text(qtbot, made, incident_id):
    roster.add_contact(made.binder, role="legal", name="<b>Lena</b> & Partners")
    pane = show(qtbot, GuidePane(made.binder, incident_id, lambda: made.lead))
    pane.select_phase("evidence_preservation")
    text = pane.guidance.toPlainText()
    assert "Legal Representative (<b>Lena</b> & Partners)" in text
    assert "Owns it" in text and "Preserving data has a price" in text


def test_a_drill_reveals_its_injects(qtbot, made):
    iid = drills.start_drill(made.binder, made.lead, "admin_takeover")
    pane = show(qtbot, GuidePane(made.binder, iid, lambda: made.lead))
    assert not pane.drill_banner.isHidden()
    assert pane.inject_text.text().startswith("No inject revealed yet")
    qtbot.mouseClick(pane.reveal_button, Qt.MouseButton.LeftButton)
    first = drills.drill_state(made.binder, iid).injects[0]
    assert pane.inject_text.text() == f"Inject 1 of 5: {first.text}"
    assert pane.reveal_button.text() == "Reveal inject 2 of 5"


def test_a_real_incident_has_no_drill_banner(guide):
    assert guide.drill_banner.isHidden()


# ---------------------------------------------------------------- decisions and clocks


@pytest.fixture
def late_incident(made):
    detected = (datetime.now(UTC) - timedelta(hours=30)).isoformat()
    iid = open_incident(made.binder, made.lead, title="Leak", detected_at=detected,
                        plan_revision_id=plans.current_revision(made.binder).id)
    clocks.set_clock_enabled(made.binder, iid, made.lead, "mastercard", True)
    return iid


def clock_row(pane, key):
    for row in range(pane.clocks.rowCount()):
        if pane.clocks.item(row, 0).data(Qt.ItemDataRole.UserRole) == key:
            return [pane.clocks.item(row, c) for c in range(pane.clocks.columnCount())]
    raise AssertionError(key)


def test_clocks_count_down_in_colour(qtbot, made, late_incident):
    pane = show(qtbot, DecisionsPane(made.binder, late_incident, lambda: made.lead))
    name, _deadline, status, rule = clock_row(pane, "mastercard")
    assert status.text().startswith("MISSED: overdue by 6 h")
    assert status.background().color().name() == "#b91c1c"
    assert rule.text().startswith("24 hours from awareness")
    gdpr = clock_row(pane, "gdpr_art33")[2]
    assert gdpr.text().startswith("due in 1 d 17 h")
    assert gdpr.background().color().name() == "#15803d"
    assert clock_row(pane, "nis2_early_warning")[2].text() == (
        "the plan says the organisation is not in scope")
    # Running clocks are listed first.
    assert pane.clocks.item(0, 0).data(Qt.ItemDataRole.UserRole) == "mastercard"


def test_recording_a_decision_with_a_witness(qtbot, made, incident_id):
    pane = show(qtbot, DecisionsPane(made.binder, incident_id, lambda: made.lead))
    added = []
    pane.entry_added.connect(added.append)
    dialog = pane.new_decision()
    dialog.fields["decision"].setText("Take the store offline <now>")
    dialog.fields["options"].setPlainText("Offline\nStay up, admin restricted\n")
    dialog.fields["approved_by"].setText("Mona (CEO)")
    dialog.choose_witness(WITNESS, "wrong passphrase")
    assert not dialog.try_accept()
    assert f"not {WITNESS_NAME}'s passphrase" in dialog.message.text()
    # No reasoning yet: the form stays open with the text.
    dialog.choose_witness(WITNESS, WITNESS_PASS)
    assert not dialog.try_accept()
    assert "reasoning is empty" in dialog.message.text()
    dialog.fields["reason"].setPlainText("The skimmer is live")
    dialog.choose_witness(WITNESS, WITNESS_PASS)
    assert dialog.try_accept()

    [decision] = workflow.incident_state(made.binder, incident_id).decisions
    assert decision.options == ("Offline", "Stay up, admin restricted")
    assert decision.witnesses == (WITNESS,)
    assert added == [decision.entry_id]
    assert pane.decisions.item(0, 1).text().startswith("Take the store offline <now>")
    assert f"witness {WITNESS_NAME}" in pane.decisions.item(0, 3).text()


def test_a_notification_meets_its_clock(qtbot, made, late_incident):
    pane = show(qtbot, DecisionsPane(made.binder, late_incident, lambda: made.lead))
    dialog = pane.new_notification()
    dialog.fields["party"].setCurrentText("Acquirer / payment provider")
    dialog.fields["message"].setPlainText("Suspected skimmer, case 8812")
    clock = dialog.fields["clock"]
    clock.setCurrentIndex(clock.findData("gdpr_art33"))
    assert dialog.try_accept()
    assert pane.notifications.item(0, 1).text() == "Acquirer / payment provider"
    assert pane.notifications.item(0, 5).text() == "GDPR Art. 33: tell the supervisory authority: met"
    status = clock_row(pane, "gdpr_art33")[2]
    assert status.text().startswith("met ") and status.text().endswith(f"by {LEAD_NAME}")


def test_a_decision_not_to_notify_is_documented(qtbot, made, incident_id):
    pane = show(qtbot, DecisionsPane(made.binder, incident_id, lambda: made.lead))
    dialog = pane.new_notify_decision()
    dialog.fields["party"].setCurrentText("Data protection authority")
    dialog.fields["dont"].setChecked(True)
    dialog.fields["reason"].setPlainText("Only test accounts were exposed")
    clock = dialog.fields["clock"]
    clock.setCurrentIndex(clock.findData("gdpr_art33"))
    assert dialog.try_accept()
    assert pane.decisions.item(0, 1).text() == "Will not notify Data protection authority"
    assert clock_row(pane, "gdpr_art33")[2].text().startswith("decided not to notify")


def test_switching_a_clock_off_needs_a_reason(qtbot, made, incident_id):
    pane = show(qtbot, DecisionsPane(made.binder, incident_id, lambda: made.lead))
    pane.select_clock("gdpr_art33")
    assert pane.clock_off_button.isEnabled() and not pane.clock_on_button.isEnabled()
    dialog = pane.switch_clock(False)
    assert not dialog.try_accept()
    assert "say why" in dialog.message.text()
    dialog.fields["reason"].setText("No personal data in scope")
    assert dialog.try_accept()
    assert clock_row(pane, "gdpr_art33")[2].text() == (
        "switched off for this incident: No personal data in scope")


# ---------------------------------------------------------------- impact and review


def test_impact_lines_and_totals(qtbot, made, incident_id):
    pane = show(qtbot, ImpactPane(made.binder, incident_id, lambda: made.lead))
    pane.amount.setText("twelve")
    assert pane.add_line() is None
    assert "not a number" in pane.message.text()
    pane.category.setCurrentText("Forensic investigation")
    pane.amount.setText("12000.5")
    pane.note.setText("PFI quote")
    assert pane.add_line() is not None
    assert pane.amount.text() == ""
    assert pane.table.item(0, 2).text() == "12,000.50 EUR"
    assert pane.totals.text() == "Total: 12,000.50 EUR"


def test_a_review_becomes_a_new_plan_revision(qtbot, made, incident_id, shown_messages):
    pane = show(qtbot, ReviewPane(made.binder, incident_id, lambda: made.lead))
    pane.lessons.setPlainText("CDN logs were rotated before we asked")
    pane.change_kind.setCurrentIndex(pane.change_kind.findData("checklist"))
    pane.change_phase.setCurrentIndex(pane.change_phase.findData("evidence_preservation"))
    pane.change_text.setText("Ask the CDN for logs on day one")
    assert pane.add_change()
    assert pane.change_list.item(0).text() == (
        "add to the Preserving forensic evidence checklist: Ask the CDN for logs on day one")
    pane.change_kind.setCurrentIndex(pane.change_kind.findData("checklist"))
    assert not pane.add_change()  # empty text
    assert pane.record_review() is not None
    assert pane.accept_button.isEnabled()
    revision = pane.accept_selected()
    assert revision == plans.current_revision(made.binder).id
    checklist = plans.get_revision(made.binder, revision).plan.phase("evidence_preservation").checklist
    assert checklist[-1] == "Ask the CDN for logs on day one"
    assert not pane.accept_button.isEnabled()
    assert shown_messages[-1][1] == "New plan revision"
    assert f"Accepted by {LEAD_NAME} as plan revision {revision}." in pane.review_text.toPlainText()


def test_closing_and_reopening(qtbot, made, incident_id):
    pane = show(qtbot, ReviewPane(made.binder, incident_id, lambda: made.lead))
    dialog = pane.close_or_reopen()
    dialog.fields["text"].setPlainText("Skimmer removed, credentials rotated")
    assert dialog.try_accept()
    assert workflow.incident_state(made.binder, incident_id).closed
    assert pane.status.text().startswith("Closed")
    dialog = pane.close_or_reopen()
    assert not dialog.try_accept()  # a reason is required
    dialog.fields["text"].setPlainText("It came back")
    assert dialog.try_accept()
    assert pane.status.text() == "Incident open"


def test_countdowns_refresh_only_while_shown(qtbot, made, incident_id):
    pane = show(qtbot, DecisionsPane(made.binder, incident_id, lambda: made.lead))
    assert pane.timer.isActive()
    clocks.add_clock(made.binder, incident_id, made.lead, key="insurer", name="Tell the insurer",
                     due=0)
    pane.refresh_clocks()  # what the timer does every 30 seconds
    assert clock_row(pane, "insurer")[2].text().startswith("due immediately")
    pane.hide()
    assert not pane.timer.isActive()


def test_notify_offers_the_roster_and_choosing_the_acquirer_picks_its_clock(
        qtbot, made, incident_id):
    from binder.core import roster

    roster.add_contact(made.binder, role="hosting", name="HostCo support", phone="+1 555 0199",
                       external=True)
    roster.add_contact(made.binder, role="lead", name="Dana Diaz", phone="+1 555 0100")
    pane = show(qtbot, DecisionsPane(made.binder, incident_id, lambda: made.lead))
    dialog = pane.new_notification()
    party, clock = dialog.fields["party"], dialog.fields["clock"]
    offered = [party.itemText(i) for i in range(party.count())]
    assert "HostCo support" in offered and "Dana Diaz" in offered
    assert offered.index("HostCo support") < offered.index("Dana Diaz")  # outsiders first
    assert clock.currentData() is None
    party.setCurrentText("Acquirer / payment provider")
    chosen = next(c for c in pane.clock_statuses if c.key == clock.currentData())
    assert "acquirer" in f"{chosen.authority} {chosen.name}".casefold() and chosen.running
    dialog.reject()
