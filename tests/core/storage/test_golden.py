"""Binders written by the first release (schema 3) open, upgrade and keep every fact.

``tests/data/binder-v3.binder`` was written by the released code (see
``tests/data/make_golden.py``). Every later schema change must upgrade it
without losing a contact, an entry, a signature or a derived fact; the checks go
through the command-line contract, which outlives internal APIs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import LEAD, WITNESS, signer_env

GOLDEN_V3 = Path(__file__).resolve().parents[2] / "data" / "binder-v3.binder"


@pytest.fixture
def upgraded(tmp_path):
    """A copy of the release binder (the golden file itself is never touched)."""
    before = hashlib.sha256(GOLDEN_V3.read_bytes()).hexdigest()
    path = tmp_path / "release.binder"
    shutil.copyfile(GOLDEN_V3, path)
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 3
    raw.close()
    yield path
    assert hashlib.sha256(GOLDEN_V3.read_bytes()).hexdigest() == before


def _json(run_cli, *args):
    result = run_cli(*args, env=signer_env())
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_release_binder_upgrades_and_verifies(upgraded, run_cli):
    result = run_cli("verify", "--binder", str(upgraded), "--json", env=signer_env())
    assert result.code == 0, result.out + result.err
    report = json.loads(result.out)
    assert report["ok"] is True
    assert report["incidents"] == 3
    # Opening upgraded the file to the current schema, once.
    from binder.core.storage.database import SCHEMA_VERSION

    raw = sqlite3.connect(upgraded)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()


def test_release_roster_still_decrypts_with_its_history(upgraded, run_cli):
    contacts = _json(run_cli, "roster", "list", "--binder", str(upgraded), "--json")
    text = json.dumps(contacts, ensure_ascii=False)
    assert "Alice Ångström" in text
    assert "+44 20 7946 0003" in text  # the edited phone number, not the first one
    assert "+44 20 7946 0002" not in text
    assert "Old Host Ltd" not in text  # removed contacts stay removed


def test_release_incident_keeps_its_derived_facts(upgraded, run_cli):
    incidents = _json(run_cli, "incident", "list", "--binder", str(upgraded), "--json")
    titles = json.dumps(incidents, ensure_ascii=False)
    assert "Card skimmer in checkout (golden v3)" in titles and "Admin password reuse" in titles
    skimmer = next(i for i in incidents if "golden v3" in json.dumps(i))
    shown = _json(run_cli, "incident", "show", str(skimmer["id"]), "--binder", str(upgraded),
                  "--json")
    text = json.dumps(shown, ensure_ascii=False)
    assert "Keep the store online behind the WAF" in text
    assert "Suspected card data exposure" in text
    assert any(c["key"] == "gdpr_art33" for c in shown["clocks"])
    entries = _json(run_cli, "journal", "list", str(skimmer["id"]), "--binder", str(upgraded),
                    "--json")
    texts = [e["text"] for e in entries]
    assert "Injected <script src=//evil.test/x.js> & card form found" in texts
    assert "Removed the script from the header template" in texts


def test_release_binder_takes_new_signed_history(upgraded, run_cli):
    incidents = _json(run_cli, "incident", "list", "--binder", str(upgraded), "--json")
    skimmer = next(i for i in incidents if "golden v3" in json.dumps(i))
    added = run_cli("journal", "add", str(skimmer["id"]), "--binder", str(upgraded), "--as", LEAD,
                    "--witness", WITNESS, "--text", "first entry after the upgrade",
                    env=signer_env())
    assert added.code == 0, added.err
    again = run_cli("verify", "--binder", str(upgraded), env=signer_env())
    assert again.code == 0, again.out + again.err
