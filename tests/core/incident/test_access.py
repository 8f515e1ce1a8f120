"""Who had access: the access log overall and while an incident was open."""

from __future__ import annotations

import json
import socket

import pytest

from binder.core.crypto import session
from binder.core.errors import BadInput, NotFound
from binder.core.incident import access
from binder.core.incident.workflow import close_incident, reopen_incident
from tests.helpers import PASSPHRASE


def old_access(binder, who: str, at: str = "2020-01-01T09:00:00.000000Z") -> None:
    """An access recorded long before the incident (as an older unlock left it)."""
    with binder.write() as db:
        db["access_log"].insert({"at": at, "kind": "unlock", "who": who, "host": "old-laptop",
                                 "detail": "passphrase (app)"})


def test_list_access_filters_by_time_and_kind(made):
    old_access(made.binder, "zoe")
    session.record_access(made.binder, "unlock", "alice", "passphrase (app)")
    session.record_access(made.binder, "signer", "bob", "witness (app)")

    everything = access.list_access(made.binder)
    assert [r.who for r in everything] == ["zoe", "alice", "bob"]
    assert everything[1].host == socket.gethostname()
    assert everything[1].detail == "passphrase (app)"
    assert [r.who for r in access.list_access(made.binder, since="2021-01-01T00:00Z")] == ["alice", "bob"]
    assert [r.who for r in access.list_access(made.binder, kinds=["signer"])] == ["bob"]
    assert [r.who for r in access.list_access(made.binder, until="2020-06-01T00:00+02:00")] == ["zoe"]
    with pytest.raises(BadInput, match="not a valid time"):
        access.list_access(made.binder, since="yesterday")
    with pytest.raises(BadInput, match="after its end"):
        access.list_access(made.binder, since="2022-01-01T00:00Z", until="2021-01-01T00:00Z")


def test_access_during_incident_follows_close_and_reopen(made, incident_id):
    old_access(made.binder, "zoe")  # years before: not part of this incident
    session.record_access(made.binder, "unlock", "alice", "during")
    close_incident(made.binder, incident_id, made.lead, "contained")
    session.record_access(made.binder, "unlock", "mallory", "after close")
    reopen_incident(made.binder, incident_id, made.lead, "skimmer came back")
    session.record_access(made.binder, "signer", "carol", "after reopen")

    windows = access.incident_windows(made.binder, incident_id)
    assert len(windows) == 2 and windows[0][1] is not None and windows[1][1] is None
    during = access.access_during_incident(made.binder, incident_id)
    assert [r.who for r in during] == ["alice", "carol"]
    assert [r.who for r in access.access_during_incident(made.binder, incident_id, kinds=["signer"])] == ["carol"]
    with pytest.raises(NotFound):
        access.access_during_incident(made.binder, 999)


def test_summary_folds_each_person_into_one_line(made):
    old_access(made.binder, "alice")
    session.record_access(made.binder, "unlock", "alice", "passphrase (CLI)")
    session.record_access(made.binder, "signer", "Alice", "author (CLI)")
    session.record_access(made.binder, "signer", "bob", "witness (CLI)")
    people = access.summarize(access.list_access(made.binder))
    assert [p.who for p in people] == ["alice", "bob"]
    alice = people[0]
    assert alice.count == 3 and alice.kinds == ("unlock", "signer")
    assert alice.first_at.startswith("2020-01-01")
    assert set(alice.hosts) == {"old-laptop", socket.gethostname()}


def test_cli_unlock_is_logged_and_listed(made, incident_id, run_cli):
    path = str(made.path)
    unlocked = run_cli("roster", "list", "--binder", path, env={"BINDER_PASSPHRASE": PASSPHRASE})
    assert unlocked.code == 0, unlocked.err

    listed = run_cli("access-log", "--json", "--binder", path)
    assert listed.code == 0, listed.err
    records = json.loads(listed.out)
    assert records[-1]["kind"] == "unlock"
    assert records[-1]["detail"] == "passphrase (CLI)"
    assert records[-1]["host"] == socket.gethostname()

    old_access(made.binder, "zoe")
    during = run_cli("access-log", "--incident", str(incident_id), "--binder", path)
    assert during.code == 0, during.err
    assert "passphrase (CLI)" in during.out and "zoe" not in during.out

    missing = run_cli("access-log", "--incident", "77", "--binder", path)
    assert missing.code == 2 and "no incident" in missing.err and "Traceback" not in missing.err
