"""The reportlab layer shared by the incident report and the paper binder: fonts,
colours, paragraph styles, escaping, tables, and the page template.

Three things here matter beyond looks:

* :func:`esc` is the only way user text enters Paragraph markup. reportlab's
  mini-language would otherwise read files (``<img src=...>``) and restyle text
  (``<font ...>``); escaped, such text prints exactly as typed.
* :func:`esc` and :func:`draw_text` also draw every script: right-to-left
  stretches in the order they are read and Arabic joined
  (:mod:`binder.core.output.scripts`), and characters DejaVu lacks (CJK) in the
  bundled fallback font, switched per character run. Text stays text, so
  readers search it and copy it.
* :class:`LazyStory` feeds platypus from a generator, so a 10k-entry journal
  never exists as 10k flowables at once.
* "Page X of Y" is drawn in one pass: every page references a form XObject
  that is filled with the total only after the last page.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from binder.core import times
from binder.core.errors import Cancelled, NotFound
from binder.core.output import scripts
from binder.core.resources import resources_dir

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"
FONT_MONO = "DejaVuSansMono"
#: Characters DejaVu lacks (Chinese, Japanese, Korean) come from this font: Droid
#: Sans Fallback, Apache-2.0, one TrueType file (reportlab embeds TrueType only).
FONT_FALLBACK = "DroidSansFallback"
_FONT_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
    FONT_MONO: "DejaVuSansMono.ttf",
}
_FALLBACK_FILE = "DroidSansFallbackFull.ttf"

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#cbd2d9")
ACCENT = colors.HexColor("#1d4e89")
SHADE = colors.HexColor("#f0f4f8")
GOOD = colors.HexColor("#2f7d32")
BAD = colors.HexColor("#b3261e")
WARN = colors.HexColor("#a15c00")
DRILL_RED = colors.HexColor("#c62828")

PAGE = A4
MARGIN = 18 * mm


def _font_path(filename: str):
    folder = resources_dir() / "fonts"
    path = folder / filename
    if not path.is_file():
        raise NotFound(
            f"the bundled font {filename} is missing ({folder}); the installation is "
            "incomplete, reinstall it"
        )
    return path


def register_fonts() -> None:
    """Register the bundled DejaVu fonts with reportlab (once per process)."""
    # Drawings (timelines, QR codes) start from reportlab's graphics defaults, whose font
    # is Helvetica: named before any shape, it would be in the PDF, unembedded.
    from reportlab.graphics import shapes

    shapes.STATE_DEFAULTS["fontName"] = FONT
    # Likewise every table cell starts in Helvetica before its paragraph sets its own font.
    from reportlab.platypus import tables

    tables.CellStyle.fontname = FONT
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for name, filename in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(_font_path(filename))))
    # No bold-oblique is bundled; bold reads better than a fake slant.
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC,
                                  boldItalic=FONT_BOLD)
    pdfmetrics.registerFontFamily(FONT_MONO, normal=FONT_MONO, bold=FONT_MONO,
                                  italic=FONT_MONO, boldItalic=FONT_MONO)


@functools.cache
def _fallback_font() -> TTFont:
    # Loaded on first need: reading the 4 MB CJK font costs more than most documents'
    # whole layout, and most documents never need it.
    register_fonts()
    font = TTFont(FONT_FALLBACK, str(_font_path(_FALLBACK_FILE)))
    pdfmetrics.registerFont(font)
    return font


@functools.cache
def _main_chars() -> frozenset[int]:
    register_fonts()
    return frozenset(pdfmetrics.getFont(FONT).face.charToGlyph)


def _covered(ch: str) -> bool:
    return ord(ch) in _main_chars()


def _in_fallback(ch: str) -> bool:
    return ord(ch) in _fallback_font().face.charToGlyph


def text_runs(text: str) -> list[tuple[str | None, str]]:
    """``text`` as drawn: right-to-left stretches in visual order, cut into (font, stretch)
    pairs where font is :data:`FONT_FALLBACK` for what DejaVu cannot draw, else None
    (the surrounding font)."""
    drawn = scripts.visual(text)
    return [(FONT_FALLBACK if fallback else None, part)
            for fallback, part in scripts.runs(drawn, _covered, _in_fallback)]


def esc(text: object) -> str:
    """User text made safe for Paragraph markup, in every script; line breaks are kept."""
    if text is None:
        return ""
    value = str(text).replace("\r\n", "\n").replace("\r", "\n")
    parts = []
    for font, part in text_runs(value):
        safe = escape(part)
        parts.append(f'<font name="{font}">{safe}</font>' if font else safe)
    # Line breaks and tabs would otherwise collapse into single spaces.
    return "".join(parts).replace("\n", "<br/>").replace("\t", "&nbsp;&nbsp;&nbsp;&nbsp;")


def text_width(text: str, font: str, size: float) -> float:
    """The width of ``text`` drawn by :func:`draw_text`, in points."""
    return sum(pdfmetrics.stringWidth(part, run_font or font, size)
               for run_font, part in text_runs(text))


def draw_text(canv, x: float, y: float, text: str, font: str, size: float, *,
              align: str = "left") -> float:
    """Draw one line of ``text`` on a canvas in every script (see :func:`text_runs`);
    ``align`` is left, right or centre around ``x``. Returns the width drawn."""
    parts = text_runs(text)
    width = sum(pdfmetrics.stringWidth(p, f or font, size) for f, p in parts)
    if align == "right":
        x -= width
    elif align == "centre":
        x -= width / 2
    for run_font, part in parts:
        canv.setFont(run_font or font, size)
        canv.drawString(x, y, part)
        x += pdfmetrics.stringWidth(part, run_font or font, size)
    canv.setFont(font, size)
    return width


def fmt_time(iso: str | None, *, seconds: bool | None = False) -> str:
    """A stored time for a document, as markup: UTC, then the stated local time with its offset.

    ``2026-11-29 06:58 UTC (07:58 UTC+01:00)``; a time stored in UTC alone
    reads ``2026-11-29 06:58 UTC``. Empty for None.
    """
    if not iso:
        return ""
    return escape(times.document_time(iso, seconds=seconds))


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles both documents use (built once; treat them as read-only)."""
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, textColor=INK)
    out = {
        "body": base,
        "para": ParagraphStyle("para", parent=base, spaceAfter=4),
        "cellhead": ParagraphStyle("cellhead", parent=base, fontSize=7.5, leading=9.5),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "cellright": ParagraphStyle("cellright", parent=base, fontSize=8.5, leading=10.5,
                                    alignment=TA_RIGHT),
        "cellb": ParagraphStyle("cellb", parent=base, fontName=FONT_BOLD, fontSize=8.5,
                                leading=10.5),
        "celltime": ParagraphStyle("celltime", parent=base, fontSize=7.5, leading=10),
        "cellsmall": ParagraphStyle("cellsmall", parent=base, fontSize=7.5, leading=9,
                                    textColor=MUTED),
        "mono": ParagraphStyle("mono", parent=base, fontName=FONT_MONO, fontSize=8, leading=10),
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20,
                             spaceBefore=4, spaceAfter=8, textColor=ACCENT, keepWithNext=1),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=12, leading=15,
                             spaceBefore=10, spaceAfter=4, textColor=ACCENT, keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13,
                             spaceBefore=6, spaceAfter=2, keepWithNext=1),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=24,
                                leading=30, textColor=INK, spaceAfter=6),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=13, leading=17,
                                   textColor=MUTED, spaceAfter=16),
        "drill": ParagraphStyle("drill", parent=base, fontName=FONT_BOLD, fontSize=14,
                                leading=18, textColor=colors.white, alignment=TA_CENTER),
        "entry": ParagraphStyle("entry", parent=base, fontSize=9.5, leading=11.8, leftIndent=10,
                                firstLineIndent=-10, spaceBefore=5),
        "bullet": ParagraphStyle("bullet", parent=base, leftIndent=20, firstLineIndent=-8,
                                 spaceAfter=1),
    }
    return out


def header_cells(labels: Iterable[str], style: str = "cell") -> list[Paragraph]:
    """A table's header row: white bold labels (escaped) for the accent background."""
    return [Paragraph(f'<font color="white"><b>{esc(label)}</b></font>', styles()[style])
            for label in labels]


def grid(rows: list[list], widths: list[float], *, header: bool = True, zebra: bool = True,
         header_rule: bool = False, row_heights: list | None = None,
         extra: list | None = None) -> Table:
    """A table in the house look: top-aligned cells, thin rules, an accent header row that
    repeats on every page, zebra rows. ``extra`` adds TableStyle commands."""
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, rowHeights=row_heights)
    cmds = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        cmds.append(("BACKGROUND", (0, 0), (-1, 0), ACCENT))
    if header and header_rule:
        cmds.append(("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT))
    if zebra:
        cmds.append(("ROWBACKGROUNDS", (0, 1 if header else 0), (-1, -1), [colors.white, SHADE]))
    table.setStyle(TableStyle(cmds + (extra or [])))
    return table


class LazyStory:
    """A list-like front over a flowable generator, as much as platypus needs.

    Platypus treats its story as a list it consumes from the front (index 0,
    ``del``, inserting split parts back). Only a small window is materialised;
    ``len`` is non-zero exactly while flowables remain.
    """

    WINDOW = 48  # enough for any keep-with-next run in our documents

    def __init__(self, flowables: Iterable[Flowable]):
        self._source: Iterator[Flowable] = iter(flowables)
        self._buffer: list[Flowable] = []
        self._done = False

    def _fill(self, n: int) -> None:
        while len(self._buffer) < n and not self._done:
            try:
                self._buffer.append(next(self._source))
            except StopIteration:
                self._done = True

    def __len__(self) -> int:
        self._fill(self.WINDOW)
        return len(self._buffer)

    def __getitem__(self, index):
        if isinstance(index, slice):
            stop = index.stop if index.stop is not None else self.WINDOW
            self._fill(stop)
        else:
            self._fill(index + 1)
        return self._buffer[index]

    def __setitem__(self, index, value) -> None:
        self._buffer[index] = value

    def __delitem__(self, index) -> None:
        if isinstance(index, slice):
            self._fill(index.stop if index.stop is not None else self.WINDOW)
        else:
            self._fill(index + 1)
        del self._buffer[index]

    def insert(self, index: int, value: Flowable) -> None:
        """Put a flowable back (platypus does this with split parts)."""
        self._buffer.insert(index, value)


class Marker(Flowable):
    """A zero-size flowable that runs a callback with the canvas when placed."""

    def __init__(self, callback: Callable[[object], None]):
        super().__init__()
        self.callback = callback
        self.width = self.height = 0

    def wrap(self, availWidth, availHeight):  # noqa: N803 - reportlab's names
        return 0, 0

    def draw(self) -> None:
        self.callback(self.canv)


@dataclass(frozen=True)
class PageDecor:
    """What every page carries around its content."""

    header_left: str
    header_right: str
    footer_left: str
    drill: bool = False
    confidential_label: str = "CONFIDENTIAL"


class DecoratedDoc(BaseDocTemplate):
    """A one-frame document with header, footer, "Page X of Y" and optional marks.

    ``confidential_on()``/``confidential_off()`` bracket content (via
    :class:`Marker`) whose pages must say CONFIDENTIAL; a drill puts DRILL on
    every page.
    """

    TOTAL_FORM = "ibPageTotal"

    def __init__(self, buffer: io.BytesIO, decor: PageDecor, *, title: str, author: str,
                 subject: str = "", pagesize=PAGE):
        register_fonts()
        super().__init__(
            buffer, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN,
            topMargin=MARGIN + 6 * mm, bottomMargin=MARGIN + 4 * mm, title=title,
            author=author, subject=subject, creator="Incident Binder", producer="Incident Binder",
            # Every page's preamble names the canvas's first font; reportlab's default is
            # Helvetica, a font no PDF embeds. DejaVu keeps every font in the file.
            initialFontName=FONT, initialFontSize=9.5, initialLeading=12.5,
        )
        self.decor = decor
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate("page", [frame], onPage=self._page_begin,
                                            onPageEnd=self._page_end)])
        self._confidential = False
        self._confidential_page = False
        self.pages = 0

    # Callbacks used through Marker flowables.
    def confidential_on(self, _canvas=None) -> None:
        """From here on, pages carry the confidential mark."""
        self._confidential = True
        self._confidential_page = True

    def confidential_off(self, _canvas=None) -> None:
        """Content after this no longer needs the mark (the current page keeps it)."""
        self._confidential = False

    def _page_begin(self, canv, doc) -> None:
        self.pages = doc.page
        self._confidential_page = self._confidential
        width, height = self.pagesize
        if self.decor.drill:
            canv.saveState()
            canv.setFillColor(DRILL_RED)
            canv.setFillAlpha(0.09)
            canv.setFont(FONT_BOLD, 120)
            canv.translate(width / 2, height / 2)
            canv.rotate(35)
            canv.drawCentredString(0, -40, "DRILL")
            canv.restoreState()

    def _page_end(self, canv, doc) -> None:
        width, height = self.pagesize
        left, right = self.leftMargin, width - self.rightMargin
        top = height - MARGIN + 2 * mm
        canv.saveState()
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(left, top - 4 * mm, right, top - 4 * mm)
        canv.setFillColor(MUTED)
        canv.setFont(FONT, 7.5)
        right_text = self.decor.header_right
        right_w = text_width(right_text, FONT, 7.5)
        draw_text(canv, right, top - 2.5 * mm, right_text, FONT, 7.5, align="right")
        marks = []
        if self.decor.drill:
            marks.append("DRILL")
        if self._confidential_page:
            marks.append(self.decor.confidential_label)
        mark_text = "  ".join(marks)
        mark_w = canv.stringWidth(mark_text, FONT_BOLD, 8) + 8 if mark_text else 0
        room = right - left - right_w - mark_w - 12
        draw_text(canv, left + mark_w, top - 2.5 * mm,
                  fit_text(canv, self.decor.header_left, FONT, 7.5, room), FONT, 7.5)
        if mark_text:
            canv.setFillColor(DRILL_RED if self.decor.drill else BAD)
            canv.setFont(FONT_BOLD, 8)
            canv.drawString(left, top - 2.5 * mm, mark_text)
        bottom = MARGIN - 2 * mm
        canv.setStrokeColor(RULE)
        canv.line(left, bottom + 4 * mm, right, bottom + 4 * mm)
        canv.setFillColor(MUTED)
        canv.setFont(FONT, 7.5)
        # "Page X of " now; the total goes into a form filled after the last page.
        total_w = canv.stringWidth("9999", FONT, 7.5)
        prefix = f"Page {doc.page} of "
        prefix_w = canv.stringWidth(prefix, FONT, 7.5)
        x = right - total_w - prefix_w
        end = x - 12
        if self._confidential_page:
            canv.setFillColor(BAD)
            canv.setFont(FONT_BOLD, 8)
            canv.drawRightString(end, bottom, self.decor.confidential_label)
            end -= canv.stringWidth(self.decor.confidential_label, FONT_BOLD, 8) + 12
            canv.setFillColor(MUTED)
            canv.setFont(FONT, 7.5)
        draw_text(canv, left, bottom, fit_text(canv, self.decor.footer_left, FONT, 7.5, end - left),
                  FONT, 7.5)
        canv.drawString(x, bottom, prefix)
        canv.translate(x + prefix_w, bottom)
        canv.doForm(self.TOTAL_FORM)
        canv.restoreState()

    def finish(self) -> None:
        """Fill the page-total form and write the file (after ``build`` with saving held)."""
        canv = self.canv
        canv.beginForm(self.TOTAL_FORM)
        canv.setFont(FONT, 7.5)
        canv.setFillColor(MUTED)
        canv.drawString(0, 0, str(self.pages))
        canv.endForm()
        canv.save()


def fit_text(canv, text: str, font: str, size: float, width: float) -> str:
    """Shorten ``text`` with an ellipsis so it fits ``width`` points (as :func:`draw_text`
    draws it)."""
    if text_width(text, font, size) <= width:
        return text
    while text and text_width(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def render(flowables: Iterable[Flowable], decor: PageDecor, *, title: str, author: str,
           subject: str = "", pagesize=PAGE) -> tuple[bytes, DecoratedDoc]:
    """Lay out a (lazily generated) story into PDF bytes."""
    buffer = io.BytesIO()
    doc = DecoratedDoc(buffer, decor, title=title, author=author, subject=subject,
                       pagesize=pagesize)
    doc._doSave = 0  # hold the save until the page total is known
    doc.build(LazyStory(_bind(flowables, doc)))
    doc.finish()
    return buffer.getvalue(), doc


def _bind(flowables: Iterable, doc: DecoratedDoc) -> Iterator[Flowable]:
    # Story generators may yield callables that need the document (marks).
    for item in flowables:
        yield Marker(lambda canv, fn=item: fn(doc)) if callable(item) and not isinstance(
            item, Flowable) else item


def checker(cancelled: Callable[[], bool] | None) -> Callable[[], None]:
    """A function that raises :class:`Cancelled` once ``cancelled()`` is true."""

    def check() -> None:
        if cancelled is not None and cancelled():
            raise Cancelled("cancelled; no file was written")

    return check
