"""Tampering with stored history is found and named; bundles verify independently.

Each tamper case edits the binder file the way an attacker with the file (and
sqlite3) would: triggers dropped, rows changed, sometimes with a key of their
own. `verify` must name the incident, the entry number and the cause.
"""

from __future__ import annotations

import ast
import base64
import datetime as dt
import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from binder.core.crypto import signers
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import open_incident
from binder.core.output import bundle
from binder.core.plan import revisions as plan
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from tests.helpers import LEAD, LEAD_PASS, WITNESS

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "tools" / "verify_bundle.py"
VERIFYING = ROOT / "docs" / "VERIFYING.md"


@dataclass
class Story:
    """A small incident (entries 1-6, entry 3 witnessed) and a second incident (entries 1-2)."""

    path: Path
    first: int
    second: int


@pytest.fixture
def story(made) -> Story:
    b = made.binder
    first = open_incident(b, made.lead, title="Skimmer in checkout", type="skimmer", severity="high",
                          plan_revision_id=plan.current_revision(b).id)
    journal.append(b, first, made.lead, NewEntry(text="Odd script in footer", kind="observation"))
    journal.append(b, first, made.lead, NewEntry(text="Maintenance mode on", kind="action",
                                                 reason="stop card capture"), witness=made.witness)
    journal.append(b, first, made.lead, NewEntry(text="Keep SLA, no full shutdown", kind="decision"))
    journal.append(b, first, made.witness, NewEntry(text="Logs copied to USB", kind="action"))
    journal.append(b, first, made.lead, NewEntry(text="Told the hosting provider", kind="note"))
    second = open_incident(b, made.lead, title="Admin login from abroad")
    journal.append(b, second, made.lead, NewEntry(text="Password reset for admin"))
    assert verify_binder(b).ok
    b.close()
    return Story(made.path, first, second)


def tamper(path: Path, *statements: str, params: tuple = ()) -> None:
    """Change the file behind the binder's back, as someone with sqlite3 would."""
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


def problems(path: Path, incident: int | None = None) -> set[tuple[int | None, int | None, str]]:
    binder = open_binder(path)
    try:
        report = verify_binder(binder, incident)
    finally:
        binder.close()
    for p in report.problems:
        text = str(p)
        if p.incident is not None:
            assert f"incident {p.incident}" in text
        if p.entry is not None:
            assert f"entry {p.entry}" in text
    return {(p.incident, p.entry, p.code) for p in report.problems}


def row(path: Path, sql: str, params: tuple = ()) -> tuple:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


class Mallory:
    """An attacker with a key pair and a self-made certificate, but no binder secrets."""

    def __init__(self, common_name: str = "alice"):
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, common_name)])
        self.cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=9))
            .sign(self.key, hashes.SHA256())
        )
        self.der = self.cert.public_bytes(Encoding.DER)
        self.fingerprint = hashlib.sha256(self.der).hexdigest()

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))


def forge_entry(path: Path, incident: int, seq: int, *, cert: str, signer, text: str) -> None:
    """Insert a well-formed entry chained after entry ``seq - 1``."""
    uuid, = row(path, "SELECT uuid FROM incident WHERE id = ?", (incident,))
    prev, recorded = row(path, "SELECT hash, recorded_at FROM entry WHERE incident_id = ? AND seq = ?",
                         (incident, seq - 1))
    doc = journal.entry_document(incident_uuid=uuid, seq=seq, prev=prev, recorded_at=recorded,
                                 author=LEAD, cert=cert, new=NewEntry(text=text), corrects_hash=None)
    canonical = journal.canonical_bytes(doc)
    tamper(path, "INSERT INTO entry (incident_id, seq, recorded_at, author, cert_fingerprint, kind, "
                 "text, prev_hash, hash, canonical, signature) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
           params=(incident, seq, recorded, LEAD, cert, "note", text, prev,
                   hashlib.sha256(canonical).hexdigest(), canonical, signer(canonical)))


def test_intact_binder_verifies(story):
    assert problems(story.path) == set()


def test_edited_text(story):
    tamper(story.path, f"UPDATE entry SET text = 'Nothing odd' WHERE incident_id = {story.first} AND seq = 2")
    assert problems(story.path) == {(story.first, 2, "text_changed")}


def test_edited_text_with_rewritten_signed_bytes(story):
    # A careful forger rewrites the signed bytes and hash too; the signature gives it away,
    # and the next entry no longer chains to it.
    canonical, = row(story.path, "SELECT canonical FROM entry WHERE incident_id = ? AND seq = 2",
                     (story.first,))
    doc = json.loads(canonical)
    doc["text"] = "Nothing odd"
    forged = journal.canonical_bytes(doc)
    tamper(story.path, "UPDATE entry SET text = 'Nothing odd', canonical = ?, hash = ? "
                       f"WHERE incident_id = {story.first} AND seq = 2",
           params=(forged, hashlib.sha256(forged).hexdigest()))
    assert problems(story.path) == {(story.first, 2, "signature_invalid"),
                                    (story.first, 3, "chain_broken")}


def test_recorded_time_moved(story):
    tamper(story.path, "UPDATE entry SET recorded_at = '2020-01-01T00:00:00.000000Z' "
                       f"WHERE incident_id = {story.first} AND seq = 4")
    found = problems(story.path)
    assert (story.first, 4, "recorded_at_changed") in found
    assert all(code.startswith("recorded_at") or code == "time_backwards" for _, _, code in found)


def test_deleted_entry(story):
    tamper(story.path, f"DELETE FROM entry WHERE incident_id = {story.first} AND seq = 4")
    # The chain names the gap; the log names the place the entry held.
    assert problems(story.path) == {(story.first, 4, "entry_missing"), (story.first, 5, "chain_broken"),
                                    (None, None, "log_record_missing")}


def test_inserted_entry_by_an_unknown_signer(story):
    mallory = Mallory()
    forge_entry(story.path, story.first, 7, cert=mallory.fingerprint, signer=mallory.sign,
                text="All clear, nothing happened")
    assert problems(story.path) == {(story.first, 7, "unknown_signer")}


def test_inserted_entry_claiming_alice(story):
    alice_fp, = row(story.path, "SELECT fingerprint FROM certificate c JOIN signer s "
                                "ON s.id = c.signer_id WHERE s.person = ?", (LEAD,))
    mallory = Mallory()
    forge_entry(story.path, story.first, 7, cert=alice_fp, signer=mallory.sign, text="All clear")
    assert problems(story.path) == {(story.first, 7, "signature_invalid")}


def test_inserted_in_the_middle(story):
    mallory = Mallory()
    tamper(story.path, f"UPDATE entry SET seq = seq + 100 WHERE incident_id = {story.first} AND seq >= 4")
    forge_entry(story.path, story.first, 4, cert=mallory.fingerprint, signer=mallory.sign,
                text="Nothing to report")
    tamper(story.path, f"UPDATE entry SET seq = seq - 99 WHERE incident_id = {story.first} AND seq > 100")
    found = problems(story.path)
    assert (story.first, 4, "unknown_signer") in found
    assert (story.first, 5, "order_broken") in found and (story.first, 5, "chain_broken") in found


def test_reordered_entries(story):
    f = story.first
    tamper(story.path, f"UPDATE entry SET seq = 99 WHERE incident_id = {f} AND seq = 4",
           f"UPDATE entry SET seq = 4 WHERE incident_id = {f} AND seq = 5",
           f"UPDATE entry SET seq = 5 WHERE incident_id = {f} AND seq = 99")
    found = problems(story.path)
    assert {(f, 4, "order_broken"), (f, 5, "order_broken"), (f, 4, "chain_broken"),
            (f, 5, "chain_broken")} <= found


def test_duplicated_entry(story):
    f = story.first
    tamper(story.path, "INSERT INTO entry (incident_id, seq, recorded_at, occurred_at, author, "
                       "cert_fingerprint, kind, phase, text, reason, corrects, evidence_id, source, "
                       "assets, data, prev_hash, hash, canonical, signature) "
                       "SELECT incident_id, 7, recorded_at, occurred_at, author, cert_fingerprint, kind, "
                       "phase, text, reason, corrects, evidence_id, source, assets, data, prev_hash, "
                       f"hash, canonical, signature FROM entry WHERE incident_id = {f} AND seq = 3")
    found = problems(story.path)
    assert (f, 7, "entry_duplicated") in found and (f, 7, "order_broken") in found


def test_signatures_swapped_between_entries(story):
    f = story.first
    sig2, = row(story.path, "SELECT signature FROM entry WHERE incident_id = ? AND seq = 2", (f,))
    sig4, = row(story.path, "SELECT signature FROM entry WHERE incident_id = ? AND seq = 4", (f,))
    tamper(story.path, f"UPDATE entry SET signature = ? WHERE incident_id = {f} AND seq = 2", params=(sig4,))
    tamper(story.path, f"UPDATE entry SET signature = ? WHERE incident_id = {f} AND seq = 4", params=(sig2,))
    assert problems(story.path) == {(f, 2, "signature_invalid"), (f, 4, "signature_invalid")}


def test_certificate_swapped(story):
    # Alice's stored certificate replaced by Bob's: everything Alice signed is suspect.
    tamper(story.path, "UPDATE certificate SET cert_der = (SELECT c.cert_der FROM certificate c "
                       "JOIN signer s ON s.id = c.signer_id WHERE s.person = 'bob') WHERE signer_id = "
                       "(SELECT id FROM signer WHERE person = 'alice')")
    found = problems(story.path)
    alice_entries = {(story.first, n) for n in (1, 2, 3, 4, 6)} | {(story.second, 1), (story.second, 2)}
    assert {(i, e) for i, e, code in found if code == "bad_certificate"} == alice_entries
    assert {code for *_, code in found} == {"bad_certificate"}


def test_resigned_with_a_certificate_not_from_this_root(story):
    """Mallory replaces Alice's certificate by one of her own and re-signs entry 2."""
    mallory = Mallory(common_name=LEAD)
    f = story.first
    old_fp, = row(story.path, "SELECT fingerprint FROM certificate c JOIN signer s ON s.id = c.signer_id "
                              "WHERE s.person = ?", (LEAD,))
    canonical, = row(story.path, "SELECT canonical FROM entry WHERE incident_id = ? AND seq = 2", (f,))
    doc = json.loads(canonical)
    doc["text"], doc["cert"] = "Nothing odd", mallory.fingerprint
    forged = journal.canonical_bytes(doc)
    tamper(story.path,
           "UPDATE certificate SET fingerprint = ?, cert_der = ? WHERE fingerprint = ?",
           params=(mallory.fingerprint, mallory.der, old_fp))
    tamper(story.path, "UPDATE entry SET text = 'Nothing odd', cert_fingerprint = ?, canonical = ?, "
                       f"hash = ?, signature = ? WHERE incident_id = {f} AND seq = 2",
           params=(mallory.fingerprint, forged, hashlib.sha256(forged).hexdigest(), mallory.sign(forged)))
    found = problems(story.path)
    assert (f, 2, "bad_certificate") in found  # not issued by this binder's root
    assert (f, 3, "chain_broken") in found
    assert (f, 4, "unknown_signer") in found  # Alice's real certificate is gone


def test_entry_moved_to_another_incident(story):
    tamper(story.path, f"UPDATE entry SET incident_id = {story.second}, seq = 3 "
                       f"WHERE incident_id = {story.first} AND seq = 5")
    found = problems(story.path)
    assert (story.second, 3, "moved") in found
    assert (story.first, 5, "entry_missing") in found


def test_forged_witness_record(story):
    f = story.first
    entry_id, entry_hash = row(story.path, "SELECT id, hash FROM entry WHERE incident_id = ? AND seq = 4",
                               (f,))
    bob_fp, = row(story.path, "SELECT fingerprint FROM certificate c JOIN signer s ON s.id = c.signer_id "
                              "WHERE s.person = ?", (WITNESS,))
    doc = journal.cosign_document(entry_hash=entry_hash, witness=WITNESS, cert=bob_fp,
                                  signed_at="2026-03-01T10:00:00.000000Z")
    canonical = journal.canonical_bytes(doc)
    tamper(story.path, "INSERT INTO cosign (entry_id, entry_hash, witness, cert_fingerprint, signed_at, "
                       "canonical, signature) VALUES (?,?,?,?,?,?,?)",
           params=(entry_id, entry_hash, WITNESS, bob_fp, doc["signed_at"], canonical,
                   Mallory().sign(canonical)))
    found = problems(story.path)
    assert found == {(f, 4, "signature_invalid")}
    assert any("co-signature by bob" in m for m in _messages(story.path))


def test_witness_record_moved_to_another_entry(story):
    f = story.first
    tamper(story.path, f"UPDATE cosign SET entry_id = (SELECT id FROM entry WHERE incident_id = {f} "
                       "AND seq = 6)")
    # Entry 6 was written after the co-signature: the log's order gives the move away too.
    assert problems(story.path) == {(f, 6, "cosign_mismatch"), (f, 6, "log_order")}


def test_witness_name_changed(story):
    tamper(story.path, "UPDATE cosign SET witness = 'carol'")
    assert (story.first, 3, "cosign_changed") in problems(story.path)


def test_incident_record_edited(story):
    tamper(story.path, "UPDATE incident SET title = 'Routine maintenance', drill = 1, opened_by = 'bob' "
                       f"WHERE id = {story.first}")
    found = problems(story.path)
    assert found == {(story.first, None, "incident_changed")}
    messages = _messages(story.path)
    for field in ("title", "drill", "opened by"):
        assert any(f"{field} differs" in m for m in messages), field


def test_other_columns_are_named(story):
    f = story.first
    tamper(story.path,
           f"UPDATE entry SET reason = 'no reason' WHERE incident_id = {f} AND seq = 3",
           f"UPDATE entry SET author = 'bob' WHERE incident_id = {f} AND seq = 4",
           f"UPDATE entry SET data = '{{\"x\": 1}}' WHERE incident_id = {f} AND seq = 6",
           f"UPDATE entry SET corrects = 2 WHERE incident_id = {f} AND seq = 5")
    found = problems(story.path)
    assert {(f, 3, "reason_changed"), (f, 4, "author_changed"), (f, 6, "data_changed"),
            (f, 5, "correction_link")} <= found


def test_scoped_verify_checks_only_that_incident(story):
    tamper(story.path, f"UPDATE entry SET text = 'x' WHERE incident_id = {story.second} AND seq = 2")
    assert problems(story.path, story.first) == set()
    assert problems(story.path, story.second) == {(story.second, 2, "text_changed")}


def _messages(path: Path) -> list[str]:
    binder = open_binder(path)
    try:
        return [str(p) for p in verify_binder(binder).problems]
    finally:
        binder.close()


# --------------------------------------------------------------------------- the CLI


def test_cli_verify_exit_codes_and_json(story, run_cli):
    ok = run_cli("verify", "--binder", str(story.path))
    assert ok.code == 0 and "intact" in ok.out
    assert "2 incident(s), 8 entries" in ok.out
    tamper(story.path, f"UPDATE entry SET text = 'Nothing odd' WHERE incident_id = {story.first} AND seq = 2",
           f"DELETE FROM entry WHERE incident_id = {story.first} AND seq = 5")
    bad = run_cli("verify", "--binder", str(story.path))
    assert bad.code == 1
    assert f"PROBLEM incident {story.first}, entry 2: text changed" in bad.out
    assert f"PROBLEM incident {story.first}, entry 5: entry missing" in bad.out
    as_json = run_cli("verify", "--json", "--binder", str(story.path))
    assert as_json.code == 1
    data = json.loads(as_json.out)
    assert data["ok"] is False
    assert {(p["incident"], p["entry"], p["code"]) for p in data["problems"]} >= {
        (story.first, 2, "text_changed"), (story.first, 5, "entry_missing")}
    scoped = run_cli("verify", str(story.second), "--binder", str(story.path))
    assert scoped.code == 0


# --------------------------------------------------------------------------- the bundle


def _procedure() -> str:
    """The openssl procedure exactly as docs/VERIFYING.md prints it."""
    text = VERIFYING.read_text(encoding="utf-8")
    match = re.search(r"<!-- openssl-procedure.*?-->\s*```sh\n(.*?)```", text, re.S)
    assert match, "VERIFYING.md lost its openssl procedure block"
    return match.group(1)


def run_script(bundle_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(bundle_path), *args],
                          capture_output=True, text=True, timeout=120, cwd=bundle_path.parent)


def run_openssl_procedure(bundle_path: Path) -> subprocess.CompletedProcess:
    script = bundle_path.parent / "verify-bundle.sh"
    script.write_text(_procedure())
    return subprocess.run(["sh", str(script), str(bundle_path)], capture_output=True, text=True,
                          timeout=300, cwd=bundle_path.parent)


@pytest.fixture
def exported(story, tmp_path) -> Path:
    out = tmp_path / "bundle" / "incident.json"
    out.parent.mkdir()
    binder = open_binder(story.path)
    try:
        bundle.write_bundle(binder, story.first, out)
    finally:
        binder.close()
    return out


def test_cli_export_writes_the_bundle(story, run_cli, tmp_path):
    out = tmp_path / "incident.json"
    run = run_cli("export", str(story.first), "-o", str(out), "--binder", str(story.path))
    assert run.code == 0, run.err
    data = json.loads(out.read_text(encoding="utf-8"))
    fp = signers.format_fingerprint(data["root_certificate"]["fingerprint"])
    assert "6 entries, 1 co-signature(s)" in run.err and f"root fingerprint {fp}" in run.err
    assert run_script(out).returncode == 0


def test_bundle_contents(exported, story):
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert (data["format"], data["version"]) == ("incident-binder-bundle", 1)
    assert data["incident"]["title"] == "Skimmer in checkout"
    assert data["entry_count"] == len(data["entries"]) == 6
    assert len(data["cosigns"]) == 1 and data["cosigns"][0]["entry_seq"] == 3
    assert {c["person"] for c in data["certificates"]} == {LEAD, WITNESS}
    binder = open_binder(story.path)
    try:
        rev = plan.get_revision(binder, data["incident"]["plan_revision_id"])
        assert data["plan_revision"]["sha256"] == rev.sha256
        assert data["head_hash"] == journal.head_hash(binder, story.first)
        root = signers.root_certificate(binder)
    finally:
        binder.close()
    assert data["root_certificate"]["pem"] == root.public_bytes(Encoding.PEM).decode()
    for entry in data["entries"]:
        raw = base64.b64decode(entry["canonical"])
        assert hashlib.sha256(raw).hexdigest() == entry["hash"]
        assert json.loads(raw) == entry["document"]


def test_bundle_verifies_with_the_script_and_with_openssl(exported):
    data = json.loads(exported.read_text(encoding="utf-8"))
    by_script = run_script(exported)
    assert by_script.returncode == 0, by_script.stdout + by_script.stderr
    assert by_script.stdout.startswith("OK: 6 entries and 1 co-signature(s)")
    assert data["root_certificate"]["fingerprint"] in by_script.stdout
    pinned = run_script(exported, "--root-fingerprint",
                        signers.format_fingerprint(data["root_certificate"]["fingerprint"]))
    assert pinned.returncode == 0
    wrong_pin = run_script(exported, "--root-fingerprint", "00" * 32)
    assert wrong_pin.returncode == 1 and "not the one you expected" in wrong_pin.stdout

    by_openssl = run_openssl_procedure(exported)
    assert by_openssl.returncode == 0, by_openssl.stdout + by_openssl.stderr
    assert "OK: every hash, link and signature verified" in by_openssl.stdout
    shown = re.search(r"Fingerprint=([0-9A-F:]+)", by_openssl.stdout).group(1)
    assert shown.replace(":", "").lower() == data["root_certificate"]["fingerprint"]
    assert f"journal head: {data['head_hash']} (6 entries)" in by_openssl.stdout


def _rewrite(path: Path, change) -> Path:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    out = path.with_name("tampered.json")
    out.write_text(json.dumps(data), encoding="utf-8")
    return out


def _edit_text(data):
    entry = data["entries"][1]
    doc = json.loads(base64.b64decode(entry["canonical"]))
    doc["text"] = "Nothing odd"
    entry["canonical"] = base64.b64encode(journal.canonical_bytes(doc)).decode()
    entry["document"] = doc


def _swap_signatures(data):
    a, b = data["entries"][1], data["entries"][3]
    a["signature"], b["signature"] = b["signature"], a["signature"]


def _drop_entry(data):
    del data["entries"][3]
    data["entry_count"] -= 1


def _foreign_certificate(data):
    mallory = Mallory(common_name=LEAD)
    alice = next(c for c in data["certificates"] if c["person"] == LEAD)
    alice["pem"] = mallory.cert.public_bytes(Encoding.PEM).decode()
    alice["fingerprint"] = mallory.fingerprint


def _forged_cosign(data):
    cosign = data["cosigns"][0]
    cosign["signature"] = base64.b64encode(Mallory().sign(base64.b64decode(cosign["canonical"]))).decode()


@pytest.mark.parametrize("change, script_says, openssl_says", [
    (_edit_text, "entry 2: hash does not match", "entry 2: hash does not match"),
    (_swap_signatures, "entry 2: author signature invalid", "entry 4: signature invalid"),
    (_drop_entry, "entry 5: order broken", "entry 4: chain broken"),
    (_foreign_certificate, "not issued by this bundle's root", "not issued by this root"),
    (_forged_cosign, "entry 3, co-signature: witness signature invalid", "entry 3: co-signature invalid"),
], ids=["edited text", "swapped signatures", "dropped entry", "foreign certificate", "forged cosign"])
def test_tampered_bundle_fails_both_checks(exported, change, script_says, openssl_says):
    tampered = _rewrite(exported, change)
    by_script = run_script(tampered)
    assert by_script.returncode == 1 and script_says in by_script.stdout, by_script.stdout
    by_openssl = run_openssl_procedure(tampered)
    assert by_openssl.returncode == 1 and openssl_says in by_openssl.stdout, by_openssl.stdout


def _lead_session(story):
    binder = open_binder(story.path)
    session = signers.open_session(binder, LEAD, LEAD_PASS)
    binder.close()  # the session keeps the unlocked key; the binder is not needed to sign
    return session


def _resign_last(data, lead, change):
    """Change what the last entry (alice's) says and sign it again, validly."""
    entry = data["entries"][-1]
    doc = json.loads(base64.b64decode(entry["canonical"]))
    change(doc)
    raw = journal.canonical_bytes(doc)
    entry["canonical"] = base64.b64encode(raw).decode()
    entry["signature"] = base64.b64encode(lead.sign(raw)).decode()
    entry["hash"] = data["head_hash"] = hashlib.sha256(raw).hexdigest()
    entry["document"] = doc


def _time_backwards(lead):
    def change(data):
        _resign_last(data, lead, lambda doc: doc.update(recorded_at="2000-01-01T00:00:00.000000Z"))
    return change


def _self_witness(lead):
    def change(data):
        # alice co-signs her own entry 2: a valid signature, but no second person.
        doc = {"v": 1, "type": "cosign", "entry": data["entries"][1]["hash"], "witness": LEAD,
               "cert": data["entries"][1]["cert"], "signed_at": "2026-11-30T10:00:00.000000Z"}
        raw = journal.canonical_bytes(doc)
        data["cosigns"].append({
            "id": 99, "entry_id": data["entries"][1]["id"], "entry_seq": 2,
            "entry_hash": doc["entry"], "cert": doc["cert"],
            "canonical": base64.b64encode(raw).decode(),
            "signature": base64.b64encode(lead.sign(raw)).decode(), "document": doc})
    return change


def _fact(key, value):
    def change(data):
        data["incident"][key] = value
    return change


def _readable_copy(data):
    data["entries"][1]["document"]["text"] = "Nothing odd"  # the signed bytes stay as they were


def _count(data):
    data["entry_count"] += 1


@pytest.mark.parametrize("make, script_says, openssl_says", [
    (lambda lead: _fact("title", "Nothing happened"), "incident title differs from the signed opening",
     "incident title differs from the signed opening"),
    (lambda lead: _fact("opened_at", "2020-01-01T00:00:00.000000Z"),
     "incident opened_at differs from the signed opening",
     "incident opened_at differs from the signed opening"),
    (lambda lead: _fact("opened_by", "mallory"), "incident opened_by differs from the signed opening",
     "incident opened_by differs from the signed opening"),
    (lambda lead: _fact("id", 7), "incident id differs from the signed opening",
     "incident id differs from the signed opening"),
    (lambda lead: _readable_copy, "entry 2: the readable document differs from the signed bytes",
     "entry 2: the readable document differs from the signed bytes"),
    (lambda lead: _count, "entry count does not match", "entry count does not match"),
    (_time_backwards, "entry 6: recorded before the entry preceding it",
     "entry 6: recorded before the entry preceding it"),
    (_self_witness, "the author cannot witness their own entry",
     "entry 2: the author cannot witness their own entry"),
], ids=["incident fact", "opening time", "opener", "incident number", "readable copy",
        "entry count", "time going back", "self-witness"])
def test_every_listed_check_fails_a_bundle_tampered_that_way(exported, story, make, script_says,
                                                            openssl_says):
    """docs/VERIFYING.md section 4 lists the checks; each one, by script and by openssl."""
    tampered = _rewrite(exported, make(_lead_session(story)))
    by_script = run_script(tampered)
    assert by_script.returncode == 1 and script_says in by_script.stdout, by_script.stdout
    by_openssl = run_openssl_procedure(tampered)
    assert by_openssl.returncode == 1 and openssl_says in by_openssl.stdout, by_openssl.stdout


def test_script_needs_only_the_standard_library_and_cryptography():
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots.add((node.module or "").split(".")[0])
    assert roots - set(sys.stdlib_module_names) == {"cryptography"}


def test_script_reports_an_unreadable_bundle(tmp_path):
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    assert run_script(junk).returncode == 2
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "something else", "version": 1}))
    result = run_script(other)
    assert result.returncode == 1 and "not an incident-binder-bundle" in result.stdout


def test_export_of_a_tampered_binder_warns_and_exits_1(story, run_cli, tmp_path):
    tamper(story.path, f"UPDATE entry SET text = 'x' WHERE incident_id = {story.first} AND seq = 2")
    out = tmp_path / "b.json"
    run = run_cli("export", str(story.first), "-o", str(out), "--binder", str(story.path))
    assert run.code == 1
    assert f"PROBLEM incident {story.first}, entry 2: text changed" in run.err
    assert out.exists()  # written anyway, so the problem can be shown to others


def test_export_refusals(story, run_cli, tmp_path):
    missing = run_cli("export", "99", "-o", str(tmp_path / "b.json"), "--binder", str(story.path))
    assert missing.code == 2 and "no incident" in missing.err
    no_folder = run_cli("export", str(story.first), "-o", str(tmp_path / "nope" / "b.json"),
                        "--binder", str(story.path))
    assert no_folder.code == 2 and "does not exist" in no_folder.err
    assert not (tmp_path / "b.json").exists()


def test_write_bundle_is_atomic_and_complete(story, tmp_path):
    binder = open_binder(story.path)
    try:
        target = tmp_path / "b.json"
        target.write_text("an older export")
        written = bundle.write_bundle(binder, story.second, target)
    finally:
        binder.close()
    assert json.loads(target.read_text(encoding="utf-8")) == written
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(target, copy / "b.json")
    assert run_script(copy / "b.json").returncode == 0


def test_bundle_of_an_upgraded_first_schema_binder_verifies(tmp_path):
    path = tmp_path / "old.binder"
    shutil.copyfile(ROOT / "tests" / "data" / "binder-v1.binder", path)
    binder = open_binder(path)
    try:
        (iid,) = binder.conn.execute("SELECT id FROM incident").fetchone()
        written = bundle.write_bundle(binder, iid, tmp_path / "old.json")
    finally:
        binder.close()
    assert written["entry_count"] == 4 and len(written["cosigns"]) == 2
    result = run_script(tmp_path / "old.json")
    assert result.returncode == 0, result.stdout
