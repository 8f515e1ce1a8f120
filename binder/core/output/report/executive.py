"""The executive summary: two pages a manager reads and acts on.

A plain paragraph says what happened, why, when, to how many customers and
records, and where things stand; then what management must decide, the
deadlines, the open risks, the costs in one currency (rates stated, estimates
marked), the next steps that fit the incident's state (a closed incident is
not sent back to its checklists), the decisions already taken, and the
sign-off. Only current values appear: the newest statement of each assessed
figure, impact lines netted per category after corrections, and journal
entries that were corrected are left out in favour of their correction.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from binder.core.crypto.signers import format_fingerprint
from binder.core.formatting import amount_text, count_text, money_text
from binder.core.output import signing as pdfsign
from binder.core.output.checkpoint_print import PrintedCheckpoint, checkpoint_flowables
from binder.core.output.pdf import esc, fmt_time, header_cells
from binder.core.output.report import casefile, sections
from binder.core.output.report.facts import ReportFacts, utc_moment

P = sections.P
MAX_DECISIONS = 5
MAX_STEPS = 6


def summary(f: ReportFacts, width: float, slots: list[pdfsign.SignatureSlot],
            checkpoint: PrintedCheckpoint | None = None) -> Iterator[Flowable]:
    """Every part of the executive summary, in reading order (the sign-off checkpoint last)."""
    yield from masthead(f, width)
    yield from what_happened(f)
    yield from asks(f)
    yield from deadlines(f, width)
    yield from risks(f)
    yield from costs(f, width)
    yield from next_steps(f)
    yield from decisions_taken(f, width)
    yield from sections.signoff(f, width, slots, title=P("Sign-off", "h2"), compact=True)
    yield from verification(f)
    if checkpoint is not None:
        yield from checkpoint_flowables(checkpoint.note, width, heading=checkpoint.heading,
                                        who=checkpoint.who, status=checkpoint.status,
                                        qr_size=30 * mm)


def masthead(f: ReportFacts, width: float) -> Iterator[Flowable]:
    """Organisation, kind of document, title, one status line, the drill band."""
    inc = f.incident
    if f.org:
        yield P(esc(f.org), "small")
    yield P("Drill summary" if inc.drill else "Executive summary", "h1")
    yield P(esc(inc.title), "h2")
    severity = getattr(f, "current_severity", inc.severity) or inc.severity
    yield P(f"{esc(f.type_label)} · severity {esc(str(severity))} · "
            f"{sections.status_words(f)} · report made {fmt_time(f.generated_at)}", "small")
    if inc.drill:
        yield Spacer(1, 2 * mm)
        yield sections.drill_banner(width)
    yield Spacer(1, 1 * mm)


def paragraph(f: ReportFacts) -> str:
    """What happened, why, when, to whom and where things stand, as one paragraph (markup)."""
    inc, s, a = f.incident, f.state, f.assessment
    get = (lambda key: a.get(key)) if a is not None else (lambda key: None)
    parts = []
    if inc.drill:
        parts.append("<b>This was a drill, not a real incident.</b>")
    detected = fmt_time(inc.detected_at)
    happened = get("what_happened")
    parts.append(f"On {detected} we detected an incident of the type "
                 f"“{esc(f.type_label)}”.")
    parts.append(esc(_sentence(happened)) if happened
                 else "What happened is not yet established.")
    cause = get("root_cause")
    parts.append(f"Root cause: {esc(_stop(cause))}" if cause
                 else "The root cause is not yet established.")
    start, end = get("exposure_from"), get("exposure_to")
    if start and end:
        hours = casefile.hours_between(start, end)
        parts.append(f"Data was exposed from {fmt_time(start)} to {fmt_time(end)} "
                     f"({casefile.span_words(hours)}).")
    elif start:
        parts.append(f"Data has been exposed since {fmt_time(start)}; the end is not yet "
                     "established.")
    affected = [w for w in (casefile.count_words(f, "customers", "customer", "customers"),
                            casefile.count_words(f, "records", "record", "records")) if w]
    data = get("data_exposed")
    if affected:
        parts.append(f"Affected: {esc(' and '.join(affected))}"
                     + (f" ({esc(data)})." if data else "."))
    else:
        parts.append("How many customers and records are affected is not yet established.")
    status = get("status")
    if s is not None and s.closed:
        parts.append(f"The incident was closed on {fmt_time(s.closed_at)}."
                     + (f" {esc(_sentence(status))}" if status else ""))
    else:
        phase = esc(f.phase_name(s.focus_phase)) if s is not None else ""
        parts.append(f"Status: {esc(_sentence(status))}" if status
                     else f"The response is under way; the current focus is {phase.lower()}.")
    return " ".join(parts)


def _stop(text: str) -> str:
    """The text as typed (single spaces) with a full stop."""
    text = " ".join(str(text).split())
    return text if text.endswith((".", "!", "?")) else text + "."


def _sentence(text: str) -> str:
    """One sentence: single spaces, a capital first letter, a full stop."""
    text = " ".join(str(text).split())
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def what_happened(f: ReportFacts) -> Iterator[Flowable]:
    """The plain-language paragraph."""
    yield P("What happened", "h2")
    yield P(paragraph(f), "para")


def asks(f: ReportFacts) -> Iterator[Flowable]:
    """The decisions management must take."""
    yield P("Decisions needed from management", "h2")
    items = f.assessment.get("asks", []) if f.assessment is not None else []
    if not items:
        yield P("None at the time of this report.", "body")
        return
    for text in items:
        yield P(f"• {esc(text)}", "bullet")


def risks(f: ReportFacts) -> Iterator[Flowable]:
    """The open risks as the lead states them."""
    items = f.assessment.get("risks", []) if f.assessment is not None else []
    yield P("Open risks", "h2")
    if not items:
        yield P("None stated at the time of this report.", "body")
        return
    for text in items:
        yield P(f"• {esc(text)}", "bullet")


_COLOUR = {"green": "#2f7d32", "amber": "#a15c00", "red": "#b3261e", "grey": "#616e7c"}


def deadlines(f: ReportFacts, width: float) -> Iterator[Flowable]:
    """Every clock that applies: due time and verdict in one line each."""
    yield P("Deadlines", "h2")
    clocks = [c for c in (f.state.clocks if f.state is not None else ()) if c.status != "off"]
    if not clocks:
        yield P("No regulatory or contractual deadline applies.", "body")
        return
    rows = [header_cells(("Deadline", "Due", "Where it stands"))]
    for c in clocks:
        colour = _COLOUR.get(getattr(c, "colour", "grey"), "#616e7c")
        said = esc(c.describe())
        if c.status in ("late", "missed"):
            said = f"<b>{said}</b>"
        rows.append([P(f"<b>{esc(c.name)}</b>", "cell"), sections._t(fmt_time(c.deadline)),
                     P(f'<font color="{colour}">{said}</font>', "cell")])
    yield sections._table(rows, [62 * mm, 36 * mm, width - 98 * mm])


def cost_lines(f: ReportFacts) -> tuple[str, list[tuple[str, Decimal | None, bool, str]]]:
    """(reporting currency, [(category, net amount in it or None, estimate, note)]).

    Lines of one category are netted (a negative line corrects an earlier one),
    so only the corrected figure appears. A category in a currency without a
    stated rate has no amount, and says so.
    """
    from binder.core.incident.assessment import convert, reporting_currency

    s, a = f.state, f.assessment
    if s is None or not s.impact:
        return "", []
    target = reporting_currency(a, [line.currency for line in s.impact])
    rates = a.rates if a is not None else {}
    out: dict[str, list] = {}
    for line in s.impact:
        entry = out.setdefault(line.category, [Decimal(0), False, set(), False])
        value = convert(line.amount, line.currency, target, rates)
        if value is None:
            entry[3] = True
        else:
            entry[0] += value
        entry[1] = entry[1] or bool(getattr(line, "estimate", False))
        if line.currency != target:
            entry[2].add(line.currency)
    rows = []
    for category, (amount, estimate, converted, missing) in out.items():
        note = ""
        if missing:
            note = "no exchange rate stated"
        elif converted:
            note = "converted from " + ", ".join(sorted(converted))
        rows.append((category, None if missing else amount, estimate, note))
    return target, rows


def costs(f: ReportFacts, width: float) -> Iterator[Flowable]:
    """Costs by category in one currency, estimates marked, rates stated."""
    yield P("Costs", "h2")
    target, lines = cost_lines(f)
    if not lines:
        yield P("No costs recorded yet.", "body")
        return
    rows = [header_cells(("Category", "Basis")) + header_cells((f"Amount ({target})",), "cellright")]
    total, any_estimate = Decimal(0), False
    for category, amount, estimate, note in lines:
        basis = "estimate" if estimate else "recorded"
        if note:
            basis += f"; {note}"
        rows.append([sections._c(category), sections._c(basis),
                     P("—" if amount is None else amount_text(amount, target), "cellright")])
        if amount is not None:
            total += amount
            any_estimate = any_estimate or estimate
    rows.append([P("<b>Total</b>", "cell"),
                 P("<i>includes estimates</i>" if any_estimate else "", "cell"),
                 P(f"<b>{esc(money_text(total, target))}</b>", "cellright")])
    yield sections._table(rows, [width - 99 * mm, 55 * mm, 44 * mm])
    rates = casefile.rates_words(f, target) if f.assessment is not None else ""
    if rates:
        yield P(f"Exchange rates: {esc(rates)}.", "small")


def steps(f: ReportFacts) -> list[str]:
    """What comes next, as markup lines, for the state the incident is in."""
    s = f.state
    out: list[str] = []
    clocks = [c for c in (s.clocks if s is not None else ()) if c.status != "off"]
    missed = [c for c in clocks if c.status == "missed"]
    running = [c for c in clocks if c.running and c.status != "missed"]
    if missed:
        out.append("<b>Act now on the missed deadline" + ("s" if len(missed) > 1 else "")
                   + f":</b> {esc('; '.join(c.name for c in missed))}; record the reasons for "
                   "the delay with each.")
    for c in sorted(running, key=lambda c: c.deadline or "")[:2]:
        out.append(f"{esc(c.name)}: by {fmt_time(c.deadline)}.")
    for task in f.open_tasks[:4]:
        who = f" ({esc(task.owner)})" if task.owner else ""
        due = f", due {fmt_time(task.due)}" if task.due else ""
        overdue = task.due and utc_moment(task.due) < utc_moment(f.generated_at)
        out.append(("<b>Overdue:</b> " if overdue else "") + f"{esc(task.title)}{who}{due}.")
    if s is None:
        return out
    if s.closed:
        if not s.reviews:
            out.append("Hold the post-incident review and record its lessons and plan changes.")
        for r in s.reviews:
            if r.changes and r.accepted_revision is None:
                out.append(f"Accept the review's {count_text(len(r.changes), 'plan change')} "
                           "into the plan.")
        held = [e for e in f.evidence if not e.closed]
        if held:
            out.append(f"Decide what happens to the {count_text(len(held), 'evidence item')} "
                       "still held (keep, return or destroy, "
                       "with the authority for it).")
        if f.incident.drill and not s.reviews:
            out[-1:] = ["Hold the drill debrief: record what worked, what did not, and the "
                        "plan changes it calls for."]
        return out
    if not f.open_tasks:
        focus = next((p for p in s.phases if p.is_focus), None)
        todo = [i for i in (focus.checklist if focus else ()) if not i.done]
        for item in todo[:3]:
            out.append(f"{esc(item.text)} <font color=\"#616e7c\">({esc(focus.name)})</font>")
    unacknowledged = sum(1 for item in f.evidence for e in item.custody
                         if e.action == "transfer" and e.receipt is None)
    if unacknowledged:
        out.append(f"Have the receivers sign for {count_text(unacknowledged, 'evidence hand-over')} "
                   "not yet acknowledged.")
    return out


def next_steps(f: ReportFacts) -> Iterator[Flowable]:
    """The next steps, at most a handful."""
    yield P("Next steps", "h2")
    lines = steps(f)
    if not lines:
        yield P("Nothing outstanding.", "body")
        return
    for line in lines[:MAX_STEPS]:
        yield P(f"• {line}", "bullet")
    if len(lines) > MAX_STEPS:
        yield P(f"• and {len(lines) - MAX_STEPS} more in the full report", "bullet")


def decisions_taken(f: ReportFacts, width: float) -> Iterator[Flowable]:
    """The most recent decisions, with who took them and why, in one line each."""
    s = f.state
    if s is None or not (s.decisions or s.notify_decisions):
        return
    taken = [(d.at, d.decision, d.reason, d.author) for d in s.decisions]
    taken += [(d.at, f"{'Notify' if d.notify else 'Do not notify'} {d.party}", d.reason,
               d.author) for d in s.notify_decisions]
    taken.sort(key=lambda t: utc_moment(t[0]))
    yield P("Decisions taken", "h2")
    rows = [header_cells(("When", "Decision and reason", "By"))]
    for at, decision, reason, author in taken[-MAX_DECISIONS:]:
        text = f"<b>{esc(decision)}</b>" + (f": {esc(reason)}" if reason else "")
        rows.append([sections._t(fmt_time(at)), P(text, "cell"), sections._c(f.name(author))])
    yield sections._table(rows, [32 * mm, width - 72 * mm, 40 * mm])
    if len(taken) > MAX_DECISIONS:
        yield P(f"{len(taken) - MAX_DECISIONS} earlier decisions are in the full report.",
                "small")


def verification(f: ReportFacts) -> Iterator[Flowable]:
    """How a reader checks this summary, in a few lines."""
    yield Spacer(1, 3 * mm)
    checked = ("At report time the journal verified: every hash and signature valid."
               if f.verify_ok else
               f'<font color="#b3261e"><b>At report time verification found '
               f"{f.problem_count} problem(s)</b></font>; the full report names them.")
    yield P(f"{checked} Journal head <font name=\"DejaVuSansMono\" size=\"7\">{f.head}</font>; "
            f"binder root certificate <font name=\"DejaVuSansMono\" size=\"7\">"
            f"{format_fingerprint(f.root_fp)}</font>. The full report lists every entry, the "
            "signers' certificates and how to verify them.", "small")
