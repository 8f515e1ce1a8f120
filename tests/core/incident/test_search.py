"""Full-text search over journals, timelines and indicators, and the index's integrity."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from binder.core.errors import BadInput
from binder.core.incident import journal
from binder.core.incident import registers as reg
from binder.core.incident import search as searching
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import open_incident
from binder.core.storage import database as storage
from binder.core.verify.checks import verify_binder

GOLDEN_V1 = Path(__file__).resolve().parents[2] / "data" / "binder-v1.binder"


@pytest.fixture
def story(made, incident_id):
    b, lead, wit = made.binder, made.lead, made.witness
    other = open_incident(b, lead, title="Admin takeover", type="admin_takeover")
    journal.append(b, incident_id, lead, NewEntry(text="Checked the checkout page source",
                                                  kind="action", reason="customer report",
                                                  phase="initial_assessment"))
    journal.append(b, incident_id, wit, NewEntry(text="Café owner called about fraud",
                                                 kind="communication",
                                                 occurred_at="2026-11-27T09:00Z"))
    reg.add_indicator(b, incident_id, lead, type="domain", value="evil-cdn.example")
    reg.add_event(b, incident_id, lead, at="2026-11-25T03:14+01:00",
                  what="Skimmer script added to the footer", asset="web01",
                  iocs=["evil-cdn.example"], technique="T1059.007")
    reg.add_indicator(b, other, lead, type="ip", value="203.0.113.7")
    journal.append(b, other, lead, NewEntry(text="Login from 203.0.113.7 seen", kind="observation"))
    return made, incident_id, other


def _kinds(hits):
    return [h.kind for h in hits]


def test_finds_journal_text_timeline_and_indicators_across_incidents(story):
    made, first, other = story
    b = made.binder
    assert _kinds(searching.search(b, "evil-cdn.example")) == ["timeline", "ioc"]
    assert {h.incident_id for h in searching.search(b, "203.0.113.7")} == {other}
    assert _kinds(searching.search(b, "customer report")) == ["action"]  # the reasoning too
    assert _kinds(searching.search(b, "cafe")) == ["communication"]  # accents folded
    assert _kinds(searching.search(b, "foot")) == ["timeline"]  # last word as a prefix
    assert searching.search(b, '"footer skimmer"') == []  # a quoted phrase is exact
    hit = searching.search(b, "T1059.007")[0]
    assert hit.hash == journal.get_entry(b, hit.entry_id).hash and "[" in hit.snippet


def test_filters_by_incident_kind_phase_person_and_time(story):
    made, first, other = story
    b = made.binder
    assert {h.incident_id for h in searching.search(b, "203.0.113.7", incident_id=first)} == set()
    assert _kinds(searching.search(b, "evil", kinds=["ioc"])) == ["ioc"]
    assert _kinds(searching.search(b, "checkout", phase="initial_assessment")) == ["action"]
    assert _kinds(searching.search(b, "fraud", person="BOB")) == ["communication"]
    assert searching.search(b, "fraud", person="alice") == []
    assert _kinds(searching.search(b, "fraud", until="2026-11-28T00:00Z")) == ["communication"]
    assert searching.search(b, "fraud", since="2026-11-28T00:00Z") == []
    with pytest.raises(BadInput, match="unknown kind"):
        searching.search(b, "x", kinds=["gossip"])


@pytest.mark.parametrize("typed", ['AND', 'text:evil', 'NEAR(a b)', '"', "evil OR", "*", "^x"])
def test_typed_text_is_never_fts_syntax(story, typed):
    made, *_ = story
    searching.search(made.binder, typed) if any(c.isalnum() for c in typed) else None
    if not any(c.isalnum() for c in typed):
        with pytest.raises(BadInput, match="no letters or digits"):
            searching.search(made.binder, typed)


def test_empty_and_oversized_searches_are_refused(made):
    with pytest.raises(BadInput, match="empty"):
        searching.search(made.binder, "  ")
    with pytest.raises(BadInput, match="longer than"):
        searching.search(made.binder, "x" * 600)


def test_a_tampered_index_is_found_by_verify_and_rebuilt_from_the_journal(story):
    made, first, _ = story
    b = made.binder
    assert verify_binder(b).ok
    raw = sqlite3.connect(made.path)
    # Make the index forget one entry and claim another says something it does not.
    row = raw.execute("SELECT id, text, reason, kind, author, phase, incident_id FROM entry "
                      "WHERE kind = 'ioc' LIMIT 1").fetchone()
    columns = "rowid, text, reason, kind, author, phase, incident_id"
    raw.execute(f"INSERT INTO entry_fts(entry_fts, {columns}) VALUES ('delete', ?, ?, ?, ?, ?, ?, ?)",
                row)
    raw.execute(f"INSERT INTO entry_fts({columns}) VALUES (?, 'innocent', '', ?, ?, ?, ?)",
                (row[0], *row[3:]))
    raw.commit()
    raw.close()
    assert searching.search(b, "innocent")  # the lie is visible to search...
    report = verify_binder(b)
    assert [p.code for p in report.problems] == ["search_index"]  # ...and verify names it
    searching.rebuild_index(b)
    assert verify_binder(b).ok and not searching.search(b, "innocent")
    assert searching.search(b, "evil-cdn.example", kinds=["ioc"])


def test_a_dropped_index_is_a_problem(made, incident_id):
    raw = sqlite3.connect(made.path)
    raw.execute("DROP TABLE entry_fts")
    raw.commit()
    raw.close()
    assert "search index is missing" in str(verify_binder(made.binder).problems[0])
    with pytest.raises(BadInput, match="no search index"):
        searching.search(made.binder, "anything")
    # The journal goes on without it; the rebuilt index has what was written meanwhile.
    journal.append(made.binder, incident_id, made.lead, NewEntry(text="written meanwhile"))
    searching.rebuild_index(made.binder)
    assert verify_binder(made.binder).ok and searching.search(made.binder, "meanwhile")


def test_an_upgraded_binder_gets_its_index_from_its_journal(tmp_path):
    path = tmp_path / "old.binder"
    shutil.copyfile(GOLDEN_V1, path)
    binder = storage.open_binder(path)
    try:
        hits = searching.search(binder, "script checkout footer")
        assert 2 in [h.seq for h in hits]
        assert verify_binder(binder).ok
    finally:
        binder.close()
