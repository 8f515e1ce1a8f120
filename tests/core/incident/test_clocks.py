"""Clocks with fixed times: every family of the bundled plan, business days across public
holidays, and the one verdict (running, met, late, missed, off)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from binder.core.errors import BadInput
from binder.core.incident import clocks, journal, notifications, record, workflow
from binder.core.incident.clocks import ClockEvents, ClockSpec, add_due, evaluate, verdict
from binder.core.plan import revisions as plans
from binder.core.plan.format import default_plan

MON_9 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
FRI_10 = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
SAT_10 = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

GDPR = ClockSpec(key="gdpr-33", name="GDPR Art. 33 supervisory authority", authority="DPA",
                 due=72, unit="hours")
SEC = ClockSpec(key="sec-8k", name="SEC Form 8-K", authority="SEC", due=4,
                unit="business_days", starts="materiality_decision")
MC = ClockSpec(key="mastercard", name="Mastercard", due=24, unit="hours")
NOW_CLOCK = ClockSpec(key="now", name="Tell them at once", due=0, unit="hours")


def one(spec: ClockSpec, now: datetime, **events) -> clocks.ClockStatus:
    events.setdefault("aware_at", MON_9)
    [status] = evaluate([spec], ClockEvents(**events), now)
    return status


# ---------------------------------------------------------------- the verdict, pure


def test_gdpr_deadline_is_72_hours_after_awareness():
    status = one(GDPR, MON_9 + timedelta(hours=1))
    assert status.deadline == status.due_at == "2026-03-05T09:00:00.000000Z"
    assert (status.status, status.urgency) == ("running", "ok")
    assert status.seconds_left == 71 * 3600
    assert status.describe() == "due in 2 d 23 h"
    assert status.due_text == "72 hours from awareness"


def test_business_days_skip_the_weekend():
    assert add_due(FRI_10, 1, "business_days") == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    assert add_due(FRI_10, 4, "business_days") == datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
    assert add_due(SAT_10, 1, "business_days") == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    assert add_due(MON_9, 3, "business_days") == datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    # Calendar days do not skip anything.
    assert add_due(FRI_10, 3, "days") == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


def test_business_days_skip_the_jurisdictions_public_holidays():
    # Thursday 2 April 2026, 10:00 in Berlin; Good Friday (3 April) and Easter Monday
    # (6 April) are public holidays in Germany, so one business day later is Tuesday.
    thursday = datetime(2026, 4, 2, 10, 0, tzinfo=BERLIN)
    due = add_due(thursday, 1, "business_days", country="DE", zone=BERLIN)
    assert due.astimezone(BERLIN) == datetime(2026, 4, 7, 10, 0, tzinfo=BERLIN)
    # The same count on weekends alone lands on the holiday Friday.
    assert add_due(thursday, 1, "business_days", zone=BERLIN).astimezone(BERLIN).day == 3
    # A US calendar knows nothing of Easter Monday.
    assert add_due(thursday, 1, "business_days", country="US", zone=BERLIN).astimezone(
        BERLIN).day == 3


def test_calendar_months_end_at_the_end_of_a_shorter_month():
    start = datetime(2026, 1, 31, 11, 0, tzinfo=BERLIN)
    assert add_due(start, 1, "months", zone=BERLIN).astimezone(BERLIN) == datetime(
        2026, 2, 28, 11, 0, tzinfo=BERLIN)


def test_unknown_holiday_calendar_is_refused():
    with pytest.raises(BadInput, match="no public-holiday calendar"):
        add_due(MON_9, 1, "business_days", country="XX")


def test_sec_clock_waits_for_the_materiality_decision():
    status = one(SEC, MON_9)
    assert (status.status, status.why_off, status.deadline) == ("off", "waiting_materiality", None)
    assert status.describe() == "starts when the materiality decision is recorded"
    status = one(SEC, FRI_10 + timedelta(hours=1), materiality_at=FRI_10)
    assert status.start_at == "2026-03-06T10:00:00.000000Z"
    assert status.deadline == "2026-03-12T10:00:00.000000Z"
    assert status.status == "running"


def test_amber_when_a_quarter_of_the_time_is_left():
    deadline = MON_9 + timedelta(hours=72)
    # A quarter of 72 hours is 18 hours: more than the 12-hour rule.
    assert one(GDPR, deadline - timedelta(hours=18, minutes=1)).urgency == "ok"
    assert one(GDPR, deadline - timedelta(hours=17, minutes=59)).urgency == "amber"


def test_amber_when_less_than_twelve_hours_are_left():
    deadline = MON_9 + timedelta(hours=24)
    # For a 24-hour clock the 12-hour rule comes first (a quarter would be 6 hours).
    assert one(MC, deadline - timedelta(hours=12, minutes=1)).urgency == "ok"
    status = one(MC, deadline - timedelta(hours=11))
    assert (status.status, status.urgency, status.colour) == ("running", "amber", "amber")
    assert status.describe() == "due in 11 h 0 min"


def test_missed_when_the_deadline_has_passed_unanswered():
    status = one(GDPR, MON_9 + timedelta(hours=75))
    assert (status.status, status.colour, status.label) == ("missed", "red", "MISSED")
    assert status.describe() == "MISSED: overdue by 3 h 0 min"
    assert status.running


def test_met_before_the_deadline_stays_met():
    told = MON_9 + timedelta(hours=40)
    status = one(GDPR, MON_9 + timedelta(days=30), met={"gdpr-33": (told, "alice")})
    assert (status.status, status.colour) == ("met", "green")
    assert status.met_at == "2026-03-04T01:00:00.000000Z"
    assert status.met_by == "alice"
    assert not status.running


def test_late_carries_the_stated_reason_for_the_delay():
    told = MON_9 + timedelta(hours=80)
    answer = clocks.Answer(told, "bob", 7, "the processor told us only on day three")
    status = one(GDPR, MON_9 + timedelta(hours=90), met={"gdpr-33": answer})
    assert (status.status, status.colour, status.answer_entry) == ("late", "red", 7)
    assert status.reason == "the processor told us only on day three"
    assert status.describe().startswith("LATE: met 8 h 0 min after the deadline; reason given")
    silent = one(GDPR, MON_9 + timedelta(hours=90), met={"gdpr-33": (told, "bob")})
    assert "no reason for the delay stated" in silent.describe()


def test_verdict_is_the_one_decision():
    start, deadline = MON_9, MON_9 + timedelta(hours=10)
    assert verdict(start=start, deadline=deadline, now=start).status == "running"
    assert verdict(start=start, deadline=deadline, now=start).urgency == "amber"
    assert verdict(start=start, deadline=deadline, now=deadline + timedelta(seconds=1)
                   ).status == "missed"
    assert verdict(start=start, deadline=deadline, now=deadline + timedelta(days=9),
                   answered_at=deadline).status == "met"
    assert verdict(start=start, deadline=deadline, now=start,
                   answered_at=deadline + timedelta(seconds=1)).status == "late"
    assert verdict(start=None, deadline=None, now=start).status == "off"
    assert verdict(start=start, deadline=deadline, now=start, off=True).status == "off"


def test_immediate_clock_runs_until_answered_and_any_answer_meets_it():
    status = one(NOW_CLOCK, MON_9 + timedelta(days=2))
    assert (status.status, status.urgency) == ("running", "amber")
    assert status.describe() == "due immediately"
    assert status.due_text == "immediately on awareness"
    told = one(NOW_CLOCK, MON_9 + timedelta(days=3), met={"now": (MON_9 + timedelta(days=2), "a")})
    assert told.status == "met"


def test_switched_off_and_not_needed_clocks_do_not_count_down():
    events = ClockEvents(aware_at=MON_9, switched={"gdpr-33": (False, "no personal data held")})
    specs = clocks.effective_specs([GDPR, MC], events)
    statuses = {s.key: s for s in evaluate(specs, events, MON_9 + timedelta(days=5))}
    assert (statuses["gdpr-33"].status, statuses["gdpr-33"].why_off) == ("off", "switched_off")
    assert statuses["gdpr-33"].reason == "no personal data held"
    assert statuses["mastercard"].status == "missed"
    quiet = one(GDPR, MON_9 + timedelta(days=5), not_needed={"gdpr-33": "no personal data"})
    assert (quiet.status, quiet.why_off) == ("off", "not_needed")
    assert "no personal data" in quiet.describe()


def test_incident_clocks_replace_plan_clocks_with_the_same_key():
    contract = ClockSpec(key="mastercard", name="Acquirer contract", due=12, unit="hours",
                         custom=True)
    events = ClockEvents(aware_at=MON_9, added=(contract,))
    [status] = evaluate(clocks.effective_specs([MC], events), events, MON_9)
    assert status.name == "Acquirer contract"
    assert status.deadline == "2026-03-02T21:00:00.000000Z"


def test_most_urgent_first_missed_before_running():
    events = ClockEvents(aware_at=MON_9, met={"mastercard": (MON_9, "alice")})
    late_clock = ClockSpec(key="short", name="Short", due=1, unit="hours")
    statuses = evaluate([GDPR, MC, SEC, late_clock], events, MON_9 + timedelta(hours=2))
    assert [s.key for s in clocks.running(statuses)] == ["short", "gdpr-33"]
    assert clocks.nearest(statuses).key == "short"


def test_one_notification_has_one_verdict():
    answer = clocks.Answer(MON_9 + timedelta(hours=80), "bob", 12)
    statuses = evaluate([GDPR], ClockEvents(aware_at=MON_9, met={"gdpr-33": answer}),
                        MON_9 + timedelta(days=9))
    verdicts = clocks.notification_verdicts(statuses)
    assert list(verdicts) == [12]
    assert verdicts[12].status == "late"


@pytest.mark.parametrize(
    "spec, message",
    [
        (ClockSpec(key="Bad Key", name="x"), "clock key"),
        (ClockSpec(key="k", name=""), "one-line name"),
        (ClockSpec(key="k", name="x", unit="weeks"), "unknown clock unit"),
        (ClockSpec(key="k", name="x", starts="lunch"), "starts at"),
        (ClockSpec(key="k", name="x", due=-1), "whole number"),
    ],
)
def test_bad_clock_definitions_are_refused(spec, message):
    with pytest.raises(BadInput, match=message):
        clocks.check_spec(spec)


def test_format_span_is_coarse():
    assert clocks.format_span(59) == "0 min"
    assert clocks.format_span(3 * 86400 + 7200 + 59) == "3 d 2 h"


# ---------------------------------------------------------------- the bundled plan's families


def plan_with(**regulatory):
    plan = default_plan()
    return dataclasses.replace(plan, regulatory=dataclasses.replace(plan.regulatory, **regulatory))


def open_under(made, plan, *, type="other", detected_at="2026-03-02T09:00Z", **kwargs):
    revision = plans.save_revision(made.binder, plan, author="alice", note="test")
    return record.open_incident(made.binder, made.lead, title="Incident", type=type,
                                detected_at=detected_at, plan_revision_id=revision, **kwargs)


def by_key(made, iid, now):
    return {c.key: c for c in clocks.incident_clocks(made.binder, iid, now=now)}


def test_every_bundled_clock_cites_its_source():
    import re

    for clock in default_plan().clocks:
        source = clock.source
        assert source.strip(), clock.key
        assert clock.form, clock.key
        # A reviewer can check it: the document, the place in it, and its version or date.
        assert re.search(r"Regulation|Directive|Release|PCI DSS|Rules|Requirements", source), clock.key
        assert re.search(r"Art\. \d|section|requirement|Item \d|chapter", source), clock.key
        assert re.search(r"\b(19|20)\d\d\b|version \d|v\d", source), clock.key


def test_card_data_starts_the_card_brand_and_acquirer_clocks(made):
    iid = open_under(made, default_plan(), type="skimmer")
    found = by_key(made, iid, "2026-03-02T10:00Z")
    assert found["acquirer"].deadline == "2026-03-03T09:00:00.000000Z"
    assert found["mastercard"].deadline == "2026-03-03T09:00:00.000000Z"
    assert found["visa"].deadline == "2026-03-05T09:00:00.000000Z"  # three calendar days
    assert {found[k].status for k in ("acquirer", "mastercard", "visa")} == {"running"}
    # A duration we could not confirm is not invented: the clock says so and stays off.
    report = found["visa_incident_report"]
    assert (report.status, report.why_off) == ("off", "no_duration")
    # Card data is personal data too.
    assert found["gdpr_art33"].status == "running"
    # The organisation is not in NIS2 scope or an SEC registrant in the bundled plan.
    assert found["nis2_early_warning"].why_off == "not_in_scope"
    assert found["sec_8k"].why_off == "not_in_scope"


def test_a_defacement_starts_no_card_or_gdpr_clock(made):
    iid = open_under(made, default_plan(), type="defacement")
    found = by_key(made, iid, "2026-03-02T10:00Z")
    assert found["visa"].why_off == found["gdpr_art33"].why_off == "not_for_type"
    assert found["sec_8k"].why_off == "not_in_scope"
    assert clocks.running(found.values()) == []


def test_personal_data_runs_gdpr_art33_and_the_art34_decision(made):
    iid = open_under(made, default_plan(), type="database_leak")
    notifications.record_notify_decision(
        made.binder, iid, made.lead, party="Customers", notify=True, clock_key="gdpr_art34",
        reason="passwords and addresses: high risk", occurred_at="2026-03-03T18:00+01:00")
    notifications.record_notification(
        made.binder, iid, made.lead, party="Data protection authority", channel="portal",
        message="Initial notification", told_at="2026-03-05T11:30+01:00", clock_key="gdpr_art33",
        reference="DPA-2026-0042", delay_reason="the processor's logs arrived on day three")
    found = by_key(made, iid, "2026-03-10T09:00Z")
    art34 = found["gdpr_art34"]
    assert (art34.status, art34.met_at) == ("met", "2026-03-03T17:00:00.000000Z")
    art33 = found["gdpr_art33"]
    assert (art33.status, art33.deadline, art33.met_at) == (
        "late", "2026-03-05T09:00:00.000000Z", "2026-03-05T10:30:00.000000Z")
    assert art33.reason == "the processor's logs arrived on day three"


def test_nis2_stages_run_when_the_plan_says_the_organisation_is_in_scope(made):
    iid = open_under(made, plan_with(nis2_in_scope=True), type="ransomware",
                     detected_at="2026-01-29T10:00+01:00")
    found = by_key(made, iid, "2026-01-29T12:00Z")
    assert found["nis2_early_warning"].deadline == "2026-01-30T09:00:00.000000Z"
    assert found["nis2_notification"].deadline == "2026-02-01T09:00:00.000000Z"
    final = found["nis2_final_report"]
    assert (final.status, final.why_off) == ("off", "waiting_clock")
    notifications.record_notification(made.binder, iid, made.lead, party="CSIRT", channel="portal",
                                 message="Incident notification", clock_key="nis2_notification",
                                 told_at="2026-01-31T11:00+01:00")
    final = by_key(made, iid, "2026-02-01T12:00Z")["nis2_final_report"]
    # One calendar month after the notification, in the plan's zone: 28 February, 11:00 CET.
    assert (final.status, final.deadline) == ("running", "2026-02-28T10:00:00.000000Z")


def test_sec_8k_counts_four_us_business_days_across_thanksgiving(made):
    iid = open_under(made, plan_with(sec_registrant=True), type="ransomware",
                     detected_at="2026-11-20T09:00-05:00")
    assert by_key(made, iid, "2026-11-24T12:00Z")["sec_8k"].why_off == "waiting_materiality"
    workflow.record_decision(made.binder, iid, made.lead, decision="The incident is material",
                             reason="Checkout down for four days", materiality=True,
                             occurred_at="2026-11-25T15:00-05:00")
    sec = by_key(made, iid, "2026-11-27T12:00Z")["sec_8k"]
    # Thursday 26 November is Thanksgiving: Fri 27, Mon 30, Tue 1, Wed 2 December.
    assert sec.start_at == "2026-11-25T20:00:00.000000Z"
    assert (sec.status, sec.deadline) == ("running", "2026-12-02T20:00:00.000000Z")
    assert sec.calendar == "US"


def test_type_change_is_signed_and_starts_the_new_types_clocks(made):
    iid = open_under(made, default_plan(), type="admin_takeover")
    assert by_key(made, iid, "2026-03-02T10:00Z")["visa"].why_off == "not_for_type"
    [entry_id] = record.set_classification(
        made.binder, iid, made.lead, type="skimmer", reason="card data in the loader script",
        occurred_at="2026-03-02T11:15+01:00")
    entry = journal.get_entry(made.binder, entry_id)
    assert (entry.kind, entry.occurred_at) == ("classification", "2026-03-02T11:15+01:00")
    assert entry.data == {"field": "type", "from": "admin_takeover", "to": "skimmer"}
    visa = by_key(made, iid, "2026-03-02T12:00Z")["visa"]
    # Counted from awareness, not from the change.
    assert (visa.status, visa.deadline) == ("running", "2026-03-05T09:00:00.000000Z")
    state = workflow.incident_state(made.binder, iid)
    assert (state.type, state.incident.type) == ("skimmer", "admin_takeover")
    with pytest.raises(BadInput, match="nothing changes"):
        record.set_classification(made.binder, iid, made.lead, type="skimmer")
    with pytest.raises(BadInput, match="unknown severity"):
        record.set_classification(made.binder, iid, made.lead, severity="apocalyptic")


def test_switching_a_clock_off_takes_a_signed_reason(made):
    iid = open_under(made, default_plan(), type="skimmer")
    with pytest.raises(BadInput, match="needs a reason"):
        clocks.set_clock_enabled(made.binder, iid, made.lead, "mastercard", False, "  ")
    clocks.set_clock_enabled(made.binder, iid, made.lead, "mastercard", False,
                             "the store does not accept Mastercard")
    mc = by_key(made, iid, "2026-03-02T10:00Z")["mastercard"]
    assert (mc.status, mc.why_off, mc.reason) == ("off", "switched_off",
                                                  "the store does not accept Mastercard")
    clocks.set_clock_enabled(made.binder, iid, made.lead, "sec_8k", True, "listed in New York")
    assert by_key(made, iid, "2026-03-02T10:00Z")["sec_8k"].why_off == "waiting_materiality"
    with pytest.raises(BadInput, match="no clock 'amex'"):
        clocks.set_clock_enabled(made.binder, iid, made.lead, "amex", True)


def test_aware_at_when_opening_is_a_signed_decision_the_clocks_count_from(made):
    iid = open_under(made, default_plan(), type="database_leak",
                     detected_at="2026-03-02T09:00Z", aware_at="2026-03-02T15:30+01:00")
    decisions = [e for e in journal.iter_entries(made.binder, iid) if e.kind == "decision"]
    assert [d.data for d in decisions] == [{"action": "awareness", "at": "2026-03-02T15:30+01:00"}]
    gdpr = by_key(made, iid, "2026-03-02T15:00Z")["gdpr_art33"]
    assert gdpr.start_at == "2026-03-02T14:30:00.000000Z"
    assert gdpr.deadline == "2026-03-05T14:30:00.000000Z"
    # Restated later, as another signed decision.
    clocks.set_awareness(made.binder, iid, made.lead, "2026-03-02T16:00+01:00", "log review")
    assert by_key(made, iid, "2026-03-02T15:00Z")["gdpr_art33"].start_at == \
        "2026-03-02T15:00:00.000000Z"
    with pytest.raises(BadInput, match="not a valid time"):
        clocks.set_awareness(made.binder, iid, made.lead, "after lunch")


def test_custom_contract_clock_late(made):
    iid = open_under(made, default_plan(), type="skimmer")
    clocks.add_clock(made.binder, iid, made.lead, key="acquirer_contract",
                     name="Tell the acquirer (contract 7.2)", due=2, unit="business_days",
                     authority="Acquirer", note="Merchant agreement clause 7.2")
    status = by_key(made, iid, "2026-03-03T22:00Z")["acquirer_contract"]
    assert (status.custom, status.deadline) == (True, "2026-03-04T09:00:00.000000Z")
    assert (status.status, status.urgency) == ("running", "amber")
    notifications.record_notification(made.binder, iid, made.lead, party="Acquirer",
                                 channel="phone", message="Suspected skimmer",
                                 told_at="2026-03-04T11:00Z", clock_key="acquirer_contract")
    status = by_key(made, iid, "2026-03-09T09:00Z")["acquirer_contract"]
    assert status.status == "late"
    with pytest.raises(BadInput, match="clock key"):
        clocks.add_clock(made.binder, iid, made.lead, key="Acquirer!", name="x", due=1)


def test_the_earliest_notification_by_event_time_answers_the_clock(made):
    iid = open_under(made, default_plan(), type="skimmer")
    late = notifications.record_notification(
        made.binder, iid, made.lead, party="Acquirer", channel="email", message="Follow-up",
        told_at="2026-03-04T09:00Z", clock_key="acquirer")
    early = notifications.record_notification(
        made.binder, iid, made.lead, party="Acquirer", channel="phone", message="First call",
        told_at="2026-03-02T12:00+01:00", clock_key="acquirer")  # written later, happened first
    state = workflow.incident_state(made.binder, iid, now="2026-03-09T09:00Z")
    acquirer = {c.key: c for c in state.clocks}["acquirer"]
    assert (acquirer.status, acquirer.answer_entry) == ("met", early)
    assert state.notification_verdict(early).status == "met"
    assert state.notification_verdict(late) is None  # a follow-up, never a second verdict
    listed = workflow.state_to_dict(state)["notifications"]
    assert [n["entry"] for n in listed] == [early, late]


def test_closing_with_open_clocks_records_them(made):
    iid = open_under(made, default_plan(), type="skimmer")
    notifications.record_notification(made.binder, iid, made.lead, party="Acquirer", channel="phone",
                                 message="Told", told_at="2026-03-02T10:00Z", clock_key="acquirer")
    state = workflow.incident_state(made.binder, iid, now="2026-03-03T12:00Z")
    pending = {c.key: c.status for c in workflow.open_clocks(state)}
    assert pending["mastercard"] == "missed" and pending["visa"] == "running"
    assert "acquirer" not in pending
    entry_id = workflow.close_incident(made.binder, iid, made.lead, "contained",
                                       now="2026-03-03T12:00Z")
    entry = journal.get_entry(made.binder, entry_id)
    recorded = {c["key"]: c["status"] for c in entry.data["open_clocks"]}
    assert recorded == pending
    assert "deadlines still open" in entry.text and "Mastercard" in entry.text
