"""The guided response on the command line.

`incident show|phase|tick|close|reopen|types`, `decide`, `notify`,
`notify-decision`, `need-to-know`, `clock ...`, `impact ...`, `review ...` and
`drill ...`. Each step is a signed journal entry written by the core
(:mod:`binder.core.incident.workflow`, :mod:`binder.core.incident.clocks`, :mod:`binder.core.incident.drills`); commands
that create something print the new id alone on stdout.
"""

from __future__ import annotations

from pathlib import Path

import click

from binder.cli.common import (
    author_and_witness,
    binder_option,
    check_witness,
    emit_id,
    emit_json,
    json_option,
    open_path,
    parse_id,
    people_names,
    person_name,
    read_form_fields,
    signer_session,
    unlock,
)
from binder.cli.incident import incident
from binder.cli.root import cli
from binder.core import times
from binder.core.errors import BadInput, NotFound
from binder.core.formatting import amount_text
from binder.core.incident import clocks as clockmod
from binder.core.incident import drills, notifications, steps, workflow
from binder.core.incident import impact as impacts
from binder.core.incident import record as incidents
from binder.core.incident import review as reviews
from binder.core.incident.journal import parse_time
from binder.core.plan import revisions as plans
from binder.core.storage.database import Binder

AS_OPTION = click.option("--as", "person", required=True, help="Who does it (an enrolled signer).")
OCCURRED_OPTION = click.option(
    "--occurred-at", default=None,
    help="When it actually happened (ISO 8601, kept as typed with its offset; default: now).")


def _check_time(value: str | None, what: str = "occurred-at time") -> None:
    # Said before any passphrase is asked.
    if value:
        times.parse_event_time(value, what)


def _note(message: str) -> None:
    # Human confirmations go to stderr so stdout holds only the id for scripts.
    click.echo(message, err=True)


def _incident(binder: Binder, ref: str):
    return incidents.get_incident(binder, ref)


# ---------------------------------------------------------------- incident show


def _print_state(state: workflow.IncidentState, names: dict) -> None:
    inc = state.incident
    echo = click.echo

    def name(login: str) -> str:  # people as their certificates name them
        return person_name(names, login)

    mark = "  [DRILL]" if inc.drill else ""
    echo(f"Incident {inc.id}: {inc.title}{mark}")
    echo(f"  type {state.type}, severity {state.severity}, detected "
         f"{clockmod.short_time(inc.detected_at)}, plan {state.plan_name!r} "
         f"(revision {state.plan_revision_id})")
    if state.aware_at and state.aware_at != inc.detected_at:
        echo(f"  aware since {clockmod.short_time(state.aware_at)}")
    if state.materiality_at:
        echo(f"  found material {clockmod.short_time(state.materiality_at)}")
    for change in state.classification_changes:
        echo(f"  {change.text} ({clockmod.short_time(change.event_at)}, {name(change.author)})"
             + (f": {change.reason}" if change.reason else ""))
    if state.closed:
        echo(f"  CLOSED {clockmod.short_time(state.closed_at)} by {name(state.closed_by)}")
    focus = next(p for p in state.phases if p.is_focus)
    echo(f"  focus: {focus.name} ({focus.key})")
    if state.drill is not None:
        d = state.drill
        echo(f"  drill scenario {d.scenario_key}: {len(d.revealed)} of {len(d.injects)} injects revealed")
        for inj in d.revealed:
            echo(f"    inject {inj.number}: {inj.text}")
    echo("")
    echo("Phases")
    for phase in state.phases:
        star = "*" if phase.is_focus else " "
        echo(f"{star} {phase.key}  {phase.name}  [{phase.done_count}/{len(phase.checklist)}]")
        for para in phase.guidance.split("\n\n"):
            if para.strip():
                echo(f"      {' '.join(para.split())}")
        for item in phase.checklist:
            box = "[x]" if item.done else "[ ]"
            who = f"  ({name(item.done_by)}, {clockmod.short_time(item.done_at)})" if item.done else ""
            echo(f"    {box} {item.index + 1}. {item.text}{who}")
        for owner in phase.owners:
            people = f": {', '.join(owner.people)}" if owner.people else ""
            echo(f"    {owner.responsibility:<10} {owner.role_name}{people}")
    echo("")
    echo("Clocks")
    for c in state.clocks:
        echo(f"  {c.label:<8} {c.key:<22} {c.name}: {c.describe()}")
        if c.deadline:
            echo(f"           due {clockmod.short_time(c.deadline)} ({c.due_text})")
    echo("")
    echo("Decisions")
    for d in state.decisions:
        approved = f" (approved by {d.approved_by})" if d.approved_by else ""
        echo(f"  {clockmod.short_time(d.at)}  {name(d.author)}: {d.decision}{approved}")
        echo(f"      because: {d.reason}")
        if d.options:
            echo(f"      options: {'; '.join(d.options)}")
    for nd in state.notify_decisions:
        verb = "notify" if nd.notify else "do not notify"
        echo(f"  {clockmod.short_time(nd.at)}  {name(nd.author)}: {verb} {nd.party} — {nd.reason}")
    if not state.decisions and not state.notify_decisions:
        echo("  none yet")
    echo("")
    echo("Notifications")
    for n in state.notifications:
        clock = f" [{n.clock_key}]" if n.clock_key else ""
        answered = state.notification_verdict(n.entry_id)
        verdict = f" — {answered.label}" if answered is not None else (
            " — follow-up" if n.clock_key else "")
        ref = f" ref. {n.reference}" if n.reference else ""
        echo(f"  {clockmod.short_time(n.told_at)}  {name(n.told_by)} told {n.party} by {n.channel}"
             f"{clock}{ref}{verdict}: {n.message}")
        if n.delay_reason:
            echo(f"      reasons for the delay: {n.delay_reason}")
    if not state.notifications:
        echo("  none yet")
    if state.need_to_know:
        echo("  need to know: " + ", ".join(p.name for p in state.need_to_know))
    if state.impact:
        echo("")
        echo("Financial impact")
        for line in state.impact:
            echo(f"  {line.category}: {amount_text(line.amount, line.currency)} {line.currency}"
                 f"  {line.note}")
        for cur, total in sorted(state.impact_totals.items()):
            echo(f"  total {amount_text(total, cur)} {cur}")
    if state.reviews:
        echo("")
        echo("Reviews")
        for r in state.reviews:
            status = (f"accepted as plan revision {r.accepted_revision}" if r.accepted_revision
                      else "not accepted yet")
            echo(f"  entry {r.entry_id} by {name(r.author)} ({status}): {r.lessons}")
            for c in r.changes:
                echo(f"    - {c.describe()}")


@incident.command("show")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--at", "at", default=None, help="Show the clocks as of this time (ISO 8601).")
@json_option
def incident_show(binder_path: Path | None, incident_ref: str, at: str | None, as_json: bool) -> None:
    """Phases with guidance, checklists and owners; decisions; notifications; clocks."""
    now = parse_time(at, "--at time") if at else None
    with open_path(binder_path) as binder:
        unlock(binder, ask=False)  # roster names for the owners, when no prompt is needed
        state = workflow.incident_state(binder, _incident(binder, incident_ref).id, now=now)
        names = {} if as_json else people_names(binder)
    if as_json:
        emit_json(workflow.state_to_dict(state))
    else:
        _print_state(state, names)


@incident.command("set")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--type", "type_", default=None, help="The new incident type (see `incident types`).")
@click.option("--severity", default=None, help="The new severity on the plan's scale.")
@click.option("--reason", default="", help="Why it changes.")
@OCCURRED_OPTION
@AS_OPTION
def incident_set(binder_path, incident_ref: str, type_: str | None, severity: str | None,
                 reason: str, occurred_at: str | None, person: str) -> None:
    """Change the type or severity (one signed entry each); prints the entry ids.

    A new type starts the clocks the plan maps to it, counted from awareness.
    """
    _check_time(occurred_at)
    if type_ is None and severity is None:
        raise BadInput("say what changes: give --type, --severity or both")
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        plan = workflow.incident_plan(binder, inc)
        kwargs = dict(type=type_, severity=severity, reason=reason, occurred_at=occurred_at,
                      types=tuple(k for k, _ in plan.incident_types), severities=plan.severities)
        current = incidents.classification(binder, inc)
        if (type_ in (None, current.type)) and (severity in (None, current.severity)):
            raise BadInput("nothing changes: the incident already has that type and severity")
        for value, known, what in ((type_, kwargs["types"], "incident type"),
                                   (severity, plan.severities, "severity")):
            if value is not None and value not in known:
                raise BadInput(f"unknown {what} {value!r}; use one of {', '.join(known)}")
        author = signer_session(binder, person)
        for entry_id in incidents.set_classification(binder, inc.id, author, **kwargs):
            emit_id(entry_id)


@incident.command("phase")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.argument("phase")
@OCCURRED_OPTION
@AS_OPTION
def incident_phase(binder_path, incident_ref: str, phase: str, occurred_at: str | None,
                   person: str) -> None:
    """Move the focus to PHASE (journaled); prints the entry id."""
    _check_time(occurred_at)
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        steps.check_phase(workflow.incident_plan(binder, inc), phase)
        author = signer_session(binder, person)
        emit_id(workflow.set_focus_phase(binder, inc.id, author, phase, occurred_at=occurred_at))


@incident.command("tick")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.argument("phase")
@click.argument("item")
@click.option("--undo", is_flag=True, help="Untick the item (recorded as a new entry).")
@OCCURRED_OPTION
@AS_OPTION
def incident_tick(binder_path, incident_ref: str, phase: str, item: str, undo: bool,
                  occurred_at: str | None, person: str) -> None:
    """Tick checklist ITEM (its number or text) of PHASE; prints the entry id."""
    _check_time(occurred_at)
    ref: int | str = item
    if item.strip().isdigit():
        number = int(item)
        if number < 1:
            raise BadInput("checklist items are numbered from 1")
        ref = number - 1
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        plan_phase = steps.check_phase(workflow.incident_plan(binder, inc), phase)
        workflow.resolve_item(plan_phase, ref)
        author = signer_session(binder, person)
        emit_id(workflow.tick_checklist(binder, inc.id, author, phase, ref, done=not undo,
                                        occurred_at=occurred_at))


@incident.command("close")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--summary", default="", help="How it ended, in a sentence or two.")
@click.option("--witness", default=None, help="A second person who co-signs the closing.")
@OCCURRED_OPTION
@AS_OPTION
def incident_close(binder_path, incident_ref: str, summary: str, witness: str | None,
                   occurred_at: str | None, person: str) -> None:
    """Close the incident (reviews and impact can still be added); prints the entry id.

    Deadlines still running or missed are named on stderr and in the closing entry.
    """
    _check_time(occurred_at)
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        state = workflow.incident_state(binder, inc.id)
        if state.closed:
            raise BadInput(f"incident {inc.id} is already closed")
        check_witness(binder, person, witness)
        pending = workflow.open_clocks(state)
        if pending:
            _note(f"warning: closing with {len(pending)} deadline(s) open; the closing entry "
                  "records them:")
            for c in pending:
                _note(f"  {c.label:<8} {c.name}: {c.describe()}")
        author, wit = author_and_witness(binder, person, witness)
        emit_id(workflow.close_incident(binder, inc.id, author, summary,
                                        witness=wit,
                                        occurred_at=occurred_at))


@incident.command("reopen")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--reason", required=True, help="Why it is reopened.")
@OCCURRED_OPTION
@AS_OPTION
def incident_reopen(binder_path, incident_ref: str, reason: str, occurred_at: str | None,
                    person: str) -> None:
    """Reopen a closed incident; prints the entry id."""
    _check_time(occurred_at)
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        if not workflow.incident_state(binder, inc.id).closed:
            raise BadInput(f"incident {inc.id} is not closed")
        author = signer_session(binder, person)
        emit_id(workflow.reopen_incident(binder, inc.id, author, reason, occurred_at=occurred_at))


@incident.command("types")
@binder_option
@click.option("--plan", "plan_name", default=None, help="Plan to read (default: the first).")
@json_option
def incident_types(binder_path, plan_name: str | None, as_json: bool) -> None:
    """List incident types and severities of the plan."""
    with open_path(binder_path) as binder:
        try:
            plan = plans.current_revision(binder, plan_name).plan
            types, severities = plan.incident_types, plan.severities
        except NotFound:
            if plan_name:
                raise
            types, severities = incidents.INCIDENT_TYPES, incidents.SEVERITIES
    if as_json:
        emit_json({"types": [{"key": k, "label": v} for k, v in types],
                   "severities": list(severities)})
        return
    for key, label in types:
        click.echo(f"{key:<18} {label}")
    click.echo(f"severities: {', '.join(severities)}")


# ---------------------------------------------------------------- decisions and notifications


@cli.command("decide")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@AS_OPTION
@click.option("--decision", required=True, help="What was decided.")
@click.option("--reason", required=True, help="The reasoning.")
@click.option("--option", "options", multiple=True, help="An option that was weighed (repeat).")
@click.option("--approved-by", default="", help="Who approved it.")
@click.option("--witness", default=None, help="A second person who co-signs the decision.")
@click.option("--materiality", is_flag=True,
              help="This decision finds the incident material (starts SEC 8-K style clocks).")
@OCCURRED_OPTION
def decide(binder_path, incident_ref, person, decision, reason, options, approved_by, witness,
           materiality, occurred_at) -> None:
    """Record a decision with its reasoning; prints the entry id."""
    _check_time(occurred_at)
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        author, wit = author_and_witness(binder, person, witness)
        emit_id(workflow.record_decision(
            binder, inc.id, author, decision=decision, reason=reason, options=options,
            approved_by=approved_by, witness=wit, materiality=materiality,
            occurred_at=occurred_at,
        ))


@cli.command("notify")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@AS_OPTION
@click.option("--party", required=True,
              help="Who was told, e.g. " + ", ".join(label for _, label in notifications.KNOWN_PARTIES[:4]) + "...")
@click.option("--channel", required=True, help="How: phone, email, portal, in person...")
@click.option("--message", default=None, help="What was said (or --fields for a submitted form).")
@click.option("--clock", "clock_key", default=None, help="The clock this notification answers.")
@click.option("--occurred-at", "--at", "told_at", default=None,
              help="When they were told (ISO 8601, kept as typed; default now).")
@click.option("--reference", default="", help="The reference number the authority gave it.")
@click.option("--reason", "delay_reason", default="",
              help="Reasons for the delay, when it comes after the clock's deadline.")
@click.option("--fields", "fields_path", type=click.Path(path_type=Path), default=None,
              help="The regulator form as submitted (the JSON of `binder notice draft`, - for "
                   "stdin): its text becomes the message and its fields are kept.")
@click.option("--form", "form_key", default=None,
              help="Which form --fields holds (default: the form of the --clock).")
def notify(binder_path, incident_ref, person, party, channel, message, clock_key, told_at,
           reference, delay_reason, fields_path, form_key) -> None:
    """Record who was told what, when and how; prints the entry id."""
    _check_time(told_at, "told-at time")
    if (message is None) == (fields_path is None):
        raise BadInput("give --message (what was said) or --fields (the form as submitted), "
                       "one of the two")
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        notifications.check_clock(binder, inc.id, clock_key)
        values = None
        if fields_path is not None:
            form_key = _form_of(binder, inc.id, form_key, clock_key)
            from binder.core.incident import notices

            values = read_form_fields(fields_path, notices.get_form(form_key)) or {}
        author = signer_session(binder, person)
        if values is None:
            entry_id = notifications.record_notification(
                binder, inc.id, author, party=party, channel=channel, message=message,
                told_at=told_at, clock_key=clock_key, reference=reference,
                delay_reason=delay_reason,
            )
        else:
            entry_id = notices.submit(
                binder, inc.id, author, form_key, values, channel=channel, told_at=told_at,
                reference=reference, clock_key=clock_key, party=party,
                delay_reason=delay_reason or None,
            )
        if clock_key:
            _say_verdict(binder, inc.id, entry_id)
        emit_id(entry_id)


def _form_of(binder: Binder, incident_id: int, form_key: str | None, clock_key: str | None) -> str:
    """The regulator form a submission holds: --form, else the one its clock asks for."""
    from binder.core.incident import notices

    if form_key:
        return notices.get_form(form_key).key
    if clock_key:
        for clock in workflow.incident_state(binder, incident_id).clocks:
            if clock.key == clock_key and clock.form:
                return clock.form
    raise BadInput("say which form --fields holds with --form (see `binder notice forms`)")


def _say_verdict(binder: Binder, incident_id: int, entry_id: int) -> None:
    state = workflow.incident_state(binder, incident_id)
    clock = state.notification_verdict(entry_id)
    if clock is None:
        _note("recorded as a follow-up: an earlier notification already answered this clock")
    elif clock.status == "late" and not clock.reason:
        _note(f"{clock.name}: {clock.describe()}; give the reasons with --reason")
    else:
        _note(f"{clock.name}: {clock.describe()}")


@cli.command("notify-decision")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@AS_OPTION
@click.option("--party", required=True, help="The party concerned, e.g. Data protection authority.")
@click.option("--notify/--dont-notify", "do_notify", required=True,
              help="Whether the party will be notified.")
@click.option("--reason", required=True, help="The reasoning (GDPR Art. 33(5): document it).")
@click.option("--clock", "clock_key", default=None, help="The clock this decision concerns.")
@click.option("--witness", default=None, help="A second person who co-signs the decision.")
@OCCURRED_OPTION
def notify_decision(binder_path, incident_ref, person, party, do_notify, reason, clock_key,
                    witness, occurred_at) -> None:
    """Record a decision to notify a party or not, with its reasoning; prints the entry id."""
    _check_time(occurred_at)
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        notifications.check_clock(binder, inc.id, clock_key)
        author, wit = author_and_witness(binder, person, witness)
        emit_id(notifications.record_notify_decision(
            binder, inc.id, author, party=party, notify=do_notify, reason=reason,
            clock_key=clock_key, witness=wit, occurred_at=occurred_at,
        ))


@cli.command("need-to-know")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@AS_OPTION
@click.option("--name", required=True, help="The person who may be told.")
@click.option("--remove", is_flag=True, help="Take the person off the list.")
@click.option("--reason", default="", help="Why they need to know.")
@OCCURRED_OPTION
def need_to_know(binder_path, incident_ref, person, name, remove, reason, occurred_at) -> None:
    """Add someone to (or remove them from) the need-to-know list; prints the entry id."""
    _check_time(occurred_at)
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        author = signer_session(binder, person)
        emit_id(notifications.set_need_to_know(binder, inc.id, author, name, allowed=not remove,
                                          reason=reason, occurred_at=occurred_at))


# ---------------------------------------------------------------- clocks


@cli.group()
def clock() -> None:
    """Regulatory and contractual clocks of an incident."""


@clock.command("list")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--at", "at", default=None, help="As of this time (ISO 8601; default now).")
@json_option
def clock_list(binder_path, incident_ref, at, as_json) -> None:
    """List the clocks with deadlines and status."""
    now = parse_time(at, "--at time") if at else None
    with open_path(binder_path) as binder:
        statuses = clockmod.incident_clocks(binder, _incident(binder, incident_ref).id, now=now)
    if as_json:
        emit_json([c.to_dict() for c in statuses])
        return
    for c in statuses:
        deadline = clockmod.short_time(c.deadline) if c.deadline else "-"
        click.echo(f"{c.label:<8} {c.key:<22} {c.name}: {c.describe()}")
        click.echo(f"         due {deadline} ({c.due_text})")


@clock.command("add")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@AS_OPTION
@click.option("--key", required=True, help="Short key, e.g. acquirer_contract.")
@click.option("--name", required=True, help="What must be done, e.g. 'Tell the acquirer'.")
@click.option("--due", required=True, type=int, help="How many units after the start.")
@click.option("--unit", default="hours", type=click.Choice(clockmod.UNITS), show_default=True)
@click.option("--starts", default="awareness", type=click.Choice(clockmod.STARTS), show_default=True)
@click.option("--authority", default="", help="Who must be told.")
@click.option("--note", default="", help="Where the deadline comes from (contract clause...).")
@OCCURRED_OPTION
def clock_add(binder_path, incident_ref, person, key, name, due, unit, starts, authority, note,
              occurred_at) -> None:
    """Add a custom clock (e.g. from a contract) to the incident; prints the entry id."""
    clockmod.check_spec(clockmod.ClockSpec(key=key, name=name, due=due, unit=unit, starts=starts))
    _check_time(occurred_at)
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        author = signer_session(binder, person)
        emit_id(clockmod.add_clock(binder, inc.id, author, key=key, name=name, due=due, unit=unit,
                                   starts=starts, authority=authority, note=note,
                                   occurred_at=occurred_at))


def _switch(binder_path, incident_ref, key, person, reason, enabled: bool,
            occurred_at: str | None) -> None:
    _check_time(occurred_at)
    if not enabled and not reason.strip():
        raise BadInput("switching a clock off needs a reason: say why it does not apply")
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        keys = clockmod.known_clock_keys(binder, inc.id)
        if key not in keys:
            raise BadInput(f"there is no clock {key!r} for this incident; clocks: {', '.join(keys)}")
        author = signer_session(binder, person)
        emit_id(clockmod.set_clock_enabled(binder, inc.id, author, key, enabled, reason,
                                           occurred_at=occurred_at))


@clock.command("on")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.argument("key")
@AS_OPTION
@click.option("--reason", default="", help="Why it applies.")
@OCCURRED_OPTION
def clock_on(binder_path, incident_ref, key, person, reason, occurred_at) -> None:
    """Switch a clock on for this incident; prints the entry id."""
    _switch(binder_path, incident_ref, key, person, reason, True, occurred_at)


@clock.command("off")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.argument("key")
@AS_OPTION
@click.option("--reason", required=True, help="Why it does not apply.")
@OCCURRED_OPTION
def clock_off(binder_path, incident_ref, key, person, reason, occurred_at) -> None:
    """Switch a clock off for this incident, saying why; prints the entry id."""
    _switch(binder_path, incident_ref, key, person, reason, False, occurred_at)


@clock.command("aware")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--at", "at", required=True, help="When the organisation became aware (ISO 8601).")
@AS_OPTION
@click.option("--reason", default="", help="Why this is the moment of awareness.")
@click.option("--witness", default=None, help="A second person who co-signs the decision.")
def clock_aware(binder_path, incident_ref, at, person, reason, witness) -> None:
    """Record when the organisation became aware (a signed decision); prints the entry id."""
    _check_time(at, "awareness time")
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        author, wit = author_and_witness(binder, person, witness)
        emit_id(clockmod.set_awareness(binder, inc.id, author, at, reason, witness=wit))


# ---------------------------------------------------------------- impact and review


@cli.group()
def impact() -> None:
    """Financial impact of an incident."""


@impact.command("add")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@AS_OPTION
@click.option("--category", required=True, help="e.g. 'Forensic investigation'.")
@click.option("--amount", required=True, help="e.g. 1250.00 (negative corrects an earlier line).")
@click.option("--currency", required=True, help="3-letter code, e.g. EUR.")
@click.option("--note", default="", help="Where the figure comes from.")
@OCCURRED_OPTION
@click.option("--estimate", is_flag=True, help="The figure is an estimate, not invoiced or booked.")
def impact_add(binder_path, incident_ref, person, category, amount, currency, note,
               occurred_at, estimate) -> None:
    """Add a financial impact line; prints the entry id."""
    impacts.parse_amount(amount)
    _check_time(occurred_at)
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        author = signer_session(binder, person)
        emit_id(impacts.add_impact(binder, inc.id, author, category, amount, currency, note,
                                    occurred_at=occurred_at, estimate=estimate))


@impact.command("list")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@json_option
def impact_list(binder_path, incident_ref, as_json) -> None:
    """List impact lines and totals per currency."""
    with open_path(binder_path) as binder:
        state = workflow.incident_state(binder, _incident(binder, incident_ref).id)
    if as_json:
        data = workflow.state_to_dict(state)
        emit_json({"lines": data["impact"], "totals": data["impact_totals"]})
        return
    for line in state.impact:
        click.echo(f"{line.entry_id:>6}  {line.category:<34} "
                   f"{amount_text(line.amount, line.currency):>22} {line.currency}  {line.note}")
    for cur, total in sorted(state.impact_totals.items()):
        click.echo(f"{'total':>6}  {'':<34} {amount_text(total, cur):>22} {cur}")


@cli.group()
def review() -> None:
    """Post-incident review: lessons learned and plan changes."""


@review.command("add")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@AS_OPTION
@click.option("--lessons", required=True, help="What worked, what was slow, what was missing.")
@click.option("--change", "changes", multiple=True,
              help="A proposed plan change (repeat): checklist:PHASE:TEXT, guidance:PHASE:TEXT, "
                   "raci:ACTIVITY:ROLE:VALUE, or plain words.")
def review_add(binder_path, incident_ref, person, lessons, changes) -> None:
    """Record a review; prints the entry id."""
    parsed = [reviews.parse_change(c) for c in changes]
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        plan = workflow.incident_plan(binder, inc)
        for change in parsed:
            reviews.check_change(plan, change)
        author = signer_session(binder, person)
        emit_id(reviews.add_review(binder, inc.id, author, lessons, parsed))


@review.command("accept")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@AS_OPTION
@click.option("--review", "review_ref", default=None,
              help="The review's entry id (default: the latest not yet accepted).")
def review_accept(binder_path, incident_ref, person, review_ref) -> None:
    """Turn a review's changes into a new plan revision; prints the revision id."""
    review_id = parse_id(review_ref, "review entry") if review_ref else None
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        author = signer_session(binder, person)
        emit_id(reviews.accept_review(binder, inc.id, author, review_id))


# ---------------------------------------------------------------- drills


@cli.group()
def drill() -> None:
    """Drills (tabletop exercises) run from the plan's scenarios."""


@drill.command("scenarios")
@binder_option
@click.option("--plan", "plan_name", default=None, help="Plan to read (default: the first).")
@json_option
def drill_scenarios(binder_path, plan_name, as_json) -> None:
    """List the drill scenarios of the plan."""
    with open_path(binder_path) as binder:
        scenarios = drills.list_scenarios(binder, plan_name)
    if as_json:
        emit_json([{"key": s.key, "title": s.title, "incident_type": s.incident_type,
                    "summary": s.summary, "injects": len(s.injects)} for s in scenarios])
        return
    for s in scenarios:
        click.echo(f"{s.key:<22} {s.title}  ({len(s.injects)} injects)")


@drill.command("list")
@binder_option
@json_option
def drill_list(binder_path, as_json) -> None:
    """List drills only (kept apart from real incidents)."""
    with open_path(binder_path) as binder:
        rows = []
        for inc in incidents.list_incidents(binder):
            if not inc.drill:
                continue
            state = drills.drill_state(binder, inc.id)
            rows.append({
                "id": inc.id, "title": inc.title, "detected_at": inc.detected_at,
                "opened_by": inc.opened_by, "drill": True,
                "scenario": state.scenario_key if state else None,
                "injects_revealed": len(state.revealed) if state else 0,
                "injects_total": len(state.injects) if state else 0,
            })
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        progress = (f"{r['injects_revealed']}/{r['injects_total']} injects"
                    if r["scenario"] else "no scenario")
        click.echo(f"{r['id']:>4}  {r['detected_at'][:16]}  [DRILL] {r['title']}  ({progress})")


@drill.command("start")
@binder_option
@click.argument("scenario")
@AS_OPTION
@click.option("--plan", "plan_name", default=None, help="Plan to run under (default: the first).")
@click.option("--severity", default=None, help="Severity on the plan's scale.")
@click.option("--title", default=None, help="Title (default: the scenario's).")
def drill_start(binder_path, scenario, person, plan_name, severity, title) -> None:
    """Open a drill incident from SCENARIO; prints the incident id."""
    with open_path(binder_path) as binder:
        drills.get_scenario(plans.current_revision(binder, plan_name).plan, scenario)
        author = signer_session(binder, person)
        new_id = drills.start_drill(binder, author, scenario, plan_name=plan_name,
                                    severity=severity, title=title)
    emit_id(new_id)


@drill.command("inject")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@AS_OPTION
def drill_inject(binder_path, incident_ref, person) -> None:
    """Reveal the next inject (its text on stderr); prints the entry id."""
    with open_path(binder_path) as binder:
        inc = _incident(binder, incident_ref)
        nxt, total = drills.pending_inject(binder, inc.id)
        author = signer_session(binder, person)
        entry_id = drills.reveal_next_inject(binder, inc.id, author)
    _note(f"Inject {nxt.number} of {total}: {nxt.text}")
    emit_id(entry_id)
