"""The journal: chain, signatures, witnesses, corrections and import."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

import pytest

from binder.core.crypto import signers
from binder.core.errors import BadInput, NotFound
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import get_incident, open_incident
from binder.core.verify.checks import verify_binder
from tests.helpers import LEAD, WITNESS

UTC_MICROS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def entry_ids(binder, incident_id) -> list[int]:
    return [e.id for e in journal.iter_entries(binder, incident_id)]


def test_canonical_form_is_the_documented_one():
    data = journal.canonical_bytes({"b": 1, "a": "café <&>", "c": {"z": None, "y": [1, 2]}})
    assert data == '{"a":"café <&>","b":1,"c":{"y":[1,2],"z":null}}'.encode()
    with pytest.raises(ValueError):
        journal.canonical_bytes({"x": float("nan")})


def test_entries_are_chained_hashed_and_signed(made, incident_id):
    binder = made.binder
    ids = [journal.append(binder, incident_id, made.lead, NewEntry(text=f"step {n}", kind="action"))
           for n in range(3)]
    entries = list(journal.iter_entries(binder, incident_id))
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert [e.id for e in entries[1:]] == ids
    incident = get_incident(binder, incident_id)
    assert entries[0].kind == "open" and entries[0].prev_hash == journal.genesis_hash(incident.uuid)
    alice = signers.get_signer(binder, LEAD).certificate
    for before, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == before.hash
    for entry in entries:
        (canonical,) = binder.conn.execute("SELECT canonical FROM entry WHERE id = ?",
                                           (entry.id,)).fetchone()
        assert hashlib.sha256(canonical).hexdigest() == entry.hash
        assert journal.canonical_bytes(json.loads(canonical)) == canonical
        doc = json.loads(canonical)
        assert (doc["seq"], doc["prev"], doc["text"], doc["incident"]) == (
            entry.seq, entry.prev_hash, entry.text, incident.uuid)
        assert signers.verify_signature(alice, canonical, entry.signature)
        assert UTC_MICROS.match(entry.recorded_at)
    assert [e.recorded_at for e in entries] == sorted(e.recorded_at for e in entries)
    assert journal.head_hash(binder, incident_id) == entries[-1].hash
    assert journal.count_entries(binder, incident_id) == 4


def test_event_times_are_kept_as_typed_with_their_offset(made, incident_id):
    eid = journal.append(made.binder, incident_id, made.lead,
                         NewEntry(text="seen at 14:05 Berlin", occurred_at="2026-03-01T14:05:00+01:00"))
    entry = journal.get_entry(made.binder, eid)
    assert entry.occurred_at == "2026-03-01T14:05:00+01:00"
    assert entry.event_utc == datetime(2026, 3, 1, 13, 5, tzinfo=UTC)
    assert UTC_MICROS.match(entry.recorded_at)  # the entry time is recorded as well
    # Typed without a zone: this computer's local time, with its offset written down,
    # and no seconds appear that nobody typed (07:58 stays 07:58).
    eid = journal.append(made.binder, incident_id, made.lead,
                         NewEntry(text="typed locally", occurred_at="2026-03-01 07:58"))
    typed = journal.get_entry(made.binder, eid).occurred_at
    offset = datetime(2026, 3, 1, 7, 58).astimezone().strftime("%z")
    assert typed == f"2026-03-01T07:58{offset[:3]}:{offset[3:]}"
    # Times for other purposes (show --at) are still read into UTC.
    naive = journal.parse_time("2026-03-01T14:05")
    local = datetime(2026, 3, 1, 14, 5).astimezone().astimezone(UTC)
    assert naive == local.isoformat(timespec="microseconds").replace("+00:00", "Z")


def test_incidents_have_separate_chains(made, incident_id):
    other = open_incident(made.binder, made.lead, title="Second incident")
    journal.append(made.binder, incident_id, made.lead, NewEntry(text="in the first"))
    journal.append(made.binder, other, made.lead, NewEntry(text="in the second"))
    assert [e.seq for e in journal.iter_entries(made.binder, other)] == [1, 2]
    assert [e.seq for e in journal.iter_entries(made.binder, incident_id)] == [1, 2]
    assert verify_binder(made.binder).ok


def test_witness_cosigns_with_a_separate_signed_record(made, incident_id):
    eid = journal.append(made.binder, incident_id, made.lead,
                         NewEntry(text="Store taken offline", kind="action"), witness=made.witness)
    entry = journal.get_entry(made.binder, eid)
    (cosign,) = journal.cosigns_for(made.binder, eid)
    assert cosign.witness == WITNESS and cosign.entry_hash == entry.hash
    (canonical,) = made.binder.conn.execute("SELECT canonical FROM cosign WHERE id = ?",
                                            (cosign.id,)).fetchone()
    doc = json.loads(canonical)
    assert doc == {"v": 2, "type": "cosign", "meaning": "witness", "entry": entry.hash,
                   "witness": WITNESS,
                   "cert": signers.get_signer(made.binder, WITNESS).fingerprint,
                   "signed_at": cosign.signed_at}
    bob = signers.get_signer(made.binder, WITNESS).certificate
    assert signers.verify_signature(bob, canonical, cosign.signature)
    (view,) = journal.page(made.binder, incident_id, 1, 1)
    assert view.cosigners == (WITNESS,)


def test_cosign_later_and_the_two_person_rule(made, incident_id):
    binder = made.binder
    eid = journal.append(binder, incident_id, made.lead, NewEntry(text="Backups copied"))
    count = journal.count_entries(binder, incident_id)
    with pytest.raises(BadInput, match="two-person"):
        journal.cosign(binder, eid, made.lead)
    with pytest.raises(BadInput, match="two-person"):
        journal.append(binder, incident_id, made.lead, NewEntry(text="self-witnessed"),
                       witness=made.lead)
    assert journal.count_entries(binder, incident_id) == count  # nothing half-written
    journal.cosign(binder, eid, made.witness)
    with pytest.raises(BadInput, match="already co-signed"):
        journal.cosign(binder, eid, made.witness)
    with pytest.raises(NotFound):
        journal.cosign(binder, 99999, made.witness)
    assert len(journal.cosigns_for(binder, eid)) == 1
    assert verify_binder(binder).ok


def test_correction_is_a_new_entry_that_links_the_old(made, incident_id):
    binder = made.binder
    wrong = journal.append(binder, incident_id, made.lead,
                           NewEntry(text="Skimmer found in footer", phase="assessment"))
    original = journal.get_entry(binder, wrong)
    fix = journal.correct(binder, wrong, made.lead, "Skimmer was in the header", "Misread template")
    fixed = journal.get_entry(binder, fix)
    assert fixed.kind == "correction" and fixed.corrects == wrong and fixed.phase == "assessment"
    (canonical,) = binder.conn.execute("SELECT canonical FROM entry WHERE id = ?", (fix,)).fetchone()
    assert json.loads(canonical)["corrects"] == original.hash  # the link is signed, by hash
    assert journal.get_entry(binder, wrong) == original  # the original is untouched
    views = {v.entry.id: v for v in journal.page(binder, incident_id, 0, 10)}
    assert views[wrong].corrected_by == (fix,)
    with pytest.raises(BadInput, match="needs a reason"):
        journal.correct(binder, wrong, made.lead, "again", "  ")
    other = open_incident(binder, made.lead, title="Elsewhere")
    with pytest.raises(BadInput, match="another incident"):
        journal.append(binder, other, made.lead, NewEntry(text="x", kind="correction", corrects=wrong))
    assert verify_binder(binder).ok


@pytest.mark.parametrize("new, words", [
    (NewEntry(text=""), "empty"),
    (NewEntry(text="   \n"), "empty"),
    (NewEntry(text="x", kind="gossip"), "unknown entry kind"),
    (NewEntry(text="bell\x07"), "control character"),
    (NewEntry(text="x" * (journal.MAX_TEXT + 1)), "longer than"),
    (NewEntry(text="x", occurred_at="yesterday"), "not a valid time"),
    (NewEntry(text="x", occurred_at="0001-01-01T00:00:00+01:00"), "not a valid time"),
    (NewEntry(text="caf\udce9"), "not valid UTF-8"),
    (NewEntry(text="x", data={"when": datetime(2026, 1, 1)}), "plain JSON"),
])
def test_bad_entries_are_refused_and_nothing_is_written(made, incident_id, new, words):
    before = journal.count_entries(made.binder, incident_id)
    with pytest.raises(BadInput, match=words):
        journal.append(made.binder, incident_id, made.lead, new)
    assert journal.count_entries(made.binder, incident_id) == before


def test_unknown_incident(made):
    with pytest.raises(NotFound, match="no incident 42"):
        journal.append(made.binder, 42, made.lead, NewEntry(text="x"))


def test_import_lines_are_checked_with_their_numbers():
    good = ['{"text": "first"}', "", '{"text": "second", "kind": "action", "reason": "why",'
            ' "occurred_at": "2026-03-01T10:00:00Z"}']
    parsed = journal.parse_import_lines(good)
    assert [e.text for e in parsed] == ["first", "second"]
    assert parsed[1].occurred_at == "2026-03-01T10:00:00Z"
    for lines, words in (
        (['{"text": "ok"}', '{"text": "ok"}', "{not json"], "line 3: not valid JSON"),
        (['{"text": "ok"}', '["a list"]'], "line 2: expected a JSON object"),
        (['{"text": "ok", "author": "mallory"}'], "line 1: unknown field 'author'"),
        (['{"text": 5}'], "line 1: every field must be a string"),
        (['{"text": "ok", "kind": "open"}'], "line 1: kind 'open'"),
        (['{"text": ""}'], "line 1: the entry text is empty"),
        (['{"text": "x"}', '{"text": "x", "occurred_at": "soon"}'], "line 2: the occurred-at"),
        (["", "  "], "holds no entries"),
    ):
        with pytest.raises(BadInput, match=re.escape(words)) as info:
            journal.parse_import_lines(lines)
        assert str(info.value).endswith("nothing was imported")


def test_append_many_keeps_one_chain(made, incident_id):
    binder = made.binder
    news = [NewEntry(text=f"imported {n}") for n in range(10)]
    ids = journal.append_many(binder, incident_id, made.lead, news)
    assert len(ids) == 10 and ids == sorted(ids)
    entries = list(journal.iter_entries(binder, incident_id))
    assert [e.seq for e in entries] == list(range(1, 12))
    assert [e.text for e in entries[1:]] == [n.text for n in news]
    report = verify_binder(binder)
    assert report.ok and report.entries == 11


def test_append_many_refuses_everything_for_one_bad_entry(made, incident_id):
    news = [NewEntry(text=f"ok {n}") for n in range(6)] + [NewEntry(text="", kind="note")]
    with pytest.raises(BadInput):
        journal.append_many(made.binder, incident_id, made.lead, news)
    assert journal.count_entries(made.binder, incident_id) == 1


def test_listing_helpers(made, incident_id):
    binder = made.binder
    journal.append(binder, incident_id, made.lead, NewEntry(text="a decision", kind="decision"))
    journal.append(binder, incident_id, made.lead, NewEntry(text="a note"))
    kinds = [e.kind for e in journal.iter_entries(binder, incident_id, kinds=["decision", "open"])]
    assert kinds == ["open", "decision"]
    assert [v.entry.seq for v in journal.page(binder, incident_id, 1, 2)] == [2, 3]
    assert journal.page(binder, incident_id, 10, 5) == []
    with pytest.raises(NotFound):
        journal.get_entry(binder, 424242)
