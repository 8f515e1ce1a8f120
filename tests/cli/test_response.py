"""The guided-response commands, run as the real `binder` command."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from binder.core.incident import journal, workflow
from binder.core.incident.record import list_incidents
from binder.core.plan import revisions as plans
from binder.core.storage.database import open_binder
from tests.helpers import LEAD, LEAD_NAME, WITNESS, signer_env


@pytest.fixture
def cli(made, run_cli):
    """Run `binder` against the test binder with every secret in the environment."""
    made.binder.close()
    env = {**signer_env(), "BINDER_FILE": str(made.path)}

    def run(*args, extra=None):
        return run_cli(*args, env={**env, **(extra or {})})

    run.path = made.path
    return run


def opened(cli, *extra) -> str:
    result = cli("incident", "open", "--title", "Skimmer on checkout", "--type", "skimmer",
                 "--detected-at", "2026-03-02T09:00Z", "--as", LEAD, *extra)
    assert result.code == 0, result.err
    return result.out.strip()


def count(path, incident_id) -> int:
    binder = open_binder(path)
    try:
        return journal.count_entries(binder, int(incident_id))
    finally:
        binder.close()


def assert_refused(result, *words):
    assert result.code == 2, result
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err, result.err
    for word in words:
        assert word in lines[0]


def test_open_refuses_an_invalid_detected_at(cli):
    result = cli("incident", "open", "--title", "x", "--detected-at", "last tuesday", "--as", LEAD)
    assert_refused(result, "not a valid time")
    binder = open_binder(cli.path)
    try:
        assert list_incidents(binder) == []
    finally:
        binder.close()


def test_phase_and_tick(cli):
    iid = opened(cli)
    moved = cli("incident", "phase", iid, "containment", "--as", LEAD)
    assert moved.code == 0 and moved.out.strip().isdigit()

    before = count(cli.path, iid)
    assert_refused(cli("incident", "phase", iid, "contain", "--as", LEAD),
                   "unknown phase 'contain'", "containment", "evidence_preservation")
    assert_refused(cli("incident", "tick", iid, "nope", "1", "--as", LEAD), "unknown phase")
    assert_refused(cli("incident", "tick", iid, "containment", "99", "--as", LEAD), "1 to 13")
    assert count(cli.path, iid) == before

    ticked = cli("incident", "tick", iid, "containment", "12", "--as", WITNESS,
                 extra={"BINDER_SIGNER_PASSPHRASE": signer_env()["BINDER_WITNESS_PASSPHRASE"]})
    assert ticked.code == 0 and ticked.out.strip().isdigit(), ticked.err
    by_text = cli("incident", "tick", iid, "containment", "Enforce two-factor", "--as", LEAD)
    assert by_text.code == 0, by_text.err
    assert_refused(cli("incident", "tick", iid, "containment", "12", "--as", LEAD), "already ticked")

    data = json.loads(cli("incident", "show", iid, "--json").out)
    assert data["focus_phase"] == "containment"
    phase = next(p for p in data["phases"] if p["key"] == "containment")
    assert phase["focus"] and phase["done"] == 2 and phase["total"] == 13
    item = phase["checklist"][11]
    assert item["done"] and item["done_by"] == WITNESS and "crypt key" in item["text"]
    assert item["done_at"].endswith("Z")
    # The lead is a roster contact (people who sign are); the command unlocked without asking.
    assert phase["owners"][0] == {"role": "lead", "role_name": "Incident Lead",
                                  "responsibility": "Owner", "people": [LEAD_NAME]}
    assert phase["guidance"]

    undo = cli("incident", "tick", iid, "containment", "12", "--undo", "--as", LEAD)
    assert undo.code == 0
    data = json.loads(cli("incident", "show", iid, "--json").out)
    assert next(p for p in data["phases"] if p["key"] == "containment")["done"] == 1


def test_decide_notify_and_show_json(cli):
    iid = opened(cli)
    decided = cli("decide", iid, "--as", LEAD, "--decision", "Take the store offline",
                  "--reason", "The skimmer is live", "--option", "Offline",
                  "--option", "Stay up, admin restricted", "--approved-by", "CEO",
                  "--witness", WITNESS)
    assert decided.code == 0 and decided.out.strip().isdigit(), decided.err
    told = cli("notify", iid, "--as", LEAD, "--party", "Data protection authority",
               "--channel", "portal", "--message", "Initial notification <ref 42>",
               "--clock", "gdpr_art33", "--at", "2026-03-04T10:00+01:00")
    assert told.code == 0 and told.out.strip().isdigit(), told.err
    quiet = cli("notify-decision", iid, "--as", LEAD, "--party", "Customers", "--dont-notify",
                "--reason", "No card data reached; hosted fields")
    assert quiet.code == 0, quiet.err
    need = cli("need-to-know", iid, "--as", LEAD, "--name", "Ivan (IT)", "--reason", "admin")
    assert need.code == 0 and need.out.strip().isdigit(), need.err

    before = count(cli.path, iid)
    assert_refused(cli("notify", iid, "--as", LEAD, "--party", "x", "--channel", "y",
                       "--message", "z", "--clock", "gdpr"), "no clock 'gdpr'")
    assert_refused(cli("notify", iid, "--as", LEAD, "--party", "x", "--channel", "y",
                       "--message", "z", "--at", "soon"), "not a valid time")
    assert_refused(cli("decide", iid, "--as", LEAD, "--decision", "x", "--reason", "y",
                       "--witness", LEAD), "second person")
    assert count(cli.path, iid) == before

    data = json.loads(cli("incident", "show", iid, "--json", "--at", "2026-03-03T12:00Z").out)
    [decision] = data["decisions"]
    assert decision["decision"] == "Take the store offline"
    assert decision["options"] == ["Offline", "Stay up, admin restricted"]
    assert (decision["approved_by"], decision["witnesses"]) == ("CEO", [WITNESS])
    [note] = data["notifications"]
    assert note["message"] == "Initial notification <ref 42>"
    assert (note["told_at"], note["told_by"], note["clock"]) == (
        "2026-03-04T10:00+01:00", LEAD, "gdpr_art33")  # kept as typed, with its offset
    assert note["verdict"] == "met"
    assert data["notify_decisions"][0]["notify"] is False
    assert [p["name"] for p in data["need_to_know"]] == ["Ivan (IT)"]
    clocks = {c["key"]: c for c in data["clocks"]}
    gdpr = clocks["gdpr_art33"]
    assert (gdpr["status"], gdpr["due_at"], gdpr["met_at"]) == (
        "met", "2026-03-05T09:00:00.000000Z", "2026-03-04T09:00:00.000000Z")
    assert clocks["sec_8k"]["due_at"] is None
    assert clocks["sec_8k"]["status"] == "off"
    assert clocks["mastercard"]["status"] == "missed"
    assert {c["status"] for c in data["clocks"]} <= {"running", "met", "late", "missed", "off"}

    text = cli("incident", "show", iid, "--at", "2026-03-03T12:00Z")
    assert text.code == 0
    assert "Take the store offline" in text.out and "Data protection authority" in text.out
    assert "2026-03-05 09:00 UTC" in text.out
    assert "Preserve before you change" in text.out


def test_clock_commands(cli):
    iid = opened(cli)
    on = cli("clock", "on", iid, "mastercard", "--as", LEAD)
    assert on.code == 0 and on.out.strip().isdigit(), on.err
    added = cli("clock", "add", iid, "--as", LEAD, "--key", "acquirer_contract", "--name",
                "Tell the acquirer", "--due", "2", "--unit", "business_days")
    assert added.code == 0, added.err
    aware = cli("clock", "aware", iid, "--at", "2026-03-06T10:00Z", "--as", LEAD)
    assert aware.code == 0, aware.err
    assert_refused(cli("clock", "off", iid, "amex", "--as", LEAD, "--reason", "n/a"), "no clock")
    assert_refused(cli("clock", "aware", iid, "--at", "yesterday-ish", "--as", LEAD),
                   "not a valid time")
    listed = json.loads(cli("clock", "list", iid, "--json", "--at", "2026-03-06T11:00Z").out)
    clocks = {c["key"]: c for c in listed}
    assert clocks["acquirer_contract"]["deadline"] == "2026-03-10T10:00:00.000000Z"
    assert clocks["mastercard"]["deadline"] == "2026-03-07T10:00:00.000000Z"
    assert (clocks["mastercard"]["status"], clocks["mastercard"]["urgency"]) == ("running", "ok")
    # Most urgent first: the 24-hour clocks, then the longer ones.
    assert [c["key"] for c in listed[:2]] == ["acquirer", "mastercard"]
    assert_refused(cli("clock", "off", iid, "visa", "--as", LEAD, "--reason", " "), "needs a reason")


def test_event_times_type_changes_and_verdicts_on_the_command_line(cli):
    iid = opened(cli, "--aware-at", "2026-03-02T11:30+01:00")
    changed = cli("incident", "set", iid, "--severity", "critical", "--type", "database_leak",
                  "--reason", "customer table dumped", "--occurred-at", "2026-03-02T13:00+01:00",
                  "--as", LEAD)
    assert changed.code == 0, changed.err
    assert len(changed.out.split()) == 2  # one signed entry per change
    assert_refused(cli("incident", "set", iid, "--severity", "critical", "--as", LEAD),
                   "nothing changes")
    assert_refused(cli("incident", "set", iid, "--type", "asteroid", "--as", LEAD),
                   "unknown incident type")
    assert_refused(cli("decide", iid, "--as", LEAD, "--decision", "x", "--reason", "y",
                       "--occurred-at", "teatime"), "not a valid time")
    decided = cli("decide", iid, "--as", LEAD, "--decision", "Take checkout offline",
                  "--reason", "skimmer live", "--occurred-at", "2026-03-02T07:58")
    assert decided.code == 0, decided.err
    late = cli("notify", iid, "--as", LEAD, "--party", "Data protection authority",
               "--channel", "portal", "--message", "Initial notification", "--clock", "gdpr_art33",
               "--occurred-at", "2026-03-05T14:00+01:00", "--reference", "DPA-77",
               "--reason", "the hosting provider sent the logs on day three")
    assert late.code == 0, late.err
    assert "LATE" in late.err
    data = json.loads(cli("incident", "show", iid, "--json", "--at", "2026-03-06T00:00Z").out)
    assert (data["incident"]["type"], data["incident"]["severity"]) == ("database_leak", "critical")
    assert data["incident"]["opened_type"] == "skimmer"
    assert data["incident"]["aware_at"] == "2026-03-02T11:30+01:00"
    gdpr = {c["key"]: c for c in data["clocks"]}["gdpr_art33"]
    assert (gdpr["status"], gdpr["due_at"]) == ("late", "2026-03-05T10:30:00.000000Z")
    assert gdpr["reason"] == "the hosting provider sent the logs on day three"
    [note] = data["notifications"]
    assert (note["reference"], note["verdict"]) == ("DPA-77", "late")
    [decision] = data["decisions"]
    assert decision["at"].startswith("2026-03-02T07:58") and ":02" not in decision["at"][13:16]
    assert decision["recorded_at"].endswith("Z")

    by_event = json.loads(cli("journal", "list", iid, "--json", "--order", "event").out)
    by_entry = json.loads(cli("journal", "list", iid, "--json", "--order", "entry").out)
    assert [e["seq"] for e in by_entry] == sorted(e["seq"] for e in by_entry)
    moments = [e["event_utc"] for e in by_event]
    assert moments == sorted(moments)
    assert by_event[0]["text"] == "Decision: Take checkout offline"  # happened first
    text = cli("journal", "list", iid, "--order", "event").out
    assert "happened 2026-03-02" in text and "written " in text

    closed = cli("incident", "close", iid, "--as", LEAD, "--summary", "done")
    assert closed.code == 0, closed.err
    assert "deadline(s) open" in closed.err


def test_impact_review_and_accept(cli):
    iid = opened(cli)
    line = cli("impact", "add", iid, "--as", LEAD, "--category", "Forensic investigation",
               "--amount", "12000.50", "--currency", "eur", "--note", "PFI quote")
    assert line.code == 0 and line.out.strip().isdigit(), line.err
    assert_refused(cli("impact", "add", iid, "--as", LEAD, "--category", "x", "--amount",
                       "twelve", "--currency", "EUR"), "not a number")
    listed = json.loads(cli("impact", "list", iid, "--json").out)
    assert listed["totals"] == {"EUR": "12000.50"}

    assert_refused(cli("review", "add", iid, "--as", LEAD, "--lessons", "x", "--change",
                       "checklist:nope:Do it"), "unknown phase 'nope'")
    reviewed = cli("review", "add", iid, "--as", LEAD, "--lessons", "Logs rotated too soon",
                   "--change", "checklist:evidence_preservation:Ask the CDN for logs on day one",
                   "--change", "Call the forensic firm earlier")
    assert reviewed.code == 0, reviewed.err
    accepted = cli("review", "accept", iid, "--as", LEAD)
    assert accepted.code == 0, accepted.err
    revision_id = int(accepted.out.strip())
    binder = open_binder(cli.path)
    try:
        assert plans.current_revision(binder).id == revision_id
        checklist = plans.get_revision(binder, revision_id).plan.phase("evidence_preservation").checklist
        assert checklist[-1] == "Ask the CDN for logs on day one"
    finally:
        binder.close()
    assert_refused(cli("review", "accept", iid, "--as", LEAD), "no review waiting")


def test_close_and_types(cli):
    iid = opened(cli)
    closed = cli("incident", "close", iid, "--as", LEAD, "--summary", "Skimmer removed")
    assert closed.code == 0 and closed.out.strip().isdigit(), closed.err
    assert_refused(cli("incident", "close", iid, "--as", LEAD), "already closed")
    data = json.loads(cli("incident", "show", iid, "--json").out)
    assert data["closed"] and data["closed_by"] == LEAD
    reopened = cli("incident", "reopen", iid, "--as", LEAD, "--reason", "It came back")
    assert reopened.code == 0 and reopened.out.strip().isdigit(), reopened.err
    assert_refused(cli("incident", "reopen", iid, "--as", LEAD, "--reason", "x"), "not closed")
    assert json.loads(cli("incident", "show", iid, "--json").out)["closed"] is False
    types = json.loads(cli("incident", "types", "--json").out)
    assert {"key": "skimmer", "label": "Checkout skimmer / card data exposure"} in types["types"]
    assert types["severities"] == ["low", "medium", "high", "critical"]


def test_drill_from_a_scenario(cli):
    scenarios = json.loads(cli("drill", "scenarios", "--json").out)
    assert "skimmer_cms" in [s["key"] for s in scenarios]
    assert_refused(cli("drill", "start", "nope", "--as", LEAD), "unknown drill scenario")
    started = cli("drill", "start", "skimmer_cms", "--as", LEAD)
    assert started.code == 0, started.err
    did = started.out.strip()
    assert did.isdigit()
    inject = cli("drill", "inject", did, "--as", LEAD)
    assert inject.code == 0 and inject.out.strip().isdigit(), inject.err
    assert "Inject 1 of" in inject.err

    listed = json.loads(cli("incident", "list", "--json").out)
    assert [i["drill"] for i in listed if str(i["id"]) == did] == [True]
    data = json.loads(cli("incident", "show", did, "--json").out)
    assert data["incident"]["drill"] is True
    assert data["drill"]["scenario"] == "skimmer_cms"
    assert len(data["drill"]["revealed"]) == 1
    assert "[DRILL]" in cli("incident", "show", did).out

    real = opened(cli)
    assert_refused(cli("drill", "inject", real, "--as", LEAD), "not a drill")
    only_drills = json.loads(cli("drill", "list", "--json").out)
    assert [(str(d["id"]), d["scenario"], d["injects_revealed"]) for d in only_drills] == [
        (did, "skimmer_cms", 1)]


def test_show_names_roster_people_when_unlocked(made, run_cli):
    from binder.core import roster

    roster.add_contact(made.binder, role="lead", name="Alice Anders")
    made.binder.close()
    env = {**signer_env(), "BINDER_FILE": str(made.path)}
    iid = run_cli("incident", "open", "--title", "t", "--as", LEAD, env=env).out.strip()
    unlocked = json.loads(run_cli("incident", "show", iid, "--json", env=env).out)
    owner = unlocked["phases"][0]["owners"][0]
    assert sorted(owner["people"]) == ["Alice Anders", LEAD_NAME]  # both first to call
    no_secret = {"BINDER_FILE": str(made.path)}
    locked = run_cli("incident", "show", iid, "--json", env=no_secret)
    assert locked.code == 0, locked.err
    assert json.loads(locked.out)["phases"][0]["owners"][0]["people"] == []


def test_workflow_entries_verify(cli):
    iid = opened(cli)
    cli("incident", "tick", iid, "initial_assessment", "1", "--as", LEAD)
    cli("notify", iid, "--as", LEAD, "--party", "Counsel", "--channel", "phone", "--message", "hi")
    result = cli("verify", iid)
    assert result.code == 0, result.out + result.err
    binder = open_binder(cli.path)
    try:
        state = workflow.incident_state(binder, int(iid))
        assert state.phases[0].checklist[0].done
    finally:
        binder.close()


def test_every_kind_of_entry_keeps_its_event_time_as_typed(cli, tmp_path):
    """Decision, notification, phase change, checklist tick, cost line, clock switch, custody
    transfer, type/severity change, plain entry, register items and closing: each says when
    it happened, kept
    exactly as typed with its offset, and is recorded with its own entry time too."""
    iid = opened(cli)
    log = tmp_path / "access.log"
    log.write_text("GET /checkout 200\n", encoding="utf-8")
    assert cli("evidence", "add", iid, str(log), "--as", LEAD, "--description", "access log",
               "--collected-at", "2026-03-02T10:00+01:00").code == 0
    runs = {
        "decision": ("decide", iid, "--decision", "Checkout offline", "--reason", "skimmer"),
        "notification": ("notify", iid, "--party", "Acquirer", "--channel", "phone",
                         "--message", "Told", "--clock", "acquirer"),
        "phase": ("incident", "phase", iid, "containment"),
        "tick": ("incident", "tick", iid, "containment", "1"),
        "cost": ("impact", "add", iid, "--category", "Forensics", "--amount", "900",
                 "--currency", "EUR"),
        "clock switch": ("clock", "off", iid, "visa", "--reason", "no Visa cards taken"),
        "custody": ("evidence", "transfer", "E1", "--to", "Forensic lab", "--purpose",
                    "analysis"),
        "classification": ("incident", "set", iid, "--severity", "critical", "--reason",
                           "card data confirmed"),
        "note": ("journal", "add", iid, "--text", "Loader removed"),
        "indicator": ("ioc", "add", iid, "--type", "domain", "--value", "cdn-analytics.example"),
        "asset": ("asset", "add", iid, "--name", "web-01"),
        "asset status": ("asset", "set", "{asset}", "--status", "contained"),
        "task": ("task", "add", iid, "--title", "Rotate the admin passwords"),
        "task done": ("task", "done", "{task}"),
        "closing": ("incident", "close", iid, "--summary", "Skimmer removed"),
    }
    typed, made_ids = {}, {}
    for minute, (kind, args) in enumerate(runs.items(), start=1):
        stated = f"2026-03-02T11:{minute:02d}+01:00"  # minutes, no seconds, a local offset
        if kind == "custody":  # a hand-over cannot come before the item's registration (now)
            stated = (datetime.now(timezone(timedelta(hours=1))) + timedelta(minutes=2)
                      ).isoformat(timespec="minutes")
        args = tuple(a.format(**made_ids) for a in args)
        done = cli(*args, "--as", LEAD, "--occurred-at", stated)
        assert done.code == 0, (kind, done.err)
        for entry_id in done.out.split():
            typed[int(entry_id)] = (kind, stated)
        made_ids[kind] = done.out.strip()
    entries = {e["id"]: e for e in json.loads(cli("journal", "list", iid, "--json").out)}
    for entry_id, (kind, stated) in typed.items():
        entry = entries[entry_id]
        assert entry["occurred_at"] == stated, (kind, entry)
        assert entry["recorded_at"].endswith("Z") and entry["recorded_at"][:7] != "2026-03", kind
    by_event = [e["id"] for e in json.loads(cli("journal", "list", iid, "--json", "--order",
                                                "event").out) if e["id"] in typed]
    assert by_event == sorted(typed, key=lambda i: typed[i][1])


def test_printed_people_are_named_as_their_certificates_say(made, run_cli, tmp_path):
    """incident show, evidence list and search print 'Łukasz Wróblewski', not the login."""
    from binder.core.crypto import signers
    from tests.helpers import LIGHT_KDF_FOR_TESTS, PASSPHRASE

    signers.enroll(made.binder, "lw", "lw-passphrase-long", display_name="Łukasz Wróblewski",
                   role="Legal Representative", kdf=LIGHT_KDF_FOR_TESTS)
    made.binder.close()
    env = {"BINDER_FILE": str(made.path), "BINDER_PASSPHRASE": PASSPHRASE,
           "BINDER_SIGNER_PASSPHRASE": "lw-passphrase-long"}
    iid = run_cli("incident", "open", "--title", "Skimmer", "--as", "lw", env=env).out.strip()
    assert run_cli("decide", iid, "--as", "lw", "--decision", "Keep the shop open",
                   "--reason", "WAF rule holds", env=env).code == 0
    log = tmp_path / "access.log"
    log.write_text("GET /checkout\n")
    added = run_cli("evidence", "add", iid, str(log), "--as", "lw", "--description", "log",
                    env=env)
    assert added.code == 0, added.err
    moved = run_cli("evidence", "transfer", "E1", "--as", "lw", "--to", "Courier Dana",
                    "--purpose", "to the lab", "--seal", "S-1", env=env)
    assert moved.code == 0, moved.err
    shown = {
        "show": run_cli("incident", "show", iid, env=env).out,
        "evidence": run_cli("evidence", "list", iid, env=env).out,
        "search": run_cli("search", "Skimmer", env=env).out,
    }
    for what, out in shown.items():
        assert "Łukasz Wróblewski" in out, (what, out)
    assert "Łukasz Wróblewski: Keep the shop open" in shown["show"]
    assert "Łukasz Wróblewski -> Courier Dana" in shown["evidence"]
    assert "signed by Łukasz Wróblewski" in shown["evidence"]
