"""The ``binder`` command: click commands over the same core as the desktop app.

This is the only place where errors become exit codes: 0 done, 1 verification
found a problem, 2 usage error or bad input, 3 wrong passphrase or locked.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

import click

from binder.cli.common import APP_NAME
from binder.cli.root import cli
from binder.core.errors import BinderError

EXIT_INTERNAL = 70


def _log_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)) / "binder.log"


def _log_internal_error() -> Path | None:
    # The traceback goes to a log file for us, never to the user's terminal.
    path = _log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(traceback.format_exc())
        return path
    except OSError:
        return None


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``binder`` console script."""
    logging.basicConfig(level=logging.WARNING, format="binder: %(message)s")
    try:
        rv = cli.main(args=argv, prog_name="binder", standalone_mode=False)
    except click.exceptions.Abort:
        # Said of what was asked at the prompt: an earlier step (an unlock noted in the
        # access log, say) may have been recorded already, so no "nothing was written".
        click.echo("binder: cancelled at the prompt; what the command was about to do was not done",
                   err=True)
        sys.exit(2)
    except click.UsageError as exc:
        # One line, like every other refusal (click's own form spans four).
        where = f"; see `{exc.ctx.command_path} --help`" if exc.ctx else ""
        click.echo(f"binder: {exc.format_message().rstrip('.')}{where}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BinderError as exc:
        click.echo(f"binder: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("binder: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - last line of defence: no traceback for users
        where = _log_internal_error()
        detail = f"; details in {where}" if where else ""
        click.echo(f"binder: internal error ({type(exc).__name__}: {exc}){detail}", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(rv if isinstance(rv, int) else 0)
