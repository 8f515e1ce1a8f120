"""Every message box goes through here, so tests can answer them without blocking.

Tests set :data:`AUTO_ANSWERS` (or call :func:`install_recorder`) and read
:data:`SHOWN` to assert what a user would have seen.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from binder.core.errors import BinderError, WrongPassphrase

#: (kind, title, text) of every message shown; tests read this.
SHOWN: list[tuple[str, str, str]] = []
#: When not None, messages are recorded and answered with this instead of shown modally.
AUTO_ANSWER: bool | None = None


def _show(kind: str, parent: QWidget | None, title: str, text: str,
          modal: Callable[[], object]) -> object:
    SHOWN.append((kind, title, text))
    if AUTO_ANSWER is not None:
        return AUTO_ANSWER
    return modal()


def _box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str,
         buttons: QMessageBox.StandardButton) -> QMessageBox.StandardButton:
    # Plain text always: a file name or a note containing "<b>" must show as typed.
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return QMessageBox.StandardButton(box.exec())


def error(parent: QWidget | None, title: str, text: str) -> None:
    """A calm error message: what is wrong and what to do."""
    _show("error", parent, title, text, lambda: _box(
        parent, QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok))


def info(parent: QWidget | None, title: str, text: str) -> None:
    """An information message."""
    _show("info", parent, title, text, lambda: _box(
        parent, QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok))


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask yes/no; True for yes."""
    answer = _show(
        "confirm", parent, title, text,
        lambda: _box(parent, QMessageBox.Icon.Question, title, text,
                     QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        == QMessageBox.StandardButton.Yes,
    )
    return bool(answer)


def show_exception(parent: QWidget | None, exc: BaseException, *, title: str = "") -> None:
    """Turn a core error into a dialog; unexpected errors get a short, honest message."""
    if isinstance(exc, WrongPassphrase):
        error(parent, title or "Wrong passphrase", str(exc))
    elif isinstance(exc, BinderError):
        error(parent, title or "Cannot do that", str(exc))
    else:
        error(parent, title or "Something went wrong",
              f"An unexpected error stopped this action ({type(exc).__name__}: {exc}). "
              # Unexpected means we cannot know how far it got: say so, never "nothing".
              "Whatever it had saved before the error is kept; check the journal before "
              "trying again.")


def install_recorder(answer: bool = True) -> list[tuple[str, str, str]]:
    """For tests: record messages instead of showing them; returns the record list."""
    global AUTO_ANSWER
    AUTO_ANSWER = answer
    SHOWN.clear()
    return SHOWN


def in_documents(name: str) -> str:
    """Where a save dialog starts: ``name`` in the user's Documents folder (never the folder
    the program happened to be started from)."""
    from pathlib import Path

    from PySide6.QtCore import QStandardPaths

    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    base = Path(folder) if folder and Path(folder).is_dir() else Path.home()
    return str(base / name)


#: For tests (and keyboard walks): the answers file dialogs give instead of opening, first
#: first; a list of paths for open_files, a path for open_file and save_file, "" for
#: "cancelled".
FILE_ANSWERS: list[list[str] | str] = []
#: (kind, title) of every file dialog answered from FILE_ANSWERS.
FILES_ASKED: list[tuple[str, str]] = []


def _queued(kind: str, title: str) -> list[str] | str | None:
    """The next queued answer for a file dialog, or None when the real dialog should open."""
    if not FILE_ANSWERS:
        return None
    FILES_ASKED.append((kind, title))
    return FILE_ANSWERS.pop(0)


def _one(answer: list[str] | str) -> str:
    return answer if isinstance(answer, str) else (answer[0] if answer else "")


def open_files(parent: QWidget | None, title: str, start: str, filters: str = "") -> list[str]:
    """The system's pick-files dialog (or the next of :data:`FILE_ANSWERS`)."""
    answer = _queued("open-files", title)
    if answer is not None:
        return [answer] if isinstance(answer, str) and answer else list(answer or [])
    from PySide6.QtWidgets import QFileDialog

    names, _ = QFileDialog.getOpenFileNames(parent, title, start, filters)
    return names


def open_file(parent: QWidget | None, title: str, start: str, filters: str = "") -> str:
    """The system's pick-one-file dialog (or the next of :data:`FILE_ANSWERS`); "" when
    cancelled."""
    answer = _queued("open-file", title)
    if answer is not None:
        return _one(answer)
    from PySide6.QtWidgets import QFileDialog

    name, _ = QFileDialog.getOpenFileName(parent, title, start, filters)
    return name


def save_file(parent: QWidget | None, title: str, start: str, filters: str = "") -> str:
    """The system's save-as dialog (or the next of :data:`FILE_ANSWERS`); "" when cancelled."""
    answer = _queued("save-file", title)
    if answer is not None:
        return _one(answer)
    from PySide6.QtWidgets import QFileDialog

    name, _ = QFileDialog.getSaveFileName(parent, title, start, filters)
    return name
