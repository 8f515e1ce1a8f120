"""What `verify` found: each problem named by incident, entry and cause, and the totals.

Every checker (journal chains, plan revisions, evidence, comparisons with an
earlier export) adds to one :class:`VerifyReport`; the doors print it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing verification found wrong."""

    incident: int | None
    entry: int | None  # the entry's number (seq) within its incident
    code: str
    message: str

    def __str__(self) -> str:
        where = []
        if self.incident is not None:
            where.append(f"incident {self.incident}")
        if self.entry is not None:
            where.append(f"entry {self.entry}")
        return f"{', '.join(where) or 'binder'}: {self.message}"


@dataclass
class VerifyReport:
    """What `verify` checked and what it found."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    incidents: int = 0
    entries: int = 0
    signatures: int = 0
    evidence_files: int = 0
    heads: dict[int, str] = field(default_factory=dict)
    #: Compare out of band (report, paper copy): a wholly replaced root re-signing
    #: everything is only caught this way.
    root_fingerprint: str | None = None

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def add(self, incident: int | None, entry: int | None, code: str, message: str) -> None:
        """Record a problem."""
        self.problems.append(Problem(incident, entry, code, message))

    def to_json(self) -> dict:
        """A machine-readable form for `verify --json`."""
        return {
            "ok": self.ok,
            "incidents": self.incidents,
            "entries": self.entries,
            "signatures": self.signatures,
            "evidence_files": self.evidence_files,
            "heads": {str(k): v for k, v in self.heads.items()},
            "root_fingerprint": self.root_fingerprint,
            "problems": [asdict(p) | {"text": str(p)} for p in self.problems],
            "notes": self.notes,
        }
