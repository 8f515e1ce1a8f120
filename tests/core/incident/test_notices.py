"""Regulator-shaped notifications: a GDPR form from the journal to its PDF and back to a
recorded, signed submission that answers its clock; every form renders; bad fields refused."""

from __future__ import annotations

import subprocess

import pytest

from binder.core import roster
from binder.core.errors import BadInput
from binder.core.incident import journal, notices, notifications, registers, workflow
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import open_incident
from binder.core.output.notice import write_notice
from binder.core.output.report.build import write_report
from binder.core.plan import revisions as plans


def pdftext(path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return " ".join(out.split())


@pytest.fixture
def leak(made):
    """A database leak with observations, actions, a decision, an asset and a DPO."""
    iid = open_incident(made.binder, made.lead, title="Customer table offered for sale",
                        type="database_leak", severity="high", detected_at="2026-03-02T09:00Z",
                        aware_at="2026-03-02T10:30+01:00",
                        plan_revision_id=plans.current_revision(made.binder).id)
    journal.append(made.binder, iid, made.lead, NewEntry(
        kind="observation", text="SQL dump customers.sql.gz downloadable from the web root",
        occurred_at="2026-03-02T09:40+01:00"))
    journal.append(made.binder, iid, made.lead, NewEntry(
        kind="action", text="Removed the dump and blocked /var/export in the web server"))
    workflow.record_decision(made.binder, iid, made.lead, decision="Reset all customer passwords",
                             reason="hashes were in the dump", occurred_at="2026-03-02T13:00+01:00")
    registers.add_asset(made.binder, iid, made.lead, name="db-primary", kind="database",
                        status="contained")
    roster.add_contact(made.binder, role="dpo", name="Dana Privacy", email="dpo@example.org",
                       phone="+49 30 1234567")
    return iid


def test_gdpr_form_round_trips_from_the_journal_to_pdf_to_a_recorded_submission(made, leak,
                                                                                tmp_path):
    values = notices.prefill(made.binder, leak, "gdpr_art33", now="2026-03-04T09:00Z")
    form = notices.get_form("gdpr_art33")
    assert list(values) == [f.key for f in form.fields]
    assert values["controller"] == "Acme Store"
    assert "Dana Privacy" in values["contact"] and "dpo@example.org" in values["contact"]
    assert values["aware_at"] == "2026-03-02 09:30 UTC (10:30 UTC+01:00)"
    assert "customers.sql.gz" in values["nature"] and "Database leak" in values["nature"]
    assert "Reset all customer passwords" in values["measures"]
    assert "Removed the dump" in values["measures"]
    # What the journal cannot know is left for a person, never invented.
    assert values["subjects"] == values["records"] == values["consequences"] == ""
    assert values["delay"] == ""  # still within 72 hours
    values.update(subjects="Customers of the web shop, about 12,400",
                  records="Names, e-mail and postal addresses, password hashes: about 12,400",
                  consequences="Phishing using real order details; password reuse elsewhere")

    pdf = tmp_path / "art33.pdf"
    result = write_notice(made.binder, leak, "gdpr_art33", values, pdf)
    assert result.pages <= 2
    text = pdftext(pdf)
    for needle in ("Personal data breach notification", "Art. 33(3)(a)", "about 12,400",
                   "Dana Privacy", "Phishing using real order details", "Reset all customer"):
        assert needle in text, needle

    entry_id = notices.submit(made.binder, leak, made.lead, "gdpr_art33", values,
                              channel="web portal", told_at="2026-03-04T16:20+01:00",
                              reference="DPA-2026-0042")
    entry = journal.get_entry(made.binder, entry_id)
    assert (entry.kind, entry.occurred_at) == ("notification", "2026-03-04T16:20+01:00")
    assert entry.data["form"] == "gdpr_art33"
    assert entry.data["content"] == notices.check_values(form, values)
    assert entry.data["reference"] == "DPA-2026-0042"
    assert "about 12,400" in entry.text
    state = workflow.incident_state(made.binder, leak, now="2026-03-10T00:00Z")
    gdpr = {c.key: c for c in state.clocks}["gdpr_art33"]
    assert (gdpr.status, gdpr.answer_entry, gdpr.met_at) == (
        "met", entry_id, "2026-03-04T15:20:00.000000Z")
    [told] = state.notifications
    assert (told.reference, told.form, told.party) == (
        "DPA-2026-0042", "gdpr_art33", "Data protection authority")

    notifications.record_notify_decision(made.binder, leak, made.lead, party="Customers", notify=True,
                                    reason="high risk", clock_key="gdpr_art34",
                                    occurred_at="2026-03-04T17:00+01:00")
    report = tmp_path / "report.pdf"
    write_report(made.binder, leak, report, now="2026-03-10T00:00:00.000000Z")
    text = pdftext(report)
    assert "ref. DPA-2026-0042" in text
    # One verdict for the one notification, in the table of notifications and of deadlines.
    assert "MISSED" not in text and "LATE" not in text
    assert text.count("MET") >= 2


def test_a_late_submission_carries_the_forms_reasons_for_the_delay(made, leak):
    values = notices.prefill(made.binder, leak, "gdpr_art33", now="2026-03-07T09:00Z")
    assert values["delay"].startswith("(The deadline was 2026-03-05 09:30 UTC")
    # The prompt alone is not a reason.
    entry_id = notices.submit(made.binder, leak, made.lead, "gdpr_art33", values,
                              channel="portal", told_at="2026-03-07T10:00Z")
    assert journal.get_entry(made.binder, entry_id).reason == ""
    values["delay"] = "The hosting provider released the access logs only on day four"
    later = notices.submit(made.binder, leak, made.lead, "gdpr_art33", values, channel="portal",
                           told_at="2026-03-07T09:00Z")  # stated earlier: it answers the clock
    gdpr = {c.key: c for c in workflow.incident_state(made.binder, leak).clocks}["gdpr_art33"]
    assert (gdpr.status, gdpr.answer_entry) == ("late", later)
    assert gdpr.reason == "The hosting provider released the access logs only on day four"


@pytest.mark.parametrize("form_key", list(notices.FORMS))
def test_every_form_prefills_and_renders(made, leak, form_key, tmp_path):
    values = notices.prefill(made.binder, leak, form_key)
    text = notices.render_text(notices.get_form(form_key), values, incident_title="Leak")
    assert notices.get_form(form_key).title.upper() in text
    result = write_notice(made.binder, leak, form_key, values, tmp_path / f"{form_key}.pdf")
    assert result.pages >= 1


def test_card_form_prefills_the_plan_facts(made, tmp_path):
    import dataclasses

    plan = plans.current_revision(made.binder).plan
    plan = dataclasses.replace(plan, regulatory=dataclasses.replace(
        plan.regulatory, acquirer="Example Acquiring GmbH", merchant_id="MID 4711"))
    revision = plans.save_revision(made.binder, plan, author="alice")
    iid = open_incident(made.binder, made.lead, title="Skimmer", type="skimmer",
                        plan_revision_id=revision)
    registers.add_event(made.binder, iid, made.lead, at="2026-02-10T08:00Z",
                        what="Loader script added to the design configuration")
    registers.add_event(made.binder, iid, made.lead, at="2026-03-01T17:00Z",
                        what="Loader script removed")
    values = notices.prefill(made.binder, iid, "card_brands")
    assert (values["acquirer"], values["merchant_id"]) == ("Example Acquiring GmbH", "MID 4711")
    assert values["brands"] == "Visa, Mastercard"
    assert values["window"].startswith("2026-02-10 08:00 UTC to 2026-03-01 17:00 UTC")
    entry = notices.submit(made.binder, iid, made.lead, "card_brands", values, channel="phone",
                           reference="ACQ-99")
    acquirer = {c.key: c for c in workflow.incident_state(made.binder, iid).clocks}["acquirer"]
    assert (acquirer.status, acquirer.answer_entry) == ("met", entry)


def test_bad_fields_are_refused_in_one_line(made, leak):
    form = notices.get_form("gdpr_art33")
    with pytest.raises(BadInput, match="no field 'colour'"):
        notices.check_values(form, {"colour": "red"})
    with pytest.raises(BadInput, match="must be text"):
        notices.check_values(form, {"nature": 42})
    with pytest.raises(BadInput, match="not valid JSON"):
        notices.read_values(b"{nature:", form)
    with pytest.raises(BadInput, match="JSON object"):
        notices.read_values(b"[1, 2]", form)
    with pytest.raises(BadInput, match="larger than"):
        notices.read_values(b" " * (notices.MAX_FIELDS_FILE + 1), form)
    with pytest.raises(BadInput, match="unknown form"):
        notices.get_form("fax")
    before = journal.count_entries(made.binder, leak)
    with pytest.raises(BadInput):
        notices.submit(made.binder, leak, made.lead, "gdpr_art33", {"nature": "\x07"},
                       channel="portal")
    assert journal.count_entries(made.binder, leak) == before
