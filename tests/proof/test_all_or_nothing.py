"""A command either does all it says or nothing, and says which.

`journal import` writes every line or none: a process killed at any moment, or a
disk that fills up halfway, leaves no line of it; importing the same file twice
adds nothing the second time. Batch writers that used to commit in slices (1,000
lines a transaction, so a failure in the second slice left the first and still
said "nothing was imported") now use one transaction. docs/RELIABILITY.md lists
the cases.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from binder.cli import main as binder_main
from binder.core.errors import BadInput, StorageFull
from binder.core.incident import journal
from binder.core.incident.record import open_incident
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from tests.helpers import LEAD_PASS, make_binder, signer_env

LINES = 3000
ROUNDS = int(os.environ.get("IMPORT_KILL_ROUNDS", "12"))
ROOT = Path(__file__).resolve().parents[2]


def _notes(path: Path, count: int, start: int = 0) -> Path:
    path.write_text("".join(
        json.dumps({"text": f"note {i}: checked host web-{i % 7}", "kind": "observation"}) + "\n"
        for i in range(start, start + count)), encoding="utf-8")
    return path


def _entries(path: Path, incident: int) -> int:
    with open_binder(path) as b:
        return journal.count_entries(b, incident)


_WORKER = """
import sys
from binder.core.crypto import signers
from binder.core.incident import journal
from binder.core.storage.database import open_binder
binder = open_binder(sys.argv[1])
author = signers.open_session(binder, "alice", sys.argv[3])
entries = journal.parse_import_lines(journal.read_import_file(sys.argv[2]))
print("ready", flush=True)
sys.stdin.readline()
journal.import_entries(binder, 1, author, entries)
print("done", flush=True)
"""


def _start_worker(binder: Path, notes: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", _WORKER, str(binder), str(notes), LEAD_PASS],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def _finish(proc: subprocess.Popen) -> None:
    proc.wait()
    proc.stdin.close()
    proc.stdout.close()


@pytest.mark.slow
def test_import_killed_at_any_moment_leaves_all_or_nothing(tmp_path):
    made = make_binder(tmp_path / "template.binder")
    incident = open_incident(made.binder, made.lead, title="Skimmer")
    made.binder.close()
    template = (tmp_path / "template.binder").read_bytes()
    notes = _notes(tmp_path / "notes.jsonl", LINES)
    # How long one whole import takes here, so the kills land inside it.
    work = tmp_path / "work.binder"
    work.write_bytes(template)
    proc = _start_worker(work, notes)
    started = time.monotonic()
    proc.stdin.write("\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "done"
    took = time.monotonic() - started
    _finish(proc)
    assert _entries(work, incident) == 1 + LINES
    seed = int(os.environ.get("IMPORT_KILL_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    outcomes = []
    for _ in range(ROUNDS):
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{work}{suffix}").exists():
                os.unlink(f"{work}{suffix}")
        work.write_bytes(template)
        proc = _start_worker(work, notes)
        proc.stdin.write("\n")
        proc.stdin.flush()
        time.sleep(rng.uniform(0, took * 1.1))
        proc.send_signal(signal.SIGKILL)
        _finish(proc)
        count = _entries(work, incident) - 1
        assert count in (0, LINES), f"seed {seed}: a killed import left {count} of {LINES} lines"
        outcomes.append(count)
        with open_binder(work) as b:
            assert verify_binder(b).ok, f"seed {seed}"
    print(f"\nimport kills (seed {seed}): {outcomes.count(0)} left none, "
          f"{outcomes.count(LINES)} had committed all")


def test_import_on_a_full_binder_leaves_nothing(made, tmp_path):
    b = made.binder
    incident = open_incident(b, made.lead, title="Skimmer")
    notes = journal.parse_import_lines(_notes(tmp_path / "n.jsonl", LINES).read_text().splitlines())
    pages = b.conn.execute("PRAGMA page_count").fetchone()[0]
    b.conn.execute(f"PRAGMA max_page_count = {pages + 20}")
    with pytest.raises(StorageFull, match="nothing was written"):
        journal.import_entries(b, incident, made.lead, notes)
    assert journal.count_entries(b, incident) == 1
    b.conn.execute("PRAGMA max_page_count = 1073741823")
    assert verify_binder(b).ok


def test_same_file_imported_twice_adds_nothing_the_second_time(made, tmp_path):
    b = made.binder
    incident = open_incident(b, made.lead, title="Skimmer")
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"text": "called the host"}\n{"text": "ok"}\n{"text": "ok"}\n',
                     encoding="utf-8")
    first = journal.import_entries(b, incident, made.lead,
                                   journal.parse_import_lines(journal.read_import_file(notes)))
    assert (len(first.ids), first.skipped) == (3, 0)  # the same text twice is two lines
    again = journal.import_entries(b, incident, made.lead,
                                   journal.parse_import_lines(journal.read_import_file(notes)))
    assert (again.ids, again.skipped) == ((), 3)
    with open(notes, "a", encoding="utf-8") as fh:
        fh.write('{"text": "ok"}\n{"text": "host rebooted"}\n')
    longer = journal.import_entries(b, incident, made.lead,
                                    journal.parse_import_lines(journal.read_import_file(notes)))
    assert (len(longer.ids), longer.skipped) == (2, 3)
    assert journal.count_entries(b, incident) == 1 + 5
    # What makes a line "the same" is signed with it.
    doc = journal.get_entry(b, longer.ids[0]).data["imported"]
    assert doc["occurrence"] == 2 and doc["line"] == 4
    assert verify_binder(b).ok


def test_cli_import_twice_says_what_it_did(made, tmp_path, capsys):
    b = made.binder
    incident = open_incident(b, made.lead, title="Skimmer")
    b.close()
    notes = _notes(tmp_path / "notes.jsonl", 5)
    env = signer_env()

    def run() -> tuple[int, str]:
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            binder_main(["journal", "import", str(incident), str(notes), "--as", "alice",
                         "--binder", str(made.path)])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        return code, capsys.readouterr().err

    code, err = run()
    assert code == 0 and err.startswith("imported 5 entries")
    code, err = run()
    assert code == 0 and err == "nothing new to import: all 5 line(s) were already imported\n"
    assert _entries(made.path, incident) == 6


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder", "too-large", "deep"])
def test_unusable_import_files_are_refused_at_once(tmp_path, kind):
    path = tmp_path / "notes.jsonl"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path = Path("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    elif kind == "too-large":
        with open(path, "wb") as fh:
            fh.truncate(journal.MAX_IMPORT_BYTES + 1)
    elif kind == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        journal.parse_import_lines(journal.read_import_file(path))
    message = str(caught.value)
    assert "\n" not in message and len(message) < 300
    if kind == "deep":
        assert "nested 100000 levels deep" in message
