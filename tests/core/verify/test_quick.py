"""Verify since the newest checkpoint that verified: fast, and still finds what a full verify finds.

Each tampering below is done behind the binder's back (sqlite3, guards
dropped) after a full verify recorded its mark; the quick check must find it
or fall back to a full verify, never call the binder verified.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from binder.core.checkpoint.store import make_checkpoint
from binder.core.crypto import signers, vault
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from binder.core.verify.quick import MARK_SETTING, quick_verify, read_mark, record_verified
from tests.helpers import LEAD, LEAD_PASS, PASSPHRASE, WITNESS, WITNESS_PASS


@pytest.fixture
def marked(made, incident_id):
    """A binder fully verified at a checkpoint, with more written after it."""
    b = made.binder
    for i in range(6):
        journal.append(b, incident_id, made.lead, NewEntry(text=f"before {i}"),
                       witness=made.witness if i % 2 else None)
    make_checkpoint(b, made.lead, made.witness)
    report = verify_binder(b)
    assert report.ok and record_verified(b, report) is not None
    first = journal.append(b, incident_id, made.lead, NewEntry(text="after the checkpoint"))
    journal.cosign(b, journal.iter_entries(b, incident_id).__next__().id + 1, made.witness)
    b.close()
    return made.path, incident_id, first


def _open(path: Path):
    binder = open_binder(path)
    vault.unlock_with_passphrase(binder, PASSPHRASE)
    return binder


def _quick(path: Path):
    binder = _open(path)
    try:
        return quick_verify(binder)
    finally:
        binder.close()


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%\\_no\\_%' ESCAPE '\\'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    for sql in statements:
        conn.execute(sql)
    conn.close()


def _codes(result) -> set[str]:
    return {p.code for p in result.report.problems}


def test_intact_binder_is_verified_from_the_mark_on(marked):
    path, _, _ = marked
    result = _quick(path)
    assert result is not None and result.report.ok, result.report.problems
    assert result.records_since == 2  # the entry and the co-signature written after
    assert any("verified since checkpoint 1" in n for n in result.report.notes)


def test_no_mark_locked_or_forged_mark_means_a_full_verify(marked, made):
    path, _, _ = marked
    binder = open_binder(path)
    try:
        assert quick_verify(binder) is None  # locked: the mark cannot be authenticated
    finally:
        binder.close()
    conn = sqlite3.connect(path)
    value = json.loads(conn.execute("SELECT value FROM setting WHERE key = ?", (MARK_SETTING,)).fetchone()[0])
    value["size"] += 1
    conn.execute("UPDATE setting SET value = ? WHERE key = ?", (json.dumps(value), MARK_SETTING))
    conn.commit()
    conn.close()
    binder = _open(path)
    try:
        assert read_mark(binder) is None and quick_verify(binder) is None
    finally:
        binder.close()


@pytest.mark.parametrize("statements, code", [
    # A column of an entry the checkpoint covers, edited: shown text no longer signed.
    (["UPDATE entry SET text = 'nothing happened' WHERE seq = 3"], "column_changed"),
    (["UPDATE entry SET recorded_at = '2020-01-01T00:00:00.000000Z' WHERE seq = 2"], "column_changed"),
    (["UPDATE cosign SET witness = 'carol' WHERE id = 1"], "cosign_changed"),
    (["UPDATE incident SET title = 'Nothing to see'"], "incident_changed"),
    # Its signed bytes rewritten (and the hash column with them): the root no longer holds.
    (["UPDATE entry SET canonical = replace(canonical, 'before 2', 'before 9'), "
      "text = 'before 9' WHERE seq = 4"], "checkpoint_inconsistent"),
    # A co-signature the checkpoint covers deleted with its place, the log renumbered.
    (["DELETE FROM cosign WHERE id = 1", "DELETE FROM log_leaf WHERE kind = 'cosign' AND row_id = 1",
      "CREATE TEMP TABLE kept AS SELECT kind, row_id FROM log_leaf ORDER BY position",
      "DELETE FROM log_leaf",
      "INSERT INTO log_leaf (kind, row_id) SELECT kind, row_id FROM kept ORDER BY rowid"],
     "checkpoint_inconsistent"),
])
def test_tampering_inside_the_checkpoint_is_found_quickly(marked, statements, code):
    path, _, _ = marked
    _sql(path, *statements)
    result = _quick(path)
    assert result is not None and code in _codes(result), result and result.report.problems
    full = open_binder(path)
    try:
        assert not verify_binder(full).ok  # and the full verify agrees something is wrong
    finally:
        full.close()


def test_tampering_after_the_checkpoint_is_checked_in_full(marked):
    path, incident_id, first = marked
    _sql(path, f"UPDATE entry SET text = 'edited' WHERE id = {first}")
    assert "text_changed" in _codes(_quick(path))
    _sql(path, f"UPDATE entry SET text = 'after the checkpoint', signature = "
               f"(SELECT signature FROM entry WHERE seq = 2) WHERE id = {first}")
    assert "signature_invalid" in _codes(_quick(path))


def test_a_newer_full_verify_moves_the_mark(marked):
    path, incident_id, _ = marked
    binder = _open(path)
    try:
        lead = signers.open_session(binder, LEAD, LEAD_PASS)
        witness = signers.open_session(binder, WITNESS, WITNESS_PASS)
        second = make_checkpoint(binder, lead, witness)
        record_verified(binder, verify_binder(binder))
        result = quick_verify(binder)
        assert result.checkpoint.id == second.id and result.records_since == 0 and result.report.ok
    finally:
        binder.close()
