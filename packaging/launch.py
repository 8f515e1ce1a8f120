"""Entry point of the frozen app (PyInstaller runs this file as ``__main__``).

The same code serves two executables: ``binder`` (console, the full command
line) and ``binder-gui`` (no console window on Windows and macOS, opens the
desktop app when started without arguments, e.g. from a shortcut).
"""

import multiprocessing
import sys
from pathlib import Path


def command_line(executable: str, args: list[str]) -> list[str]:
    """The arguments for the ``binder`` command when started as ``executable``.

    ``binder-gui`` and ``binder-gui --screenshot x.png`` mean ``binder gui ...``;
    an explicit command (``binder-gui self-test``) and --help/--version pass through.
    """
    if Path(executable).stem.lower().endswith("-gui") and (
        not args or (args[0].startswith("-") and args[0] not in ("-h", "--help", "--version"))
    ):
        return ["gui", *args]
    return list(args)


def _start() -> None:
    # Needed before anything else in a frozen Windows/macOS app, should a
    # worker pool ever spawn child processes (they re-run this executable).
    multiprocessing.freeze_support()
    from binder.cli import main

    main(command_line(sys.executable, sys.argv[1:]))


if __name__ == "__main__":
    _start()
