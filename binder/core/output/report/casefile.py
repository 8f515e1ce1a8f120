"""The full report ordered like a case file, for counsel.

The order follows what an incident record must hold (NIST SP 800-61r3, whose
CSF 2.0 outcomes ask for the sequence of events and root cause, RS.AN-03, the
actions recorded with their integrity preserved, RS.AN-06, evidence with its
provenance and chain of custody, RS.AN-07, the magnitude, RS.AN-08, who was
told, RS.CO-02/03, and the improvements, ID.IM) and what a PCI forensic
investigator's final report states (the window in which card data was at risk
and how much of it; corrections listed openly rather than silently replaced):

1. facts, 2. chronology by event time, 3. attacker timeline, indicators and
affected systems, 4. evidence with full custody, 5. decisions, 6. notifications
and deadlines, 7. costs, 8. review and plan changes, 9. sign-off, then the
appendix (certificates, checkpoint, how to verify).

Documents for legal carry no command lines and no database ids without a
name: people appear by the full name on their certificate.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from binder.core.formatting import count_text, money_text
from binder.core.output.pdf import esc, fmt_time
from binder.core.output.report import sections
from binder.core.output.report.facts import ReportFacts, utc_moment
from binder.core.output.report.registers import register_sections
from binder.core.storage.database import Binder

P = sections.P

#: The numbered parts of the full report, in order (the cover lists them).
PARTS = (
    "Facts of the incident",
    "Chronology",
    "Attacker timeline, indicators and affected systems",
    "Evidence and chain of custody",
    "Decisions",
    "Notifications and deadlines",
    "Costs",
    "Review and plan changes",
    "Sign-off",
)


def part(number: int) -> Flowable:
    """The heading of part ``number`` (1-based), as the cover's contents list names it."""
    return P(f"{number}&nbsp;&nbsp;{esc(PARTS[number - 1])}", "h1")


def hours_between(start: str, end: str) -> float:
    """Hours from ``start`` to ``end`` (stored ISO times)."""
    return max((utc_moment(end) - utc_moment(start)).total_seconds(), 0) / 3600


def span_words(hours: float) -> str:
    """``36 hours`` or ``4.5 days``."""
    if hours < 48:
        return f"{hours:.0f} hours" if hours >= 2 else f"{hours * 60:.0f} minutes"
    return f"{hours / 24:.1f} days"


def count_words(f: ReportFacts, name: str, one: str, many: str) -> str:
    """``1,240 customers (estimate)`` or empty when not stated."""
    a = f.assessment
    value = a.get(name) if a is not None else None
    if value is None:
        return ""
    words = f"{value:,} {one if value == 1 else many}"
    return words + (" (estimate)" if a.is_estimate(name) else "")


def exposure_words(f: ReportFacts) -> str:
    """The exposure window as markup, or a plain statement that it is not established."""
    a = f.assessment
    start = a.get("exposure_from") if a is not None else None
    end = a.get("exposure_to") if a is not None else None
    if start and end:
        return (f"{fmt_time(start)} to {fmt_time(end)} "
                f"({span_words(hours_between(start, end))})")
    if start:
        return f"from {fmt_time(start)}, end not yet established"
    return "<i>not yet established</i>"


def facts(f: ReportFacts, width: float) -> Iterator[Flowable]:
    """Part 1: what kind of incident, how bad, when it was seen and known, how long data was
    exposed, what happened and why, and who is affected."""
    inc, s, a = f.incident, f.state, f.assessment
    yield part(1)
    severity = getattr(f, "current_severity", inc.severity) or inc.severity
    rows = [
        ("Type", esc(f.type_label)),
        ("Severity", esc(str(severity).capitalize())),
        ("Detected", fmt_time(inc.detected_at)),
    ]
    aware = getattr(s, "aware_at", None) if s is not None else None
    rows.append(("Aware (clocks start)", fmt_time(aware or inc.detected_at)))
    rows += [
        ("Opened", f"{fmt_time(inc.opened_at)} by {esc(f.name(inc.opened_by))}"),
        ("Exposure window", exposure_words(f)),
        ("Status", sections.status_words(f)),
    ]
    if a is not None:
        for key, label in (("what_happened", "What happened"), ("root_cause", "Root cause"),
                           ("data_exposed", "Data exposed")):
            value = a.get(key)
            rows.append((label, esc(value) if value else "<i>not yet established</i>"))
        people = [w for w in (count_words(f, "customers", "customer", "customers"),
                              count_words(f, "records", "record", "records")) if w]
        rows.append(("Affected", esc("; ".join(people)) if people
                     else "<i>not yet established</i>"))
        if a.get("status"):
            rows.append(("Where things stand", esc(a.get("status"))))
    rows.append(("Evidence", f"{count_text(len(f.evidence), 'item')} "
                             "registered; custody in part 4"))
    if s is not None:
        rows.append(("Decisions", f"{len(s.decisions) + len(s.notify_decisions)} recorded; "
                                  "part 5"))
        rows.append(("Notifications", f"{len(s.notifications)} recorded; part 6"))
        totals = sections.totals_text(s)
        rows.append(("Costs", (totals + "; part 7") if totals else "none recorded"))
    rows.append(("Record", f"{f.entry_count} signed journal entries, {f.cosigned_count} "
                           "co-signed by a witness"))
    yield sections._kv(rows, width)
    if a is not None and a.statements:
        yield P("The facts above are the newest signed statement of each; earlier figures stay "
                "in the chronology.", "small")
    yield Spacer(1, 3 * mm)
    yield from sections.verification_banner(f)


def chronology(binder: Binder, f: ReportFacts, width: float, progress, check
               ) -> Iterator[Flowable]:
    """Part 2: the key events (picture and table), then every entry by when it happened."""
    yield sections.PageBreak()
    yield part(2)
    yield from sections.timeline(f, width, "full", heading=False)
    yield from sections.journal(binder, f, progress, check, heading="Journal, by event time")


def investigation(binder: Binder, f: ReportFacts, width: float) -> Iterator[Flowable]:
    """Part 3: the investigation registers as they exist."""
    yield sections.PageBreak()
    yield part(3)
    yield from register_sections(binder, f.incident.id, width)


def costs(f: ReportFacts, width: float) -> Iterator[Flowable]:
    """Part 7: every impact line as recorded (corrections included), then totals per
    currency and, when rates are stated, in the reporting currency."""
    yield part(7)
    yield from sections.impact(f, width, heading=False)
    total = reporting_total(f)
    if total is not None:
        yield Spacer(1, 2 * mm)
        yield P(total_sentence(f, total), "body")


def reporting_total(f: ReportFacts) -> tuple[str, Decimal, list[str], bool] | None:
    """(currency, total, currencies without a rate, any estimate) in the reporting currency."""
    from binder.core.incident.assessment import convert, reporting_currency

    s, a = f.state, f.assessment
    if s is None or not s.impact or a is None:
        return None
    target = reporting_currency(a, [line.currency for line in s.impact])
    total, missing, estimate = Decimal(0), [], False
    for line in s.impact:
        value = convert(line.amount, line.currency, target, a.rates)
        if value is None:
            if line.currency not in missing:
                missing.append(line.currency)
            continue
        total += value
        estimate = estimate or bool(getattr(line, "estimate", False))
    return target, total, missing, estimate


def rates_words(f: ReportFacts, target: str) -> str:
    """``1 USD = 0.92 EUR (ECB reference rate, 2026-11-30)`` for the rates used."""
    a = f.assessment
    used = {line.currency for line in f.state.impact} - {target}
    parts = [f"1 {code} = {rate} {target}" for code, rate in sorted(a.rates.items())
             if code in used]
    if not parts:
        return ""
    source = a.get("rates_source")
    return ", ".join(parts) + (f" ({source})" if source else " (source not stated)")


def total_sentence(f: ReportFacts, total: tuple[str, Decimal, list[str], bool]) -> str:
    """The total in the reporting currency in one sentence (markup)."""
    target, amount, missing, estimate = total
    text = f"<b>Total in {esc(target)}: {esc(money_text(amount, target))}</b>"
    if estimate:
        text += " (includes estimates)"
    rates = rates_words(f, target)
    if rates:
        text += f". Exchange rates: {esc(rates)}"
    if missing:
        text += (f". <font color=\"#b3261e\">Not included: amounts in {esc(', '.join(missing))}"
                 "; no exchange rate is stated for them</font>")
    return text + "."
