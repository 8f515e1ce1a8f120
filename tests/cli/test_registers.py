"""`binder timeline|ioc|asset|task ...` and `binder search`: the contract scripts rely on."""

from __future__ import annotations

import json

import pytest

from binder.core.incident import journal
from tests.helpers import WITNESS_PASS, signer_env


@pytest.fixture
def cli(made, incident_id, run_cli):
    env = {"BINDER_FILE": str(made.path), **signer_env()}

    def run(*args: str):
        # bob signs with his own passphrase when he is the one in --as.
        person = args[args.index("--as") + 1] if "--as" in args else "alice"
        extra = {"BINDER_SIGNER_PASSPHRASE": WITNESS_PASS} if person == "bob" else {}
        return run_cli(*args, env={**env, **extra})

    run.incident = str(incident_id)
    return run


def _id(result) -> int:
    assert result.code == 0, result.err
    assert result.out.strip().isdigit(), result.out
    return int(result.out)


def test_an_incident_with_every_register_built_on_the_command_line(cli, made):
    inc = cli.incident
    ioc = _id(cli("ioc", "add", inc, "--type", "domain", "--value", "Evil-CDN.example",
                  "--tlp", "amber+strict", "--source", "checkout page", "--as", "alice"))
    _id(cli("ioc", "add", inc, "--type", "ip", "--value", "203.0.113.7", "--as", "alice",
            "--witness", "bob"))
    asset = _id(cli("asset", "add", inc, "--name", "web01", "--kind", "web server",
                    "--status", "confirmed", "--as", "alice"))
    event = _id(cli("timeline", "add", inc, "--at", "2026-11-28T03:14+01:00",
                    "--what", "Skimmer injected into the checkout footer", "--asset", "web01",
                    "--ioc", "evil-cdn.example", "--technique", "T1059.007",
                    "--source", "web server log", "--confidence", "high", "--as", "alice"))
    task = _id(cli("task", "add", inc, "--title", "Rotate admin passwords", "--owner", "bob",
                   "--due", "2026-01-01T09:00Z", "--as", "alice"))
    _id(cli("asset", "set", str(asset), "--status", "contained", "--reason", "firewalled",
            "--as", "bob"))
    listed = cli("task", "list", inc)
    assert "OVERDUE" in listed.out and "Rotate admin passwords (Bob Okafor" in listed.out
    _id(cli("task", "done", str(task), "--as", "bob"))

    timeline = json.loads(cli("timeline", "list", inc, "--json").out)
    assert [(e["id"], e["at"], e["technique"], e["iocs"]) for e in timeline] == [
        (event, "2026-11-28T03:14:00+01:00", "T1059.007", ["evil-cdn.example"])]
    assert timeline[0]["entry_sha256"] == journal.get_entry(made.binder, event).hash
    iocs = json.loads(cli("ioc", "list", inc, "--json").out)
    assert [(i["id"], i["value"], i["tlp"]) for i in iocs][0] == (ioc, "evil-cdn.example",
                                                                  "AMBER+STRICT")
    [a] = json.loads(cli("asset", "list", inc, "--json").out)
    assert a["status"] == "contained" and [h["action"] for h in a["history"]] == ["add", "update"]
    [t] = json.loads(cli("task", "list", inc, "--json").out)
    assert t["status"] == "done" and t["owner_name"] == "Bob Okafor"
    assert cli("verify").code == 0


@pytest.mark.parametrize("args", [
    ("ioc", "add", "{inc}", "--type", "ip", "--value", "300.1.1.1", "--as", "alice"),
    ("ioc", "add", "{inc}", "--type", "hash", "--value", "abc", "--as", "alice"),
    ("ioc", "add", "{inc}", "--type", "domain", "--value", "x.example", "--tlp", "white",
     "--as", "alice"),
    ("ioc", "add", "{inc}", "--type", "registry", "--value", "x", "--as", "alice"),
    ("timeline", "add", "{inc}", "--at", "last night", "--what", "x", "--as", "alice"),
    ("timeline", "add", "{inc}", "--at", "2026-11-28T03:14Z", "--what", "x",
     "--technique", "T12", "--as", "alice"),
    ("timeline", "add", "{inc}", "--at", "2026-11-28T03:14Z", "--what", "x",
     "--evidence", "E9", "--as", "alice"),
    ("asset", "add", "{inc}", "--name", "web01", "--status", "pwned", "--as", "alice"),
    ("task", "add", "{inc}", "--title", "x", "--owner", "mallory", "--as", "alice"),
    ("task", "add", "{inc}", "--title", "x", "--due", "tomorrow", "--as", "alice"),
    ("task", "done", "99999", "--as", "alice"),
    ("ioc", "add", "{inc}", "--type", "ip", "--value", "203.0.113.9", "--as", "alice",
     "--witness", "alice"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(cli, made, args):
    before = journal.count_entries(made.binder, int(cli.incident))
    result = cli(*(a.format(inc=cli.incident) for a in args))
    assert result.code == 2 and result.out == ""
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert journal.count_entries(made.binder, int(cli.incident)) == before


def test_search_finds_registers_and_journal_with_filters(cli, made):
    inc = cli.incident
    _id(cli("ioc", "add", inc, "--type", "url", "--value",
            "https://evil-cdn.example/js/skim.js", "--as", "alice"))
    _id(cli("journal", "add", inc, "--text", "Blocked evil-cdn.example at the WAF",
            "--kind", "action", "--as", "bob"))
    hits = json.loads(cli("search", "evil-cdn.example", "--json").out)
    assert [h["kind"] for h in hits] == ["action", "ioc"]
    assert all(len(h["hash"]) == 64 for h in hits)
    only = json.loads(cli("search", "evil-cdn.example", "--person", "bob", "--json").out)
    assert [h["author"] for h in only] == ["bob"]
    assert json.loads(cli("search", "evil", "--kind", "ioc", "--incident", inc, "--json").out)
    text = cli("search", "WAF")
    assert text.code == 0 and "Blocked" in text.out
    assert cli("search", "nothing-like-this").out.strip() == "No matches."
    empty = cli("search", "")
    assert empty.code == 2 and "empty" in empty.err
    rebuilt = cli("search", "--rebuild")
    assert rebuilt.code == 0 and "rebuilt" in rebuilt.err


def test_journal_attach_registers_the_file_and_lists_it(cli, made, tmp_path):
    entry = _id(cli("journal", "add", cli.incident, "--text", "Screenshot of the checkout",
                    "--as", "alice"))
    shot = tmp_path / "checkout.png"
    shot.write_bytes(b"png bytes")
    evidence_id = _id(cli("journal", "attach", str(entry), str(shot), "--as", "alice"))
    listed = json.loads(cli("journal", "list", cli.incident, "--json").out)
    row = next(r for r in listed if r["id"] == entry)
    assert [a["evidence"] for a in row["attachments"]] == [f"E{evidence_id}"]
    missing = cli("journal", "attach", str(entry), str(tmp_path / "nope.png"), "--as", "alice")
    assert missing.code == 2 and "no file" in missing.err
