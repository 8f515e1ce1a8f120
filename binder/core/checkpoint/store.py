"""Making and keeping checkpoints: the signed (size, root) of the binder's log.

A checkpoint is made in one write transaction, so no record can slip in
between reading the log and storing the note. The maker signs it; a witness,
when there is one, co-signs the same body (two-person rule: another person).
Checkpoints are history: stored once, never changed or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from binder.core.checkpoint.log import read_log
from binder.core.checkpoint.note import Checkpoint, make_body, parse_note, sign_note
from binder.core.crypto.signers import SigningSession
from binder.core.crypto.two_person import check_two_people
from binder.core.errors import BadInput, IntegrityError, NotFound
from binder.core.storage.database import Binder, utc_now

#: Why a checkpoint was made (stored; shown beside it).
OCCASIONS = {
    "manual": "made by hand",
    "handover": "shift handover",
    "phase": "end of a phase",
    "report": "report sign-off",
}


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as kept in the binder."""

    id: int
    created_at: str
    tree_size: int
    root_hash: str  # hex
    note: str  # the whole signed note, as printed
    maker: str
    witness: str | None
    occasion: str
    incident_id: int | None

    def parsed(self) -> Checkpoint:
        """The note read back (raises BadInput when the stored text is damaged)."""
        return parse_note(self.note)

    @property
    def occasion_label(self) -> str:
        """The occasion in words."""
        return OCCASIONS.get(self.occasion, self.occasion or "made by hand")


_COLUMNS = "id, created_at, tree_size, root_hash, note, maker, witness, occasion, incident_id"


def sign_checkpoint(
    binder: Binder, maker: SigningSession, witness: SigningSession | None = None
) -> Checkpoint:
    """Sign (and co-sign) the log as it is now, without storing anything.

    Call it inside a read transaction when the checkpoint must match other
    things read in it (a report prints the checkpoint of the state it shows).
    """
    check_two_people(maker, witness)
    log = read_log(binder, with_problems=False)
    if log.missing_records or log.position_gaps:
        raise IntegrityError(
            "cannot checkpoint a damaged log (records have been removed from it); "
            "run `binder verify` to see what is gone"
        )
    if log.size == 0:
        raise BadInput("nothing to checkpoint yet: the binder holds no journal entries")
    note = sign_note(make_body(binder.uuid, log.size, log.root(), utc_now()), maker)
    if witness is not None:
        note = sign_note(note, witness)
    return note


def store_checkpoint(
    binder: Binder,
    note: Checkpoint,
    maker: SigningSession,
    witness: SigningSession | None = None,
    *,
    occasion: str = "manual",
    incident_id: int | None = None,
) -> StoredCheckpoint:
    """Keep a checkpoint made by :func:`sign_checkpoint` in the binder."""
    if occasion not in OCCASIONS:
        raise BadInput(f"unknown occasion {occasion!r}; use one of {', '.join(OCCASIONS)}")
    if note.binder_uuid != binder.uuid or note.time is None:
        raise BadInput("that checkpoint is not one of this binder")
    with binder.write():
        cur = binder.conn.execute(
            """INSERT INTO checkpoint (created_at, tree_size, root_hash, note, maker, witness,
                   occasion, incident_id) VALUES (?,?,?,?,?,?,?,?)""",
            (note.time, note.size, note.root.hex(), note.text(), maker.person,
             witness.person if witness else None, occasion, incident_id),
        )
        checkpoint_id = int(cur.lastrowid)
    return get_checkpoint(binder, checkpoint_id)


def make_checkpoint(
    binder: Binder,
    maker: SigningSession,
    witness: SigningSession | None = None,
    *,
    occasion: str = "manual",
    incident_id: int | None = None,
) -> StoredCheckpoint:
    """Sign (and co-sign) the log as it is now and keep the checkpoint in the binder.

    One write transaction: no record can slip in between reading the log and
    storing its checkpoint.
    """
    if occasion not in OCCASIONS:
        raise BadInput(f"unknown occasion {occasion!r}; use one of {', '.join(OCCASIONS)}")
    check_two_people(maker, witness)
    with binder.write():
        note = sign_checkpoint(binder, maker, witness)
        return store_checkpoint(binder, note, maker, witness, occasion=occasion,
                                incident_id=incident_id)


def _row(row) -> StoredCheckpoint:
    return StoredCheckpoint(*row)


def get_checkpoint(binder: Binder, checkpoint_id: int) -> StoredCheckpoint:
    """One stored checkpoint by id."""
    row = binder.conn.execute(
        f"SELECT {_COLUMNS} FROM checkpoint WHERE id = ?", (checkpoint_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"there is no checkpoint {checkpoint_id}; see `binder checkpoint --list`")
    return _row(row)


def list_checkpoints(binder: Binder) -> list[StoredCheckpoint]:
    """Every stored checkpoint, oldest first."""
    return [_row(r) for r in binder.conn.execute(f"SELECT {_COLUMNS} FROM checkpoint ORDER BY id")]


def latest_checkpoint(binder: Binder) -> StoredCheckpoint | None:
    """The newest checkpoint, or None before the first."""
    row = binder.conn.execute(
        f"SELECT {_COLUMNS} FROM checkpoint ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return _row(row) if row else None


def covering_checkpoint(binder: Binder, leaf_index: int) -> StoredCheckpoint | None:
    """The newest checkpoint whose tree holds leaf ``leaf_index`` (0-based)."""
    row = binder.conn.execute(
        f"SELECT {_COLUMNS} FROM checkpoint WHERE tree_size > ? ORDER BY id DESC LIMIT 1",
        (leaf_index,),
    ).fetchone()
    return _row(row) if row else None
