"""Readiness: the standing preparation the plan asks for, and when each was last done.

Items are the current plan's prerequisites plus a few checks the binder can
work out itself. Completions are rows of the append-only ``readiness`` table;
a newer completion supersedes an older one, nothing is ever changed. Where the
binder holds better evidence than a person's word it is used too:

- ``drill``: the latest drill incident opened, or a recorded completion;
- ``plan_review``: the latest plan revision saved (the bundled default plan
  as loaded unchanged does not count), or a recorded completion;
- ``restore_test``: recorded by :func:`test_restore` after a backup copy was
  really opened, unlocked and verified (or recorded by hand);
- ``roster_review``: a recorded completion only;
- ``signer_roles``: derived only, from the enrolled signers' roles.

An item is ``never`` done, ``ok``, ``due-soon`` (the last part of its interval)
or ``stale`` (past its interval, or for signer roles: a role nobody can sign for).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from binder.core.errors import BadInput, IntegrityError, NotABinder, NotFound
from binder.core.formatting import count_text
from binder.core.incident.journal import check_text, parse_time
from binder.core.incident.record import list_incidents
from binder.core.plan import revisions as plans
from binder.core.plan.format import Plan, Prerequisite
from binder.core.storage.database import Binder, open_binder, utc_now

OK, DUE_SOON, STALE, NEVER = "ok", "due-soon", "stale", "never"
STATUSES = (OK, DUE_SOON, STALE, NEVER)

DRILL, ROSTER_REVIEW, RESTORE_TEST, PLAN_REVIEW, SIGNER_ROLES = (
    "drill", "roster_review", "restore_test", "plan_review", "signer_roles")

# The checks the binder offers even when the plan does not list them. A plan
# prerequisite with the same key overrides the name, description and interval.
BUILT_IN: tuple[Prerequisite, ...] = (
    Prerequisite(ROSTER_REVIEW, "Review the roster",
                 "Check that every role and every service the store depends on has a current "
                 "contact with working phone numbers and escalation ladder.", 90),
    Prerequisite(DRILL, "Run a drill",
                 "Rehearse the plan with the team in a tabletop exercise and fix what was missing.",
                 180),
    Prerequisite(RESTORE_TEST, "Test restoring a binder backup",
                 "Open a backup copy of this binder, unlock it with its passphrase and verify it, "
                 "so you know the copy would carry you through the loss of this computer.", 90),
    Prerequisite(PLAN_REVIEW, "Review the plan",
                 "Read the plan through with the team, bring it in line with how the store runs "
                 "today and save the result as a new revision.", 365),
)
SIGNER_ROLES_ITEM = (
    "Signers for every role",
    "Every internal role of the plan has at least one enrolled signer, so whoever fills "
    "it can sign entries and co-sign as a witness.",
)
# Items whose state comes only from the binder's contents; nobody marks them done.
DERIVED_ONLY = frozenset({SIGNER_ROLES})

# "Due soon" is the last 15 % of an interval, at least a day and at most a month.
DUE_SOON_FRACTION = 0.15
DUE_SOON_MIN_DAYS, DUE_SOON_MAX_DAYS = 1.0, 30.0
MAX_WHO, MAX_NOTE = 80, 1000
# A completion may be dated a little ahead to allow for another computer's clock.
FUTURE_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class ReadinessItem:
    """One prerequisite and how it stands at a moment.

    ``last_done``/``due_at`` are UTC ISO strings (None when never done or when
    the item has no interval); ``status`` is one of :data:`STATUSES`;
    ``detail`` is a sentence a person can act on.
    """

    key: str
    name: str
    description: str
    last_done: str | None
    done_by: str | None
    interval_days: int | None
    status: str
    detail: str
    due_at: str | None = None
    can_mark: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values."""
        return asdict(self)


@dataclass(frozen=True)
class ReadinessRecord:
    """One recorded completion (a row of the append-only ``readiness`` table)."""

    id: int
    prerequisite: str
    done_at: str
    done_by: str
    note: str


@dataclass(frozen=True)
class RestoreResult:
    """What a restore test proved about a backup copy."""

    record_id: int
    backup: str
    incidents: int
    entries: int
    signatures: int
    contacts: int


# ---------------------------------------------------------------- time helpers


def _as_utc(value: datetime | str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    if isinstance(value, str):
        value = datetime.fromisoformat(parse_time(value).replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.astimezone()
    return value.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _days(n: float, *, rounding=int) -> str:
    return count_text(rounding(n), "day")


def _due_soon_window(interval_days: int) -> timedelta:
    days = min(max(interval_days * DUE_SOON_FRACTION, DUE_SOON_MIN_DAYS), DUE_SOON_MAX_DAYS)
    return timedelta(days=days)


def staleness(last_done: str | None, interval_days: int | None, now: datetime
              ) -> tuple[str, str, str | None]:
    """Status, a sentence and the due time for an item done at ``last_done``."""
    if last_done is None:
        return NEVER, "Never done", None
    done = _as_utc(last_done)
    if interval_days is None:
        return OK, "Done", None
    due = done + timedelta(days=interval_days)
    left = due - now
    if left < timedelta(0):
        overdue = -left
        if overdue < timedelta(days=1):
            return STALE, "Overdue since today", _iso(due)
        return STALE, f"Overdue by {_days(overdue / timedelta(days=1))}", _iso(due)
    if left <= _due_soon_window(interval_days):
        if left < timedelta(days=1):
            return DUE_SOON, "Due within a day", _iso(due)
        return DUE_SOON, f"Due in {_days(left / timedelta(days=1), rounding=round)}", _iso(due)
    return OK, f"Next due in {_days(left / timedelta(days=1), rounding=round)}", _iso(due)


# ---------------------------------------------------------------- records


def _latest_records(binder: Binder) -> dict[str, ReadinessRecord]:
    latest: dict[str, ReadinessRecord] = {}
    for row in binder.conn.execute(
        "SELECT id, prerequisite, done_at, done_by, note FROM readiness ORDER BY id"
    ):
        record = ReadinessRecord(*row)
        seen = latest.get(record.prerequisite)
        # A completion entered later may be dated earlier ("we did it last week").
        if seen is None or _as_utc(record.done_at) >= _as_utc(seen.done_at):
            latest[record.prerequisite] = record
    return latest


def history(binder: Binder, key: str | None = None) -> list[ReadinessRecord]:
    """Every recorded completion (of one item when ``key`` is given), oldest first."""
    sql = "SELECT id, prerequisite, done_at, done_by, note FROM readiness"
    args: tuple = ()
    if key is not None:
        sql += " WHERE prerequisite = ?"
        args = (key,)
    return [ReadinessRecord(*row) for row in binder.conn.execute(sql + " ORDER BY id", args)]


def _plan(binder: Binder, plan_name: str | None) -> tuple[Plan | None, Any]:
    try:
        revision = plans.current_revision(binder, plan_name)
    except NotFound:
        if plan_name is not None:
            raise
        return None, None
    return revision.plan, revision


def item_definitions(binder: Binder, plan_name: str | None = None) -> tuple[Prerequisite, ...]:
    """The markable items in display order: the plan's prerequisites, then built-in checks."""
    plan, _ = _plan(binder, plan_name)
    items = list(plan.prerequisites if plan is not None else ())
    keys = {p.key for p in items}
    items += [p for p in BUILT_IN if p.key not in keys]
    return tuple(items)


def valid_keys(binder: Binder, plan_name: str | None = None) -> tuple[str, ...]:
    """Keys that :func:`record_done` accepts."""
    return tuple(p.key for p in item_definitions(binder, plan_name))


def record_done(binder: Binder, key: str, who: str, note: str = "", *,
                done_at: str | None = None, plan_name: str | None = None) -> int:
    """Record that ``who`` completed prerequisite ``key``; returns the record id.

    ``done_at`` (ISO 8601, default now) allows recording work done earlier;
    a time in the future is refused.
    """
    key = (key or "").strip()
    keys = valid_keys(binder, plan_name)
    if key in DERIVED_ONLY:
        raise BadInput(
            f"{key!r} is worked out from the enrolled signers and cannot be marked done; "
            "enroll a signer for each missing role (`binder signer enroll PERSON`)")
    if key not in keys:
        raise BadInput(f"unknown readiness item {key!r}; use one of {', '.join(keys)}")
    who = check_text(who or "", "name of who did it", limit=MAX_WHO).strip()
    if not who:
        raise BadInput("say who did it (--who NAME)")
    if "\n" in who or "\r" in who:
        raise BadInput("the name of who did it must be one line")
    check_text(note or "", "note", limit=MAX_NOTE)
    if done_at is None:
        when = utc_now()
    else:
        when = parse_time(done_at, "time it was done")
        if _as_utc(when) > datetime.now(UTC) + FUTURE_SLACK:
            raise BadInput(f"the time it was done ({done_at}) is in the future; give when it happened")
    with binder.write() as db:
        return int(db["readiness"].insert(
            {"prerequisite": key, "done_at": when, "done_by": who, "note": (note or "").strip()}
        ).last_pk)


# ---------------------------------------------------------------- derived evidence


def _latest_drill(binder: Binder) -> tuple[str, str, str] | None:
    # Through the incident records: when and by whom come from the signed opening.
    drills = [i for i in list_incidents(binder) if i.drill]
    if not drills:
        return None
    latest = max(drills, key=lambda i: (i.opened_at, i.id))
    return latest.opened_at, latest.opened_by, f"drill #{latest.id} \u201c{latest.title}\u201d"


@lru_cache(maxsize=1)
def _default_plan_sha() -> str:
    import hashlib

    from binder.core.plan.format import default_plan, dump_plan

    return hashlib.sha256(dump_plan(default_plan()).encode("utf-8")).hexdigest()


def _latest_plan_revision(binder: Binder, plan_name: str | None) -> tuple[str, str, str] | None:
    _, revision = _plan(binder, plan_name)
    if revision is None:
        return None
    # The bundled plan saved as it came is a starting point, not a review of it.
    for rev in reversed(plans.revisions(binder, revision.plan_name)):
        if rev.sha256 != _default_plan_sha():
            return rev.created_at, rev.author, f"revision {rev.number} of \u201c{rev.plan_name}\u201d"
    return None


def _role_token(text: str) -> str:
    return "".join(text.split()).casefold().replace("-", "_")


def _signer_roles(binder: Binder, plan: Plan | None) -> tuple[str, str | None, str | None, str]:
    """Status, completion time, by whom and a sentence for the signer-roles check."""
    from binder.core.crypto.signers import list_signers

    if plan is None:
        return NEVER, None, None, "No plan in this binder, so no roles to cover"
    roles = plan.internal_roles()
    covered: dict[str, tuple[str, str]] = {}
    for signer in list_signers(binder):
        # A person may hold several roles: "Incident Lead, IT Contact".
        tokens = {_role_token(signer.role)} | {
            _role_token(part) for part in signer.role.replace(";", ",").split(",") if part.strip()}
        for role in roles:
            if role.key in covered:
                continue
            if tokens & {_role_token(role.key), _role_token(role.name)}:
                covered[role.key] = (signer.created_at, signer.person)
    missing = [r.name for r in roles if r.key not in covered]
    if missing:
        # Nothing went out of date: these roles were never covered (never "stale").
        return NEVER, None, None, "No signer for: " + ", ".join(missing)
    at, who = max(covered.values())
    return OK, at, who, f"All {len(roles)} roles can sign"


def _roster_gaps(binder: Binder, plan: Plan | None) -> str:
    # Only with the key in memory: role assignments are stored beside encrypted names.
    if plan is None or not binder.unlocked:
        return ""
    from binder.core import roster

    try:
        present = {c.role for c in roster.list_contacts(binder)}
    except Exception:  # noqa: BLE001 - a hint only; the check itself must still show
        return ""
    gaps = [r.name for r in plan.roles if r.key not in present]
    return ("; no contact for: " + ", ".join(gaps)) if gaps else ""


# ---------------------------------------------------------------- status


def readiness_status(binder: Binder, now: datetime | str | None = None, *,
                     plan_name: str | None = None) -> list[ReadinessItem]:
    """Every readiness item as it stands at ``now`` (default: now), in display order."""
    moment = _as_utc(now)
    plan, _ = _plan(binder, plan_name)
    records = _latest_records(binder)
    derived = {
        DRILL: _latest_drill(binder),
        PLAN_REVIEW: _latest_plan_revision(binder, plan_name),
    }
    items: list[ReadinessItem] = []
    for pre in item_definitions(binder, plan_name):
        record = records.get(pre.key)
        last, by, source = (record.done_at, record.done_by, record.note) if record else (None, None, "")
        found = derived.get(pre.key)
        if found is not None and (last is None or _as_utc(found[0]) > _as_utc(last)):
            last, by, source = found
        status, detail, due = staleness(last, pre.interval_days, moment)
        if last is not None and source:
            detail += f" (last: {source})"
        if pre.key == ROSTER_REVIEW:
            detail += _roster_gaps(binder, plan)
        items.append(ReadinessItem(pre.key, pre.name, pre.description, last, by,
                                   pre.interval_days, status, detail, due, True))
    status, at, who, detail = _signer_roles(binder, plan)
    items.append(ReadinessItem(SIGNER_ROLES, *SIGNER_ROLES_ITEM, at, who, None, status, detail,
                               None, False))
    return items


def summary(items: list[ReadinessItem]) -> dict[str, int]:
    """How many items are in each status."""
    counts = dict.fromkeys(STATUSES, 0)
    for item in items:
        counts[item.status] += 1
    return counts


# ---------------------------------------------------------------- restore test


def test_restore(binder: Binder, backup_path: str | os.PathLike[str], passphrase: str, *,
                 who: str = "", note: str = "") -> RestoreResult:
    """Prove a backup of ``binder`` can be restored, and record the completion.

    The backup is copied to a private temporary folder first (opening a binder
    may migrate it, and the backup itself must stay as it was); the copy is
    opened, unlocked with ``passphrase`` (:class:`WrongPassphrase` otherwise),
    its roster decrypted and every chain and signature verified. Only when all
    of that works is a ``restore_test`` completion written to ``binder``.
    """
    from binder.core import roster
    from binder.core.crypto import session, vault
    from binder.core.verify.checks import verify_binder

    source = Path(backup_path).expanduser()
    if not source.is_file():
        raise BadInput(f"there is no backup file at {source}; give the path of a binder backup")
    if source.resolve() == Path(binder.path).resolve():
        raise BadInput(f"{source} is this binder itself; choose a backup copy (`binder backup DEST`)")
    who = who.strip() or default_who()
    with tempfile.TemporaryDirectory(prefix="binder-restore-") as folder:
        copy = Path(folder) / "restored.binder"
        try:
            shutil.copyfile(source, copy)
            # A backup opened by the app keeps recent writes beside it until checkpointed.
            if Path(f"{source}-wal").is_file():
                shutil.copyfile(f"{source}-wal", f"{copy}-wal")
        except OSError as exc:
            raise BadInput(f"cannot read the backup {source}: {exc.strerror}") from None
        os.chmod(copy, 0o600)
        try:
            restored = open_binder(copy)
        except NotABinder:
            raise BadInput(f"{source} is not a binder backup (it does not open as a binder)") from None
        try:
            if restored.uuid != binder.uuid:
                raise BadInput(f"{source} is a backup of another binder, not of {binder.path.name}")
            vault.unlock_with_passphrase(restored, passphrase)
            contacts = len(roster.list_contacts(restored, include_removed=True))
            report = verify_binder(restored, check_files=False)
            if not report.ok:
                raise IntegrityError(
                    f"the backup {source.name} opened but failed verification: {report.problems[0]}")
        finally:
            restored.close()
    with binder.write():
        record_id = record_done(
            binder, RESTORE_TEST, who,
            note or f"backup {source.name} opened, unlocked and verified",
        )
        session.record_access(binder, "unlock", who, f"backup copy {source.name} (restore test)")
    return RestoreResult(record_id, str(source), report.incidents, report.entries,
                         report.signatures, contacts)


test_restore.__test__ = False  # type: ignore[attr-defined]  # not a pytest test, despite the name


def default_who() -> str:
    """The login name of whoever runs this (who a completion is recorded for by default)."""
    from binder.core.crypto.session import local_user

    return local_user()
