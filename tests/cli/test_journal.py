"""The `binder journal ...` contract as scripts use it: output, exit codes, nothing half-written."""

from __future__ import annotations

import json
import time

import pytest

from binder.core.crypto import signers
from binder.core.incident import journal
from binder.core.verify.checks import verify_binder
from tests.helpers import LEAD, LEAD_NAME, WITNESS, WITNESS_NAME, signer_env


@pytest.fixture
def cli(made, incident_id, run_cli):
    """Run `binder` on the test binder with everyone's passphrases in the environment."""

    def run(*args, env=None, **kw):
        full = signer_env() if env is None else env
        return run_cli(*args, "--binder", str(made.path), env=full, **kw)

    return run


def count(made, incident_id) -> int:
    return journal.count_entries(made.binder, incident_id)


def assert_refused(run, code: int, words: str) -> None:
    assert run.code == code, (run.code, run.err)
    assert words in run.err, run.err
    assert run.out == "" and "Traceback" not in run.err


def test_add_prints_the_new_id_alone(made, incident_id, cli):
    run = cli("journal", "add", str(incident_id), "--as", LEAD, "--text", "Found <script> in footer",
              "--reason", "customer report", "--kind", "observation",
              "--occurred-at", "2026-03-01T09:10:00+01:00")
    assert run.code == 0, run.err
    assert run.out.strip().isdigit() and run.out.count("\n") == 1
    entry = journal.get_entry(made.binder, int(run.out))
    assert (entry.text, entry.reason, entry.kind, entry.author) == (
        "Found <script> in footer", "customer report", "observation", LEAD)
    assert entry.occurred_at == "2026-03-01T09:10:00+01:00"  # as typed, with its offset
    assert not journal.cosigns_for(made.binder, entry.id)


def test_add_with_witness_cosigns(made, incident_id, cli):
    run = cli("journal", "add", str(incident_id), "--as", LEAD, "--text", "Store offline",
              "--kind", "action", "--witness", WITNESS)
    assert run.code == 0, run.err
    (cosign,) = journal.cosigns_for(made.binder, int(run.out))
    assert cosign.witness == WITNESS
    assert verify_binder(made.binder).ok


@pytest.mark.parametrize("args, words", [
    (["--kind", "open"], "unknown kind"),
    (["--text", ""], "empty"),
    (["--occurred-at", "last tuesday"], "not a valid time"),
    (["--text", "nul\x01byte"], "control character"),
    (["--text", "caf\udce9"], "not valid UTF-8"),  # a Latin-1 terminal's é
    (["--as", "mallory"], "not an enrolled signer"),
    (["--witness", LEAD], "two-person"),
    (["--incident", "77"], "no incident"),
])
def test_add_bad_input_exit_2_nothing_written(made, incident_id, cli, args, words):
    before = count(made, incident_id)
    options = {"--as": LEAD, "--text": "something"}
    incident = str(incident_id)
    extra: list[str] = []
    for flag, value in zip(args[::2], args[1::2], strict=True):
        if flag == "--incident":
            incident = value
        elif flag in options:
            options[flag] = value
        else:
            extra += [flag, value]
    flat = [x for pair in options.items() for x in pair]
    run = cli("journal", "add", incident, *flat, *extra)
    assert_refused(run, 2, words)
    assert count(made, incident_id) == before


def test_add_usage_errors_exit_2(made, incident_id, cli):
    run = cli("journal", "add", str(incident_id), "--text", "who wrote this?")
    assert run.code == 2 and "--as" in run.err and "Traceback" not in run.err


def test_wrong_passphrases_exit_3_nothing_written(made, incident_id, cli):
    before = count(made, incident_id)
    wrong_author = cli("journal", "add", str(incident_id), "--as", LEAD, "--text", "x",
                       env=signer_env(person_pass="not alice's"))
    assert_refused(wrong_author, 3, f"wrong passphrase for {LEAD_NAME}")
    wrong_witness = cli("journal", "add", str(incident_id), "--as", LEAD, "--text", "x",
                        "--witness", WITNESS, env=signer_env(witness_pass="not bob's"))
    assert_refused(wrong_witness, 3, f"wrong passphrase for {WITNESS_NAME}")
    assert count(made, incident_id) == before


def test_no_passphrase_and_no_terminal_exits_3_at_once(made, incident_id, cli):
    start = time.monotonic()
    run = cli("journal", "add", str(incident_id), "--as", LEAD, "--text", "x", env={}, timeout=30)
    assert_refused(run, 3, "BINDER_SIGNER_PASSPHRASE")
    assert time.monotonic() - start < 20  # it did not sit waiting for input
    assert count(made, incident_id) == 1


def test_cosign_command(made, incident_id, cli):
    eid = journal.append(made.binder, incident_id, made.lead, journal.NewEntry(text="to witness"))
    self_sign = cli("journal", "cosign", str(eid), "--as", LEAD)
    assert_refused(self_sign, 2, "two-person")
    run = cli("journal", "cosign", str(eid), "--as", WITNESS,
              env={"BINDER_SIGNER_PASSPHRASE": "bob-passphrase"})
    assert run.code == 0, run.err
    (cosign,) = journal.cosigns_for(made.binder, eid)
    assert run.out.strip() == str(cosign.id)
    twice = cli("journal", "cosign", str(eid), "--as", WITNESS,
                env={"BINDER_SIGNER_PASSPHRASE": "bob-passphrase"})
    assert_refused(twice, 2, "already co-signed")
    for ref, words in (("9999", "no journal entry 9999"), ("abc", "not a number")):
        assert_refused(cli("journal", "cosign", ref, "--as", WITNESS), 2, words)


def test_correct_command_and_listing(made, incident_id, cli):
    eid = journal.append(made.binder, incident_id, made.lead, journal.NewEntry(text="footer"))
    run = cli("journal", "correct", str(eid), "--as", LEAD, "--text", "header",
              "--reason", "misread")
    assert run.code == 0, run.err
    fix = journal.get_entry(made.binder, int(run.out))
    assert fix.corrects == eid and fix.kind == "correction"
    no_reason = cli("journal", "correct", str(eid), "--as", LEAD, "--text", "x", "--reason", " ")
    assert_refused(no_reason, 2, "needs a reason")
    listing = cli("journal", "list", str(incident_id))
    assert listing.code == 0
    assert f"CORRECTED by {fix.id}" in listing.out and f"corrects {eid}" in listing.out


def test_list_json_carries_signatures(made, incident_id, cli):
    journal.append(made.binder, incident_id, made.lead, journal.NewEntry(text="é & <b>"),
                   witness=made.witness)
    run = cli("journal", "list", str(incident_id), "--json", env={})
    assert run.code == 0, run.err
    rows = json.loads(run.out)
    assert [r["seq"] for r in rows] == [1, 2]
    row = rows[1]
    assert row["text"] == "é & <b>" and row["cosigned_by"] == [WITNESS]
    (canonical,) = made.binder.conn.execute("SELECT canonical FROM entry WHERE id = ?",
                                            (row["id"],)).fetchone()
    alice = signers.get_signer(made.binder, LEAD).certificate
    assert signers.verify_signature(alice, canonical, bytes.fromhex(row["signature"]))
    assert row["prev_hash"] == rows[0]["hash"]


def test_import_appends_every_line_signed(made, incident_id, cli, tmp_path):
    notes = tmp_path / "notes.jsonl"
    notes.write_text("\n".join(json.dumps({"text": f"note {n}", "kind": "observation",
                                           "reason": "typed offline"}) for n in range(2500))
                     + "\n", encoding="utf-8-sig")  # with a byte-order mark, as Notepad saves
    run = cli("journal", "import", str(incident_id), str(notes), "--as", LEAD)
    assert run.code == 0, run.err
    assert "imported 2500 entries" in run.err
    entries = list(journal.iter_entries(made.binder, incident_id))
    assert len(entries) == 2501 and entries[-1].text == "note 2499"
    report = verify_binder(made.binder)
    assert report.ok and report.signatures == 2501


def test_import_refuses_the_whole_file_for_one_bad_line(made, incident_id, cli, tmp_path):
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"text": "fine"}\n{"text": "fine too"}\n{"text": "oops", "kind": 3}\n',
                     encoding="utf-8")
    run = cli("journal", "import", str(incident_id), str(notes), "--as", LEAD)
    assert_refused(run, 2, "line 3")
    assert "nothing was imported" in run.err
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b'{"text": "\xff\xfe"}\n')
    assert_refused(cli("journal", "import", str(incident_id), str(binary), "--as", LEAD), 2,
                   "not UTF-8")
    assert_refused(cli("journal", "import", str(incident_id), str(tmp_path / "none.jsonl"),
                       "--as", LEAD), 2, "no import file")
    assert count(made, incident_id) == 1
