"""`verify` answers every binder: whatever any cell holds, it exits 0 or 1, at once.

A populated binder (incident, witnessed and corrected entries, evidence kept in place
and copied, a custody hand-over, contacts with history, two plan revisions) is
damaged at random: hypothesis picks cells of any table and writes integers (huge
ones too), floats, text, BLOBs, NULL, megabytes, invalid JSON, JSON of the wrong
shape, garbage DER, bytes that are not UTF-8, and paths to a folder, a named pipe
or a device. The real command (`binder verify --json`, in-process) must exit 0 or 1
with a report, never 2, 3 or 70, and never hang (a watchdog alarm fails the example).

Evidence re-checks meet a folder, a named pipe, a device, a socket or a symbolic link
to one in place of the registered file: reported at once, nothing blocks.
docs/RELIABILITY.md lists the cases and the counts.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from binder.cli import main as binder_main
from binder.core import roster
from binder.core.incident import evidence as ev
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import open_incident
from binder.core.plan import revisions as plans
from binder.core.verify.checks import verify_binder
from tests.helpers import make_binder

#: Examples per run (RELIABILITY.md quotes the default); TOTALITY_EXAMPLES changes it.
EXAMPLES = int(os.environ.get("TOTALITY_EXAMPLES", "250"))
#: A run that takes this long is a hang (a healthy one takes well under a second).
WATCHDOG_SECONDS = 60


@dataclass(frozen=True)
class Template:
    work: Path  # the folder the binder is re-created in for each example
    image: bytes  # the populated binder file (WAL checkpointed)
    cells: tuple[tuple[str, str, int], ...]  # (table, column, rowid) of every cell
    fifo: Path
    folder: Path


def _populate(path: Path, outside: Path) -> None:
    made = make_binder(path)
    b = made.binder
    iid = open_incident(b, made.lead, title="Skimmer in <checkout>", type="skimmer",
                        severity="high", plan_revision_id=plans.current_revision(b).id)
    first = journal.append(b, iid, made.lead, NewEntry(text="Found injected JS", kind="observation",
                                                       data={"files": ["a.js"], "n": 3}),
                           witness=made.witness)
    journal.append(b, iid, made.lead, NewEntry(text="Took checkout offline", kind="action",
                                               reason="stop the bleeding",
                                               occurred_at="2026-11-29T14:05+01:00"))
    journal.correct(b, first, made.lead, "Found injected JS in two files", "count was wrong")
    log = outside / "access.log"
    log.write_bytes(b"GET /checkout 200\n" * 500)
    dump = outside / "orders.sql"
    dump.write_bytes(b"INSERT INTO sales_order VALUES (1);\n" * 200)
    kept = ev.register_evidence(b, iid, log, made.lead, description="nginx log",
                                witness=made.witness)
    ev.register_evidence(b, iid, dump, made.lead, description="orders dump",
                         copy_to=ev.evidence_folder(b))
    ev.transfer(b, kept, made.lead, received_by="Forensic lab", purpose="analysis",
                witness=made.witness)
    dana = roster.add_contact(b, role="lead", name="Dana Whitfield", phone="+1 555 0100")
    roster.add_contact(b, role="it", name="Priya Raman", email="priya@example.com", escalation=2)
    roster.edit_contact(b, dana, phone="+1 555 0111")
    plan = plans.current_revision(b).plan
    plans.save_revision(b, plan, author="alice", note="second revision")
    open_incident(b, made.lead, title="Drill: admin takeover", type="admin_takeover", drill=True)
    assert verify_binder(b).ok
    b.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Template:
    outside = tmp_path_factory.mktemp("outside")
    work = tmp_path_factory.mktemp("work")
    path = work / "test.binder"
    _populate(path, outside)
    conn = sqlite3.connect(path)
    cells = []
    tables = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        try:
            rowids = [r for (r,) in conn.execute(f"SELECT rowid FROM {table}")]
        except sqlite3.OperationalError:
            continue  # WITHOUT ROWID (the search index's config): no cell to address this way
        cells.extend((table, column, rowid) for rowid in rowids for column in columns)
    conn.close()
    fifo = outside / "pipe"
    os.mkfifo(fifo)
    folder = outside / "a-folder"
    folder.mkdir()
    return Template(work, path.read_bytes(), tuple(cells), fifo, folder)


def _der_like(data: bytes) -> bytes:
    return b"\x30\x82" + len(data).to_bytes(2, "big") + data


def _values(t: Template) -> st.SearchStrategy:
    deep = "[" * 5000 + "]" * 5000
    return st.one_of(
        st.none(),
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.sampled_from([0, 1, -1, 2**62, 2**63 - 1, -(2**63)]),
        st.floats(allow_nan=False),
        st.text(max_size=40),
        st.binary(max_size=64),
        st.binary(min_size=8, max_size=200).map(_der_like),
        st.sampled_from([
            "{", "{\"kind\": 5}", "[]", "\"text\"", "null", "{\"data\": [1, 2]}",
            "{\"type\": \"cosign\", \"entry\": [], \"cert\": {}}", deep, "x" * 2_000_000,
            "2026-13-45T99:99", "/dev/zero", "/dev/null", str(t.fifo), str(t.folder), "../..",
            "a\x00b",
        ]),
        st.sampled_from([b"\xff\xfe not utf-8", b"", b"\x00" * 100]).map(lambda raw: ("utf8", raw)),
    )


def _mutate(path: Path, table: str, column: str, rowid: int, value) -> bool:
    """Write ``value`` into one cell as an attacker with sqlite3 would; False if SQLite refused."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("PRAGMA foreign_keys = OFF")
        if isinstance(value, tuple):  # text that is not UTF-8
            conn.execute(f'UPDATE "{table}" SET "{column}" = CAST(? AS TEXT) WHERE rowid = ?',
                         (value[1], rowid))
        else:
            conn.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?', (value, rowid))
        return True
    except (sqlite3.DatabaseError, OverflowError):
        return False  # NOT NULL, UNIQUE, datatype mismatch on a rowid: not a state a file can hold
    finally:
        conn.close()


class _Hang(Exception):
    pass


def _alarm(_signum, _frame):
    raise _Hang()


def _run_verify(path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(WATCHDOG_SECONDS)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                binder_main(["verify", "--binder", str(path), "--json"])
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue(), err.getvalue()


STATS = {"tried": 0, "written": 0, "crashes": 0, "hangs": 0, "exit0": 0, "exit1": 0,
         "slowest": 0.0}


@pytest.mark.slow
def test_verify_answers_every_mutated_binder(template):
    values = _values(template)

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(st.tuples(st.sampled_from(template.cells), values), min_size=1, max_size=3))
    def run(mutations):
        path = template.work / "test.binder"
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{path}{suffix}")
        path.write_bytes(template.image)
        written = 0
        for (table, column, rowid), value in mutations:
            STATS["tried"] += 1
            shown = value if not isinstance(value, (str, bytes)) or len(value) < 80 else (
                f"{type(value).__name__} of {len(value)}")
            note(f"{table}.{column} rowid {rowid} <- {shown!r}")
            written += _mutate(path, table, column, rowid, value)
        STATS["written"] += written
        started = time.monotonic()
        try:
            code, out, err = _run_verify(path)
        except _Hang:
            STATS["hangs"] += 1
            raise AssertionError(f"verify did not answer within {WATCHDOG_SECONDS} s") from None
        STATS["slowest"] = max(STATS["slowest"], time.monotonic() - started)
        if code not in (0, 1):
            STATS["crashes"] += 1
        assert code in (0, 1), f"exit {code}: {err.strip()}"
        assert "internal error" not in err and "Traceback" not in err
        report = json.loads(out)
        assert report["ok"] is (code == 0)
        STATS[f"exit{code}"] += 1

    run()
    print(f"\nverify totality: {STATS}")
    assert STATS["crashes"] == 0 and STATS["hangs"] == 0


# ------------------------------------------------------------------ evidence files


@pytest.fixture
def registered(made, tmp_path):
    iid = open_incident(made.binder, made.lead, title="Skimmer")
    log = tmp_path / "evidence" / "access.log"
    log.parent.mkdir()
    log.write_bytes(b"GET / 200\n" * 100)
    ev.register_evidence(made.binder, iid, log, made.lead, description="log")
    return made.binder, log


def _replace_with(kind: str, target: Path, tmp_path: Path) -> contextlib.AbstractContextManager:
    target.unlink()
    stack = contextlib.ExitStack()
    if kind == "folder":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        target.symlink_to("/dev/zero")
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(target))
        stack.callback(server.close)
    elif kind == "link-to-fifo":
        pipe = tmp_path / "elsewhere.pipe"
        os.mkfifo(pipe)
        target.symlink_to(pipe)
    return stack


@pytest.mark.parametrize("kind", ["folder", "fifo", "device", "socket", "link-to-fifo"])
def test_evidence_replaced_by_something_that_is_not_a_file_is_found_at_once(
        registered, tmp_path, kind):
    binder, log = registered
    with _replace_with(kind, log, tmp_path):
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(WATCHDOG_SECONDS)
        try:
            report = verify_binder(binder)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    assert [p.code for p in report.problems] == ["evidence_not_a_file"]
    assert "not the registered file" in str(report.problems[0])


def test_evidence_that_grew_is_read_only_up_to_its_registered_size(registered):
    binder, log = registered
    with open(log, "ab") as fh:
        fh.write(b"x" * (8 * 1024 * 1024))
    report = verify_binder(binder)
    assert [p.code for p in report.problems] == ["evidence_changed"]
    assert "larger than registered" in str(report.problems[0])


def test_cli_names_a_pipe_in_place_of_evidence(registered, tmp_path, run_cli):
    binder, log = registered
    path = binder.path
    binder.close()
    log.unlink()
    os.mkfifo(log)
    result = run_cli("verify", "--binder", str(path), timeout=60)
    assert result.code == 1
    assert "is a named pipe (FIFO), not the registered file" in result.out


def test_damaged_cells_found_by_hand_are_named(tmp_path):
    """Damage of each kind the property test explores, as plain regressions."""
    path = tmp_path / "b.binder"
    _populate(path, tmp_path)
    original = path.read_bytes()
    for table, column, value in (
        ("root", "cert_der", b"\x30\x03garbage"),
        ("certificate", "cert_der", "not DER at all"),
        ("entry", "canonical", 12345),
        ("entry", "seq", "one"),
        ("entry", "signature", "text"),
        ("entry", "recorded_at", 20261129),
        ("entry", "data", "[" * 100_000),
        ("cosign", "canonical", 1.5),
        ("incident", "drill", "yes"),
        ("plan_revision", "number", 2**62),
        ("contact_revision", "revision", "two"),
        ("roster_head", "listing", "{}"),
        ("evidence", "path", "/dev/zero"),
        ("meta", "value", ("utf8", b"\xff\xfe")),
    ):
        path.write_bytes(original)
        assert _mutate(path, table, column, 1, value), (table, column)
        code, out, err = _run_verify(path)
        assert code == 1, (table, column, code, err)
        assert json.loads(out)["problems"], (table, column)
