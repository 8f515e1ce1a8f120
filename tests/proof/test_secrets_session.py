"""Secrets after a full session with the real command: nothing readable left behind.

tests/proof/test_secrets_on_disk.py searches for roster values after roster work.
This file runs a whole incident the way a lead would, through `binder`
(init, signers, roster, journal, evidence and custody, signed report, bundle,
paper copy, backup, passphrase change, recovery), then searches every file
the app wrote (the binder's folder, its temp folder, its log folder, the whole
home folder) for:

* every roster value (UTF-8, UTF-16 LE/BE),
* every private key (root, each signer): the raw scalar, PKCS8 and SEC1 in
  DER, PEM, base64 and hex, and the binder's data key,
* every passphrase and the recovery code.

PDFs are searched after inflating their compressed streams too. Then it reads
the key-derivation parameters stored in every passphrase envelope and checks
them against OWASP's minimums, written out here rather than trusting the code
under test.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import platformdirs
import pytest
from cryptography.hazmat.primitives import serialization
from pypdf import PdfReader
from pypdf.generic import StreamObject

from binder.cli.common import APP_NAME
from binder.core.crypto import envelope as crypto
from binder.core.crypto import signers, vault
from binder.core.storage.database import open_binder

# One full session (real key derivation, tens of seconds) serves the whole module. Under
# pytest-xdist, `make test` uses --dist loadfile so the module's tests share one worker
# and the session runs once.
pytestmark = pytest.mark.slow

BINDER_PASS = "tangerine orbit lighthouse 42"
NEW_PASS = "walnut cascade meridian 77"
AFTER_RECOVERY = "juniper harbour sextant 19"
ALICE_PASS, BOB_PASS = "alice signs with quills", "bob witnesses calmly"
CONTACT = {
    "name": "Philippa Quenneville-Ashdown",
    "email": "pq.nightjar4471@vellummoor.example",
    "phone": "+41 44 4471 9930 218",
    "im": "@philippa_nightjar4471",
    "notes": "Gate code Cormorant-Lantern-8812",
    "sla": "Retainer RQ-44719-Heron",
}
VENDOR = {"name": "Hostmaster Brindleford AG", "phone": "+44 20 5572 1180 336",
          "sla": "Hosting SLA HB-55721-Gannet"}

# OWASP Password Storage Cheat Sheet: Argon2id m=19 MiB t=2 p=1 (or m=47 MiB t=1),
# scrypt N=2^17 r=8 p=1. Kept here, independent of binder.core.crypto.envelope.
OWASP_ARGON2ID = ((19 * 1024, 2), (47 * 1024, 1))
OWASP_SCRYPT = (17, 8, 1)


class Session:
    """Runs the real `binder` against one binder, with private temp and log folders."""

    def __init__(self, root: Path):
        self.case = root / "case"
        self.case.mkdir()
        self.tmp = root / "tmpdir"
        self.tmp.mkdir()
        self.path = self.case / "incident.binder"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("BINDER_")}
        self.env.update(BINDER_NO_KEYRING="1", TMPDIR=str(self.tmp), BINDER_FILE=str(self.path),
                        QT_QPA_PLATFORM="offscreen")

    def run(self, *args: str, **secrets: str) -> str:
        env = dict(self.env, **secrets)
        done = subprocess.run([sys.executable, "-m", "binder", *args], capture_output=True,
                              text=True, env=env, timeout=300)
        assert done.returncode == 0, f"binder {' '.join(args)}: {done.stderr}"
        return done.stdout + done.stderr


def full_session(s: Session) -> str:
    """The whole life of an incident; returns the recovery code `init` showed."""
    said = s.run("init", "--org", "Acme Store", BINDER_PASSPHRASE=BINDER_PASS)
    code = re.search(r"([0-9A-Z]{5}(?:-[0-9A-Z]{5}){5})", said).group(1)
    unlock = {"BINDER_PASSPHRASE": BINDER_PASS}
    # People who sign are roster contacts; their names go into their certificates (public).
    s.run("roster", "add", "--name", "alice", "--role", "lead", **unlock)
    s.run("roster", "add", "--name", "bob", "--role", "it", **unlock)
    s.run("signer", "enroll", "alice", BINDER_SIGNER_PASSPHRASE=ALICE_PASS, **unlock)
    s.run("signer", "enroll", "bob", BINDER_SIGNER_PASSPHRASE=BOB_PASS, **unlock)
    s.run("roster", "add", "--role", "legal", *(x for k, v in CONTACT.items()
                                                for x in (f"--{k}", v)), **unlock)
    s.run("roster", "add", "--role", "hosting", "--escalation", "2",
          *(x for k, v in VENDOR.items() for x in (f"--{k}", v)), **unlock)
    both = {"BINDER_SIGNER_PASSPHRASE": ALICE_PASS, "BINDER_WITNESS_PASSPHRASE": BOB_PASS}
    s.run("incident", "open", "--title", "Skimmer in checkout", "--type", "skimmer", "--as",
          "alice", **both)
    s.run("journal", "add", "1", "--as", "alice", "--text", "Maintenance mode on",
          "--reason", "stop card capture", "--witness", "bob", **both)
    log = s.case.parent / "access.log"
    log.write_text("10.0.0.7 GET /checkout 200\n" * 300)
    s.run("evidence", "add", "1", str(log), "--as", "alice", "--description", "nginx log",
          "--copy", "--witness", "bob", **both)
    s.run("evidence", "transfer", "E1", "--as", "alice", "--to", "Forensic lab", "--purpose",
          "analysis", **both)
    s.run("report", "1", "-o", str(s.case / "report.pdf"), "--sign", "--as", "alice",
          "--witness", "bob", **both, **unlock)
    s.run("export", "1", "-o", str(s.case / "bundle.json"))
    s.run("print-plan", "-o", str(s.case / "paper.pdf"), **unlock)
    (s.case / "backups").mkdir()
    s.run("backup", str(s.case / "backups"))
    s.run("passphrase", "change", BINDER_PASSPHRASE=BINDER_PASS, BINDER_NEW_PASSPHRASE=NEW_PASS)
    s.run("unlock", "--recovery", BINDER_RECOVERY_CODE=code, BINDER_NEW_PASSPHRASE=AFTER_RECOVERY)
    s.run("backup", str(s.case / "backups" / "after-recovery.binder"))
    assert "intact" in s.run("verify")
    return code


# ------------------------------------------------------------------ what must not be found


def key_forms(key) -> dict[str, bytes]:
    """Every form a private key could leak in."""
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    none = serialization.NoEncryption()
    der8 = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, none)
    der1 = key.private_bytes(serialization.Encoding.DER,
                             serialization.PrivateFormat.TraditionalOpenSSL, none)
    pem8 = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, none)
    pem1 = key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL, none)
    return {
        "scalar": scalar, "scalar hex": scalar.hex().encode(),
        "scalar HEX": scalar.hex().upper().encode(),
        "scalar base64": base64.b64encode(scalar).rstrip(b"="),
        "PKCS8 DER": der8, "SEC1 DER": der1, "PKCS8 base64": base64.b64encode(der8)[:60],
        "PKCS8 PEM body": pem8.splitlines()[1], "SEC1 PEM body": pem1.splitlines()[1],
    }


def text_forms(value: str) -> list[bytes]:
    return [value.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be")]


def files_under(*roots: Path) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        if root.is_dir():
            found += [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    return sorted(set(found))


def contents(path: Path) -> bytes:
    """The file's bytes; for a PDF also every stream decoded (Flate, ASCII85, ...)."""
    data = path.read_bytes()
    if not data.startswith(b"%PDF"):
        return data
    parts = [data]
    # Raw zlib streams: also those of earlier revisions an incremental update superseded.
    for match in re.finditer(rb"stream\r?\n", data):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompressobj().decompress(data[match.end():]))
    # Every object of the current revision, decoded by a real PDF reader.
    reader = PdfReader(str(path))
    for number in range(1, int(reader.trailer["/Size"])):
        with contextlib.suppress(Exception):
            obj = reader.get_object(number)
            if isinstance(obj, StreamObject):
                parts.append(obj.get_data())
    return b"\n".join(parts)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """One full session for the whole module (it costs tens of seconds of real key derivation)."""
    root = tmp_path_factory.mktemp("secrets")
    home = root / "home"
    saved = {k: os.environ.get(k) for k in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME",
                                            "XDG_STATE_HOME", "XDG_CACHE_HOME",
                                            "PYTHON_KEYRING_BACKEND")}
    # A home of our own (module-wide, so the per-test isolation fixture cannot give it).
    os.environ.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"),
                      XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"),
                      XDG_CACHE_HOME=str(home / "cache"),
                      PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    try:
        s = Session(root)
        s.home = home
        s.log_dir = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
        s.code = full_session(s)
        yield s
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _keys(s: Session) -> dict[str, dict[str, bytes]]:
    binder = open_binder(s.path)
    try:
        vault.unlock_with_passphrase(binder, AFTER_RECOVERY)
        found = {"root": key_forms(signers._root_key(binder))}
        for person, passphrase in (("alice", ALICE_PASS), ("bob", BOB_PASS)):
            found[person] = key_forms(signers.open_session(binder, person, passphrase).private_key)
        data_key = binder.data_key
        found["data key"] = {"raw": data_key, "hex": data_key.hex().encode(),
                             "base64": base64.b64encode(data_key).rstrip(b"=")}
        return found
    finally:
        binder.close()


def test_the_search_finds_what_is_there(tmp_path):
    """Guards the guard: a value inside a compressed PDF stream is found, in UTF-16 too."""
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "x.pdf"
    c = canvas.Canvas(str(pdf), pageCompression=1)
    c.drawString(72, 720, "needle 0f3a9c77e1")
    c.save()
    assert b"0f3a9c77e1" not in pdf.read_bytes()  # compressed: a plain search would miss it
    assert b"0f3a9c77e1" in contents(pdf)
    other = tmp_path / "y.bin"
    other.write_bytes(b"..." + "Philippa".encode("utf-16-be"))
    assert any(n in contents(other) for n in text_forms("Philippa"))


def test_session_wrote_what_it_should(session):
    names = {p.name for p in files_under(session.case)}
    assert {"incident.binder", "report.pdf", "bundle.json", "paper.pdf"} <= names
    assert len(files_under(session.case / "backups")) == 2
    assert files_under(session.case / "incident.binder.evidence")


def test_no_private_key_or_data_key_in_any_file(session):
    keys = _keys(session)
    searched = files_under(session.case, session.tmp, session.home)
    assert len(searched) >= 7  # binder, evidence copy, report, bundle, paper, two backups
    leaks = []
    for path in searched:
        data = contents(path)
        for owner, forms in keys.items():
            leaks += [f"{owner} key ({form}) in {path.name}" for form, needle in forms.items()
                      if needle in data]
    assert leaks == []


def test_no_roster_value_in_any_file_but_the_paper_call_sheet(session):
    values = [*CONTACT.values(), *VENDOR.values()]
    paper = session.case / "paper.pdf"
    # The printed call sheet exists to carry them (so the values really were stored).
    printed = "".join(_pdf_text(paper).split())  # cells wrap names at any point
    assert "".join(CONTACT["name"].split()) in printed
    leaks = []
    for path in files_under(session.case, session.tmp, session.home):
        if path == paper:
            continue
        data = contents(path)
        leaks += [f"{v!r} in {path.name}" for v in values for n in text_forms(v) if n in data]
    assert leaks == []


def test_no_passphrase_or_recovery_code_in_any_file(session):
    secrets = [BINDER_PASS, NEW_PASS, AFTER_RECOVERY, ALICE_PASS, BOB_PASS, session.code,
               crypto.normalize_recovery_code(session.code)]
    leaks = []
    for path in files_under(session.case, session.tmp, session.home):
        data = contents(path)
        leaks += [f"secret #{i} in {path.name}" for i, v in enumerate(secrets)
                  for n in text_forms(v) if n in data]
    assert leaks == []


def _envelopes(path: Path) -> list[tuple[str, bytes]]:
    binder = open_binder(path)
    try:
        rows = [(f"keyslot {kind}", bytes(blob)) for kind, blob in
                binder.conn.execute("SELECT kind, envelope FROM keyslot")]
        rows += [(f"signer {person}", bytes(blob)) for person, blob in binder.conn.execute(
            "SELECT s.person, c.key_envelope FROM certificate c JOIN signer s ON s.id = c.signer_id")]
        rows += [("root key", bytes(blob)) for (blob,) in
                 binder.conn.execute("SELECT key_envelope FROM root")]
        return rows
    finally:
        binder.close()


def _meets_owasp(params: crypto.KdfParams) -> bool:
    if params.kind == crypto.KDF_ARGON2ID:
        return params.lanes >= 1 and any(params.memory_kib >= m and params.iterations >= t
                                         for m, t in OWASP_ARGON2ID)
    if params.kind == crypto.KDF_SCRYPT:
        log2_n, r, p = OWASP_SCRYPT
        return params.log2_n >= log2_n and params.r >= r and params.p >= p
    return False


def test_every_passphrase_envelope_meets_owasp_minimums(session):
    """In the binder and in both backups: passphrase, recovery code and each signer's key."""
    for path in [session.path, *files_under(session.case / "backups")]:
        envelopes = _envelopes(path)
        kinds = {name for name, _ in envelopes}
        assert {"keyslot passphrase", "keyslot recovery", "signer alice", "signer bob",
                "root key"} <= kinds
        for name, blob in envelopes:
            params = crypto.envelope_kdf(blob)
            if name == "root key":
                # Wrapped by the random data key itself: no passphrase to derive from.
                assert params.kind == crypto.KDF_RAW, path.name
                continue
            assert _meets_owasp(params), f"{path.name}: {name} uses {params}"


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
