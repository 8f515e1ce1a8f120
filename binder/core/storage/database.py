"""The binder file: one SQLite database, opened carefully.

A binder is an SQLite file in WAL mode with ``synchronous=FULL`` (a commit is on
disk before the call returns), our ``application_id`` and a ``user_version`` that
counts the forward migrations applied. Every refusal (missing, not SQLite, not a
binder, newer, read-only, in use) is a :class:`~binder.core.errors.BinderError` with one
clear line, and none of them writes anything.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import uuid as uuidlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from binder.core.errors import (
    AlreadyExists,
    BinderError,
    BinderInUse,
    NotABinder,
    ReadOnlyBinder,
    StorageFull,
    UnsupportedFormat,
)

if TYPE_CHECKING:
    import sqlite_utils
    from sqlite_utils.migrations import Migrations

APPLICATION_ID = 0x49424E44  # "IBND": lets `file` and we tell a binder from other SQLite files
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 3000  # how long a second writer waits before "binder in use"



class LazyMigrations:
    """sqlite-utils' Migrations, declared the same way and built on first use.

    Importing sqlite_utils takes longer than a short command's whole work, and
    only creating a binder or upgrading an old one needs the migrations; opening
    a current binder compares ``user_version`` with :data:`SCHEMA_VERSION`.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._steps: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = []

    def __call__(self, *, name: str) -> Callable:
        """Register the decorated function as the next migration, called ``name``."""
        def register(fn: Callable[[sqlite_utils.Database], None]):
            self._steps.append((name, fn))
            return fn

        return register

    def __len__(self) -> int:
        return len(self._steps)

    def names(self) -> list[str]:
        """The migrations' names, in order."""
        return [name for name, _ in self._steps]

    @cached_property
    def migrations(self) -> Migrations:
        """The sqlite-utils Migrations holding every registered step."""
        from sqlite_utils.migrations import Migrations

        built = Migrations(self.name)
        for name, fn in self._steps:
            built(name=name)(fn)
        return built

    def apply(self, db: sqlite_utils.Database, *, stop_before: str | None = None) -> None:
        """Apply the pending migrations (up to ``stop_before``)."""
        self.migrations.apply(db, stop_before=stop_before)

    def applied(self, db: sqlite_utils.Database) -> list:
        """The migrations already applied to ``db``."""
        return self.migrations.applied(db)


MIGRATIONS = LazyMigrations("incident-binder")

# Tables whose rows are history: once written, never updated or deleted.
HISTORY_TABLES = (
    "plan_revision",
    "contact_revision",
    "signer",
    "certificate",
    "incident",
    "entry",
    "cosign",
    "log_leaf",
    "checkpoint",
    "timestamp_token",
    "signer_contact",
)


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _history_triggers(db: sqlite_utils.Database, tables: tuple[str, ...]) -> None:
    for table in tables:
        for action in ("UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} "
                f"BEFORE {action} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, '{table} is append-only history'); END"
            )


@MIGRATIONS(name="m001_initial")
def m001_initial(db: sqlite_utils.Database) -> None:
    """The first released schema."""
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        -- Wrapped copies of the data key: passphrase, OS keyring, recovery code.
        CREATE TABLE keyslot (
            kind TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            envelope BLOB NOT NULL
        );
        CREATE TABLE plan (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        );
        CREATE TABLE plan_revision (
            id INTEGER PRIMARY KEY,
            plan_id INTEGER NOT NULL REFERENCES plan(id),
            number INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            author TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            content TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            UNIQUE (plan_id, number)
        );
        CREATE TABLE contact (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL
        );
        -- Every edit of a contact is a new revision; sensitive columns hold
        -- AES-GCM ciphertext bound to (table, column, row, key version).
        CREATE TABLE contact_revision (
            id INTEGER PRIMARY KEY,
            contact_id TEXT NOT NULL REFERENCES contact(id),
            revision INTEGER NOT NULL,
            recorded_at TEXT NOT NULL,
            role TEXT NOT NULL,
            escalation INTEGER NOT NULL DEFAULT 1,
            external INTEGER NOT NULL DEFAULT 0,
            removed INTEGER NOT NULL DEFAULT 0,
            key_version INTEGER NOT NULL DEFAULT 1,
            name BLOB, email BLOB, phone BLOB, im BLOB, notes BLOB, sla BLOB,
            UNIQUE (contact_id, revision)
        );
        CREATE TABLE root (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            created_at TEXT NOT NULL,
            cert_der BLOB NOT NULL,
            key_envelope BLOB NOT NULL
        );
        CREATE TABLE signer (
            id INTEGER PRIMARY KEY,
            person TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE TABLE certificate (
            fingerprint TEXT PRIMARY KEY,
            signer_id INTEGER NOT NULL REFERENCES signer(id),
            created_at TEXT NOT NULL,
            cert_der BLOB NOT NULL,
            key_envelope BLOB NOT NULL
        );
        CREATE TABLE incident (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            detected_at TEXT NOT NULL,
            type TEXT NOT NULL,
            severity TEXT NOT NULL,
            drill INTEGER NOT NULL DEFAULT 0,
            plan_revision_id INTEGER REFERENCES plan_revision(id),
            opened_at TEXT NOT NULL,
            opened_by TEXT NOT NULL
        );
        CREATE TABLE entry (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incident(id),
            seq INTEGER NOT NULL,
            recorded_at TEXT NOT NULL,
            occurred_at TEXT,
            author TEXT NOT NULL,
            cert_fingerprint TEXT NOT NULL,
            kind TEXT NOT NULL,
            phase TEXT,
            text TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            corrects INTEGER,
            evidence_id INTEGER,
            source TEXT NOT NULL DEFAULT '',
            assets TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL DEFAULT '{}',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            canonical BLOB NOT NULL,
            signature BLOB NOT NULL,
            UNIQUE (incident_id, seq)
        );
        CREATE TABLE cosign (
            id INTEGER PRIMARY KEY,
            entry_id INTEGER NOT NULL REFERENCES entry(id),
            entry_hash TEXT NOT NULL,
            witness TEXT NOT NULL,
            cert_fingerprint TEXT NOT NULL,
            signed_at TEXT NOT NULL,
            canonical BLOB NOT NULL,
            signature BLOB NOT NULL
        );
        CREATE INDEX entry_incident_seq ON entry (incident_id, seq);
        CREATE INDEX cosign_entry ON cosign (entry_id);
        """
    )
    _history_triggers(
        db,
        (
            "plan_revision",
            "contact_revision",
            "signer",
            "certificate",
            "incident",
            "entry",
            "cosign",
        ),
    )


@MIGRATIONS(name="m002_access_drafts_evidence")
def m002_access_drafts_evidence(db: sqlite_utils.Database) -> None:
    """Who had access, unsent drafts, the evidence index and readiness records."""
    db.executescript(
        """
        -- Every unlock and signer session: the plan asks that everyone with
        -- access be noted throughout the response.
        CREATE TABLE access_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            who TEXT NOT NULL,
            host TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        -- A draft is scratch space, not history: it is overwritten as the lead types.
        CREATE TABLE draft (
            incident_id INTEGER PRIMARY KEY REFERENCES incident(id),
            updated_at TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT ''
        );
        -- Evidence items; the signed facts live in the registering journal entry.
        CREATE TABLE evidence (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incident(id),
            entry_id INTEGER NOT NULL REFERENCES entry(id),
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            path TEXT NOT NULL,
            description TEXT NOT NULL
        );
        CREATE TABLE readiness (
            id INTEGER PRIMARY KEY,
            prerequisite TEXT NOT NULL,
            done_at TEXT NOT NULL,
            done_by TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE INDEX evidence_incident ON evidence (incident_id);
        CREATE INDEX entry_kind ON entry (incident_id, kind);
        """
    )
    _history_triggers(db, ("access_log", "evidence", "readiness"))


@MIGRATIONS(name="m003_journal_indexes")
def m003_journal_indexes(db: sqlite_utils.Database) -> None:
    """Indexes that keep the app fast on journals of 100k entries.

    Reading one kind of entry in chain order (phases, clocks, closing) and
    finding the corrections of a page of entries would otherwise scan the
    whole journal.
    """
    db.executescript(
        """
        CREATE INDEX IF NOT EXISTS entry_kind_seq ON entry (incident_id, kind, seq);
        CREATE INDEX IF NOT EXISTS entry_corrects ON entry (corrects);
        """
    )


@MIGRATIONS(name="m004_checkpoints")
def m004_checkpoints(db: sqlite_utils.Database) -> None:
    """One append order over every signed record, and the checkpoints that pin it.

    ``log_leaf`` gives every journal entry and co-signature of every incident
    its place in one global sequence (the leaves of the Merkle tree that
    checkpoints sign); triggers add the place in the same transaction as the
    record, whichever code path writes it. Records that already exist are
    placed by the time they were written, entries before the co-signatures
    of the same moment.
    """
    db.executescript(
        """
        CREATE TABLE log_leaf (
            position INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('entry', 'cosign')),
            row_id INTEGER NOT NULL,
            UNIQUE (kind, row_id)
        );
        INSERT INTO log_leaf (kind, row_id)
            SELECT kind, id FROM (
                SELECT 'entry' AS kind, id, recorded_at AS at, 0 AS rank FROM entry
                UNION ALL
                SELECT 'cosign', id, signed_at, 1 FROM cosign
            ) ORDER BY at, rank, id;
        CREATE TRIGGER entry_log_leaf AFTER INSERT ON entry BEGIN
            INSERT INTO log_leaf (kind, row_id) VALUES ('entry', NEW.id);
        END;
        CREATE TRIGGER cosign_log_leaf AFTER INSERT ON cosign BEGIN
            INSERT INTO log_leaf (kind, row_id) VALUES ('cosign', NEW.id);
        END;
        -- A signed note pins (tree size, root) of log_leaf at one moment; the
        -- columns repeat what the note says, for listing, and verify compares them.
        CREATE TABLE checkpoint (
            id INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            tree_size INTEGER NOT NULL,
            root_hash TEXT NOT NULL,
            note TEXT NOT NULL,
            maker TEXT NOT NULL,
            witness TEXT,
            occasion TEXT NOT NULL DEFAULT '',
            incident_id INTEGER
        );
        """
    )
    _history_triggers(db, ("log_leaf", "checkpoint"))


@MIGRATIONS(name="m005_timestamps")
def m005_timestamps(db: sqlite_utils.Database) -> None:
    """RFC 3161 tokens of checkpoints, and signed reports waiting for a document timestamp.

    A token is history (kept as the authority sent it, with its certificates).
    ``report_anchor`` is a queue, not history: a row moves from pending to
    anchored (or changed, when the file no longer is the one signed).
    """
    db.executescript(
        """
        CREATE TABLE timestamp_token (
            id INTEGER PRIMARY KEY,
            checkpoint_id INTEGER NOT NULL REFERENCES checkpoint(id),
            tsa_url TEXT NOT NULL,
            obtained_at TEXT NOT NULL,
            gen_time TEXT NOT NULL,
            token BLOB NOT NULL,
            chain TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX timestamp_token_checkpoint ON timestamp_token (checkpoint_id);
        CREATE TABLE report_anchor (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            incident_id INTEGER,
            queued_at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'anchored', 'changed')),
            tsa_url TEXT,
            anchored_at TEXT
        );
        """
    )
    _history_triggers(db, ("timestamp_token",))


@MIGRATIONS(name="m006_registers_and_search")
def m006_registers_and_search(db: sqlite_utils.Database) -> None:
    """The full-text search index over every journal (and so every register).

    The registers themselves are journal entries and need no table. The index
    is derived: made here from the journal already in the binder, kept up to
    date by the journal's append (in the same transaction), checked by `verify`.
    """
    db.executescript(
        """
        CREATE VIRTUAL TABLE IF NOT EXISTS entry_fts USING fts5(
            text, reason, kind, author, phase, incident_id,
            content='entry', content_rowid='id',
            tokenize = 'unicode61 remove_diacritics 2');
        INSERT INTO entry_fts(entry_fts) VALUES ('rebuild');
        """
    )


@MIGRATIONS(name="m007_event_time_order")
def m007_event_time_order(db: sqlite_utils.Database) -> None:
    """Read a journal by when things happened as fast as by when they were written.

    An entry's event time is its stated ``occurred_at`` (kept as typed, with its
    zone offset) or else its ``recorded_at``; ``julianday`` turns either into
    one comparable moment. An index on that expression, not a new column: the
    journal is append-only history, and old entries keep their stored times.
    """
    db.executescript(
        """
        CREATE INDEX IF NOT EXISTS entry_event_order
            ON entry (incident_id, julianday(coalesce(occurred_at, recorded_at)), seq);
        """
    )


@MIGRATIONS(name="m008_roster_binding")
def m008_roster_binding(db: sqlite_utils.Database) -> None:
    """Bind each contact revision's clear fields and its place in the history.

    ``aad_version`` says how a revision's encrypted cells were sealed: 1 for
    revisions written before this migration (associated data names table,
    column, row and key version only), 2 from now on (role, escalation order,
    external and removed flags and the previous revision's digest too). Old rows
    cannot be re-sealed here: a migration runs before the binder is unlocked.
    ``roster_head`` holds which revision of each contact is the newest, under a
    MAC made with the data key (written at the first unlock of an old binder).
    """
    db.executescript(
        """
        ALTER TABLE contact_revision ADD COLUMN aad_version INTEGER NOT NULL DEFAULT 1;
        CREATE TABLE roster_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            updated_at TEXT NOT NULL,
            listing TEXT NOT NULL,
            mac BLOB NOT NULL
        );
        """
    )


@MIGRATIONS(name="m009_signer_contacts")
def m009_signer_contacts(db: sqlite_utils.Database) -> None:
    """A signer is a roster contact: which contact each signing key belongs to.

    People enrolled from now on are linked when they enrol (and their
    certificate names the contact). Signers enrolled before have no contact
    yet, and making one means writing encrypted roster values, which needs the
    data key a migration does not have: the roster links them the first time
    it is used unlocked (:func:`binder.core.roster.adopt_signers`), all in one
    transaction. ``how`` says which: enrolled, matched (an existing contact of
    the same name) or created.
    """
    db.executescript(
        """
        CREATE TABLE signer_contact (
            signer_id INTEGER PRIMARY KEY REFERENCES signer(id),
            contact_id TEXT NOT NULL UNIQUE REFERENCES contact(id),
            linked_at TEXT NOT NULL,
            how TEXT NOT NULL CHECK (how IN ('enrolled', 'matched', 'created'))
        );
        """
    )
    _history_triggers(db, ("signer_contact",))


@MIGRATIONS(name="m010_signature_meanings")
def m010_signature_meanings(db: sqlite_utils.Database) -> None:
    """What each co-signature means: witness, review or approval (21 CFR 11.50).

    The meaning is signed inside the co-signature's canonical bytes (version 2);
    the column repeats it for listing, and `verify` compares the two. Every
    co-signature written before meant "witness", which is what version 1 says.
    """
    db.executescript(
        """
        ALTER TABLE cosign ADD COLUMN meaning TEXT NOT NULL DEFAULT 'witness';
        """
    )


SCHEMA_VERSION = len(MIGRATIONS)


@dataclass
class Binder:
    """An open binder file. ``data_key`` is set once the binder is unlocked."""

    path: Path
    conn: sqlite3.Connection = field(repr=False)
    uuid: str
    data_key: bytes | None = field(default=None, repr=False)
    #: Signer sessions opened on this binder; locking it closes them
    #: (:func:`binder.core.crypto.session.lock_binder`).
    signer_sessions: list = field(default_factory=list, repr=False)

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the same connection, for writes (imported on first use)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn, execute_plugins=False)

    @property
    def unlocked(self) -> bool:
        """True once the data key is in memory."""
        return self.data_key is not None

    def meta(self, key: str, default: str | None = None) -> str | None:
        """A value from the binder's meta table."""
        # As bytes, decoded leniently: a damaged cell (not UTF-8, a number) must not
        # stop the binder from opening, or `verify` from naming the damage.
        row = self.conn.execute(
            "SELECT CAST(value AS BLOB) FROM meta WHERE key = ?", (key,)
        ).fetchone()
        if row is None or row[0] is None:
            return default
        return bytes(row[0]).decode("utf-8", "replace")

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """A durable write transaction.

        ``BEGIN IMMEDIATE`` takes the write lock up front, so a second writer
        waits ``BUSY_TIMEOUT_MS`` and then gets :class:`BinderInUse` before it has
        done any work. Commit happens on leaving the block; with WAL and
        ``synchronous=FULL`` the data is on disk when the block ends.
        """
        if self.conn.in_transaction:
            # Nested: become part of the caller's transaction (a savepoint).
            with self.db.atomic():
                yield self.db
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise translate_sqlite_error(exc, self.path) from None
        try:
            with self.db.atomic():
                yield self.db
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise translate_sqlite_error(exc, self.path) from None
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Close the connection; WAL content is checkpointed by SQLite."""
        self.data_key = None
        self.conn.close()

    def __enter__(self) -> Binder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def translate_sqlite_error(exc: sqlite3.Error, path: Path) -> Exception:
    """Map an SQLite failure to the error a user can act on."""
    message = str(exc).lower()
    if "locked" in message or "busy" in message:
        return BinderInUse(
            f"{path} is in use by another program (another Incident Binder window or "
            "command); close it or wait, then try again"
        )
    if "full" in message:
        return StorageFull(
            f"the disk holding {path} is full; nothing was written. Free some space and try again"
        )
    if "readonly" in message or "read-only" in message:
        return ReadOnlyBinder(f"{path} cannot be written (read-only media or no permission)")
    if "not a database" in message or "malformed" in message:
        return NotABinder(f"{path} is damaged or is not a binder file")
    if "unable to open" in message:
        # WAL needs to create -wal/-shm beside the file; this is what SQLite says
        # when the folder or those files cannot be written.
        return ReadOnlyBinder(
            f"{path} cannot be opened for writing (read-only media, or no permission on the "
            "file, its folder or its -wal/-shm files); copy it to a writable folder"
        )
    if "disk i/o error" in message:
        # A full disk often surfaces as an I/O error (the -shm cannot be sized,
        # a WAL frame cannot be written): SQLite does not pass ENOSPC on.
        with contextlib.suppress(OSError):
            if shutil.disk_usage(path.parent).free < 4 * 1024 * 1024:
                return StorageFull(
                    f"the disk holding {path} is full; nothing was written. Free some space "
                    "and try again"
                )
        return BinderError(
            f"{path} cannot be read or written (disk I/O error): the drive may be failing or "
            "was removed; copy the binder elsewhere (`binder backup`) as soon as you can"
        )
    return exc


def _connect(path: Path) -> sqlite3.Connection:
    # mode=rw: never create a file as a side effect of opening one.
    uri = path.resolve().as_uri() + "?mode=rw"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    return conn


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        raise ReadOnlyBinder("the binder cannot be switched to WAL mode (read-only media?)")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA recursive_triggers = ON")


def _check_writable(path: Path) -> None:
    # WAL needs to create -wal and -shm beside the file, so the folder must be writable too.
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise ReadOnlyBinder(
            f"{path} is on read-only media or not writable by you; copy it to a writable "
            "folder (or use `binder backup`) and open the copy"
        )


def _check_is_binder_file(path: Path) -> None:
    if not path.exists():
        raise NotABinder(f"no binder at {path}; create one with `binder init` or choose another file")
    if not path.is_file():
        raise NotABinder(f"{path} is not a file; choose a binder file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        raise NotABinder(f"{path} cannot be read: {exc.strerror}") from None
    if not head.startswith(SQLITE_MAGIC):
        raise NotABinder(f"{path} is not a binder (it is not an SQLite database)")
    app_id = int.from_bytes(head[68:72], "big")
    if app_id != APPLICATION_ID:
        raise NotABinder(f"{path} is an SQLite database but not a binder")
    user_version = int.from_bytes(head[60:64], "big")
    if user_version > SCHEMA_VERSION:
        raise UnsupportedFormat(
            f"{path} was written by a newer Incident Binder (schema {user_version}; this "
            f"version reads up to {SCHEMA_VERSION}); install the newer version to open it"
        )


def open_binder(path: str | os.PathLike[str], *, require_identity: bool = True) -> Binder:
    """Open an existing binder, applying pending forward migrations.

    Refuses (with one clear line, writing nothing) a missing path, a folder, a
    file that is not SQLite, an SQLite file that is not a binder, a binder from
    a newer version, and a binder on read-only media. ``require_identity=False``
    (for `verify`, which must answer every binder) opens one whose identity is
    gone from its meta table; ``uuid`` is then empty and verify names it.
    """
    path = Path(path).expanduser()
    _check_is_binder_file(path)
    _check_writable(path)
    conn: sqlite3.Connection | None = None
    try:
        conn = _connect(path)
        _configure(conn)
        binder = Binder(path=path, conn=conn, uuid="")
        _migrate(binder)
        binder.uuid = binder.meta("uuid") or ""
    except BaseException as exc:
        # Closing lets SQLite remove the -wal/-shm it created: a refusal leaves no trace.
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        if isinstance(exc, sqlite3.Error):
            raise translate_sqlite_error(exc, path) from None
        raise
    if not binder.uuid and require_identity:
        binder.close()
        raise NotABinder(f"{path} is an incomplete binder (no identity); it was never finished")
    return binder


def _migrate(binder: Binder) -> None:
    conn = binder.conn
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        # The file header can lag behind the WAL (a newer version migrated it and
        # was killed before a checkpoint), so the header check alone is not enough.
        binder.close()
        raise UnsupportedFormat(
            f"{binder.path} was written by a newer Incident Binder (schema {current}; this "
            f"version reads up to {SCHEMA_VERSION}); install the newer version to open it"
        )
    if current == SCHEMA_VERSION:
        return
    # One write transaction: a crash leaves the old schema or the new one, and a
    # second process opening the same old binder waits instead of migrating twice.
    with binder.write():
        MIGRATIONS.apply(binder.db)
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS.applied(binder.db))}")


def check_new_binder_path(path: str | os.PathLike[str]) -> Path:
    """Where a new binder may be created (``~`` expanded), or :class:`AlreadyExists` when
    anything is there: a file, a folder, even a dangling symbolic link.

    Both doors call it before asking for a passphrase; :func:`create_binder` checks again.
    """
    path = Path(path).expanduser()
    if path.exists() or path.is_symlink():
        raise AlreadyExists(f"{path} already exists; refusing to overwrite it (choose a new name)")
    return path


def create_binder(
    path: str | os.PathLike[str], *, org: str = "", stop_before: str | None = None
) -> Binder:
    """Create a new, empty binder at ``path``; refuses to overwrite anything.

    ``stop_before`` exists for tests that build a binder at an older schema.
    """
    path = check_new_binder_path(path)
    if not path.parent.exists():
        raise NotABinder(f"the folder {path.parent} does not exist; create it first")
    if not os.access(path.parent, os.W_OK):
        raise ReadOnlyBinder(f"cannot create a binder in {path.parent}: the folder is not writable")
    try:
        # O_EXCL: two `init`s racing for one path cannot both win.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    except FileExistsError:
        raise AlreadyExists(f"{path} already exists; refusing to overwrite it") from None
    try:
        conn = _connect(path)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        _configure(conn)
        binder = Binder(path=path, conn=conn, uuid=str(uuidlib.uuid4()))
        MIGRATIONS.apply(binder.db, stop_before=stop_before)
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS.applied(binder.db))}")
        with binder.write() as w:
            w["meta"].insert_all(
                [
                    {"key": "uuid", "value": binder.uuid},
                    {"key": "org", "value": org},
                    {"key": "created_at", "value": utc_now()},
                ]
            )
    except BaseException:
        # A half-made binder is worse than none: remove it and its WAL.
        with contextlib.suppress(Exception):
            conn.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{path}{suffix}")
        raise
    return binder
