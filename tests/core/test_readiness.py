"""Readiness: staleness, derived checks, recorded completions and the restore test."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from binder.core import readiness
from binder.core.crypto import signers
from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
from binder.core.errors import BadInput, IntegrityError, WrongPassphrase
from binder.core.incident.drills import list_scenarios, start_drill
from binder.core.incident.record import get_incident
from binder.core.plan import revisions as plans
from binder.core.storage.backup import backup_binder
from tests.helpers import LEAD, LEAD_NAME, PASSPHRASE, make_binder

DONE = "2025-03-01T12:00:00Z"
DONE_AT = datetime(2025, 3, 1, 12, tzinfo=UTC)


def item(items, key):
    return next(i for i in items if i.key == key)


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- staleness


@pytest.mark.parametrize(("days_later", "status", "detail"), [
    (50, "ok", "Next due in 40 days"),
    (77, "due-soon", "Due in 13 days"),      # 15 % of 90 days = 13.5 days before the due date
    (89.5, "due-soon", "Due within a day"),
    (90.5, "stale", "Overdue since today"),
    (121, "stale", "Overdue by 31 days"),
])
def test_roster_review_ages_over_its_90_day_interval(made, days_later, status, detail):
    readiness.record_done(made.binder, "roster_review", "alice", done_at=DONE)
    got = item(readiness.readiness_status(made.binder, now=DONE_AT + timedelta(days=days_later)),
               "roster_review")
    assert (got.status, got.interval_days, got.done_by) == (status, 90, "alice")
    assert got.detail.startswith(detail)
    assert got.due_at == "2025-05-30T12:00:00.000000Z"


def test_due_soon_window_is_at_least_a_day_and_at_most_a_month():
    done = "2025-01-01T00:00:00Z"
    start = DONE_AT.replace(month=1, day=1, hour=0)
    # Weekly item: due soon for its last 15 % (about 25 hours), not earlier.
    assert readiness.staleness(done, 7, start + timedelta(days=5, hours=22))[0] == "ok"
    assert readiness.staleness(done, 7, start + timedelta(days=6, hours=1))[0] == "due-soon"
    # Yearly item: capped at 30 days, not 55.
    assert readiness.staleness(done, 365, start + timedelta(days=330))[0] == "ok"
    assert readiness.staleness(done, 365, start + timedelta(days=336))[0] == "due-soon"
    assert readiness.staleness(None, 365, start) == ("never", "Never done", None)


def test_fresh_binder_lists_every_plan_prerequisite_as_never_done(made):
    items = readiness.readiness_status(made.binder)
    plan = plans.current_revision(made.binder).plan
    keys = [i.key for i in items]
    assert keys[: len(plan.prerequisites)] == [p.key for p in plan.prerequisites]
    assert keys[-1] == "signer_roles"
    for pre in plan.prerequisites:
        got = item(items, pre.key)
        assert (got.status, got.last_done, got.interval_days) == ("never", None, pre.interval_days)
        assert got.name == pre.name
    # The bundled plan loaded as it came is not a review of it.
    assert item(items, "plan_review").status == "never"


# ---------------------------------------------------------------- recording


def test_record_done_returns_id_and_newest_completion_wins(made):
    first = readiness.record_done(made.binder, "review_logs", "alice", "var/log checked",
                                  done_at="2025-06-01T08:00Z")
    second = readiness.record_done(made.binder, "review_logs", "bob", "")
    # Entered last but dated earlier: it does not hide the newer completion.
    readiness.record_done(made.binder, "review_logs", "carol", "late entry", done_at="2025-05-01T08:00Z")
    assert second > first
    got = item(readiness.readiness_status(made.binder), "review_logs")
    assert (got.status, got.done_by) == ("ok", "bob")
    assert [r.done_by for r in readiness.history(made.binder, "review_logs")] == ["alice", "bob", "carol"]
    assert readiness.history(made.binder, "review_logs")[0].note == "var/log checked"


def test_unknown_key_names_the_valid_keys_and_writes_nothing(made):
    with pytest.raises(BadInput) as caught:
        readiness.record_done(made.binder, "fire_drill", "alice")
    message = str(caught.value)
    assert "'fire_drill'" in message
    for key in ("roster_review", "restore_test", "plan_review", "monitor_traffic"):
        assert key in message
    assert readiness.history(made.binder) == []


@pytest.mark.parametrize(("key", "who", "kwargs", "says"), [
    ("signer_roles", "alice", {}, "enroll a signer"),
    ("drill", "  ", {}, "who did it"),
    ("drill", "alice", {"done_at": "2999-01-01T00:00Z"}, "in the future"),
    ("drill", "alice", {"done_at": "last tuesday"}, "not a valid time"),
    ("drill", "alice\nbob", {}, "one line"),
])
def test_bad_completions_are_refused(made, key, who, kwargs, says):
    with pytest.raises(BadInput, match=says):
        readiness.record_done(made.binder, key, who, **kwargs)
    assert readiness.history(made.binder) == []


def test_completions_are_append_only(made):
    record_id = readiness.record_done(made.binder, "drill", "alice")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"), made.binder.write() as db:
        db.execute("UPDATE readiness SET done_by = 'mallory' WHERE id = ?", (record_id,))
    assert readiness.history(made.binder)[0].done_by == "alice"


# ---------------------------------------------------------------- derived


def test_last_drill_comes_from_the_latest_drill_incident(made, incident_id):
    assert item(readiness.readiness_status(made.binder), "drill").status == "never"  # a real incident is no drill
    scenario = list_scenarios(made.binder)[0]
    drill_id = start_drill(made.binder, made.lead, scenario.key)
    got = item(readiness.readiness_status(made.binder), "drill")
    assert got.status == "ok"
    assert got.last_done == get_incident(made.binder, drill_id).opened_at
    assert got.done_by == LEAD
    assert f"drill #{drill_id}" in got.detail and scenario.title in got.detail
    # Six months on, the drill is overdue unless another one is run or recorded.
    later = datetime.now(UTC) + timedelta(days=181)
    assert item(readiness.readiness_status(made.binder, now=later), "drill").status == "stale"
    readiness.record_done(made.binder, "drill", "bob", "tabletop held on paper")
    assert item(readiness.readiness_status(made.binder), "drill").done_by == "bob"


def test_plan_review_follows_the_latest_edited_revision(made):
    plan = plans.current_revision(made.binder).plan
    activity, role = plan.activities[0], plan.internal_roles()[1]
    value = "Advises" if activity.responsibility(role.key) != "Advises" else "Updates"
    edited = plan.with_raci(activity.key, role.key, value)
    plans.save_revision(made.binder, edited, author="carol", note="annual review")
    got = item(readiness.readiness_status(made.binder), "plan_review")
    assert (got.status, got.done_by) == ("ok", "carol")
    assert "revision 2" in got.detail


def test_signer_roles_names_the_roles_nobody_can_sign_for(made):
    got = item(readiness.readiness_status(made.binder), "signer_roles")
    assert (got.status, got.can_mark, got.interval_days) == ("never", False, None)  # never covered: not "stale"
    assert "Legal Representative" in got.detail and "Management / Stakeholders" in got.detail
    assert "Incident Lead" not in got.detail  # alice enrolled as the lead
    signers.enroll(made.binder, "carol", "carol-passphrase", role="Legal Representative, comms",
                   kdf=LIGHT_KDF_FOR_TESTS)
    signers.enroll(made.binder, "dave", "dave-passphrase", role="management",
                   kdf=LIGHT_KDF_FOR_TESTS)
    got = item(readiness.readiness_status(made.binder), "signer_roles")
    assert got.status == "ok"
    assert got.done_by == "dave"  # the enrolment that completed the set


# ---------------------------------------------------------------- restore test


def test_restore_test_opens_unlocks_verifies_and_records(made, incident_id, tmp_path, monkeypatch):
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp_root))
    backup = backup_binder(made.binder, tmp_path / "copy.binder")
    before = sha(backup)

    result = readiness.test_restore(made.binder, backup, PASSPHRASE, who="alice", note="USB stick")

    assert result.incidents == 1 and result.entries >= 1 and result.signatures >= 1
    got = item(readiness.readiness_status(made.binder), "restore_test")
    assert (got.status, got.done_by) == ("ok", "alice")
    assert readiness.history(made.binder, "restore_test")[0].note == "USB stick"
    assert sha(backup) == before  # the backup itself is never opened for writing
    assert list(temp_root.iterdir()) == []  # the temporary copy is gone
    who, detail = made.binder.conn.execute(
        "SELECT who, detail FROM access_log ORDER BY id DESC LIMIT 1").fetchone()
    assert who == "alice" and "restore test" in detail


def test_restore_test_records_nothing_when_the_backup_fails(made, incident_id, tmp_path):
    backup = backup_binder(made.binder, tmp_path / "copy.binder")
    with pytest.raises(WrongPassphrase):
        readiness.test_restore(made.binder, backup, "not the passphrase")

    tampered = backup_binder(made.binder, tmp_path / "tampered.binder")
    conn = sqlite3.connect(tampered)
    conn.execute("DROP TRIGGER entry_no_update")
    conn.execute("UPDATE entry SET text = 'nothing happened' WHERE seq = 1")
    conn.commit()
    conn.close()
    with pytest.raises(IntegrityError, match="failed verification"):
        readiness.test_restore(made.binder, tampered, PASSPHRASE)

    other = make_binder(tmp_path / "other.binder")
    other.binder.close()
    with pytest.raises(BadInput, match="another binder"):
        readiness.test_restore(made.binder, other.path, PASSPHRASE)
    with pytest.raises(BadInput, match="no backup file"):
        readiness.test_restore(made.binder, tmp_path / "missing.binder", PASSPHRASE)
    with pytest.raises(BadInput, match="this binder itself"):
        readiness.test_restore(made.binder, made.path, PASSPHRASE)
    assert readiness.history(made.binder, "restore_test") == []


# ---------------------------------------------------------------- command line


def test_cli_readiness_list_done_and_test_restore(made, run_cli, tmp_path):
    path = str(made.path)
    run = run_cli("readiness", "done", "roster_review", "--who", "alice", "--note", "all rang",
                  "--binder", path)
    assert run.code == 0, run.err
    assert run.out.strip().isdigit()

    bad = run_cli("readiness", "done", "roster", "--who", "alice", "--binder", path)
    assert bad.code == 2
    assert "roster_review" in bad.err and "Traceback" not in bad.err
    assert len(bad.err.strip().splitlines()) == 1

    backup = backup_binder(made.binder, tmp_path / "copy.binder")
    wrong = run_cli("readiness", "test-restore", str(backup), "--binder", path,
                    env={"BINDER_PASSPHRASE": "wrong passphrase"})
    assert wrong.code == 3 and wrong.out == ""
    ok = run_cli("readiness", "test-restore", str(backup), "--who", "bob", "--binder", path,
                 env={"BINDER_PASSPHRASE": PASSPHRASE})
    assert ok.code == 0, ok.err
    assert ok.out.strip().isdigit() and "restore test passed" in ok.err

    listing = run_cli("readiness", "--json", "--binder", path)
    assert listing.code == 0, listing.err
    data = json.loads(listing.out)
    by_key = {i["key"]: i for i in data["items"]}
    assert by_key["roster_review"]["status"] == "ok" and by_key["roster_review"]["done_by"] == "alice"
    assert by_key["restore_test"]["done_by"] == "bob"
    assert by_key["signer_roles"]["status"] == "never"
    assert data["summary"]["ok"] == 2

    text = run_cli("readiness", "--binder", path)
    lines = text.out.splitlines()
    assert any(line.startswith("NEVER") and "Signers for every role" in line for line in lines)
    assert any(line.startswith("NEVER") and "[drill]" in line for line in lines)
    # --json keeps what was typed; the listing people read names the enrolled signer.
    [roster_line] = [line for line in lines if "[roster_review]" in line]
    assert roster_line.endswith(f"by {LEAD_NAME}"), roster_line
