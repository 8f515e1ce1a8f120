"""Slow steps show a sign of life: busy state first, then a progress window; both go away."""

from __future__ import annotations

import threading

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton, QWidget

from binder.ui import tasks
from binder.ui.forms.feedback import message_label
from binder.ui.tasks import run_task


def _form(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    button = QPushButton("Sign", widget)
    status = message_label()
    status.setParent(widget)
    widget.show()
    return widget, button, status


def test_a_slow_step_shows_busy_then_progress_then_gives_everything_back(qtbot, monkeypatch):
    monkeypatch.setattr(tasks, "BUSY_AFTER_MS", 20)
    monkeypatch.setattr(tasks, "PROGRESS_AFTER_MS", 60)
    widget, button, status = _form(qtbot)
    release = threading.Event()
    results = []
    task = run_task(widget, lambda progress, cancelled: release.wait(30) and "opened",
                    label="Opening alice's key…", on_success=results.append, busy=[button],
                    status=status, cancellable=False)
    assert not button.isEnabled()  # at once: Enter pressed twice signs once
    qtbot.waitUntil(lambda: task.busy_shown, timeout=3000)
    assert status.isVisible() and status.text() == "Opening alice's key…"
    assert QGuiApplication.overrideCursor() is not None
    qtbot.waitUntil(lambda: task.progress_shown, timeout=3000)
    dialog = task.progress_dialog
    assert dialog.labelText() == "Opening alice's key…"
    assert not [b for b in dialog.findChildren(QPushButton) if b.isVisible()]  # no Cancel
    release.set()
    qtbot.waitUntil(lambda: results == ["opened"], timeout=5000)
    assert button.isEnabled()
    assert not task.progress_shown and not task.busy_shown
    assert QGuiApplication.overrideCursor() is None
    assert not status.isVisible()


def test_cancel_in_the_progress_window_stops_work_that_checks_for_it(qtbot, monkeypatch):
    monkeypatch.setattr(tasks, "PROGRESS_AFTER_MS", 20)
    widget, button, status = _form(qtbot)
    failures = []

    def work(progress, cancelled):
        from binder.core.errors import Cancelled

        for i in range(100_000):
            progress(i, 100_000)
            if cancelled():
                raise Cancelled("stopped")
            threading.Event().wait(0.01)
        return "finished"

    task = run_task(widget, work, label="Hashing…", on_success=failures.append,
                    on_failure=failures.append)
    qtbot.waitUntil(lambda: task.progress_shown, timeout=3000)
    task.progress_dialog.canceled.emit()  # what the Cancel button sends
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert type(failures[0]).__name__ == "Cancelled"


def test_a_quick_step_never_shows_busy(qtbot):
    widget, button, status = _form(qtbot)
    results = []
    task = run_task(widget, lambda progress, cancelled: 42, label="Quick…",
                    on_success=results.append, busy=[button], status=status)
    qtbot.waitUntil(lambda: results == [42], timeout=3000)
    assert not task.busy_shown and task.progress_dialog is None
    assert button.isEnabled() and not status.isVisible()


def test_wait_for_keeps_the_window_alive_and_answers_in_place(qtbot, monkeypatch):
    monkeypatch.setattr(tasks, "BUSY_AFTER_MS", 20)
    widget, button, status = _form(qtbot)
    seen = []

    def slow():
        threading.Event().wait(0.2)
        return "key opened"

    # Meanwhile the event loop runs: the busy state shows while the work is under way.
    from PySide6.QtCore import QTimer

    QTimer.singleShot(120, lambda: seen.append((button.isEnabled(), status.text())))
    assert tasks.wait_for(widget, slow, label="Opening bob's key…", busy=[button],
                          status=status) == "key opened"
    assert seen == [(False, "Opening bob's key…")]
    assert button.isEnabled() and not tasks.waiting()

    def wrong():
        from binder.core.errors import WrongPassphrase

        raise WrongPassphrase("not bob's passphrase")

    import pytest

    with pytest.raises(Exception, match="not bob's passphrase"):
        tasks.wait_for(widget, wrong, label="Opening bob's key…")
