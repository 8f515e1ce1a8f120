"""Plans stored in the binder: every edit is a new revision, old ones stay readable.

A binder may hold several plans (one per technical unit of the store). The
content of a revision is the plan's text form (see :mod:`binder.core.plan.format`),
so what is exported is exactly what was stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from binder.core.errors import BadInput, BinderError, NotFound
from binder.core.plan.format import Plan, default_plan_text, dump_plan, parse_plan
from binder.core.storage.database import Binder, utc_now


@dataclass(frozen=True)
class PlanRevision:
    """One saved revision of a plan."""

    id: int
    plan_id: int
    plan_name: str
    number: int
    created_at: str
    author: str
    note: str
    content: str
    sha256: str

    @cached_property
    def plan(self) -> Plan:
        """The parsed plan."""
        return parse_plan(self.content)


_SQL = """SELECT r.id, r.plan_id, p.name, r.number, r.created_at, r.author, r.note, r.content, r.sha256
          FROM plan_revision r JOIN plan p ON p.id = r.plan_id"""


def save_revision(
    binder: Binder, plan: Plan | str, *, author: str, note: str = "", plan_name: str | None = None
) -> int:
    """Store a plan as the next revision of ``plan_name`` (default: the plan's own name)."""
    if isinstance(plan, str):
        plan = parse_plan(plan)
    content = dump_plan(plan)
    name = (plan_name or plan.name).strip()
    if not name:
        raise BadInput("the plan has no name; give it one")
    with binder.write() as db:
        row = db.execute("SELECT id FROM plan WHERE name = ?", (name,)).fetchone()
        plan_id = row[0] if row else db["plan"].insert({"name": name, "created_at": utc_now()}).last_pk
        number = db.execute(
            "SELECT coalesce(max(number), 0) + 1 FROM plan_revision WHERE plan_id = ?", (plan_id,)
        ).fetchone()[0]
        return int(
            db["plan_revision"]
            .insert(
                {
                    "plan_id": plan_id,
                    "number": number,
                    "created_at": utc_now(),
                    "author": author,
                    "note": note,
                    "content": content,
                    "sha256": hashlib.sha256(content.encode("utf-8")).hexdigest(),
                }
            )
            .last_pk
        )


def load_default_plan(binder: Binder, *, author: str = "binder init") -> int:
    """Store the bundled Magento plan as revision 1."""
    return save_revision(binder, default_plan_text(), author=author, note="default Magento plan")


def list_plan_names(binder: Binder) -> list[str]:
    """Names of all plans in the binder, oldest first."""
    return [r[0] for r in binder.conn.execute("SELECT name FROM plan ORDER BY id")]


def current_revision(binder: Binder, plan_name: str | None = None) -> PlanRevision:
    """The latest revision of a plan (the first plan when no name is given)."""
    if plan_name is None:
        row = binder.conn.execute(_SQL + " ORDER BY p.id, r.number DESC LIMIT 1").fetchone()
    else:
        row = binder.conn.execute(
            _SQL + " WHERE p.name = ? ORDER BY r.number DESC LIMIT 1", (plan_name,)
        ).fetchone()
    if row is None:
        raise NotFound(
            "this binder has no plan" if plan_name is None else f"there is no plan named {plan_name!r}"
        )
    return PlanRevision(*row)


def passphrase_every_signature(binder: Binder) -> bool:
    """True when the current plan asks every signer, witnesses too, for their passphrase at
    each signature (21 CFR Part 11 style), so no signed-in session stands in for it."""
    try:
        return current_revision(binder).plan.regulatory.passphrase_every_signature
    except BinderError:  # no plan (or an unreadable one): nothing asks beyond the default
        return False


def get_revision(binder: Binder, revision_id: int) -> PlanRevision:
    """A revision by id (what an incident records)."""
    row = binder.conn.execute(_SQL + " WHERE r.id = ?", (revision_id,)).fetchone()
    if row is None:
        raise NotFound(f"there is no plan revision {revision_id}")
    return PlanRevision(*row)


def revisions(binder: Binder, plan_name: str) -> list[PlanRevision]:
    """Every revision of one plan, oldest first."""
    rows = binder.conn.execute(_SQL + " WHERE p.name = ? ORDER BY r.number", (plan_name,)).fetchall()
    return [PlanRevision(*r) for r in rows]
