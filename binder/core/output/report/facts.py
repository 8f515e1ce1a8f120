"""What a report states, gathered from the binder: plain frozen records, no reportlab.

Everything is read inside one SQLite read transaction (:func:`snapshot`), so the
facts, the journal streamed after them and the attached bundle describe the
same moment even while the lead keeps writing in another window. The journal
itself is not part of the facts: it is streamed page by page by whoever lays it
out, so memory does not grow with the number of entries.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from binder.core import times
from binder.core.crypto import signers
from binder.core.crypto.signers import Identity, Signer
from binder.core.errors import BadInput
from binder.core.incident import journal
from binder.core.incident.record import INCIDENT_TYPES, Incident
from binder.core.storage.database import Binder

Progress = Callable[[int, int], None]
#: Kinds of entry a reader counts as a development of the incident.
DEVELOPMENT_KINDS = ("observation", "action", "decision", "communication", "note", "correction")


@dataclass(frozen=True)
class TimelineEvent:
    """A key event on the timeline: detected, opened, a decision (D1), a notification (N1),
    an evidence item (E1), closed or reopened."""

    at: str
    kind: str  # detected, open, decision, notification, evidence, close
    label: str  # D1, N1, E1; empty for events without a number
    text: str


@dataclass(frozen=True)
class FocusSpan:
    """A phase had the focus from ``start`` to ``end`` (None: still has it)."""

    phase: str
    start: str
    end: str | None


@dataclass(frozen=True)
class ChecklistTick:
    """A checklist item of ``phase`` was ticked done at ``at``."""

    phase: str
    at: str


@dataclass(frozen=True)
class SignerRow:
    """A person whose certificate signed in this incident, with what they signed."""

    signer: Signer
    authored: int
    cosigned: int


@dataclass(frozen=True)
class OpenTask:
    """A task of the register still open: what, who, by when (UTC, may be empty)."""

    title: str
    owner: str
    due: str


@dataclass(frozen=True)
class ReportFacts:
    """What the report's sections state, beyond the streamed journal (small, bounded data)."""

    incident: Incident
    org: str
    generated_at: str
    head: str
    entry_count: int
    cosigned_count: int
    state: Any  # binder.core.incident.workflow.IncidentState
    plan: Any  # binder.core.plan.format.Plan
    evidence: tuple  # binder.core.incident.evidence.EvidenceItem, ...
    problems: Mapping[int | None, tuple[str, ...]]  # entry seq (None: the incident) -> messages
    verify_ok: bool
    verify_signatures: int
    signer_rows: tuple[SignerRow, ...]
    root_fp: str
    first_at: str
    last_at: str
    timeline: tuple[TimelineEvent, ...]
    focus_spans: tuple[FocusSpan, ...]
    ticks: tuple[ChecklistTick, ...]
    latest: tuple[journal.Entry, ...] = ()  # the last few developments, oldest first
    named: Mapping[str, Signer] = field(default_factory=dict)  # sign-off role -> signer
    assessment: Any = None  # binder.core.incident.assessment.Assessment
    plan_revision: str = ""  # e.g. "revision 3 of 2026-11-02", for people (not a database id)
    open_tasks: tuple[OpenTask, ...] = ()  # tasks of the register not done, by due time
    full_names: Mapping[str, str] = field(default_factory=dict)  # person -> name on the certificate

    def name(self, person: str | None) -> str:
        """A person as documents name them: the full name their certificate carries."""
        if not person:
            return ""
        return self.full_names.get(person, person)

    # Who signed, as the certificates the binder's root signed state it (21 CFR 11.50's
    # printed name and role), by certificate fingerprint.
    names: Mapping[str, Identity] = field(default_factory=dict)

    @property
    def current_type(self) -> str:
        """The type now: as opened, or as changed since by a signed entry."""
        return (self.state.type if self.state is not None and self.state.type
                else self.incident.type)

    @property
    def current_severity(self) -> str:
        """The severity now: as opened, or as changed since by a signed entry."""
        return (self.state.severity if self.state is not None and self.state.severity
                else self.incident.severity)

    @property
    def type_label(self) -> str:
        """The incident type in words (the plan's label, else the built-in one, else the key)."""
        try:
            return self.plan.incident_type_label(self.current_type)
        except Exception:  # noqa: BLE001 - an unknown type still prints its key
            return dict(INCIDENT_TYPES).get(self.current_type, self.current_type)

    def phase_name(self, key: str | None) -> str:
        """A phase's name in the plan the incident ran under (its key when unknown)."""
        if not key:
            return ""
        for phase in getattr(self.plan, "phases", ()):
            if phase.key == key:
                return phase.name
        return key

    def who(self, fingerprint: str) -> Identity:
        """Who the certificate ``fingerprint`` names."""
        return self.names.get(fingerprint, signers.UNVERIFIED)

    @property
    def problem_count(self) -> int:
        """How many problems verification found at report time."""
        return sum(len(v) for v in self.problems.values())


@contextlib.contextmanager
def snapshot(binder: Binder) -> Iterator[None]:
    """One read transaction: in WAL mode every query inside sees the same state."""
    conn = binder.conn
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def entry_time(entry: journal.Entry) -> str:
    """When an entry says it happened, else when it was recorded, as UTC (sorts as it reads)."""
    return times.utc_iso(entry.event_utc)


def _utc_text(value: str | None) -> str | None:
    try:
        return times.utc_iso(value) if value else None
    except ValueError:
        return None


def utc_moment(iso: str) -> datetime:
    """A stored ISO time (any offset) as an aware UTC datetime."""
    return times.utc(iso)


def gather_facts(binder: Binder, incident: Incident, *, now: str,
                 named: Mapping[str, Signer] | None = None, progress: Progress | None = None,
                 check: Callable[[], None] | None = None) -> ReportFacts:
    """Read what a report of ``incident`` states, verifying the journal on the way.

    Call inside :func:`snapshot`. ``named`` maps sign-off roles to the people
    pre-printed there. Verification reports ``progress`` as the first fifth of
    the work; ``check()`` is called between steps and may raise Cancelled.
    """
    from binder.core.incident import evidence as evidence_mod
    from binder.core.incident import workflow
    from binder.core.verify import checks as verify

    named = dict(named or {})
    check = check or (lambda: None)
    state = workflow.incident_state(binder, incident.id, now=now)
    plan = workflow.incident_plan(binder, incident)
    check()

    def verify_progress(done: int, total: int) -> None:
        check()
        if progress:
            # Verification is the first fifth of the work.
            progress(done // 5, max(total, 1))

    result = verify.verify_binder(binder, incident.id, check_files=False, progress=verify_progress)
    problems: dict[int | None, list[str]] = {}
    for problem in result.problems:
        problems.setdefault(problem.entry, []).append(problem.message)
    check()

    conn = binder.conn
    entry_count = journal.count_entries(binder, incident.id)
    cosigned = conn.execute(
        "SELECT count(DISTINCT c.entry_id) FROM cosign c JOIN entry e ON e.id = c.entry_id "
        "WHERE e.incident_id = ?", (incident.id,)).fetchone()[0]
    authored = dict(conn.execute(
        "SELECT cert_fingerprint, count(*) FROM entry WHERE incident_id = ? GROUP BY 1",
        (incident.id,)).fetchall())
    witnessed = dict(conn.execute(
        "SELECT c.cert_fingerprint, count(*) FROM cosign c JOIN entry e ON e.id = c.entry_id "
        "WHERE e.incident_id = ? GROUP BY 1", (incident.id,)).fetchall())
    # Event times keep their stated offsets: compare them as moments, not as text.
    span = conn.execute(
        f"SELECT strftime('%Y-%m-%dT%H:%M:%fZ', min({journal.EVENT_SQL})),"
        f" strftime('%Y-%m-%dT%H:%M:%fZ', max({journal.EVENT_SQL})),"
        " max(recorded_at) FROM entry WHERE incident_id = ?", (incident.id,)).fetchone()
    known = signers.certificates_by_fingerprint(binder)
    by_fp = {s.fingerprint: s for s in signers.list_signers(binder)}
    rows: list[SignerRow] = []
    for fp in sorted(set(authored) | set(witnessed) | {s.fingerprint for s in named.values()}):
        signer = by_fp.get(fp)
        if signer is None and fp in known:
            person, der = known[fp]
            signer = Signer(person, person, "", fp, "", der)
        if signer is not None:
            rows.append(SignerRow(signer, authored.get(fp, 0), witnessed.get(fp, 0)))
    rows.sort(key=lambda r: signers.fold(r.signer.identity.name))
    root = signers.root_certificate(binder)
    root_fp = ""
    if root is not None:
        from cryptography.hazmat.primitives import serialization

        root_fp = signers.fingerprint(root.public_bytes(serialization.Encoding.DER))

    from binder.core.incident.assessment import current_assessment

    # Names from the certificates the root signed, never from the editable signer rows.
    names = signers.identities(binder)
    full_names = {s.person: names.get(s.fingerprint, signers.UNVERIFIED).name
                  for s in by_fp.values()}
    timeline, spans, ticks = _timeline_events(binder, incident, state)
    try:
        items = evidence_mod.list_evidence(binder, incident.id)
    except BadInput:
        items = []
    for item in items:
        timeline.append(TimelineEvent(item.registered_at, "evidence", item.label, item.description))
    timeline = _numbered(timeline)
    detected = _utc_text(incident.detected_at) or incident.opened_at
    first = min([detected] + ([times.utc_iso(span[0])] if span[0] else []))
    last = max([times.utc_iso(span[1]) if span[1] else first, span[2] or first])
    return ReportFacts(
        incident=incident, org=binder.meta("org") or "", generated_at=now,
        head=journal.head_hash(binder, incident.id), entry_count=entry_count,
        cosigned_count=cosigned, state=state, plan=plan, evidence=tuple(items),
        problems={seq: tuple(messages) for seq, messages in problems.items()},
        verify_ok=result.ok, verify_signatures=result.signatures, signer_rows=tuple(rows),
        root_fp=root_fp, first_at=first, last_at=last, timeline=tuple(timeline),
        focus_spans=tuple(spans), ticks=tuple(ticks),
        latest=tuple(latest_developments(binder, incident.id, 6)), named=named,
        assessment=current_assessment(binder, incident.id), full_names=full_names,
        plan_revision=_revision_words(binder, state),
        open_tasks=tuple(_open_tasks(binder, incident.id)),
        names=names,
    )


def _open_tasks(binder: Binder, incident_id: int) -> list[OpenTask]:
    from binder.core.incident import registers as reg

    owner_of = reg.owner_namer(binder)
    tasks = [OpenTask(str(t.get("title")), owner_of(t.fields), str(t.get("due_utc") or ""))
             for t in reg.list_items(binder, incident_id, "task", include_withdrawn=False)
             if t.get("status") != "done"]
    tasks.sort(key=lambda t: (t.due == "", t.due))
    return tasks


def _revision_words(binder: Binder, state: Any) -> str:
    from binder.core.plan import revisions

    if state is None or state.plan_revision_id is None:
        return ""
    try:
        rev = revisions.get_revision(binder, state.plan_revision_id)
    except Exception:  # noqa: BLE001 - a missing revision is named by verify, not here
        return ""
    return f"revision {rev.number} of {rev.created_at[:10]}"


def _numbered(events: list[TimelineEvent]) -> list[TimelineEvent]:
    """Events by time, decisions and notifications numbered D1, N1 ... in that order
    (evidence keeps its register label E1, E2 ...)."""
    from dataclasses import replace

    events = sorted(events, key=lambda t: utc_moment(t.at))
    counters: dict[str, int] = {}
    out = []
    for event in events:
        if event.kind in ("decision", "notification"):
            prefix = event.kind[0].upper()
            counters[prefix] = counters.get(prefix, 0) + 1
            event = replace(event, label=f"{prefix}{counters[prefix]}")
        out.append(event)
    return out


def _timeline_events(binder: Binder, incident: Incident, state: Any
                     ) -> tuple[list[TimelineEvent], list[FocusSpan], list[ChecklistTick]]:
    events: list[TimelineEvent] = []
    spans: list[FocusSpan] = []
    ticks: list[ChecklistTick] = []
    current: tuple[str, str] | None = None
    decision_no = notice_no = 0
    for entry in journal.iter_entries(
        binder, incident.id, kinds=("open", "phase", "checklist", "decision", "notification",
                                    "close")):
        data = entry.data or {}
        at = entry_time(entry)
        action = data.get("action")
        if entry.kind == "open":
            events.append(TimelineEvent(_utc_text(incident.detected_at) or at, "detected", "",
                                        "Detected"))
            events.append(TimelineEvent(at, "open", "", "Opened"))
        elif entry.kind == "phase" and action == "focus":
            if current is not None:
                spans.append(FocusSpan(current[0], current[1], at))
            current = (str(data.get("phase", "")), at)
        elif entry.kind == "checklist" and data.get("done"):
            ticks.append(ChecklistTick(str(data.get("phase", "")), at))
        elif entry.kind == "decision":
            decision_no += 1
            text = data.get("decision") or entry.text
            if action == "notify_decision":
                text = entry.text
            events.append(TimelineEvent(at, "decision", f"D{decision_no}", str(text)))
        elif entry.kind == "notification" and action == "told":
            notice_no += 1
            events.append(TimelineEvent(_utc_text(data.get("told_at")) or at, "notification",
                                        f"N{notice_no}",
                                        f"{data.get('party', '')}: {data.get('channel', '')}"))
        elif entry.kind == "close":
            events.append(TimelineEvent(at, "close", "",
                                        "Closed" if action == "close" else "Reopened"))
    if current is not None:
        spans.append(FocusSpan(current[0], current[1], None))
    elif state is not None and state.phases:
        # No focus was ever chosen: the first phase ran from the opening.
        spans.append(FocusSpan(state.focus_phase, incident.opened_at, None))
    return events, spans, ticks


def latest_developments(binder: Binder, incident_id: int, n: int) -> list[journal.Entry]:
    """The last ``n`` developments (observations, actions, decisions...) among the last 40
    entries, by when they happened; an entry that was corrected is left out (its correction
    stands in for it), so a summary never shows a figure beside its correction."""
    total = journal.count_entries(binder, incident_id)
    views = journal.page(binder, incident_id, max(total - 40, 0), 40)
    wanted = [v.entry for v in views
              if v.entry.kind in DEVELOPMENT_KINDS and not v.corrected_by]
    wanted.sort(key=lambda e: (utc_moment(entry_time(e)), e.seq))
    return wanted[-n:]
