"""Files in and out, and the keyring: what the app reads is bounded, what it writes is
kept to its owner, and a keyring that keeps secrets in a file is never used.

Inputs (plan, journal import, bundle or report given to `verify --against`, a
checkpoint file): a named pipe, `/dev/zero`, a folder, a file past the size limit,
a 100,000-deep JSON document or TOML array each get exit 2 with one line, at once,
without reading the pipe or the device. Outputs (`-o` of report, export, paper
binder; `backup`): a device, a named pipe or a folder is refused and left as it
was; every file written is readable by its owner only. The keyring: with
`keyrings.alt` installed, its plain-text and encrypted-file backends (alone or in a
chain) are refused with a clear message and never written. docs/RELIABILITY.md
lists the cases.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import keyring
import pytest
from keyring.backends import chainer, fail, null
from keyrings.alt import file as alt_file

from binder.core.crypto import vault
from binder.core.incident.record import open_incident
from binder.core.output import bundle
from tests.helpers import PASSPHRASE, signer_env

DEEP_JSON = "[" * 100_000 + "]" * 100_000
DEEP_TOML = "x = " + "[" * 100_000 + "]" * 100_000 + "\n"


@pytest.fixture
def with_incident(made):
    incident = open_incident(made.binder, made.lead, title="Skimmer")
    made.binder.close()
    return made.path, incident


def _hostile(kind: str, tmp_path: Path, text: str = DEEP_JSON) -> Path:
    path = tmp_path / f"input-{kind}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        return Path("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    elif kind == "huge":
        with open(path, "wb") as fh:
            fh.truncate(2 * 1024 * 1024 * 1024)  # sparse: 2 GiB without using the disk
    elif kind == "deep":
        path.write_text(text, encoding="utf-8")
    return path


KINDS = ["fifo", "dev-zero", "folder", "huge", "deep"]


def _one_line_refusal(result) -> None:
    assert result.code == 2, (result.code, result.err)
    assert result.err.startswith("binder: ") and result.err.count("\n") == 1, result.err
    assert "internal error" not in result.err and "Traceback" not in result.err


@pytest.mark.parametrize("kind", KINDS)
def test_verify_against_a_hostile_file_is_refused_at_once(with_incident, tmp_path, run_cli, kind):
    path, _ = with_incident
    started = time.monotonic()
    result = run_cli("verify", "--binder", str(path), "--against",
                     str(_hostile(kind, tmp_path)))
    _one_line_refusal(result)
    assert time.monotonic() - started < 30  # at once: a pipe or /dev/zero would never end


@pytest.mark.parametrize("kind", KINDS)
def test_journal_import_of_a_hostile_file_is_refused_at_once(with_incident, tmp_path, run_cli,
                                                             kind):
    path, incident = with_incident
    result = run_cli("journal", "import", str(incident), str(_hostile(kind, tmp_path)),
                     "--as", "alice", "--binder", str(path), env=signer_env())
    _one_line_refusal(result)


@pytest.mark.parametrize("kind", KINDS)
def test_plan_import_of_a_hostile_file_is_refused_at_once(with_incident, tmp_path, run_cli, kind):
    path, _ = with_incident
    result = run_cli("plan", "import", str(_hostile(kind, tmp_path, DEEP_TOML)),
                     "--binder", str(path))
    _one_line_refusal(result)


def test_a_bundle_nested_too_deeply_is_named(with_incident, tmp_path, run_cli):
    path, _ = with_incident
    deep = tmp_path / "deep.json"
    deep.write_text('{"format": "incident-binder-bundle", "x": ' + "[" * 200 + "]" * 200 + "}",
                    encoding="utf-8")
    result = run_cli("verify", "--binder", str(path), "--against", str(deep))
    _one_line_refusal(result)
    assert "nests 201 levels deep" in result.err


@pytest.mark.parametrize("target", ["device", "fifo", "folder"])
@pytest.mark.parametrize("command", ["export", "report", "print-plan"])
def test_output_onto_a_device_pipe_or_folder_is_refused(with_incident, tmp_path, run_cli,
                                                        command, target):
    path, incident = with_incident
    out = {"device": Path("/dev/null"), "fifo": tmp_path / "pipe",
           "folder": tmp_path / "folder"}[target]
    if target == "fifo":
        os.mkfifo(out)
    elif target == "folder":
        out.mkdir()
    before = os.stat(out)
    args = {"export": ["export", str(incident)], "report": ["report", str(incident)],
            "print-plan": ["print-plan"]}[command]
    result = run_cli(*args, "-o", str(out), "--binder", str(path),
                     env={"BINDER_PASSPHRASE": PASSPHRASE})
    _one_line_refusal(result)
    after = os.stat(out)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    if target == "folder":
        assert list(out.iterdir()) == []


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_output_is_readable_by_its_owner_only(with_incident, tmp_path, run_cli):
    path, incident = with_incident
    old = os.umask(0o022)  # a usual umask: without care, files come out 0644
    try:
        outputs = {
            "bundle": (["export", str(incident)], tmp_path / "bundle.json"),
            "report": (["report", str(incident)], tmp_path / "report.pdf"),
            "paper": (["print-plan"], tmp_path / "paper.pdf"),
        }
        for name, (args, out) in outputs.items():
            result = run_cli(*args, "-o", str(out), "--binder", str(path),
                             env={"BINDER_PASSPHRASE": PASSPHRASE})
            assert result.code == 0, (name, result.err)
            assert _mode(out) == 0o600, name
        # Replacing an existing, wider file leaves an owner-only file too.
        again = tmp_path / "bundle-again.json"
        again.write_text("old", encoding="utf-8")
        again.chmod(0o644)
        with open_binder_path(path) as b:
            bundle.write_bundle(b, incident, again)
        assert _mode(again) == 0o600
        backup = run_cli("backup", str(tmp_path / "copy.binder"), "--binder", str(path))
        assert backup.code == 0 and _mode(tmp_path / "copy.binder") == 0o600
    finally:
        os.umask(old)


def open_binder_path(path: Path):
    from binder.core.storage.database import open_binder

    return open_binder(path)


# ------------------------------------------------------------------ the keyring


@pytest.fixture
def plaintext_keyring(tmp_path):
    backend = alt_file.PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring_pass.cfg")
    return backend


class _Chain(chainer.ChainerBackend):
    """keyring's chain of backends, with the members given instead of discovered."""

    def __init__(self, members):
        super().__init__()
        self._members = list(members)

    @property
    def backends(self):  # type: ignore[override]
        return self._members


def _chain(*backends):
    return _Chain(backends)


@pytest.mark.parametrize("shape", ["alone", "in-a-chain", "discovered", "null", "fail"])
def test_a_keyring_that_keeps_secrets_in_a_file_is_refused(made, tmp_path, plaintext_keyring,
                                                            shape):
    backend = {
        "alone": lambda: plaintext_keyring,
        "in-a-chain": lambda: _chain(plaintext_keyring, null.Keyring()),
        # What keyring itself chains on this machine, keyrings.alt installed and no D-Bus.
        "discovered": chainer.ChainerBackend,
        "null": null.Keyring,
        "fail": fail.Keyring,
    }[shape]()
    keyring.set_keyring(backend)
    found, why = vault.protected_keyring()
    if shape == "discovered" and found is not None:
        # Discovery also finds the in-memory stand-ins other tests in this process
        # vouched for; what matters is that the plain-text member is never the one.
        assert not isinstance(found, (alt_file.PlaintextKeyring, null.Keyring, fail.Keyring))
        return
    assert found is None and "does not protect secrets at rest" in why
    assert vault.remember_on_this_computer(made.binder) is False
    assert not vault.is_remembered(made.binder)
    assert not list(tmp_path.glob("*.cfg"))  # nothing was ever written to the file
    data_home = Path(os.environ["XDG_DATA_HOME"])
    assert not data_home.exists() or not list(data_home.rglob("*.cfg"))


def test_a_chain_uses_only_its_protected_member(made, memory_keyring, plaintext_keyring,
                                                tmp_path):
    keyring.set_keyring(_chain(plaintext_keyring, memory_keyring))
    assert vault.protected_keyring()[0] is memory_keyring
    assert vault.remember_on_this_computer(made.binder) is True
    assert memory_keyring.store and not list(tmp_path.glob("*.cfg"))


def test_cli_refuses_a_plain_text_keyring_with_a_clear_message(made, tmp_path, run_binder_process):
    made.binder.close()
    result = run_binder_process(
        "keyring", "remember", "--binder", str(made.path),
        env={"BINDER_PASSPHRASE": PASSPHRASE, "BINDER_NO_KEYRING": "",
             "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
             "XDG_DATA_HOME": str(tmp_path / "data")})
    assert result.code == 2, result.err
    assert "keyrings.alt.file.PlaintextKeyring" in result.err
    assert "does not protect secrets at rest" in result.err and result.err.count("\n") == 1
    assert not list((tmp_path / "data").rglob("*.cfg"))
