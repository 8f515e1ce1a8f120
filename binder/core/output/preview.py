"""Pages of a PDF as pixels, for the app's preview before anyone signs.

PDFium (through pypdfium2, a small, well-kept binding shipping its own
library) renders one page at a time into a plain RGB buffer; the app wraps it
in a QImage. Nothing here imports Qt, and nothing runs a program or writes a
file, so a preview works in the packaged app exactly as in development. Each
call opens the document itself: the renderer is used from one worker thread
at a time, never shared.

Why pypdfium2 and not Qt's own PDF module: see docs/PACKAGING.md (both
render with PDFium; this one does not tie the app to the exact Qt release
and keeps Qt's network library out of the package).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from binder.core.errors import BadInput
from binder.core.storage.files import MAX_REPORT_BYTES, read_input_file

#: The widest page image a preview asks for (pixels); wider requests are clamped.
MAX_WIDTH = 2400


@dataclass(frozen=True)
class PageImage:
    """One rendered page: ``height`` rows of ``stride`` bytes, RGB, 8 bits a channel."""

    number: int  # 1-based
    pages: int  # how many pages the document has
    width: int
    height: int
    stride: int
    rgb: bytes


def _open(pdf: bytes | Path):
    import pypdfium2 as pdfium

    # Bounded, and a FIFO or device put in the file's place is refused unread.
    source = pdf if isinstance(pdf, bytes) else read_input_file(
        pdf, what="PDF", limit=MAX_REPORT_BYTES)
    try:
        return pdfium.PdfDocument(source)
    except pdfium.PdfiumError:
        raise BadInput("the file is not a PDF that can be shown; open it in a PDF reader") from None


def page_count(pdf: bytes | Path) -> int:
    """How many pages the PDF has."""
    doc = _open(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def render_page(pdf: bytes | Path, number: int, width: int) -> PageImage:
    """Page ``number`` (1-based) of ``pdf`` rendered ``width`` pixels wide, with its
    signature boxes and form fields drawn as a reader shows them."""
    doc = _open(pdf)
    try:
        pages = len(doc)
        if not 1 <= number <= pages:
            raise BadInput(f"the document has pages 1 to {pages}; there is no page {number}")
        page = doc[number - 1]
        try:
            page_width, _ = page.get_size()
            scale = min(max(width, 50), MAX_WIDTH) / page_width
            bitmap = page.render(scale=scale, may_draw_forms=True, rev_byteorder=True)
            try:
                rgb = bytes(bitmap.buffer)
                return PageImage(number, pages, bitmap.width, bitmap.height, bitmap.stride, rgb)
            finally:
                bitmap.close()
        finally:
            page.close()
    finally:
        doc.close()
