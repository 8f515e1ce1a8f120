"""The binder file: refusals that write nothing, durability settings, migration, locking."""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from binder.core.checkpoint.store import make_checkpoint
from binder.core.crypto import session, signers, vault
from binder.core.errors import (
    AlreadyExists,
    NotABinder,
    UnsupportedFormat,
)
from binder.core.incident import journal
from binder.core.storage import database as storage
from binder.core.verify.checks import verify_binder
from tests.helpers import LEAD, LEAD_PASS, PASSPHRASE, WITNESS, WITNESS_PASS, signer_env

GOLDEN_V1 = Path(__file__).resolve().parents[2] / "data" / "binder-v1.binder"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def empty_binder(path: Path) -> Path:
    storage.create_binder(path, org="Acme").close()
    return path


# --------------------------------------------------------------------------- refusals


def _make_missing(folder: Path) -> Path:
    return folder / "nothing-here.binder"


def _make_directory(folder: Path) -> Path:
    (folder / "a-folder.binder").mkdir()
    return folder / "a-folder.binder"


def _make_text(folder: Path) -> Path:
    path = folder / "notes.binder"
    path.write_text("meeting notes, not a binder\n")
    return path


def _make_empty(folder: Path) -> Path:
    path = folder / "empty.binder"
    path.write_bytes(b"")
    return path


def _make_foreign_sqlite(folder: Path) -> Path:
    path = folder / "other-app.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO photos (name) VALUES ('cat.jpg')")
    conn.commit()
    conn.close()
    return path


def _make_newer(folder: Path) -> Path:
    path = empty_binder(folder / "from-the-future.binder")
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {storage.SCHEMA_VERSION + 1}")
    conn.close()
    return path


def _make_damaged(folder: Path) -> Path:
    path = empty_binder(folder / "damaged.binder")
    data = bytearray(path.read_bytes())
    # Keep the first page (header: magic, application id) and scramble the rest,
    # as a failing disk or a half-copied file would.
    for i in range(4096, len(data)):
        data[i] = (i * 7) & 0xFF
    path.write_bytes(bytes(data))
    return path


REFUSALS = {
    "missing": (_make_missing, NotABinder, "no binder at"),
    "directory": (_make_directory, NotABinder, "is not a file"),
    "text file": (_make_text, NotABinder, "not an SQLite database"),
    "empty file": (_make_empty, NotABinder, "not an SQLite database"),
    "foreign sqlite": (_make_foreign_sqlite, NotABinder, "SQLite database but not a binder"),
    "newer version": (_make_newer, UnsupportedFormat, "newer Incident Binder"),
    "damaged": (_make_damaged, NotABinder, "damaged"),
}


def _state(folder: Path, path: Path) -> tuple[set[str], str | None]:
    return listing(folder), (digest(path) if path.is_file() else None)


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_open_refuses_and_writes_nothing(tmp_path, case):
    make, error, words = REFUSALS[case]
    path = make(tmp_path)
    before = _state(tmp_path, path)
    with pytest.raises(error) as info:
        storage.open_binder(path)
    assert words in str(info.value)
    assert "\n" not in str(info.value)
    assert _state(tmp_path, path) == before  # no file created, changed, or -wal/-shm left


@pytest.mark.parametrize("case", ["missing", "directory", "text file", "foreign sqlite",
                                  "newer version", "damaged"])
def test_cli_refusal_is_one_line_exit_2(tmp_path, run_cli, case):
    make, _error, words = REFUSALS[case]
    path = make(tmp_path)
    before = _state(tmp_path, path)
    run = run_cli("journal", "list", "1", "--binder", str(path))
    assert run.code == 2
    assert run.out == ""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("binder: ") and words in lines[0]
    assert "Traceback" not in run.err
    assert _state(tmp_path, path) == before


def test_default_binder_path_is_not_created_by_a_command(run_cli, tmp_path):
    data_home = Path(os.environ["XDG_DATA_HOME"])
    run = run_cli("incident", "list")
    assert run.code == 2
    assert "no binder at" in run.err and "binder init" in run.err
    assert not any(data_home.rglob("*.binder"))
    assert not (data_home / "incident-binder").exists()


def test_newer_schema_hidden_in_the_wal_is_refused(tmp_path):
    """A newer version migrated the binder and died before a checkpoint: the
    header on disk still says the old version, the WAL says the new one."""
    path = empty_binder(tmp_path / "x.binder")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA wal_autocheckpoint = 0")
    other.execute(f"PRAGMA user_version = {storage.SCHEMA_VERSION + 1}")
    header_version = int.from_bytes(path.read_bytes()[60:64], "big")
    assert header_version == storage.SCHEMA_VERSION  # still the old number on disk
    try:
        with pytest.raises(UnsupportedFormat, match="newer Incident Binder"):
            storage.open_binder(path)
    finally:
        other.close()


# --------------------------------------------------------------------------- read-only


def _unshare_prefix() -> list[str] | None:
    """A command prefix giving a private mount namespace, if this kernel allows one."""
    tool = shutil.which("unshare")
    if tool is None:
        return None
    for flags in (["--mount"], ["--map-root-user", "--mount"]):
        probe = subprocess.run([tool, *flags, "true"], capture_output=True)
        if probe.returncode == 0:
            return [tool, *flags]
    return None


def _root_without_override() -> None:
    # Root stays root but loses the capabilities that bypass permission bits
    # (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER): after exec, a root
    # process only has what the bounding set still holds.
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2, 3):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")


def _become_nobody() -> None:
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)


def _unprivileged_launcher(probe_file: Path):
    """A preexec function under which permission bits apply to us, or None if none works."""
    if os.geteuid() != 0:
        return lambda: None
    probe = "import os, sys, binder.cli; sys.exit(0 if not os.access(sys.argv[1], os.W_OK) else 1)"
    for launcher in (_root_without_override, _become_nobody):
        try:
            proc = subprocess.run([sys.executable, "-c", probe, str(probe_file)], cwd="/",
                                  capture_output=True, preexec_fn=launcher, timeout=60)
        except (OSError, subprocess.SubprocessError):
            continue
        if proc.returncode == 0:
            return launcher
    return None


@pytest.fixture
def shared_folder():
    """A folder outside pytest's private (0700) tree, so an unprivileged user can reach it."""
    folder = Path(tempfile.mkdtemp(prefix="binder-ro-"))
    folder.chmod(0o755)
    yield folder
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.chmod(os.path.join(root, name), 0o700)
    folder.chmod(0o700)
    shutil.rmtree(folder)


def run_on_read_only(method: str, folder: Path, args: list[str]) -> subprocess.CompletedProcess:
    """Run the real CLI on ``folder/x.binder`` while the folder cannot be written.

    ``mount``: the folder is bind-mounted read-only in a private mount namespace,
    so writes fail with EROFS even for root (real read-only media).
    ``permissions``: folder 0555 and file 0444, with the command run as an
    unprivileged user when we are root (permission bits do not stop root).
    Each falls back to the other where the machine does not allow it, so the
    refusal is always exercised, never skipped.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("BINDER_")}
    env.update(signer_env(), BINDER_NO_KEYRING="1", HOME=str(folder), QT_QPA_PLATFORM="offscreen")
    cmd = [sys.executable, "-m", "binder", *args, "--binder", str(folder / "x.binder")]
    prefix = _unshare_prefix()
    launcher = None
    if method == "permissions" or prefix is None:
        (folder / "x.binder").chmod(0o444)
        folder.chmod(0o555)
        launcher = _unprivileged_launcher(folder / "x.binder")
        if launcher is None:
            folder.chmod(0o755)
            (folder / "x.binder").chmod(0o644)
        method = "permissions" if launcher is not None or prefix is None else "mount"
    if method == "mount":
        script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 99; shift; exec "$@"'
        proc = subprocess.run([*prefix, "sh", "-c", script, "sh", str(folder), *cmd],
                              capture_output=True, text=True, env=env, cwd="/", timeout=60)
        assert proc.returncode != 99, f"could not mount read-only: {proc.stderr}"
        return proc
    assert launcher is not None, "this machine allows neither a read-only mount nor dropping privileges"
    try:
        return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd="/", timeout=60,
                              preexec_fn=launcher)
    finally:
        folder.chmod(0o755)
        (folder / "x.binder").chmod(0o644)


@pytest.mark.parametrize("method", ["mount", "permissions"])
def test_read_only_binder_is_refused_and_untouched(shared_folder, method):
    path = empty_binder(shared_folder / "x.binder")
    path.chmod(0o644)
    before = _state(shared_folder, path)
    for args in (["verify"], ["journal", "add", "1", "--as", LEAD, "--text", "hello"]):
        proc = run_on_read_only(method, shared_folder, args)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "read-only" in lines[0], proc.stderr
        assert _state(shared_folder, path) == before


# --------------------------------------------------------------------------- creating


def test_create_refuses_to_overwrite(tmp_path):
    existing = tmp_path / "precious.txt"
    existing.write_text("do not lose me")
    link = tmp_path / "dangling.binder"
    link.symlink_to(tmp_path / "nowhere")
    for target in (existing, link):
        with pytest.raises(AlreadyExists):
            storage.create_binder(target)
    assert existing.read_text() == "do not lose me"
    assert not (tmp_path / "nowhere").exists()


def test_init_refuses_to_overwrite(made, run_cli, tmp_path):
    made.binder.close()
    text = tmp_path / "notes.binder"
    text.write_text("keep")
    for target in (made.path, text):
        before = digest(target)
        run = run_cli("init", "--binder", str(target), env={"BINDER_PASSPHRASE": PASSPHRASE})
        assert run.code == 2
        assert "already exists" in run.err and "Traceback" not in run.err
        assert digest(target) == before


def test_create_in_missing_folder_is_refused(tmp_path):
    with pytest.raises(NotABinder, match="does not exist"):
        storage.create_binder(tmp_path / "no" / "such" / "x.binder")
    assert not (tmp_path / "no").exists()


def test_settings_of_an_open_binder(made):
    conn = made.binder.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 1
    assert conn.execute("PRAGMA application_id").fetchone()[0] == storage.APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == storage.SCHEMA_VERSION
    # The identity is in the file header, where `file` and other tools look.
    header = made.path.read_bytes()[:100]
    assert header[68:72] == storage.APPLICATION_ID.to_bytes(4, "big")
    reopened = storage.open_binder(made.path)
    try:
        assert reopened.conn.execute("PRAGMA synchronous").fetchone()[0] == 2
        assert reopened.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert reopened.uuid == made.binder.uuid
    finally:
        reopened.close()


def test_foreign_keys_are_enforced(made):
    with pytest.raises(sqlite3.IntegrityError), made.binder.write() as db:
        db.execute("INSERT INTO certificate (fingerprint, signer_id, created_at, cert_der, "
                   "key_envelope) VALUES ('x', 999, 't', x'00', x'00')")


# --------------------------------------------------------------------------- history


def test_history_tables_refuse_update_delete_and_replace(made, incident_id):
    journal.append(made.binder, incident_id, made.lead, journal.NewEntry(text="seen"),
                   witness=made.witness)
    session.record_access(made.binder, "unlock", "tester", "test")
    make_checkpoint(made.binder, made.lead, made.witness)
    conn = made.binder.conn
    tables = [*storage.HISTORY_TABLES, "access_log"]
    for table in tables:
        (count,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        # The roster is empty in this binder; tokens need a timestamp authority
        # (their guards are tested in tests/core/checkpoint/test_anchor.py).
        if table not in ("contact_revision", "timestamp_token"):
            assert count > 0, table
        if not count:
            continue
        column = conn.execute(f"SELECT name FROM pragma_table_info('{table}') WHERE pk = 0 "
                              "LIMIT 1").fetchone()[0]
        for sql in (
            f"UPDATE {table} SET {column} = {column}",
            f"DELETE FROM {table}",
            f"INSERT OR REPLACE INTO {table} SELECT * FROM {table} LIMIT 1",
            f"REPLACE INTO {table} SELECT * FROM {table} LIMIT 1",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"), made.binder.write():
                conn.execute(sql)
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == count
    assert verify_binder(made.binder).ok


# --------------------------------------------------------------------------- migration


def test_first_schema_binder_is_upgraded_and_still_verifies(tmp_path):
    golden_before = digest(GOLDEN_V1)
    path = tmp_path / "old.binder"
    shutil.copyfile(GOLDEN_V1, path)
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
    assert not raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'access_log'").fetchone()
    raw.close()

    binder = storage.open_binder(path)
    try:
        conn = binder.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == storage.SCHEMA_VERSION
        applied = [m.name for m in storage.MIGRATIONS.applied(binder.db)]
        assert applied == storage.MIGRATIONS.names()
        for table in ("access_log", "draft", "evidence", "readiness", "setting"):
            assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        report = verify_binder(binder)
        assert report.ok, [str(p) for p in report.problems]
        assert (report.incidents, report.entries) == (1, 4)
        # The old keys and signers still work, and new history can be added.
        vault.unlock_with_passphrase(binder, PASSPHRASE)
        lead = signers.open_session(binder, LEAD, LEAD_PASS)
        witness = signers.open_session(binder, WITNESS, WITNESS_PASS)
        (iid,) = conn.execute("SELECT id FROM incident").fetchone()
        journal.append(binder, iid, lead, journal.NewEntry(text="after the upgrade"), witness=witness)
        session.record_access(binder, "unlock", "tester")
        assert verify_binder(binder).ok
        texts = [e.text for e in journal.iter_entries(binder, iid)]
        assert texts[1].startswith("Unknown <script> in checkout footer; café")
        assert texts[-1] == "after the upgrade"
    finally:
        binder.close()
    again = storage.open_binder(path)  # already current: opening changes nothing more
    assert again.conn.execute("PRAGMA user_version").fetchone()[0] == storage.SCHEMA_VERSION
    again.close()
    assert digest(GOLDEN_V1) == golden_before


# --------------------------------------------------------------------------- a second writer


def test_second_writer_is_told_in_use_and_nothing_breaks(made, incident_id, run_binder_process):
    # Another program holds the write lock; the second writer is a real process.
    before = journal.count_entries(made.binder, incident_id)
    holder = sqlite3.connect(made.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO setting (key, value) VALUES ('held', 'by another program')")
    try:
        start = time.monotonic()
        run = run_binder_process("journal", "add", str(incident_id), "--as", LEAD, "--text",
                                 "blocked?",
                                 "--binder", str(made.path), env=signer_env(), timeout=30)
        elapsed = time.monotonic() - start
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert run.code == 2, run.err
    assert "in use" in run.err and "Traceback" not in run.err
    assert len(run.err.strip().splitlines()) == 1
    assert elapsed < 15
    assert journal.count_entries(made.binder, incident_id) == before
    assert made.binder.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert verify_binder(made.binder).ok
    # Once the other program is done, the same command works.
    again = run_binder_process("journal", "add", str(incident_id), "--as", LEAD, "--text",
                               "now it works",
                               "--binder", str(made.path), env=signer_env())
    assert again.code == 0, again.err
    assert journal.count_entries(made.binder, incident_id) == before + 1
