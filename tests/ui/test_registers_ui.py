"""The register panes and Ctrl+F search, driven with the keyboard as a responder would."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from binder.core.incident import journal
from binder.core.incident import registers as reg
from binder.ui.screens.workspace import pane_index

SHOTS = Path(os.environ.get("BINDER_SHOTS", "/tmp"))


def _enter(qtbot, widget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def _shot(window, name: str) -> None:
    window.grab().save(str(SHOTS / f"registers-{name}.png"))


def _shortcut(qtbot, window, keys: str) -> None:
    action = next(a for a in window.actions() if any(s.toString() == keys for s in a.shortcuts()))
    action.trigger()


def test_a_responder_fills_the_four_registers_from_the_keyboard(qtbot, signed_window, made,
                                                              incident_id):
    window = signed_window
    ws = window.workspace
    b = made.binder

    # An indicator: a bad value keeps the form open with a one-line reason.
    _shortcut(qtbot, window, "Ctrl+Shift+I")
    iocs = ws.panes[pane_index("IndicatorsPane")]
    form = iocs.dialog
    iocs.type.setCurrentIndex(iocs.type.findData("domain"))
    iocs.value.setText("evil_cdn")
    _enter(qtbot, iocs.value)
    assert form.isVisible() and "not a valid domain" in form.message.text()
    iocs.value.setText("Evil-CDN.example")
    iocs.tlp.setCurrentIndex(iocs.tlp.findData("RED"))
    _enter(qtbot, iocs.value)
    qtbot.waitUntil(lambda: not form.isVisible())
    [ioc] = reg.list_items(b, incident_id, "ioc")
    assert (ioc.get("value"), ioc.get("tlp")) == ("evil-cdn.example", "RED")
    assert iocs.model.rowCount() == 1 and "TLP:RED" in iocs.model.index(0, 2).data()

    # An asset, then a status change with a witness.
    _shortcut(qtbot, window, "Ctrl+Shift+A")
    assets = ws.panes[pane_index("AssetsPane")]
    assets.name.setText("web01")
    assets.kind.setCurrentText("web server")
    _enter(qtbot, assets.name)
    qtbot.waitUntil(lambda: not assets.dialog.isVisible())
    assert assets.selected().get("name") == "web01"
    dialog = assets.change_status()
    assets.new_status.setCurrentIndex(assets.new_status.findData("contained"))
    assets.status_reason.setText("firewalled at 14:05")
    dialog.choose_witness("bob", "bob-passphrase")
    _enter(qtbot, assets.status_reason)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    [asset] = reg.list_items(b, incident_id, "asset")
    assert asset.get("status") == "contained"
    change = asset.history[-1]
    assert [c.witness for c in journal.cosigns_for(b, change.entry_id)] == ["bob"]
    assert "contained" in assets.model.index(0, 2).data()

    # An attacker event with its zone, asset, indicator and technique.
    _shortcut(qtbot, window, "Ctrl+Shift+T")
    timeline = ws.panes[pane_index("TimelinePane")]
    timeline.at.setText("2026-11-28T03:14+01:00")
    assert "02:14" in timeline.at_utc.text()
    timeline.what.setText("Skimmer <script> added to the checkout footer")
    timeline.asset.setCurrentText("web01")
    timeline.source.setCurrentText("web server log")
    timeline.iocs.setText("evil-cdn.example")
    timeline.technique.setCurrentText("T1059.007 Command and Scripting Interpreter: JavaScript")
    _enter(qtbot, timeline.what)
    qtbot.waitUntil(lambda: not timeline.dialog.isVisible())
    [event] = reg.list_items(b, incident_id, "timeline")
    assert (event.get("at"), event.get("technique"), event.get("iocs")) == (
        "2026-11-28T03:14:00+01:00", "T1059.007", ["evil-cdn.example"])
    assert timeline.model.index(0, 1).data() == "Skimmer <script> added to the checkout footer"
    assert "&lt;script&gt;" in timeline.detail.toHtml()

    # A task past its due time shows in the header until it is done.
    _shortcut(qtbot, window, "Ctrl+Shift+K")
    tasks = ws.panes[pane_index("TasksPane")]
    tasks.title.setText("Rotate the admin passwords")
    tasks.owner.setCurrentText("bob")
    tasks.due.setText("2026-01-01T09:00+01:00")
    _enter(qtbot, tasks.title)
    qtbot.waitUntil(lambda: not tasks.dialog.isVisible())
    assert ws.overdue_chip.isVisible() and ws.overdue_chip.text() == "1 task overdue"
    assert tasks.model.index(0, 3).data() == "overdue"
    _shot(window, "tasks")
    done = tasks.mark_done()
    tasks.done_note.setText("all four admins reset")
    _enter(qtbot, tasks.done_note)
    qtbot.waitUntil(lambda: not done.isVisible())
    assert reg.list_items(b, incident_id, "task")[0].get("status") == "done"
    assert not ws.overdue_chip.isVisible()

    for cls in ("TimelinePane", "IndicatorsPane", "AssetsPane"):
        ws.show_pane(pane_index(cls))
        _shot(window, cls.removesuffix("Pane").lower())


def test_esc_cancels_a_form_and_writes_nothing(qtbot, signed_window, made, incident_id):
    ws = signed_window.workspace
    dialog = ws.new_register_item("AssetsPane")
    ws.panes[pane_index("AssetsPane")].name.setText("db01")
    before = journal.count_entries(made.binder, incident_id)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert journal.count_entries(made.binder, incident_id) == before


def test_a_checklist_item_becomes_a_task(qtbot, signed_window, made, incident_id):
    ws = signed_window.workspace
    guide = ws.pane(pane_index("GuidePane"))
    ws.show_pane(pane_index("GuidePane"))
    guide.checklist.setCurrentRow(0)
    dialog = guide.make_task()
    tasks = ws.panes[pane_index("TasksPane")]
    assert tasks.title.text() == guide.state.phase(guide.current_phase_key()).checklist[0].text
    _enter(qtbot, tasks.title)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    [task] = reg.list_items(made.binder, incident_id, "task")
    assert task.get("checklist")["item"] == 0


def test_ctrl_f_searches_every_incident_and_opens_the_entry(qtbot, signed_window, made,
                                                             incident_id):
    from binder.core.incident.record import open_incident

    other = open_incident(made.binder, made.lead, title="Admin takeover", type="admin_takeover")
    reg.add_indicator(made.binder, other, made.lead, type="ip", value="203.0.113.7")
    for n in range(450):  # older than the journal's first page
        journal.append(made.binder, incident_id, made.lead, journal.NewEntry(text=f"note {n}"))
    window = signed_window
    _shortcut(qtbot, window, "Ctrl+F")
    dialog = window.search_dialog
    dialog.scope.setCurrentIndex(dialog.scope.findData(None))
    dialog.query.setText("203.0.113.7")
    assert dialog.run() == 1 and "1 match" in dialog.status.text()
    dialog.grab().save(str(SHOTS / "registers-search.png"))
    _enter(qtbot, dialog.query)
    qtbot.waitUntil(lambda: window.workspace.incident_id == other)
    selected = window.workspace.journal.selected_view()
    assert selected is not None and "203.0.113.7" in selected.entry.text

    # Back in the first incident: an old entry is found and shown though it was not loaded.
    window.open_incident(incident_id)
    old = next(e for e in journal.iter_entries(made.binder, incident_id) if e.seq == 3)
    window.workspace.show_entry(old.id)
    assert window.workspace.journal.selected_view().entry.seq == 3


@pytest.mark.parametrize("typed", ['"', "AND OR", "text:x"])
def test_search_typing_never_breaks(qtbot, signed_window, typed):
    dialog = signed_window.search()
    dialog.query.setText(typed)
    dialog.run()
    assert QApplication.activeModalWidget() is None or dialog.isVisible()


def test_a_screenshot_attached_in_the_journal_shows_with_the_entry(qtbot, signed_window, made,
                                                                   incident_id, tmp_path,
                                                                   file_answers):
    ws = signed_window.workspace
    entry = journal.append(made.binder, incident_id, made.lead,
                           journal.NewEntry(text="Checkout page shows the skimmer"))
    ws.journal.entry_added(entry)
    shot = tmp_path / "checkout.png"
    signed_window.grab().save(str(shot))
    file_answers[0].append(str(shot))
    ws.journal.attach_button.click()  # asks which file through the dialog helper
    qtbot.waitUntil(lambda: "Attached" in ws.journal.detail.toPlainText(), timeout=10_000)
    assert "checkout.png" in ws.journal.detail.toPlainText()


def test_the_report_pane_exports_data_for_other_tools(qtbot, signed_window, made, incident_id,
                                                      tmp_path):
    import json
    import stat

    reg.add_indicator(made.binder, incident_id, made.lead, type="domain", value="evil.example")
    ws = signed_window.workspace
    screen = ws.pane(pane_index("ReportScreen"))
    ws.show_pane(pane_index("ReportScreen"))
    screen.data_format.setCurrentIndex(screen.data_format.findText("STIX 2.1 bundle (JSON)"))
    target = tmp_path / "incident.stix.json"
    assert screen.export_data(target) >= 1
    bundle = json.loads(target.read_text())
    assert any(o["type"] == "indicator" for o in bundle["objects"])
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "readable by you only" in screen.file_label.text()
    signed_window.grab().save(str(SHOTS / "registers-report.png"))


def test_an_event_is_corrected_and_an_indicator_changed_with_a_reason(qtbot, signed_window,
                                                                      made, incident_id):
    event = reg.add_event(made.binder, incident_id, made.lead, at="2026-11-28T03:14+01:00",
                          what="Skimmer added")
    ioc = reg.add_indicator(made.binder, incident_id, made.lead, type="domain",
                            value="evil.example")
    ws = signed_window.workspace
    timeline = ws.pane(pane_index("TimelinePane"))
    ws.show_pane(pane_index("TimelinePane"))
    timeline.select(event)
    dialog = timeline.correct_selected()
    timeline.fix_at.setText("2026-11-28T03:14+00:00")
    _enter(qtbot, timeline.fix_reason)  # no reason yet: refused, the form stays
    assert dialog.isVisible() and "say why" in dialog.message.text()
    timeline.fix_reason.setText("the log is in UTC")
    _enter(qtbot, timeline.fix_reason)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    item = reg.get_item(made.binder, event)
    assert item.get("at_utc") == "2026-11-28T03:14:00.000000Z" and item.history[-1].reason
    assert "the log is in UTC" in timeline.detail.toPlainText()

    indicators = ws.pane(pane_index("IndicatorsPane"))
    ws.show_pane(pane_index("IndicatorsPane"))
    indicators.select(ioc)
    dialog = indicators.change_selected()
    indicators.fix_tlp.setCurrentIndex(indicators.fix_tlp.findData("RED"))
    indicators.fix_reason.setText("the provider asked us not to share it")
    _enter(qtbot, indicators.fix_reason)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert reg.get_item(made.binder, ioc).get("tlp") == "RED"


def test_the_task_owner_picker_lists_people_by_name_and_keeps_their_contact(
        qtbot, window_for, made, incident_id):
    from binder.core import roster
    from binder.core.crypto import signers
    from tests.helpers import LEAD, LEAD_PASS, enroll_person

    b = made.binder
    enroll_person(b, "Łukasz Wróblewski", "it", "lukasz-passphrase", login="lukasz")
    lukasz = signers.get_signer(b, "lukasz")
    host = roster.add_contact(b, role="hosting", name="Quentin Hostmaster")
    window = window_for(made.path, binder=b)
    window.sign_in(LEAD, LEAD_PASS)
    dialog = window.workspace.new_register_item("TasksPane")
    tasks = window.workspace.panes[pane_index("TasksPane")]
    labels = [tasks.owner.itemText(i) for i in range(tasks.owner.count())]
    assert f"Łukasz Wróblewski — {lukasz.identity.role}" in labels
    assert any(label.startswith("Quentin Hostmaster — ") for label in labels)
    assert "lukasz" not in labels
    tasks.title.setText("Rotate the admin passwords")
    tasks.owner.setCurrentIndex(tasks.owner.findData(lukasz.contact_id))
    _enter(qtbot, tasks.title)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    [task] = reg.list_items(b, incident_id, "task")
    assert (task.get("owner"), task.get("owner_contact")) == ("", lukasz.contact_id)
    assert tasks.model.index(0, 1).data() == "Łukasz Wróblewski"
    assert "Łukasz Wróblewski" in tasks.detail.toPlainText()

    # Free text still works: a roster contact's name, typed.
    dialog = window.workspace.new_register_item("TasksPane")
    tasks.title.setText("Pull the WAF logs")
    tasks.owner.setCurrentText("quentin hostmaster")
    _enter(qtbot, tasks.title)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    pulled = next(t for t in reg.list_items(b, incident_id, "task") if t.get("title") == "Pull the WAF logs")
    assert pulled.get("owner_contact") == host
    shown = [tasks.model.index(r, 1).data() for r in range(tasks.model.rowCount())]
    assert sorted(shown) == ["Quentin Hostmaster", "Łukasz Wróblewski"]

    # A change of owner reads with names in the signed history.
    reg.update_item(b, task.id, made.lead, register="task", owner="quentin hostmaster")
    tasks.refresh()
    tasks.select(task.id)
    assert "owner → Quentin Hostmaster" in tasks.detail.toPlainText()
    assert "lukasz" not in tasks.detail.toPlainText()
