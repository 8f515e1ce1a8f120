"""The command line goes through the core's door verbs: every unlock and signer session is
recorded, the two-person rule is checked before any passphrase, outputs and plan files are
checked the one way. Run as scripts run it (exit codes and one-line refusals are the point);
the keyring case relies on run_cli running in this process, with the in-memory keyring."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from binder.core import roster
from binder.core.crypto import session, signers
from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
from binder.core.plan.format import default_plan, dump_plan
from binder.core.storage.database import open_binder
from tests.helpers import LEAD, LEAD_PASS, PASSPHRASE, WITNESS, signer_env

CAROL, CAROL_NAME, CAROL_PASS = "carol", "Carol Jones", "carol-passphrase"


def access_rows(path: Path) -> list[tuple[str, str, str]]:
    with open_binder(path) as b:
        return b.conn.execute("SELECT kind, who, detail FROM access_log ORDER BY id").fetchall()


@pytest.fixture
def cli(made, incident_id, run_cli):
    """`binder ... --binder PATH`; ``env`` replaces the passphrases (default: all of them)."""

    def run(*args, env=None, **kw):
        return run_cli(*args, "--binder", str(made.path),
                       env=signer_env() if env is None else env, **kw)

    return run


# --------------------------------------------------------------------------- access recorded


@pytest.mark.parametrize("args", [
    ("roster", "list"),
    ("incident", "show", "1"),
    ("print-plan", "-o", "{tmp}/paper.pdf"),
    ("unlock",),
    ("signer", "enroll", "Dora Diaz"),
])
def test_every_command_that_unlocks_records_the_access(made, cli, tmp_path, args):
    roster.add_contact(made.binder, role="legal", name="Dora Diaz")
    before = access_rows(made.path)
    run = cli(*(a.format(tmp=tmp_path) for a in args),
              env={"BINDER_PASSPHRASE": PASSPHRASE, "BINDER_SIGNER_PASSPHRASE": "dora passphrase"})
    assert run.code == 0, run.err
    added = access_rows(made.path)[len(before):]
    expected = [("unlock", "passphrase (CLI)")]
    if args[0] == "signer":  # and the new signer, enrolled
        expected.append(("signer", "enrolled (CLI)"))
    assert [(kind, detail) for kind, _who, detail in added] == expected


def test_every_signer_session_is_recorded_with_its_meaning(made, incident_id, cli):
    before = access_rows(made.path)
    run = cli("journal", "add", str(incident_id), "--as", LEAD, "--text", "Store offline",
              "--witness", WITNESS)
    assert run.code == 0, run.err
    assert access_rows(made.path)[len(before):] == [("signer", LEAD, "author (CLI)"),
                                                    ("signer", WITNESS, "witness (CLI)")]


def test_recovery_is_recorded_as_an_unlock_and_a_passphrase_change(made, cli):
    run = cli("unlock", "--recovery", env={"BINDER_RECOVERY_CODE": made.recovery_code,
                                           "BINDER_NEW_PASSPHRASE": "a brand new passphrase"})
    assert run.code == 0, run.err
    assert [(k, d) for k, _w, d in access_rows(made.path)[-2:]] == [
        ("unlock", "recovery code (CLI)"), ("passphrase", "passphrase and recovery code replaced (CLI)")]


def test_init_records_the_creation(tmp_path, run_cli):
    path = tmp_path / "new.binder"
    run = run_cli("init", "--binder", str(path), env={"BINDER_PASSPHRASE": PASSPHRASE})
    assert run.code == 0, run.err
    assert [(k, d) for k, _w, d in access_rows(path)] == [("unlock", "created, passphrase set (CLI)")]


def test_a_keyring_unlock_is_recorded_too(made, incident_id, memory_keyring, cli):
    session.remember_here(made.binder, door="test")
    before = access_rows(made.path)
    # In-process: the in-memory keyring is this process's; no passphrase anywhere.
    keyring_on = {"BINDER_NO_KEYRING": "0"}
    assert cli("incident", "show", str(incident_id), env=keyring_on).code == 0
    status = cli("keyring", "status", env=keyring_on)
    assert status.code == 0 and "unlocks the binder from its OS keyring" in status.out
    added = access_rows(made.path)[len(before):]
    assert [(k, d) for k, _w, d in added] == [("unlock", "keyring (CLI)")] * 2


def test_incident_show_without_any_secret_stays_locked_and_records_nothing(made, incident_id, cli):
    before = access_rows(made.path)
    run = cli("incident", "show", str(incident_id), env={})
    assert run.code == 0, run.err
    assert access_rows(made.path) == before


# --------------------------------------------------------------------------- two-person rule


@pytest.fixture
def carol(made):
    signers.enroll(made.binder, CAROL, CAROL_PASS, display_name=CAROL_NAME, kdf=LIGHT_KDF_FOR_TESTS)
    return CAROL


def _signed_commands(incident_id: int, evidence_file: Path, person: str, witness: str):
    who = ["--as", person, "--witness", witness]
    return {
        "journal add": ["journal", "add", str(incident_id), "--text", "x", *who],
        "decide": ["decide", str(incident_id), "--decision", "offline", "--reason", "skimmer", *who],
        "notify-decision": ["notify-decision", str(incident_id), "--party", "bank", "--notify",
                            "--reason", "card data", *who],
        "incident close": ["incident", "close", str(incident_id), *who],
        "evidence add": ["evidence", "add", str(incident_id), str(evidence_file),
                         "--description", "log", *who],
        "report --sign": ["report", str(incident_id), "-o", str(evidence_file.parent / "r.pdf"),
                          "--sign", *who],
    }


@pytest.mark.parametrize("command", ["journal add", "decide", "notify-decision", "incident close",
                                     "evidence add", "report --sign"])
def test_the_same_person_by_login_and_full_name_is_refused_before_any_passphrase(
        made, incident_id, carol, cli, tmp_path, command):
    evidence = tmp_path / "access.log"
    evidence.write_text("GET /checkout\n")
    before = access_rows(made.path)
    entries = made.binder.conn.execute("SELECT count(*) FROM entry").fetchone()[0]
    args = _signed_commands(incident_id, evidence, carol, CAROL_NAME)[command]
    # No signer passphrases and no terminal: asking for one first would exit 3 instead.
    run = cli(*args, env={"BINDER_PASSPHRASE": PASSPHRASE})
    assert run.code == 2, (run.code, run.err)
    assert run.err.startswith("binder: Carol Jones cannot witness") and "two-person rule" in run.err
    assert run.err.count("\n") == 1 and run.out == ""
    assert access_rows(made.path) == before
    assert made.binder.conn.execute("SELECT count(*) FROM entry").fetchone()[0] == entries


def test_two_different_people_named_by_number_and_full_name_sign(made, incident_id, carol, cli):
    run = cli("journal", "add", str(incident_id), "--as", "Carol Jones", "--witness", "1",
              "--text", "Two people", env={"BINDER_SIGNER_PASSPHRASE": CAROL_PASS,
                                           "BINDER_WITNESS_PASSPHRASE": LEAD_PASS})
    assert run.code == 0, run.err
    assert access_rows(made.path)[-2:] == [("signer", CAROL, "author (CLI)"),
                                           ("signer", LEAD, "witness (CLI)")]


# --------------------------------------------------------------------------- outputs


@pytest.fixture
def not_files(tmp_path):
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    return {"/dev/null": ("/dev/null", "is a device"),
            "fifo": (str(fifo), "is a named pipe (FIFO)"),
            "folder": (str(tmp_path), "is a folder"),
            "missing folder": (str(tmp_path / "nope" / "out.pdf"), "does not exist")}


def _writers(incident_id: int, target: str) -> dict[str, list[str]]:
    return {
        "report": ["report", str(incident_id), "-o", target],
        "export": ["export", str(incident_id), "-o", target],
        "print-plan": ["print-plan", "-o", target, "--no-roster"],
        "plan export": ["plan", "export", target],
        "backup": ["backup", target],
        "gui --screenshot": ["gui", "--screenshot", target],
    }


@pytest.mark.parametrize("command, kind", [
    (command, kind)
    for command in ("report", "export", "print-plan", "plan export", "backup", "gui --screenshot")
    for kind in ("/dev/null", "fifo", "folder", "missing folder")
    # `binder backup FOLDER` writes a dated copy inside the folder: the documented contract.
    if (command, kind) != ("backup", "folder")
])
def test_outputs_that_are_not_files_exit_2_in_one_line(made, incident_id, cli, not_files, tmp_path,
                                                       command, kind):
    target, words = not_files[kind]
    if command == "gui --screenshot" and kind in ("fifo", "folder", "missing folder"):
        target += ".png"
        if kind == "fifo":
            os.mkfifo(target)
        elif kind == "folder":
            os.mkdir(target)
    listing = sorted(os.listdir(tmp_path))
    run = cli(*_writers(incident_id, target)[command], timeout=60)
    assert run.code == 2, (run.code, run.err)
    assert words in run.err and run.err.count("\n") == 1 and "Traceback" not in run.err
    assert sorted(os.listdir(tmp_path)) == listing  # nothing written, no temporary file left
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")


# --------------------------------------------------------------------------- plan files


@pytest.mark.parametrize("kind, words", [("fifo", "named pipe"), ("zero", "/dev/zero is a device"),
                                         ("huge", "too large for a plan file")])
def test_plan_files_are_read_bounded_by_import_and_init(made, cli, run_cli, tmp_path, kind, words):
    source = {"fifo": tmp_path / "plan.toml", "zero": Path("/dev/zero"),
              "huge": tmp_path / "huge.toml"}[kind]
    if kind == "fifo":
        os.mkfifo(source)
    elif kind == "huge":
        with open(source, "wb") as fh:
            fh.truncate(1 << 30)
    run = cli("plan", "import", str(source), timeout=60)
    assert run.code == 2 and words in run.err and run.err.count("\n") == 1, run.err
    fresh = tmp_path / "fresh.binder"
    run = run_cli("init", "--binder", str(fresh), "--plan", str(source),
                  env={"BINDER_PASSPHRASE": PASSPHRASE}, timeout=60)
    assert run.code == 2 and words in run.err, run.err
    assert not fresh.exists()


def test_plan_import_reads_the_same_file_init_reads(made, cli, tmp_path):
    path = tmp_path / "plan.toml"
    plan = default_plan()
    path.write_text(dump_plan(plan), encoding="utf-8")
    run = cli("plan", "import", str(path))
    assert run.code == 0 and run.out.strip().isdigit(), run.err
