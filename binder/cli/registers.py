"""The investigation registers and search on the command line.

`timeline add|list|change|withdraw`, `ioc add|list|change|withdraw`,
`asset add|list|set|withdraw`, `task add|list|done|change|withdraw` and
`search`. Every add or change is a signed journal entry written by
:mod:`binder.core.incident.registers`; commands that create something print the
new id alone on stdout. Values are checked before any passphrase is asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from binder.cli.common import (
    author_and_witness,
    binder_option,
    emit_id,
    emit_json,
    json_option,
    open_path,
    people_names,
    person_name,
    signer_session,
    unlock,
)
from binder.cli.root import cli
from binder.core.errors import BadInput
from binder.core.incident import indicators as check
from binder.core.incident import registers as reg
from binder.core.incident import search as searching
from binder.core.incident.clocks import short_time
from binder.core.incident.record import get_incident
from binder.core.storage.database import Binder

AS_OPTION = click.option("--as", "person", required=True, help="Who records it (an enrolled signer).")
WITNESS_OPTION = click.option("--witness", default=None, help="A second person who co-signs now.")
OCCURRED_OPTION = click.option(
    "--occurred-at", default=None,
    help="When it actually happened (ISO 8601, kept as typed with its offset; default: now).")


def _check_occurred(value: str | None) -> None:
    # Refused before anyone types a passphrase.
    if value:
        from binder.core import times

        times.parse_event_time(value, "occurred-at time")
JSON = json_option


def _note(message: str) -> None:
    click.echo(message, err=True)


def _try_unlock(binder: Binder) -> None:
    """Unlock when that needs no prompt (keyring or BINDER_PASSPHRASE): roster owners."""
    unlock(binder, ask=False)


def _sessions(binder: Binder, person: str, witness: str | None):
    return author_and_witness(binder, person, witness)


def _list(binder_path: Path | None, incident_ref: str, register: str, as_json: bool,
          show_withdrawn: bool, line) -> None:
    with open_path(binder_path) as binder:
        if register == "task":
            _try_unlock(binder)
        inc = get_incident(binder, incident_ref)
        items = reg.list_items(binder, inc.id, register, include_withdrawn=show_withdrawn)
        owner_of = reg.owner_namer(binder) if register == "task" else None  # read once
        if as_json:
            emit_json([reg.item_to_dict(binder, i, owner_of) for i in items])
            return
        if not items:
            click.echo(f"No {dict(reg.REGISTERS)[register].lower()} in incident {inc.id} yet.")
            return
        for item in items:
            mark = "  [WITHDRAWN]" if item.withdrawn else ""
            click.echo(f"{item.id:>6}  {line(owner_of, item)}{mark}")


# ---------------------------------------------------------------- timeline


@cli.group()
def timeline() -> None:
    """The attacker timeline: what the attacker did, when, where, how we know."""


@timeline.command("add")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--at", "at", required=True,
              help="When it happened, with its zone as the source shows it (ISO 8601, e.g. "
                   "2026-11-28T03:14+01:00); without a zone, this computer's.")
@click.option("--what", required=True, help="What happened.")
@click.option("--asset", default="", help="The system or account it happened on.")
@click.option("--ioc", "iocs", multiple=True, help="An indicator it involves (repeatable).")
@click.option("--technique", default=None, help="ATT&CK technique id, e.g. T1059.007.")
@click.option("--source", "time_source", default="",
              help="Where the time comes from, e.g. 'web server log'.")
@click.option("--evidence", "evidence_ref", default=None,
              help="The evidence item it was found in, e.g. E3.")
@click.option("--confidence", default="", help=f"One of {', '.join(reg.CONFIDENCE)}.")
@AS_OPTION
@WITNESS_OPTION
def timeline_add(binder_path, incident_ref, at, what, asset, iocs, technique, time_source,
                 evidence_ref, confidence, person, witness) -> None:
    """Add an event to the attacker timeline (journaled); prints its id."""
    check.zoned(at, "event time")
    check.technique(technique)
    reg._confidence(confidence)
    with open_path(binder_path) as binder:
        inc = get_incident(binder, incident_ref)
        reg._evidence_ref(binder, inc.id, evidence_ref)
        author, wit = _sessions(binder, person, witness)
        emit_id(reg.add_event(binder, inc.id, author, at=at, what=what, asset=asset,
                              time_source=time_source, evidence=evidence_ref, iocs=iocs,
                              technique=technique, confidence=confidence, witness=wit))


def _event_line(_owner_of, item: reg.Item) -> str:
    bits = [item.get("what")]
    if item.get("asset"):
        bits.append(f"on {item.get('asset')}")
    if item.get("technique"):
        bits.append(item.get("technique"))
    source = f" ({item.get('time_source')})" if item.get("time_source") else ""
    return f"{item.get('at')}{source}  " + " · ".join(bits)


@timeline.command("list")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--all", "show_all", is_flag=True, help="Include withdrawn events.")
@JSON
def timeline_list(binder_path, incident_ref, show_all, as_json) -> None:
    """The attacker timeline in event order."""
    _list(binder_path, incident_ref, "timeline", as_json, show_all, _event_line)


@timeline.command("change")
@binder_option
@click.argument("item_ref", metavar="EVENT")
@click.option("--at", "at", default=None, help="Corrected time (ISO 8601).")
@click.option("--what", default=None, help="Corrected description.")
@click.option("--asset", default=None, help="Corrected asset.")
@click.option("--technique", default=None, help="Corrected ATT&CK technique id.")
@click.option("--source", "time_source", default=None, help="Corrected time source.")
@click.option("--confidence", default=None, help="New confidence.")
@click.option("--reason", required=True, help="Why it changes.")
@AS_OPTION
def timeline_change(binder_path, item_ref, at, what, asset, technique, time_source, confidence,
                    reason, person) -> None:
    """Correct an event (a new signed entry; the original stays); prints the entry id."""
    values = _given(at=at, what=what, asset=asset, technique=technique, time_source=time_source,
                    confidence=confidence)
    _change(binder_path, item_ref, "timeline", person, reason, values)


def _given(**values: Any) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if v is not None}
    if not out:
        raise BadInput("say what changes (see --help for the options)")
    return out


def _change(binder_path, item_ref: str, register: str, person: str, reason: str,
            values: dict[str, Any], occurred_at: str | None = None) -> None:
    _check_occurred(occurred_at)
    with open_path(binder_path) as binder:
        if register == "task":
            _try_unlock(binder)
        item = reg.get_item(binder, item_ref, register)
        reg._check_changes(binder, item, values)  # refuse before the passphrase is asked
        author = signer_session(binder, person)
        emit_id(reg.update_item(binder, item.id, author, reason=reason, register=register,
                                occurred_at=occurred_at, **values))


def _withdraw_command(group, register: str) -> None:
    @group.command("withdraw")
    @binder_option
    @click.argument("item_ref", metavar="ID")
    @click.option("--reason", required=True, help="Why it was entered in error.")
    @AS_OPTION
    @OCCURRED_OPTION
    def withdraw(binder_path, item_ref, reason, person, occurred_at) -> None:
        """Withdraw an item entered in error (it stays in the journal); prints the entry id."""
        _check_occurred(occurred_at)
        with open_path(binder_path) as binder:
            item = reg.get_item(binder, item_ref, register)
            if not reason.strip():
                raise BadInput("say why it is withdrawn (--reason)")
            author = signer_session(binder, person)
            emit_id(reg.withdraw(binder, item.id, author, reason, register=register,
                                 occurred_at=occurred_at))


_withdraw_command(timeline, "timeline")


# ---------------------------------------------------------------- indicators


@cli.group()
def ioc() -> None:
    """Indicators of compromise: domains, IPs, URLs, hashes, e-mail addresses, paths."""


@ioc.command("add")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--type", "type_", required=True,
              help=f"One of {', '.join(k for k, _ in check.IOC_TYPES)}.")
@click.option("--value", required=True, help="The indicator itself.")
@click.option("--tlp", default="AMBER", show_default=True,
              help=f"Traffic Light Protocol 2.0: {', '.join(check.TLP_LEVELS)}.")
@click.option("--first-seen", default=None, help="First seen (ISO 8601).")
@click.option("--last-seen", default=None, help="Last seen (ISO 8601).")
@click.option("--source", default="", help="Where it was found, e.g. 'checkout page source'.")
@click.option("--description", default="", help="What it is.")
@AS_OPTION
@WITNESS_OPTION
@OCCURRED_OPTION
def ioc_add(binder_path, incident_ref, type_, value, tlp, first_seen, last_seen, source,
            description, person, witness, occurred_at) -> None:
    """Register an indicator of compromise (journaled); prints its id."""
    _check_occurred(occurred_at)
    kind = check.ioc_type(type_)
    check.ioc_value(kind, value)
    check.tlp(tlp)
    reg._ioc_fields({"first_seen": first_seen, "last_seen": last_seen})
    with open_path(binder_path) as binder:
        inc = get_incident(binder, incident_ref)
        author, wit = _sessions(binder, person, witness)
        emit_id(reg.add_indicator(binder, inc.id, author, type=kind, value=value, tlp=tlp,
                                  first_seen=first_seen, last_seen=last_seen, source=source,
                                  description=description, witness=wit,
                                  occurred_at=occurred_at))


def _ioc_line(_owner_of, item: reg.Item) -> str:
    seen = ""
    if item.get("first_seen") or item.get("last_seen"):
        seen = f"  seen {item.get('first_seen') or '?'} – {item.get('last_seen') or '?'}"
    return f"{item.get('type'):<9} {item.get('value')}  TLP:{item.get('tlp')}{seen}"


@ioc.command("list")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--all", "show_all", is_flag=True, help="Include withdrawn indicators.")
@JSON
def ioc_list(binder_path, incident_ref, show_all, as_json) -> None:
    """The indicators of an incident."""
    _list(binder_path, incident_ref, "ioc", as_json, show_all, _ioc_line)


@ioc.command("change")
@binder_option
@click.argument("item_ref", metavar="INDICATOR")
@click.option("--tlp", default=None, help="New TLP.")
@click.option("--first-seen", default=None, help="First seen (ISO 8601).")
@click.option("--last-seen", default=None, help="Last seen (ISO 8601).")
@click.option("--source", default=None, help="Where it was found.")
@click.option("--description", default=None, help="What it is.")
@click.option("--reason", required=True, help="Why it changes.")
@AS_OPTION
@OCCURRED_OPTION
def ioc_change(binder_path, item_ref, tlp, first_seen, last_seen, source, description, reason,
               person, occurred_at) -> None:
    """Change an indicator's TLP, times, source or description; prints the entry id."""
    _change(binder_path, item_ref, "ioc", person, reason, _given(
        tlp=tlp, first_seen=first_seen, last_seen=last_seen, source=source,
        description=description), occurred_at)


_withdraw_command(ioc, "ioc")


# ---------------------------------------------------------------- assets


@cli.group()
def asset() -> None:
    """Affected systems and accounts, with their containment status."""


@asset.command("add")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--name", required=True, help="Host name, account name or service.")
@click.option("--kind", default="", help=f"What it is, e.g. {', '.join(reg.ASSET_KINDS[:4])}.")
@click.option("--status", default="suspected", show_default=True,
              help=f"One of {', '.join(reg.ASSET_STATUSES)}.")
@click.option("--note", default="", help="Anything worth knowing about it.")
@AS_OPTION
@WITNESS_OPTION
@OCCURRED_OPTION
def asset_add(binder_path, incident_ref, name, kind, status, note, person, witness,
              occurred_at) -> None:
    """Register an affected system or account (journaled); prints its id."""
    _check_occurred(occurred_at)
    check.one_line(name, "asset name", required=True)
    reg._asset_fields({"status": status, "asset_kind": kind})
    with open_path(binder_path) as binder:
        inc = get_incident(binder, incident_ref)
        author, wit = _sessions(binder, person, witness)
        emit_id(reg.add_asset(binder, inc.id, author, name=name, kind=kind, status=status,
                              note=note, witness=wit, occurred_at=occurred_at))


def _asset_line(_owner_of, item: reg.Item) -> str:
    kind = f" ({item.get('asset_kind')})" if item.get("asset_kind") else ""
    return f"{item.get('status'):<10} {item.get('name')}{kind}"


@asset.command("list")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--all", "show_all", is_flag=True, help="Include withdrawn assets.")
@JSON
def asset_list(binder_path, incident_ref, show_all, as_json) -> None:
    """The affected systems and accounts of an incident."""
    _list(binder_path, incident_ref, "asset", as_json, show_all, _asset_line)


@asset.command("set")
@binder_option
@click.argument("item_ref", metavar="ASSET")
@click.option("--status", default=None, help=f"One of {', '.join(reg.ASSET_STATUSES)}.")
@click.option("--kind", default=None, help="What it is.")
@click.option("--note", default=None, help="A note.")
@click.option("--reason", default="", help="Why (e.g. 'firewalled at 14:05').")
@AS_OPTION
@OCCURRED_OPTION
def asset_set(binder_path, item_ref, status, kind, note, reason, person, occurred_at) -> None:
    """Change an asset's containment status (journaled); prints the entry id."""
    _change(binder_path, item_ref, "asset", person, reason,
            _given(status=status, asset_kind=kind, note=note), occurred_at)


_withdraw_command(asset, "asset")


# ---------------------------------------------------------------- tasks


@cli.group()
def task() -> None:
    """Tasks with an owner and a due time."""


@task.command("add")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--title", required=True, help="What has to be done.")
@click.option("--owner", default=None,
              help="Who does it: an enrolled signer, or a roster contact (name or id).")
@click.option("--due", default=None, help="When it is due (ISO 8601).")
@click.option("--note", default="", help="Details.")
@click.option("--from-checklist", "from_checklist", default=None, metavar="PHASE:ITEM",
              help="Make it from a checklist item of the plan, e.g. contain:2.")
@AS_OPTION
@OCCURRED_OPTION
def task_add(binder_path, incident_ref, title, owner, due, note, from_checklist, person,
             occurred_at) -> None:
    """Add a task (journaled); prints its id."""
    _check_occurred(occurred_at)
    check.one_line(title, "task title", required=True, limit=500)
    if due:
        check.zoned(due, "due time")
    with open_path(binder_path) as binder:
        _try_unlock(binder)
        inc = get_incident(binder, incident_ref)
        reg.resolve_owner(binder, owner)
        checklist = _checklist_ref(binder, inc, from_checklist) if from_checklist else None
        author = signer_session(binder, person)
        emit_id(reg.add_task(binder, inc.id, author, title=title, owner=owner, due=due,
                             note=note, checklist=checklist, occurred_at=occurred_at))


def _checklist_ref(binder: Binder, inc, ref: str) -> dict[str, Any]:
    from binder.core.incident import steps, workflow

    phase_key, sep, item = ref.partition(":")
    if not sep or not item.strip().isdigit() or int(item) < 1:
        raise BadInput("write the checklist item as PHASE:NUMBER, e.g. contain:2")
    phase = steps.check_phase(workflow.incident_plan(binder, inc), phase_key.strip())
    index = int(item) - 1
    if index >= len(phase.checklist):
        raise BadInput(f"phase {phase.key} has {len(phase.checklist)} checklist items")
    return {"phase": phase.key, "item": index, "text": phase.checklist[index]}


def _task_line(owner_of, item: reg.Item) -> str:
    owner = owner_of(item.fields) or "no owner"
    due = f", due {short_time(item.get('due_utc'))}" if item.get("due_utc") else ""
    late = "  OVERDUE" if (item.get("status") == "open" and item.get("due_utc")
                          and item.get("due_utc") < reg._now_text(None)) else ""
    return f"{item.get('status'):<9} {item.get('title')} ({owner}{due}){late}"


@task.command("list")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--all", "show_all", is_flag=True, help="Include withdrawn tasks.")
@JSON
def task_list(binder_path, incident_ref, show_all, as_json) -> None:
    """The tasks of an incident, with overdue ones marked."""
    _list(binder_path, incident_ref, "task", as_json, show_all, _task_line)


@task.command("done")
@binder_option
@click.argument("item_ref", metavar="TASK")
@click.option("--note", default="", help="What was done.")
@AS_OPTION
@OCCURRED_OPTION
def task_done(binder_path, item_ref, note, person, occurred_at) -> None:
    """Mark a task done (journaled); prints the entry id."""
    _check_occurred(occurred_at)
    with open_path(binder_path) as binder:
        item = reg.get_item(binder, item_ref, "task")
        if item.get("status") == "done":
            raise BadInput(f"task {item.id} is already done")
        author = signer_session(binder, person)
        emit_id(reg.complete_task(binder, item.id, author, note, occurred_at=occurred_at))


@task.command("change")
@binder_option
@click.argument("item_ref", metavar="TASK")
@click.option("--title", default=None, help="New title.")
@click.option("--owner", default=None, help="New owner.")
@click.option("--due", default=None, help="New due time (ISO 8601).")
@click.option("--status", default=None, help=f"One of {', '.join(reg.TASK_STATUSES)}.")
@click.option("--reason", default="", help="Why.")
@AS_OPTION
@OCCURRED_OPTION
def task_change(binder_path, item_ref, title, owner, due, status, reason, person,
                occurred_at) -> None:
    """Change a task's title, owner, due time or status; prints the entry id."""
    _change(binder_path, item_ref, "task", person, reason,
            _given(title=title, owner=owner, due=due, status=status), occurred_at)


_withdraw_command(task, "task")


# ---------------------------------------------------------------- search


@cli.command("search")
@binder_option
@click.argument("query", required=False, default="")
@click.option("--incident", "incident_ref", default=None, help="Only this incident.")
@click.option("--kind", "kinds", multiple=True,
              help="Only entries of this kind (repeatable), e.g. timeline, ioc, decision.")
@click.option("--phase", default=None, help="Only entries written in this phase.")
@click.option("--person", default=None, help="Only entries written by this person.")
@click.option("--from", "since", default=None, help="Happened at or after (ISO 8601).")
@click.option("--to", "until", default=None, help="Happened at or before (ISO 8601).")
@click.option("--limit", default=searching.DEFAULT_LIMIT, show_default=True, type=int,
              help="At most this many results.")
@click.option("--rebuild", is_flag=True, help="Make the search index again from the journal.")
@JSON
def search(binder_path, query, incident_ref, kinds, phase, person, since, until, limit,
           rebuild, as_json) -> None:
    """Search journals, attacker timelines and indicators of every incident, newest first."""
    with open_path(binder_path) as binder:
        if rebuild:
            count = searching.rebuild_index(binder)
            _note(f"search index rebuilt from {count} journal entries")
            if not query.strip():
                return
        incident_id = get_incident(binder, incident_ref).id if incident_ref else None
        hits = searching.search(binder, query, incident_id=incident_id, kinds=kinds or None,
                                phase=phase, person=person, since=since, until=until,
                                limit=limit)
        names = {} if as_json or not hits else people_names(binder)
    if as_json:
        emit_json([h.to_dict() for h in hits])
        return
    if not hits:
        click.echo("No matches.")
        return
    for h in hits:
        when = short_time(h.occurred_at or h.recorded_at)
        click.echo(f"incident {h.incident_id} #{h.seq:<5} {when}  {h.kind:<12} "
                   f"{person_name(names, h.author)}: "
                   f"{h.snippet}")
