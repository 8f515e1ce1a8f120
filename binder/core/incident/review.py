"""The post-incident review: lessons learned, proposed plan changes, and accepting them.

Accepting a review writes a new revision of the incident's plan and a signed
entry naming it, in one transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from binder.core.crypto.signers import SigningSession
from binder.core.errors import BadInput
from binder.core.incident import journal
from binder.core.incident.journal import Entry, NewEntry, check_text
from binder.core.incident.record import Incident, get_incident, incident_plan, plan_revision_of
from binder.core.incident.steps import append_step, check_phase, one_line
from binder.core.plan import revisions as plans
from binder.core.plan.format import Plan
from binder.core.storage.database import Binder

CHANGE_KINDS = ("checklist", "guidance", "raci", "note")


@dataclass(frozen=True)
class PlanChange:
    """A change a review proposes to the plan.

    ``checklist`` adds ``text`` to a phase's checklist; ``guidance`` appends a
    paragraph to a phase's guidance; ``raci`` sets one cell (``activity``,
    ``role``, ``value``); ``note`` is a change in words that a person applies
    by editing the plan (it is kept in the revision note).
    """

    kind: str
    text: str = ""
    phase: str = ""
    activity: str = ""
    role: str = ""
    value: str = ""

    def describe(self, plan: Plan | None = None) -> str:
        """The change in one line (with the plan's names for keys when ``plan`` is given)."""

        def name(find, key: str) -> str:
            try:
                return find(key).name if plan is not None else key
            except BadInput:
                return key

        if self.kind in ("checklist", "guidance"):
            phase = name(plan.phase, self.phase) if plan is not None else self.phase
            return f"add to the {phase} {self.kind}: {self.text}"
        if self.kind == "raci":
            activity = name(plan.activity, self.activity) if plan is not None else self.activity
            role = name(plan.role, self.role) if plan is not None else self.role
            return f"set RACI “{activity}” / {role} to {self.value}"
        return self.text

    def to_dict(self) -> dict[str, str]:
        """Plain JSON values."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v or k == "kind"}


@dataclass(frozen=True)
class Review:
    """A post-incident review: lessons and proposed plan changes."""

    entry_id: int
    at: str
    author: str
    lessons: str
    changes: tuple[PlanChange, ...]
    accepted_revision: int | None = None
    accepted_by: str | None = None


def fold_review(reviews: dict[int, Review], entry: Entry) -> None:
    """Add a review entry to ``reviews`` (review entry id -> review), or mark one accepted."""
    data = entry.data or {}
    if data.get("action") == "add":
        changes = tuple(PlanChange(**c) for c in data.get("changes", ()))
        reviews[entry.id] = Review(entry.id, entry.event_at, entry.author,
                                   data.get("lessons", ""), changes)
    elif data.get("action") == "accept":
        target = reviews.get(data.get("review_entry"))
        if target is not None:
            reviews[target.entry_id] = dataclasses.replace(
                target, accepted_revision=data.get("plan_revision"), accepted_by=entry.author)


def reviews_of(entries: Iterable[Entry]) -> tuple[Review, ...]:
    """The reviews recorded by ``entries`` (an incident's journal), in order."""
    reviews: dict[int, Review] = {}
    for entry in entries:
        if entry.kind == "review":
            fold_review(reviews, entry)
    return tuple(reviews.values())


def _plan_name(binder: Binder, incident: Incident) -> str:
    revision = plan_revision_of(binder, incident)
    return revision.plan_name if revision is not None else incident_plan(binder, incident).name


def parse_change(text: str) -> PlanChange:
    """A plan change from its one-line form.

    ``checklist:PHASE:TEXT``, ``guidance:PHASE:TEXT``, ``raci:ACTIVITY:ROLE:VALUE``;
    anything else is a change in words (``note``).
    """
    head, sep, rest = text.partition(":")
    head = head.strip().casefold()
    if sep and head in ("checklist", "guidance"):
        phase, sep2, body = rest.partition(":")
        if not sep2:
            raise BadInput(f"write a {head} change as {head}:PHASE:TEXT")
        return PlanChange(kind=head, phase=phase.strip(), text=body.strip())
    if sep and head == "raci":
        parts = [p.strip() for p in rest.split(":")]
        if len(parts) != 3:
            raise BadInput("write a RACI change as raci:ACTIVITY:ROLE:VALUE")
        return PlanChange(kind="raci", activity=parts[0], role=parts[1], value=parts[2])
    return PlanChange(kind="note", text=text.strip())


def apply_changes(plan: Plan, changes: Sequence[PlanChange]) -> Plan:
    """The plan with a review's changes applied (notes change nothing)."""
    for change in changes:
        if change.kind in ("checklist", "guidance"):
            phase = check_phase(plan, change.phase)
            if change.kind == "checklist":
                if change.text in phase.checklist:
                    continue
                new_phase = dataclasses.replace(phase, checklist=phase.checklist + (change.text,))
            else:
                guidance = (phase.guidance.rstrip() + "\n\n" + change.text).strip()
                new_phase = dataclasses.replace(phase, guidance=guidance)
            plan = dataclasses.replace(
                plan, phases=tuple(new_phase if p.key == phase.key else p for p in plan.phases))
        elif change.kind == "raci":
            plan = plan.with_raci(change.activity, change.role, change.value)
    return plan


def check_change(plan: Plan, change: PlanChange) -> PlanChange:
    """Refuse a plan change that cannot be applied to ``plan``."""
    if change.kind not in CHANGE_KINDS:
        raise BadInput(f"unknown plan change {change.kind!r}; use one of {', '.join(CHANGE_KINDS)}")
    if change.kind in ("checklist", "guidance", "note"):
        limit = 4000 if change.kind != "checklist" else 500
        if change.kind == "checklist":
            one_line(change.text, "checklist item", limit=limit)
        else:
            check_text(change.text, f"{change.kind} text", required=True, limit=limit)
    apply_changes(plan, [change])  # names an unknown phase, activity, role or value
    return change


def add_review(binder: Binder, incident_id: int, author: SigningSession, lessons: str,
               proposed_plan_changes: Sequence[PlanChange | str] = ()) -> int:
    """Record a post-incident review: lessons learned and proposed plan changes."""
    check_text(lessons, "lessons learned", required=True)
    incident = get_incident(binder, incident_id)
    plan = incident_plan(binder, incident)
    changes = [
        check_change(plan, c if isinstance(c, PlanChange) else parse_change(c))
        for c in proposed_plan_changes
    ]
    return append_step(binder, incident.id, author, NewEntry(
        text=f"Review: {lessons.strip()[:200]}", kind="review",
        reason=f"{len(changes)} proposed plan change(s)",
        data={"action": "add", "lessons": lessons.strip(), "changes": [c.to_dict() for c in changes]},
    ))


def accept_review(binder: Binder, incident_id: int, author: SigningSession,
                  review_id: int | None = None) -> int:
    """Apply a review's changes to the latest revision of the incident's plan.

    Writes a new plan revision and a signed ``review`` entry naming it, in one
    transaction; returns the new revision id. Without ``review_id`` the latest
    review not yet accepted is used.
    """
    incident = get_incident(binder, incident_id)
    reviews = reviews_of(journal.iter_entries(binder, incident.id, kinds=("review",)))
    plan_name = _plan_name(binder, incident)
    open_reviews = [r for r in reviews if r.accepted_revision is None]
    if review_id is None:
        if not open_reviews:
            raise BadInput("there is no review waiting to be accepted; add one with `binder review add`")
        review = open_reviews[-1]
    else:
        review = next((r for r in reviews if r.entry_id == review_id), None)
        if review is None:
            raise BadInput(f"entry {review_id} is not a review of incident {incident.id}")
        if review.accepted_revision is not None:
            raise BadInput(
                f"review {review_id} was already accepted (plan revision {review.accepted_revision})"
            )
    base = plans.current_revision(binder, plan_name)
    new_plan = apply_changes(base.plan, review.changes)
    words = "; ".join(c.describe() for c in review.changes) or "no changes"
    note = f"From the review of incident {incident.id} ({incident.title}): {words}"
    with binder.write():
        revision_id = plans.save_revision(binder, new_plan, author=author.person, note=note[:2000],
                                          plan_name=plan_name)
        journal.append(binder, incident.id, author, NewEntry(
            text=f"Review accepted: plan {plan_name!r} revision {revision_id}",
            kind="review", reason=words[:2000],
            data={"action": "accept", "review_entry": review.entry_id,
                  "plan_revision": revision_id, "plan_name": plan_name},
        ))
    return revision_id
