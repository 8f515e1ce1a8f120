"""The legal report carries the four registers, user text as text, rows tied to signed entries."""

from __future__ import annotations

import subprocess

from binder.core.incident import journal
from binder.core.incident import registers as reg
from binder.core.output.report.build import write_report

MARK = '<font color="red">X</font> & <b>'


def _text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_report_has_register_sections_with_escaped_text(made, incident_id, tmp_path):
    b, lead = made.binder, made.lead
    reg.add_indicator(b, incident_id, lead, type="domain", value="evil-cdn.example", tlp="red",
                      description=MARK)
    withdrawn = reg.add_indicator(b, incident_id, lead, type="ip", value="203.0.113.7")
    reg.withdraw(b, withdrawn, lead, "our own VPN exit")
    asset = reg.add_asset(b, incident_id, lead, name="web01", status="confirmed")
    reg.set_asset_status(b, asset, lead, "contained", reason="firewalled")
    event = reg.add_event(b, incident_id, lead, at="2026-11-28T03:14+01:00",
                          what=f"Skimmer {MARK}", asset="web01", technique="T1059.007")
    task = reg.add_task(b, incident_id, lead, title="Rotate passwords", owner="bob",
                        due="2026-01-01T09:00Z")
    path = tmp_path / "report.pdf"
    write_report(b, incident_id, path)
    text = _text(path)
    for title in ("Attacker timeline", "Indicators of compromise",
                  "Affected systems and accounts", "Tasks"):
        assert title in text
    flat = " ".join(text.split())
    assert MARK in flat  # exactly as typed, never markup
    assert "TLP:RED" in flat and "evil-cdn.example" in flat
    assert "withdrawn:" in flat and "VPN exit" in flat
    assert "contained" in flat and "firewalled" in flat
    assert "overdue" in flat and "Rotate passwords" in flat
    assert "2026-11-28 02:14 UTC (03:14 UTC+01:00)" in flat and "T1059.007" in flat
    for item_id in (event, task, asset):
        entry = journal.get_entry(b, item_id)
        assert f"#{entry.seq}" in flat and entry.hash[:12] in flat


def test_report_without_registers_says_so(made, incident_id, tmp_path):
    path = tmp_path / "report.pdf"
    write_report(made.binder, incident_id, path)
    flat = " ".join(_text(path).split())
    assert "No attacker events were recorded." in flat and "No tasks were recorded." in flat


def test_report_names_people_as_their_certificates_do_never_by_login(made, incident_id, tmp_path):
    from binder.core.incident import evidence as ev
    from tests.helpers import LEAD_NAME, WITNESS_NAME

    b, lead, witness = made.binder, made.lead, made.witness
    asset = reg.add_asset(b, incident_id, lead, name="web01", status="confirmed")
    reg.set_asset_status(b, asset, witness, "contained", reason="firewalled")
    task = reg.add_task(b, incident_id, lead, title="Rotate passwords", owner="bob")
    reg.complete_task(b, task, witness)
    log = tmp_path / "access.log"
    log.write_text("GET /checkout\n")
    ev.register_evidence(b, incident_id, log, lead, description="web log")
    path = tmp_path / "report.pdf"
    write_report(b, incident_id, path)
    flat = " ".join(_text(path).split())
    assert f"contained ({WITNESS_NAME})" in flat  # the asset's signed status history
    assert flat.count(f"({WITNESS_NAME})") >= 2  # ... and who marked the task done
    assert f"by {LEAD_NAME}" in flat  # opened, collected, registered
    for login in ("(alice)", "(bob)", "by alice", "by bob", "Held by alice"):
        assert login not in flat, login
