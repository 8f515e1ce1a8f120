"""Nothing acknowledged is lost: appenders killed with SIGKILL at random moments.

A writer prints an entry's id only after ``append`` (or the `binder journal
add` command) has returned. We kill it while it is busy writing the next one,
again and again; after every kill the binder must open, verify, and hold every
id that was printed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap

import pytest

from binder.core.incident import journal
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from tests.helpers import LEAD, LEAD_PASS, WITNESS, WITNESS_PASS, signer_env

APPENDER = textwrap.dedent(
    """
    import sys
    from binder.core.incident import journal
    from binder.core.crypto import signers
    from binder.core.storage import database as storage

    path, incident = sys.argv[1], int(sys.argv[2])
    binder = storage.open_binder(path)
    lead = signers.open_session(binder, sys.argv[3], sys.argv[4])
    witness = signers.open_session(binder, sys.argv[5], sys.argv[6])
    n = 0
    while True:
        n += 1
        cosigned = n % 3 == 0
        entry_id = journal.append(
            binder, incident, lead,
            journal.NewEntry(text=f"entry {n} " + "detail " * (n % 40), kind="action"),
            witness=witness if cosigned else None,
        )
        print(entry_id, "w" if cosigned else "-", flush=True)
    """
)


def read_acknowledged(proc: subprocess.Popen, stop_after: int) -> list[tuple[int, bool]]:
    """Read acknowledgements until ``stop_after`` arrived, SIGKILL the writer, collect the rest."""
    acknowledged: list[tuple[int, bool]] = []
    assert proc.stdout is not None
    while len(acknowledged) < stop_after:
        line = proc.stdout.readline()
        assert line, f"the writer stopped by itself: {proc.stderr.read() if proc.stderr else ''}"
        entry_id, mark = line.split()
        acknowledged.append((int(entry_id), mark == "w"))
    os.killpg(proc.pid, signal.SIGKILL)  # mid-way through writing the next entry
    # Lines printed before the kill landed. Only a whole line is an acknowledgement:
    # a writer killed while printing had not finished saying "done".
    for line in proc.stdout.read().split("\n")[:-1]:
        entry_id, mark = line.split()
        acknowledged.append((int(entry_id), mark == "w"))
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return acknowledged


def check_after_crash(path, incident_id, acknowledged: list[tuple[int, bool]]) -> None:
    binder = open_binder(path)
    try:
        report = verify_binder(binder)
        assert report.ok, [str(p) for p in report.problems]
        stored = {e.id for e in journal.iter_entries(binder, incident_id)}
        missing = [eid for eid, _ in acknowledged if eid not in stored]
        assert not missing, f"acknowledged entries lost: {missing}"
        for eid, cosigned in acknowledged:
            if cosigned:
                assert journal.cosigns_for(binder, eid), f"co-signature of {eid} lost"
        assert binder.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        binder.close()


@pytest.mark.slow
def test_killed_appender_loses_nothing_acknowledged(made, incident_id):
    made.binder.close()
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    acknowledged: list[tuple[int, bool]] = []
    for _round in range(8):
        with subprocess.Popen(
            [sys.executable, "-c", APPENDER, str(made.path), str(incident_id),
             LEAD, LEAD_PASS, WITNESS, WITNESS_PASS],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        ) as proc:
            acknowledged += read_acknowledged(proc, stop_after=rng.randint(1, 60))
        check_after_crash(made.path, incident_id, acknowledged)
    assert len(acknowledged) >= 8, f"seed {seed}"


SHELL_LOOP = 'while :; do "$@" || exit 1; done'


@pytest.mark.slow
@pytest.mark.parametrize("round_", range(2))
def test_killed_cli_loses_nothing_acknowledged(made, incident_id, round_):
    """The same through the real command, as a script typing `binder journal add` would."""
    made.binder.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BINDER_")}
    env.update(signer_env(), BINDER_NO_KEYRING="1")
    command = [sys.executable, "-m", "binder", "journal", "add", str(incident_id), "--as", LEAD,
               "--text", "typed in a hurry", "--witness", WITNESS, "--binder", str(made.path)]
    with subprocess.Popen(["sh", "-c", SHELL_LOOP, "sh", *command], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        ids: list[tuple[int, bool]] = []
        for _ in range(random.randint(1, 3)):
            line = proc.stdout.readline()
            assert line.strip().isdigit(), proc.stderr.read() or line
            ids.append((int(line), True))
        os.killpg(proc.pid, signal.SIGKILL)
        # Only whole lines count: a command killed mid-print had not acknowledged.
        ids += [(int(x), True) for x in proc.stdout.read().split("\n")[:-1] if x.strip()]
        proc.wait(timeout=30)
    check_after_crash(made.path, incident_id, ids)
