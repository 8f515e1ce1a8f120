"""Regulator-shaped notifications: the forms, prefilled from the journal, and their submission.

Each form lists what an authority asks for, in the order its rule lists it,
with the rule beside every field (GDPR Art. 33(3), NIS2 Art. 23(4), the card
brands' compromise reports, SEC Form 8-K Item 1.05). :func:`prefill` fills what
the binder already knows from the signed journal (facts, registers, decisions,
the plan's organisation facts, the roster's data protection officer); a person
completes the rest. :func:`render_text` gives the one page to read out on the
phone or paste into the authority's portal (the PDF is drawn in
:mod:`binder.core.output.notice`), and :func:`submit` records the submission as
a signed notification that answers the form's clock, with the channel, the time
and the authority's reference number, and the submitted content in its data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from binder.core import times
from binder.core.errors import BadInput
from binder.core.incident import clocks, journal, notifications, workflow
from binder.core.incident.journal import check_text
from binder.core.incident.record import get_incident

if TYPE_CHECKING:
    from binder.core.crypto.signers import SigningSession
    from binder.core.storage.database import Binder

MAX_FIELD = 4000
MAX_MESSAGE = 20_000
MAX_FIELDS_FILE = 256 * 1024
DELAY_PROMPT = "(The deadline was"


@dataclass(frozen=True)
class Field:
    """One thing an authority asks for, and the rule that asks for it."""

    key: str
    label: str
    basis: str = ""
    hint: str = ""
    lines: int = 3  # 1 for a one-line answer
    empty: str = "(not known yet)"  # what a blank answer reads as


@dataclass(frozen=True)
class Form:
    """A notification an authority expects, field by field."""

    key: str
    title: str
    authority: str
    party: str
    clock: str
    basis: str
    fields: tuple[Field, ...]

    def field(self, key: str) -> Field:
        """One field by key."""
        for f in self.fields:
            if f.key == key:
                return f
        raise BadInput(f"the {self.key} form has no field {key!r}; fields: "
                       + ", ".join(f.key for f in self.fields))


_GDPR = "GDPR (Regulation (EU) 2016/679)"
_NIS2 = "NIS2 (Directive (EU) 2022/2555)"

FORMS: dict[str, Form] = {f.key: f for f in (
    Form(
        "gdpr_art33", "Personal data breach notification", "Data protection supervisory authority",
        "Data protection authority", "gdpr_art33", f"{_GDPR}, Art. 33",
        (
            Field("controller", "Controller", "Art. 33(1)", "The organisation notifying", 1),
            Field("contact", "Data protection officer or other contact point", "Art. 33(3)(b)",
                  "Name and contact details", 2),
            Field("aware_at", "Became aware", "Art. 33(1)", "When the organisation became aware", 1),
            Field("when", "When the breach happened", "Art. 33(3)(a)",
                  "Start and end, or since when, as far as known", 1),
            Field("nature", "Nature of the breach", "Art. 33(3)(a)",
                  "What happened: confidentiality, integrity or availability; how it was found", 5),
            Field("subjects", "Categories and approximate number of data subjects", "Art. 33(3)(a)",
                  "e.g. customers of the web shop, about 12,000", 2),
            Field("records", "Categories and approximate number of personal data records",
                  "Art. 33(3)(a)", "e.g. names, addresses, card numbers: about 15,000 records", 2),
            Field("consequences", "Likely consequences", "Art. 33(3)(c)",
                  "What may happen to the people concerned", 3),
            Field("measures", "Measures taken or proposed", "Art. 33(3)(d)",
                  "To address the breach and to limit its possible adverse effects", 5),
            Field("delay", "Reasons for the delay", "Art. 33(1)",
                  "Only when notifying more than 72 hours after becoming aware", 2,
                  "(none: within the deadline)"),
            Field("phases", "Information still to come", "Art. 33(4)",
                  "What is not known yet and when further information will follow", 2),
        )),
    Form(
        "gdpr_art34", "Decision on telling the people affected", "Data subjects",
        "Customers", "gdpr_art34", f"{_GDPR}, Art. 34",
        (
            Field("decision", "Decision", "Art. 34(1)",
                  "Tell them, or not, and why (high risk to their rights and freedoms?)", 3),
            Field("exception", "Exception relied on, if not telling them", "Art. 34(3)(a)-(c)",
                  "Data unintelligible (e.g. encrypted), risk no longer likely, or "
                  "disproportionate effort (then a public communication)", 2),
            Field("nature", "What happened, in clear and plain language", "Art. 34(2)", "", 4),
            Field("contact", "Data protection officer or other contact point",
                  "Art. 34(2), 33(3)(b)", "", 2),
            Field("consequences", "Likely consequences", "Art. 34(2), 33(3)(c)", "", 3),
            Field("measures", "Measures taken or proposed, and what people can do",
                  "Art. 34(2), 33(3)(d)", "", 4),
            Field("how", "How they will be told", "Art. 34(1)",
                  "e-mail, letter, notice on the website", 1),
        )),
    Form(
        "nis2_early_warning", "NIS2 early warning", "National CSIRT or competent authority",
        "CSIRT / competent authority", "nis2_early_warning", f"{_NIS2}, Art. 23(4)(a)",
        (
            Field("entity", "Entity", "Art. 23(1)", "", 1),
            Field("contact", "Contact point", "", "", 2),
            Field("aware_at", "Became aware of the significant incident", "Art. 23(4)(a)", "", 1),
            Field("description", "What is known so far", "Art. 23(4)(a)", "", 4),
            Field("malicious", "Suspected unlawful or malicious act?", "Art. 23(4)(a)",
                  "yes / no / not known yet, and why", 2),
            Field("cross_border", "Possible cross-border impact?", "Art. 23(4)(a)", "", 2),
        )),
    Form(
        "nis2_notification", "NIS2 incident notification", "National CSIRT or competent authority",
        "CSIRT / competent authority", "nis2_notification", f"{_NIS2}, Art. 23(4)(b)",
        (
            Field("entity", "Entity", "Art. 23(1)", "", 1),
            Field("contact", "Contact point", "", "", 2),
            Field("aware_at", "Became aware", "Art. 23(4)(b)", "", 1),
            Field("assessment", "Initial assessment of the incident", "Art. 23(4)(b)", "", 5),
            Field("severity", "Severity and impact", "Art. 23(4)(b)", "", 3),
            Field("iocs", "Indicators of compromise", "Art. 23(4)(b)", "where available", 4),
            Field("update", "What changed since the early warning", "Art. 23(4)(b)", "", 3),
        )),
    Form(
        "nis2_final_report", "NIS2 final report", "National CSIRT or competent authority",
        "CSIRT / competent authority", "nis2_final_report", f"{_NIS2}, Art. 23(4)(d)",
        (
            Field("entity", "Entity", "Art. 23(1)", "", 1),
            Field("description", "Detailed description, severity and impact",
                  "Art. 23(4)(d)(i)", "", 6),
            Field("cause", "Type of threat or root cause that likely triggered it",
                  "Art. 23(4)(d)(ii)", "", 4),
            Field("mitigation", "Mitigation measures applied and ongoing", "Art. 23(4)(d)(iii)",
                  "", 5),
            Field("cross_border", "Cross-border impact", "Art. 23(4)(d)(iv)", "where applicable", 2),
        )),
    Form(
        "card_brands", "Account data compromise report", "Acquirer and card brands",
        "Acquirer / payment provider", "acquirer",
        "Card brand rules (Visa What To Do If Compromised; Mastercard Security Rules and "
        "Procedures, ch. 10); PCI DSS v4.0.1 req. 12.10.1",
        (
            Field("merchant", "Merchant", "", "", 1),
            Field("acquirer", "Acquirer", "", "", 1),
            Field("merchant_id", "Merchant id", "", "", 1),
            Field("brands", "Card brands affected", "", "", 1),
            Field("window", "Compromise window", "",
                  "From when to when card data may have been exposed", 1),
            Field("cards", "Cards at risk per brand", "", "e.g. Visa about 3,100; Mastercard about 1,900",
                  2),
            Field("discovery", "How and when it was discovered", "", "", 3),
            Field("containment", "Containment and measures taken", "", "", 4),
            Field("forensics", "Forensic investigator engaged", "",
                  "PCI Forensic Investigator firm, date engaged, or not yet", 2),
            Field("contact", "Contact", "", "", 2),
        )),
    Form(
        "sec_8k", "Form 8-K, Item 1.05: material cybersecurity incident",
        "US Securities and Exchange Commission", "SEC (EDGAR filing)", "sec_8k",
        "SEC Release No. 33-11216 (2023); Form 8-K Item 1.05",
        (
            Field("registrant", "Registrant", "", "", 1),
            Field("determined_at", "Materiality determined", "General Instruction B.1", "", 1),
            Field("nature", "Nature of the incident", "Item 1.05(a)", "material aspects", 4),
            Field("scope", "Scope", "Item 1.05(a)", "", 3),
            Field("timing", "Timing", "Item 1.05(a)", "", 2),
            Field("impact", "Material impact or reasonably likely material impact",
                  "Item 1.05(a)", "including on financial condition and results of operations", 4),
            Field("undetermined", "Information not yet determined or unavailable",
                  "Item 1.05, Instruction 2", "to be given later in an amendment", 2),
        )),
)}


def get_form(key: str) -> Form:
    """A form by key; :class:`BadInput` lists the forms."""
    if key not in FORMS:
        raise BadInput(f"unknown form {key!r}; use one of {', '.join(FORMS)}")
    return FORMS[key]


# ---------------------------------------------------------------- prefilling


def _lines(values: list[str], limit: int = 8) -> str:
    shown = [" ".join(v.split()) for v in values if v and v.strip()]
    more = len(shown) - limit
    text = "\n".join(f"- {v}" for v in shown[:limit])
    return text + (f"\n- and {more} more in the journal" if more > 0 else "")


def _dpo(binder: Binder, plan: Any) -> str:
    people = []
    if binder.unlocked:
        from binder.core import roster

        for contact in roster.list_contacts(binder):
            if contact.role == "dpo" and not contact.removed:
                people.append(", ".join(p for p in (contact.name, contact.email, contact.phone) if p))
    functional = getattr(getattr(plan, "regulatory", None), "dpo_contact", "")
    if functional:
        people.append(functional)
    return "\n".join(people)


def prefill(binder: Binder, incident_id: int | str, form_key: str, *,
            now: datetime | str | None = None) -> dict[str, str]:
    """The form's fields filled from the signed journal as far as the binder knows them.

    Fields nobody can know from the journal (likely consequences, numbers of
    people) stay empty for a person to complete; nothing is invented.
    """
    from binder.core.incident import registers

    form = get_form(form_key)
    incident = get_incident(binder, incident_id)
    state = workflow.incident_state(binder, incident.id, now=now)
    plan = workflow.incident_plan(binder, incident)
    reg = plan.regulatory
    org = binder.meta("org") or ""
    try:
        type_label = plan.incident_type_label(state.type)
    except BadInput:
        type_label = state.type
    observations, actions = [], []
    for entry in journal.iter_entries(binder, incident.id, kinds=("observation", "action"),
                                      order="event"):
        (observations if entry.kind == "observation" else actions).append(entry.text)
    decisions = [f"{d.decision} ({times.document_time(d.at)})" for d in state.decisions]
    assets = [f"{a.get('name')} ({a.get('status')})" for a in
              registers.list_items(binder, incident.id, "asset", include_withdrawn=False)]
    iocs = [f"{i.get('type')}: {i.get('value')}" for i in
            registers.list_items(binder, incident.id, "ioc", include_withdrawn=False)]
    events = registers.list_items(binder, incident.id, "timeline", include_withdrawn=False)
    window = ""
    if events:
        window = (f"{times.document_time(events[0].get('at'))} to "
                  f"{times.document_time(events[-1].get('at'))} (attacker timeline)")
    contact = _dpo(binder, plan)
    nature = f"{type_label}: {incident.title}."
    if observations:
        nature += "\n" + _lines(observations, 6)
    measures = _lines(decisions + actions, 10)
    clock = {c.key: c for c in state.clocks}.get(form.clock)
    delay = ""
    if clock is not None and clock.deadline and clock.status in ("missed", "late"):
        delay = f"{DELAY_PROMPT} {times.document_time(clock.deadline)}: state why it was not met.)"
    values = {
        "controller": org, "entity": org, "merchant": org, "registrant": org,
        "contact": contact,
        "aware_at": times.document_time(state.aware_at),
        "when": window,
        "window": window,
        "nature": nature,
        "description": nature + (("\nAffected: " + ", ".join(assets)) if assets else ""),
        "assessment": nature,
        "severity": f"Severity {state.severity}." + (
            ("\nAffected systems and accounts: " + ", ".join(assets)) if assets else ""),
        "measures": measures,
        "mitigation": measures,
        "containment": measures,
        "iocs": _lines(iocs, 20),
        "delay": delay,
        "phases": "This is the initial notification; further information will follow as the "
                  "investigation establishes it.",
        "acquirer": reg.acquirer,
        "merchant_id": reg.merchant_id,
        "brands": ", ".join(reg.card_brands),
        "discovery": f"Detected {times.document_time(incident.detected_at)}."
                     + (("\n" + _lines(observations, 3)) if observations else ""),
        "determined_at": times.document_time(state.materiality_at) if state.materiality_at else "",
        "timing": (f"Detected {times.document_time(incident.detected_at)}"
                   + (f"; {window}" if window else "")),
        "scope": ", ".join(assets),
    }
    return {f.key: values.get(f.key, "") for f in form.fields}


# ---------------------------------------------------------------- checking and rendering


def check_values(form: Form, values: Mapping[str, Any]) -> dict[str, str]:
    """The form's fields from ``values`` (unknown keys refused, missing ones empty)."""
    if not isinstance(values, Mapping):
        raise BadInput("the form's fields must be a JSON object of field: text")
    known = {f.key for f in form.fields}
    unknown = sorted(set(values) - known)
    if unknown:
        raise BadInput(f"the {form.key} form has no field {unknown[0]!r}; fields: "
                       + ", ".join(f.key for f in form.fields))
    out = {}
    for f in form.fields:
        value = values.get(f.key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise BadInput(f"field {f.key!r} must be text")
        check_text(value, f"{f.label.lower()} field", limit=MAX_FIELD)
        out[f.key] = value.strip()
    return out


def read_values(data: bytes | str, form: Form) -> dict[str, str]:
    """Fields from a JSON file's content (bounded; one clear line when it is not right)."""
    if isinstance(data, bytes):
        if len(data) > MAX_FIELDS_FILE:
            raise BadInput(f"the fields file is larger than {MAX_FIELDS_FILE // 1024} KiB")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput("the fields file is not UTF-8 text") from None
    try:
        values = json.loads(data)
    except (ValueError, RecursionError):
        raise BadInput("the fields file is not valid JSON; write it as {\"field\": \"text\"}") from None
    return check_values(form, values)


def render_text(form: Form, values: Mapping[str, str], *, incident_title: str = "",
                prepared_at: str | None = None, drill: bool = False) -> str:
    """The form as plain text: one page to read out or paste into a portal."""
    values = check_values(form, values)
    head = [f"{form.title.upper()}", f"To: {form.authority}", f"Under: {form.basis}"]
    if incident_title:
        head.append(f"Incident: {incident_title}")
    if drill:
        head.insert(0, "DRILL - NOT A REAL INCIDENT")
    out = ["\n".join(head), ""]
    for f in form.fields:
        label = f.label + (f" [{f.basis}]" if f.basis else "")
        value = values.get(f.key, "") or f.empty
        out.append(f"{label}:\n{value}\n")
    if prepared_at:
        out.append(f"Prepared {times.document_time(prepared_at)} from the signed incident journal.")
    return "\n".join(out).rstrip() + "\n"


def summary(form: Form, values: Mapping[str, str]) -> str:
    """A one-line gist for the notifications register."""
    first = next((values[f.key] for f in form.fields
                  if f.lines > 1 and values.get(f.key)), "")
    gist = " ".join(first.split())
    return f"{form.title}" + (f": {gist[:300]}" if gist else "")


# ---------------------------------------------------------------- submitting


def submit(binder: Binder, incident_id: int | str, author: SigningSession, form_key: str,
           values: Mapping[str, Any], *, channel: str, told_at: str | None = None,
           reference: str = "", clock_key: str | None = None, party: str | None = None,
           delay_reason: str | None = None) -> int:
    """Record that the form was submitted: a signed notification answering its clock.

    The submitted text is the message; the fields are kept in the entry's data
    so the report and a later amendment can show exactly what was said. The
    form's own "reasons for the delay" field is the notification's delay reason
    unless one is given.
    """
    form = get_form(form_key)
    checked = check_values(form, values)
    incident = get_incident(binder, incident_id)
    key = form.clock if clock_key is None else (clock_key or None)
    if key is not None and clock_key is None and key not in clocks.known_clock_keys(
            binder, incident.id):
        key = None  # the plan has no such clock: record the submission all the same
    text = render_text(form, checked, incident_title=incident.title, drill=incident.drill)
    if len(text) > MAX_MESSAGE:
        raise BadInput(f"the filled form is longer than {MAX_MESSAGE} characters; shorten it "
                       "and attach the details as evidence")
    reason = checked.get("delay", "") if delay_reason is None else delay_reason
    if reason.startswith(DELAY_PROMPT):
        reason = ""  # the prefilled prompt, not a reason
    return notifications.record_notification(
        binder, incident.id, author, party=party or form.party, channel=channel,
        message=text, told_at=told_at, clock_key=key, reference=reference,
        delay_reason=reason, form=form.key, content=checked,
    )
