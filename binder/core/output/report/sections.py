"""The report's sections: each a generator of reportlab flowables from the facts.

User text goes through :func:`~binder.core.output.pdf.esc` before it enters
Paragraph markup; times are printed in UTC with the zone named. The journal
section streams entries from the binder (inside the same read transaction as
the facts), a page at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from binder.core import times
from binder.core.crypto.signers import format_fingerprint
from binder.core.incident import journal as jr
from binder.core.output import signing as pdfsign
from binder.core.output.checkpoint_print import PrintedCheckpoint, time_and_checkpoint
from binder.core.output.pdf import DRILL_RED, esc, fmt_time, grid, header_cells, styles
from binder.core.output.report.drawings import SignOffGrid, timeline_drawing
from binder.core.output.report.facts import Progress, ReportFacts, entry_time, utc_moment
from binder.core.storage.database import Binder

#: The name the verification bundle is attached under.
BUNDLE_NAME = "verification-bundle.json"
JOURNAL_BATCH = 500


# --------------------------------------------------------------------------- building blocks


def P(markup: str, style: str = "body") -> Paragraph:  # noqa: N802 - reads like markup
    """A Paragraph from markup that is already escaped."""
    return Paragraph(markup, styles()[style])


def _table(rows: list[list], widths: list[float], *, header: bool = True,
           zebra: bool = True, extra: list | None = None) -> Table:
    return grid(rows, widths, header=header, zebra=zebra, header_rule=True, extra=extra)


def _c(text: object, style: str = "cell") -> Paragraph:
    """A table cell holding user text (escaped)."""
    return Paragraph(esc(text), styles()[style])


def _t(text: str) -> Paragraph:
    """A table cell holding a time (smaller, so a full UTC time fits one line)."""
    return Paragraph(esc(text), styles()["celltime"])


def _kv(rows: list[tuple[str, str]], width: float, key_w: float = 45 * mm) -> Table:
    """A two-column facts table; values are markup (already escaped by the caller)."""
    data = [[P(f"<b>{k}</b>", "cell"), P(v, "cell")] for k, v in rows]
    return _table(data, [key_w, width - key_w], header=False, zebra=True)


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _none(text: str) -> Paragraph:
    return P(f"<i>{text}</i>", "small")


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


_CLOCK_COLOUR = {"green": "#2f7d32", "amber": "#a15c00", "red": "#b3261e", "grey": "#616e7c"}


# --------------------------------------------------------------------------- sections


def cover(f: ReportFacts, width: float, variant: str) -> Iterator[Flowable]:
    """The cover page: organisation, title, audience, drill banner and the key facts."""
    inc = f.incident
    yield Spacer(1, 18 * mm)
    if f.org:
        yield P(esc(f.org), "subtitle")
    kind = "Incident report" if variant == "full" else "Incident report: executive summary"
    yield P(kind, "h1")
    yield P(esc(inc.title), "title")
    audience = ("Full record for legal review: every journal entry, signature and evidence item."
                if variant == "full" else
                "For management: situation, impact, decisions, deadlines and next steps. "
                "The full report holds every journal entry.")
    yield P(audience, "subtitle")
    if inc.drill:
        banner = Table([[P("DRILL: a tabletop exercise, not a real incident", "drill")]],
                       colWidths=[width])
        banner.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), DRILL_RED),
                                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
        yield banner
        yield Spacer(1, 6 * mm)
    state = f.state
    status = "Open"
    if state is not None and state.closed:
        status = f"Closed {fmt_time(state.closed_at)} by {esc(state.closed_by)}"
    rows = [
        ("Incident", f"{inc.id} ({esc(inc.uuid)})"),
        ("Type", esc(f.type_label)),
        ("Severity", esc(f.current_severity.capitalize())),
        ("Detected", fmt_time(inc.detected_at)),
        ("Opened", f"{fmt_time(inc.opened_at)} by {esc(inc.opened_by)}"),
        ("Status", status),
    ]
    if state is not None and state.aware_at and state.aware_at != inc.detected_at:
        rows.insert(4, ("Aware", fmt_time(state.aware_at)))
    if state is not None and state.classification_changes:
        rows.insert(3, ("Changed", esc("; ".join(
            f"{e.text} ({times.document_time(e.event_at)}, {e.author})"
            for e in state.classification_changes))))
    if state is not None:
        rows.append(("Plan", f"{esc(state.plan_name)}"
                     + (f" (revision id {state.plan_revision_id})" if state.plan_revision_id else "")))
    if inc.drill and state is not None and state.drill is not None:
        rows.append(("Drill scenario", esc(state.drill.title)))
    rows += [
        ("Journal", f"{_n(f.entry_count, 'signed entry', 'signed entries')}, "
                    f"{f.cosigned_count} co-signed"),
        ("Journal head", f'<font name="DejaVuSansMono" size="7.5">{f.head}</font>'),
        ("Report generated", fmt_time(f.generated_at, seconds=True)),
    ]
    yield _kv(rows, width)
    yield Spacer(1, 8 * mm)
    yield P("Every page carries the journal head above in its footer. The signatures in this "
            "PDF and the attached verification bundle let anyone check that this report matches "
            "the signed journal; see the appendix.", "small")
    yield PageBreak()


def verification_banner(f: ReportFacts) -> Iterator[Flowable]:
    """What verification found at report time, naming up to twelve problems."""
    if f.verify_ok:
        yield P('<font color="#2f7d32">✓</font> At report time the '
                f"journal verified: {f.entry_count} entries in an unbroken hash chain and "
                f"{f.verify_signatures} signatures checked against this binder's root "
                "certificate.", "body")
        return
    count = f.problem_count
    yield P(f'<font color="#b3261e"><b>Verification found {count} problem(s) at report time.'
            "</b></font> The affected entries are marked in the journal below; "
            "`binder verify` names each one.", "body")
    shown = 0
    for seq, messages in sorted(f.problems.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
        for message in messages:
            if shown >= 12:
                break
            where = f"entry {seq}" if seq is not None else "incident"
            yield P(f"• {where}: {esc(message)}", "small")
            shown += 1


def summary(f: ReportFacts, width: float) -> Iterator[Flowable]:
    """The summary table and the verification banner."""
    s = f.state
    yield P("Summary", "h1")
    duration = utc_moment(f.last_at) - utc_moment(f.incident.detected_at)
    hours = max(duration.total_seconds(), 0) / 3600
    rows = [
        ("Status", "Closed" if s and s.closed else "Open"),
        ("Current phase", esc(f.phase_name(s.focus_phase)) if s else ""),
        ("Time covered", f"{fmt_time(f.incident.detected_at)} to {fmt_time(f.last_at)} "
                         f"({hours:.1f} hours)"),
        ("Journal", f"{_n(f.entry_count, 'entry', 'entries')}; {f.cosigned_count} co-signed "
                    "by a witness"),
    ]
    if s is not None:
        count = {status: sum(1 for c in s.clocks if c.status == status)
                 for status in ("met", "late", "missed", "running")}
        rows += [
            ("Decisions", str(len(s.decisions) + len(s.notify_decisions))),
            ("Notifications", f"{len(s.notifications)} recorded"),
            ("Deadlines", f"{count['met']} met, {count['late']} late, {count['missed']} missed, "
                          f"{count['running']} running"),
            ("Financial impact", totals_text(s) or "none recorded"),
        ]
    rows.append(("Evidence", f"{_n(len(f.evidence), 'item', 'items')} registered"))
    yield _kv(rows, width)
    yield Spacer(1, 4 * mm)
    yield from verification_banner(f)


def totals_text(state: Any) -> str:
    """Impact totals per currency as markup, e.g. ``EUR 24,900.00``."""
    totals = state.impact_totals if state is not None else {}
    return ", ".join(f"{esc(cur)} {_money(amount)}" for cur, amount in sorted(totals.items()))


def timeline(f: ReportFacts, width: float, variant: str) -> Iterator[Flowable]:
    """The timeline picture and its key events (fewer in the executive summary)."""
    yield CondPageBreak(90 * mm)
    yield P("Timeline", "h2")
    yield P("Bars show which phase had the focus; ticks mark checklist items done. Markers: "
            "◆ decision, ● notification, ■ evidence, ▲ detected/opened/closed. Times in UTC.",
            "small")
    yield Spacer(1, 2 * mm)
    yield timeline_drawing(f, width)
    keyed = [e for e in f.timeline if e.label]
    limit = 40 if variant == "full" else 15
    if keyed:
        rows = [header_cells(("", "When", "What"))]
        for event in keyed[:limit]:
            rows.append([_c(event.label, "cellb"), _t(fmt_time(event.at)), _c(event.text)])
        if len(keyed) > limit:
            rows.append([_c(""), _c(""), _none(f"{len(keyed) - limit} more in the sections below")])
        yield Spacer(1, 2 * mm)
        yield _table(rows, [12 * mm, 35 * mm, width - 47 * mm])


def decisions(f: ReportFacts, width: float) -> Iterator[Flowable]:
    """The decisions register: decisions and decisions to notify or not."""
    s = f.state
    yield P("Decisions", "h2")
    if s is None or not (s.decisions or s.notify_decisions):
        yield _none("No decisions were recorded.")
        return
    rows = [header_cells(("When", "Decision and reasoning", "By"))]
    for d in s.decisions:
        parts = [f"<b>{esc(d.decision)}</b>"]
        if d.materiality:
            parts.append('<font color="#a15c00">Materiality decision (starts dependent clocks)</font>')
        if d.options:
            parts.append("Options considered: " + esc("; ".join(d.options)))
        if d.reason:
            parts.append("<i>Reasoning:</i> " + esc(d.reason))
        by = esc(d.author)
        if d.approved_by:
            by += f"<br/>approved by {esc(d.approved_by)}"
        if d.witnesses:
            by += f"<br/>witnessed by {esc(', '.join(d.witnesses))}"
        rows.append([_t(fmt_time(d.at)), P("<br/>".join(parts), "cell"), P(by, "cell")])
    for d in s.notify_decisions:
        verb = "Notify" if d.notify else "Do not notify"
        parts = [f"<b>{verb} {esc(d.party)}</b>"]
        if d.clock_key:
            parts.append(f"Deadline: {esc(clock_name(s, d.clock_key))}")
        if d.reason:
            parts.append("<i>Reasoning:</i> " + esc(d.reason))
        by = esc(d.author) + (f"<br/>witnessed by {esc(', '.join(d.witnesses))}"
                              if d.witnesses else "")
        rows.append([_t(fmt_time(d.at)), P("<br/>".join(parts), "cell"), P(by, "cell")])
    yield _table(rows, [35 * mm, width - 75 * mm, 40 * mm])


def clock_name(state: Any, key: str) -> str:
    """A clock's name by key (the key when the clock is unknown)."""
    for clock in state.clocks:
        if clock.key == key:
            return clock.name
    return key


def deadlines(f: ReportFacts, width: float) -> Iterator[Flowable]:
    """The regulatory and contractual clocks with their status."""
    s = f.state
    yield P("Deadlines", "h2")
    clocks = [c for c in (s.clocks if s else ()) if c.status != "off"]
    if not clocks:
        yield _none("No regulatory or contractual clock applies to this incident.")
    else:
        rows = [header_cells(("Deadline", "Rule", "Due", "Status"))]
        for c in clocks:
            name = f"<b>{esc(c.name)}</b>" + (f"<br/>{esc(c.authority)}" if c.authority else "")
            if c.source:
                name += f'<br/><font size="7" color="#616e7c">Source: {esc(c.source)}</font>'
            colour = _CLOCK_COLOUR[c.colour]
            rows.append([P(name, "cell"), _c(c.due_text), _t(fmt_time(c.deadline)),
                         P(f'<font color="{colour}"><b>{esc(c.label.upper())}</b></font><br/>'
                           f"{esc(c.describe())}", "cell")])
        yield _table(rows, [56 * mm, 34 * mm, 35 * mm, width - 125 * mm])
    off = [c for c in (s.clocks if s else ()) if c.status == "off"]
    if off:
        yield P("Not running for this incident: " + esc("; ".join(
            f"{c.name} ({c.describe()})" for c in off)), "small")


def notifications(f: ReportFacts, width: float) -> Iterator[Flowable]:
    """Who was told what and when, against the deadline it answers."""
    s = f.state
    yield P("Notifications", "h2")
    if s is None or not s.notifications:
        yield _none("Nobody outside the response team was notified.")
        return
    clocks = {c.key: c for c in s.clocks}
    rows = [header_cells(("Told at", "Party and channel", "What was said", "By", "Deadline"))]
    for n in s.notifications:
        deadline = ""
        if n.clock_key:
            # The verdict is the clock's own (binder.core.incident.clocks.verdict): the
            # notification that answered it carries it, later ones are follow-ups.
            answered = s.notification_verdict(n.entry_id)
            clock = clocks.get(n.clock_key)
            name = esc(clock.name if clock else n.clock_key)
            if answered is not None and answered.deadline:
                colour = _CLOCK_COLOUR[answered.colour]
                deadline = (f"{name}<br/><font color=\"{colour}\"><b>{esc(answered.label)}"
                            f"</b></font> (due {fmt_time(answered.deadline)})")
                if answered.status == "late":
                    deadline += "<br/>" + esc(f"Reasons for the delay: {answered.reason}"
                                              if answered.reason else "No reason for the delay stated")
            elif answered is not None:
                deadline = f"{name}<br/><b>{esc(answered.label)}</b>"
            else:
                deadline = f"{name}<br/>follow-up"
        party = f"<b>{esc(n.party)}</b><br/>{esc(n.channel)}"
        if n.reference:
            party += f"<br/>ref. {esc(n.reference)}"
        rows.append([
            _t(fmt_time(n.told_at)),
            P(party, "cell"),
            _c(n.message),
            _c(n.told_by),
            P(deadline, "cell"),
        ])
    yield _table(rows, [35 * mm, 32 * mm, width - 139 * mm, 24 * mm, 48 * mm])


def impact(f: ReportFacts, width: float) -> Iterator[Flowable]:
    """The financial impact lines and totals per currency."""
    s = f.state
    yield P("Financial impact", "h2")
    if s is None or not s.impact:
        yield _none("No financial impact was recorded.")
        return
    rows = [header_cells(("When", "Category", "Note", "Amount"))]
    for line in s.impact:
        rows.append([_t(fmt_time(line.at)), _c(line.category), _c(line.note),
                     P(f"{esc(line.currency)} {_money(line.amount)}", "cell")])
    for cur, amount in sorted(s.impact_totals.items()):
        rows.append([_c(""), P("<b>Total</b>", "cell"), _c(""),
                     P(f"<b>{esc(cur)} {_money(amount)}</b>", "cell")])
    yield _table(rows, [35 * mm, 44 * mm, width - 115 * mm, 36 * mm],
                 extra=[("ALIGN", (3, 0), (3, -1), "RIGHT")])


def review(f: ReportFacts, width: float) -> Iterator[Flowable]:
    """The post-incident reviews and their proposed plan changes."""
    s = f.state
    yield P("Post-incident review", "h2")
    if s is None or not s.reviews:
        yield _none("No review has been recorded yet.")
        return
    for r in s.reviews:
        yield P(f"Review by {esc(r.author)}, {fmt_time(r.at)}", "h3")
        if r.lessons:
            yield P(esc(r.lessons))
        if r.changes:
            yield P("Proposed plan changes:", "small")
            for change in r.changes:
                yield P("• " + esc(change.describe()), "bullet")
        if r.accepted_revision is not None:
            yield P(f"Accepted into plan revision {r.accepted_revision} by "
                    f"{esc(r.accepted_by)}.", "small")


def evidence(f: ReportFacts, width: float) -> Iterator[Flowable]:
    """Each evidence item with its hash, custody facts and transfers."""
    yield P("Evidence and chain of custody", "h2")
    if not f.evidence:
        yield _none("No evidence was registered.")
        return
    from binder.core.incident.evidence import human_size

    for item in f.evidence:
        head = (f"<b>{item.label}</b> {esc(item.description)}"
                + (f" <font color=\"#616e7c\">({esc(item.type)})</font>" if item.type else ""))
        rows = [
            ("SHA-256", f'<font name="DejaVuSansMono" size="7.5">{esc(item.sha256)}</font>'),
            ("Size", esc(human_size(item.size))),
            ("File", esc(item.path)),
            ("Collected", f"{fmt_time(item.collected_at)} by {esc(item.collected_by)}"),
            ("Registered", f"{fmt_time(item.registered_at)} by {esc(item.registered_by)}"
             + (f", witnessed by {esc(', '.join(item.witnesses))}" if item.witnesses else "")),
            ("Custodian", esc(item.custodian) + (f" at {esc(item.location)}" if item.location
                                                 else "")),
        ]
        if item.disposition:
            rows.append(("Disposition", esc(item.disposition)))
        block: list[Flowable] = [P(head, "h3"), _kv(rows, width, key_w=28 * mm)]
        if item.custody:
            crow = [header_cells(("When", "Action", "From → to", "Purpose", "Signed"))]
            for ev in item.custody:
                signed = esc(ev.author) + (f"<br/>witness {esc(', '.join(ev.witnesses))}"
                                           if ev.witnesses else "")
                crow.append([
                    _t(fmt_time(ev.time or ev.recorded_at)), _c(ev.action),
                    _c(f"{ev.released_by or '—'} → {ev.received_by or '—'}"),
                    _c(ev.purpose + (f" ({ev.location})" if ev.location else "")),
                    P(signed, "cell"),
                ])
            block += [Spacer(1, 1.5 * mm),
                      _table(crow, [35 * mm, 20 * mm, 38 * mm, width - 125 * mm, 32 * mm])]
        yield KeepTogether(block) if len(item.custody) < 8 else block[0]
        if len(item.custody) >= 8:
            yield from block[1:]
        yield Spacer(1, 3 * mm)


def journal(binder: Binder, f: ReportFacts, progress: Progress | None,
            check: Callable[[], None]) -> Iterator[Flowable]:
    """Every entry in the order things happened, streamed from the binder a page at a time."""
    yield PageBreak()
    yield P("Journal", "h1")
    yield P("Every entry in the order things happened: by the time its author states "
            "(<i>happened</i>, in UTC with the local time as stated), else by when the binder "
            "stored it (<i>written</i>, UTC). The number # is the entry's place in the signed "
            "chain. ✓ means the signature was verified when this report was made. A corrected "
            "entry stays as it was, struck through; its correction stands at the same moment "
            "unless it corrects the time.", "small")
    yield Spacer(1, 2 * mm)
    iid = f.incident.id
    total = f.entry_count or 1
    done = 0
    seq_by_id: dict[int, int] = {}
    for offset in range(0, f.entry_count, JOURNAL_BATCH):
        check()
        views = jr.page(binder, iid, offset, JOURNAL_BATCH, order="event")
        # The numbers people see are chain positions; look up those of linked entries
        # only, so the map grows with corrections, not with the journal.
        linked = {i for v in views for i in v.corrected_by}
        linked |= {v.entry.corrects for v in views if v.entry.corrects}
        missing = [i for i in linked if i not in seq_by_id]
        if missing:
            marks = ",".join("?" * len(missing))
            seq_by_id.update(binder.conn.execute(
                f"SELECT id, seq FROM entry WHERE id IN ({marks})", missing).fetchall())
        for view in views:
            yield from entry_flowables(binder, f, view, seq_by_id)
            done += 1
        if progress:
            progress(total // 5 + done * 4 // 5, total)


def entry_flowables(binder: Binder, f: ReportFacts, view: jr.EntryView,
                    seq_by_id: dict[int, int]) -> Iterator[Flowable]:
    """One journal entry; ``seq_by_id`` gives the chain numbers of linked entries."""
    # One Paragraph per entry: a 10k-entry journal lays out in a fraction of the
    # time that separate head/text/notes paragraphs held together would take.
    e = view.entry
    head = [f"<b>#{e.seq}</b>"]
    if e.occurred_at and e.occurred_at != e.recorded_at:
        head.append(f"happened {fmt_time(e.occurred_at, seconds=None)}")
    head.append(f"written {fmt_time(e.recorded_at, seconds=True)}")
    head.append(f"<b>{esc(e.author)}</b>")
    head.append(esc(e.kind))
    if e.phase:
        head.append("phase " + esc(f.phase_name(e.phase)))
    lines = [_MUTED_8 % " · ".join(head)]
    if e.corrects:
        original = jr.get_entry(binder, e.corrects)
        number = seq_by_id.get(e.corrects, original.seq)
        lines.append(_MUTED_85 % (f"<b>Correction of #{number}</b>, original: "
                                  f"<strike>{esc(original.text)}</strike>"))
    text = esc(e.text)
    if view.corrected_by:
        text = f'<strike><font color="#616e7c">{text}</font></strike>'
    lines.append(text)
    notes = []
    if e.reason:
        notes.append("<i>Reasoning:</i> " + esc(e.reason))
    if e.source:
        notes.append("<i>Source:</i> " + esc(e.source))
    if e.assets:
        notes.append("<i>Assets:</i> " + esc(e.assets))
    problems = f.problems.get(e.seq)
    mark = '<font color="#2f7d32">✓</font>' if not problems else '<font color="#b3261e">✗</font>'
    status = [f"signed by {esc(e.author)} {mark}"]
    if view.cosigners:
        status.append(f"co-signed by {esc(', '.join(view.cosigners))} {mark}")
    else:
        status.append("no co-signature")
    if e.evidence_id:
        status.append(f"evidence E{e.evidence_id}")
    if view.corrected_by:
        status.append("<b>corrected by "
                      + ", ".join(f"#{seq_by_id.get(i, '?')}" for i in view.corrected_by)
                      + "</b>")
    status.append(f'hash <font name="DejaVuSansMono">{e.hash[:16]}</font>')
    notes.append(" · ".join(status))
    lines += [_MUTED_85 % note for note in notes]
    if problems:
        lines.append('<font size="8.5" color="#b3261e"><b>Verification problem:</b> '
                     + esc("; ".join(problems)) + "</font>")
    yield Paragraph("<br/>".join(lines), styles()["entry"])


_MUTED_8 = '<font size="8" color="#616e7c">%s</font>'
_MUTED_85 = '<font size="8.5" color="#616e7c">%s</font>'


def next_steps(f: ReportFacts, width: float) -> Iterator[Flowable]:
    """What is still running or to do (executive summary)."""
    s = f.state
    yield P("Next steps", "h2")
    running = [c for c in (s.clocks if s else ()) if c.running]
    open_phases = []
    for phase in (s.phases if s else ()):
        todo = [i for i in phase.checklist if not i.done]
        # The phase in focus, and phases begun but not finished, are what is in hand.
        if todo and (phase.is_focus or any(i.done for i in phase.checklist)):
            open_phases.append((phase, todo))
    if not running and not open_phases and not (s is not None and s.closed and not s.reviews):
        yield _none("Nothing outstanding in the checklists or deadlines.")
        return
    if running:
        yield P("Deadlines still running", "h3")
        for c in running:
            due = f" (due {fmt_time(c.deadline)})" if c.deadline else ""
            yield P(f"• <b>{esc(c.name)}</b>: {esc(c.describe())}{due}", "bullet")
    for phase, todo in open_phases:
        yield P(esc(phase.name) + (" (in focus)" if phase.is_focus else ""), "h3")
        for item in todo[:5]:
            yield P("• " + esc(item.text), "bullet")
        if len(todo) > 5:
            yield P(f"• and {len(todo) - 5} more checklist items", "bullet")
    if s is not None and s.closed and not s.reviews:
        yield P("Review", "h3")
        yield P("• Hold the post-incident review and record it.", "bullet")


def situation(f: ReportFacts, width: float) -> Iterator[Flowable]:
    """The summary and the latest developments (executive summary)."""
    yield from summary(f, width)
    latest = []
    for entry in f.latest:
        latest.append([_t(fmt_time(entry_time(entry))), _c(entry.author), _c(entry.text)])
    if latest:
        yield P("Latest developments", "h2")
        yield _table([header_cells(("When", "Who", "What"))] + latest,
                     [35 * mm, 26 * mm, width - 61 * mm])


def signoff(f: ReportFacts, width: float, slots: list[pdfsign.SignatureSlot]
            ) -> Iterator[Flowable]:
    """The sign-off page; the boxes record where each signature field goes in ``slots``."""
    yield PageBreak()
    yield P("Sign-off", "h1")
    yield P(
        f"By signing, each person confirms this report of incident {f.incident.id} as a true "
        f"account of its journal, up to and including entry #{f.entry_count} "
        f'(journal head <font name="DejaVuSansMono" size="7.5">{f.head[:32]}…</font>). '
        "The incident lead signs first and the witness second; legal and management may add "
        "their signatures later. Each signature is embedded in this PDF: open the signature "
        "panel of your PDF reader to check it.", "body")
    yield Spacer(1, 5 * mm)
    yield SignOffGrid(f, width, slots)
    yield Spacer(1, 4 * mm)
    yield P("A printed copy may be signed by hand in the boxes above; the digital signatures "
            "cover the file, not the paper.", "small")


def appendix(f: ReportFacts, width: float, checkpoint: PrintedCheckpoint | None = None
             ) -> Iterator[Flowable]:
    """The verification appendix: head, root, signers' fingerprints, how to check, and time."""
    yield PageBreak()
    yield P("Verification appendix", "h1")
    inc = f.incident
    rows = [
        ("Incident", f"{inc.id} / {esc(inc.uuid)}"),
        ("Journal entries", str(f.entry_count)),
        ("Journal head (SHA-256)", f'<font name="DejaVuSansMono" size="7.5">{f.head}</font>'),
        ("Binder root certificate",
         f'<font name="DejaVuSansMono" size="7.5">{format_fingerprint(f.root_fp)}</font>'),
        ("Checked at report time", ("all hashes and signatures valid" if f.verify_ok
                                    else f"{f.problem_count} problem(s)"
                                    " found")),
    ]
    yield _kv(rows, width, key_w=44 * mm)
    yield P("Signers and their certificates", "h2")
    yield P("Compare these SHA-256 certificate fingerprints with the ones each person reads out "
            "from their own binder (`binder signer list`), by phone or in person.", "small")
    srows = [header_cells(("Person", "Role", "Certificate fingerprint (SHA-256)", "Entries",
                           "Co-signed"))]
    for row in f.signer_rows:
        signer = row.signer
        who = esc(signer.display_name)
        if signer.display_name != signer.person:
            who += f"<br/><font size=\"7\">({esc(signer.person)})</font>"
        srows.append([P(who, "cell"), _c(signer.role), P(
            f'<font name="DejaVuSansMono" size="7">{format_fingerprint(signer.fingerprint)}'
            "</font>", "cell"), _c(str(row.authored)), _c(str(row.cosigned))])
    yield _table(srows, [30 * mm, 28 * mm, width - 98 * mm, 18 * mm, 22 * mm])
    yield P("How to verify this report", "h2")
    steps = [
        "<b>The PDF signatures.</b> Open the signature panel of a PDF reader, or run "
        "<font name=\"DejaVuSansMono\">pdfsig report.pdf</font>. Each signature must read "
        "valid; one changed byte makes it invalid. Readers call the signer's identity "
        "\"not trusted\" because the certificates come from this binder's own root, not a "
        "public authority: that is expected. Trust comes from comparing the fingerprints "
        "above out of band.",
        "<b>The journal.</b> The attached file "
        f"<font name=\"DejaVuSansMono\">{BUNDLE_NAME}</font> (extract it with "
        "<font name=\"DejaVuSansMono\">pdfdetach -saveall report.pdf</font> or your reader's "
        "attachments panel) holds every entry in canonical form with its hash, signature and "
        "certificate, and the root certificate. Each entry's SHA-256 must equal its hash, "
        "chain to the previous one, and carry a valid ECDSA P-256 signature by a certificate "
        "issued by the root; the last hash must equal the journal head above.",
        "<b>Against the binder.</b> Where the binder is at hand, "
        f"<font name=\"DejaVuSansMono\">binder verify {inc.id}</font> re-checks everything, "
        "including evidence files, and names any entry, signature or file that changed.",
    ]
    for i, text in enumerate(steps, start=1):
        yield P(f"{i}. {text}", "bullet")
        yield Spacer(1, 1.5 * mm)
    yield P("Time and checkpoint", "h2")
    yield from time_and_checkpoint(checkpoint, width)
