"""A regulator form as a PDF: the one page to read out, send or keep with the submission.

The content is the form of :mod:`binder.core.incident.notices` as filled in;
every user value is escaped, times are in UTC with the stated local time, and
a drill says so on every page. The file is written atomically.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from binder.core import times
from binder.core.incident import notices
from binder.core.incident.record import get_incident
from binder.core.output.pdf import MARGIN, PAGE, PageDecor, esc, fmt_time, grid, render, styles
from binder.core.storage.database import Binder, utc_now
from binder.core.storage.files import atomic_write_bytes, check_output_path


@dataclass(frozen=True)
class NoticeResult:
    """What was written."""

    pdf: bytes
    pages: int


def _multiline(text: str) -> str:
    return esc(text).replace("\r\n", "\n").replace("\n", "<br/>")


def build_notice(binder: Binder, incident_id: int | str, form_key: str,
                 values: Mapping[str, str], *, now: str | None = None) -> NoticeResult:
    """The filled form as PDF bytes."""
    form = notices.get_form(form_key)
    checked = notices.check_values(form, values)
    incident = get_incident(binder, incident_id)
    prepared = now or utc_now()
    org = binder.meta("org") or ""
    st = styles()
    width = PAGE[0] - 2 * MARGIN
    story: list[Flowable] = [
        Paragraph(esc(form.title), st["h1"]),
        Paragraph(f"To: <b>{esc(form.authority)}</b> · under {esc(form.basis)}", st["body"]),
        Paragraph(f"Incident: {esc(incident.title)} · prepared {fmt_time(prepared)} from the "
                  "signed incident journal", st["small"]),
        Spacer(1, 4 * mm),
    ]
    rows = []
    for f in form.fields:
        label = f"<b>{esc(f.label)}</b>"
        if f.basis:
            label += f'<br/><font size="7" color="#616e7c">{esc(f.basis)}</font>'
        value = checked.get(f.key, "")
        shown = _multiline(value) if value else f'<font color="#616e7c">{esc(f.empty)}</font>'
        rows.append([Paragraph(label, st["cell"]), Paragraph(shown, st["cell"])])
    story.append(grid(rows, [52 * mm, width - 52 * mm], header=False))
    story.append(Spacer(1, 4 * mm))
    story.append(KeepTogether([
        Paragraph("Submission", st["h3"]),
        Paragraph("Sent on ____________ at ______ (time zone ______) by ________________ via "
                  "__________________; reference number ____________________. Record it in the "
                  "binder as the notification that answers this deadline.", st["small"]),
    ]))
    decor = PageDecor(
        header_left=f"{org + ' · ' if org else ''}{form.title}",
        header_right=f"Prepared {times.document_time(prepared)}",
        footer_left=f"Incident {incident.id} · {incident.title}"[:120],
        drill=incident.drill,
    )
    pdf, doc = render(story, decor, title=form.title, author=org or "Incident Binder",
                      subject=f"{form.title}: {incident.title}")
    return NoticeResult(pdf, doc.pages)


def write_notice(binder: Binder, incident_id: int | str, form_key: str,
                 values: Mapping[str, str], path: str | Path, *,
                 now: str | None = None) -> NoticeResult:
    """Build the filled form and write it atomically to ``path``."""
    target = check_output_path(path)
    result = build_notice(binder, incident_id, form_key, values, now=now)
    atomic_write_bytes(target, result.pdf)
    return result
