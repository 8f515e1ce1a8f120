"""What tests share, as plain importable code (fixtures stay in conftest.py).

Real binder files on disk with light key derivation: the light parameters go
through the API only (they travel inside each envelope, so the command line
opens these binders normally). The one stand-in we allow is an in-memory
keyring backend, because CI has no OS keyring.

Two ways to run `binder`, chosen on purpose: :func:`run_cli` runs the command
line in the test's own process (fast: no interpreter start), for what a
command does; :func:`run_binder_process` runs the real command in a new
process, for what only a process shows: its exit status as a shell sees it,
secrets in its argv or environment, its temp files, signals and crashes, Qt,
the console script.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import keyring.backend
import keyring.core

from binder.core import roster
from binder.core.crypto import signers, vault
from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
from binder.core.people import enroll_contact
from binder.core.plan import revisions as plans
from binder.core.storage import database as storage

PASSPHRASE = "correct horse battery"
LEAD, LEAD_PASS = "alice", "alice-passphrase"
WITNESS, WITNESS_PASS = "bob", "bob-passphrase"
#: The full names their certificates state: never their logins, so a login shown where a
#: person's name belongs fails the test that looks.
LEAD_NAME, WITNESS_NAME = "Alice Martin", "Bob Okafor"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An OS keyring stand-in that keeps secrets in this process only."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@dataclass
class Made:
    """A binder made for a test, with its signers unlocked."""

    path: Path
    binder: storage.Binder
    recovery_code: str
    lead: signers.SigningSession
    witness: signers.SigningSession
    # Without signers (make_binder(..., people=False)) lead and witness are None.


def enroll_person(binder: storage.Binder, name: str, role: str, passphrase: str, *,
                  login: str | None = None, **contact: str) -> signers.Signer:
    """Add ``name`` to the roster in ``role`` and enrol them (light key derivation)."""
    roster.add_contact(binder, role=role, name=name, **contact)
    return enroll_contact(binder, name, passphrase, login=login, kdf=LIGHT_KDF_FOR_TESTS)


def make_binder(path: Path, *, org: str = "Acme Store", people: bool = True) -> Made:
    """A real binder on disk: keys, root, default plan, two enrolled signers (contacts
    "Alice Martin", login ``alice``, and "Bob Okafor", login ``bob``); with
    ``people=False`` an empty roster and nobody enrolled."""
    binder = storage.create_binder(path, org=org)
    code = vault.setup_keys(binder, PASSPHRASE, kdf=LIGHT_KDF_FOR_TESTS)
    signers.create_root(binder)
    plans.load_default_plan(binder)
    if not people:
        return Made(path, binder, code, None, None)  # type: ignore[arg-type]
    # People who sign are roster contacts with full names; `--as alice` still finds them by
    # their short login, and anything shown to a person must show the name.
    enroll_person(binder, LEAD_NAME, "lead", LEAD_PASS, login=LEAD)
    enroll_person(binder, WITNESS_NAME, "it", WITNESS_PASS, login=WITNESS)
    return Made(
        path, binder, code,
        signers.open_session(binder, LEAD, LEAD_PASS),
        signers.open_session(binder, WITNESS, WITNESS_PASS),
    )


@dataclass
class Run:
    """The result of running `binder`: exit code, stdout and stderr."""

    code: int
    out: str
    err: str


# Commands that start Qt (a QApplication, a window) always run in a real process:
# in this process they would share the test's QApplication and its display.
QT_COMMANDS = frozenset({"gui", "self-test"})


def command_env(env: dict[str, str] | None) -> dict[str, str]:
    """What a `binder` started by a script sees: no developer BINDER_* vars, no OS keyring."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("BINDER_")}
    full["BINDER_NO_KEYRING"] = "1"
    full["QT_QPA_PLATFORM"] = "offscreen"
    full.update(env or {})
    return full


def run_binder_process(*args: str, env: dict[str, str] | None = None, input: str | None = None,
                       timeout: float = 120) -> Run:
    """Run the real `binder` command in a subprocess, as scripts do.

    For what only a real process shows: its exit status, secrets in its argv or
    environment, files it leaves in its own temp folder, signals and crashes, Qt.
    """
    proc = subprocess.run(
        [sys.executable, "-m", "binder", *args], capture_output=True, text=True,
        env=command_env(env), input=input if input is not None else "", timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def _first_command(args: tuple[str, ...]) -> str | None:
    # Options of the root group (only --binder takes a value) come before the command.
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--binder":
            rest = rest[1:]
        elif not arg.startswith("-"):
            return arg
        elif arg in ("-h", "--help", "--version"):
            return arg
    return None


def run_cli(*args: str, env: dict[str, str] | None = None, input: str | None = None,
            timeout: float | None = None) -> Run:
    """Run `binder ARGS` in this process: the same entry point, argv, environment and streams.

    The environment a script would give the command (see :func:`run_binder_process`)
    is applied for the call only; stdin is ``input`` (never a terminal); stdout and
    stderr are captured like a pipe; the exit code comes from ``SystemExit``.
    Commands that start Qt run in a real process (:data:`QT_COMMANDS`). ``timeout``
    is accepted for the real process's sake.
    """
    command = _first_command(args)
    if command is None or command in QT_COMMANDS:
        return run_binder_process(*args, env=env, input=input, timeout=timeout or 120)
    import pytest  # only tests call this

    from binder.cli import main

    full = command_env(env)
    stdin = io.TextIOWrapper(io.BytesIO((input or "").encode()), encoding="utf-8")
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out_bytes, encoding="utf-8", write_through=True)
    stderr = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace",
                              write_through=True)
    # A new process logs warnings to stderr through logging.basicConfig in main().
    handler = logging.StreamHandler(stderr)
    handler.setFormatter(logging.Formatter("binder: %(message)s"))
    handler.setLevel(logging.WARNING)
    with pytest.MonkeyPatch.context() as mp:
        for name in set(os.environ) - set(full):
            mp.delenv(name)
        for name, value in full.items():
            mp.setenv(name, value)
        if "TMPDIR" in (env or {}):
            mp.setattr(tempfile, "tempdir", None)  # re-read, as a new process would
        if "PYTHON_KEYRING_BACKEND" in (env or {}):
            previous = keyring.get_keyring()
            keyring.set_keyring(keyring.core.load_keyring(env["PYTHON_KEYRING_BACKEND"]))
        mp.setattr(sys, "stdin", stdin)
        mp.setattr(sys, "stdout", stdout)
        mp.setattr(sys, "stderr", stderr)
        mp.setattr(sys, "argv", ["binder", *args])
        # main() configures logging once per process; here `handler` stands in for that,
        # so no handler bound to this call's stderr outlives it.
        mp.setattr(logging, "basicConfig", lambda **kwargs: None)
        logging.getLogger().addHandler(handler)
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                stderr.write(f"{exc.code}\n")
                code = 1
        finally:
            logging.getLogger().removeHandler(handler)
            if "PYTHON_KEYRING_BACKEND" in (env or {}):
                keyring.set_keyring(previous)
            stdout.flush()
            stderr.flush()
    return Run(code, out_bytes.getvalue().decode("utf-8"),
               err_bytes.getvalue().decode("utf-8", "backslashreplace"))


def signer_env(person_pass: str = LEAD_PASS, witness_pass: str = WITNESS_PASS) -> dict[str, str]:
    """Environment variables that unlock binder, author and witness."""
    return {
        "BINDER_PASSPHRASE": PASSPHRASE,
        "BINDER_SIGNER_PASSPHRASE": person_pass,
        "BINDER_WITNESS_PASSPHRASE": witness_pass,
    }
