"""Clock arithmetic with fixed times: deadlines, business days, amber/red, met/missed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from binder.core.errors import BadInput
from binder.core.incident import clocks
from binder.core.incident.clocks import ClockEvents, ClockSpec, add_due, evaluate, status_at

MON_9 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
FRI_10 = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
SAT_10 = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)

GDPR = ClockSpec(key="gdpr-33", name="GDPR Art. 33 supervisory authority", authority="DPA",
                 due=72, unit="hours")
SEC = ClockSpec(key="sec-8k", name="SEC Form 8-K", authority="SEC", due=4,
                unit="business_days", starts="materiality_decision")
MC = ClockSpec(key="mastercard", name="Mastercard", due=24, unit="hours")
VISA = ClockSpec(key="visa", name="Visa", due=0, unit="hours")


def one(spec: ClockSpec, now: datetime, **events) -> clocks.ClockStatus:
    events.setdefault("aware_at", MON_9)
    [status] = evaluate([spec], ClockEvents(**events), now)
    return status


def test_gdpr_deadline_is_72_hours_after_awareness():
    status = one(GDPR, MON_9 + timedelta(hours=1))
    assert status.deadline == "2026-03-05T09:00:00.000000Z"
    assert status.status == "ok"
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


def test_sec_clock_waits_for_the_materiality_decision():
    assert one(SEC, MON_9).status == "waiting"
    assert one(SEC, MON_9).deadline is None
    status = one(SEC, FRI_10 + timedelta(hours=1), materiality_at=FRI_10)
    assert status.start_at == "2026-03-06T10:00:00.000000Z"
    assert status.deadline == "2026-03-12T10:00:00.000000Z"
    assert status.status == "ok"


def test_amber_when_a_quarter_of_the_time_is_left():
    deadline = MON_9 + timedelta(hours=72)
    # A quarter of 72 hours is 18 hours: more than the 12-hour rule.
    assert one(GDPR, deadline - timedelta(hours=18, minutes=1)).status == "ok"
    assert one(GDPR, deadline - timedelta(hours=17, minutes=59)).status == "amber"


def test_amber_when_less_than_twelve_hours_are_left():
    deadline = MON_9 + timedelta(hours=24)
    # For a 24-hour clock the 12-hour rule comes first (a quarter would be 6 hours).
    assert one(MC, deadline - timedelta(hours=12, minutes=1)).status == "ok"
    status = one(MC, deadline - timedelta(hours=11))
    assert (status.status, status.colour) == ("amber", "amber")
    assert status.describe() == "due in 11 h 0 min"


def test_red_when_the_deadline_has_passed():
    status = one(GDPR, MON_9 + timedelta(hours=75))
    assert (status.status, status.colour) == ("missed", "red")
    assert status.describe() == "MISSED: overdue by 3 h 0 min"
    assert status.running


def test_met_before_the_deadline_stays_met():
    told = MON_9 + timedelta(hours=40)
    status = one(GDPR, MON_9 + timedelta(days=30), met={"gdpr-33": (told, "alice")})
    assert (status.status, status.colour) == ("met", "green")
    assert status.met_at == "2026-03-04T01:00:00.000000Z"
    assert status.met_by == "alice"
    assert not status.running


def test_missed_then_met_late():
    told = MON_9 + timedelta(hours=80)
    status = one(GDPR, MON_9 + timedelta(hours=90), met={"gdpr-33": (told, "bob")})
    assert (status.status, status.colour) == ("met-late", "red")
    assert status.describe().startswith("met late by 8 h 0 min")


def test_immediate_clock_is_due_at_once_and_any_notice_meets_it():
    status = one(VISA, MON_9 + timedelta(minutes=30))
    assert status.status == "missed"
    assert status.deadline == "2026-03-02T09:00:00.000000Z"
    assert "due immediately" in status.describe()
    told = one(VISA, MON_9 + timedelta(hours=2), met={"visa": (MON_9 + timedelta(hours=1), "a")})
    assert told.status == "met"
    assert status.due_text == "immediately on awareness"


def test_switched_off_and_not_needed_clocks_do_not_count_down():
    events = ClockEvents(aware_at=MON_9, switched={"gdpr-33": False})
    specs = clocks.effective_specs([GDPR, MC], events)
    statuses = {s.key: s for s in evaluate(specs, events, MON_9 + timedelta(days=5))}
    assert statuses["gdpr-33"].status == "off"
    assert statuses["mastercard"].status == "missed"
    quiet = one(GDPR, MON_9 + timedelta(days=5), not_needed={"gdpr-33": "no personal data"})
    assert quiet.status == "not-needed"
    assert "no personal data" in quiet.describe()


def test_incident_clocks_replace_plan_clocks_with_the_same_key():
    contract = ClockSpec(key="mastercard", name="Acquirer contract", due=12, unit="hours",
                         custom=True)
    events = ClockEvents(aware_at=MON_9, added=(contract,))
    [status] = evaluate(clocks.effective_specs([MC], events), events, MON_9)
    assert status.name == "Acquirer contract"
    assert status.deadline == "2026-03-02T21:00:00.000000Z"


def test_nearest_running_deadline():
    events = ClockEvents(aware_at=MON_9, met={"mastercard": (MON_9, "alice")})
    statuses = evaluate([GDPR, MC, SEC], events, MON_9 + timedelta(hours=1))
    assert clocks.nearest(statuses).key == "gdpr-33"


def test_status_at_is_pure_for_naive_and_aware_inputs():
    start, deadline = MON_9, MON_9 + timedelta(hours=10)
    assert status_at(start, deadline, start) == ("amber", 36000.0)


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


# ---------------------------------------------------------------- clocks read from the journal


@pytest.fixture
def monday_incident(made):
    from binder.core.incident.record import open_incident
    from binder.core.plan import revisions as plans

    return open_incident(made.binder, made.lead, title="Leak", detected_at="2026-03-02T09:00Z",
                         plan_revision_id=plans.current_revision(made.binder).id)


def by_key(made, iid, now):
    return {c.key: c for c in clocks.incident_clocks(made.binder, iid, now=now)}


def test_plan_clocks_follow_the_plan_and_can_be_switched_per_incident(made, monday_incident):
    now = "2026-03-02T10:00Z"
    statuses = by_key(made, monday_incident, now)
    assert statuses["gdpr_art33"].status == "ok"
    assert statuses["mastercard"].status == "off"  # disabled in the default plan
    clocks.set_clock_enabled(made.binder, monday_incident, made.lead, "mastercard", True,
                             "Mastercard cards were taken at checkout")
    clocks.set_clock_enabled(made.binder, monday_incident, made.lead, "gdpr_art33", False)
    statuses = by_key(made, monday_incident, now)
    assert statuses["mastercard"].status == "ok"
    assert statuses["mastercard"].deadline == "2026-03-03T09:00:00.000000Z"
    assert statuses["gdpr_art33"].status == "off"
    # Running clocks come first, nearest deadline first.
    assert clocks.incident_clocks(made.binder, monday_incident, now=now)[0].key == "mastercard"
    with pytest.raises(BadInput, match="no clock 'amex'"):
        clocks.set_clock_enabled(made.binder, monday_incident, made.lead, "amex", True)


def test_awareness_can_be_restated(made, monday_incident):
    clocks.set_awareness(made.binder, monday_incident, made.lead, "2026-03-02T15:30+01:00",
                         "the alert was only read after lunch")
    gdpr = by_key(made, monday_incident, "2026-03-02T15:00Z")["gdpr_art33"]
    assert gdpr.start_at == "2026-03-02T14:30:00.000000Z"
    assert gdpr.deadline == "2026-03-05T14:30:00.000000Z"
    with pytest.raises(BadInput, match="not a valid time"):
        clocks.set_awareness(made.binder, monday_incident, made.lead, "after lunch")


def test_custom_contract_clock_met_late(made, monday_incident):
    from binder.core.incident import workflow

    clocks.add_clock(made.binder, monday_incident, made.lead, key="acquirer_contract",
                     name="Tell the acquirer (contract 7.2)", due=2, unit="business_days",
                     authority="Acquirer", note="Merchant agreement clause 7.2")
    status = by_key(made, monday_incident, "2026-03-03T22:00Z")["acquirer_contract"]
    assert (status.custom, status.deadline) == (True, "2026-03-04T09:00:00.000000Z")
    assert status.status == "amber"
    workflow.record_notification(made.binder, monday_incident, made.lead, party="Acquirer",
                                 channel="phone", message="Suspected skimmer",
                                 told_at="2026-03-04T11:00Z", clock_key="acquirer_contract")
    status = by_key(made, monday_incident, "2026-03-09T09:00Z")["acquirer_contract"]
    assert status.status == "met-late"
    with pytest.raises(BadInput, match="clock key"):
        clocks.add_clock(made.binder, monday_incident, made.lead, key="Acquirer!", name="x", due=1)


def test_materiality_decision_starts_the_sec_clock(made, monday_incident):
    from binder.core.incident import workflow

    clocks.set_clock_enabled(made.binder, monday_incident, made.lead, "sec_8k", True)
    assert by_key(made, monday_incident, "2026-03-06T12:00Z")["sec_8k"].status == "waiting"
    entry = workflow.record_decision(made.binder, monday_incident, made.lead,
                                     decision="The incident is material", reason="10% of orders",
                                     materiality=True)
    from binder.core.incident import journal

    decided = clocks._parse(journal.get_entry(made.binder, entry).recorded_at)
    sec = by_key(made, monday_incident, decided)["sec_8k"]
    assert sec.start_at == clocks.iso(decided)
    assert sec.deadline == clocks.iso(clocks.add_due(decided, 4, "business_days"))
