"""The paper binder: plan, RACI matrix and roster call sheet for the shelf.

When the laptop, the network and the wiki are all gone, this printout is what
the team has. The call sheet holds decrypted contact data, so every page that
shows it says CONFIDENTIAL; with the binder locked (or no roster) the call
sheet is printed as an empty form to fill in by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
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
from binder.core.output.pdf import (
    ACCENT,
    FONT_BOLD,
    MARGIN,
    PAGE,
    RULE,
    SHADE,
    PageDecor,
    esc,
    fmt_time,
    grid,
    header_cells,
    render,
    styles,
)
from binder.core.plan import revisions as plans
from binder.core.storage.database import Binder, utc_now
from binder.core.storage.files import atomic_write_bytes, check_output_path

#: RACI responsibility -> (letter, background, text colour); None prints blank.
RACI_COLOURS: dict[str, tuple[str, colors.Color, colors.Color]] = {
    "Owner": ("O", colors.HexColor("#1d4e89"), colors.white),
    "Implements": ("I", colors.HexColor("#2f7d32"), colors.white),
    "Advises": ("A", colors.HexColor("#f2b134"), colors.HexColor("#1f2933")),
    "Updates": ("U", colors.HexColor("#cfe0f3"), colors.HexColor("#1f2933")),
}
_MEANING = {
    "Owner": "owns the activity and answers for it",
    "Implements": "does the work",
    "Advises": "is consulted before it is done",
    "Updates": "is kept informed",
}
BLANK_ROWS_PER_ROLE = 2


@dataclass(frozen=True)
class PrintPlanResult:
    """What was printed."""

    pdf: bytes
    pages: int
    plan_name: str
    revision: int
    contacts: int


def _grid(rows: list[list], widths: list[float], extra: list | None = None,
          blank_rows: int = 0) -> Table:
    # Rows left blank are for handwriting: make them tall enough to write in.
    heights = [None] * (len(rows) - blank_rows) + [8 * mm] * blank_rows
    return grid(rows, widths, row_heights=heights, extra=extra)


def _paragraphs(text: str, style) -> list[Paragraph]:
    # Plan guidance separates paragraphs with blank lines.
    return [Paragraph(esc(part.strip()), style) for part in text.split("\n\n") if part.strip()]


def _blank_row(st: dict) -> list[Paragraph]:
    return [Paragraph("", st["cell"]) for _ in range(5)]


def _cover(plan: Any, revision: Any, org: str, printed: str, width: float, st: dict,
           has_roster: bool, author: str) -> list[Flowable]:
    out: list[Flowable] = [Spacer(1, 14 * mm)]
    if org:
        out.append(Paragraph(esc(org), st["subtitle"]))
    out += [
        Paragraph("Incident response binder", st["h1"]),
        Paragraph(esc(plan.name), st["title"]),
        Paragraph(esc(plan.unit), st["subtitle"]) if plan.unit else Spacer(1, 2),
    ]
    out += _paragraphs(plan.description, st["para"])
    out.append(Spacer(1, 6 * mm))
    rows = [
        [Paragraph("<b>Plan revision</b>", st["cell"]),
         Paragraph(f"{revision.number} (saved {fmt_time(revision.created_at)} by "
                   f"{esc(author)})", st["cell"])],
        [Paragraph("<b>Revision note</b>", st["cell"]), Paragraph(esc(revision.note) or "-",
                                                                  st["cell"])],
        [Paragraph("<b>Plan fingerprint</b>", st["cell"]),
         Paragraph(f'<font name="DejaVuSansMono" size="7.5">{esc(revision.sha256)}</font>',
                   st["cell"])],
        [Paragraph("<b>Printed</b>", st["cell"]), Paragraph(fmt_time(printed), st["cell"])],
    ]
    table = Table(rows, colWidths=[40 * mm, width - 40 * mm])
    table.setStyle(TableStyle([("ROWBACKGROUNDS", (0, 0), (-1, -1), [colors.white, SHADE]),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    out += [table, Spacer(1, 6 * mm)]
    notice = ("The call sheet at the end holds personal contact data: keep this binder locked "
              "away and shred old copies." if has_roster else
              "The call sheet at the end is an empty form: fill it in by hand and from then on "
              "treat this binder as confidential.")
    out.append(Paragraph(
        "Keep this copy with the break-glass kit. It is only as good as the day it was printed: "
        "print it again whenever the plan or the roster changes. " + notice, st["small"]))
    out.append(PageBreak())
    return out


def _roles(plan: Any, width: float, st: dict) -> list[Flowable]:
    out: list[Flowable] = [Paragraph("Roles", st["h1"])]
    rows = [header_cells(["Role", "Description"])]
    for role in plan.roles:
        name = f"<b>{esc(role.name)}</b>" + ("<br/><font size=\"7.5\" color=\"#616e7c\">"
                                              "outside contact</font>" if role.external else "")
        rows.append([Paragraph(name, st["cell"]), Paragraph(esc(role.description), st["cell"])])
    out.append(_grid(rows, [45 * mm, width - 45 * mm]))
    return out


def _raci(plan: Any, width: float, st: dict) -> list[Flowable]:
    roles = plan.internal_roles()
    first = 44 * mm
    col = (width - first) / max(len(roles), 1)
    # Role names wrap between words only: shrink the header until the longest word fits.
    longest = max((w for r in roles for w in r.name.split()), default="",
                  key=lambda w: stringWidth(w, FONT_BOLD, 10))
    size = 7.5
    while size > 5.5 and stringWidth(longest, FONT_BOLD, size) > col - 9:
        size -= 0.5
    head_style = ParagraphStyle("racihead", parent=st["cellhead"], fontSize=size,
                                leading=size + 2)
    header = [Paragraph(f'<font color="white"><b>{esc(label)}</b></font>', head_style)
              for label in ["Activity"] + [r.name for r in roles]]
    rows = [header]
    extra: list = [("ALIGN", (1, 1), (-1, -1), "CENTER"), ("VALIGN", (1, 1), (-1, -1), "MIDDLE")]
    for r, activity in enumerate(plan.activities, start=1):
        row: list = [Paragraph(esc(activity.name), st["cell"])]
        for c, role in enumerate(roles, start=1):
            value = activity.responsibility(role.key)
            look = RACI_COLOURS.get(value)
            if look is None:
                row.append(Paragraph('<font color="#9aa5b1">-</font>', st["cell"]))
                continue
            letter, background, ink = look
            row.append(Paragraph(f'<font color="{ink.hexval().replace("0x", "#")}"><b>{letter}'
                                 f"</b> {value}</font>", st["cellsmall"]))
            extra.append(("BACKGROUND", (c, r), (c, r), background))
        rows.append(row)
    table = Table(rows, colWidths=[first] + [col] * len(roles), repeatRows=1)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.white),
        ("LINEBELOW", (0, 1), (0, -1), 0.25, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ] + extra))
    legend_rows = []
    legend_style: list = [("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                          ("ALIGN", (0, 0), (0, -1), "CENTER")]
    for i, (value, (letter, background, ink)) in enumerate(RACI_COLOURS.items()):
        legend_rows.append([
            Paragraph(f'<font color="{ink.hexval().replace("0x", "#")}"><b>{letter}</b></font>',
                      st["cell"]),
            Paragraph(f"<b>{value}</b>: {_MEANING[value]}", st["cell"]),
        ])
        legend_style.append(("BACKGROUND", (0, i), (0, i), background))
    legend = Table(legend_rows, colWidths=[10 * mm, 90 * mm], hAlign="LEFT")
    legend.setStyle(TableStyle(legend_style + [("LINEBELOW", (0, 0), (-1, -1), 0.5,
                                                colors.white)]))
    return [
        CondPageBreak(90 * mm),
        Paragraph("Who does what (RACI matrix)", st["h1"]),
        Paragraph("For each activity, what each role of the response team does. A dash means "
                  "no part in it.", st["small"]),
        Spacer(1, 2 * mm),
        table,
        Spacer(1, 4 * mm),
        KeepTogether([Paragraph("Legend", st["h3"]), legend]),
    ]


def _phases(plan: Any, width: float, st: dict) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(), Paragraph("Phases", st["h1"]),
                           Paragraph("The phases run side by side, not strictly one after "
                                     "another. Tick the boxes as you go and note the time.",
                                     st["small"])]
    names = {r.key: r.name for r in plan.roles}
    for number, phase in enumerate(plan.phases, start=1):
        out.append(CondPageBreak(50 * mm))
        out.append(Paragraph(f"{number}. {esc(phase.name)}", st["h2"]))
        owners = plan.owners_for_phase(phase.key)
        parts = [f"<b>{resp}</b>: {esc(', '.join(names.get(k, k) for k in keys))}"
                 for resp, keys in owners.items() if keys]
        if parts:
            out.append(Paragraph(" · ".join(parts), st["small"]))
            out.append(Spacer(1, 1.5 * mm))
        out += _paragraphs(phase.guidance, st["para"])
        if phase.checklist:
            rows = [[Paragraph("☐", st["cell"]), Paragraph(esc(item), st["cell"]),
                     Paragraph('<font color="#9aa5b1">time / initials</font>', st["cellsmall"])]
                    for item in phase.checklist]
            table = Table(rows, colWidths=[7 * mm, width - 37 * mm, 30 * mm])
            table.setStyle(TableStyle([
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("LINEBELOW", (2, 0), (2, -1), 0.5, colors.HexColor("#9aa5b1")),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]))
            out += [Spacer(1, 2 * mm), table]
    return out


def _prerequisites_and_clocks(plan: Any, width: float, st: dict) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(60 * mm), Paragraph("Before an incident", st["h1"])]
    if plan.prerequisites:
        rows = [header_cells(["Prerequisite", "What", "Every"])]
        for p in plan.prerequisites:
            rows.append([Paragraph(f"<b>{esc(p.name)}</b>", st["cell"]),
                         Paragraph(esc(p.description), st["cell"]),
                         Paragraph(f"{p.interval_days} days", st["cell"])])
        out.append(_grid(rows, [45 * mm, width - 65 * mm, 20 * mm]))
    clocks = [c for c in plan.clocks]
    if clocks:
        out += [Paragraph("Notification deadlines", st["h2"]),
                Paragraph("Counted from the moment of awareness unless stated. Switched-off "
                          "deadlines apply only when the incident calls for them.", st["small"]),
                Spacer(1, 1.5 * mm)]
        rows = [header_cells(["Deadline", "Authority", "Due", "Note"])]
        unit_names = {"hours": "hours", "days": "days", "business_days": "business days"}
        for c in clocks:
            due = "immediately" if c.due == 0 else f"{c.due} {unit_names.get(c.unit, c.unit)}"
            if c.starts == "materiality_decision":
                due += " from the materiality decision"
            name = f"<b>{esc(c.name)}</b>" + ("" if c.enabled else
                                              '<br/><font size="7" color="#616e7c">off by '
                                              "default</font>")
            rows.append([Paragraph(name, st["cell"]), Paragraph(esc(c.authority), st["cell"]),
                         Paragraph(esc(due), st["cell"]), Paragraph(esc(c.note), st["cellsmall"])])
        out.append(_grid(rows, [40 * mm, 36 * mm, 26 * mm, width - 102 * mm]))
    return out


def _call_sheet(groups: list | None, plan: Any, width: float, st: dict) -> tuple[list, int]:
    out: list = [PageBreak(), lambda doc: doc.confidential_on()]
    out.append(Paragraph("Call sheet", st["h1"]))
    count = 0
    # Names in full on one line where they fit (a Greek or Polish full name runs long).
    widths = [12 * mm, 48 * mm, 32 * mm, 44 * mm, width - 136 * mm]
    head = header_cells(["Esc.", "Name", "Phone", "Email / IM", "Notes, SLA"])
    if groups:
        out.append(Paragraph("CONFIDENTIAL: personal contact data. Call in escalation order "
                             "(1 first) within each role.", st["small"]))
        for group in groups:
            rows = [head]
            for c in group.contacts:
                count += 1
                reach = esc(c.email) + ("<br/>" + esc(c.im) if c.im else "")
                notes = esc(c.notes) + (("<br/>" if c.notes else "") + "SLA: " + esc(c.sla)
                                        if c.sla else "")
                rows.append([Paragraph(str(c.escalation), st["cell"]),
                             Paragraph(f"<b>{esc(c.name)}</b>", st["cell"]),
                             Paragraph(f'<font name="DejaVuSansMono">{esc(c.phone)}</font>',
                                       st["cell"]),
                             Paragraph(reach, st["cell"]), Paragraph(notes, st["cell"])])
            blank = 0
            if len(rows) == 1:
                blank = BLANK_ROWS_PER_ROLE
                rows += [_blank_row(st) for _ in range(blank)]
            title = esc(group.role_name) + (" <font size=\"8\" color=\"#616e7c\">(outside "
                                            "contact)</font>" if group.external else "")
            out.append(KeepTogether([Paragraph(title, st["h3"]),
                                     _grid(rows, widths, blank_rows=blank)]))
    else:
        out.append(Paragraph("Fill in by hand, and from then on keep this page confidential. "
                             "Escalation: 1 is called first.", st["small"]))
        for role in plan.roles:
            rows = [head] + [_blank_row(st) for _ in range(BLANK_ROWS_PER_ROLE)]
            title = esc(role.name) + (" <font size=\"8\" color=\"#616e7c\">(outside contact)"
                                      "</font>" if role.external else "")
            out.append(KeepTogether([Paragraph(title, st["h3"]),
                                     _grid(rows, widths, blank_rows=BLANK_ROWS_PER_ROLE)]))
    return out, count


def _roster_groups(binder: Binder, plan: Any) -> list | None:
    if not binder.unlocked:
        return None
    from binder.core import roster

    groups = roster.call_sheet(binder, plan)
    return groups if any(g.contacts for g in groups) else None


def _checkpoint_page(binder: Binder, width: float, st: dict) -> list[Flowable]:
    # The paper binder outlives the laptop: the newest checkpoint printed on it lets
    # anyone show later that nothing written before it was removed.
    from binder.core.output.checkpoint_print import printed_checkpoint, time_and_checkpoint

    flow: list[Flowable] = [PageBreak(), Paragraph("Checkpoint of the binder", st["h1"])]
    flow += list(time_and_checkpoint(printed_checkpoint(binder, None, None, None), width))
    return flow


def revision_author_name(binder: Binder, login: str) -> str:
    """Who saved a plan revision, by the full name their certificate states (else the login)."""
    return signers.name_for_login(signers.names_by_login(binder), login)


def build_print_plan(binder: Binder, *, plan_name: str | None = None,
                     include_roster: bool = True, now: str | None = None) -> PrintPlanResult:
    """Build the paper binder PDF (the call sheet is filled when the binder is unlocked)."""
    revision = plans.current_revision(binder, plan_name)
    plan = revision.plan
    st = styles()
    width = PAGE[0] - 2 * MARGIN
    printed = now or utc_now()
    org = binder.meta("org") or ""
    groups = _roster_groups(binder, plan) if include_roster else None
    sheet, count = _call_sheet(groups, plan, width, st)
    story: list = []
    story += _cover(plan, revision, org, printed, width, st, groups is not None,
                    revision_author_name(binder, revision.author))
    story += _roles(plan, width, st)
    story += _raci(plan, width, st)
    story += _phases(plan, width, st)
    story += _prerequisites_and_clocks(plan, width, st)
    story += sheet
    story += _checkpoint_page(binder, width, st)
    decor = PageDecor(
        header_left=f"{org + ' · ' if org else ''}Incident response binder: {plan.name}",
        header_right=f"Plan revision {revision.number} · printed {fmt_time(printed)}",
        footer_left=f"Plan {revision.sha256[:16]}… · print again when the plan or roster changes",
        confidential_label="CONFIDENTIAL" if groups else "CONFIDENTIAL WHEN FILLED IN",
    )
    pdf, doc = render(story, decor, title=f"Incident response binder: {plan.name}",
                      author=org or "Incident Binder",
                      subject=f"Plan {plan.name}, revision {revision.number}")
    return PrintPlanResult(pdf, doc.pages, plan.name, revision.number, count)


def write_print_plan(binder: Binder, path: str | Path, **kwargs) -> PrintPlanResult:
    """Build the paper binder and write it atomically to ``path``."""
    target = check_output_path(path)
    result = build_print_plan(binder, **kwargs)
    atomic_write_bytes(target, result.pdf)
    return result
