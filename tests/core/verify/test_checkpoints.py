"""Removals that chains alone cannot see, found through the log and its checkpoints.

Three removals leave every remaining hash chain intact: the newest entries cut
off (truncation), a co-signature deleted, a whole incident deleted. Each is
found here in every way the issue asks: by a later checkpoint still in the
binder, and, when the checkpoints inside were deleted too, by a checkpoint kept
outside (`verify --against`, a file or the text typed from paper). A careless
attacker who leaves the log's places behind is found even without checkpoints.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from binder.core.checkpoint.note import parse_note
from binder.core.checkpoint.store import list_checkpoints, make_checkpoint
from binder.core.errors import BadInput, IntegrityError
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import open_incident
from binder.core.output import bundle
from binder.core.storage.database import open_binder
from binder.core.verify.checkpoints import compare_with_checkpoint
from binder.core.verify.checks import VerifyReport, verify_binder


@dataclass
class Story:
    path: Path
    first: int
    second: int
    note_file: Path  # the newest checkpoint, kept outside the binder


@pytest.fixture
def story(made, tmp_path) -> Story:
    """Two incidents written in turns, a checkpoint in the middle and one at the end."""
    b = made.binder
    first = open_incident(b, made.lead, title="Skimmer in checkout")
    second = open_incident(b, made.lead, title="Admin login from abroad")
    for i in range(4):
        journal.append(b, first, made.lead, NewEntry(text=f"first {i}"),
                       witness=made.witness if i % 2 else None)
        journal.append(b, second, made.lead, NewEntry(text=f"second {i}"))
    make_checkpoint(b, made.lead, made.witness, occasion="handover")
    for i in range(4, 6):
        journal.append(b, first, made.lead, NewEntry(text=f"first {i}"), witness=made.witness)
        journal.append(b, second, made.lead, NewEntry(text=f"second {i}"))
    newest = make_checkpoint(b, made.lead, made.witness)
    note_file = tmp_path / "checkpoint.txt"
    note_file.write_text(newest.note, encoding="utf-8")
    assert verify_binder(b).ok
    b.close()
    return Story(made.path, first, second, note_file)


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%\\_no\\_%' ESCAPE '\\'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    for sql in statements:
        conn.execute(sql)
    conn.close()


REMOVALS = {
    # The newest two entries of the first incident, with their co-signatures.
    "truncation": [
        "CREATE TEMP TABLE gone AS SELECT id FROM entry WHERE incident_id = 1 AND seq > 5",
        "DELETE FROM cosign WHERE entry_id IN (SELECT id FROM gone)",
        "DELETE FROM entry WHERE id IN (SELECT id FROM gone)",
    ],
    "co-signature": ["DELETE FROM cosign WHERE id = (SELECT min(id) FROM cosign)"],
    "incident": [
        "DELETE FROM cosign WHERE entry_id IN (SELECT id FROM entry WHERE incident_id = 2)",
        "DELETE FROM entry WHERE incident_id = 2",
        "DELETE FROM incident WHERE id = 2",
    ],
}
# What a careful attacker adds: the log's places go too, and the rest is renumbered.
HIDE_IN_LOG = [
    """DELETE FROM log_leaf WHERE (kind = 'entry' AND row_id NOT IN (SELECT id FROM entry))
       OR (kind = 'cosign' AND row_id NOT IN (SELECT id FROM cosign))""",
    "CREATE TEMP TABLE kept AS SELECT kind, row_id FROM log_leaf ORDER BY position",
    "DELETE FROM log_leaf",
    "INSERT INTO log_leaf (kind, row_id) SELECT kind, row_id FROM kept ORDER BY rowid",
    # The search index is derived from the entries: a careful hand makes it again too
    # (left as it was, it still holds the removed entries and verify names it).
    "INSERT INTO entry_fts(entry_fts) VALUES ('rebuild')",
]


def _verify(path: Path, against: Path | None = None) -> VerifyReport:
    binder = open_binder(path)
    try:
        report = verify_binder(binder)
        if against is not None:
            note = parse_note(against.read_text(encoding="utf-8"))
            compare_with_checkpoint(binder, note, report, str(against))
        return report
    finally:
        binder.close()


def _codes(report: VerifyReport) -> set[str]:
    return {p.code for p in report.problems}


@pytest.mark.parametrize("removal", list(REMOVALS))
def test_careful_removal_passes_the_chains_but_not_a_surviving_checkpoint(story, removal):
    _sql(story.path, *REMOVALS[removal], *HIDE_IN_LOG)
    report = _verify(story.path)
    codes = _codes(report)
    assert codes & {"rolled_back", "checkpoint_inconsistent"}, report.problems
    # Only the log and the checkpoints saw it: every hash chain left is intact.
    assert codes <= {"rolled_back", "checkpoint_inconsistent"}, report.problems
    newest = [p for p in report.problems if "checkpoint 2" in p.message]
    assert newest, report.problems
    if removal == "truncation" or removal == "incident":
        assert any("rolled_back" == p.code and "record(s) were removed" in p.message
                   for p in newest)


@pytest.mark.parametrize("removal", list(REMOVALS))
def test_careful_removal_with_checkpoints_deleted_is_found_against_one_kept_outside(story, removal):
    _sql(story.path, *REMOVALS[removal], *HIDE_IN_LOG, "DELETE FROM checkpoint")
    # The binder alone has nothing left to compare with: this is the limit --against closes.
    assert _verify(story.path).ok
    report = _verify(story.path, against=story.note_file)
    assert _codes(report) & {"rolled_back", "history_rewritten"}, report.problems
    assert all(str(story.note_file) in str(p) for p in report.problems)


@pytest.mark.parametrize("removal", list(REMOVALS))
def test_careless_removal_is_named_by_the_log_even_without_checkpoints(story, removal):
    _sql(story.path, *REMOVALS[removal], "DELETE FROM checkpoint")
    report = _verify(story.path)
    missing = [p for p in report.problems if p.code == "log_record_missing"]
    assert missing, report.problems
    kind = "co-signature" if removal == "co-signature" else "journal entry"
    assert any(f"the {kind} it holds" in p.message for p in missing)


def test_places_removed_without_renumbering_leave_a_gap(story):
    _sql(story.path, *REMOVALS["co-signature"], HIDE_IN_LOG[0], "DELETE FROM checkpoint")
    report = _verify(story.path)
    assert _codes(report) == {"log_gap"}
    assert "of the log are gone" in str(report.problems[0])


def test_a_record_slipped_in_behind_the_log_is_named(story):
    _sql(story.path, "DROP TRIGGER entry_log_leaf",
         "INSERT INTO entry SELECT id + 1000, incident_id, seq + 100, recorded_at, occurred_at, "
         "author, cert_fingerprint, kind, phase, text, reason, corrects, evidence_id, source, "
         "assets, data, prev_hash, hash, canonical, signature FROM entry WHERE id = "
         "(SELECT max(id) FROM entry)")
    report = _verify(story.path)
    assert "log_unplaced" in _codes(report)


def test_deleted_older_checkpoint_and_edited_checkpoint_are_named(story):
    _sql(story.path, "DELETE FROM checkpoint WHERE id = 1",
         "UPDATE checkpoint SET maker = 'carol' WHERE id = 2")
    codes = _codes(_verify(story.path))
    assert codes == {"checkpoint_missing", "checkpoint_changed"}


def test_forged_checkpoint_signature_is_found(story):
    _sql(story.path, "UPDATE checkpoint SET note = replace(note, 'format 1', 'format 1') || '' "
         "WHERE id = 2",
         "UPDATE checkpoint SET tree_size = tree_size + 1 WHERE id = 2")
    assert "checkpoint_changed" in _codes(_verify(story.path))
    conn = sqlite3.connect(story.path)
    note = conn.execute("SELECT note FROM checkpoint WHERE id = 2").fetchone()[0]
    conn.close()
    lines = note.split("\n")
    lines[1] = str(int(lines[1]) - 1)  # claims one record fewer, keeps the old signatures
    _sql(story.path, "UPDATE checkpoint SET tree_size = tree_size - 2 WHERE id = 2")
    conn = sqlite3.connect(story.path)
    conn.execute("UPDATE checkpoint SET note = ?, root_hash = root_hash WHERE id = 2",
                 ("\n".join(lines),))
    conn.commit()
    conn.close()
    assert "checkpoint_signature_invalid" in _codes(_verify(story.path))


def test_the_intact_binder_extends_its_checkpoints_and_an_outside_one(story):
    report = _verify(story.path, against=story.note_file)
    assert report.ok, report.problems
    assert any("checkpoints: 2 checked, the log extends every one" in n for n in report.notes)
    assert any("this binder extends it" in n for n in report.notes)


def test_a_checkpoint_of_another_binder_is_named(story, tmp_path):
    text = story.note_file.read_text()
    other = text.replace(text.split("\n")[0], "incident-binder/00000000-0000-4000-8000-000000000000")
    path = tmp_path / "other.txt"
    path.write_text(other)
    assert _codes(_verify(story.path, against=path)) == {"other_binder"}


def test_checkpoint_needs_two_people_and_something_to_sign(made, incident_id):
    with pytest.raises(BadInput, match="two-person"):
        make_checkpoint(made.binder, made.lead, made.lead)
    made_cp = make_checkpoint(made.binder, made.lead)
    assert made_cp.witness is None and made_cp.tree_size == 1
    assert [c.id for c in list_checkpoints(made.binder)] == [made_cp.id]


def test_checkpoint_refuses_an_empty_log_and_a_damaged_one(made, incident_id, tmp_path):
    empty = make_binder_without_entries(tmp_path)
    with pytest.raises(BadInput, match="nothing to checkpoint"):
        make_checkpoint(empty.binder, empty.lead)
    empty.binder.close()
    journal.append(made.binder, incident_id, made.lead, NewEntry(text="one more"))
    made.binder.close()
    _sql(made.path, "DELETE FROM entry WHERE seq = 1")
    binder = open_binder(made.path)
    try:
        from binder.core.crypto.signers import open_session
        from tests.helpers import LEAD, LEAD_PASS

        with pytest.raises(IntegrityError, match="damaged log"):
            make_checkpoint(binder, open_session(binder, LEAD, LEAD_PASS))
        assert list_checkpoints(binder) == []
    finally:
        binder.close()


def make_binder_without_entries(tmp_path: Path):
    from tests.helpers import make_binder

    return make_binder(tmp_path / "empty.binder")


def _verify_bundle(bundle_path: Path, *args: str) -> subprocess.CompletedProcess:
    tool = Path(__file__).resolve().parents[3] / "tools" / "verify_bundle.py"
    return subprocess.run([sys.executable, "-I", str(tool), str(bundle_path), *args],
                          capture_output=True, text=True, timeout=120)


def test_bundle_carries_the_log_and_the_script_checks_it_against_a_held_checkpoint(story, tmp_path):
    binder = open_binder(story.path)
    try:
        bundle.write_bundle(binder, story.first, tmp_path / "before.json")
    finally:
        binder.close()
    ok = _verify_bundle(tmp_path / "before.json", "--checkpoint", str(story.note_file))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "log: newest checkpoint covers 18 of 18 records" in ok.stdout
    # Truncated carefully, checkpoints deleted: the new bundle is consistent in
    # itself, but not with the checkpoint printed on the report or the paper copy.
    _sql(story.path, *REMOVALS["truncation"], *HIDE_IN_LOG, "DELETE FROM checkpoint")
    binder = open_binder(story.path)
    try:
        bundle.write_bundle(binder, story.first, tmp_path / "after.json")
    finally:
        binder.close()
    assert _verify_bundle(tmp_path / "after.json").returncode == 0
    held = _verify_bundle(tmp_path / "after.json", "--checkpoint", str(story.note_file))
    assert held.returncode == 1
    assert "the checkpoint you gave: covers 18 records but the log holds 14" in held.stdout


def test_bundle_whose_record_is_not_its_leaf_fails_the_script(story, tmp_path):
    binder = open_binder(story.path)
    try:
        data = bundle.build_bundle(binder, story.first)
    finally:
        binder.close()
    data["entries"][2]["leaf_index"] = data["entries"][3]["leaf_index"]
    (tmp_path / "b.json").write_bytes(bundle.bundle_bytes(data))
    run = _verify_bundle(tmp_path / "b.json")
    assert run.returncode == 1 and "entry of entry 3: not the leaf of the log" in run.stdout


def test_verify_names_checkpoint_signers_as_their_certificates_do(made, tmp_path):
    from binder.core.crypto.signers import open_session
    from tests.helpers import enroll_person

    b = made.binder
    enroll_person(b, "Łukasz Wróblewski", "lead", "lukasz-passphrase-long", login="lw")
    enroll_person(b, "Ελένη Παπαδοπούλου", "it", "eleni-passphrase-long", login="ep")
    lead = open_session(b, "lw", "lukasz-passphrase-long")
    witness = open_session(b, "ep", "eleni-passphrase-long")
    iid = open_incident(b, lead, title="Skimmer in checkout")
    journal.append(b, iid, lead, NewEntry(text="Took the checkout offline"), witness=witness)
    note = tmp_path / "checkpoint.txt"
    note.write_text(make_checkpoint(b, lead, witness).note, encoding="utf-8")
    b.close()
    notes = " ".join(_verify(made.path, against=note).notes)
    assert "by Łukasz Wróblewski, witnessed by Ελένη Παπαδοπούλου" in notes
    assert "signed by Łukasz Wróblewski, Ελένη Παπαδοπούλου" in notes
    assert "by lw" not in notes and "signed by lw" not in notes
