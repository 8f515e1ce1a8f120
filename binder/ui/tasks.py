"""Run core work off the UI thread, with progress, cancel and callbacks.

Core functions that take long accept ``progress(done, total)`` and raise
:class:`binder.core.errors.Cancelled` when ``cancelled()`` turns true. A task opens
its own binder connection when it needs one (SQLite connections belong to
one thread at a time); pass the path, not the window's Binder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from binder.core.errors import Cancelled


class _Signals(QObject):
    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)


class Task(QRunnable):
    """One piece of core work: ``fn(progress=..., cancelled=...)``."""

    def __init__(self, fn: Callable[..., Any]):
        super().__init__()
        self.fn = fn
        self.signals = _Signals()
        self._cancel = False
        self.setAutoDelete(False)

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._cancel = True

    def is_cancelled(self) -> bool:
        """True once cancel was asked for."""
        return self._cancel

    @Slot()
    def run(self) -> None:  # runs on a pool thread
        try:
            result = self.fn(progress=self.signals.progress.emit, cancelled=self.is_cancelled)
        except BaseException as exc:  # noqa: BLE001 - handed to the UI thread as a value
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)


_RUNNING: set[Task] = set()  # keep Python references alive until the task ends


def run_task(
    parent: QWidget | None,
    fn: Callable[..., Any],
    *,
    label: str,
    on_success: Callable[[Any], None],
    on_failure: Callable[[BaseException], None] | None = None,
    show_progress: bool = True,
) -> Task:
    """Start ``fn`` on the global thread pool; callbacks run on the UI thread.

    A progress dialog with Cancel appears for work that takes a moment. A
    cancelled task calls neither callback with a result: ``on_failure`` gets
    :class:`Cancelled`, which callers usually ignore.
    """
    task = Task(fn)
    dialog: QProgressDialog | None = None
    if show_progress:
        dialog = QProgressDialog(label, "Cancel", 0, 0, parent)
        dialog.setWindowTitle("Working")
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(task.cancel)

        def update(done: int, total: int) -> None:
            if total > 0:
                dialog.setMaximum(1000)
                dialog.setValue(int(done * 1000 / total))

        task.signals.progress.connect(update)

    def finish() -> None:
        _RUNNING.discard(task)
        if dialog is not None:
            dialog.close()
            dialog.deleteLater()

    def ok(result: Any) -> None:
        finish()
        on_success(result)

    def bad(exc: BaseException) -> None:
        finish()
        if on_failure is not None:
            on_failure(exc)
        elif not isinstance(exc, Cancelled):
            from binder.ui import dialogs

            dialogs.show_exception(parent, exc)

    task.signals.succeeded.connect(ok)
    task.signals.failed.connect(bad)
    _RUNNING.add(task)
    QThreadPool.globalInstance().start(task)
    return task
