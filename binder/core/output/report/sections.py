"""The report's sections: each a generator of reportlab flowables from the facts.

User text goes through :func:`~binder.core.output.pdf.esc` before it enters
Paragraph markup; times are printed in UTC with the zone named. The journal
section streams entries from the binder (inside the same read transaction as
the facts), a page at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from binder.core import times
from binder.core.crypto.signers import format_fingerprint
from binder.core.errors import BadInput
from binder.core.formatting import count_text, money_text
from binder.core.incident import journal as jr
from binder.core.output import signing as pdfsign
from binder.core.output.checkpoint_print import PrintedCheckpoint, time_and_checkpoint
from binder.core.output.pdf import DRILL_RED, esc, fmt_time, grid, header_cells, styles
from binder.core.output.report.drawings import SignOffGrid, timeline_drawing, timeline_readable
from binder.core.output.report.facts import Progress, ReportFacts
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


def _none(text: str) -> Paragraph:
    return P(f"<i>{text}</i>", "small")


_CLOCK_COLOUR = {"green": "#2f7d32", "amber": "#a15c00", "red": "#b3261e", "grey": "#616e7c"}


# --------------------------------------------------------------------------- sections


def drill_banner(width: float) -> Table:
    """The red band that says a document describes an exercise."""
    banner = Table([[P("DRILL: a tabletop exercise, not a real incident", "drill")]],
                   colWidths=[width])
    banner.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), DRILL_RED),
                                ("TOPPADDING", (0, 0), (-1, -1), 8),
                                ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    return banner


def audience(drill: bool, variant: str) -> str:
    """Who a document is for, in words that fit a drill as well as a real incident."""
    if variant == "full":
        if drill:
            return ("Exercise record: the facts, chronology, evidence, decisions and "
                    "notifications of a drill, with every signed journal entry. Nothing in it "
                    "happened to customers or systems.")
        return ("Case file for counsel: facts, chronology, investigation, evidence and custody, "
                "decisions, notifications, costs and review, with every signed journal entry.")
    if drill:
        return "Drill summary for management: what the exercise covered and what it showed."
    return ("For management: what happened, what must be decided, deadlines, costs and next "
            "steps. The full report holds every journal entry.")


def status_words(f: ReportFacts) -> str:
    """Open or closed, with the phase in focus (markup)."""
    s = f.state
    if s is None:
        return "Open"
    if s.closed:
        return f"Closed {fmt_time(s.closed_at)} by {esc(f.name(s.closed_by))}"
    return f"Open; in focus: {esc(f.phase_name(s.focus_phase))}"


def contents(parts: tuple[str, ...]) -> Iterator[Flowable]:
    """A numbered list of a document's parts, then the appendix."""
    yield P("Contents", "h3")
    for number, name in enumerate(parts, start=1):
        yield P(f"{number}&nbsp;&nbsp;{esc(name)}", "bullet")
    yield P("Appendix&nbsp;&nbsp;Certificates, checkpoint and how to verify this report", "bullet")


def cover(f: ReportFacts, width: float, variant: str, parts: tuple[str, ...] = ()
          ) -> Iterator[Flowable]:
    """The cover page: organisation, title, audience, drill banner, key facts and contents."""
    inc = f.incident
    yield Spacer(1, 14 * mm)
    if f.org:
        yield P(esc(f.org), "subtitle")
    kind = "Drill report" if inc.drill else "Incident report"
    yield P(kind, "h1")
    yield P(esc(inc.title), "title")
    yield P(audience(inc.drill, variant), "subtitle")
    if inc.drill:
        yield drill_banner(width)
        yield Spacer(1, 6 * mm)
    state = f.state
    rows = [
        ("Incident", f"Incident {inc.id}, reference {esc(inc.uuid)}"),
        ("Type", esc(f.type_label)),
        ("Severity", esc(f.current_severity.capitalize())),
        ("Detected", fmt_time(inc.detected_at)),
        ("Opened", f"{fmt_time(inc.opened_at)} by {esc(f.name(inc.opened_by))}"),
        ("Status", status_words(f)),
    ]
    if state is not None and state.aware_at and state.aware_at != inc.detected_at:
        rows.insert(4, ("Aware", fmt_time(state.aware_at)))
    if state is not None and state.classification_changes:
        rows.insert(3, ("Changed", esc("; ".join(
            f"{e.text} ({times.document_time(e.event_at)}, {f.who(e.cert_fingerprint).name})"
            for e in state.classification_changes))))
    if state is not None:
        rows.append(("Plan", esc(state.plan_name)
                     + (f", {esc(f.plan_revision)}" if f.plan_revision else "")))
    if inc.drill and state is not None and state.drill is not None:
        rows.append(("Drill scenario", esc(state.drill.title)))
    rows += [
        ("Journal", f"{count_text(f.entry_count, 'signed entry', 'signed entries')}, "
                    f"{f.cosigned_count} co-signed"),
        ("Journal head", f'<font name="DejaVuSansMono" size="7.5">{f.head}</font>'),
        ("Report made", fmt_time(f.generated_at, seconds=True)),
    ]
    yield _kv(rows, width)
    yield Spacer(1, 6 * mm)
    if parts:
        yield from contents(parts)
        yield Spacer(1, 4 * mm)
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
            "</b></font> The affected entries are marked in the journal below; checking the "
            "binder names each one.", "body")
    shown = 0
    for seq, messages in sorted(f.problems.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
        for message in messages:
            if shown >= 12:
                break
            where = f"entry {seq}" if seq is not None else "incident"
            yield P(f"• {where}: {esc(message)}", "small")
            shown += 1


def totals_text(state: Any) -> str:
    """Impact totals per currency as markup, e.g. ``EUR 24,900.00``."""
    totals = state.impact_totals if state is not None else {}
    return ", ".join(esc(money_text(amount, cur)) for cur, amount in sorted(totals.items()))


def timeline(f: ReportFacts, width: float, variant: str, *, heading: bool = True
             ) -> Iterator[Flowable]:
    """The timeline picture (when its events can be told apart) and the key events."""
    yield CondPageBreak(90 * mm)
    yield P("Key events", "h2")
    if timeline_readable(f, width):
        yield P("Bars show which phase had the focus; ticks mark checklist items done. "
                "Markers: ◆ decision, ● notification, ■ evidence, ▲ detected/opened/closed. "
                "Times in UTC.", "small")
        yield Spacer(1, 2 * mm)
        yield timeline_drawing(f, width)
    else:
        yield P("The events happened too close together to be told apart on a time axis; the "
                "table lists them in order.", "small")
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


def decisions(f: ReportFacts, width: float, *, title: Flowable | None = None
              ) -> Iterator[Flowable]:
    """The decisions register: what was decided, the options weighed, who decided and why."""
    s = f.state
    yield title if title is not None else P("Decisions", "h2")
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
        by = esc(f.name(d.author))
        if d.approved_by:
            by += f"<br/>approved by {esc(f.name(d.approved_by))}"
        if d.witnesses:
            by += f"<br/>witnessed by {esc(', '.join(f.name(w) for w in d.witnesses))}"
        rows.append([_t(fmt_time(d.at)), P("<br/>".join(parts), "cell"), P(by, "cell")])
    for d in s.notify_decisions:
        verb = "Notify" if d.notify else "Do not notify"
        parts = [f"<b>{verb} {esc(d.party)}</b>"]
        if d.clock_key:
            parts.append(f"Deadline: {esc(clock_name(s, d.clock_key))}")
        if d.reason:
            parts.append("<i>Reasoning:</i> " + esc(d.reason))
        by = esc(f.name(d.author)) + (
            f"<br/>witnessed by {esc(', '.join(f.name(w) for w in d.witnesses))}"
            if d.witnesses else "")
        rows.append([_t(fmt_time(d.at)), P("<br/>".join(parts), "cell"), P(by, "cell")])
    yield _table(rows, [35 * mm, width - 75 * mm, 40 * mm])


def notifications_and_deadlines(f: ReportFacts, width: float, *, title: Flowable
                                ) -> Iterator[Flowable]:
    """Who was told what and when, then every deadline with its verdict."""
    yield title
    yield from notifications(f, width, heading=False)
    yield from deadlines(f, width)


NOTICE_CLIP = 400


def _form_title(key: str) -> str:
    from binder.core.incident import notices

    try:
        return notices.get_form(key).title if key else ""
    except BadInput:
        return ""


def _clip_text(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


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


def notifications(f: ReportFacts, width: float, *, heading: bool = True,
                  full_text: bool = True) -> Iterator[Flowable]:
    """Who was told what and when, with the verdict of the deadline it answers.

    Long messages and submitted regulator forms follow the table in full
    (``full_text``; a summary leaves them to the full report): a table row
    cannot break across pages.
    """
    s = f.state
    if heading:
        yield P("Notifications", "h2")
    if s is None or not s.notifications:
        yield _none("Nobody outside the response team was notified.")
        return
    clocks = {c.key: c for c in s.clocks}
    rows = [header_cells(("Told at", "Party and channel", "What was said", "By", "Deadline"))]
    long_texts = []
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
        message = notice_markup(n)
        if n.form or len(n.message) > NOTICE_CLIP:
            # A table row cannot break across pages: the full text follows the table.
            long_texts.append(n)
            title = _form_title(n.form)
            where = "below" if full_text else "in the full report"
            message = esc(f"{title} (submitted text {where})" if title else
                          _clip_text(n.message, NOTICE_CLIP) + f" (full text {where})")
        rows.append([
            _t(fmt_time(n.told_at)),
            P(party, "cell"),
            P(message, "cell"),
            _c(f.name(n.told_by)),
            P(deadline, "cell"),
        ])
    yield _table(rows, [35 * mm, 32 * mm, width - 139 * mm, 24 * mm, 48 * mm])
    for n in long_texts if full_text else ():
        yield P(f"{esc(n.party)}, {fmt_time(n.told_at)}"
                + (f", ref. {esc(n.reference)}" if n.reference else "") + ": what was submitted",
                "h3")
        for para in n.message.split("\n\n"):
            if para.strip():
                yield P(esc(para).replace("\n", "<br/>"), "para")


def notice_markup(n: Any) -> str:
    """What was said, and the regulator form's fields when one was submitted."""
    text = esc(n.message)
    content = getattr(n, "content", None)
    if isinstance(content, dict) and content:
        form = getattr(n, "form", "")
        lines = [f"<b>{esc(form or 'Form')} as submitted:</b>"]
        for key, value in content.items():
            shown = "; ".join(str(v) for v in value) if isinstance(value, list) else value
            lines.append(f"{esc(str(key).replace('_', ' '))}: {esc(shown)}")
        text += '<br/><font size="7.5">' + "<br/>".join(lines) + "</font>"
    return text


def impact(f: ReportFacts, width: float, *, heading: bool = True) -> Iterator[Flowable]:
    """The financial impact lines as recorded (estimates marked) and totals per currency."""
    s = f.state
    if heading:
        yield P("Financial impact", "h2")
    if s is None or not s.impact:
        yield _none("No financial impact was recorded.")
        return
    rows = [header_cells(("When", "Category", "Note")) + header_cells(("Amount",), "cellright")]
    for line in s.impact:
        note = esc(line.note)
        if getattr(line, "estimate", False):
            note = "<i>estimate</i>" + (f"; {note}" if note else "")
        if line.amount < 0:
            note = "<i>correction of an earlier line</i>" + (f"; {note}" if note else "")
        rows.append([_t(fmt_time(line.at)), _c(line.category), P(note, "cell"),
                     P(esc(money_text(line.amount, line.currency)), "cellright")])
    for cur, amount in sorted(s.impact_totals.items()):
        rows.append([_c(""), P("<b>Total</b>", "cell"), _c(""),
                     P(f"<b>{esc(money_text(amount, cur))}</b>", "cellright")])
    # The amount column holds the largest amount the core accepts (under 10^13) without
    # breaking the number; amounts are right-aligned so their digits line up.
    yield _table(rows, [35 * mm, 36 * mm, width - 115 * mm, 44 * mm])


def review(f: ReportFacts, width: float, *, title: Flowable | None = None
           ) -> Iterator[Flowable]:
    """The post-incident reviews, their proposed plan changes and whether they were accepted."""
    s = f.state
    yield title if title is not None else P("Post-incident review", "h2")
    if s is None or not s.reviews:
        yield _none("No review has been recorded yet.")
        return
    for r in s.reviews:
        yield P(f"Review by {esc(f.name(r.author))}, {fmt_time(r.at)}", "h3")
        if r.lessons:
            yield P(esc(r.lessons))
        if r.changes:
            yield P("Proposed plan changes:", "small")
            for change in r.changes:
                yield P("• " + esc(change.describe()), "bullet")
        if r.accepted_revision is not None:
            yield P(f"Accepted into the plan by {esc(f.name(r.accepted_by))}; the plan's "
                    "next revision carries these changes.", "small")
        elif r.changes:
            yield P("Not yet accepted into the plan.", "small")


def journal(binder: Binder, f: ReportFacts, progress: Progress | None,
            check: Callable[[], None], *, heading: str = "Journal") -> Iterator[Flowable]:
    """Every entry by when it happened, streamed from the binder a page at a time."""
    yield CondPageBreak(60 * mm)
    yield P(esc(heading), "h2")
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
    author = f.who(e.cert_fingerprint)  # the certificate's name, not the editable row's
    head.append(f"<b>{esc(author.name)}</b>")
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
    # 21 CFR 11.50: each signature with the printed name, its meaning and its time.
    status = [f"signed by {esc(author.label)} as author {mark}"]
    for cosign in view.cosigns:
        status.append(f"co-signed by {esc(f.who(cosign.cert_fingerprint).label)} as "
                      f"{esc(cosign.meaning)}, {fmt_time(cosign.signed_at, seconds=True)} {mark}")
    if not view.cosigns:
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


def signoff(f: ReportFacts, width: float, slots: list[pdfsign.SignatureSlot], *,
            title: Flowable | None = None, compact: bool = False) -> Iterator[Flowable]:
    """The sign-off page (``compact``: a part of a page with smaller boxes); the boxes
    record where each signature field goes in ``slots``."""
    block_h = 92 if compact else SignOffGrid.BLOCK_H
    if compact:
        yield CondPageBreak(block_h * 2 + 40 * mm)
    else:
        yield PageBreak()
    yield title if title is not None else P("Sign-off", "h1")
    what = "drill" if f.incident.drill else "incident"
    yield P(
        f"By signing, each person confirms this report of {what} {f.incident.id} as a true "
        f"account of its journal, up to and including entry #{f.entry_count} "
        f'(journal head <font name="DejaVuSansMono" size="7.5">{f.head[:32]}…</font>). '
        "The incident lead signs first and the witness second; legal and management may add "
        "their signatures later. Each signature is embedded in this PDF: open the signature "
        "panel of your PDF reader to check it.", "body")
    yield Spacer(1, 5 * mm)
    yield SignOffGrid(f, width, slots, block_h)
    yield Spacer(1, 4 * mm)
    yield P("A printed copy may be signed by hand in the boxes above; the digital signatures "
            "cover the file, not the paper.", "small")


def appendix(f: ReportFacts, width: float, checkpoint: PrintedCheckpoint | None = None
             ) -> Iterator[Flowable]:
    """The appendix: the certificates that signed, the checkpoint, and how to check it all."""
    yield PageBreak()
    yield P("Appendix&nbsp;&nbsp;Certificates, checkpoint and how to verify", "h1")
    inc = f.incident
    rows = [
        ("Incident", f"{inc.id}, reference {esc(inc.uuid)}"),
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
            "from their own copy of Incident Binder (the Signers list), by phone or in person.",
            "small")
    srows = [header_cells(("Person", "Role", "Certificate fingerprint (SHA-256)", "Entries",
                           "Co-signed"))]
    for row in f.signer_rows:
        signer = row.signer
        stated = f.who(signer.fingerprint)  # the certificate's name and role, not the row's
        srows.append([_c(stated.name), _c(stated.role), P(
            f'<font name="DejaVuSansMono" size="7">{format_fingerprint(signer.fingerprint)}'
            "</font>", "cell"), _c(str(row.authored)), _c(str(row.cosigned))])
    yield _table(srows, [34 * mm, 28 * mm, width - 102 * mm, 18 * mm, 22 * mm])
    yield from how_to_verify()
    yield P("Time and checkpoint", "h2")
    yield from time_and_checkpoint(checkpoint, width)


def how_to_verify() -> Iterator[Flowable]:
    """Three ways to check the report, in words a reader without our software follows."""
    yield P("How to verify this report", "h2")
    steps = [
        "<b>The PDF signatures.</b> Open the signature panel of a PDF reader, or any PDF "
        "signature checker. Each signature must read valid; one changed byte makes it "
        "invalid. Readers call the signer's identity \"not trusted\" because the certificates "
        "come from this binder's own root, not a public authority: that is expected. Trust "
        "comes from comparing the fingerprints above out of band.",
        "<b>The journal.</b> The file "
        f"<font name=\"DejaVuSansMono\">{BUNDLE_NAME}</font> attached to this PDF (your "
        "reader's attachments panel saves it) holds every entry in canonical form with its "
        "hash, signature and certificate, and the root certificate. Each entry's SHA-256 must "
        "equal its hash, chain to the previous one, and carry a valid ECDSA P-256 signature by "
        "a certificate issued by the root; the last hash must equal the journal head above.",
        "<b>Against the binder.</b> Where the binder file is at hand, Incident Binder's "
        "verification re-checks everything, including the evidence files, and names any "
        "entry, signature or file that changed.",
    ]
    for i, text in enumerate(steps, start=1):
        yield P(f"{i}. {text}", "bullet")
        yield Spacer(1, 1.5 * mm)
