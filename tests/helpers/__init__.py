"""What tests share, as plain importable code (fixtures stay in conftest.py).

Real binder files on disk with light key derivation: the light parameters go
through the API only (they travel inside each envelope, so the command line
opens these binders normally). The one stand-in we allow is an in-memory
keyring backend, because CI has no OS keyring.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import keyring.backend

from binder.core.crypto import signers, vault
from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
from binder.core.plan import revisions as plans
from binder.core.storage import database as storage

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


@dataclass
class Run:
    """The result of running the real `binder` command."""

    code: int
    out: str
    err: str


def run_binder(*args: str, env: dict[str, str] | None = None, input: str | None = None,
               timeout: float = 120) -> Run:
    """Run the real `binder` command in a subprocess, as scripts do."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BINDER_")}
    full_env["BINDER_NO_KEYRING"] = "1"
    full_env["QT_QPA_PLATFORM"] = "offscreen"
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "binder", *args], capture_output=True, text=True,
        env=full_env, input=input if input is not None else "", timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def signer_env(person_pass: str = LEAD_PASS, witness_pass: str = WITNESS_PASS) -> dict[str, str]:
    """Environment variables that unlock binder, author and witness."""
    return {
        "BINDER_PASSPHRASE": PASSPHRASE,
        "BINDER_SIGNER_PASSPHRASE": person_pass,
        "BINDER_WITNESS_PASSPHRASE": witness_pass,
    }
