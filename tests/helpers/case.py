"""A realistic incident for the report tests: a checkout skimmer found by a customer.

Times are relative to now (the journal's recorded times are always now): the
skimmer went in five days ago, the first fraud report came three days ago and
the store was contained two and a half days ago, so the timeline has real
spread, the GDPR clock was met, and the evidence hand-overs happen after the
evidence was registered (as they must).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from binder.core.incident import (
    assessment,
    evidence,
    impact,
    journal,
    notifications,
    registers,
    review,
    workflow,
)
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import get_incident, open_incident
from binder.core.plan import revisions as plans
from tests.helpers import LEAD, WITNESS, Made

LAB = "Forensics Lab Ltd (courier Dana Ruiz)"


def ago(**delta) -> str:
    """A UTC time ``delta`` before now, to the minute."""
    moment = datetime.now(UTC) - timedelta(**delta)
    return moment.replace(second=0, microsecond=0).isoformat().replace("+00:00", "Z")


def later(minutes: int) -> str:
    """A local time a few minutes after now (hand-overs follow the registration)."""
    moment = datetime.now().astimezone() + timedelta(minutes=minutes)
    return moment.isoformat(timespec="seconds")


def skimmer_case(made: Made, folder: Path, *, drill: bool = False, close: bool = False) -> dict:
    """Open and fill the test incident; returns its id and the ids tests look for."""
    b, lead, witness = made.binder, made.lead, made.witness
    iid = open_incident(b, lead, title="Card skimmer in the checkout", type="skimmer",
                        severity="high", detected_at=ago(days=3), drill=drill,
                        plan_revision_id=plans.current_revision(b).id)
    plan = workflow.incident_plan(b, get_incident(b, iid))
    phases = [p.key for p in plan.phases]
    ids: dict = {"incident": iid}
    ids["report"] = journal.append(b, iid, lead, NewEntry(
        text="Customer reports card fraud two days after buying; checkout loads "
             "cdn-jquery.top", kind="observation", occurred_at=ago(days=3),
        source="support ticket 4411"))
    workflow.set_focus_phase(b, iid, lead, phases[2])
    workflow.tick_checklist(b, iid, lead, phases[2], 0)
    ids["wrong"] = journal.append(b, iid, lead, NewEntry(
        text="Skimmer found in design/footer/absolute_footer", kind="action",
        reason="grep of a database dump", occurred_at=ago(days=2, hours=20)), witness=witness)
    ids["fix"] = journal.correct(b, ids["wrong"], lead, "Skimmer found in design/head/includes",
                                 "wrong config path")
    workflow.record_decision(
        b, iid, lead, decision="Take the store offline",
        reason="every order leaks card data until the script is gone",
        options=["keep the store up behind a WAF rule", "take the store offline"],
        approved_by="Maria Keller, Managing Director", witness=witness,
        occurred_at=ago(days=2, hours=14))
    journal.append(b, iid, lead, NewEntry(
        text="Store switched to maintenance mode; skimmer script removed", kind="action",
        occurred_at=ago(days=2, hours=12)))
    registers.add_event(b, iid, lead, at=ago(days=5), what="Admin login from a new IP with "
                        "a phished password", asset="Magento admin", time_source="admin log",
                        iocs=["203.0.113.9"])
    registers.add_event(b, iid, lead, at=ago(days=5) , what="Skimmer injected into the "
                        "design/head/includes setting", asset="core_config_data",
                        time_source="database binlog")
    registers.add_indicator(b, iid, lead, type="domain", value="cdn-jquery.top",
                            source="checkout page", description="exfiltration host")
    registers.add_indicator(b, iid, lead, type="ipv4", value="203.0.113.9", tlp="AMBER",
                            description="admin login")
    registers.add_asset(b, iid, lead, name="web-01", kind="web server", status="contained")
    registers.add_asset(b, iid, lead, name="admin account jsmith", kind="admin account",
                        status="contained")
    registers.add_task(b, iid, lead, title="Rotate every admin password and enforce 2FA",
                       owner=WITNESS, due=ago(days=-2))
    log = folder / "access.log"
    log.write_text("203.0.113.9 - - GET /checkout 200\n" * 200)
    ids["item"] = evidence.register_evidence(
        b, iid, log, lead, description="Nginx access log, web-01", witness=witness, type="log",
        source_system="web-01", source_ip="10.0.0.11", reason="requests to the checkout",
        covers_from=ago(days=7), covers_to=ago(days=2), collected_at=ago(days=2, hours=10),
        collected_where="web-01 /var/log/nginx", method="scp over the admin VPN, then hashed",
        storage_location="Evidence drive ED-3, safe 2.14")
    ids["handover"] = evidence.transfer(
        b, ids["item"], lead, received_by=WITNESS, purpose="forensic analysis",
        seal="SEAL-0042", location="IT office safe", time=later(1), receiver=witness)
    ids["courier"] = evidence.transfer(
        b, ids["item"], witness, received_by=LAB, purpose="imaging at the lab",
        seal="SEAL-0043", location="courier bag", time=later(2))
    ids["unsigned"] = ids["courier"]
    clock = plan.clocks[0].key
    notifications.record_notify_decision(b, iid, lead, party="Data protection authority",
                                    notify=True, reason="personal data of EU customers",
                                    clock_key=clock, witness=witness, occurred_at=ago(days=2))
    notifications.record_notification(b, iid, lead, party="Data protection authority",
                                 channel="online form",
                                 message="Personal data breach: card data of customers "
                                         "skimmed at checkout", told_at=ago(days=1),
                                 clock_key=clock)
    notifications.record_notification(b, iid, lead, party="Acquirer", channel="phone",
                                 message="Told the acquirer about possible card exposure",
                                 told_at=ago(days=2, hours=20), clock_key="acquirer")
    notifications.record_notification(b, iid, lead, party="Mastercard (through the acquirer)",
                                 channel="ADC form", message="Account data compromise report",
                                 told_at=ago(days=2, hours=18), clock_key="mastercard")
    notifications.record_notification(b, iid, lead, party="Visa (through the acquirer)",
                                 channel="email", message="Compromise notification",
                                 told_at=ago(days=2, hours=18), clock_key="visa")
    notifications.record_notify_decision(b, iid, lead, party="Affected customers", notify=True,
                                    reason="card data of identifiable customers",
                                    clock_key="gdpr_art34", witness=witness,
                                    occurred_at=ago(days=1))
    impact.add_impact(b, iid, lead, "Forensic investigation", "12500.00", "EUR", "PFI quote",
                        estimate=True)
    impact.add_impact(b, iid, lead, "Lost revenue (downtime)", "18400", "EUR",
                        "two days offline, from the shop's sales figures")
    impact.add_impact(b, iid, lead, "Card reissue and fraud", "9000", "USD",
                        "acquirer's first claim", estimate=True)
    impact.add_impact(b, iid, lead, "Lost revenue (downtime)", "-1400", "EUR",
                        "the first figure counted a Sunday twice")
    assessment.assess(b, iid, lead, customers="1200", records="1350", estimated=["records"],
                      what_happened="an attacker with a phished admin password added a script "
                                    "to the checkout that copied card details to another site",
                      root_cause="a Magento admin account without two-factor login",
                      data_exposed="card numbers, expiry dates, names, addresses",
                      exposure_from=ago(days=5), exposure_to=ago(days=2, hours=12),
                      status="contained: the store is back online without the script",
                      currency="EUR", rates={"USD": "0.92"},
                      rates_source="ECB reference rate of the report week",
                      asks=["Approve the forensic investigator's engagement (EUR 12,500)",
                            "Decide whether to offer affected customers credit monitoring"],
                      risks=["Card brands may assess fines once the investigator reports",
                             "Customers may claim fraud losses"])
    # A first estimate, corrected later: only the corrected figure may appear in summaries.
    assessment.assess(b, iid, lead, customers="1240", reason="order export recounted")
    review.add_review(b, iid, lead, "Two-factor login was not enforced for admins.",
                        ["checklist:" + phases[2] + ":Check admin accounts for 2FA"])
    if close:
        workflow.close_incident(b, iid, lead, "Store clean and back online", witness=witness)
    ids["lead"] = LEAD
    return ids
