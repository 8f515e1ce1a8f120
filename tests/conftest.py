"""Shared fixtures: real binder files on disk with light key derivation.

Light KDF parameters are passed through the API only (they travel inside each
envelope, so the CLI opens these binders normally). The one stand-in we allow
is an in-memory keyring backend, because CI has no OS keyring.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.backend
import pytest

from binder import plan as plans
from binder import signers, storage, vault
from binder.crypto import LIGHT_KDF_FOR_TESTS

PASSPHRASE = "correct horse battery"
LEAD, LEAD_PASS = "alice", "alice-passphrase"
WITNESS, WITNESS_PASS = "bob", "bob-passphrase"


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
    keyring.set_keyring(backend)
    return backend


@dataclass
class Made:
    """A binder made for a test, with its signers unlocked."""

    path: Path
    binder: storage.Binder
    recovery_code: str
    lead: signers.SigningSession
    witness: signers.SigningSession


def make_binder(path: Path, *, org: str = "Acme Store") -> Made:
    """A real binder on disk: keys, root, default plan, two enrolled signers."""
    binder = storage.create_binder(path, org=org)
    code = vault.setup_keys(binder, PASSPHRASE, kdf=LIGHT_KDF_FOR_TESTS)
    signers.create_root(binder)
    plans.load_default_plan(binder)
    signers.enroll(binder, LEAD, LEAD_PASS, role="Incident Lead", kdf=LIGHT_KDF_FOR_TESTS)
    signers.enroll(binder, WITNESS, WITNESS_PASS, role="IT Contact", kdf=LIGHT_KDF_FOR_TESTS)
    return Made(
        path, binder, code,
        signers.open_session(binder, LEAD, LEAD_PASS),
        signers.open_session(binder, WITNESS, WITNESS_PASS),
    )


@pytest.fixture
def made(tmp_path) -> Made:
    """An unlocked binder with signers ``alice`` (lead) and ``bob`` (witness)."""
    m = make_binder(tmp_path / "test.binder")
    yield m
    m.binder.close()


@pytest.fixture
def incident_id(made) -> int:
    """An open (real, not drill) incident in ``made``."""
    from binder.incident import open_incident

    return open_incident(made.binder, made.lead, title="Skimmer in checkout", type="skimmer",
                         severity="high", plan_revision_id=plans.current_revision(made.binder).id)


@dataclass
class Run:
    """The result of running the real `binder` command."""

    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(tmp_path):
    """Run the real `binder` command in a subprocess, as scripts do."""

    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None,
            timeout: float = 120) -> Run:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("BINDER_")}
        full_env["BINDER_NO_KEYRING"] = "1"
        full_env["QT_QPA_PLATFORM"] = "offscreen"
        full_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "binder", *args], capture_output=True, text=True,
            env=full_env, input=input if input is not None else "", timeout=timeout,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return run


def signer_env(person_pass: str = LEAD_PASS, witness_pass: str = WITNESS_PASS) -> dict[str, str]:
    """Environment variables that unlock binder, author and witness."""
    return {
        "BINDER_PASSPHRASE": PASSPHRASE,
        "BINDER_SIGNER_PASSPHRASE": person_pass,
        "BINDER_WITNESS_PASSPHRASE": witness_pass,
    }
