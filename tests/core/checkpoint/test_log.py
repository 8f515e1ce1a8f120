"""The log: one append order over every entry and co-signature, old binders included."""

from __future__ import annotations

import shutil
from pathlib import Path

from binder.core.checkpoint.log import read_log
from binder.core.checkpoint.merkle import leaf_hash
from binder.core.checkpoint.store import make_checkpoint
from binder.core.crypto import signers, vault
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from binder.core.storage import database as storage
from binder.core.verify.checks import verify_binder
from tests.helpers import LEAD, LEAD_PASS, PASSPHRASE, WITNESS, WITNESS_PASS

GOLDEN_V1 = Path(__file__).resolve().parents[2] / "data" / "binder-v1.binder"


def test_records_are_placed_in_the_order_they_were_written(made, incident_id):
    first = journal.append(made.binder, incident_id, made.lead, NewEntry(text="a"), witness=made.witness)
    second = journal.append(made.binder, incident_id, made.lead, NewEntry(text="b"))
    cosign = journal.cosign(made.binder, second, made.witness)
    log = read_log(made.binder)
    placed = [(leaf.kind, leaf.row_id) for leaf in log.leaves]
    opening = placed[0]
    assert placed[1:] == [("entry", first), ("cosign", placed[2][1]), ("entry", second),
                          ("cosign", cosign)]
    assert opening[0] == "entry"
    canonical = made.binder.conn.execute("SELECT canonical FROM entry WHERE id = ?", (second,)).fetchone()[0]
    assert log.tree.leaf(3) == leaf_hash(canonical)
    assert not (log.missing_records or log.position_gaps or log.unplaced)


def test_appending_never_moves_an_older_leaf(made, incident_id):
    before = read_log(made.binder)
    make_checkpoint(made.binder, made.lead, made.witness)
    journal.append(made.binder, incident_id, made.lead, NewEntry(text="later"), witness=made.witness)
    after = read_log(made.binder)
    assert after.size == before.size + 2
    assert after.root(before.size) == before.root()


def test_first_schema_binder_gets_a_log_and_can_be_checkpointed(tmp_path):
    path = tmp_path / "old.binder"
    shutil.copyfile(GOLDEN_V1, path)
    binder = storage.open_binder(path)
    try:
        entries = binder.conn.execute("SELECT count(*) FROM entry").fetchone()[0]
        cosigns = binder.conn.execute("SELECT count(*) FROM cosign").fetchone()[0]
        log = read_log(binder)
        assert log.size == entries + cosigns and cosigns > 0
        # Every co-signature is placed after the entry it witnesses.
        kinds = {(leaf.kind, leaf.row_id): leaf.index for leaf in log.leaves}
        for cid, eid in binder.conn.execute("SELECT id, entry_id FROM cosign"):
            assert kinds[("cosign", cid)] > kinds[("entry", eid)]
        vault.unlock_with_passphrase(binder, PASSPHRASE)
        lead = signers.open_session(binder, LEAD, LEAD_PASS)
        witness = signers.open_session(binder, WITNESS, WITNESS_PASS)
        cp = make_checkpoint(binder, lead, witness)
        assert cp.tree_size == log.size
        (iid,) = binder.conn.execute("SELECT id FROM incident").fetchone()
        journal.append(binder, iid, lead, NewEntry(text="after the upgrade"), witness=witness)
        report = verify_binder(binder)
        assert report.ok, [str(p) for p in report.problems]
    finally:
        binder.close()
