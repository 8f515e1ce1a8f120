"""Search over every journal, attacker timeline and indicator of the binder (SQLite FTS5).

The index (``entry_fts``) is an FTS5 table whose content is the ``entry`` table
itself (external content): it keeps only the inverted index of each entry's
text and reasoning, and of its kind, author, phase and incident (so that the
filters are part of the index query: a common word with a rare author meets
in the index instead of walking every match), written in the same
transaction as the entry (by :func:`binder.core.incident.journal.append`).
Register entries carry their facts in their text (an indicator's value, an
event's asset and technique), so one index covers the journal and the
registers. It is derived data: :func:`rebuild_index` makes it again from the
journal, and `verify` runs FTS5's own integrity check, which compares the index
with the signed entries it was made from.

A query is a list of words and "quoted phrases"; every one must occur. Words
are matched as whole tokens, the last one also as a prefix (``skim`` finds
``skimmer``); ``evil-cdn.example`` or ``203.0.113.7`` match as phrases of
their parts, since the tokenizer splits on punctuation.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from binder.core.errors import BadInput
from binder.core.incident import journal
from binder.core.storage.database import Binder

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
MAX_QUERY = 500
_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Hit:
    """One matching entry."""

    entry_id: int
    incident_id: int
    incident_title: str
    seq: int
    kind: str
    phase: str | None
    author: str
    recorded_at: str
    occurred_at: str | None
    text: str
    reason: str
    hash: str
    snippet: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values."""
        return dict(self.__dict__)


def fts_query(query: str) -> str:
    """The FTS5 expression for what a person typed (never FTS5 syntax from them).

    Each word or quoted phrase becomes a quoted phrase of its word tokens, so
    operators, column filters and stray quotes in the input mean nothing; the
    last word also matches as a prefix.
    """
    if not isinstance(query, str) or not query.strip():
        raise BadInput("the search is empty; type a word, a value or a \"quoted phrase\"")
    if len(query) > MAX_QUERY:
        raise BadInput(f"the search is longer than {MAX_QUERY} characters; shorten it")
    journal.check_text(query, "search")
    parts: list[str] = []
    matches = list(_TOKEN.finditer(query))
    for n, match in enumerate(matches):
        quoted = match.group(1) is not None
        words = _WORD.findall(match.group(1) if quoted else match.group(2))
        if not words:
            continue
        phrase = '"' + " ".join(words) + '"'
        if not quoted and n == len(matches) - 1:
            phrase += " *"
        parts.append(phrase)
    if not parts:
        raise BadInput("the search has no letters or digits to look for")
    return " AND ".join(parts)


def _phrase(value: str) -> str:
    words = _WORD.findall(value)
    if not words:
        raise BadInput(f"{value!r} has no letters or digits to look for")
    return '"' + " ".join(words) + '"'


def search(
    binder: Binder,
    query: str,
    *,
    incident_id: int | None = None,
    kinds: Sequence[str] | None = None,
    phase: str | None = None,
    person: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> list[Hit]:
    """Entries matching ``query``, newest first, with optional filters.

    ``kinds`` limits to entry kinds (``timeline``, ``ioc``, ``decision`` ...);
    ``person`` to an author; ``since``/``until`` (ISO 8601) to when it happened
    (or was recorded, for entries without an occurred-at time).
    """
    expression = fts_query(query)
    if not 0 < limit <= MAX_LIMIT:
        raise BadInput(f"the limit must be between 1 and {MAX_LIMIT}")
    # Words match text and reasoning only; filters are index terms of their own columns,
    # then checked exactly against the entry (a phase "contain" must not match
    # "contain_more").
    terms = ["{text reason} : (" + expression + ")"]
    where: list[str] = []
    params: list[Any] = []
    if incident_id is not None:
        terms.append(f'incident_id : "{int(incident_id)}"')
        where.append("e.incident_id = ?")
        params.append(incident_id)
    if kinds:
        unknown = [k for k in kinds if k not in journal.KINDS]
        if unknown:
            raise BadInput(f"unknown kind {unknown[0]!r}; use one of {', '.join(journal.KINDS)}")
        terms.append("kind : (" + " OR ".join(f'"{k}"' for k in kinds) + ")")
        where.append(f"e.kind IN ({','.join('?' * len(kinds))})")
        params += list(kinds)
    if phase and phase.strip():
        terms.append(f"phase : {_phrase(phase)}")
        where.append("e.phase = ?")
        params.append(phase.strip())
    if person and person.strip():
        terms.append(f"author : {_phrase(person)}")
        where.append("e.author = ? COLLATE NOCASE")
        params.append(person.strip())
    # Stated times keep their offsets: compare moments, not text.
    at = "julianday(coalesce(e.occurred_at, e.recorded_at))"
    if since:
        where.append(f"{at} >= julianday(?)")
        params.append(journal.parse_time(since, "--from time"))
    if until:
        where.append(f"{at} <= julianday(?)")
        params.append(journal.parse_time(until, "--to time"))
    match = " AND ".join(terms)
    sql = (
        "SELECT e.id, e.incident_id, i.title, e.seq, e.kind, e.phase, e.author, e.recorded_at, "
        "e.occurred_at, e.text, e.reason, e.hash, "
        # Column 0 (the text): the filter columns match too, and must not be the snippet.
        "snippet(entry_fts, 0, '[', ']', '…', 12) "
        "FROM entry_fts JOIN entry e ON e.id = entry_fts.rowid "
        "JOIN incident i ON i.id = e.incident_id "
        "WHERE entry_fts MATCH ?" + "".join(f" AND {w}" for w in where)
        + " ORDER BY entry_fts.rowid DESC LIMIT ? OFFSET ?"
    )
    try:
        # The index hands out matches newest first and stops at the page: the cost
        # follows the page, not how common the words are.
        rows = binder.conn.execute(sql, [match, *params, limit, max(0, offset)]).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc) or "no such column" in str(exc):
            raise BadInput("this binder has no search index; rebuild it with "
                           "`binder search --rebuild`") from None
        raise
    return [Hit(*row) for row in rows]


def rebuild_index(binder: Binder) -> int:
    """Make the search index again from the journal; returns how many entries it covers."""
    with binder.write():
        binder.conn.execute(_CREATE_FTS)
        binder.conn.execute("INSERT INTO entry_fts(entry_fts) VALUES ('rebuild')")
    return binder.conn.execute("SELECT count(*) FROM entry").fetchone()[0]


_CREATE_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS entry_fts USING fts5("
    "text, reason, kind, author, phase, incident_id, content='entry', content_rowid='id', "
    "tokenize = 'unicode61 remove_diacritics 2')"
)


def check_index(binder: Binder) -> tuple[str | None, str | None]:
    """(what is wrong, or None; a note when the check could not run now)."""
    conn = binder.conn
    present = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'entry_fts'").fetchone()
    if not present:
        return "the search index is missing", None
    note = None
    outside = not conn.in_transaction
    try:
        # rank = 1: compare the index with the content (the signed entries), not only
        # with itself. The command changes nothing, but SQLite runs it as a write.
        conn.execute("INSERT INTO entry_fts(entry_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            return None, "search index not checked: another program is writing to the binder"
        return f"the search index cannot be read ({exc})", None
    except sqlite3.DatabaseError:
        return "the search index does not match the journal", None
    finally:
        if outside and conn.in_transaction:
            conn.execute("ROLLBACK")
    return None, note

