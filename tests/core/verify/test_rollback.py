"""Rollback and rewrite found against an earlier export (`binder verify --against`).

A binder restored from an older copy verifies on its own: every chain in it is
intact, just shorter. So is a binder re-signed from end to end under a root
the attacker made. An export held by someone else (the bundle JSON, or the PDF
report that carries it) is what tells them apart.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from pypdf import PdfReader

from binder.core.crypto import signers
from binder.core.errors import BadInput, UnsupportedFormat
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import open_incident
from binder.core.output import bundle
from binder.core.output.report.build import BUNDLE_NAME, write_report
from binder.core.plan import revisions as plan
from binder.core.storage.backup import backup_binder
from binder.core.storage.database import open_binder
from binder.core.verify.checks import VerifyReport, verify_binder
from binder.core.verify.rollback import compare_with_export, load_export
from tests.helpers import LEAD, LEAD_PASS, make_binder


def _restore(backup: Path, path: Path) -> None:
    """Put an older copy in place of the binder, as someone with file access would."""
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, path)


def _add(made, incident: int, n: int, start: int = 0) -> None:
    for i in range(n):
        journal.append(made.binder, incident, made.lead,
                       NewEntry(text=f"step {start + i}", kind="action"),
                       witness=made.witness if i % 2 else None)


@pytest.fixture
def history(made, tmp_path):
    """An incident exported twice: an old copy of the binder sits between the exports."""
    b = made.binder
    incident = open_incident(b, made.lead, title="Skimmer in checkout", type="skimmer",
                             severity="high", plan_revision_id=plan.current_revision(b).id)
    _add(made, incident, 3)
    early = bundle.write_bundle(b, incident, tmp_path / "early.json")
    old_copy = backup_binder(b, tmp_path / "old-copy.binder")
    _add(made, incident, 4, start=3)
    late = bundle.write_bundle(b, incident, tmp_path / "late.json")
    report = write_report(b, incident, tmp_path / "report.pdf", lead=made.lead)
    assert report.entries == late["entry_count"] == early["entry_count"] + 4
    b.close()
    return {"path": made.path, "incident": incident, "early": early, "late": late,
            "old_copy": old_copy, "dir": tmp_path}


def _compare(path: Path, export: Path) -> VerifyReport:
    binder = open_binder(path)
    try:
        report = verify_binder(binder)
        compare_with_export(binder, load_export(export), report)
        return report
    finally:
        binder.close()


def _codes(report: VerifyReport) -> set[str]:
    return {p.code for p in report.problems}


def test_current_binder_matches_every_earlier_export(history, run_cli):
    d = history["dir"]
    r = run_cli("verify", "--binder", str(history["path"]), "--against", str(d / "early.json"),
                "--against", str(d / "late.json"), "--against", str(d / "report.pdf"))
    assert r.code == 0, r.out + r.err
    assert "intact" in r.out and "compared with 3 export(s)" in r.out
    assert f"it saw {history['early']['entry_count']} entries" in r.out


def test_restored_older_copy_is_reported_as_rolled_back(history, run_cli):
    _restore(history["old_copy"], history["path"])
    # On its own the older copy is a perfectly good binder.
    assert run_cli("verify", "--binder", str(history["path"])).code == 0
    late = history["late"]
    had = history["early"]["entry_count"]
    for export, word in (("late.json", "bundle"), ("report.pdf", "report")):
        r = run_cli("verify", "--binder", str(history["path"]), "--against",
                    str(history["dir"] / export))
        assert r.code == 1, r.out
        expected = (f"rolled back: the {word} saw {late['entry_count']} entries ending in "
                    f"{late['head_hash']}, this binder has {had}")
        assert expected in r.out, r.out
        assert "Traceback" not in r.err


def test_rolled_back_json_names_the_incident(history, run_cli):
    _restore(history["old_copy"], history["path"])
    r = run_cli("verify", "--binder", str(history["path"]), "--json", "--against",
                str(history["dir"] / "late.json"))
    assert r.code == 1
    found = json.loads(r.out)
    assert not found["ok"]
    rolled = [p for p in found["problems"] if p["code"] == "rolled_back"]
    assert len(rolled) == 1 and rolled[0]["incident"] == history["incident"]


def test_older_copy_with_new_entries_is_a_rewritten_history(history):
    """Rolled back, then written on: as many entries as the report saw, but different ones."""
    _restore(history["old_copy"], history["path"])
    binder = open_binder(history["path"])
    session = signers.open_session(binder, LEAD, LEAD_PASS)
    for i in range(6):
        journal.append(binder, history["incident"], session, NewEntry(text=f"other {i}"))
    binder.close()
    report = _compare(history["path"], history["dir"] / "late.json")
    first_new = history["early"]["entry_count"] + 1
    assert [(p.code, p.entry) for p in report.problems] == [("history_rewritten", first_new)]
    assert "history was rewritten after the export" in str(report.problems[0])


def test_restored_from_before_the_incident_was_opened(made, tmp_path):
    b = made.binder
    before = backup_binder(b, tmp_path / "before.binder")
    incident = open_incident(b, made.lead, title="Admin takeover", type="admin_takeover")
    bundle.write_bundle(b, incident, tmp_path / "b.json")
    b.close()
    _restore(before, made.path)
    report = _compare(made.path, tmp_path / "b.json")
    assert _codes(report) == {"incident_gone"}
    assert "'Admin takeover'" in str(report.problems[0])


def test_removed_cosignature_is_found_against_the_export(history):
    conn = sqlite3.connect(history["path"])
    conn.execute("DROP TRIGGER cosign_no_delete")
    conn.execute("DELETE FROM cosign WHERE id = (SELECT max(id) FROM cosign)")
    conn.commit()
    conn.close()
    report = _compare(history["path"], history["dir"] / "late.json")
    # The export names whose co-signature is gone; the log, that its place is empty; the
    # checkpoint the signed report made, that the binder no longer holds all it covered.
    assert _codes(report) == {"cosign_gone", "log_record_missing", "rolled_back"}
    gone = [p for p in report.problems if p.code == "cosign_gone"]
    assert "co-signature by bob" in str(gone[0])


def _resign_everything(path: Path, forger) -> None:
    """Replace root and certificates by the forger's and re-sign every record consistently.

    The forger's root names the forger's binder, so the binder takes on its identity
    too (in its meta table and in every signed opening).
    """
    src = sqlite3.connect(forger.path)
    root_der, root_env = src.execute("SELECT cert_der, key_envelope FROM root").fetchone()
    forged_uuid = src.execute("SELECT value FROM meta WHERE key = 'uuid'").fetchone()[0]
    certs = {p: (fp, der) for p, fp, der in src.execute(
        "SELECT s.person, c.fingerprint, c.cert_der FROM certificate c JOIN signer s ON s.id = c.signer_id")}
    # Signers are roster contacts: the forger's certificates name the forger's contacts.
    links = dict(src.execute("SELECT s.person, l.contact_id FROM signer_contact l "
                             "JOIN signer s ON s.id = l.signer_id"))
    src.close()
    keys = {forger.lead.person: forger.lead, forger.witness.person: forger.witness}
    conn = sqlite3.connect(path, isolation_level=None)
    # The append-only guards; the triggers that place new records in the log stay,
    # as they would for an attacker who wants the log to look whole.
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%\\_no\\_%' ESCAPE '\\'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE root SET cert_der = ?, key_envelope = ?", (root_der, root_env))
    conn.execute("UPDATE meta SET value = ? WHERE key = 'uuid'", (forged_uuid,))
    for person, (fp, der) in certs.items():
        conn.execute("UPDATE certificate SET fingerprint = ?, cert_der = ? WHERE signer_id = "
                     "(SELECT id FROM signer WHERE person = ?)", (fp, der, person))
    for person, contact in links.items():
        conn.execute("UPDATE signer_contact SET contact_id = ? WHERE signer_id = "
                     "(SELECT id FROM signer WHERE person = ?)", (contact, person))
    # The roster's listing names its binder in clear (only its MAC needs the data key,
    # and only an unlocked read checks that): a consistent forger rewrites it too.
    head = conn.execute("SELECT listing FROM roster_head WHERE id = 1").fetchone()
    if head is not None:
        listing = json.loads(head[0])
        listing["binder"] = forged_uuid
        conn.execute("UPDATE roster_head SET listing = ? WHERE id = 1", (json.dumps(listing),))
    new_hash: dict[int, str] = {}
    for (iid, uuid) in conn.execute("SELECT id, uuid FROM incident").fetchall():
        prev = journal.genesis_hash(uuid)
        for eid, author, canonical in conn.execute(
                "SELECT id, author, canonical FROM entry WHERE incident_id = ? ORDER BY seq",
                (iid,)).fetchall():
            doc = json.loads(canonical)
            doc["cert"], doc["prev"] = certs[author][0], prev
            if doc["kind"] == "open":
                doc["data"]["binder"] = forged_uuid
            data = journal.canonical_bytes(doc)
            prev = hashlib.sha256(data).hexdigest()
            new_hash[eid] = prev
            conn.execute("UPDATE entry SET cert_fingerprint = ?, prev_hash = ?, hash = ?, "
                         "canonical = ?, signature = ?, data = ? WHERE id = ?",
                         (doc["cert"], doc["prev"], prev, data, keys[author].sign(data),
                          json.dumps(doc["data"], sort_keys=True, ensure_ascii=False), eid))
    for cid, entry_id, witness, canonical in conn.execute(
            "SELECT id, entry_id, witness, canonical FROM cosign").fetchall():
        doc = json.loads(canonical)
        doc["cert"], doc["entry"] = certs[witness][0], new_hash[entry_id]
        data = journal.canonical_bytes(doc)
        conn.execute("UPDATE cosign SET entry_hash = ?, cert_fingerprint = ?, canonical = ?, "
                     "signature = ? WHERE id = ?",
                     (doc["entry"], doc["cert"], data, keys[witness].sign(data), cid))
    # The checkpoints (the report's sign-off made one) name the old signers and the old
    # root hash: a forger who wants the binder to pass alone removes them all.
    conn.execute("DELETE FROM checkpoint")
    conn.close()


def test_binder_resigned_under_another_root_passes_alone_but_not_against_the_report(
        history, tmp_path):
    forger = make_binder(tmp_path / "forger.binder")
    try:
        _resign_everything(history["path"], forger)
    finally:
        forger.binder.close()
    binder = open_binder(history["path"])
    try:
        alone = verify_binder(binder)
    finally:
        binder.close()
    # A consistent forgery under a new root: the binder alone cannot tell (documented limit).
    assert alone.ok, [str(p) for p in alone.problems]
    report = _compare(history["path"], history["dir"] / "report.pdf")
    # The report's signature is by a certificate the forged binder no longer holds.
    assert _codes(report) == {"other_binder", "root_changed", "certificate_gone",
                              "history_rewritten", "report_signer_unknown"}
    assert [p.entry for p in report.problems if p.code == "history_rewritten"] == [1]


def test_bundle_from_another_binder(history, tmp_path):
    other = make_binder(tmp_path / "other.binder")
    incident = open_incident(other.binder, other.lead, title="Elsewhere")
    bundle.write_bundle(other.binder, incident, tmp_path / "other.json")
    other.binder.close()
    report = _compare(history["path"], tmp_path / "other.json")
    assert {"other_binder", "incident_gone", "root_changed"} <= _codes(report)


def test_plan_revision_rewritten_with_its_hash_is_found_against_the_export(history):
    """Content and hash column both rewritten: consistent inside, but not what the report cites."""
    conn = sqlite3.connect(history["path"])
    conn.execute("DROP TRIGGER plan_revision_no_update")
    content, = conn.execute("SELECT content FROM plan_revision WHERE id = 1").fetchone()
    forged = content.replace("Incident Lead", "Incident Leed", 1)
    assert forged != content
    conn.execute("UPDATE plan_revision SET content = ?, sha256 = ? WHERE id = 1",
                 (forged, hashlib.sha256(forged.encode()).hexdigest()))
    conn.commit()
    conn.close()
    report = _compare(history["path"], history["dir"] / "late.json")
    assert _codes(report) == {"plan_revision_changed"}


def test_the_report_carries_the_same_bundle_pypdf_reads(history):
    """Cross-check our reader with pypdf: both see the bundle the report was built with."""
    reader = PdfReader(str(history["dir"] / "report.pdf"))
    attached = json.loads(reader.attachments[BUNDLE_NAME][0])
    seen = load_export(history["dir"] / "report.pdf")
    assert seen.source == "report"
    assert (seen.entry_count, seen.head_hash) == (attached["entry_count"], attached["head_hash"])
    assert seen.entry_hashes[-1] == hashlib.sha256(
        base64.b64decode(attached["entries"][-1]["canonical"])).hexdigest()


@pytest.mark.parametrize("case", ["missing", "folder", "text", "json", "pdf_without_bundle",
                                  "damaged", "newer"])
def test_unusable_against_files_are_bad_input(history, tmp_path, case):
    target = tmp_path / f"against-{case}"
    late = json.loads((history["dir"] / "late.json").read_text())
    if case == "folder":
        target.mkdir()
    elif case == "text":
        target.write_text("just some notes\n")
    elif case == "json":
        target.write_text('{"hello": "world"}')
    elif case == "pdf_without_bundle":
        from reportlab.pdfgen import canvas

        c = canvas.Canvas(str(target))
        c.drawString(100, 700, "not a report")
        c.save()
    elif case == "damaged":
        late["entry_count"] += 1
        target.write_text(json.dumps(late))
    elif case == "newer":
        late["version"] = 99
        target.write_text(json.dumps(late))
    expected = UnsupportedFormat if case == "newer" else BadInput
    with pytest.raises(expected) as info:
        load_export(target)
    assert str(target) in str(info.value) and "\n" not in str(info.value)


def test_cli_refuses_an_unusable_file_with_exit_2_before_opening_the_binder(history, run_cli, tmp_path):
    junk = tmp_path / "junk.json"
    junk.write_bytes(os.urandom(64))
    before = Path(history["path"]).stat().st_mtime_ns
    r = run_cli("verify", "--binder", str(history["path"]), "--against", str(junk))
    assert r.code == 2 and r.out == ""
    assert r.err.count("\n") == 1 and "Traceback" not in r.err and "junk.json" in r.err
    assert Path(history["path"]).stat().st_mtime_ns == before
