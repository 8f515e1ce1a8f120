"""The append-only, hash-chained, signed incident journal.

Canonical form (documented in docs/VERIFYING.md): a JSON object with the keys
below, sorted, no insignificant white space, UTF-8 (not ASCII-escaped), integers
only. Version 2 adds ``meaning`` (what the signature means: the author's is
``author``; a co-signature's ``witness``, ``review`` or ``approval``), so the
meaning is signed with the rest; entries and co-signatures written as version 1
keep verifying as version 1 (their meaning is author and witness).
Its SHA-256 is the entry hash; ``prev`` is the previous entry's hash in the
same incident (the first entry chains to ``genesis_hash(incident uuid)``); the
author's ECDSA P-256 / SHA-256 signature is over the canonical bytes. The
canonical bytes are stored beside the columns, so `verify` can say exactly which
column was altered after the fact.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from binder.core import times
from binder.core.crypto.meanings import AUTHOR, COSIGN_MEANINGS, WITNESS, check_meaning
from binder.core.crypto.two_person import check_two_people
from binder.core.errors import BadInput, NotFound
from binder.core.storage.database import Binder, utc_now
from binder.core.storage.depth import json_depth
from binder.core.storage.files import read_input_file

if TYPE_CHECKING:
    from binder.core.crypto.signers import SigningSession

CANONICAL_VERSION = 2
#: Versions of the canonical form verify understands (1: before meanings were signed).
CANONICAL_VERSIONS = (1, 2)
KINDS = (
    "observation",
    "action",
    "decision",
    "communication",
    "evidence",
    "custody",
    "phase",
    "correction",
    "note",
    # Structured steps of the guided response; each is still an ordinary entry.
    "open",
    "checklist",
    "notification",
    "clock",
    "impact",
    "review",
    "close",
    "drill",
    # The investigation registers (attacker timeline, indicators, assets, tasks).
    "timeline",
    "ioc",
    "asset",
    "task",
    # A signed change of the incident's type or severity.
    "classification",
    # What happened, why, to whom and for how long, as the lead states it (see assessment.py).
    "assessment",
)
#: Kinds a person may choose when writing by hand (the rest are written by the app).
USER_KINDS = ("observation", "action", "decision", "communication", "note")
MAX_TEXT = 100_000
#: Bidirectional embedding, override and isolate controls (not RTL letters).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Orders a journal can be read in: as written (the chain) or by when things happened.
ORDERS = ("entry", "event")
#: SQL for the moment an entry stands for: its stated event time, else when it was written.
#: ``julianday`` reads the stored offsets (``+01:00``, ``Z``), so times stated in different
#: zones sort as the moments they are; an index on the same expression keeps it fast.
EVENT_SQL = "julianday(coalesce(occurred_at, recorded_at))"


@dataclass(frozen=True)
class NewEntry:
    """What an author states; the journal adds time, chain and signature."""

    text: str
    kind: str = "note"
    reason: str = ""
    phase: str | None = None
    occurred_at: str | None = None
    corrects: int | None = None
    evidence_id: int | None = None
    source: str = ""
    assets: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    """A stored journal entry."""

    id: int
    incident_id: int
    seq: int
    recorded_at: str
    occurred_at: str | None
    author: str
    cert_fingerprint: str
    kind: str
    phase: str | None
    text: str
    reason: str
    corrects: int | None
    evidence_id: int | None
    source: str
    assets: str
    data: dict
    prev_hash: str
    hash: str
    signature: bytes

    @property
    def event_at(self) -> str:
        """When it happened as stated (with its offset), else when it was written."""
        return self.occurred_at or self.recorded_at

    @property
    def event_utc(self) -> datetime:
        """:attr:`event_at` as an aware UTC moment (for arithmetic and sorting)."""
        try:
            return times.utc(self.event_at)
        except ValueError:
            return times.utc(self.recorded_at)


@dataclass(frozen=True)
class Cosign:
    """A second person's separate signature over an entry hash; ``meaning`` says what it
    attests (witness, review, approval)."""

    id: int
    entry_id: int
    entry_hash: str
    witness: str
    cert_fingerprint: str
    signed_at: str
    signature: bytes
    meaning: str = WITNESS


@dataclass(frozen=True)
class CosignMark:
    """Who co-signed an entry, when, with which certificate and as what."""

    witness: str
    cert_fingerprint: str
    signed_at: str
    meaning: str


@dataclass(frozen=True)
class EntryView:
    """An entry with what a reader needs beside it: co-signers and corrections.

    ``cosigners`` are the co-signers' logins; ``cosigns`` the whole marks.
    """

    entry: Entry
    cosigners: tuple[str, ...]
    corrected_by: tuple[int, ...]
    cosigns: tuple[CosignMark, ...] = ()


def genesis_hash(incident_uuid: str) -> str:
    """The ``prev`` of an incident's first entry."""
    return hashlib.sha256(f"incident-binder genesis {incident_uuid}".encode()).hexdigest()


def canonical_bytes(obj: Mapping[str, Any]) -> bytes:
    """The documented canonical JSON encoding."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def entry_document(
    *,
    incident_uuid: str,
    seq: int,
    prev: str,
    recorded_at: str,
    author: str,
    cert: str,
    new: NewEntry,
    corrects_hash: str | None,
) -> dict[str, Any]:
    """The object whose canonical bytes are hashed and signed."""
    return {
        "v": CANONICAL_VERSION,
        "type": "entry",
        "meaning": AUTHOR,
        "incident": incident_uuid,
        "seq": seq,
        "prev": prev,
        "recorded_at": recorded_at,
        "occurred_at": new.occurred_at,
        "author": author,
        "cert": cert,
        "kind": new.kind,
        "phase": new.phase,
        "text": new.text,
        "reason": new.reason,
        "corrects": corrects_hash,
        "evidence": new.evidence_id,
        "source": new.source,
        "assets": new.assets,
        "data": dict(new.data),
    }


def cosign_document(*, entry_hash: str, witness: str, cert: str, signed_at: str,
                    meaning: str = WITNESS) -> dict[str, Any]:
    """The object a second person signs (``meaning``: witness, review or approval)."""
    return {
        "v": CANONICAL_VERSION,
        "type": "cosign",
        "meaning": meaning,
        "entry": entry_hash,
        "witness": witness,
        "cert": cert,
        "signed_at": signed_at,
    }


def parse_time(value: str, what: str = "time") -> str:
    """Validate an ISO 8601 time and return it in UTC with microseconds.

    A time without a zone is taken as local time, as a person at the laptop means it.
    """
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"the {what} is empty; give a time like 2026-11-29T14:05 or 2026-11-29T14:05+01:00")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.astimezone()
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        # OverflowError: year 1 or 9999 shifted across midnight by a zone offset.
        raise BadInput(
            f"the {what} {value!r} is not a valid time; use ISO 8601, e.g. 2026-11-29T14:05+01:00"
        ) from None
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def check_text(value: str, what: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    """Refuse text no person meant to write: NULs, other control characters, huge blobs."""
    if not isinstance(value, str):
        raise BadInput(f"the {what} must be text")
    if required and not value.strip():
        raise BadInput(f"the {what} is empty; write what happened")
    if len(value) > limit:
        raise BadInput(f"the {what} is longer than {limit} characters; split it into several entries")
    for ch in value:
        if ch in "\n\t\r":
            continue
        category = unicodedata.category(ch)
        if category == "Cc":
            raise BadInput(f"the {what} contains a control character (U+{ord(ch):04X}); remove it")
        if ch in BIDI_CONTROLS:
            # Overrides and isolates make text display in another order than it is
            # stored and signed: a reader could be shown something nobody wrote.
            raise BadInput(
                f"the {what} contains an invisible direction override (U+{ord(ch):04X}); remove it "
                "(right-to-left text itself is fine)"
            )
        if category == "Cs":
            # What Python makes of bytes that are not UTF-8 (e.g. a Latin-1 terminal);
            # it could not be stored or signed.
            raise BadInput(f"the {what} is not valid UTF-8 text; check the terminal's encoding")
    return value


def validate(new: NewEntry) -> NewEntry:
    """Check a new entry before anything is written."""
    if new.kind not in KINDS:
        raise BadInput(f"unknown entry kind {new.kind!r}; use one of {', '.join(USER_KINDS)}")
    check_text(new.text, "entry text", required=True)
    check_text(new.reason, "reasoning")
    check_text(new.source, "source")
    check_text(new.assets, "assets")
    if new.phase is not None:
        check_text(new.phase, "phase", limit=200)
    occurred = (times.parse_event_time(new.occurred_at, "occurred-at time")
                if new.occurred_at else None)
    try:
        canonical_bytes(dict(new.data))
    except (TypeError, ValueError):
        raise BadInput("entry data must be plain JSON values") from None
    if occurred != new.occurred_at:
        new = NewEntry(**{**new.__dict__, "occurred_at": occurred})
    return new


def _incident_uuid(binder: Binder, incident_id: int) -> str:
    row = binder.conn.execute("SELECT uuid FROM incident WHERE id = ?", (incident_id,)).fetchone()
    if row is None:
        raise NotFound(f"there is no incident {incident_id}; see `binder incident list`")
    return row[0]


def _head(binder: Binder, incident_id: int, incident_uuid: str) -> tuple[int, str, str]:
    row = binder.conn.execute(
        "SELECT seq, hash, recorded_at FROM entry WHERE incident_id = ? ORDER BY seq DESC LIMIT 1",
        (incident_id,),
    ).fetchone()
    if row is None:
        return 0, genesis_hash(incident_uuid), ""
    return row[0], row[1], row[2]


def _entry_hash(binder: Binder, entry_id: int) -> tuple[int, str]:
    row = binder.conn.execute("SELECT incident_id, hash FROM entry WHERE id = ?", (entry_id,)).fetchone()
    if row is None:
        raise NotFound(f"there is no journal entry {entry_id}; see `binder journal list`")
    return row[0], row[1]


def _insert(
    binder: Binder, incident_id: int, incident_uuid: str, signer: SigningSession, new: NewEntry,
    head: tuple[int, str, str],
) -> tuple[int, tuple[int, str, str]]:
    seq, prev, last_time = head
    recorded_at = utc_now()
    if recorded_at < last_time:
        # The clock went backwards (NTP step, manual change): keep the chain's
        # times monotonic rather than record an apparent reordering.
        recorded_at = last_time
    corrects_hash = None
    if new.corrects is not None:
        target_incident, corrects_hash = _entry_hash(binder, new.corrects)
        if target_incident != incident_id:
            raise BadInput(f"entry {new.corrects} belongs to another incident")
    doc = entry_document(
        incident_uuid=incident_uuid, seq=seq + 1, prev=prev, recorded_at=recorded_at,
        author=signer.person, cert=signer.signer.fingerprint, new=new, corrects_hash=corrects_hash,
    )
    canonical = canonical_bytes(doc)
    digest = hashlib.sha256(canonical).hexdigest()
    cur = binder.conn.execute(
        """INSERT INTO entry (incident_id, seq, recorded_at, occurred_at, author, cert_fingerprint,
               kind, phase, text, reason, corrects, evidence_id, source, assets, data, prev_hash,
               hash, canonical, signature)
           VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
        (
            incident_id, seq + 1, recorded_at, new.occurred_at, signer.person,
            signer.signer.fingerprint, new.kind, new.phase, new.text, new.reason, new.corrects,
            new.evidence_id, new.source, new.assets,
            json.dumps(dict(new.data), sort_keys=True, ensure_ascii=False), prev, digest,
            canonical, signer.sign(canonical),
        ),
    )
    entry_id = int(cur.lastrowid)
    # The search index, in the same transaction. Not a trigger: FTS5 writes out its
    # pending words at every statement savepoint, and a trigger is one, which made each
    # append four times dearer.
    try:
        binder.conn.execute(
            "INSERT INTO entry_fts(rowid, text, reason, kind, author, phase, incident_id) "
            "VALUES (?,?,?,?,?,?,?)",
            (entry_id, new.text, new.reason, new.kind, signer.person, new.phase, incident_id),
        )
    except sqlite3.OperationalError as exc:
        # A missing index must not stop the record: `verify` names it, and
        # `binder search --rebuild` makes it again from the journal.
        if "entry_fts" not in str(exc):
            raise
    return entry_id, (seq + 1, digest, recorded_at)


def append(
    binder: Binder,
    incident_id: int,
    author: SigningSession,
    new: NewEntry,
    *,
    witness: SigningSession | None = None,
) -> int:
    """Append one signed entry (co-signed when ``witness`` is given); return its id.

    The entry is on disk when this returns.
    """
    new = validate(new)
    check_two_people(author, witness)
    with binder.write():
        uuid = _incident_uuid(binder, incident_id)
        entry_id, _ = _insert(binder, incident_id, uuid, author, new, _head(binder, incident_id, uuid))
        if witness is not None:
            _cosign_in_tx(binder, entry_id, witness)
    return entry_id


def append_many(
    binder: Binder,
    incident_id: int,
    author: SigningSession,
    entries: Sequence[NewEntry],
) -> list[int]:
    """Append many entries, each chained and signed, in ONE transaction: all or none.

    Every entry is validated before the first is written, and a failure while
    writing (a killed process, a full disk) leaves none of them.
    """
    checked = [validate(e) for e in entries]
    ids: list[int] = []
    with binder.write():
        uuid = _incident_uuid(binder, incident_id)
        head = _head(binder, incident_id, uuid)
        for new in checked:
            entry_id, head = _insert(binder, incident_id, uuid, author, new, head)
            ids.append(entry_id)
    return ids


@dataclass(frozen=True)
class ImportResult:
    """What `journal import` did: the new entry ids, and how many lines were already there."""

    ids: tuple[int, ...]
    skipped: int


def _import_key(new: NewEntry) -> tuple[str, int] | None:
    mark = new.data.get("imported") if isinstance(new.data, Mapping) else None
    if not isinstance(mark, Mapping):
        return None
    return str(mark.get("line_sha256")), int(mark.get("occurrence", 0))


def _imported_keys(binder: Binder, incident_id: int) -> set[tuple[str, int]]:
    # From the data column (checked against the signed bytes by `verify`); a damaged
    # cell is skipped rather than stopping the import.
    marks = ",".join("?" * len(USER_KINDS))
    rows = binder.conn.execute(
        "SELECT CASE WHEN json_valid(data) THEN json_extract(data, '$.imported.line_sha256') END, "
        "CASE WHEN json_valid(data) THEN json_extract(data, '$.imported.occurrence') END "
        f"FROM entry WHERE incident_id = ? AND kind IN ({marks})",
        (incident_id, *USER_KINDS),
    )
    return {(str(digest), int(occurrence)) for digest, occurrence in rows
            if digest is not None and isinstance(occurrence, int)}


def import_entries(
    binder: Binder, incident_id: int, author: SigningSession, entries: Sequence[NewEntry],
) -> ImportResult:
    """Append imported lines in one transaction, skipping lines this incident already holds.

    Each line from :func:`parse_import_lines` carries, in its signed data, the
    SHA-256 of its text and which occurrence of that text in the file it is; a
    line whose (hash, occurrence) an earlier import already signed is skipped,
    so importing the same file twice (or a longer version of it) adds only what
    is new. All new lines are written or none.
    """
    checked = [validate(e) for e in entries]
    ids: list[int] = []
    skipped = 0
    with binder.write():
        uuid = _incident_uuid(binder, incident_id)
        seen = _imported_keys(binder, incident_id)
        head = _head(binder, incident_id, uuid)
        for new in checked:
            key = _import_key(new)
            if key is not None and key in seen:
                skipped += 1
                continue
            entry_id, head = _insert(binder, incident_id, uuid, author, new, head)
            ids.append(entry_id)
            if key is not None:
                seen.add(key)
    return ImportResult(tuple(ids), skipped)


def _cosign_in_tx(binder: Binder, entry_id: int, witness: SigningSession,
                  meaning: str = WITNESS) -> int:
    row = binder.conn.execute(
        "SELECT hash, author FROM entry WHERE id = ?", (entry_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"there is no journal entry {entry_id}; see `binder journal list`")
    entry_hash, author = row
    check_two_people(author, witness)
    already = binder.conn.execute(
        "SELECT 1 FROM cosign WHERE entry_id = ? AND witness = ? COLLATE NOCASE",
        (entry_id, witness.person),
    ).fetchone()
    if already:
        raise BadInput(f"{witness.identity.name} has already co-signed entry {entry_id}")
    signed_at = utc_now()
    doc = cosign_document(
        entry_hash=entry_hash, witness=witness.person, cert=witness.signer.fingerprint,
        signed_at=signed_at, meaning=check_meaning(meaning, COSIGN_MEANINGS),
    )
    canonical = canonical_bytes(doc)
    cur = binder.conn.execute(
        """INSERT INTO cosign (entry_id, entry_hash, witness, cert_fingerprint, signed_at,
               canonical, signature, meaning) VALUES (?,?,?,?,?,?,?,?)""",
        (entry_id, entry_hash, witness.person, witness.signer.fingerprint, signed_at, canonical,
         witness.sign(canonical), meaning),
    )
    return int(cur.lastrowid)


def cosign(binder: Binder, entry_id: int, witness: SigningSession, *,
           meaning: str = WITNESS) -> int:
    """A second person co-signs an existing entry (as witness, review or approval);
    returns the co-signature id."""
    check_meaning(meaning, COSIGN_MEANINGS)
    with binder.write():
        return _cosign_in_tx(binder, entry_id, witness, meaning)


def correct(binder: Binder, entry_id: int, author: SigningSession, text: str, reason: str,
            *, occurred_at: str | None = None) -> int:
    """Append a correction of ``entry_id``; the original stays as it was.

    The correction stands for the same moment as the original (its stated
    event time) unless ``occurred_at`` says the original had the time wrong.
    """
    incident_id, _ = _entry_hash(binder, entry_id)
    if not reason.strip():
        raise BadInput("a correction needs a reason: say why the original was wrong")
    original = get_entry(binder, entry_id)
    return append(
        binder, incident_id, author,
        NewEntry(text=text, kind="correction", reason=reason, corrects=entry_id,
                 phase=original.phase, occurred_at=occurred_at or original.occurred_at),
    )


_ENTRY_COLUMNS = """id, incident_id, seq, recorded_at, occurred_at, author, cert_fingerprint, kind,
    phase, text, reason, corrects, evidence_id, source, assets, data, prev_hash, hash, signature"""


def _row_to_entry(row: Sequence[Any]) -> Entry:
    values = list(row)
    try:
        values[15] = json.loads(values[15]) if values[15] else {}
    except ValueError:
        values[15] = {}
    return Entry(*values)


def get_entry(binder: Binder, entry_id: int) -> Entry:
    """One entry by its id."""
    row = binder.conn.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM entry WHERE id = ?", (entry_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"there is no journal entry {entry_id}; see `binder journal list`")
    return _row_to_entry(row)


def count_entries(binder: Binder, incident_id: int) -> int:
    """How many entries an incident has."""
    return binder.conn.execute(
        "SELECT count(*) FROM entry WHERE incident_id = ?", (incident_id,)
    ).fetchone()[0]


def check_order(order: str) -> str:
    """``entry`` or ``event``; :class:`BadInput` otherwise."""
    if order not in ORDERS:
        raise BadInput(f"unknown order {order!r}; use event (when it happened) or entry (when written)")
    return order


def _order_sql(order: str, *, kinds: bool = False) -> str:
    if check_order(order) == "event":
        return f" ORDER BY {EVENT_SQL}, seq"
    # "+seq": let SQLite find the few entries of these kinds through the kind index
    # and sort them, instead of walking the whole journal in seq order.
    return " ORDER BY +seq" if kinds else " ORDER BY seq"


def iter_entries(
    binder: Binder, incident_id: int, *, kinds: Iterable[str] | None = None, order: str = "entry",
) -> Iterator[Entry]:
    """Every entry of an incident, streamed: in chain order, or by event time (``order="event"``).

    By event time, entries stating the same moment keep their chain order.
    """
    sql = f"SELECT {_ENTRY_COLUMNS} FROM entry WHERE incident_id = ?"
    params: list[Any] = [incident_id]
    if kinds is not None:
        kinds = list(kinds)
        sql += f" AND kind IN ({','.join('?' * len(kinds))})"
        params += kinds
    for row in binder.conn.execute(sql + _order_sql(order, kinds=kinds is not None), params):
        yield _row_to_entry(row)


def _query_sql(query: str) -> tuple[str, list[Any]]:
    # A plain substring search (case-insensitive for ASCII) over what a reader sees;
    # LIKE's wildcards in the user's text are escaped so "50%" means 50%.
    if not query.strip():
        return "", []
    like = "%" + query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    cols = ("text", "reason", "author", "kind", "coalesce(phase, '')")
    return " AND (" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in cols) + ")", [like] * len(cols)


def count_matching(binder: Binder, incident_id: int, query: str = "") -> int:
    """How many entries of an incident contain ``query`` (all of them for an empty query)."""
    where, params = _query_sql(query)
    return binder.conn.execute(
        f"SELECT count(*) FROM entry WHERE incident_id = ?{where}", [incident_id, *params]
    ).fetchone()[0]


def page(
    binder: Binder, incident_id: int, offset: int, limit: int, *, query: str = "",
    order: str = "entry",
) -> list[EntryView]:
    """A slice of the journal with co-signers and corrections, for lazy table models.

    With ``query``, only entries whose text, reasoning, author, kind or phase
    contain it; ``offset`` then counts matching entries. ``order="event"``
    sorts by when things happened instead of when they were written.
    """
    where, params = _query_sql(query)
    rows = binder.conn.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM entry WHERE incident_id = ?{where}{_order_sql(order)}"
        " LIMIT ? OFFSET ?",
        (incident_id, *params, limit, offset),
    ).fetchall()
    entries = [_row_to_entry(r) for r in rows]
    if not entries:
        return []
    ids = [e.id for e in entries]
    marks = ",".join("?" * len(ids))
    cos: dict[int, list[CosignMark]] = {}
    for entry_id, witness, fp, signed_at, meaning in binder.conn.execute(
        f"SELECT entry_id, witness, cert_fingerprint, signed_at, meaning FROM cosign "
        f"WHERE entry_id IN ({marks}) ORDER BY id", ids
    ):
        cos.setdefault(entry_id, []).append(CosignMark(witness, fp, signed_at, meaning))
    fixes: dict[int, list[int]] = {}
    for fix_id, target in binder.conn.execute(
        f"SELECT id, corrects FROM entry WHERE corrects IN ({marks})", ids
    ):
        fixes.setdefault(target, []).append(fix_id)
    return [
        EntryView(e, tuple(m.witness for m in cos.get(e.id, ())), tuple(fixes.get(e.id, ())),
                  tuple(cos.get(e.id, ())))
        for e in entries
    ]


def cosigns_for(binder: Binder, entry_id: int) -> list[Cosign]:
    """The co-signatures of one entry."""
    rows = binder.conn.execute(
        """SELECT id, entry_id, entry_hash, witness, cert_fingerprint, signed_at, signature,
                  meaning FROM cosign WHERE entry_id = ? ORDER BY id""",
        (entry_id,),
    ).fetchall()
    return [Cosign(*r) for r in rows]


def head_hash(binder: Binder, incident_id: int) -> str:
    """The hash of the incident's last entry (what a report pins)."""
    return _head(binder, incident_id, _incident_uuid(binder, incident_id))[1]


#: An import line holds at most one entry's text and reasoning.
MAX_IMPORT_LINE = 4 * MAX_TEXT
MAX_IMPORT_DEPTH = 8


#: A notes file for `journal import`: far more than anyone types, far less than memory.
MAX_IMPORT_BYTES = 64 * 1024 * 1024


def read_import_file(path: str | os.PathLike[str]) -> list[str]:
    """The lines of a JSON-lines notes file: a regular file of at most :data:`MAX_IMPORT_BYTES`.

    A named pipe, a device such as ``/dev/zero`` or a folder is refused at once
    without reading it (:class:`BadInput`), as is a file that is too large or
    not UTF-8.
    """
    data = read_input_file(path, what="import file", limit=MAX_IMPORT_BYTES)
    try:
        # utf-8-sig: editors on Windows start UTF-8 files with a byte-order mark.
        return data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path} is not UTF-8 text (byte {exc.start}); nothing was imported") from None


def parse_import_lines(lines: Iterable[str]) -> list[NewEntry]:
    """Parse JSON-lines notes; a bad line raises :class:`BadInput` naming its number."""
    out: list[NewEntry] = []
    allowed = {"text", "reason", "kind", "occurred_at"}
    occurrences: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(line) > MAX_IMPORT_LINE:
            raise BadInput(f"line {number}: longer than {MAX_IMPORT_LINE} characters; "
                           "nothing was imported")
        depth = json_depth(line)
        if depth > MAX_IMPORT_DEPTH:
            raise BadInput(f"line {number}: nested {depth} levels deep (an import line is one flat "
                           "JSON object); nothing was imported")
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as exc:
            msg = getattr(exc, "msg", "too deeply nested")
            raise BadInput(f"line {number}: not valid JSON ({msg}); nothing was imported") from None
        if not isinstance(obj, dict):
            raise BadInput(f"line {number}: expected a JSON object with \"text\"; nothing was imported")
        unknown = set(obj) - allowed
        if unknown:
            raise BadInput(
                f"line {number}: unknown field {sorted(unknown)[0]!r} (allowed: text, reason, kind, "
                "occurred_at); nothing was imported"
            )
        if not all(isinstance(obj.get(k, ""), str) for k in ("text", "reason", "kind")) or (
            obj.get("occurred_at") is not None and not isinstance(obj["occurred_at"], str)
        ):
            raise BadInput(f"line {number}: every field must be a string; nothing was imported")
        kind = obj.get("kind", "note")
        if kind not in USER_KINDS:
            raise BadInput(
                f"line {number}: kind {kind!r} is not one of {', '.join(USER_KINDS)}; nothing was imported"
            )
        # Which line this is, signed with the entry: a second import of the same
        # file recognises it (the n-th copy of one text is the n-th occurrence).
        digest = hashlib.sha256(line.strip().encode("utf-8", "surrogatepass")).hexdigest()
        occurrence = occurrences.get(digest, 0)
        occurrences[digest] = occurrence + 1
        mark = {"line": number, "line_sha256": digest, "occurrence": occurrence}
        try:
            out.append(
                validate(
                    NewEntry(
                        text=obj.get("text", ""), reason=obj.get("reason", ""), kind=kind,
                        occurred_at=obj.get("occurred_at"), data={"imported": mark},
                    )
                )
            )
        except BadInput as exc:
            raise BadInput(f"line {number}: {exc}; nothing was imported") from None
    if not out:
        raise BadInput("the file holds no entries; nothing was imported")
    return out
