"""Starting the desktop app from the command line: the window, a screenshot, the self-test.

Kept apart from :mod:`binder.ui.app` (the QApplication and shared look) so the
screens, which use that look, never import the main window that holds them.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer

from binder.ui import dialogs
from binder.ui.app import make_app
from binder.ui.shell import MainWindow


def show_error(title: str, text: str) -> None:
    """One error box outside any window (e.g. the binder is open elsewhere)."""
    make_app()
    dialogs.error(None, title, text)


def run_app(path, *, passphrase: str | None, use_keyring: bool, lock=None, screenshot=None,
            size: tuple[int, int] = (1366, 768)) -> tuple[int, bool]:
    """Show the main window until it is closed; returns (exit status, screenshot saved).

    With ``screenshot``, the window is saved as a PNG once shown and idle, then the app quits.
    """
    app = make_app()
    window = MainWindow(path, passphrase=passphrase, use_keyring=use_keyring, lock=lock,
                        remember_geometry=screenshot is None)
    if screenshot is not None:
        window.resize(*size)
    window.show()
    saved = {"ok": False}
    if screenshot is not None:
        def capture() -> None:
            app.processEvents()
            saved["ok"] = window.grab().save(str(screenshot), "PNG")
            window.close()
            app.quit()

        # "Shown and idle": after the first paint and the first queued loads.
        QTimer.singleShot(400, capture)
    status = app.exec()
    return status, saved["ok"]


def render_main_window(binder, size: tuple[int, int]) -> tuple[int, int, int]:
    """Build and paint the main window offscreen (self-test); returns width, height, journal rows."""
    app = make_app()
    window = MainWindow(binder.path, binder=binder, use_keyring=False, remember_geometry=False)
    window.resize(*size)
    window.show()
    app.processEvents()
    image = window.grab().toImage()
    rows = window.workspace.journal.model.rowCount() if window.workspace is not None else 0
    window.close()
    window.deleteLater()
    app.processEvents()
    return (0, 0, rows) if image.isNull() else (image.width(), image.height(), rows)
