"""The report's pictures: the phase timeline and the sign-off boxes."""

from __future__ import annotations

from datetime import datetime, timedelta

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from binder.core.crypto.signers import format_fingerprint
from binder.core.output import signing as pdfsign
from binder.core.output.pdf import (
    ACCENT,
    BAD,
    FONT,
    FONT_BOLD,
    GOOD,
    INK,
    MUTED,
    RULE,
    SHADE,
    WARN,
    draw_text,
    fit_text,
)
from binder.core.output.report.facts import ReportFacts, utc_moment

#: Markers closer than this (points) on the time axis cannot be told apart.
MARKER_GAP = 7.0
#: At most this many markers may share one spot (stacked) before the picture is left out.
MAX_PILE = 5
STACK_STEP = 7.5
LABEL_W = 42 * mm


def _axis(f: ReportFacts) -> tuple[datetime, datetime]:
    t0 = utc_moment(f.first_at)
    t1 = max(utc_moment(f.last_at), utc_moment(f.generated_at) if not (f.state and f.state.closed)
             else utc_moment(f.last_at))
    if (t1 - t0) < timedelta(minutes=30):
        t1 = t0 + timedelta(minutes=30)
    return t0, t1


def _piles(f: ReportFacts, width: float) -> list[int]:
    """For each key event in time order, how many earlier markers it sits on (0: none)."""
    t0, t1 = _axis(f)
    total = (t1 - t0).total_seconds()
    plot_w = width - LABEL_W - 4
    levels, last_x, level = [], None, 0
    for event in f.timeline:
        x = min(max((utc_moment(event.at) - t0).total_seconds() / total, 0.0), 1.0) * plot_w
        level = level + 1 if last_x is not None and x - last_x < MARKER_GAP else 0
        if level == 0:
            last_x = x
        levels.append(level)
    return levels


def timeline_readable(f: ReportFacts, width: float) -> bool:
    """False when the key events pile up on the time axis (too close to tell apart).

    An incident whose events all happened within minutes of each other, or a
    few events hours before a dense burst, would draw one blot; the report
    then gives the table alone.
    """
    return not f.timeline or max(_piles(f, width)) < MAX_PILE


def timeline_drawing(f: ReportFacts, width: float) -> Drawing:
    """Phase lanes with focus bars and checklist ticks, key events and a time axis."""
    phases = [(p.key, p.name) for p in getattr(f.plan, "phases", ())]
    seen = {s.phase for s in f.focus_spans} | {t.phase for t in f.ticks}
    phases += [(k, k) for k in sorted(seen - {p for p, _ in phases}) if k]
    label_w = LABEL_W
    lane_h = 13
    piles = _piles(f, width)
    stack = max(piles, default=0)
    top_pad, axis_h, event_h = 6, 18, 22 + STACK_STEP * stack
    height = top_pad + event_h + lane_h * max(len(phases), 1) + axis_h
    drawing = Drawing(width, height)
    t0, t1 = _axis(f)
    plot_x, plot_w = label_w, width - label_w - 4
    total = (t1 - t0).total_seconds()

    def x(iso: str | None) -> float:
        moment = utc_moment(iso) if iso else t1
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
        for span in f.focus_spans:
            if span.phase == key:
                x0, x1 = x(span.start), x(span.end)
                drawing.add(Rect(x0, y + 2, max(x1 - x0, 1.5), lane_h - 4, fillColor=ACCENT,
                                 strokeColor=None))
        for tick in f.ticks:
            if tick.phase == key:
                xt = x(tick.at)
                drawing.add(Line(xt, y + 1, xt, y + lane_h - 1, strokeColor=GOOD, strokeWidth=1.2))
    # events row
    y_ev = y_lane0 + lane_h * max(len(phases), 1) + 4
    drawing.add(String(2, y_ev + 5, "Events", fontName=FONT_BOLD, fontSize=7, fillColor=INK))
    drawing.add(Line(plot_x, y_ev + 8, plot_x + plot_w, y_ev + 8, strokeColor=RULE,
                     strokeWidth=0.5))
    last_label_x = -100.0
    for event, level in zip(f.timeline, piles, strict=True):
        kind, label = event.kind, event.label
        xe = x(event.at)
        # Events closer than a marker's width are stacked upwards, not drawn over each other.
        yc = y_ev + 8 + level * STACK_STEP
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
        if label and xe - last_label_x > 16 and level == 0:
            drawing.add(String(xe + 5, yc - 2, label, fontName=FONT, fontSize=6, fillColor=MUTED))
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


class SignOffGrid(Flowable):
    """The four sign-off places; records where each signature field goes."""

    BLOCK_H = 118

    def __init__(self, f: ReportFacts, width: float, slots: list[pdfsign.SignatureSlot],
                 block_h: float | None = None):
        super().__init__()
        self.f = f
        self.width = width
        self.slots = slots
        self.block_h = block_h or self.BLOCK_H  # a summary uses smaller boxes
        self.height = 2 * self.block_h + 10

    def wrap(self, availWidth, availHeight):  # noqa: N803 - reportlab's names
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        gap = 10
        bw = (self.width - gap) / 2
        for i, (role, field_name, label) in enumerate(pdfsign.ROLES):
            col, row = i % 2, i // 2
            x0 = col * (bw + gap)
            y0 = self.height - (row + 1) * self.block_h - row * 10
            canv.saveState()
            canv.setStrokeColor(RULE)
            canv.setFillColor(SHADE)
            canv.roundRect(x0, y0, bw, self.block_h, 4, stroke=1, fill=1)
            canv.setFillColor(ACCENT)
            canv.setFont(FONT_BOLD, 9.5)
            canv.drawString(x0 + 8, y0 + self.block_h - 15, label)
            signer = self.f.named.get(role)
            canv.setFillColor(INK)
            canv.setFont(FONT, 8)
            if signer is not None:
                stated = signer.identity  # the certificate's name and role
                name = stated.label
                draw_text(canv, x0 + 8, y0 + self.block_h - 27,
                          fit_text(canv, f"Name: {name}", FONT, 8, bw - 16), FONT, 8)
                canv.setFont(FONT, 6.5)
                canv.setFillColor(MUTED)
                fp = format_fingerprint(signer.fingerprint)
                canv.drawString(x0 + 8, y0 + self.block_h - 37, "Certificate " + fp[:39])
                canv.drawString(x0 + 8 + canv.stringWidth("Certificate ", FONT, 6.5),
                                y0 + self.block_h - 45, fp[40:])
            else:
                canv.drawString(x0 + 8, y0 + self.block_h - 27, "Name:")
                canv.setStrokeColor(MUTED)
                canv.line(x0 + 36, y0 + self.block_h - 28, x0 + bw - 10, y0 + self.block_h - 28)
                canv.setFont(FONT, 6.5)
                canv.setFillColor(MUTED)
                canv.drawString(x0 + 8, y0 + self.block_h - 40,
                                "Sign digitally in Incident Binder, or by hand on paper")
            # The signature field: pyHanko draws the signature's appearance here.
            fx0, fy0 = x0 + 8, y0 + 8
            fx1, fy1 = x0 + bw - 8, y0 + self.block_h - 52
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
