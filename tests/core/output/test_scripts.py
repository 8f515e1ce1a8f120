"""Every script in the PDFs: drawn with embedded fonts, read back as text by poppler."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

from reportlab.platypus import Paragraph

from binder.core.output import pdf, scripts

LATIN, GREEK, CYRILLIC, CJK = "Łukasz Wróblewski", "Ελένη Παπαδοπούλου", "Дмитрий Иванов", "山田 太郎"
ARABIC, HEBREW = "مريم العلي", "דוד כהן"
NAMES = (LATIN, GREEK, CYRILLIC, CJK, ARABIC, HEBREW)


def pdftotext(path: Path) -> str:
    """The PDF's text as poppler reads it, presentation forms folded (NFKC)."""
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    return unicodedata.normalize("NFKC", out)


def pdffonts(path: Path) -> list[tuple[str, str]]:
    """(font name, embedded yes/no) for every font poppler finds, annotations included."""
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # name type... encoding emb sub uni object ID: emb is the fifth column from the end
        rows.append((parts[0], parts[-5]))
    return rows


def all_embedded(path: Path) -> bool:
    fonts = pdffonts(path)
    return bool(fonts) and all(emb == "yes" for _, emb in fonts)


def render_names(tmp_path: Path) -> Path:
    st = pdf.styles()
    story = [Paragraph(pdf.esc(name), st["body"]) for name in NAMES]
    story += [Paragraph("<b>Signed by</b> " + pdf.esc(name), st["cell"]) for name in NAMES]
    data, _ = pdf.render(story, pdf.PageDecor(f"Header {CJK}", HEBREW, f"Footer {GREEK}"),
                         title="scripts", author=LATIN)
    path = tmp_path / "scripts.pdf"
    path.write_bytes(data)
    return path


def test_every_script_is_searchable_text_in_embedded_fonts(tmp_path):
    path = render_names(tmp_path)
    text = pdftotext(path)
    for name in NAMES:
        assert name in text, name
    fonts = pdffonts(path)
    assert all_embedded(path), fonts
    # CJK comes from the bundled fallback, everything else from DejaVu; no standard
    # (unembedded) font such as Helvetica sneaks in through the page preamble.
    assert {name.split("+")[-1] for name, _ in fonts} == {
        "DejaVuSans", "DejaVuSans-Bold", "DroidSansFallback"}


def test_arabic_is_joined_and_right_to_left_hebrew_reversed_latin_untouched():
    drawn = scripts.visual(ARABIC)
    # Joined letters (presentation forms), drawn from right to left: the first letter
    # of the name (meem, initial form) is the last glyph on the line.
    assert drawn != ARABIC and drawn[-1] == "\ufee3"
    assert unicodedata.normalize("NFKC", drawn)[::-1].replace("\u00a0", " ") == ARABIC
    assert scripts.visual(HEBREW).replace("\u00a0", " ") == HEBREW[::-1]
    # Left-to-right text around a right-to-left name keeps its order.
    mixed = scripts.visual(f"Signed by {HEBREW} (Legal)")
    assert mixed.startswith("Signed by ") and mixed.endswith(" (Legal)")
    for text in (LATIN, GREEK, CYRILLIC, CJK, "a < b & c"):
        assert scripts.visual(text) == text


def test_a_long_right_to_left_passage_breaks_only_between_whole_pieces():
    words = [f"{HEBREW}{i}" for i in range(30)]
    drawn = scripts.visual(" ".join(words))
    pieces = drawn.split(" ")
    assert len(pieces) > 1
    assert all(len(p) <= scripts.RTL_PIECE + 12 for p in pieces)


def test_user_text_stays_text_in_every_script():
    # The font switch is markup we add; what the user typed is still escaped.
    marked = pdf.esc(f"<font name='Courier'>{CJK}</font> & <img src=x>")
    assert "&lt;font name=&#x27;Courier&#x27;&gt;" in marked or "&lt;font name='Courier'&gt;" in marked
    assert f'<font name="{pdf.FONT_FALLBACK}">{CJK}</font>' in marked
    assert "&lt;img src=x&gt;" in marked


def test_a_drawing_names_no_unembedded_font(tmp_path):
    # reportlab's graphics state starts in Helvetica; timelines and QR codes must not.
    from reportlab.graphics.shapes import Drawing, Rect

    drawing = Drawing(100, 40)
    drawing.add(Rect(0, 0, 10, 10))
    data, _ = pdf.render([drawing], pdf.PageDecor("a", "b", "c"), title="d", author="a")
    path = tmp_path / "drawing.pdf"
    path.write_bytes(data)
    assert all_embedded(path), pdffonts(path)


def test_a_table_names_no_unembedded_font(tmp_path):
    st = pdf.styles()
    table = pdf.grid([[Paragraph("a", st["cell"]), Paragraph(CJK, st["cell"])]], [100, 100])
    data, _ = pdf.render([table], pdf.PageDecor("a", "b", "c"), title="t", author="a")
    path = tmp_path / "table.pdf"
    path.write_bytes(data)
    assert all_embedded(path), pdffonts(path)
