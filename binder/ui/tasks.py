"""Run core work off the UI thread, with a sign of life, progress, cancel and callbacks.

Core functions that take long accept ``progress(done, total)`` and raise
:class:`binder.core.errors.Cancelled` when ``cancelled()`` turns true. A task opens
its own binder connection when it needs one (SQLite transactions belong to one
connection and one thread at a time); pass the path, not the window's Binder.

What the person at the keyboard sees, the same for every slow step (creating
the binder, creating a signing key, signing in, co-signing, hashing, reports):

- at once: the widgets given as ``busy`` are disabled, so nothing is sent twice;
- after :data:`BUSY_AFTER_MS`: a busy cursor, and ``label`` in the ``status``
  line when one is given;
- after :data:`PROGRESS_AFTER_MS`: a progress window saying what is going on,
  with a bar when the work reports progress, and Cancel when it can stop.

The UI thread stays free all along: key derivation (Argon2id) and hashing run
on the thread pool and release the interpreter while they compute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QProgressDialog, QWidget
from shiboken6 import isValid

from binder.core.errors import Cancelled

#: After this long a step shows it is busy (cursor, status line).
BUSY_AFTER_MS = 300
#: After this long a step shows a progress window.
PROGRESS_AFTER_MS = 2000


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
        self.finished = False
        self.busy_shown = False  # the busy state (cursor, status line) is on screen
        self.progress_dialog: QProgressDialog | None = None
        self.setAutoDelete(False)

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._cancel = True

    def is_cancelled(self) -> bool:
        """True once cancel was asked for."""
        return self._cancel

    @property
    def progress_shown(self) -> bool:
        """True while the progress window is up."""
        dialog = self.progress_dialog
        return dialog is not None and isValid(dialog) and dialog.isVisible()

    @Slot()
    def run(self) -> None:  # runs on a pool thread
        try:
            result = self.fn(progress=self.signals.progress.emit, cancelled=self.is_cancelled)
        except BaseException as exc:  # noqa: BLE001 - handed to the UI thread as a value
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)


_RUNNING: set[Task] = set()  # keep Python references alive until the task ends


def running() -> int:
    """How many tasks have not finished (tests wait for none)."""
    return len(_RUNNING)


class _Feedback(QObject):
    """The busy state and the progress window of one task, and undoing both."""

    def __init__(self, task: Task, parent: QWidget | None, label: str, *, show_progress: bool,
                 cancellable: bool, busy: Iterable[QWidget], status: QLabel | None) -> None:
        super().__init__(None)  # outlives a parent closed while the work runs
        self.task = task
        self.parent_widget = parent
        self.label = label
        self.show_progress = show_progress
        self.cancellable = cancellable
        self.status = status
        self.status_before = status.text() if status is not None else ""
        self.cursor = False
        self.done = 0
        self.total = 0
        # Widgets are disabled at once: pressing Enter twice must not sign twice.
        self.disabled = [w for w in busy if w is not None and w.isEnabled()]
        for w in self.disabled:
            w.setEnabled(False)
        self.busy_timer = QTimer(self)
        self.busy_timer.setSingleShot(True)
        self.busy_timer.timeout.connect(self.show_busy)
        self.busy_timer.start(BUSY_AFTER_MS)
        self.progress_timer = QTimer(self)
        self.progress_timer.setSingleShot(True)
        self.progress_timer.timeout.connect(self.show_dialog)
        if show_progress:
            self.progress_timer.start(PROGRESS_AFTER_MS)

    def show_busy(self) -> None:
        """The step is taking a moment: say so."""
        if self.task.finished:
            return
        self.task.busy_shown = True
        QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        self.cursor = True
        if self.status is not None and isValid(self.status):
            self.status.setProperty("error", "0")
            self.status.setProperty("ok", "0")
            self.status.style().unpolish(self.status)
            self.status.style().polish(self.status)
            self.status.setText(self.label)
            self.status.setVisible(True)

    def show_dialog(self) -> None:
        """The step is taking a while: a progress window with what it is doing."""
        if self.task.finished:
            return
        if self.parent_widget is not None and not isValid(self.parent_widget):
            return  # the screen that asked has gone; the result will be dropped too
        parent = self.parent_widget if self.parent_widget is not None and isValid(
            self.parent_widget) else None
        dialog = QProgressDialog(self.label, "Cancel" if self.cancellable else "", 0, 0, parent)
        dialog.setWindowTitle("Working")
        dialog.setAccessibleName(self.label)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumWidth(380)
        if self.cancellable:
            dialog.canceled.connect(self.task.cancel)
        else:
            dialog.setCancelButton(None)
        self.task.progress_dialog = dialog
        self.update(self.done, self.total)
        dialog.show()

    def update(self, done: int, total: int) -> None:
        """The work reported how far it got."""
        self.done, self.total = done, total
        dialog = self.task.progress_dialog
        if dialog is not None and isValid(dialog) and total > 0:
            dialog.setMaximum(1000)
            dialog.setValue(int(done * 1000 / total))

    def finish(self) -> None:
        """Undo the busy state and close the progress window."""
        self.task.finished = True
        self.busy_timer.stop()
        self.progress_timer.stop()
        if self.cursor:
            QGuiApplication.restoreOverrideCursor()
            self.cursor = False
        for w in self.disabled:
            if isValid(w):
                w.setEnabled(True)
        if self.task.busy_shown and self.status is not None and isValid(self.status) \
                and self.status.text() == self.label:
            self.status.setText(self.status_before)
            self.status.setVisible(bool(self.status_before))
        self.task.busy_shown = False
        dialog, self.task.progress_dialog = self.task.progress_dialog, None
        if dialog is not None and isValid(dialog):
            dialog.close()
            dialog.deleteLater()
        self.deleteLater()


def run_task(
    parent: QWidget | None,
    fn: Callable[..., Any],
    *,
    label: str,
    on_success: Callable[[Any], None],
    on_failure: Callable[[BaseException], None] | None = None,
    show_progress: bool = True,
    cancellable: bool = True,
    busy: Iterable[QWidget] = (),
    status: QLabel | None = None,
) -> Task:
    """Start ``fn`` on the global thread pool; callbacks run on the UI thread.

    ``busy`` widgets are disabled until the task ends; ``status`` (a message
    line) says ``label`` once the step takes longer than :data:`BUSY_AFTER_MS`;
    a progress window follows after :data:`PROGRESS_AFTER_MS` unless
    ``show_progress`` is False (background checks). ``cancellable=False`` leaves
    Cancel out (a key derivation cannot stop half-way). A cancelled task calls
    ``on_failure`` with :class:`Cancelled`, which callers usually ignore.
    """
    task = Task(fn)
    feedback = _Feedback(task, parent, label, show_progress=show_progress,
                         cancellable=cancellable, busy=busy, status=status)
    task.signals.progress.connect(feedback.update)

    def finish() -> None:
        _RUNNING.discard(task)
        feedback.finish()

    def ok(result: Any) -> None:
        finish()
        try:
            on_success(result)
        finally:
            _look_for_changes(parent)

    def bad(exc: BaseException) -> None:
        finish()
        try:
            if on_failure is not None:
                on_failure(exc)
            elif not isinstance(exc, Cancelled):
                from binder.ui import dialogs

                dialogs.show_exception(parent, exc)
        finally:
            _look_for_changes(parent)

    task.signals.succeeded.connect(ok)
    task.signals.failed.connect(bad)
    _RUNNING.add(task)
    QThreadPool.globalInstance().start(task)
    return task


def _look_for_changes(parent: QWidget | None) -> None:
    """A task may have written: the window's screens hear what changed (binder.ui.changes)."""
    if parent is None or not isValid(parent):
        return
    from binder.ui.changes import check

    check(parent)


def waiting() -> bool:
    """True while :func:`wait_for` runs work on the binder the window also uses."""
    from binder.ui.changes import paused

    return paused()


def wait_for(parent: QWidget | None, fn: Callable[[], Any], *, label: str,
             busy: Iterable[QWidget] = (), status: QLabel | None = None) -> Any:
    """Run ``fn`` off the UI thread and return its result (or raise its error), keeping the
    window painted meanwhile: the busy state after :data:`BUSY_AFTER_MS`, a progress window
    after :data:`PROGRESS_AFTER_MS`. For a step a form waits on before it goes on (opening a
    signing key: Argon2id takes a second or more), where the caller needs the answer in place.
    """
    from binder.ui.changes import pause

    loop = QEventLoop()
    outcome: dict[str, Any] = {}

    def ok(result: Any) -> None:
        outcome["result"] = result
        loop.quit()

    def bad(exc: BaseException) -> None:
        outcome["error"] = exc
        loop.quit()

    with pause():
        run_task(parent, lambda progress, cancelled: fn(), label=label, on_success=ok,
                 on_failure=bad, cancellable=False, busy=busy, status=status)
        if not outcome:
            loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")
