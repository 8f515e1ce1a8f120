"""Draw the Incident Binder icon set into resources/icons/.

Run from the repository root with the project's venv:

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py

The outputs are committed, so a build never needs to run this; rerun it only
when the drawing changes. The motif: a ring binder (the physical incident
binder) with a signal-orange shield and check mark (signed, verified).
Small sizes drop the fine detail, because at 16 px rings and page lines
blur into grey noise.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "icons"
NAME = "incident-binder"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512)

NAVY = QColor("#1f3a5f")
NAVY_DARK = QColor("#142841")
PAGE = QColor("#f4f1ea")
LINE = QColor("#a9b4c2")
RING = QColor("#c9ced6")
ORANGE = QColor("#e8590c")
WHITE = QColor("#ffffff")


def _shield(cx: float, top: float, w: float, h: float) -> QPainterPath:
    # A heater shield: straight top, sides curving into a point at the bottom.
    path = QPainterPath()
    left, right, bottom = cx - w / 2, cx + w / 2, top + h
    path.moveTo(left, top)
    path.lineTo(right, top)
    path.lineTo(right, top + h * 0.42)
    path.cubicTo(right, top + h * 0.78, cx + w * 0.18, top + h * 0.9, cx, bottom)
    path.cubicTo(cx - w * 0.18, top + h * 0.9, left, top + h * 0.78, left, top + h * 0.42)
    path.closeSubpath()
    return path


def draw(painter: QPainter, size: int) -> None:
    """Paint the icon on a ``size`` x ``size`` surface (drawn on a 512-unit grid)."""
    detailed = size >= 32
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 512, size / 512)
    painter.setPen(Qt.PenStyle.NoPen)

    # Background tile: small sizes use the whole square so the shape reads at 16 px.
    margin = 24 if detailed else 0
    painter.setBrush(NAVY)
    painter.drawRoundedRect(QRectF(margin, margin, 512 - 2 * margin, 512 - 2 * margin), 96, 96)

    # Binder cover and page.
    cover = QRectF(104, 72, 300, 368)
    painter.setBrush(NAVY_DARK)
    painter.drawRoundedRect(cover.adjusted(-8, -8, 8, 8), 28, 28)
    painter.setBrush(PAGE)
    painter.drawRoundedRect(cover, 22, 22)

    if detailed:
        # Ruled lines: the journal.
        painter.setPen(QPen(LINE, 14, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        for i, y in enumerate(range(142, 330, 46)):
            painter.drawLine(QPointF(190, y), QPointF(364 - (60 if i % 2 else 0), y))
        painter.setPen(Qt.PenStyle.NoPen)
        # Three binder rings on the spine.
        for y in (136, 256, 376):
            painter.setBrush(NAVY_DARK)
            painter.drawEllipse(QPointF(140, y), 22, 22)
            painter.setPen(QPen(RING, 12))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawArc(QRectF(96, y - 30, 60, 60), 90 * 16, 180 * 16)
            painter.setPen(Qt.PenStyle.NoPen)
    else:
        painter.setBrush(NAVY_DARK)
        painter.drawRect(QRectF(104, 72, 70, 368))

    # Shield with check mark, overlapping the page's lower right corner.
    shield = _shield(cx=340, top=236, w=220, h=250) if detailed else _shield(cx=318, top=196, w=300, h=300)
    painter.setPen(QPen(WHITE, 16 if detailed else 24))
    painter.setBrush(ORANGE)
    painter.drawPath(shield)
    check = QPainterPath()
    if detailed:
        check.moveTo(284, 350)
        check.lineTo(326, 392)
        check.lineTo(400, 304)
    else:
        check.moveTo(232, 318)
        check.lineTo(294, 380)
        check.lineTo(404, 262)
    painter.setPen(QPen(WHITE, 30 if detailed else 52, Qt.PenStyle.SolidLine,
                        Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(check)


def render(size: int) -> QImage:
    """The icon as a transparent ARGB image of ``size`` pixels."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        draw(painter, size)
    finally:
        painter.end()
    return image


def _to_pil(image: QImage) -> Image.Image:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return Image.open(io.BytesIO(bytes(data))).convert("RGBA")


def main() -> int:
    """Write every PNG size, the Windows .ico and the macOS .icns."""
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    images = {size: render(size) for size in sorted(set(PNG_SIZES) | set(ICO_SIZES) | set(ICNS_SIZES))}
    for size in PNG_SIZES:
        target = OUT / f"{NAME}-{size}.png"
        if not images[size].save(str(target), "PNG"):
            print(f"could not write {target}", file=sys.stderr)
            return 1
    # Pillow writes multi-resolution .ico/.icns; each size is our own rendering,
    # not a downscale, so the simplified small drawing is kept.
    pil = {size: _to_pil(img) for size, img in images.items()}
    biggest = pil[max(ICO_SIZES)]
    biggest.save(OUT / f"{NAME}.ico", format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                 append_images=[pil[s] for s in ICO_SIZES if s != max(ICO_SIZES)])
    pil[512].save(OUT / f"{NAME}.icns", format="ICNS",
                  append_images=[pil[s] for s in ICNS_SIZES if s != 512])
    del app
    print(f"wrote {len(PNG_SIZES)} PNGs, {NAME}.ico and {NAME}.icns to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
