"""The bar: roster values never reach the disk in plain text.

Distinctive values go into every sensitive field, through the core and through
the real `binder roster add` command; then the binder file, its -wal, -shm and
-journal, a backup, the temp folder and the log folder are searched for each
value in UTF-8 and UTF-16 (both byte orders), before and after a checkpoint.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import platformdirs
import pytest

from binder.cli.common import APP_NAME
from binder.core import roster
from binder.core.storage.backup import backup_binder
from tests.helpers import PASSPHRASE

CORE_VALUES = {
    "name": "Zephyrine Quastelborough",
    "email": "zq.marmoset7391@quillfeather.example",
    "phone": "+49 30 7391 4426 813",
    "im": "@zephyrine_quokka7391",
    "notes": "Night codeword Marmalade-Osprey-4471",
    "sla": "Contract SLA-QX-99817-Pelican",
}
EDITED_VALUES = {
    "phone": "+49 30 7391 9988 127",
    "notes": "Night codeword Tangerine-Heron-5582",
}
CLI_VALUES = {
    "name": "Ottoline Brambleworth",
    "email": "ob.kestrel5516@hollowmere.example",
    "phone": "+33 1 5516 2093 447",
    "im": "@ottoline_lynx5516",
    "notes": "Door code Saffron-Wombat-6623",
    "sla": "Retainer RT-55160-Ibis",
}
SECRETS = [*CORE_VALUES.values(), *EDITED_VALUES.values(), *CLI_VALUES.values()]


def _needles(value: str) -> list[bytes]:
    return [value.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be")]


def _files_under(*roots: Path) -> list[Path]:
    found = []
    for root in roots:
        if root.is_file():
            found.append(root)
        elif root.is_dir():
            found.extend(p for p in root.rglob("*") if p.is_file())
    return found


def _leaks(paths: list[Path]) -> list[str]:
    leaks = []
    for path in paths:
        data = path.read_bytes()
        for value in SECRETS:
            for needle in _needles(value):
                if needle in data:
                    leaks.append(f"{value!r} in {path.name}")
    return leaks


def _binder_files(path: Path) -> list[Path]:
    return [p for p in (Path(f"{path}{s}") for s in ("", "-wal", "-shm", "-journal")) if p.exists()]


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """A temp folder of our own, so everything written there can be searched."""
    folder = tmp_path / "tmpdir"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    assert Path(tempfile.gettempdir()) == folder
    return folder


def test_the_search_finds_a_value_that_is_there(tmp_path):
    # Guards the guard: a plain-text copy must be reported, in either encoding.
    plain = tmp_path / "plain.txt"
    plain.write_bytes(CORE_VALUES["email"].encode("utf-16-le"))
    assert _leaks([plain]) == [f"{CORE_VALUES['email']!r} in plain.txt"]


def test_roster_values_never_reach_disk_in_plain_text(made, run_binder_process, private_tmp,
                                                       tmp_path):
    b = made.binder
    log_dir = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    cid = roster.add_contact(b, role="Hosting SLA contact", escalation=2, **CORE_VALUES)
    roster.edit_contact(b, cid, **EDITED_VALUES)
    roster.search(b, "zephyrine")
    assert roster.get_contact(b, cid).phone == EDITED_VALUES["phone"]
    spare = roster.add_contact(b, role="lead", name=CORE_VALUES["name"] + " II")
    roster.remove_contact(b, spare)

    # Not checkpointed: the newest pages live in the -wal beside the file.
    assert Path(f"{made.path}-wal").stat().st_size > 0
    assert _leaks(_binder_files(made.path)) == []

    backups = tmp_path / "backups"
    backups.mkdir()
    backup_binder(b, backups / "before-checkpoint.binder")
    b.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert _leaks(_binder_files(made.path) + _files_under(backups)) == []
    b.close()

    # The real command, with its own temp folder and log folder.
    env = {"BINDER_FILE": str(made.path), "BINDER_PASSPHRASE": PASSPHRASE, "TMPDIR": str(private_tmp)}
    args = ["roster", "add", "--role", "legal", "--escalation", "1"]
    for field, value in CLI_VALUES.items():
        args += [f"--{field}", value]
    added = run_binder_process(*args, env=env)
    assert added.code == 0, added.err
    listed = run_binder_process("roster", "list", "--json", env=env)
    assert CLI_VALUES["phone"] in listed.out  # it really is stored, just not readable
    backed = run_binder_process("backup", str(backups / "after-cli.binder"), env=env)
    assert backed.code == 0, backed.err

    searched = _binder_files(made.path) + _files_under(backups, private_tmp, log_dir)
    assert len(_files_under(backups)) == 2
    assert _leaks(searched) == []

    # Finally with everything folded into the main file and the WAL gone.
    conn = sqlite3.connect(made.path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert _leaks(_binder_files(made.path) + _files_under(private_tmp, log_dir)) == []
