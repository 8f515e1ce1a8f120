"""`binder checkpoint`, `binder prove` and `verify --against CHECKPOINT` as scripts use them.

The proof file is checked by tools/verify_proof.py run from a folder of its
own, with nothing of Incident Binder importable: the regulator's situation.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from binder.core.checkpoint.store import list_checkpoints
from binder.core.crypto import signers
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from tests.helpers import LEAD, LEAD_NAME, WITNESS, WITNESS_NAME, signer_env

TOOLS = Path(__file__).resolve().parents[2] / "tools"


@pytest.fixture
def cli(made, incident_id, run_cli):
    def run(*args, env=None, **kw):
        return run_cli(*args, "--binder", str(made.path), env=signer_env() if env is None else env, **kw)

    return run


@pytest.fixture
def custody(made, incident_id) -> int:
    """A witnessed entry (the one counsel wants to show) among others."""
    for i in range(5):
        journal.append(made.binder, incident_id, made.lead, NewEntry(text=f"before {i}"))
    entry = journal.append(made.binder, incident_id, made.lead,
                           NewEntry(text="USB drive handed to Bob for the lab", kind="action"),
                           witness=made.witness)
    journal.append(made.binder, incident_id, made.lead, NewEntry(text="after"))
    return entry


def verify_proof(path: Path, *args: str, tmp: Path) -> subprocess.CompletedProcess:
    """Run the standalone verifier as a regulator would: its own folder, no binder package."""
    alone = tmp / "regulator"
    alone.mkdir(exist_ok=True)
    shutil.copy(TOOLS / "verify_proof.py", alone)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-I", str(alone / "verify_proof.py"), str(path), *args],
                          capture_output=True, text=True, cwd=alone, env=env, timeout=60)


def test_checkpoint_prints_the_signed_text_and_writes_it(made, cli, tmp_path):
    run = cli("checkpoint", "--as", LEAD, "--witness", WITNESS, "-o", str(tmp_path / "cp.txt"))
    assert run.code == 0, run.err
    (stored,) = list_checkpoints(made.binder)
    assert run.out == stored.note == (tmp_path / "cp.txt").read_text(encoding="utf-8")
    assert run.out.startswith(f"incident-binder/{made.binder.uuid}\n1\n")
    assert (stored.maker, stored.witness) == (LEAD, WITNESS)
    assert run.err.count("\n") == 1 and f"checkpoint {stored.id} covers 1 records" in run.err
    listed = cli("checkpoint", "--list", "--json")
    assert json.loads(listed.out)[0]["note"] == stored.note


@pytest.mark.parametrize("args, code, words", [
    ([], 2, "--as PERSON is required"),
    (["--as", LEAD, "--witness", LEAD.upper()], 2, "two-person rule"),
    (["--as", "nobody"], 2, "not an enrolled signer"),
    (["--as", LEAD, "-o", "/no/such/folder/cp.txt"], 2, "does not exist"),
    (["--as", LEAD, "--occasion", "party"], 2, "party"),
])
def test_checkpoint_refusals_write_nothing(made, cli, args, code, words):
    run = cli("checkpoint", *args)
    assert (run.code, run.out) == (code, ""), run.err
    assert words in run.err and run.err.count("\n") == 1 and "Traceback" not in run.err
    assert list_checkpoints(made.binder) == []


def test_wrong_passphrase_signs_nothing(made, cli):
    run = cli("checkpoint", "--as", LEAD, env=signer_env(person_pass="wrong"))
    assert run.code == 3 and list_checkpoints(made.binder) == []


def test_verify_against_text_typed_from_paper(made, cli):
    note = cli("checkpoint", "--as", LEAD, "--witness", WITNESS).out
    journal.append(made.binder, 1, made.lead, NewEntry(text="later"))
    typed = "\n".join(note.split("\n")[:3]) + "\n"  # origin, size, root: what fits on a sticky note
    run = cli("verify", "--against", "-", input=typed)
    assert run.code == 0, run.out
    assert "compared with 1 checkpoint(s)" in run.out and "signed by nobody" in run.out
    whole = cli("verify", "--against", "-", input=note.replace("\u2014", "--"))
    assert whole.code == 0 and f"signed by {LEAD_NAME}, {WITNESS_NAME}" in whole.out
    root = note.split("\n")[2]
    mistyped = note.replace(root, ("B" if root[0] != "B" else "C") + root[1:])
    bad = cli("verify", "--against", "-", input=mistyped)
    assert bad.code == 1
    assert "mistyped or altered" in bad.out and "do not hash to its root" in bad.out


def test_verify_against_refuses_text_that_is_not_a_checkpoint(cli):
    run = cli("verify", "--against", "-", input="incident-binder/what\n")
    assert run.code == 2 and "not a checkpoint" in run.err and run.err.count("\n") == 1


def test_proof_of_a_witnessed_entry_checks_anywhere(made, custody, cli, tmp_path):
    assert cli("checkpoint", "--as", LEAD, "--witness", WITNESS, "-o", str(tmp_path / "cp.txt")).code == 0
    run = cli("prove", str(custody), "-o", str(tmp_path / "proof.json"))
    assert run.code == 0 and run.out == "", run.err
    proof = json.loads((tmp_path / "proof.json").read_text(encoding="utf-8"))
    assert proof["entry"]["document"]["text"] == "USB drive handed to Bob for the lab"
    assert len(proof["cosigns"]) == 1
    # Only this entry: none of the other entries' words travel with it.
    assert "before 1" not in (tmp_path / "proof.json").read_text(encoding="utf-8")
    root_der = signers.root_certificate(made.binder).public_bytes(Encoding.DER)
    root_fp = signers.format_fingerprint(signers.fingerprint(root_der))
    ok = verify_proof(tmp_path / "proof.json", "--root-fingerprint", root_fp,
                      "--checkpoint", str(tmp_path / "cp.txt"), tmp=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "USB drive handed to Bob" in ok.stdout and f"witnessed by: {WITNESS}" in ok.stdout
    wrong_root = verify_proof(tmp_path / "proof.json", "--root-fingerprint", "00" * 32, tmp=tmp_path)
    assert wrong_root.returncode == 1 and "not the one you expected" in wrong_root.stdout


def test_proof_is_refused_after_any_one_changed_byte(made, custody, cli, tmp_path):
    cli("checkpoint", "--as", LEAD, "--witness", WITNESS)
    cli("prove", str(custody), "-o", str(tmp_path / "proof.json"))
    data = (tmp_path / "proof.json").read_bytes()
    # A spread of places: structure, base64 of the signed bytes, signatures, the proof
    # path, the checkpoint's lines and its signatures, certificates, white space.
    marks = [data.index(m) + 3 for m in (b'"canonical"', b'"signature"', b'"inclusion_proof"',
                                          b'"checkpoint"', b"\\n\\n\xe2\x80\x94", b"MII", b'"leaf_index"')]
    positions = sorted(set(marks + list(range(0, len(data), max(1, len(data) // 40)))))
    for pos in positions:
        changed = bytearray(data)
        changed[pos] ^= 0x01
        (tmp_path / "changed.json").write_bytes(bytes(changed))
        run = verify_proof(tmp_path / "changed.json", tmp=tmp_path)
        assert run.returncode in (1, 2), (pos, run.stdout)
        assert "Traceback" not in run.stderr, (pos, run.stderr)


def _proof_paths(node):
    """Every non-empty inclusion proof in a proof file's JSON."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "inclusion_proof" and value:
                yield value
            else:
                yield from _proof_paths(value)
    elif isinstance(node, list):
        for value in node:
            yield from _proof_paths(value)


def test_proof_with_another_spelling_of_the_same_base64_is_refused(made, custody, cli, tmp_path):
    # A 32-byte hash in base64 ends "x=", and the decoder ignores x's two lowest bits: a
    # changed character there decodes to the same bytes, so only the canonical form counts.
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".decode()
    cli("checkpoint", "--as", LEAD, "--witness", WITNESS)
    cli("prove", str(custody), "-o", str(tmp_path / "proof.json"))
    assert verify_proof(tmp_path / "proof.json", tmp=tmp_path).returncode == 0
    doc = json.loads((tmp_path / "proof.json").read_text())
    path = next(_proof_paths(doc))
    value = path[0]
    assert value.endswith("=") and not value.endswith("==")
    same = alphabet[alphabet.index(value[-2]) ^ 1]
    path[0] = value[:-2] + same + "="
    (tmp_path / "changed.json").write_text(json.dumps(doc))
    run = verify_proof(tmp_path / "changed.json", tmp=tmp_path)
    assert run.returncode in (1, 2) and "canonical" in run.stdout + run.stderr, run.stdout


def test_prove_refusals(made, custody, cli, tmp_path):
    early = cli("prove", str(custody), "-o", str(tmp_path / "p.json"))
    assert early.code == 2 and "after the newest checkpoint" in early.err
    cli("checkpoint", "--as", LEAD)
    for args, words in ((["99999"], "no journal entry"), (["x"], "not a number"),
                        ([str(custody), "--checkpoint", "7"], "no checkpoint 7")):
        run = cli("prove", *args, "-o", str(tmp_path / "p.json"))
        assert run.code == 2 and words in run.err and run.err.count("\n") == 1, run.err
    assert not (tmp_path / "p.json").exists()


def test_prove_refuses_when_the_binder_no_longer_extends_the_checkpoint(made, custody, cli, tmp_path):
    cli("checkpoint", "--as", LEAD)
    conn = sqlite3.connect(made.path)
    conn.execute("DROP TRIGGER entry_no_update")
    conn.execute("UPDATE entry SET canonical = canonical || ' ' WHERE seq = 2")
    conn.commit()
    conn.close()
    run = cli("prove", str(custody), "-o", str(tmp_path / "p.json"))
    assert run.code == 1 and "no longer extends checkpoint" in run.err


VERIFYING = Path(__file__).resolve().parents[2] / "docs" / "VERIFYING.md"


def _doc_block(marker: str) -> str:
    import re

    text = VERIFYING.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker}.*?-->\s*```sh\n(.*?)```", text, re.S)
    assert match, f"VERIFYING.md lost its {marker} block"
    return match.group(1)


def test_the_documented_openssl_and_hashlib_procedures_work(made, custody, cli, tmp_path):
    """docs/VERIFYING.md sections 8 and 9, run exactly as printed."""
    work = tmp_path / "by-hand"
    work.mkdir()
    cli("checkpoint", "--as", LEAD, "--witness", WITNESS, "-o", str(work / "cp.txt"))
    cli("prove", str(custody), "-o", str(work / "proof.json"))
    (work / "signer.pem").write_text(made.lead.signer.certificate.public_bytes(Encoding.PEM).decode())
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}
    run = subprocess.run(["sh", "-c", _doc_block("checkpoint-openssl")], cwd=work, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "Verified OK" in run.stdout, run.stdout + run.stderr
    fp = made.lead.signer.fingerprint
    assert run.stdout.count(fp) == 2  # the line names the certificate, and it is that one
    walk = subprocess.run(["sh", "-c", _doc_block("proof-python")], cwd=work, env=env,
                          capture_output=True, text=True, timeout=60)
    assert walk.returncode == 0, walk.stderr
    assert walk.stdout.count("in the checkpoint") == 2 and "NOT" not in walk.stdout
    # And it does fail: the witness's signature over the same body with the lead's key does not.
    note = (work / "cp.txt").read_text(encoding="utf-8").split("\n")
    note[6], note[7] = note[7], note[6]
    (work / "cp.txt").write_text("\n".join(note), encoding="utf-8")
    swapped = subprocess.run(["sh", "-c", _doc_block("checkpoint-openssl")], cwd=work, env=env,
                             capture_output=True, text=True, timeout=60)
    assert "Verified OK" not in swapped.stdout
