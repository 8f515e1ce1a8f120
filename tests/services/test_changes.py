"""The window's "what changed" reading: each kind of write names its topic, and only it."""

from __future__ import annotations

from binder.core import readiness, roster
from binder.core.incident import journal as jr
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import open_incident
from binder.core.plan import revisions as plans
from binder.core.storage.database import open_binder
from binder.services.changes import BINDER, LOCK, PEOPLE, ChangeTracker


def _look(tracker, binder, signer="alice", witness=None):
    return tracker.look(binder, signer=signer, witness=witness)


def test_first_look_reports_nothing_and_an_idle_binder_stays_quiet(made, incident_id):
    tracker = ChangeTracker()
    assert not _look(tracker, made.binder)
    assert not _look(tracker, made.binder)


def test_a_journal_entry_names_the_journal_its_incident_and_the_new_head(made, incident_id):
    other = open_incident(made.binder, made.lead, title="Phishing", type="other", severity="low",
                          plan_revision_id=plans.current_revision(made.binder).id)
    tracker = ChangeTracker()
    _look(tracker, made.binder)
    entry_id = jr.append(made.binder, incident_id, made.lead, NewEntry(text="Seen at 10:02"))
    change = _look(tracker, made.binder)
    assert "journal" in change.topics
    assert set(change.heads) == {incident_id}
    entry = jr.get_entry(made.binder, entry_id)
    assert change.heads[incident_id].seq == entry.seq
    assert change.heads[incident_id].hash == entry.hash
    assert change.touches(incident_id) and not change.touches(other)
    assert not change.about("roster", "plan")


def test_a_cosignature_moves_the_incident_of_the_entry(made, incident_id):
    entry_id = jr.append(made.binder, incident_id, made.lead, NewEntry(text="Cut the cable"))
    tracker = ChangeTracker()
    _look(tracker, made.binder)
    jr.cosign(made.binder, entry_id, made.witness)
    change = _look(tracker, made.binder)
    assert "cosign" in change.topics and change.touches(incident_id)


def test_people_lock_and_binder_each_name_their_topic(made, tmp_path):
    tracker = ChangeTracker()
    _look(tracker, made.binder, signer=None)
    assert _look(tracker, made.binder, signer="alice").topics == {PEOPLE}
    assert _look(tracker, made.binder, signer="alice", witness="bob").topics == {PEOPLE}
    key, made.binder.data_key = made.binder.data_key, None
    assert LOCK in _look(tracker, made.binder, signer="alice", witness="bob").topics
    made.binder.data_key = key
    _look(tracker, made.binder)
    assert BINDER in _look(tracker, None).topics
    change = _look(tracker, None)
    assert not change


def test_roster_plan_and_readiness_writes_name_only_their_area(made):
    tracker = ChangeTracker()
    _look(tracker, made.binder)
    roster.add_contact(made.binder, role="lead", name="Dana Diaz", phone="+1 555 0100")
    assert _look(tracker, made.binder).topics == {"roster"}
    revision = plans.current_revision(made.binder)
    plans.save_revision(made.binder, revision.plan, author="alice", note="reviewed")
    assert _look(tracker, made.binder).topics == {"plan"}
    readiness.record_done(made.binder, readiness.valid_keys(made.binder)[0], "alice")
    assert _look(tracker, made.binder).topics == {"readiness"}


def test_a_write_by_another_program_is_seen_on_the_next_look(made, incident_id):
    tracker = ChangeTracker()
    _look(tracker, made.binder)
    with open_binder(made.path) as elsewhere:  # the command line, another connection
        jr.append(elsewhere, incident_id, made.lead, NewEntry(text="From the CLI"))
    change = _look(tracker, made.binder)
    assert change.touches(incident_id)
