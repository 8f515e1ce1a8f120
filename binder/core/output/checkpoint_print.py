"""A checkpoint on paper: its text, a QR code of the same text, and what it means.

The report's verification appendix and the paper binder both print the
checkpoint this way. The text is what a person types in to check the binder
against this earlier state years later; the QR code carries exactly the same
characters for a phone or a scanner (reportlab draws it itself, with error
correction level M, so a creased page still reads). The time in the note is
the maker's computer clock, and the page says so plainly, together with
whether a timestamp authority has anchored it yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from binder.core.checkpoint.anchor import checkpoint_status
from binder.core.checkpoint.note import Checkpoint
from binder.core.checkpoint.store import latest_checkpoint
from binder.core.crypto.signers import SigningSession, name_for_login, names_by_login
from binder.core.output.pdf import FONT_MONO, RULE, esc, styles
from binder.core.storage.database import Binder

QR_SIZE = 46 * mm


def qr_drawing(text: str, size: float = QR_SIZE) -> Drawing:
    """A QR code of ``text`` (UTF-8, error correction M), ``size`` points square."""
    widget = QrCodeWidget(text, barLevel="M", barBorder=2)
    widget.barWidth = size
    widget.barHeight = size
    drawing = Drawing(size, size)
    drawing.add(widget)
    return drawing


def _note_paragraph(note: str) -> Paragraph:
    st = styles()
    lines = []
    for line in note.rstrip("\n").split("\n"):
        # Signature lines are long base64: break them where they may break, in the
        # monospace font, so that what is typed back is exactly what is printed.
        lines.append(esc(line) if line else "&nbsp;")
    return Paragraph("<br/>".join(lines), styles_mono(st))


def styles_mono(st: dict) -> object:
    """A small monospace style for the note, wrapping anywhere (base64 has no spaces)."""
    mono = st["mono"].clone("checkpoint-note", fontName=FONT_MONO, fontSize=6.6, leading=8.2,
                            wordWrap="CJK")
    return mono


def checkpoint_flowables(
    note: str,
    width: float,
    *,
    heading: str,
    who: str,
    status: str,
    qr_size: float = QR_SIZE,
) -> Iterator[Flowable]:
    """The printed checkpoint: heading, explanation, the text beside its QR code.

    ``who`` names maker and witness; ``status`` is "anchored ..." or "pending ...".
    """
    st = styles()
    yield Paragraph(esc(heading), st["h2"])
    yield Paragraph(
        "This short text pins every journal entry and co-signature of every incident in the "
        f"binder at the moment it was signed ({esc(who)}). Keep it: checking the binder "
        "against it (its first three lines typed in, the whole text, or the QR code scanned) "
        "shows whether anything has been removed or changed since.", st["small"])
    yield Spacer(1, 1.5 * mm)
    text_w = width - qr_size - 6 * mm
    table = Table([[_note_paragraph(note), qr_drawing(note, qr_size)]],
                  colWidths=[text_w, qr_size + 6 * mm])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]))
    yield KeepTogether([table])
    yield Spacer(1, 1.5 * mm)
    yield Paragraph(f"<b>Time:</b> {esc(status)}", st["small"])


TIME_NOTE = (
    "<b>About the times in this document.</b> Every time shown was taken from the clock of the "
    "computer that recorded it: the signer's own clock, which nobody else vouches for. A time "
    "becomes trusted when a timestamp authority (RFC 3161) anchors it: Incident Binder sends "
    "each checkpoint, and this report once it is signed, to the authorities set for the binder "
    "as soon as it is online. An anchored "
    "report carries a document timestamp that your PDF reader lists beside the signatures; "
    "until then, treat every time here as the signer's statement."
)


@dataclass(frozen=True)
class PrintedCheckpoint:
    """A checkpoint as a document prints it."""

    note: str
    heading: str
    who: str
    status: str


def _full(session: SigningSession) -> str:
    return session.identity.name or session.person  # as the certificate states it


def printed_checkpoint(binder: Binder, fresh: Checkpoint | None, maker: SigningSession | None,
                       witness: SigningSession | None) -> PrintedCheckpoint | None:
    """The checkpoint to print: the one made now, else the binder's newest, else None."""
    if fresh is not None and maker is not None:
        who = (f"made by {_full(maker)}"
               + (f", witnessed by {_full(witness)}" if witness else ""))
        return PrintedCheckpoint(fresh.text(), "Checkpoint made at this sign-off", who,
                                 "pending: not yet anchored by a timestamp authority; its time is "
                                 "the maker's computer clock")
    newest = latest_checkpoint(binder)
    if newest is None:
        return None
    names = names_by_login(binder)  # as their certificates name them
    who = f"made by {name_for_login(names, newest.maker)}" + (
        f", witnessed by {name_for_login(names, newest.witness)}" if newest.witness else "")
    return PrintedCheckpoint(newest.note, f"Newest checkpoint of the binder (checkpoint {newest.id})",
                             who, checkpoint_status(binder, newest))


def time_and_checkpoint(printed: PrintedCheckpoint | None, width: float) -> Iterator[Flowable]:
    """What a document says about its times, then the checkpoint (when there is one)."""
    st = styles()
    yield Paragraph(TIME_NOTE, st["small"])
    yield Spacer(1, 2 * mm)
    if printed is None:
        yield Paragraph("No checkpoint has been made in this binder yet: make one at every "
                        "hand-over (a checkpoint signed by two people) and keep its text "
                        "outside the binder.", st["small"])
        return
    yield from checkpoint_flowables(printed.note, width, heading=printed.heading, who=printed.who,
                                    status=printed.status)
