"""The reports legal and management act on, read back with pdftotext: the case-file order,
custody that survives cross-examination, a two-page executive summary, drills as drills."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from binder.core.errors import BadInput
from binder.core.incident import assessment
from binder.core.output.report.build import write_report
from binder.core.output.report.casefile import PARTS
from tests.helpers import LEAD, LEAD_NAME, WITNESS, WITNESS_NAME
from tests.helpers.case import LAB, skimmer_case


def text_of(path: Path, first: int = 1, last: int | None = None) -> str:
    args = ["pdftotext", "-f", str(first)] + (["-l", str(last)] if last else [])
    out = subprocess.run(args + [str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return " ".join(out.split())


def pages(path: Path) -> int:
    return len(PdfReader(str(path)).pages)


@pytest.fixture
def case(made, tmp_path):
    ids = skimmer_case(made, tmp_path)
    full = tmp_path / "full.pdf"
    summary = tmp_path / "summary.pdf"
    write_report(made.binder, ids["incident"], full, lead=made.lead, witness=made.witness)
    write_report(made.binder, ids["incident"], summary, variant="executive")
    return ids, full, summary


def test_the_full_report_is_ordered_like_a_case_file(case):
    _, full, _ = case
    cover = text_of(full, 1, 1)
    for name in PARTS:
        assert name in cover, name  # the contents list on the cover
    body = text_of(full, 2)
    headings = [f"{n} {name}" for n, name in enumerate(PARTS, start=1)]
    headings.append("Appendix Certificates, checkpoint and how to verify")
    where = [body.find(h) for h in headings]
    assert -1 not in where, dict(zip(headings, where, strict=True))
    assert where == sorted(where)
    part3 = body[where[2]:where[3]]
    for register in ("Attacker timeline", "Indicators of compromise",
                     "Affected systems and accounts", "Tasks"):
        assert register in part3, register
    facts = body[where[0]:where[1]]
    for label in ("Type", "Severity", "Detected", "Aware", "Exposure window", "What happened",
                  "Root cause", "Affected"):
        assert label in facts, label
    assert "1,240 customers; 1,350 records (estimate)" in facts
    assert "phished admin password" in facts and "two-factor login" in facts


def test_the_chronology_is_in_event_order_not_entry_order(case):
    _, full, _ = case
    body = text_of(full, 2)
    chronology = body[body.find("Journal, by event time"):body.find("3 Attacker timeline")]
    # Told the acquirer 2 days 20 hours ago, written after the store went offline
    # (2 days 12 hours ago): event order puts the call first.
    told = chronology.find("Told Acquirer (phone)")
    offline = chronology.find("Store switched to maintenance mode")
    assert -1 < told < offline
    chain = [int(n) for n in re.findall(r"#(\d+) · ", chronology)]
    assert len(chain) > 10 and chain != sorted(chain)


def test_every_custody_fact_is_printed_with_the_receipt(case):
    _, full, _ = case
    body = text_of(full, 2)
    custody = body[body.find("4 Evidence and chain of custody"):body.find("5 Decisions")]
    for fact in ("SHA-256", "Source system web-01, 10.0.0.11", "Method scp over the admin VPN",
                 "Period covered", f"witnessed by {WITNESS_NAME}", "SEAL-0042", "SEAL-0043",
                 "Re-hash at", "match", f"Signed by the receiver, {WITNESS_NAME}",
                 "Not acknowledged", "Held by now"):
        assert fact in custody, fact
    assert LAB.split(" (")[0] in custody


def test_documents_for_legal_carry_no_command_lines_or_bare_ids(case):
    _, full, summary = case
    for path in (full, summary):
        text = text_of(path)
        for command in ("binder verify", "binder report", "binder signer", "--as", "--role",
                        "pdfsig report", "pdfdetach", "revision id"):
            assert command not in text, (path.name, command)
        assert "for legal review" not in text


def test_people_are_named_never_shown_by_login(case):
    # The test people's logins differ from their names, so a login printed where a person
    # belongs (a hand-over, a journal line the core wrote, a signature) shows up here.
    _, full, summary = case
    for path in (full, summary):
        text = text_of(path)
        for login in (LEAD, WITNESS):
            assert not re.search(rf"\b{login}\b", text), (path.name, login)
    custody = text_of(full, 2)
    assert f"{LEAD_NAME} → {WITNESS_NAME}" in custody
    assert f"passed from {LEAD_NAME} to {WITNESS_NAME}" in custody


def test_the_executive_summary_fits_two_pages_with_current_values_only(case):
    _, _, summary = case
    assert pages(summary) <= 2
    text = text_of(summary)
    for part in ("What happened", "Decisions needed from management", "Deadlines",
                 "Open risks", "Costs", "Next steps", "Decisions taken", "Sign-off"):
        assert part in text, part
    assert "An attacker with a phished admin password" in text
    assert "Root cause: a Magento admin account" in text
    assert "1,240 customers and 1,350 records (estimate)" in text
    assert "1,200" not in text  # the first count, corrected since
    assert "Approve the forensic investigator's engagement" in text
    assert "Card brands may assess fines" in text
    # One currency, rates stated, estimates marked, the corrected downtime figure only.
    assert "EUR 37,780.00" in text and "1 USD = 0.92 EUR" in text
    assert "ECB reference rate" in text and "includes estimates" in text
    assert "17,000.00" in text and "18,400" not in text
    assert "Rotate every admin password" in text  # an open task is a next step
    assert "GDPR Art. 33" in text


def test_a_closed_incident_gets_next_steps_that_fit_it(made, tmp_path):
    ids = skimmer_case(made, tmp_path, close=True)
    summary = tmp_path / "closed.pdf"
    write_report(made.binder, ids["incident"], summary, variant="executive")
    text = text_of(summary)
    steps = text[text.find("Next steps"):text.find("Decisions taken")]
    assert "Accept the review's 1 plan change into the plan" in steps
    assert "evidence item still held" in steps
    assert "Preserve before you change" not in steps  # no checklist items once closed
    assert pages(summary) <= 2


def test_drills_read_as_drills_everywhere(made, tmp_path):
    ids = skimmer_case(made, tmp_path, drill=True)
    full, summary = tmp_path / "drill.pdf", tmp_path / "drill-summary.pdf"
    write_report(made.binder, ids["incident"], full)
    write_report(made.binder, ids["incident"], summary, variant="executive")
    for path in (full, summary):
        for number in range(1, pages(path) + 1):
            assert "DRILL" in text_of(path, number, number), (path.name, number)
        text = text_of(path)
        assert "Case file for counsel" not in text and "for legal review" not in text
    assert "Drill report" in text_of(full, 1, 1) and "Exercise record" in text_of(full, 1, 1)
    assert "This was a drill, not a real incident" in text_of(summary)
    assert "Drill summary" in text_of(summary, 1, 1)


def test_the_timeline_picture_is_left_out_when_events_pile_up(made, incident_id, tmp_path):
    from binder.core.incident import journal, workflow
    from binder.core.incident.journal import NewEntry

    for i in range(8):
        workflow.record_decision(made.binder, incident_id, made.lead, decision=f"Step {i}",
                                 reason="now")
    journal.append(made.binder, incident_id, made.lead, NewEntry(text="note"))
    path = tmp_path / "clustered.pdf"
    write_report(made.binder, incident_id, path)
    text = text_of(path)
    assert "too close together" in text and "Bars show which phase" not in text
    assert "Step 7" in text


def test_the_timeline_picture_is_drawn_when_events_spread(case):
    _, full, _ = case
    assert "Bars show which phase" in text_of(full)


def test_assessment_refusals_and_the_newest_statement_wins(made, incident_id):
    with pytest.raises(BadInput, match="whole number"):
        assessment.assess(made.binder, incident_id, made.lead, customers="many")
    with pytest.raises(BadInput, match="CODE=RATE"):
        assessment.assess(made.binder, incident_id, made.lead, currency="EUR", rates=["USD"])
    with pytest.raises(BadInput, match="reporting currency"):
        assessment.assess(made.binder, incident_id, made.lead, rates=["USD=0.9"])
    with pytest.raises(BadInput, match="ends before it starts"):
        assessment.assess(made.binder, incident_id, made.lead,
                          exposure_from="2026-11-02T00:00Z", exposure_to="2026-11-01T00:00Z")
    with pytest.raises(BadInput, match="nothing to state"):
        assessment.assess(made.binder, incident_id, made.lead)
    assessment.assess(made.binder, incident_id, made.lead, customers="100",
                      estimated=["customers"], root_cause="weak password")
    assessment.assess(made.binder, incident_id, made.lead, customers="120")
    current = assessment.current_assessment(made.binder, incident_id)
    assert current.get("customers") == 120 and not current.is_estimate("customers")
    assert current.get("root_cause") == "weak password" and current.statements == 2


def test_cli_assess_and_impact_estimate(made, incident_id, run_cli):
    from tests.helpers import signer_env

    made.binder.close()
    base = ("--binder", str(made.path))
    run = run_cli("incident", "assess", str(incident_id), "--as", LEAD, "--customers", "1200",
                  "--estimate", "customers", "--what-happened", "skimmer", "--ask", "Approve",
                  "--currency", "EUR", "--rate", "USD=0.92", *base, env=signer_env())
    assert run.code == 0, run.err
    assert run.out.strip().isdigit()
    bad = run_cli("incident", "assess", str(incident_id), "--as", LEAD, "--records", "lots",
                  *base, env=signer_env())
    assert bad.code == 2 and "whole number" in bad.err and bad.err.count("\n") == 1
    run = run_cli("impact", "add", str(incident_id), "--as", LEAD, "--category", "Forensics",
                  "--amount", "100", "--currency", "USD", "--estimate", *base, env=signer_env())
    assert run.code == 0, run.err
    listed = run_cli("impact", "list", str(incident_id), "--json", *base)
    assert '"estimate": true' in listed.out
