"""Where the bundled, read-only resources (plans, fonts, icons) live."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources`` folder, both from a source checkout and in a PyInstaller build.

    A PyInstaller app unpacks its data next to the bootloader (``sys._MEIPASS``),
    where the source-tree layout no longer exists.
    """
    if getattr(sys, "frozen", False):
        base = getattr(sys, "_MEIPASS", None)
        root = Path(base) if base else Path(sys.executable).resolve().parent
        return root / "resources"
    return Path(__file__).resolve().parents[2] / "resources"
