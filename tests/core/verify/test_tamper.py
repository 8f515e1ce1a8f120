"""Tampering beyond the journal rows: evidence files and index, custody, roster, plans, certificates.

tests/core/verify/test_checks.py covers the journal itself (edited, moved, deleted,
inserted, reordered, duplicated entries; swapped signatures; forged witness
records). Here the attacker goes after everything around it, with the file,
sqlite3 and (triggers dropped) no rules. Each case says what `verify` (or the
read that trips over it) names. docs/RELIABILITY.md lists every case; the
last test keeps that document honest.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from pathlib import Path

import pytest

from binder.core import roster
from binder.core.crypto import signers, vault
from binder.core.errors import CorruptEnvelope
from binder.core.incident import evidence as ev
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import open_incident
from binder.core.plan import revisions as plan
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from tests.helpers import PASSPHRASE, make_binder, signer_env

ROOT = Path(__file__).resolve().parents[3]


def tamper(path: Path, *statements: str, params: tuple = ()) -> None:
    """Edit the binder file as someone with sqlite3 would: triggers dropped first."""
    conn = sqlite3.connect(path, isolation_level=None)
    # The append-only guards; the triggers that place new records in the log stay,
    # as they would for an attacker who wants the log to look whole.
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%\\_no\\_%' ESCAPE '\\'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    for sql in statements:
        conn.execute(sql, params if "?" in sql else ())
    conn.close()


def verified(path: Path):
    binder = open_binder(path)
    try:
        return verify_binder(binder)
    finally:
        binder.close()


def found(path: Path) -> set[tuple[int | None, int | None, str]]:
    return {(p.incident, p.entry, p.code) for p in verified(path).problems}


@pytest.fixture
def case(made, tmp_path):
    """An incident with two evidence items (one copied into the binder's folder) and a hand-over."""
    b = made.binder
    iid = open_incident(b, made.lead, title="Skimmer in checkout", type="skimmer",
                        severity="high", plan_revision_id=plan.current_revision(b).id)
    kept = tmp_path / "access.log"
    kept.write_bytes(b"".join(b"10.0.0.%d GET /checkout 200\n" % (i % 250) for i in range(4000)))
    dump = tmp_path / "orders.sql"
    dump.write_bytes(b"INSERT INTO sales_order VALUES (1);\n" * 2000)
    e1 = ev.register_evidence(b, iid, kept, made.lead, description="nginx access log",
                              witness=made.witness)
    e2 = ev.register_evidence(b, iid, dump, made.lead, description="orders table dump",
                              copy_to=ev.evidence_folder(b))
    custody = ev.transfer(b, e1, made.lead, received_by="Forensic lab", purpose="analysis",
                          witness=made.witness)
    assert verify_binder(b).ok
    info = {
        "path": made.path, "iid": iid, "e1": e1, "e2": e2, "kept": kept,
        "copy": ev.resolve_file(b, ev.get_evidence(b, e2).path),
        "custody_seq": journal.get_entry(b, custody).seq,
        "e1_seq": journal.get_entry(b, ev.get_evidence(b, e1).entry_id).seq,
        "e2_seq": journal.get_entry(b, ev.get_evidence(b, e2).entry_id).seq,
    }
    b.close()
    return info


# ------------------------------------------------------------------ evidence files


def test_evidence_file_altered_same_size_and_time(case):
    """Bytes changed in place; size and modification time put back to hide it."""
    kept: Path = case["kept"]
    st = kept.stat()
    data = bytearray(kept.read_bytes())
    data[1234] ^= 0x01
    kept.write_bytes(bytes(data))
    os.utime(kept, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert kept.stat().st_size == st.st_size
    report = verified(case["path"])
    assert {(p.incident, p.entry, p.code) for p in report.problems} == {
        (case["iid"], case["e1_seq"], "evidence_changed")}
    message = str(report.problems[0])
    assert f"E{case['e1']}" in message and "access.log" in message and "CHANGED" in message


def test_evidence_copy_in_the_binder_folder_altered(case):
    copy: Path = case["copy"]
    os.chmod(copy, 0o644)  # the copy is read-only; an attacker simply changes that
    with open(copy, "r+b") as fh:
        fh.seek(10)
        fh.write(b"X")
    assert found(case["path"]) == {(case["iid"], case["e2_seq"], "evidence_changed")}


def test_evidence_file_missing_is_named_but_not_a_failure(case, run_cli):
    """By design: the drive holding evidence may simply not be attached. Named, exit 0."""
    case["kept"].unlink()
    report = verified(case["path"])
    assert report.ok
    assert any(f"E{case['e1']}" in n and "file not found" in n for n in report.notes)
    r = run_cli("evidence", "recheck", "--binder", str(case["path"]), "--json")
    assert [x["status"] for x in json.loads(r.out)] == ["missing", "ok"]


# ------------------------------------------------------------------ evidence index


@pytest.mark.parametrize(("column", "value", "named"), [
    ("size", 1, "size"),
    ("path", "/tmp/elsewhere.log", "file path"),
    ("description", "harmless notes", "description"),
])
def test_evidence_index_row_edited(case, column, value, named):
    tamper(case["path"], f"UPDATE evidence SET {column} = ? WHERE id = {case['e1']}", params=(value,))
    report = verified(case["path"])
    assert {(p.incident, p.entry, p.code) for p in report.problems} == {
        (case["iid"], case["e1_seq"], "evidence_record_changed")}
    assert f"register {named} differs from the signed registration" in str(report.problems[0])


def test_evidence_index_row_deleted(case):
    tamper(case["path"], f"DELETE FROM evidence WHERE id = {case['e2']}")
    assert found(case["path"]) == {(case["iid"], case["e2_seq"], "evidence_record_missing")}


def test_evidence_index_row_pointed_at_a_file_with_matching_hash_and_size(case, tmp_path):
    """The row is made to match a substitute file perfectly; the signed registration still differs."""
    fake = tmp_path / "clean.log"
    fake.write_bytes(b"nothing to see\n")
    digest = hashlib.sha256(fake.read_bytes()).hexdigest()
    tamper(case["path"], f"UPDATE evidence SET path = ?, sha256 = ?, size = ? WHERE id = {case['e1']}",
           params=(str(fake), digest, fake.stat().st_size))
    codes = found(case["path"])
    assert codes and {c for *_, c in codes} == {"evidence_record_changed"}


# ------------------------------------------------------------------ custody


def test_custody_entry_text_edited(case):
    tamper(case["path"], "UPDATE entry SET text = 'Custody stayed with alice' "
                         f"WHERE incident_id = {case['iid']} AND seq = {case['custody_seq']}")
    assert found(case["path"]) == {(case["iid"], case["custody_seq"], "text_changed")}


def test_custody_receiver_changed_in_the_structured_data(case):
    conn = sqlite3.connect(case["path"])
    data, = conn.execute("SELECT data FROM entry WHERE incident_id = ? AND seq = ?",
                         (case["iid"], case["custody_seq"])).fetchone()
    conn.close()
    changed = json.loads(data)
    changed["received_by"] = "Mallory"
    tamper(case["path"], "UPDATE entry SET data = ? "
                         f"WHERE incident_id = {case['iid']} AND seq = {case['custody_seq']}",
           params=(json.dumps(changed),))
    assert found(case["path"]) == {(case["iid"], case["custody_seq"], "data_changed")}


# ------------------------------------------------------------------ roster


def test_roster_ciphertext_swapped_between_rows_names_the_contact(made, run_cli):
    b = made.binder
    first = roster.add_contact(b, role="lead", name="Ada Lovelace", phone="+44 20 7946 0001")
    second = roster.add_contact(b, role="legal", name="Grace Hopper", phone="+1 212 555 0199")
    b.close()
    conn = sqlite3.connect(made.path)
    a, = conn.execute("SELECT phone FROM contact_revision WHERE contact_id = ?", (first,)).fetchone()
    c, = conn.execute("SELECT phone FROM contact_revision WHERE contact_id = ?", (second,)).fetchone()
    conn.close()
    tamper(made.path, "UPDATE contact_revision SET phone = ? WHERE contact_id = ?", params=(c, first))
    tamper(made.path, "UPDATE contact_revision SET phone = ? WHERE contact_id = ?", params=(a, second))

    binder = open_binder(made.path)
    try:
        vault.unlock_with_passphrase(binder, PASSPHRASE)
        with pytest.raises(CorruptEnvelope) as info:
            roster.get_contact(binder, first)
        assert first in str(info.value) and "phone" in str(info.value)
    finally:
        binder.close()
    r = run_cli("roster", "list", "--binder", str(made.path), env={"BINDER_PASSPHRASE": PASSPHRASE})
    assert r.code == 2 and r.out == ""
    assert "does not decrypt" in r.err and ("Traceback" not in r.err) and r.err.count("\n") == 1
    assert first in r.err or second in r.err
    # The journal is not affected: verify has nothing to say about the roster.
    assert verified(made.path).ok


# ------------------------------------------------------------------ plans


def test_plan_revision_content_edited(made, run_cli):
    made.binder.close()
    tamper(made.path, "UPDATE plan_revision SET content = replace(content, 'Owner', 'None') "
                      "WHERE id = 1")
    report = verified(made.path)
    assert [p.code for p in report.problems] == ["plan_revision_changed"]
    assert "revision 1" in str(report.problems[0]) and "content altered" in str(report.problems[0])
    r = run_cli("verify", "--binder", str(made.path))
    assert r.code == 1 and "plan" in r.out and "content altered" in r.out


def test_plan_revision_deleted(made):
    plan.save_revision(made.binder, plan.current_revision(made.binder).content, author="x", note="2")
    plan.save_revision(made.binder, plan.current_revision(made.binder).content, author="x", note="3")
    made.binder.close()
    tamper(made.path, "DELETE FROM plan_revision WHERE number = 2")
    report = verified(made.path)
    assert [p.code for p in report.problems] == ["plan_revision_missing"]
    assert "revision(s) 2 are gone" in str(report.problems[0])


def test_plan_revision_an_incident_ran_under_deleted(case):
    tamper(case["path"], "DELETE FROM plan_revision WHERE id = 1")
    codes = found(case["path"])
    assert (case["iid"], None, "plan_revision_missing") in codes


# ------------------------------------------------------------------ certificates


def _only_alice(made) -> int:
    iid = open_incident(made.binder, made.lead, title="Admin login from abroad",
                        type="admin_takeover")
    for text in ("Password reset", "2FA enforced", "Sessions revoked"):
        journal.append(made.binder, iid, made.lead, NewEntry(text=text, kind="action"))
    made.binder.close()
    return iid


def test_certificate_replaced_by_one_from_another_binders_root(made, tmp_path):
    """Alice's certificate becomes a real one for 'alice' from a second binder, same org name,
    and every entry of hers is re-signed with that key: the chain is flawless, the issuer is not."""
    iid = _only_alice(made)
    other = make_binder(tmp_path / "other.binder")  # same org, also has an 'alice'
    other.binder.close()
    fp, der = other.lead.signer.fingerprint, other.lead.signer.cert_der
    old_fp = signers.fingerprint(made.lead.signer.cert_der)
    tamper(made.path, "UPDATE certificate SET fingerprint = ?, cert_der = ? WHERE fingerprint = ?",
           params=(fp, der, old_fp))
    conn = sqlite3.connect(made.path)
    uuid, = conn.execute("SELECT uuid FROM incident WHERE id = ?", (iid,)).fetchone()
    rows = conn.execute("SELECT seq, canonical FROM entry WHERE incident_id = ? ORDER BY seq",
                        (iid,)).fetchall()
    conn.close()
    prev = journal.genesis_hash(uuid)
    for seq, canonical in rows:
        doc = json.loads(canonical)
        doc["cert"], doc["prev"] = fp, prev
        data = journal.canonical_bytes(doc)
        digest = hashlib.sha256(data).hexdigest()
        tamper(made.path, "UPDATE entry SET cert_fingerprint = ?, prev_hash = ?, hash = ?, "
                          f"canonical = ?, signature = ? WHERE incident_id = {iid} AND seq = {seq}",
               params=(fp, prev, digest, data, other.lead.sign(data)))
        prev = digest
    report = verified(made.path)
    assert {(p.incident, p.entry, p.code) for p in report.problems} == {
        (iid, seq, "bad_certificate") for seq, _ in rows}
    assert all("not from this binder's root" in str(p) for p in report.problems)


def test_root_certificate_swapped(made, tmp_path):
    iid = _only_alice(made)
    other = make_binder(tmp_path / "other.binder")
    other.binder.close()
    conn = sqlite3.connect(other.path)
    other_root, = conn.execute("SELECT cert_der FROM root").fetchone()
    conn.close()
    tamper(made.path, "UPDATE root SET cert_der = ?", params=(other_root,))
    report = verified(made.path)
    # The other root names the other binder; every entry's certificate is not from it.
    assert {p.code for p in report.problems} == {"bad_certificate", "binder_identity_changed"}
    assert {(p.incident, p.entry) for p in report.problems if p.code == "bad_certificate"} == {
        (iid, s) for s in range(1, 5)}


def test_root_certificate_deleted(made):
    _only_alice(made)
    tamper(made.path, "DELETE FROM root")
    codes = {c for *_, c in found(made.path)}
    assert "root_missing" in codes and "bad_certificate" in codes


def test_cli_names_the_tampered_custody_entry(case, run_cli):
    tamper(case["path"], "UPDATE entry SET text = 'nothing' "
                         f"WHERE incident_id = {case['iid']} AND seq = {case['custody_seq']}")
    r = run_cli("verify", "--binder", str(case["path"]), env=signer_env())
    assert r.code == 1
    assert f"PROBLEM incident {case['iid']}, entry {case['custody_seq']}: text changed" in r.out


# ------------------------------------------------------------------ the document


def test_reliability_doc_names_only_tests_that_exist():
    """Every test docs/RELIABILITY.md cites exists, so the document cannot drift from the suite."""
    doc = (ROOT / "docs" / "RELIABILITY.md").read_text(encoding="utf-8")
    cited = re.findall(r"`(tests/[\w/]*test_\w+\.py)::(test_\w+)(?:\[[^\]`]*\])?`", doc)
    assert len(cited) >= 40, "the document should cite the tests that prove each case"
    missing = []
    for file, name in cited:
        source = ROOT / file
        if not source.is_file() or not re.search(rf"^\s*def {name}\(", source.read_text(), re.M):
            missing.append(f"{file}::{name}")
    assert not missing, f"RELIABILITY.md cites tests that do not exist: {missing}"
    for heading in ("Crash", "Disk full", "Tamper", "Rollback", "Bad input", "Secrets"):
        assert re.search(rf"^## .*{heading}", doc, re.M | re.I), heading


def test_every_test_in_this_suite_is_in_the_reliability_doc():
    doc = (ROOT / "docs" / "RELIABILITY.md").read_text(encoding="utf-8")
    mine = ("proof/test_crash.py", "proof/test_disk_full.py", "core/verify/test_tamper.py",
            "core/verify/test_rollback.py", "proof/test_secrets_session.py",
            "core/verify/test_facts.py", "core/verify/test_totality.py",
            "proof/test_all_or_nothing.py", "proof/test_inputs_outputs.py",
            "proof/test_passphrases.py", "core/verify/test_against_pdf.py")
    absent = []
    for file in mine:
        for name in re.findall(r"^def (test_\w+)\(", (ROOT / "tests" / file).read_text(), re.M):
            if f"tests/{file}::{name}" not in doc:
                absent.append(f"{file}::{name}")
    assert not absent, f"tests not listed in RELIABILITY.md: {absent}"
