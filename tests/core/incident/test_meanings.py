"""What each signature means is signed with it (21 CFR 11.50) and shown wherever it is."""

from __future__ import annotations

import json

import pytest

from binder.core.errors import BadInput
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from tests.core.verify.test_checks import tamper
from tests.helpers import LEAD_NAME, WITNESS_NAME, WITNESS_PASS, signer_env


def test_a_cosignature_signs_its_meaning_and_the_author_signs_authorship(made, incident_id):
    b = made.binder
    entry = journal.append(b, incident_id, made.lead, NewEntry(text="Card form removed"))
    journal.cosign(b, entry, made.witness, meaning="review")
    (cosign,) = journal.cosigns_for(b, entry)
    assert cosign.meaning == "review"
    signed = json.loads(b.conn.execute("SELECT canonical FROM cosign").fetchone()[0])
    assert (signed["v"], signed["meaning"]) == (2, "review")
    authored = json.loads(b.conn.execute(
        "SELECT canonical FROM entry WHERE id = ?", (entry,)).fetchone()[0])
    assert authored["meaning"] == "author"
    assert verify_binder(b).ok
    with pytest.raises(BadInput, match="unknown signature meaning 'author'"):
        journal.cosign(b, entry, made.witness, meaning="author")


def test_a_meaning_changed_after_signing_is_named_by_verify(made, incident_id):
    b = made.binder
    entry = journal.append(b, incident_id, made.lead, NewEntry(text="Card form removed"))
    journal.cosign(b, entry, made.witness)
    b.close()
    tamper(made.path, "UPDATE cosign SET meaning = 'approval'")
    with open_binder(made.path) as again:
        causes = {p.code for p in verify_binder(again).problems}
    assert "meaning_changed" in causes


def test_journal_list_shows_name_role_meaning_and_time_of_each_signature(made, incident_id,
                                                                          run_cli):
    entry = journal.append(made.binder, incident_id, made.lead, NewEntry(text="Logs copied"))
    made.binder.close()
    env = signer_env()
    # `journal cosign --as` is the one signing: their passphrase is the signer's.
    done = run_cli("journal", "cosign", str(entry), "--as", "bob", "--meaning", "approval",
                   "--binder", str(made.path), env=signer_env(WITNESS_PASS))
    assert done.code == 0, done.err
    out = run_cli("journal", "list", str(incident_id), "--binder", str(made.path), env=env).out
    assert f"signed by {LEAD_NAME} (Incident Lead), as author," in out
    assert f"co-signed by {WITNESS_NAME} (IT Contact), as approval," in out
    listed = json.loads(run_cli("journal", "list", str(incident_id), "--json", "--binder",
                                str(made.path), env=env).out)
    marks = [(s["name"], s["role"], s["meaning"]) for s in listed[-1]["signatures"]]
    assert marks == [(LEAD_NAME, "Incident Lead", "author"), (WITNESS_NAME, "IT Contact", "approval")]
