"""Text in every script for documents drawn glyph by glyph (reportlab, signature stamps).

A PDF page does not lay out text: whoever writes it chooses each glyph and its
place. Two things a text engine (Qt, a browser) would do are done here:

* **Right-to-left scripts** (Arabic, Hebrew) are stored in reading order and
  must be drawn right to left. Each stretch of right-to-left text is put in
  the order it is seen (the Unicode bidirectional algorithm, python-bidi), and
  Arabic letters take the shape their neighbours call for (initial, medial,
  final; lam-alef ligatures: arabic-reshaper), so a name reads joined, not as
  isolated, reversed letters. Left-to-right text around it keeps its order.
* **Fonts**: no single free TrueType font covers Latin, Greek, Cyrillic,
  Arabic, Hebrew and CJK. :func:`runs` cuts text into stretches that one font
  can draw, so the reportlab layer can switch to the fallback font for them.

The stored and signed text is never changed: this is only how it is drawn.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator

#: Bidirectional classes of letters written right to left.
_RTL_CLASSES = frozenset(("R", "AL"))
#: Classes that may sit inside a right-to-left stretch without ending it (spaces,
#: digits, punctuation and other neutrals between two right-to-left letters).
_INNER_CLASSES = frozenset(("EN", "AN", "ES", "ET", "CS", "NSM", "BN", "WS", "ON"))
#: A right-to-left stretch longer than this is drawn in pieces of about this many
#: characters, each kept whole, so a line break never cuts a word in the middle of
#: a reversed piece (see :func:`visual`).
RTL_PIECE = 40
NBSP = "\u00a0"


def has_rtl(text: str) -> bool:
    """True when ``text`` holds a letter written right to left."""
    return not text.isascii() and any(unicodedata.bidirectional(ch) in _RTL_CLASSES
                                      for ch in text)


def _rtl_spans(line: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each stretch that begins and ends with a right-to-left letter."""
    i, n = 0, len(line)
    while i < n:
        if unicodedata.bidirectional(line[i]) not in _RTL_CLASSES:
            i += 1
            continue
        start = end = i
        j = i + 1
        while j < n:
            cls = unicodedata.bidirectional(line[j])
            if cls in _RTL_CLASSES:
                end = j
            elif cls not in _INNER_CLASSES:
                break
            j += 1
        yield start, end + 1
        i = end + 1


def _pieces(words: list[str]) -> Iterator[str]:
    piece: list[str] = []
    size = 0
    for word in words:
        if piece and size + len(word) > RTL_PIECE:
            yield " ".join(piece)
            piece, size = [], 0
        piece.append(word)
        size += len(word) + 1
    if piece:
        yield " ".join(piece)


def _visual_stretch(stretch: str) -> str:
    from arabic_reshaper import reshape
    from bidi import get_display

    shaped = reshape(stretch)
    # Each piece is reversed on its own and held together by no-break spaces: a
    # line may then break only between pieces, which keeps every piece readable.
    return " ".join(get_display(piece, base_dir="R").replace(" ", NBSP)
                    for piece in _pieces(shaped.split(" ")))


def visual(text: str) -> str:
    """``text`` with each right-to-left stretch in the order it is drawn, Arabic shaped.

    Left-to-right text is returned unchanged (and quickly); line breaks stay where
    they are.
    """
    if not has_rtl(text):
        return text
    out = []
    for line in text.split("\n"):
        spans = list(_rtl_spans(line))
        if not spans:
            out.append(line)
            continue
        parts, last = [], 0
        for start, end in spans:
            parts += [line[last:start], _visual_stretch(line[start:end])]
            last = end
        parts.append(line[last:])
        out.append("".join(parts))
    return "\n".join(out)


def runs(text: str, covered: Callable[[str], bool], fallback: Callable[[str], bool]
         ) -> list[tuple[bool, str]]:
    """``text`` cut into (needs the fallback font, stretch) pairs.

    A character goes to the fallback when the main font lacks it (``covered``)
    and the fallback has it; spaces and marks stay with the stretch they are in.
    """
    if text.isascii():
        return [(False, text)] if text else []
    out: list[tuple[bool, str]] = []
    for ch in text:
        if ch.isspace() or unicodedata.combining(ch):
            use = out[-1][0] if out else False
        else:
            use = not covered(ch) and fallback(ch)
        if out and out[-1][0] == use:
            out[-1] = (use, out[-1][1] + ch)
        else:
            out.append((use, ch))
    return out
