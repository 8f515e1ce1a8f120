"""What every command shares: the --binder option, secrets, opening and unlocking.

Errors are turned into exit codes in exactly one place, :func:`binder.cli.main`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from binder.core.errors import Locked
from binder.core.storage.database import Binder, open_binder
from binder.core.storage.files import check_output_path

if TYPE_CHECKING:
    from binder.core.crypto.signers import SigningSession

# The crypto modules are imported by the functions that unlock: a command that only
# reads (`binder incident list`) starts without loading cryptography at all.

F = TypeVar("F", bound=Callable[..., Any])
APP_NAME = "incident-binder"
#: How the access log names this door.
DOOR = "CLI"


def default_binder_path() -> Path:
    """``$BINDER_FILE``, else ``default.binder`` in the platform's user data folder."""
    env = os.environ.get("BINDER_FILE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "default.binder"


def binder_option(func: F) -> F:
    """Add ``--binder PATH`` to a command."""
    return click.option(
        "--binder",
        "binder_path",
        type=click.Path(dir_okay=True, path_type=Path),
        default=None,
        help="Binder file (default: $BINDER_FILE, else default.binder in your data folder).",
    )(func)


def json_option(func: F) -> F:
    """Add ``--json`` to a listing or verify command."""
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(func)


def resolve_path(binder_path: Path | None) -> Path:
    """The binder path a command works on."""
    if binder_path is not None:
        return binder_path.expanduser()
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if ctx.obj and ctx.obj.get("binder_path"):
            return Path(ctx.obj["binder_path"]).expanduser()
        ctx = ctx.parent
    return default_binder_path()


def use_keyring() -> bool:
    """False when ``BINDER_NO_KEYRING=1`` asks us to leave the OS keyring alone."""
    return os.environ.get("BINDER_NO_KEYRING", "") not in ("1", "true", "yes")


def get_secret(envvar: str, prompt: str, *, confirm: bool = False) -> str:
    """A secret from the environment, else a hidden prompt on a terminal.

    Without a terminal and without the variable we stop at once (exit 3):
    waiting for input that can never come would hang a script.
    """
    value = os.environ.get(envvar)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise Locked(f"{prompt} needed: set {envvar} or run this in a terminal")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)


def open_path(binder_path: Path | None) -> Binder:
    """Open the binder (refusals are clear one-line errors)."""
    return open_binder(resolve_path(binder_path))


def unlock(binder: Binder, *, ask: bool = True) -> bool:
    """Unlock (recorded in the access log): the OS keyring first, silently; then the
    passphrase from BINDER_PASSPHRASE or a prompt.

    With ``ask=False`` nobody is prompted: without the keyring or the variable the
    binder stays locked and this returns False.
    """
    from binder.core.crypto import session

    passphrase = ((lambda: get_secret("BINDER_PASSPHRASE", "Binder passphrase")) if ask
                  else os.environ.get("BINDER_PASSPHRASE"))
    try:
        session.unlock_binder(binder, door=DOOR, passphrase=passphrase, use_keyring=use_keyring())
    except Locked:
        if ask:
            raise
        return False
    return True


#: Where each signing part's passphrase comes from in automation.
_SECRET_FOR_ROLE = {"author": "BINDER_SIGNER_PASSPHRASE", "witness": "BINDER_WITNESS_PASSPHRASE",
                    "receiver": "BINDER_RECEIVER_PASSPHRASE"}


def signer_session(binder: Binder, person: str, *, witness: bool = False,
                   role: str | None = None, meaning: str | None = None) -> SigningSession:
    """Open the signing key of ``--as`` (or ``--witness``, or the receiver of evidence with
    ``role="receiver"``) PERSON with their passphrase; recorded with what they sign as
    (``meaning``, by default the role: a co-signature may mean review or approval)."""
    from binder.core.crypto import session

    role = role or ("witness" if witness else "author")
    envvar = _SECRET_FOR_ROLE[role]
    return session.sign_in(
        binder, person, lambda signer: get_secret(envvar, f"Passphrase for {signer.display_name}"),
        door=DOOR, meaning=meaning or role,
    )


def check_witness(binder: Binder, person: str, witness: str | None) -> None:
    """The two-person rule for ``--as`` and ``--witness``, before any passphrase is asked."""
    from binder.core.crypto import session

    session.two_people(binder, person, witness)


def author_and_witness(binder: Binder, person: str, witness: str | None
                       ) -> tuple[SigningSession, SigningSession | None]:
    """``--as`` and ``--witness``: the two-person rule first, then each one's passphrase."""
    check_witness(binder, person, witness)
    author = signer_session(binder, person)
    return author, signer_session(binder, witness, witness=True) if witness else None


def checked_output(_ctx: click.Context | None, _param: click.Parameter | None,
                   value: Path | None) -> Path | None:
    """Click callback for every file a command writes: refuses folders, devices, pipes and
    missing folders while the command line is read, before anything is opened."""
    return None if value is None else check_output_path(value)


def output_option(help_text: str, *, required: bool = True) -> Callable[[F], F]:
    """``-o/--output FILE``, checked as :func:`checked_output` says."""
    return click.option("-o", "--output", "output", required=required, default=None,
                        type=click.Path(path_type=Path), callback=checked_output, help=help_text)


def emit_json(data: Any) -> None:
    """Print JSON for scripts."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def emit_id(value: Any) -> None:
    """A command that creates something prints the new id alone on stdout."""
    click.echo(str(value))


def parse_id(value: str, what: str) -> int:
    """An id typed on the command line."""
    from binder.core.errors import BadInput

    try:
        number = int(str(value).strip())
    except ValueError:
        raise BadInput(f"{what} {value!r} is not a number") from None
    if number <= 0:
        raise BadInput(f"{what} must be a positive number")
    if number >= 2**63:  # beyond SQLite's integers: no such record can exist
        raise BadInput(f"{what} {value!r} is too large to be an id")
    return number


def read_input(path: str | Path, *, what: str, limit: int) -> bytes:
    """An input file's bytes through the core's bounded reader; ``-`` reads standard input,
    also at most ``limit`` bytes (one more, so the reader of the bytes can tell it was cut)."""
    if str(path) == "-":
        stream = getattr(sys.stdin, "buffer", None)
        return (stream.read(limit + 1) if stream is not None
                else sys.stdin.read(limit + 1).encode("utf-8"))
    from binder.core.storage.files import read_input_file

    return read_input_file(path, what=what, limit=limit)


def read_form_fields(path: Path | None, form: Any) -> dict[str, str] | None:
    """The fields of a regulator form from a JSON file (``-``: stdin), bounded and checked.

    ``None`` when no file is given. Refuses anything but a regular file (a FIFO,
    a device) and a file larger than a form can be, naming the place.
    """
    from binder.core.incident import notices

    if path is None:
        return None
    data = read_input(path, what="fields file", limit=notices.MAX_FIELDS_FILE)
    return notices.read_values(data, form)


def people_names(binder) -> dict:
    """Who each login's certificate names, for printing people (see :func:`person_name`).

    Certificates are read (and cryptography loaded) only by commands that print people.
    """
    from binder.core.crypto.signers import names_by_login

    return names_by_login(binder)


def person_name(names: dict, login: str) -> str:
    """The full name for ``login`` from :func:`people_names`, else the login itself."""
    from binder.core.crypto.signers import name_for_login

    return name_for_login(names, login) if names else login
