"""The four registers are derived from signed journal entries; changes are new entries."""

from __future__ import annotations

import sqlite3

import pytest

from binder.core.crypto import signers
from binder.core.errors import BadInput, NotFound
from binder.core.incident import journal
from binder.core.incident import registers as reg
from binder.core.verify.checks import verify_binder


def test_each_register_add_is_a_signed_entry_of_its_own_kind(made, incident_id):
    b, lead = made.binder, made.lead
    ioc = reg.add_indicator(b, incident_id, lead, type="domain", value="Evil-CDN.example",
                            tlp="amber+strict", first_seen="2026-11-20T00:00Z",
                            source="checkout page source")
    asset = reg.add_asset(b, incident_id, lead, name="web01", kind="web server")
    event = reg.add_event(b, incident_id, lead, at="2026-11-28T03:14+01:00",
                          what="Skimmer injected into checkout", asset="web01",
                          time_source="web server log", iocs=["EVIL-cdn.example"],
                          technique="T1059.007", confidence="high", witness=made.witness)
    task = reg.add_task(b, incident_id, lead, title="Rotate admin passwords", owner="bob",
                        due="2026-12-01T12:00+01:00")
    for item_id, kind in ((ioc, "ioc"), (asset, "asset"), (event, "timeline"), (task, "task")):
        entry = journal.get_entry(b, item_id)
        assert entry.kind == kind and entry.data["register"] == kind
        assert entry.data["action"] == "add"
    assert [c.witness for c in journal.cosigns_for(b, event)] == ["bob"]

    [i] = reg.list_items(b, incident_id, "ioc")
    assert (i.get("value"), i.get("tlp"), i.get("first_seen_utc")) == (
        "evil-cdn.example", "AMBER+STRICT", "2026-11-20T00:00:00.000000Z")
    [e] = reg.list_items(b, incident_id, "timeline")
    assert e.get("at") == "2026-11-28T03:14:00+01:00" and e.get("at_utc") == "2026-11-28T02:14:00.000000Z"
    assert e.get("iocs") == ["evil-cdn.example"]  # linked to the registered indicator's form
    assert e.get("technique_name") == "Command and Scripting Interpreter: JavaScript"
    assert [x.id for x in reg.linked_events(b, i)] == [event]
    [t] = reg.list_items(b, incident_id, "task")
    bob = signers.get_signer(b, "bob")
    assert (t.get("owner_contact"), t.get("status"), t.get("due_utc")) == (
        bob.contact_id, "open", "2026-12-01T11:00:00.000000Z")
    assert verify_binder(b).ok


def test_an_asset_status_change_and_a_task_done_are_new_entries(made, incident_id):
    b, lead = made.binder, made.lead
    asset = reg.add_asset(b, incident_id, lead, name="admin@store", kind="admin account",
                          status="confirmed")
    before = journal.count_entries(b, incident_id)
    change = reg.set_asset_status(b, asset, made.witness, "contained", reason="password reset")
    assert journal.count_entries(b, incident_id) == before + 1
    item = reg.get_item(b, asset)
    assert item.get("status") == "contained" and item.last_hash == journal.get_entry(b, change).hash
    assert [(c.action, c.author, c.changes.get("status")) for c in item.history] == [
        ("add", "alice", "confirmed"), ("update", "bob", "contained")]
    # The original entry is untouched: history is append-only.
    assert journal.get_entry(b, asset).data["status"] == "confirmed"

    task = reg.add_task(b, incident_id, lead, title="Scan for web shells")
    reg.complete_task(b, task, lead, note="none found")
    assert reg.get_item(b, task).get("status") == "done"
    with pytest.raises(BadInput, match="already done"):
        reg.complete_task(b, task, lead)
    with pytest.raises(BadInput, match="nothing to change"):
        reg.set_asset_status(b, asset, lead, "contained")
    with pytest.raises(BadInput, match="containment status"):
        reg.set_asset_status(b, asset, lead, "gone")
    assert verify_binder(b).ok


def test_corrections_need_a_reason_and_keep_the_original(made, incident_id):
    b, lead = made.binder, made.lead
    event = reg.add_event(b, incident_id, lead, at="2026-11-28T03:14+01:00", what="Login")
    with pytest.raises(BadInput, match="say why"):
        reg.update_item(b, event, lead, at="2026-11-28T04:14+01:00")
    reg.update_item(b, event, lead, at="2026-11-28T04:14+01:00", reason="log was in CET, not UTC")
    item = reg.get_item(b, event)
    assert item.get("at_utc") == "2026-11-28T03:14:00.000000Z"
    assert item.history[0].changes["at"] == "2026-11-28T03:14:00+01:00"
    with pytest.raises(BadInput, match="cannot be changed"):
        reg.update_item(b, event, lead, reason="x", value="other")
    reg.withdraw(b, event, lead, "entered twice")
    assert reg.get_item(b, event).withdrawn
    assert reg.list_items(b, incident_id, "timeline", include_withdrawn=False) == []
    with pytest.raises(BadInput, match="withdrawn"):
        reg.update_item(b, event, lead, what="x", reason="y")


def test_duplicates_and_unknown_links_are_refused(made, incident_id):
    b, lead = made.binder, made.lead
    first = reg.add_indicator(b, incident_id, lead, type="ip", value="203.0.113.7")
    with pytest.raises(BadInput, match=f"already registered as indicator {first}"):
        reg.add_indicator(b, incident_id, lead, type="ip", value=" 203.0.113.7 ")
    reg.add_asset(b, incident_id, lead, name="web01")
    with pytest.raises(BadInput, match="already registered as asset"):
        reg.add_asset(b, incident_id, lead, name="WEB01")
    with pytest.raises(NotFound, match="no evidence E7"):
        reg.add_event(b, incident_id, lead, at="2026-11-28T03:14Z", what="x", evidence="E7")
    with pytest.raises(NotFound, match="neither an enrolled signer"):
        reg.add_task(b, incident_id, lead, title="x", owner="mallory")
    with pytest.raises(NotFound, match="no task"):
        reg.complete_task(b, first, lead)  # an indicator is not a task
    with pytest.raises(BadInput, match="not a task id"):
        reg.complete_task(b, "abc", lead)
    count = journal.count_entries(b, incident_id)
    with pytest.raises(BadInput):
        reg.add_event(b, incident_id, lead, at="soon", what="x")
    assert journal.count_entries(b, incident_id) == count  # nothing half-written


def test_a_roster_contact_owner_is_kept_by_id_not_by_name(made, incident_id):
    from binder.core import roster

    contact = roster.add_contact(made.binder, role="hosting", name="Quentin Hostmaster")
    task = reg.add_task(made.binder, incident_id, made.lead, title="Pull WAF logs",
                        owner="quentin hostmaster")
    item = reg.get_item(made.binder, task)
    assert item.get("owner") == "" and item.get("owner_contact") == contact
    assert "Quentin" not in journal.get_entry(made.binder, task).text
    assert reg.owner_label(made.binder, item) == "Quentin Hostmaster"
    made.binder.data_key = None
    assert reg.owner_label(made.binder, item) == f"contact {contact[:8]}"


def test_a_signer_owner_is_kept_by_contact_and_named_as_their_certificate_names_them(
        made, incident_id):
    b = made.binder
    bob = signers.get_signer(b, "bob")
    by_login = reg.add_task(b, incident_id, made.lead, title="Rotate keys", owner="bob")
    by_name = reg.add_task(b, incident_id, made.lead, title="Call the bank",
                           owner=bob.identity.name)
    [choice] = [c for c in reg.owner_choices(b) if c.ref == bob.contact_id]
    by_label = reg.add_task(b, incident_id, made.lead, title="Check WAF", owner=choice.label)
    for task in (by_login, by_name, by_label):
        item = reg.get_item(b, task)
        assert (item.get("owner"), item.get("owner_contact")) == ("", bob.contact_id)
        assert reg.owner_label(b, item) == bob.identity.name
        assert f"owner {bob.identity.name}" in journal.get_entry(b, task).text
    assert choice.label == f"{bob.identity.name} — {bob.identity.role}"
    b.data_key = None  # a signer is named by the certificate, locked or not
    assert reg.owner_label(b, reg.get_item(b, by_login)) == bob.identity.name
    change = reg.update_item(b, by_login, made.lead, register="task", owner="alice")
    alice = signers.get_signer(b, "alice")
    assert f"owner → {alice.identity.name}" in journal.get_entry(b, change).text
    assert reg.describe_changes(reg.get_item(b, by_login).history[-1].changes,
                                reg.owner_namer(b)) == f"owner → {alice.identity.name}"


def test_a_task_stored_with_an_owners_login_shows_their_certificate_name(made, incident_id):
    # Tasks written before owners were kept by contact id store the signer's login.
    task = reg._append(made.binder, incident_id, made.lead, "task", "Task: old (owner bob)",
                       {"action": "add", "title": "old", "owner": "bob", "owner_contact": "",
                        "due": None, "due_utc": None, "status": "open", "checklist": None,
                        "note": ""})
    item = reg.get_item(made.binder, task)
    assert reg.owner_label(made.binder, item) == signers.get_signer(made.binder, "bob").identity.name


def test_overdue_tasks_are_open_tasks_past_due(made, incident_id):
    b, lead = made.binder, made.lead
    late = reg.add_task(b, incident_id, lead, title="Late", due="2026-01-01T00:00Z")
    reg.add_task(b, incident_id, lead, title="Later", due="2026-06-01T00:00Z")
    done = reg.add_task(b, incident_id, lead, title="Done", due="2026-01-01T00:00Z")
    reg.complete_task(b, done, lead)
    reg.add_task(b, incident_id, lead, title="No due time")
    assert [t.id for t in reg.overdue_tasks(b, incident_id, now="2026-03-01T00:00Z")] == [late]
    assert len(reg.overdue_tasks(b, incident_id, now="2026-07-01T00:00Z")) == 2


def test_a_task_made_from_a_checklist_item_remembers_it(made, incident_id):
    from binder.core.incident import workflow

    plan = workflow.incident_plan(made.binder, workflow.get_incident(made.binder, incident_id))
    phase = plan.phases[1]
    task = reg.add_task(made.binder, incident_id, made.lead, title=phase.checklist[0],
                        checklist={"phase": phase.key, "item": 0, "text": phase.checklist[0]})
    item = reg.get_item(made.binder, task)
    assert item.get("checklist")["phase"] == phase.key
    assert journal.get_entry(made.binder, task).phase == phase.key


def test_verify_names_a_change_that_points_at_no_item(made, incident_id, tmp_path):
    b = made.binder
    journal.append(b, incident_id, made.lead, journal.NewEntry(
        text="Asset 99 changed", kind="asset",
        data={"register": "asset", "action": "update", "item": "0" * 64,
              "changes": {"status": "cleaned"}}))
    report = verify_binder(b)
    assert [p.code for p in report.problems] == ["register_link"]


def test_an_edited_register_entry_is_found_by_verify(made, incident_id):
    b = made.binder
    ioc = reg.add_indicator(b, incident_id, made.lead, type="domain", value="evil.example")
    raw = sqlite3.connect(made.path)
    raw.execute("DROP TRIGGER entry_no_update")
    raw.execute("UPDATE entry SET data = replace(data, 'evil.example', 'good.example') WHERE id = ?",
                (ioc,))
    raw.commit()
    raw.close()
    report = verify_binder(b)
    assert "data_changed" in {p.code for p in report.problems}


def test_a_file_attached_to_an_entry_is_registered_evidence(made, incident_id, tmp_path):
    from binder.core.incident import evidence as ev

    entry = journal.append(made.binder, incident_id, made.lead,
                           journal.NewEntry(text="Checkout page shows the skimmer"))
    shot = tmp_path / "checkout.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n not really an image")
    evidence_id = ev.attach_file(made.binder, entry, shot, made.lead, witness=made.witness)
    item = ev.get_evidence(made.binder, evidence_id)
    assert item.type == "screenshot" and item.witnesses == ("bob",)
    assert item.data["attached_to"] == {"entry": journal.get_entry(made.binder, entry).seq,
                                        "sha256": journal.get_entry(made.binder, entry).hash}
    assert ev.resolve_file(made.binder, item.path) != shot  # the binder keeps its own copy
    [(label, description, sha)] = ev.attachments(made.binder, [entry])[entry]
    assert label == f"E{evidence_id}" and "checkout.png" in description and sha == item.sha256
    assert verify_binder(made.binder).ok
    copy = ev.resolve_file(made.binder, item.path)
    copy.chmod(0o644)
    copy.write_bytes(b"edited")
    assert "evidence_changed" in {p.code for p in verify_binder(made.binder).problems}


def test_verify_names_an_attachment_whose_entry_is_not_in_the_incident(made, incident_id,
                                                                      tmp_path):
    from binder.core.incident import evidence as ev

    entry = journal.append(made.binder, incident_id, made.lead, journal.NewEntry(text="shot"))
    shot = tmp_path / "a.png"
    shot.write_bytes(b"x")
    evidence_id = ev.attach_file(made.binder, entry, shot, made.lead)
    assert verify_binder(made.binder).ok
    raw = sqlite3.connect(made.path)
    raw.execute("DROP TRIGGER entry_no_update")
    target = journal.get_entry(made.binder, entry).hash
    raw.execute("UPDATE entry SET hash = ? WHERE id = ?", ("0" * 64, entry))
    raw.commit()
    raw.close()
    codes = {p.code for p in verify_binder(made.binder).problems}
    assert "attachment_link" in codes and target
    assert ev.get_evidence(made.binder, evidence_id)
