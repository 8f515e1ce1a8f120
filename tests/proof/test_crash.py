"""Crash suite: SIGKILL at random moments, many rounds, for every kind of write but journal appends.

(tests/proof/test_durability.py does journal appends.) Here: evidence registration,
custody transfers, plan saves, passphrase changes and roster adds.

A worker prints one acknowledgement line after each operation returned, the
way a command prints the new id. We let it run a random number of operations,
wait a random fraction of one operation's duration (so the kill lands at a
random point of the next one: hashing, signing, inside the transaction, at
commit), and SIGKILL it. After every kill the binder must open and verify, hold
every acknowledged record, and unlock with the old or the new passphrase.

Most rounds run in processes forked from one pre-loaded worker, so a round
costs milliseconds instead of an interpreter start; every kill is still a real
SIGKILL of a real process holding the real binder file. One round per kind
uses the real `binder` command in a shell loop.

Seeded: set CRASH_SEED to replay a failing run (the seed is in every failure
message); CRASH_ROUNDS changes the number of forked rounds per kind.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from binder.core import roster
from binder.core.crypto import vault
from binder.core.errors import WrongPassphrase
from binder.core.incident import evidence as ev
from binder.core.incident.hashing import sha256_file
from binder.core.plan import revisions as plans
from binder.core.plan.format import default_plan, dump_plan
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from tests.helpers import LEAD, LEAD_PASS, PASSPHRASE, WITNESS, WITNESS_PASS, signer_env

SEED = int(os.environ.get("CRASH_SEED") or random.randrange(1 << 30))
ROUNDS = int(os.environ.get("CRASH_ROUNDS") or 30)
NEW_PASSPHRASE = "a brand new passphrase"
KINDS = ("evidence", "transfer", "plan", "passphrase", "roster")

WORKER = textwrap.dedent(
    """
    import dataclasses, json, os, random, sys
    from pathlib import Path
    from binder.core.incident import evidence as ev
    from binder.core.plan import revisions as plans
    from binder.core import roster
    from binder.core.crypto import signers
    from binder.core.storage import database as storage
    from binder.core.crypto import vault
    from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
    from binder.core.plan.format import default_plan, dump_plan

    BASE_PLAN = default_plan()

    def ack(*parts):
        os.write(1, ("ack " + " ".join(str(p) for p in parts) + "\\n").encode())

    def run(cmd):
        binder = storage.open_binder(cmd["path"])
        vault.unlock_with_passphrase(binder, cmd["passphrase"])
        lead = signers.open_session(binder, cmd["lead"][0], cmd["lead"][1])
        witness = signers.open_session(binder, cmd["witness"][0], cmd["witness"][1])
        rng = random.Random(cmd["seed"])
        tag, kind, n = cmd["tag"], cmd["kind"], 0
        while True:
            n += 1
            if kind == "evidence":
                f = Path(cmd["work"]) / f"{tag}-{n}.log"
                f.write_bytes(rng.randbytes(rng.randint(1, 48 * 1024)))
                copy = ev.evidence_folder(binder) if n % 2 else None
                eid = ev.register_evidence(binder, cmd["incident"], f, lead,
                                           description=f"{tag} file {n}", copy_to=copy,
                                           witness=witness if n % 3 == 0 else None)
                ack(eid)
            elif kind == "transfer":
                entry = ev.transfer(binder, cmd["evidence"], lead, received_by=f"courier {tag}-{n}",
                                    purpose="to the lab", witness=witness if n % 2 else None)
                ack(entry)
            elif kind == "plan":
                text = dump_plan(dataclasses.replace(BASE_PLAN, description=f"{tag} revision {n}"))
                rev = plans.save_revision(binder, text, author="crash", note=f"{tag}-{n}")
                ack(rev, f"{tag}-{n}")
            elif kind == "passphrase":
                new = cmd["other"] if n % 2 else cmd["passphrase"]
                vault.change_passphrase(binder, new, kdf=LIGHT_KDF_FOR_TESTS)
                ack(json.dumps(new))
            elif kind == "roster":
                cid = roster.add_contact(binder, role=rng.choice(["lead", "it", "legal"]),
                                         name=f"Contact {tag}-{n}", phone=f"+49 30 {n:07d}",
                                         email=f"c{n}@example.org", notes="x" * rng.randint(0, 900))
                ack(cid, f"Contact {tag}-{n}")

    for line in sys.stdin:
        cmd = json.loads(line)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            try:
                run(cmd)
            except BaseException as exc:
                os.write(1, f"error {type(exc).__name__}: {exc}\\n".encode())
                os._exit(3)
            os._exit(0)
        os.write(1, f"child {pid}\\n".encode())
        _, status = os.waitpid(pid, 0)
        os.write(1, f"exit {pid} {status}\\n".encode())
    """
)


class Worker:
    """The pre-loaded worker: each round forks a child that writes until it is killed."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, bufsize=1,
        )

    def _line(self) -> list[str]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, f"worker died (seed {SEED}): {self.proc.stderr.read() if self.proc.stderr else ''}"
        return line.rstrip("\n").split(" ", 1)

    def round(self, cmd: dict, rng: random.Random, stop_after: int) -> list[list[str]]:
        """Run one child until ``stop_after`` acknowledgements, kill it at a random moment."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        pid, acks, times = None, [], []
        while pid is None or len(acks) < stop_after:
            kind, *rest = self._line()
            if kind == "child":
                pid = int(rest[0])
            elif kind == "ack":
                acks.append(rest[0].split(" "))
                times.append(time.monotonic())
            else:
                pytest.fail(f"worker child stopped by itself (seed {SEED}): {kind} {rest}")
        kill_at_random_point(rng, times, lambda: os.kill(pid, signal.SIGKILL))
        while True:  # acknowledgements printed before the kill landed still count
            kind, *rest = self._line()
            if kind == "ack":
                acks.append(rest[0].split(" "))
            elif kind == "exit":
                status = int(rest[0].split()[1])
                assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
                    f"seed {SEED}: child ended with status {status}")
                return acks

    def close(self) -> None:
        # Closing stdin ends the worker's loop; then every pipe is closed, or
        # pytest (warnings as errors) rightly complains about leaked files.
        with self.proc:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


def kill_at_random_point(rng: random.Random, times: list[float], kill) -> None:
    """Kill somewhere within the next operation, not always at its start.

    The pause is not a wait for anything: it only moves the kill to a random
    point of the operation in progress, scaled to how long one takes here.
    """
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    one_op = statistics.median(gaps) if gaps else 0.02
    time.sleep(rng.uniform(0, 1.2 * min(one_op, 3.0)))
    kill()


# ------------------------------------------------------------------ checks after a kill


class Ledger:
    """Everything acknowledged so far, and the passphrase that may be in force."""

    def __init__(self, kind: str):
        self.kind = kind
        self.ids: list[str] = []
        self.names: dict[str, str] = {}
        self.passphrase = PASSPHRASE  # the one last acknowledged
        self.pending = NEW_PASSPHRASE  # the one a killed change may have written

    def take(self, acks: list[list[str]]) -> None:
        for parts in acks:
            if self.kind == "passphrase":
                self.passphrase = json.loads(" ".join(parts))
                self.pending = NEW_PASSPHRASE if self.passphrase == PASSPHRASE else PASSPHRASE
                continue
            self.ids.append(parts[0])
            if len(parts) > 1:
                self.names[parts[0]] = " ".join(parts[1:])


def check_after_kill(path: Path, ledger: Ledger, incident_id: int, evidence_id: int | None,
                     recovery_code: str, where: str) -> None:
    binder = open_binder(path)
    try:
        assert binder.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", where
        report = verify_binder(binder)
        assert report.ok, f"{where}: {[str(p) for p in report.problems]}"
        unlocked_with = _unlock_old_or_new(binder, ledger, where)
        if ledger.kind == "passphrase" and unlocked_with != ledger.passphrase:
            # The change was on disk when the kill landed: that is now the passphrase.
            ledger.passphrase, ledger.pending = ledger.pending, ledger.passphrase
        _check_records(binder, ledger, incident_id, evidence_id, where)
        binder.data_key = None
        vault.unlock_with_recovery_code(binder, recovery_code)  # a change never touches it
    finally:
        binder.close()


def _unlock_old_or_new(binder, ledger: Ledger, where: str) -> str:
    for candidate in (ledger.passphrase, ledger.pending):
        try:
            vault.unlock_with_passphrase(binder, candidate)
            return candidate
        except WrongPassphrase:
            continue
    pytest.fail(f"{where}: neither the old nor the new passphrase unlocks the binder")


def _check_records(binder, ledger: Ledger, incident_id: int, evidence_id: int | None,
                   where: str) -> None:
    conn = binder.conn
    if ledger.kind == "evidence":
        stored = {str(i) for (i,) in conn.execute("SELECT id FROM evidence")}
        lost = [i for i in ledger.ids if i not in stored]
        assert not lost, f"{where}: acknowledged evidence lost: {lost}"
        for eid in ledger.ids:  # the registered file (or its copy) is still the one hashed
            item = ev.get_evidence(binder, int(eid))
            assert sha256_file(item.file) == item.sha256, where
    elif ledger.kind == "transfer":
        item = ev.get_evidence(binder, evidence_id)
        custody = {str(c.entry_id) for c in item.custody if c.action == "transfer"}
        lost = [i for i in ledger.ids if i not in custody]
        assert not lost, f"{where}: acknowledged hand-overs lost: {lost}"
    elif ledger.kind == "plan":
        notes = dict(conn.execute("SELECT id, note FROM plan_revision"))
        lost = [i for i in ledger.ids if int(i) not in notes]
        assert not lost, f"{where}: acknowledged plan revisions lost: {lost}"
        assert all(notes[int(i)] == ledger.names[i] for i in ledger.ids if i in ledger.names), where
        # Their content is checked against its hash by verify (plan_check); the newest parses:
        assert plans.current_revision(binder).plan.phases, where  # the newest still parses
    elif ledger.kind == "roster":
        stored = {cid for (cid,) in conn.execute("SELECT id FROM contact")}
        lost = [i for i in ledger.ids if i not in stored]
        assert not lost, f"{where}: acknowledged contacts lost: {lost}"
        for cid in ledger.ids:
            contact = roster.get_contact(binder, cid)  # decrypts: needs the key unwrapped
            if cid in ledger.names:
                assert contact.name == ledger.names[cid], where


# ------------------------------------------------------------------ setup


@pytest.fixture
def crash_binder(made, incident_id, tmp_path):
    """The `made` binder closed, with one evidence item to hand over, and a work folder."""
    work = tmp_path / "work"
    work.mkdir()
    item = work / "disk-image.bin"
    item.write_bytes(random.Random(SEED).randbytes(200_000))
    evidence_id = ev.register_evidence(made.binder, incident_id, item, made.lead,
                                       description="disk image")
    made.binder.close()
    return made.path, incident_id, evidence_id, work, made.recovery_code


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_sigkill_rounds_lose_nothing_acknowledged(crash_binder, kind):
    path, incident_id, evidence_id, work, code = crash_binder
    rng = random.Random(f"{SEED}-{kind}")
    ledger = Ledger(kind)
    worker = Worker()
    try:
        for n in range(ROUNDS):
            where = f"{kind} round {n + 1} (seed {SEED})"
            cmd = {
                "path": str(path), "kind": kind, "tag": f"r{n}", "seed": rng.randrange(1 << 30),
                "incident": incident_id, "evidence": evidence_id, "work": str(work),
                "passphrase": ledger.passphrase, "other": ledger.pending,
                "lead": [LEAD, LEAD_PASS], "witness": [WITNESS, WITNESS_PASS],
            }
            ledger.take(worker.round(cmd, rng, stop_after=rng.randint(1, 6)))
            check_after_kill(path, ledger, incident_id, evidence_id, code, where)
    finally:
        worker.close()
    if kind != "passphrase":
        assert len(ledger.ids) >= ROUNDS, f"seed {SEED}"


# ------------------------------------------------------------------ the real command

SHELL_LOOP = 'while :; do "$@" || exit 1; done'
# Alternates the passphrase and prints the one in force after each change returned.
PASSPHRASE_LOOP = textwrap.dedent(
    """
    a="$1"; b="$2"; shift 2
    while :; do
      BINDER_PASSPHRASE="$a" BINDER_NEW_PASSPHRASE="$b" "$@" || exit 1
      printf '"%s"\\n' "$b"
      t="$a"; a="$b"; b="$t"
    done
    """
)


def _cli(path: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "binder", *args, "--binder", str(path)]


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_sigkill_of_the_real_command(crash_binder, kind):
    path, incident_id, evidence_id, work, code = crash_binder
    rng = random.Random(f"{SEED}-cli-{kind}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BINDER_")}
    env.update(signer_env(), BINDER_NO_KEYRING="1")
    script = SHELL_LOOP
    args: list[str] = []
    if kind == "evidence":
        f = work / "checkout.js"
        f.write_text("skimmer();\n" * 500)
        command = _cli(path, "evidence", "add", str(incident_id), str(f), "--as", LEAD,
                       "--description", "injected script", "--copy")
    elif kind == "transfer":
        command = _cli(path, "evidence", "transfer", str(evidence_id), "--as", LEAD, "--to",
                       "Forensic lab", "--purpose", "analysis", "--witness", WITNESS)
    elif kind == "plan":
        f = work / "plan.toml"
        f.write_text(dump_plan(dataclasses.replace(default_plan(), description="edited offline")))
        command = _cli(path, "plan", "import", str(f), "--note", "edited offline")
    elif kind == "passphrase":
        script = PASSPHRASE_LOOP
        args = [PASSPHRASE, NEW_PASSPHRASE]
        env.pop("BINDER_PASSPHRASE")
        command = _cli(path, "passphrase", "change")
    else:
        command = _cli(path, "roster", "add", "--name", "Night shift desk", "--role", "it",
                       "--phone", "+49 30 1234567")
    ledger = Ledger(kind)
    with subprocess.Popen(["sh", "-c", script, "sh", *args, *command], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        acks, times = [], []
        for _ in range(rng.randint(1, 2)):
            line = proc.stdout.readline()
            assert line.strip(), f"seed {SEED}: the command failed: {proc.stderr.read()}"
            acks.append(line.split())
            times.append(time.monotonic())
        kill_at_random_point(rng, times, lambda: os.killpg(proc.pid, signal.SIGKILL))
        acks += [line.split() for line in proc.stdout.read().splitlines() if line.strip()]
        proc.wait(timeout=30)
    ledger.take(acks)
    check_after_kill(path, ledger, incident_id, evidence_id, code,
                     f"real `binder` {kind} (seed {SEED})")
