"""Shared fixtures. Importable helpers live in :mod:`tests.helpers`."""

from __future__ import annotations

import keyring
import pytest

from binder.core.crypto import vault
from binder.core.incident.record import open_incident
from binder.core.plan import revisions as plans
from tests.helpers import Made, MemoryKeyring, make_binder
from tests.helpers import run_cli as run_cli_in_process


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory, monkeypatch):
    """No test touches the real keyring, home folder or the developer's env vars."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    for var in ("BINDER_FILE", "BINDER_PASSPHRASE", "BINDER_SIGNER_PASSPHRASE",
                "BINDER_WITNESS_PASSPHRASE", "BINDER_NO_KEYRING"):
        monkeypatch.delenv(var, raising=False)
    previous = keyring.get_keyring()
    from keyring.backends import null

    keyring.set_keyring(null.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring():
    """An in-memory keyring backend for the duration of a test."""
    backend = MemoryKeyring()
    # The stand-in for an OS keyring that protects secrets at rest (CI has none).
    vault.vouch_for_keyring_in_tests(MemoryKeyring)
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def made(tmp_path) -> Made:
    """An unlocked binder with signers ``alice`` (lead) and ``bob`` (witness)."""
    m = make_binder(tmp_path / "test.binder")
    yield m
    m.binder.close()


@pytest.fixture
def empty_roster(tmp_path) -> Made:
    """An unlocked binder with a plan, an empty roster and nobody enrolled."""
    m = make_binder(tmp_path / "test.binder", people=False)
    yield m
    m.binder.close()


@pytest.fixture
def incident_id(made) -> int:
    """An open (real, not drill) incident in ``made``."""
    return open_incident(made.binder, made.lead, title="Skimmer in checkout", type="skimmer",
                         severity="high", plan_revision_id=plans.current_revision(made.binder).id)


@pytest.fixture
def run_cli():
    """``run_cli(*args, env=, input=) -> Run``: `binder` in this process (fast).

    Commands that start Qt still run in a real process; see tests.helpers.run_cli.
    """
    return run_cli_in_process


@pytest.fixture
def run_binder_process():
    """``run_binder_process(*args, env=, input=, timeout=) -> Run``: the real command.

    For tests whose point is the process itself: its exit status, argv, temp
    files, signals, crashes, the console script.
    """
    from tests.helpers import run_binder_process as run

    return run
