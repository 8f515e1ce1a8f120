"""The same impact figure reads the same on screen, on the command line and in the signed PDF."""

from __future__ import annotations

import json
import subprocess

from binder.core.incident import impact
from binder.core.output.report.build import build_report
from binder.ui.screens.impact import ImpactPane
from tests.helpers import run_cli, signer_env

# (amount typed, currency) -> what every door shows. Rounded half up to the currency's
# minor unit: the report used to print 0.005 as 0.00 (half even) and -0.005 as -0.00,
# while the screen printed 0.005.
LINES = [
    ("0.005", "EUR", "0.01"),
    ("1234567.895", "EUR", "1,234,567.90"),
    ("-0.005", "EUR", "-0.01"),
    ("-250.125", "EUR", "-250.13"),
    ("9999999999999.9999", "USD", "10,000,000,000,000.00"),
    ("1234.5", "JPY", "1,235"),
]
# Totals are summed exactly, then rounded once.
TOTALS = {"EUR": "1,234,317.77", "JPY": "1,235", "USD": "10,000,000,000,000.00"}


def test_every_door_shows_the_same_amounts(qtbot, made, incident_id, tmp_path):
    for i, (amount, currency, _shown) in enumerate(LINES):
        impact.add_impact(made.binder, incident_id, made.lead, f"Line {i}", amount, currency)

    # The desktop app.
    pane = ImpactPane(made.binder, incident_id, lambda: made.lead)
    qtbot.addWidget(pane)
    amounts = [pane.table.item(row, 2).text() for row in range(pane.table.rowCount())]
    assert amounts == [f"{shown} {currency}" for _a, currency, shown in LINES]
    assert pane.totals.text() == "Total: " + " · ".join(
        f"{total} {cur}" for cur, total in TOTALS.items())

    # The signed report.
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(build_report(made.binder, incident_id).pdf)
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    start = text.index("7 Costs When")
    section = text[start:text.index("8 Review and plan changes", start)]
    for _amount, currency, shown in LINES:
        assert f"{currency} {shown}" in section
    for cur, total in TOTALS.items():
        assert f"Total {cur} {total}" in section
    assert "-0.00" not in section and "EUR 0.00" not in section
    assert "Costs EUR 1,234,317.77, JPY 1,235, USD 10,000,000,000,000.00" in text
    assert "Total in EUR: EUR 1,234,317.77" in section
    summary = tmp_path / "summary.pdf"
    summary.write_bytes(build_report(made.binder, incident_id, variant="executive").pdf)
    brief = " ".join(subprocess.run(["pdftotext", "-layout", str(summary), "-"],
                                    capture_output=True, text=True, check=True).stdout.split())
    costs = brief[brief.index("Costs Category"):]
    assert "Line 1 recorded 1,234,567.90" in costs and "Line 2 recorded -0.01" in costs
    assert "Total EUR 1,234,317.77" in costs and "-0.00" not in costs
    # The journal keeps each line exactly as it was signed.
    assert "Financial impact: Line 2 -0.005 EUR" in text

    # The command line, for people and for scripts.
    made.binder.close()
    env = {**signer_env(), "BINDER_FILE": str(made.path)}
    listed = run_cli("impact", "list", str(incident_id), env=env)
    assert listed.code == 0, listed.err
    for _amount, currency, shown in LINES:
        assert f" {shown} {currency}" in listed.out
    as_json = json.loads(run_cli("impact", "list", str(incident_id), "--json", env=env).out)
    assert [line["amount"] for line in as_json["lines"]] == [
        shown.replace(",", "") for _a, _c, shown in LINES]
    assert [line["amount_recorded"] for line in as_json["lines"]] == [a for a, _c, _s in LINES]
    assert as_json["totals"] == {cur: total.replace(",", "") for cur, total in TOTALS.items()}
    shown_text = run_cli("incident", "show", str(incident_id), env=env).out
    for i, (_amount, currency, shown) in enumerate(LINES):
        assert f"Line {i}: {shown} {currency}" in shown_text
    for cur, total in TOTALS.items():
        assert f"total {total} {cur}" in shown_text
