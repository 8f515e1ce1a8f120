"""`binder backup`: a consistent, verified copy that never overwrites and opens like the original."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from binder.core import roster
from binder.core.crypto import vault
from binder.core.errors import AlreadyExists, BadInput, WrongPassphrase
from binder.core.storage.backup import backup_binder
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from tests.helpers import LEAD_NAME, PASSPHRASE, WITNESS_NAME


def _names(binder) -> list[str]:
    # The two signers are contacts too; these tests count the ones they add.
    return [c.name for c in roster.list_contacts(binder, include_removed=True)
            if c.name not in (LEAD_NAME, WITNESS_NAME)]


def test_backup_opens_with_the_same_passphrase_and_holds_everything(made, incident_id, tmp_path):
    b = made.binder
    roster.add_contact(b, role="lead", name="Dana Whitfield", phone="+1 415 555 0142")
    cid = roster.add_contact(b, role="hosting", name="Nimbus NOC")
    roster.remove_contact(b, cid)
    dest = tmp_path / "copies" / "acme.binder"
    dest.parent.mkdir()
    # The source stays open: recent writes may still sit in its WAL, not the main file.
    assert backup_binder(b, dest) == dest
    with open_binder(dest) as copy:
        assert copy.uuid == b.uuid
        with pytest.raises(WrongPassphrase):
            vault.unlock_with_passphrase(copy, "some other passphrase")
        vault.unlock_with_passphrase(copy, PASSPHRASE)
        assert _names(copy) == _names(b) == ["Dana Whitfield", "Nimbus NOC"]
        assert len(roster.contact_history(copy, cid)) == 2
        report = verify_binder(copy, check_files=False)
        assert report.ok, report.problems
        assert report.entries >= 1


def test_backup_is_one_private_self_contained_file(made, tmp_path):
    dest = tmp_path / "out" / "copy.binder"
    dest.parent.mkdir()
    backup_binder(made.binder, dest)
    assert sorted(p.name for p in dest.parent.iterdir()) == ["copy.binder"]
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    conn = sqlite3.connect(dest)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()


def test_backup_refuses_to_overwrite(made, tmp_path):
    dest = tmp_path / "precious.binder"
    dest.write_bytes(b"an older backup the user wants to keep")
    with pytest.raises(AlreadyExists, match="refusing to overwrite"):
        backup_binder(made.binder, dest)
    assert dest.read_bytes() == b"an older backup the user wants to keep"
    assert sorted(p.name for p in tmp_path.iterdir() if "precious" in p.name) == ["precious.binder"]


def test_backup_refuses_a_second_copy_to_the_same_name(made, tmp_path):
    dest = tmp_path / "copy.binder"
    backup_binder(made.binder, dest)
    first = dest.read_bytes()
    roster.add_contact(made.binder, role="lead", name="Added later")
    with pytest.raises(AlreadyExists):
        backup_binder(made.binder, dest)
    assert dest.read_bytes() == first


def test_backup_into_a_folder_picks_a_dated_name(made, tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    written = backup_binder(made.path, folder)
    assert written.parent == folder and written.name.startswith("test-backup-")
    assert written.suffix == ".binder"
    with open_binder(written) as copy:
        vault.unlock_with_passphrase(copy, PASSPHRASE)


def test_backup_to_a_missing_folder_is_bad_input(made, tmp_path):
    with pytest.raises(BadInput, match="does not exist"):
        backup_binder(made.binder, tmp_path / "nowhere" / "copy.binder")
    assert not (tmp_path / "nowhere").exists()


def test_backup_takes_only_committed_data(made, tmp_path):
    roster.add_contact(made.binder, role="lead", name="Committed")
    other = sqlite3.connect(made.path, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO meta (key, value) VALUES ('half-written', 'x')")
        backup_binder(made.binder, tmp_path / "snap.binder")
        other.execute("ROLLBACK")
    finally:
        other.close()
    with open_binder(tmp_path / "snap.binder") as copy:
        assert copy.meta("half-written") is None
        vault.unlock_with_passphrase(copy, PASSPHRASE)
        assert _names(copy) == ["Committed"]


def test_backup_leaves_no_temporary_file_when_refused(made, tmp_path):
    existing = tmp_path / "taken.binder"
    existing.touch()
    before = set(os.listdir(tmp_path))
    with pytest.raises(AlreadyExists):
        backup_binder(made.binder, existing)
    assert set(os.listdir(tmp_path)) == before


def test_cli_backup_prints_the_path_and_refuses_overwrite(made, run_cli, tmp_path):
    roster.add_contact(made.binder, role="lead", name="Dana Whitfield")
    made.binder.close()
    dest = tmp_path / "cli-copy.binder"
    first = run_cli("backup", str(dest), env={"BINDER_FILE": str(made.path)})
    assert first.code == 0, first.err
    assert first.out == f"{dest}\n"
    again = run_cli("backup", str(dest), env={"BINDER_FILE": str(made.path)})
    assert again.code == 2 and "refusing to overwrite" in again.err and "Traceback" not in again.err
    listed = run_cli("roster", "list", "--json", env={"BINDER_FILE": str(dest), "BINDER_PASSPHRASE": PASSPHRASE})
    assert listed.code == 0 and "Dana Whitfield" in listed.out


def test_cli_backup_with_an_empty_destination_writes_nothing(made, run_cli, tmp_path):
    """An empty DEST (e.g. an unset shell variable) must not mean 'this folder'."""
    import os
    import subprocess
    import sys

    work = tmp_path / "cwd"
    work.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "binder", "backup", ""], cwd=work, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "BINDER_FILE": str(made.path),
             "BINDER_NO_KEYRING": "1",
             # The code under test, not whichever copy is installed in the environment.
             **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"}}, timeout=60,
    )
    assert proc.returncode == 2 and "no backup destination" in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert list(work.iterdir()) == []
