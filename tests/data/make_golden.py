"""How the golden binders in tests/data/ were made (run it again only on purpose).

- ``binder-v1.binder``: the first schema (1 migration).
- ``binder-v3.binder``: the schema of the first release (3 migrations), made by
  ``make_v3`` with the code of that release (commit bbafbc1): every kind of
  record the release could write (roster, plan revision, decisions,
  notifications, clocks, evidence and custody, impact, review, a closed
  incident, a drill, readiness, access log, a draft).

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

from binder.core.crypto import session, signers, vault  # noqa: E402
from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS  # noqa: E402
from binder.core.incident import journal  # noqa: E402
from binder.core.incident import record as incident  # noqa: E402
from binder.core.storage import database as storage  # noqa: E402

FIRST_SCHEMA_STOP = "m002_access_drafts_evidence"
PASSPHRASE = "correct horse battery"
LEAD, LEAD_PASS = "alice", "alice-passphrase"
WITNESS, WITNESS_PASS = "bob", "bob-passphrase"
V1_PATH = HERE / "binder-v1.binder"
V3_PATH = HERE / "binder-v3.binder"


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


def make_v3(path: Path) -> None:
    """Write a first-release binder (schema 3) holding every kind of record."""
    from binder.core import readiness, roster
    from binder.core.incident import (
        clocks,
        drills,
        evidence,
        impact,
        notifications,
        review,
        workflow,
    )
    from binder.core.plan import revisions as plans
    from binder.services import drafts

    binder = storage.create_binder(path, org="Golden Store v3")
    vault.setup_keys(binder, PASSPHRASE, kdf=LIGHT_KDF_FOR_TESTS)
    signers.create_root(binder)
    plans.load_default_plan(binder, author=LEAD)
    signers.enroll(binder, LEAD, LEAD_PASS, display_name="Alice Ångström", role="Incident Lead",
                   kdf=LIGHT_KDF_FOR_TESTS)
    signers.enroll(binder, WITNESS, WITNESS_PASS, display_name="Bob Brown", role="IT Contact",
                   kdf=LIGHT_KDF_FOR_TESTS)
    lead = signers.open_session(binder, LEAD, LEAD_PASS)
    witness = signers.open_session(binder, WITNESS, WITNESS_PASS)
    roster.add_contact(binder, role="lead", name="Alice Ångström", email="alice@example.test",
                       phone="+44 20 7946 0001", escalation=1)
    dpo = roster.add_contact(binder, role="legal", name="Dana Data-Protection",
                             email="dpo@example.test", phone="+44 20 7946 0002", escalation=1,
                             notes="Data protection officer")
    roster.edit_contact(binder, dpo, phone="+44 20 7946 0003")
    gone = roster.add_contact(binder, role="hosting", name="Old Host Ltd", phone="+1 555 0100")
    roster.remove_contact(binder, gone)
    rev = plans.current_revision(binder)
    iid = incident.open_incident(
        binder, lead, title="Card skimmer in checkout (golden v3)", type="skimmer",
        severity="high", detected_at="2026-03-02T07:58:00+01:00", plan_revision_id=rev.id)
    journal.append(binder, iid, lead, journal.NewEntry(
        text="Injected <script src=//evil.test/x.js> & card form found", kind="observation",
        occurred_at="2026-03-02T07:40:00+01:00", source="customer e-mail"), witness=witness)
    clocks.set_awareness(binder, iid, lead, "2026-03-02T08:15:00+01:00", "Confirmed by IT")
    workflow.set_focus_phase(binder, iid, lead, "containment")
    workflow.tick_checklist(binder, iid, lead, "initial_assessment", 1)
    workflow.record_decision(binder, iid, lead, decision="Keep the store online behind the WAF",
                             reason="SLA; evidence still being gathered",
                             options=["take offline", "stay online"], approved_by="Management",
                             witness=witness)
    notifications.record_notification(binder, iid, lead, party="Acquirer", channel="phone",
                                 message="Suspected card data exposure", clock_key="gdpr_art33")
    impact.add_impact(binder, iid, lead, "Forensic investigator", "12500.50", "EUR",
                        "estimate")
    impact.add_impact(binder, iid, lead, "Forensic investigator", "-500.50", "EUR",
                        "correction")
    log = path.parent / "golden-access.log"
    log.write_text("203.0.113.9 - - GET /checkout\n")
    item = evidence.register_evidence(binder, iid, log, lead, description="Nginx access log",
                                      source_system="web01", witness=witness)
    evidence.transfer(binder, item, lead, received_by=WITNESS, purpose="Analysis",
                      seal="SEAL-0001", witness=witness)
    log.unlink()  # the original is elsewhere on the machine that made it: a note, not a failure
    review.add_review(binder, iid, lead, "Watch checkout templates for changes",
                        ["add checklist evidence_preservation: Hash the checkout templates"])
    first = journal.append(binder, iid, lead, journal.NewEntry(text="Removd the script", kind="action"))
    journal.correct(binder, first, lead, "Removed the script from the header template", "typo")
    journal.cosign(binder, first, witness)
    closed = incident.open_incident(binder, lead, title="Admin password reuse", type="admin_takeover",
                                    severity="medium", plan_revision_id=rev.id)
    workflow.close_incident(binder, closed, lead, "Contained within 2 hours")
    drills.start_drill(binder, lead, "skimmer_cms")
    readiness.record_done(binder, "response_team", "Alice Ångström", "Roster reviewed")
    session.record_access(binder, "unlock", LEAD, "passphrase (golden)")
    drafts.save_draft(binder, iid, "half-typed note", "")
    binder.close()
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")
    conn.close()


def main(argv: list[str]) -> int:
    """Create the golden files named on the command line (v1, v3); never overwrites silently."""
    makers = {"v1": (V1_PATH, make_v1), "v3": (V3_PATH, make_v3)}
    wanted = [a for a in argv if a in makers] or ["v1"]
    for name in wanted:
        target, make = makers[name]
        if target.exists():
            if "--force" not in argv:
                print(f"{target} exists; pass --force to make a new one", file=sys.stderr)
                return 2
            target.unlink()
        make(target)
        print(f"wrote {target} ({target.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
