"""Deadlines on screen: the header's running clocks, the same verdict as the core, the
regulator form from the journal to a recorded submission, type changes and event times."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from binder.core.incident import journal, workflow
from binder.core.incident.record import open_incident
from binder.core.plan import revisions as plans
from binder.ui.screens.decisions import DecisionsPane
from binder.ui.screens.journal_model import JournalModel
from binder.ui.screens.workspace import IncidentWorkspace
from tests.helpers import LEAD

SHOTS = os.environ.get("BINDER_SCREENSHOTS")  # a folder: save the screens for people to look at


def shoot(widget, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


def show(qtbot, widget, height: int = 720):
    qtbot.addWidget(widget)
    widget.resize(1366, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def skimmer(made):
    """A card skimmer found 30 hours ago: the acquirer and Mastercard clocks are missed."""
    detected = (datetime.now(UTC) - timedelta(hours=30)).isoformat(timespec="minutes")
    return open_incident(made.binder, made.lead, title="Skimmer in checkout", type="skimmer",
                         severity="critical", detected_at=detected,
                         plan_revision_id=plans.current_revision(made.binder).id)


def test_header_shows_every_running_clock_most_urgent_first(qtbot, made, skimmer):
    ws = show(qtbot, IncidentWorkspace(made.binder, skimmer, lambda: made.lead), 768)
    state = workflow.incident_state(made.binder, skimmer)
    expected = [c.key for c in state.running_clocks]
    assert [c.key for c in ws.running_clocks] == expected
    assert len(expected) >= 4  # acquirer, Mastercard, Visa, GDPR Art. 33 and 34
    shown = [chip.text() for chip in ws.deadline_chips if chip.isVisible()]
    assert len(shown) == len(expected)
    # Missed ones first (in red), then the nearest deadline.
    assert shown[0].split(" · ")[1].startswith("MISSED")
    assert ws.deadline_chips[0].styleSheet() and "#b91c1c" in ws.deadline_chips[0].styleSheet()
    running = [c for c in state.running_clocks if c.status == "running"]
    first_running = shown[len(expected) - len(running)]
    assert first_running.split(" · ")[1].startswith("due in")
    assert ws.window().minimumSizeHint().width() <= 1366
    shoot(ws, "header-running-clocks")


def test_the_same_verdict_on_screen_as_in_the_core(qtbot, made, skimmer):
    workflow.record_notification(
        made.binder, skimmer, made.lead, party="Acquirer", channel="phone", message="Told",
        told_at=(datetime.now(UTC) - timedelta(hours=2)).isoformat(timespec="minutes"),
        clock_key="acquirer", delay_reason="nobody answered the acquirer's line overnight")
    pane = show(qtbot, DecisionsPane(made.binder, skimmer, lambda: made.lead), 600)
    core = {c.key: c for c in workflow.incident_state(made.binder, skimmer).clocks}
    for row in range(pane.clocks.rowCount()):
        key = pane.clocks.item(row, 0).data(Qt.ItemDataRole.UserRole)
        status = pane.clocks.item(row, 2).text()
        verdict = core[key].status
        if verdict == "late":
            assert status.startswith("LATE"), key
        elif verdict == "missed":
            assert status.startswith("MISSED"), key
        elif verdict == "met":
            assert status.startswith("met"), key
    assert core["acquirer"].status == "late"
    assert pane.notifications.item(0, 5).text().startswith("Acquirer: tell the acquirer: LATE — nobody")


def test_gdpr_form_from_the_journal_to_a_recorded_submission(qtbot, made, incident_id, tmp_path):
    journal.append(made.binder, incident_id, made.lead, journal.NewEntry(
        kind="observation", text="Loader script sends card numbers to a look-alike domain"))
    pane = show(qtbot, DecisionsPane(made.binder, incident_id, lambda: made.lead), 600)
    notice = pane.open_notice("gdpr_art33")
    qtbot.addWidget(notice)
    notice.resize(900, 660)
    assert "look-alike domain" in notice.inputs["nature"].toPlainText()
    notice.inputs["subjects"].setPlainText("Customers who paid by card, about 3,100")
    shoot(notice, "notification-form")
    pdf = notice.save_pdf(tmp_path / "art33.pdf")
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")
    assert notice.copy_text()
    submission = notice.record_submission()
    submission.fields["channel"].setCurrentText("Web portal / form")
    submission.fields["reference"].setText("DPA-77")
    submission.fields["when"].setText("2026-11-29 07:58")
    assert submission.try_accept()
    [told] = workflow.incident_state(made.binder, incident_id).notifications
    assert (told.form, told.reference) == ("gdpr_art33", "DPA-77")
    assert told.content["subjects"] == "Customers who paid by card, about 3,100"
    assert told.told_at.startswith("2026-11-29T07:58") and ":02" not in told.told_at
    assert pane.notifications.item(0, 3).text().startswith("Personal data breach notification")


def test_type_change_in_the_app_is_signed_and_starts_its_clocks(qtbot, made):
    iid = open_incident(made.binder, made.lead, title="Odd admin user", type="admin_takeover",
                        plan_revision_id=plans.current_revision(made.binder).id)
    ws = show(qtbot, IncidentWorkspace(made.binder, iid, lambda: made.lead), 768)
    assert "visa" not in [c.key for c in ws.running_clocks]
    dialog = ws.change_classification()
    qtbot.addWidget(dialog)
    assert not dialog.try_accept()
    assert "Nothing changes" in dialog.message.text()
    dialog.fields["type"].setCurrentIndex(dialog.fields["type"].findData("skimmer"))
    dialog.fields["severity"].setCurrentIndex(dialog.fields["severity"].findData("critical"))
    dialog.fields["reason"].setText("card data in the loader")
    assert dialog.try_accept()
    changes = [e for e in journal.iter_entries(made.binder, iid) if e.kind == "classification"]
    assert [e.data["field"] for e in changes] == ["type", "severity"]
    ws.update_header()
    assert ws.severity.text() == "CRITICAL"
    assert "visa" in [c.key for c in ws.running_clocks]


def test_journal_orders_by_when_it_happened(qtbot, made, incident_id):
    late = journal.append(made.binder, incident_id, made.lead, journal.NewEntry(
        text="Written first, happened later", occurred_at="2026-11-29T12:00+01:00"))
    early = journal.append(made.binder, incident_id, made.lead, journal.NewEntry(
        text="Written second, happened first", occurred_at="2026-11-29T07:58+01:00"))
    model = JournalModel(made.binder, incident_id)
    model.fetchMore()
    ids = [model.view_at(r).entry.id for r in range(model.rowCount())]
    assert ids.index(late) < ids.index(early)  # latest first, by event time
    when = model.data(model.index(ids.index(early), JournalModel.WHEN))
    assert ":58" in when and ":58:0" not in when  # as typed: to the minute
    model.set_order("entry")
    ids = [model.view_at(r).entry.id for r in range(model.rowCount())]
    assert ids.index(early) < ids.index(late)  # latest written first
    journal.append(made.binder, incident_id, made.lead, journal.NewEntry(
        text="Happened in between", occurred_at="2026-11-29T09:00+01:00"))
    model.set_order("event")
    assert len(model.refresh_new()) == 0  # already counted by the reload
    texts = [model.view_at(r).entry.text for r in range(model.rowCount())]
    assert texts.index("Written first, happened later") < texts.index("Happened in between") \
        < texts.index("Written second, happened first")


def test_quick_entry_keeps_the_minute_typed(qtbot, made, incident_id):
    from PySide6.QtCore import QDateTime

    from binder.ui.screens.quick_entry import QuickEntry

    quick = show(qtbot, QuickEntry(made.binder, incident_id, lambda: made.lead), 120)
    assert quick.when.dateTime().time().second() == 0
    quick.text.setPlainText("Skimmer script first seen")
    quick.earlier.setChecked(True)
    moment = QDateTime.fromString("2026-11-29 07:58", "yyyy-MM-dd HH:mm")
    quick.when.setDateTime(moment)
    entry_id = quick.add_entry()
    occurred = journal.get_entry(made.binder, entry_id).occurred_at
    assert occurred.startswith("2026-11-29T07:58") and occurred[16] in "+-Z"
    assert json.dumps(occurred)  # plain text, kept as typed with its offset
    assert LEAD
