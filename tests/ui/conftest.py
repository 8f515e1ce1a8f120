"""Helpers for driving the real widgets with qtbot.

Message boxes go through binder.ui.dialogs, which records them instead of
blocking; real dialogs (sign-in, co-sign) are answered by `answer_modal`,
which acts on the modal dialog once it is up.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
from binder.ui import dialogs
from tests.helpers import LEAD, LEAD_PASS

# The offscreen platform plugin says this for every top-level window it shows;
# it is about the test platform, not about our code.
OFFSCREEN_NOISE = ("This plugin does not support propagateSizeHints", "This plugin does not support raise")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/tests/ui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def no_kept_witness():
    """A window shares its witness session with the forms; the next test starts without it."""
    from binder.ui.forms import witness

    yield
    witness.KEEPER = None


@pytest.fixture(autouse=True)
def shown_messages(qapp):
    """Every message box is recorded here instead of blocking the test."""
    shown = dialogs.install_recorder(True)
    yield shown
    dialogs.AUTO_ANSWER = None


@pytest.fixture
def file_answers(monkeypatch):
    """Answers for the file dialogs (binder.ui.dialogs), first first; returns (answers, asked):
    append a path (a list of paths for open_files, "" to cancel) to ``answers`` before the
    click; ``asked`` records (kind, title) of each dialog answered."""
    answers: list[list[str] | str] = []
    asked: list[tuple[str, str]] = []
    monkeypatch.setattr(dialogs, "FILE_ANSWERS", answers)
    monkeypatch.setattr(dialogs, "FILES_ASKED", asked)
    return answers, asked


@pytest.fixture
def answer_modal(qtbot):
    """Schedule ``fn(dialog)`` for the next modal dialog; returns a record of calls."""
    calls: list[str] = []

    def schedule(fn, *, attempts: int = 200) -> None:
        def poll(left: int = attempts) -> None:
            dialog = QApplication.activeModalWidget()
            if dialog is None:
                if left:
                    QTimer.singleShot(10, lambda: poll(left - 1))
                return
            calls.append(type(dialog).__name__)
            try:
                fn(dialog)
            except BaseException:
                # A failed check inside the handler would leave the dialog's exec() waiting
                # for ever; close it so the test fails with the assertion instead of hanging.
                if isinstance(dialog, QDialog):
                    dialog.reject()
                else:
                    dialog.close()
                raise

        QTimer.singleShot(0, poll)

    schedule.calls = calls
    return schedule


def activate(qtbot, window) -> None:
    """Show a window and wait until it is the active one (window shortcuts need that)."""
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)


@pytest.fixture
def window_for(qtbot):
    """Build a MainWindow on a binder path (or an open binder) at 1366x768, shown."""
    from binder.ui.shell import MainWindow

    def make(path, *, binder=None, **kwargs):
        kwargs.setdefault("use_keyring", False)
        kwargs.setdefault("kdf", LIGHT_KDF_FOR_TESTS)
        kwargs.setdefault("remember_geometry", False)
        window = MainWindow(path, binder=binder, **kwargs)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        activate(qtbot, window)
        return window

    return make


@pytest.fixture
def signed_window(window_for, made, incident_id):
    """The main window on `made`, opened on its incident, alice signed in."""
    window = window_for(made.path, binder=made.binder)
    window.sign_in(LEAD, LEAD_PASS)
    return window
