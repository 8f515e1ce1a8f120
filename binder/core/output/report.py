"""The incident report: what legal and management receive.

Two variants come from the same journal: ``full`` (every entry, for legal) and
``executive`` (situation, impact, decisions, deadlines, next steps; a few
pages, for management). Both carry a sign-off page whose four places (lead,
witness, legal, management) are real PDF signature fields, the verification
bundle as an attached file, and a verification appendix.

Everything is read inside one SQLite read transaction, so the pages, the
journal head printed in every footer and the attached bundle describe the
same moment even while the lead keeps writing in another window. The journal
is streamed into the layout (flowables are made as platypus asks for them),
so memory does not grow with the number of entries beyond the PDF itself.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors
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

from binder.core.crypto import signers
from binder.core.crypto.signers import Signer, SigningSession, format_fingerprint
from binder.core.errors import BadInput, NotFound
from binder.core.incident import journal
from binder.core.incident.record import INCIDENT_TYPES, Incident, get_incident
from binder.core.output import signing as pdfsign
from binder.core.output.pdf import (
    ACCENT,
    BAD,
    DRILL_RED,
    FONT,
    FONT_BOLD,
    GOOD,
    INK,
    MUTED,
    RULE,
    SHADE,
    WARN,
    PageDecor,
    checker,
    esc,
    fmt_time,
    render,
    styles,
)
from binder.core.storage.database import Binder, atomic_write_bytes, utc_now

VARIANTS = ("full", "executive")
BUNDLE_NAME = "verification-bundle.json"
Progress = Callable[[int, int], None]
JOURNAL_BATCH = 500


@dataclass(frozen=True)
class ReportResult:
    """A built report (signed when signers were given)."""

    pdf: bytes
    variant: str
    pages: int
    entries: int
    head_hash: str
    signed_by: tuple[str, ...] = ()
    slots: tuple[pdfsign.SignatureSlot, ...] = ()
    bundle_attached: bool = False


# --------------------------------------------------------------------------- facts


@dataclass
class _Facts:
    """What the sections need beyond the streamed journal (small, bounded data)."""

    incident: Incident
    org: str
    variant: str
    generated_at: str
    head: str
    entry_count: int
    cosigned_count: int
    state: Any  # binder.core.incident.workflow.IncidentState
    plan: Any
    evidence: list
    problems: dict[int | None, list[str]]
    verify_ok: bool
    verify_signatures: int
    signer_rows: list[tuple[Signer, int, int]]  # signer, entries authored, co-signatures
    root_fp: str
    first_at: str
    last_at: str
    timeline: list  # (at, kind, label, detail)
    focus_spans: list  # (phase_key, start, end)
    ticks: list  # (phase_key, at)
    named: dict[str, Signer] = field(default_factory=dict)  # sign-off role -> signer
    seq_by_id: dict[int, int] = field(default_factory=dict)

    @property
    def type_label(self) -> str:
        try:
            return self.plan.incident_type_label(self.incident.type)
        except Exception:  # noqa: BLE001 - an unknown type still prints its key
            return dict(INCIDENT_TYPES).get(self.incident.type, self.incident.type)

    def phase_name(self, key: str | None) -> str:
        if not key:
            return ""
        for phase in getattr(self.plan, "phases", ()):
            if phase.key == key:
                return phase.name
        return key


@contextlib.contextmanager
def _snapshot(binder: Binder) -> Iterator[None]:
    # One read transaction: in WAL mode every query below sees the same state.
    conn = binder.conn
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def _at(entry: journal.Entry) -> str:
    return entry.occurred_at or entry.recorded_at


def _parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)


def _gather(binder: Binder, incident: Incident, variant: str, named: dict[str, Signer],
            progress: Progress | None, check: Callable[[], None], now: str) -> _Facts:
    from binder.core.incident import evidence as evidence_mod
    from binder.core.incident import workflow
    from binder.core.verify import checks as verify

    state = workflow.incident_state(binder, incident.id, now=now)
    plan = workflow.incident_plan(binder, incident)
    check()

    def verify_progress(done: int, total: int) -> None:
        check()
        if progress:
            # Verification is the first fifth of the work.
            progress(done // 5, max(total, 1))

    result = verify.verify_binder(binder, incident.id, check_files=False, progress=verify_progress)
    problems: dict[int | None, list[str]] = {}
    for problem in result.problems:
        problems.setdefault(problem.entry, []).append(problem.message)
    check()

    conn = binder.conn
    entry_count = journal.count_entries(binder, incident.id)
    cosigned = conn.execute(
        "SELECT count(DISTINCT c.entry_id) FROM cosign c JOIN entry e ON e.id = c.entry_id "
        "WHERE e.incident_id = ?", (incident.id,)).fetchone()[0]
    authored = dict(conn.execute(
        "SELECT cert_fingerprint, count(*) FROM entry WHERE incident_id = ? GROUP BY 1",
        (incident.id,)).fetchall())
    witnessed = dict(conn.execute(
        "SELECT c.cert_fingerprint, count(*) FROM cosign c JOIN entry e ON e.id = c.entry_id "
        "WHERE e.incident_id = ? GROUP BY 1", (incident.id,)).fetchall())
    span = conn.execute(
        "SELECT min(coalesce(occurred_at, recorded_at)), max(coalesce(occurred_at, recorded_at)),"
        " max(recorded_at) FROM entry WHERE incident_id = ?", (incident.id,)).fetchone()
    known = signers.certificates_by_fingerprint(binder)
    by_fp = {s.fingerprint: s for s in signers.list_signers(binder)}
    rows: list[tuple[Signer, int, int]] = []
    for fp in sorted(set(authored) | set(witnessed) | {s.fingerprint for s in named.values()}):
        signer = by_fp.get(fp)
        if signer is None and fp in known:
            person, der = known[fp]
            signer = Signer(person, person, "", fp, "", der)
        if signer is not None:
            rows.append((signer, authored.get(fp, 0), witnessed.get(fp, 0)))
    rows.sort(key=lambda r: r[0].person.casefold())
    root = signers.root_certificate(binder)
    root_fp = ""
    if root is not None:
        from cryptography.hazmat.primitives import serialization

        root_fp = signers.fingerprint(root.public_bytes(serialization.Encoding.DER))

    timeline, spans, ticks = _timeline_events(binder, incident, state)
    try:
        items = evidence_mod.list_evidence(binder, incident.id)
    except BadInput:
        items = []
    for item in items:
        timeline.append((item.registered_at, "evidence", item.label, item.description))
    timeline.sort(key=lambda t: t[0])
    first = min([incident.detected_at] + ([span[0]] if span[0] else []))
    last = max([span[1] or first, span[2] or first])
    return _Facts(
        incident=incident, org=binder.meta("org") or "", variant=variant, generated_at=now,
        head=journal.head_hash(binder, incident.id), entry_count=entry_count,
        cosigned_count=cosigned, state=state, plan=plan, evidence=items, problems=problems,
        verify_ok=result.ok, verify_signatures=result.signatures, signer_rows=rows,
        root_fp=root_fp, first_at=first, last_at=last, timeline=timeline, focus_spans=spans,
        ticks=ticks, named=dict(named),
    )


def _timeline_events(binder: Binder, incident: Incident, state: Any):
    events: list[tuple[str, str, str, str]] = []
    spans: list[tuple[str, str, str | None]] = []
    ticks: list[tuple[str, str]] = []
    current: tuple[str, str] | None = None
    decision_no = notice_no = 0
    for entry in journal.iter_entries(
        binder, incident.id, kinds=("open", "phase", "checklist", "decision", "notification",
                                    "close")):
        data = entry.data or {}
        at = _at(entry)
        action = data.get("action")
        if entry.kind == "open":
            events.append((incident.detected_at, "detected", "", "Detected"))
            events.append((at, "open", "", "Opened"))
        elif entry.kind == "phase" and action == "focus":
            if current is not None:
                spans.append((current[0], current[1], at))
            current = (str(data.get("phase", "")), at)
        elif entry.kind == "checklist" and data.get("done"):
            ticks.append((str(data.get("phase", "")), at))
        elif entry.kind == "decision":
            decision_no += 1
            label = f"D{decision_no}"
            text = data.get("decision") or entry.text
            if action == "notify_decision":
                text = entry.text
            events.append((at, "decision", label, str(text)))
        elif entry.kind == "notification" and action == "told":
            notice_no += 1
            events.append((data.get("told_at") or at, "notification", f"N{notice_no}",
                           f"{data.get('party', '')}: {data.get('channel', '')}"))
        elif entry.kind == "close":
            events.append((at, "close", "", "Closed" if action == "close" else "Reopened"))
    if current is not None:
        spans.append((current[0], current[1], None))
    elif state is not None and state.phases:
        # No focus was ever chosen: the first phase ran from the opening.
        spans.append((state.focus_phase, incident.opened_at, None))
    return events, spans, ticks


# --------------------------------------------------------------------------- building blocks


_S: dict = {}


def _st() -> dict:
    if not _S:
        _S.update(styles())
    return _S


def P(markup: str, style: str = "body") -> Paragraph:  # noqa: N802 - reads like markup
    """A Paragraph from markup that is already escaped."""
    return Paragraph(markup, _st()[style])


def _table(rows: list[list], widths: list[float], *, header: bool = True,
           zebra: bool = True, extra: list | None = None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    cmds = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        cmds += [("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                 ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT)]
    if zebra:
        cmds.append(("ROWBACKGROUNDS", (0, 1 if header else 0), (-1, -1), [colors.white, SHADE]))
    table.setStyle(TableStyle(cmds + (extra or [])))
    return table


def _head_cells(*labels: str) -> list[Paragraph]:
    return [Paragraph(f'<font color="white"><b>{label}</b></font>', _st()["cell"])
            for label in labels]


def _c(text: object, style: str = "cell") -> Paragraph:
    """A table cell holding user text (escaped)."""
    return Paragraph(esc(text), _st()[style])


def _t(text: str) -> Paragraph:
    """A table cell holding a time (smaller, so a full UTC time fits one line)."""
    return Paragraph(esc(text), _st()["celltime"])


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


_CLOCK_COLOUR = {"met": "#2f7d32", "ok": "#2f7d32", "amber": "#a15c00", "missed": "#b3261e",
                 "met-late": "#b3261e"}


# --------------------------------------------------------------------------- sections


def _cover(f: _Facts, width: float) -> Iterator[Flowable]:
    inc = f.incident
    yield Spacer(1, 18 * mm)
    if f.org:
        yield P(esc(f.org), "subtitle")
    kind = "Incident report" if f.variant == "full" else "Incident report: executive summary"
    yield P(kind, "h1")
    yield P(esc(inc.title), "title")
    audience = ("Full record for legal review: every journal entry, signature and evidence item."
                if f.variant == "full" else
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
        ("Severity", esc(inc.severity.capitalize())),
        ("Detected", fmt_time(inc.detected_at)),
        ("Opened", f"{fmt_time(inc.opened_at)} by {esc(inc.opened_by)}"),
        ("Status", status),
    ]
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


def _verification_banner(f: _Facts) -> Iterator[Flowable]:
    if f.verify_ok:
        yield P('<font color="#2f7d32">✓</font> At report time the '
                f"journal verified: {f.entry_count} entries in an unbroken hash chain and "
                f"{f.verify_signatures} signatures checked against this binder's root "
                "certificate.", "body")
        return
    count = sum(len(v) for v in f.problems.values())
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


def _summary(f: _Facts, width: float) -> Iterator[Flowable]:
    s = f.state
    yield P("Summary", "h1")
    duration = _parse(f.last_at) - _parse(f.incident.detected_at)
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
        met = sum(1 for c in s.clocks if c.status == "met")
        missed = sum(1 for c in s.clocks if c.status in ("missed", "met-late"))
        rows += [
            ("Decisions", str(len(s.decisions) + len(s.notify_decisions))),
            ("Notifications", f"{len(s.notifications)} recorded"),
            ("Deadlines", f"{met} met, {missed} missed or late, "
                          f"{sum(1 for c in s.clocks if c.running and c.status != 'missed')} running"),
            ("Financial impact", _totals_text(s) or "none recorded"),
        ]
    rows.append(("Evidence", f"{_n(len(f.evidence), 'item', 'items')} registered"))
    yield _kv(rows, width)
    yield Spacer(1, 4 * mm)
    yield from _verification_banner(f)


def _totals_text(state: Any) -> str:
    totals = state.impact_totals if state is not None else {}
    return ", ".join(f"{esc(cur)} {_money(amount)}" for cur, amount in sorted(totals.items()))


def _timeline(f: _Facts, width: float) -> Iterator[Flowable]:
    yield CondPageBreak(90 * mm)
    yield P("Timeline", "h2")
    yield P("Bars show which phase had the focus; ticks mark checklist items done. Markers: "
            "◆ decision, ● notification, ■ evidence, ▲ detected/opened/closed. Times in UTC.",
            "small")
    yield Spacer(1, 2 * mm)
    yield _timeline_drawing(f, width)
    keyed = [e for e in f.timeline if e[2]]
    limit = 40 if f.variant == "full" else 15
    if keyed:
        rows = [_head_cells("", "When", "What")]
        for at, _kind, label, text in keyed[:limit]:
            rows.append([_c(label, "cellb"), _t(fmt_time(at)), _c(text)])
        if len(keyed) > limit:
            rows.append([_c(""), _c(""), _none(f"{len(keyed) - limit} more in the sections below")])
        yield Spacer(1, 2 * mm)
        yield _table(rows, [12 * mm, 35 * mm, width - 47 * mm])


def _timeline_drawing(f: _Facts, width: float) -> Drawing:
    phases = [(p.key, p.name) for p in getattr(f.plan, "phases", ())]
    seen = {p for p, _, _ in f.focus_spans} | {p for p, _ in f.ticks}
    phases += [(k, k) for k in sorted(seen - {p for p, _ in phases}) if k]
    label_w = 42 * mm
    lane_h = 13
    top_pad, axis_h, event_h = 6, 18, 22
    height = top_pad + event_h + lane_h * max(len(phases), 1) + axis_h
    drawing = Drawing(width, height)
    t0 = _parse(f.first_at)
    t1 = max(_parse(f.last_at), _parse(f.generated_at) if not (f.state and f.state.closed)
             else _parse(f.last_at))
    if (t1 - t0) < timedelta(minutes=30):
        t1 = t0 + timedelta(minutes=30)
    plot_x, plot_w = label_w, width - label_w - 4
    total = (t1 - t0).total_seconds()

    def x(iso: str | None) -> float:
        moment = _parse(iso) if iso else t1
        frac = min(max((moment - t0).total_seconds() / total, 0.0), 1.0)
        return plot_x + frac * plot_w

    y_lane0 = axis_h
    # lanes, bottom-up in reverse plan order so the first phase is on top
    for i, (key, name) in enumerate(reversed(phases)):
        y = y_lane0 + i * lane_h
        drawing.add(Rect(plot_x, y + 2, plot_w, lane_h - 4, fillColor=colors.HexColor("#f5f7fa"),
                         strokeColor=None))
        label = name if len(name) <= 30 else name[:29] + "…"
        drawing.add(String(2, y + 3.5, label, fontName=FONT, fontSize=6.5, fillColor=INK))
        for phase, start, end in f.focus_spans:
            if phase == key:
                x0, x1 = x(start), x(end)
                drawing.add(Rect(x0, y + 2, max(x1 - x0, 1.5), lane_h - 4, fillColor=ACCENT,
                                 strokeColor=None))
        for phase, at in f.ticks:
            if phase == key:
                xt = x(at)
                drawing.add(Line(xt, y + 1, xt, y + lane_h - 1, strokeColor=GOOD, strokeWidth=1.2))
    # events row
    y_ev = y_lane0 + lane_h * max(len(phases), 1) + 4
    drawing.add(String(2, y_ev + 5, "Key events", fontName=FONT_BOLD, fontSize=7, fillColor=INK))
    drawing.add(Line(plot_x, y_ev + 8, plot_x + plot_w, y_ev + 8, strokeColor=RULE,
                     strokeWidth=0.5))
    last_label_x = -100.0
    for at, kind, label, _text in f.timeline:
        xe = x(at)
        yc = y_ev + 8
        if kind == "decision":
            drawing.add(Polygon([xe, yc + 4, xe + 4, yc, xe, yc - 4, xe - 4, yc],
                                fillColor=WARN, strokeColor=None))
        elif kind == "notification":
            drawing.add(Circle(xe, yc, 3.2, fillColor=ACCENT, strokeColor=None))
        elif kind == "evidence":
            drawing.add(Rect(xe - 3, yc - 3, 6, 6, fillColor=GOOD, strokeColor=None))
        else:
            drawing.add(Polygon([xe - 3.5, yc - 3, xe + 3.5, yc - 3, xe, yc + 4],
                                fillColor=BAD if kind == "detected" else INK, strokeColor=None))
        if label and xe - last_label_x > 16:
            drawing.add(String(xe - 4, yc + 5, label, fontName=FONT, fontSize=6, fillColor=MUTED))
            last_label_x = xe
    # time axis
    drawing.add(Line(plot_x, axis_h - 2, plot_x + plot_w, axis_h - 2, strokeColor=MUTED,
                     strokeWidth=0.6))
    same_day = t0.date() == t1.date()
    for i in range(5):
        frac = i / 4
        moment = t0 + timedelta(seconds=total * frac)
        tx = plot_x + frac * plot_w
        drawing.add(Line(tx, axis_h - 5, tx, axis_h - 2, strokeColor=MUTED, strokeWidth=0.6))
        text = moment.strftime("%H:%M" if same_day and 0 < i < 4 else "%m-%d %H:%M")
        anchor = "start" if i == 0 else ("end" if i == 4 else "middle")
        drawing.add(String(tx, axis_h - 13, text, fontName=FONT, fontSize=6.5, fillColor=MUTED,
                           textAnchor=anchor))
    return drawing


def _decisions(f: _Facts, width: float) -> Iterator[Flowable]:
    s = f.state
    yield P("Decisions", "h2")
    if s is None or not (s.decisions or s.notify_decisions):
        yield _none("No decisions were recorded.")
        return
    rows = [_head_cells("When", "Decision and reasoning", "By")]
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
            parts.append(f"Deadline: {esc(_clock_name(s, d.clock_key))}")
        if d.reason:
            parts.append("<i>Reasoning:</i> " + esc(d.reason))
        by = esc(d.author) + (f"<br/>witnessed by {esc(', '.join(d.witnesses))}"
                              if d.witnesses else "")
        rows.append([_t(fmt_time(d.at)), P("<br/>".join(parts), "cell"), P(by, "cell")])
    yield _table(rows, [35 * mm, width - 75 * mm, 40 * mm])


def _clock_name(state: Any, key: str) -> str:
    for clock in state.clocks:
        if clock.key == key:
            return clock.name
    return key


def _deadlines(f: _Facts, width: float) -> Iterator[Flowable]:
    s = f.state
    yield P("Deadlines", "h2")
    clocks = [c for c in (s.clocks if s else ()) if c.status != "off"]
    if not clocks:
        yield _none("No regulatory or contractual clock applies to this incident.")
    else:
        rows = [_head_cells("Deadline", "Rule", "Due", "Status")]
        for c in clocks:
            name = f"<b>{esc(c.name)}</b>" + (f"<br/>{esc(c.authority)}" if c.authority else "")
            status = c.describe()
            colour = _CLOCK_COLOUR.get(c.status, "#616e7c")
            rows.append([P(name, "cell"), _c(c.due_text), _t(fmt_time(c.deadline)),
                         P(f'<font color="{colour}"><b>{esc(c.status.upper())}</b></font><br/>'
                           f"{esc(status)}", "cell")])
        yield _table(rows, [48 * mm, 38 * mm, 35 * mm, width - 121 * mm])
    off = [c for c in (s.clocks if s else ()) if c.status == "off"]
    if off:
        yield P("Switched off for this incident: " + esc(", ".join(c.name for c in off)), "small")


def _notifications(f: _Facts, width: float) -> Iterator[Flowable]:
    s = f.state
    yield P("Notifications", "h2")
    if s is None or not s.notifications:
        yield _none("Nobody outside the response team was notified.")
        return
    clocks = {c.key: c for c in s.clocks}
    rows = [_head_cells("Told at", "Party and channel", "What was said", "By", "Deadline")]
    for n in s.notifications:
        deadline = ""
        if n.clock_key:
            clock = clocks.get(n.clock_key)
            if clock is not None and clock.deadline:
                on_time = _parse(n.told_at) <= _parse(clock.deadline)
                colour = "#2f7d32" if on_time else "#b3261e"
                deadline = (f"{esc(clock.name)}<br/><font color=\"{colour}\"><b>"
                            f"{'met' if on_time else 'MISSED'}</b></font> (due "
                            f"{fmt_time(clock.deadline)})")
            else:
                deadline = esc(clock.name if clock else n.clock_key)
        rows.append([
            _t(fmt_time(n.told_at)),
            P(f"<b>{esc(n.party)}</b><br/>{esc(n.channel)}", "cell"),
            _c(n.message),
            _c(n.told_by),
            P(deadline, "cell"),
        ])
    yield _table(rows, [35 * mm, 32 * mm, width - 139 * mm, 24 * mm, 48 * mm])


def _impact(f: _Facts, width: float) -> Iterator[Flowable]:
    s = f.state
    yield P("Financial impact", "h2")
    if s is None or not s.impact:
        yield _none("No financial impact was recorded.")
        return
    rows = [_head_cells("When", "Category", "Note", "Amount")]
    for line in s.impact:
        rows.append([_t(fmt_time(line.at)), _c(line.category), _c(line.note),
                     P(f"{esc(line.currency)} {_money(line.amount)}", "cell")])
    for cur, amount in sorted(s.impact_totals.items()):
        rows.append([_c(""), P("<b>Total</b>", "cell"), _c(""),
                     P(f"<b>{esc(cur)} {_money(amount)}</b>", "cell")])
    yield _table(rows, [35 * mm, 44 * mm, width - 115 * mm, 36 * mm],
                 extra=[("ALIGN", (3, 0), (3, -1), "RIGHT")])


def _review(f: _Facts, width: float) -> Iterator[Flowable]:
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


def _evidence(f: _Facts, width: float) -> Iterator[Flowable]:
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
            crow = [_head_cells("When", "Action", "From → to", "Purpose", "Signed")]
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


def _journal(binder: Binder, f: _Facts, progress: Progress | None,
             check: Callable[[], None]) -> Iterator[Flowable]:
    yield PageBreak()
    yield P("Journal", "h1")
    yield P("Every entry in chain order. <i>Recorded</i> is when the binder stored it (UTC); "
            "<i>occurred</i> is when its author says it happened. ✓ means the signature was "
            "verified when this report was made. A corrected entry stays as it was, struck "
            "through, and its correction follows later in the chain.", "small")
    yield Spacer(1, 2 * mm)
    iid = f.incident.id
    total = f.entry_count or 1
    done = 0
    for offset in range(0, f.entry_count, JOURNAL_BATCH):
        check()
        views = journal.page(binder, iid, offset, JOURNAL_BATCH)
        # The numbers people see are chain positions; look up those of linked entries
        # only, so the map grows with corrections, not with the journal.
        linked = {i for v in views for i in v.corrected_by}
        linked |= {v.entry.corrects for v in views if v.entry.corrects}
        missing = [i for i in linked if i not in f.seq_by_id]
        if missing:
            marks = ",".join("?" * len(missing))
            f.seq_by_id.update(binder.conn.execute(
                f"SELECT id, seq FROM entry WHERE id IN ({marks})", missing).fetchall())
        for view in views:
            yield from _entry_flowables(binder, f, view)
            done += 1
        if progress:
            progress(total // 5 + done * 4 // 5, total)


def _entry_flowables(binder: Binder, f: _Facts, view: journal.EntryView) -> Iterator[Flowable]:
    # One Paragraph per entry: a 10k-entry journal lays out in a fraction of the
    # time that separate head/text/notes paragraphs held together would take.
    e = view.entry
    head = [f"<b>#{e.seq}</b>", f"recorded {fmt_time(e.recorded_at, seconds=True)}"]
    if e.occurred_at and e.occurred_at != e.recorded_at:
        head.append(f"occurred {fmt_time(e.occurred_at, seconds=True)}")
    head.append(f"<b>{esc(e.author)}</b>")
    head.append(esc(e.kind))
    if e.phase:
        head.append("phase " + esc(f.phase_name(e.phase)))
    lines = [_MUTED_8 % " · ".join(head)]
    if e.corrects:
        original = journal.get_entry(binder, e.corrects)
        number = f.seq_by_id.get(e.corrects, original.seq)
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
                      + ", ".join(f"#{f.seq_by_id.get(i, '?')}" for i in view.corrected_by)
                      + "</b>")
    status.append(f'hash <font name="DejaVuSansMono">{e.hash[:16]}</font>')
    notes.append(" · ".join(status))
    lines += [_MUTED_85 % note for note in notes]
    if problems:
        lines.append('<font size="8.5" color="#b3261e"><b>Verification problem:</b> '
                     + esc("; ".join(problems)) + "</font>")
    yield Paragraph("<br/>".join(lines), _st()["entry"])


_MUTED_8 = '<font size="8" color="#616e7c">%s</font>'
_MUTED_85 = '<font size="8.5" color="#616e7c">%s</font>'


def _next_steps(f: _Facts, width: float) -> Iterator[Flowable]:
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


def _situation(binder: Binder, f: _Facts, width: float) -> Iterator[Flowable]:
    yield from _summary(f, width)
    latest = []
    for entry in _latest_entries(binder, f.incident.id, 6):
        latest.append([_t(fmt_time(_at(entry))), _c(entry.author), _c(entry.text)])
    if latest:
        yield P("Latest developments", "h2")
        yield _table([_head_cells("When", "Who", "What")] + latest,
                     [35 * mm, 26 * mm, width - 61 * mm])


def _latest_entries(binder: Binder, incident_id: int, n: int) -> list[journal.Entry]:
    total = journal.count_entries(binder, incident_id)
    views = journal.page(binder, incident_id, max(total - 40, 0), 40)
    wanted = [v.entry for v in views if v.entry.kind in (
        "observation", "action", "decision", "communication", "note", "correction")]
    return wanted[-n:]


class SignOffGrid(Flowable):
    """The four sign-off places; records where each signature field goes."""

    BLOCK_H = 118

    def __init__(self, f: _Facts, width: float, slots: list[pdfsign.SignatureSlot]):
        super().__init__()
        self.f = f
        self.width = width
        self.slots = slots
        self.height = 2 * self.BLOCK_H + 10

    def wrap(self, availWidth, availHeight):  # noqa: N803 - reportlab's names
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        gap = 10
        bw = (self.width - gap) / 2
        for i, (role, field_name, label) in enumerate(pdfsign.ROLES):
            col, row = i % 2, i // 2
            x0 = col * (bw + gap)
            y0 = self.height - (row + 1) * self.BLOCK_H - row * 10
            canv.saveState()
            canv.setStrokeColor(RULE)
            canv.setFillColor(SHADE)
            canv.roundRect(x0, y0, bw, self.BLOCK_H, 4, stroke=1, fill=1)
            canv.setFillColor(ACCENT)
            canv.setFont(FONT_BOLD, 9.5)
            canv.drawString(x0 + 8, y0 + self.BLOCK_H - 15, label)
            signer = self.f.named.get(role)
            canv.setFillColor(INK)
            canv.setFont(FONT, 8)
            if signer is not None:
                name = signer.display_name + (f" ({signer.person})"
                                              if signer.person != signer.display_name else "")
                canv.drawString(x0 + 8, y0 + self.BLOCK_H - 27, _clip(canv, f"Name: {name}",
                                                                       bw - 16))
                canv.setFont(FONT, 6.5)
                canv.setFillColor(MUTED)
                fp = format_fingerprint(signer.fingerprint)
                canv.drawString(x0 + 8, y0 + self.BLOCK_H - 37, "Certificate " + fp[:39])
                canv.drawString(x0 + 8 + canv.stringWidth("Certificate ", FONT, 6.5),
                                y0 + self.BLOCK_H - 45, fp[40:])
            else:
                canv.drawString(x0 + 8, y0 + self.BLOCK_H - 27, "Name:")
                canv.setStrokeColor(MUTED)
                canv.line(x0 + 36, y0 + self.BLOCK_H - 28, x0 + bw - 10, y0 + self.BLOCK_H - 28)
                canv.setFont(FONT, 6.5)
                canv.setFillColor(MUTED)
                canv.drawString(x0 + 8, y0 + self.BLOCK_H - 40,
                                f"Digital: binder report sign FILE --as NAME --role {role}")
            # The signature field: pyHanko draws the signature's appearance here.
            fx0, fy0 = x0 + 8, y0 + 8
            fx1, fy1 = x0 + bw - 8, y0 + self.BLOCK_H - 52
            canv.setStrokeColor(MUTED)
            canv.setFillColor(colors.white)
            canv.setDash(2, 2)
            canv.rect(fx0, fy0, fx1 - fx0, fy1 - fy0, stroke=1, fill=1)
            canv.setDash()
            canv.restoreState()
            ax0, ay0 = canv.absolutePosition(fx0, fy0)
            ax1, ay1 = canv.absolutePosition(fx1, fy1)
            self.slots.append(pdfsign.SignatureSlot(field_name, canv.getPageNumber() - 1,
                                                    (ax0, ay0, ax1, ay1)))


def _clip(canv, text: str, width: float) -> str:
    if canv.stringWidth(text, FONT, 8) <= width:
        return text
    while text and canv.stringWidth(text + "…", FONT, 8) > width:
        text = text[:-1]
    return text + "…"


def _signoff(f: _Facts, width: float, slots: list[pdfsign.SignatureSlot]) -> Iterator[Flowable]:
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


def _appendix(f: _Facts, width: float) -> Iterator[Flowable]:
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
                                    else f"{sum(len(v) for v in f.problems.values())} problem(s)"
                                    " found")),
    ]
    yield _kv(rows, width, key_w=44 * mm)
    yield P("Signers and their certificates", "h2")
    yield P("Compare these SHA-256 certificate fingerprints with the ones each person reads out "
            "from their own binder (`binder signer list`), by phone or in person.", "small")
    srows = [_head_cells("Person", "Role", "Certificate fingerprint (SHA-256)", "Entries",
                         "Co-signed")]
    for signer, authored, witnessed in f.signer_rows:
        who = esc(signer.display_name)
        if signer.display_name != signer.person:
            who += f"<br/><font size=\"7\">({esc(signer.person)})</font>"
        srows.append([P(who, "cell"), _c(signer.role), P(
            f'<font name="DejaVuSansMono" size="7">{format_fingerprint(signer.fingerprint)}'
            "</font>", "cell"), _c(str(authored)), _c(str(witnessed))])
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


def _story(binder: Binder, f: _Facts, width: float, slots: list[pdfsign.SignatureSlot],
           progress: Progress | None, check: Callable[[], None]) -> Iterator[Flowable]:
    yield from _cover(f, width)
    if f.variant == "executive":
        yield from _situation(binder, f, width)
        yield from _timeline(f, width)
        yield from _impact(f, width)
        yield from _decisions(f, width)
        yield from _deadlines(f, width)
        yield from _notifications(f, width)
        yield from _next_steps(f, width)
    else:
        yield from _summary(f, width)
        yield from _timeline(f, width)
        yield from _decisions(f, width)
        yield from _deadlines(f, width)
        yield from _notifications(f, width)
        yield from _journal(binder, f, progress, check)
        yield PageBreak()
        yield from _evidence(f, width)
        yield from _impact(f, width)
        yield from _review(f, width)
    yield from _signoff(f, width, slots)
    yield from _appendix(f, width)


# --------------------------------------------------------------------------- public API


def _bundle_bytes(binder: Binder, incident_id: int) -> bytes | None:
    try:
        from binder.core.output import bundle
    except ImportError:
        return None
    try:
        data = bundle.build_bundle(binder, incident_id)
    except NotFound:
        return None  # no root certificate yet: nothing in the binder can be verified
    encode = getattr(bundle, "bundle_bytes", None)
    if callable(encode):
        return encode(data)
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")


def build_report(
    binder: Binder,
    incident_ref: int | str,
    *,
    variant: str = "full",
    lead: SigningSession | None = None,
    witness: SigningSession | None = None,
    named: dict[str, Signer] | None = None,
    attach_bundle: bool = True,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    now: str | None = None,
) -> ReportResult:
    """Build the report PDF; signed by ``lead`` then ``witness`` when given.

    ``named`` pre-prints people on the sign-off page without signing (e.g. the
    witness who will sign later). ``attach_bundle=False`` leaves out the
    verification bundle (it is held in memory while it is attached). Raises
    :class:`Cancelled` when ``cancelled()`` turns true; nothing is written anywhere.
    """
    if variant not in VARIANTS:
        raise BadInput(f"unknown report variant {variant!r}; use one of {', '.join(VARIANTS)}")
    if witness is not None and lead is None:
        raise BadInput("a witness signs after the lead: give --as LEAD with --witness")
    if lead is not None and witness is not None and (
            lead.signer.fingerprint == witness.signer.fingerprint):
        raise BadInput("the witness must be a second person, not the lead (two-person rule)")
    check = checker(cancelled)
    now = now or utc_now()
    names = dict(named or {})
    if lead is not None:
        names["lead"] = lead.signer
    if witness is not None:
        names["witness"] = witness.signer
    root = signers.root_certificate(binder)
    if (lead is not None) and root is None:
        raise BadInput("this binder has no root certificate, so nothing can be signed; "
                       "enroll a signer first")
    with _snapshot(binder):
        incident = get_incident(binder, incident_ref)
        if "lead" not in names:
            found = signers.find_signer(binder, incident.opened_by)
            if found is not None:
                names["lead"] = found
        facts = _gather(binder, incident, variant, names, progress, check, now)
        slots: list[pdfsign.SignatureSlot] = []
        width = _content_width()
        title_kind = "Incident report" if variant == "full" else "Executive summary"
        decor = PageDecor(
            header_left=f"{facts.org + ' · ' if facts.org else ''}{title_kind}: {incident.title}",
            header_right=f"Incident {incident.id} · {incident.uuid[:8]}",
            footer_left=f"Journal head {facts.head[:16]}… · {facts.entry_count} entries · "
                        f"generated {fmt_time(now)}",
            drill=incident.drill,
        )
        pdf, doc = render(
            _story(binder, facts, width, slots, progress, check), decor,
            title=f"{'[DRILL] ' if incident.drill else ''}{title_kind}: {incident.title}",
            author=facts.org or "Incident Binder",
            subject=f"Incident {incident.id} ({incident.uuid}), journal head {facts.head}",
        )
        # The layout (every page object) is no longer needed: free it before the bundle.
        pages = doc.pages
        del doc
        check()
        bundle = _bundle_bytes(binder, incident.id) if attach_bundle else None
    attachments = []
    if bundle is not None:
        attachments.append(pdfsign.Attachment(
            BUNDLE_NAME, bundle, "application/json",
            f"Verification bundle of incident {incident.id}, journal head {facts.head}"))
    pdf = pdfsign.prepare(pdf, slots, attachments)
    signed_by: list[str] = []
    if root is not None and lead is not None:
        from cryptography.hazmat.primitives import serialization

        root_der = root.public_bytes(serialization.Encoding.DER)
        for role, session in (("lead", lead), ("witness", witness)):
            if session is None:
                continue
            check()
            pdf = pdfsign.sign_role(pdf, session, root_der, role)
            signed_by.append(session.person)
    if progress:
        progress(1, 1)
    return ReportResult(pdf=pdf, variant=variant, pages=pages, entries=facts.entry_count,
                        head_hash=facts.head, signed_by=tuple(signed_by), slots=tuple(slots),
                        bundle_attached=bundle is not None)


def _content_width() -> float:
    from binder.core.output.pdf import MARGIN, PAGE

    return PAGE[0] - 2 * MARGIN


def write_report(binder: Binder, incident_ref: int | str, path: str | Path, **kwargs) -> ReportResult:
    """Build the report (see :func:`build_report`) and write it atomically to ``path``."""
    target = _check_target(path)
    result = build_report(binder, incident_ref, **kwargs)
    atomic_write_bytes(target, result.pdf)
    if result.signed_by:
        _queue_for_timestamp(binder, target, incident_ref)
    return result


def _queue_for_timestamp(binder: Binder, target: Path, incident_ref: int | str) -> None:
    # A signed report waits for a document timestamp from an authority (`binder anchor`).
    from binder.core.checkpoint.anchor import queue_report

    queue_report(binder, target, get_incident(binder, incident_ref).id)


def _check_target(path: str | Path) -> Path:
    target = Path(path).expanduser()
    if target.is_dir():
        raise BadInput(f"{target} is a folder; give a file name such as report.pdf")
    if not target.parent.is_dir():
        raise BadInput(f"the folder {target.parent} does not exist; create it first")
    return target


def sign_report_file(binder: Binder, path: str | Path, session: SigningSession,
                     role: str | None = None) -> str:
    """Add ``session``'s signature to an existing report, incrementally; returns the role.

    Without ``role`` the first free place of legal, then management, is used.
    Earlier signatures stay valid (their bytes are untouched).
    """
    target = Path(path).expanduser()
    try:
        pdf = target.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"no file at {target}") from None
    except OSError as exc:
        raise BadInput(f"cannot read {target}: {exc.strerror}") from None
    if not pdf.startswith(b"%PDF-"):
        raise BadInput(f"{target} is not a PDF; choose the report that `binder report` wrote")
    state = {f.name: f.signed for f in pdfsign.signature_fields(pdf)}
    if not state:
        raise BadInput(f"{target} has no sign-off places; sign a report written by "
                       "`binder report`")
    if role is None:
        for candidate in ("legal", "management"):
            if state.get(pdfsign.FIELD_FOR_ROLE[candidate]) is False:
                role = candidate
                break
        else:
            raise BadInput(f"every sign-off place in {target} is already signed")
    root = signers.root_certificate(binder)
    if root is None:
        raise BadInput("this binder has no root certificate; enroll a signer first")
    from cryptography.hazmat.primitives import serialization

    signed = pdfsign.sign_role(pdf, session, root.public_bytes(serialization.Encoding.DER), role)
    atomic_write_bytes(target, signed)
    _queue_for_timestamp_again(binder, target)
    return role


def _queue_for_timestamp_again(binder: Binder, target: Path) -> None:
    # A later sign-off changes the file: the document timestamp, when it comes, covers it too.
    from binder.core.checkpoint.anchor import queue_report

    row = binder.conn.execute("SELECT incident_id FROM report_anchor WHERE path = ? "
                              "ORDER BY id DESC LIMIT 1", (str(target.resolve()),)).fetchone()
    queue_report(binder, target, row[0] if row else None)
