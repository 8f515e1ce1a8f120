"""How tests/data/binder-v1.binder was made (run it again only on purpose).

The file is a binder at the FIRST schema (only migration ``m001_initial``
applied), holding what a user of that version could have written: a data key
sealed by passphrase and recovery code, a root certificate, two signers, one
incident with plain, witnessed, co-signed and corrected entries. The migration
test copies it, opens the copy with the current code and checks that it is
upgraded and still verifies, so a future migration that breaks old binders
fails the suite.

    cd /work/main && .venv/bin/python tests/data/make_golden.py [--force]

Secrets (test-only, light key derivation so the tests stay fast):
binder passphrase ``correct horse battery``; signers ``alice`` /
``alice-passphrase`` and ``bob`` / ``bob-passphrase`` (the constants in
tests/conftest.py). Keys are random, so each run gives a different but
equivalent file.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from binder.core.crypto import signers, vault  # noqa: E402
from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS  # noqa: E402
from binder.core.incident import journal  # noqa: E402
from binder.core.incident import record as incident  # noqa: E402
from binder.core.storage import database as storage  # noqa: E402

FIRST_SCHEMA_STOP = "m002_access_drafts_evidence"
PASSPHRASE = "correct horse battery"
LEAD, LEAD_PASS = "alice", "alice-passphrase"
WITNESS, WITNESS_PASS = "bob", "bob-passphrase"
V1_PATH = HERE / "binder-v1.binder"


def make_v1(path: Path) -> None:
    """Write a first-schema binder with a small, witnessed incident at ``path``."""
    binder = storage.create_binder(path, org="Golden Store", stop_before=FIRST_SCHEMA_STOP)
    vault.setup_keys(binder, PASSPHRASE, kdf=LIGHT_KDF_FOR_TESTS)
    signers.create_root(binder)
    signers.enroll(binder, LEAD, LEAD_PASS, role="Incident Lead", kdf=LIGHT_KDF_FOR_TESTS)
    signers.enroll(binder, WITNESS, WITNESS_PASS, role="IT Contact", kdf=LIGHT_KDF_FOR_TESTS)
    lead = signers.open_session(binder, LEAD, LEAD_PASS)
    witness = signers.open_session(binder, WITNESS, WITNESS_PASS)
    iid = incident.open_incident(
        binder, lead, title="Skimmer script in checkout (golden v1)", type="skimmer",
        severity="high", detected_at="2025-03-01T09:30:00+01:00",
    )
    first = journal.append(binder, iid, lead, journal.NewEntry(
        text="Unknown <script> in checkout footer; café & co. reported odd card form",
        kind="observation", occurred_at="2025-03-01T09:10:00+01:00", source="customer email",
        assets="www.example.test checkout"))
    journal.append(binder, iid, lead, journal.NewEntry(
        text="Took the store into maintenance mode", kind="action",
        reason="Stop further card capture while we look"), witness=witness)
    journal.cosign(binder, first, witness)
    journal.correct(binder, first, lead, "The script sat in the checkout HEADER, not the footer",
                    "Misread the template on the first look")
    binder.close()
    # Fold the WAL into the file and drop free pages: one small, self-contained file.
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")
    conn.close()


def main(argv: list[str]) -> int:
    """Create the golden files (refuses to overwrite without --force)."""
    if V1_PATH.exists():
        if "--force" not in argv:
            print(f"{V1_PATH} exists; pass --force to make a new one", file=sys.stderr)
            return 2
        V1_PATH.unlink()
    make_v1(V1_PATH)
    print(f"wrote {V1_PATH} ({V1_PATH.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
