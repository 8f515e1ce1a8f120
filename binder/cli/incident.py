"""`binder incident open|list`: the incident records (guided response adds more)."""

from __future__ import annotations

from pathlib import Path

import click

from binder.cli.common import (
    binder_option,
    emit_id,
    emit_json,
    json_option,
    open_path,
    signer_session,
)
from binder.cli.root import INCIDENT_COMMANDS, LazyGroup, cli
from binder.core.errors import NotFound
from binder.core.incident import record as incidents


@cli.group(cls=LazyGroup, lazy=INCIDENT_COMMANDS)
def incident() -> None:
    """Open, list and show incidents."""


@incident.command("open")
@binder_option
@click.option("--title", required=True, help="A short title, e.g. 'Skimmer in checkout'.")
@click.option("--detected-at", default=None, help="When it was detected (ISO 8601; default now).")
@click.option("--aware-at", default=None,
              help="When the organisation became aware (ISO 8601): a signed decision the "
                   "awareness clocks count from (default: they count from detection).")
@click.option("--type", "type_", default="other", help="Incident type key (see `incident types`).")
@click.option("--severity", default="medium", help="Severity on the plan's scale.")
@click.option("--drill", is_flag=True, help="Mark as a drill (tabletop exercise).")
@click.option("--plan", "plan_name", default=None, help="Plan to run under (default: the first).")
@click.option("--as", "person", required=True, help="Who opens it (an enrolled signer).")
def incident_open(binder_path: Path | None, title: str, detected_at: str | None,
                  aware_at: str | None, type_: str, severity: str, drill: bool,
                  plan_name: str | None, person: str) -> None:
    """Open an incident; prints its id."""
    from binder.core.plan import revisions as plans  # here: `incident list` needs no plan

    with open_path(binder_path) as binder:
        try:
            rev = plans.current_revision(binder, plan_name)
            plan_rev_id, sev, types = rev.id, rev.plan.severities, tuple(k for k, _ in rev.plan.incident_types)
        except NotFound:
            if plan_name:
                raise
            plan_rev_id, sev, types = None, incidents.SEVERITIES, None
        author = signer_session(binder, person)
        new_id = incidents.open_incident(
            binder, author, title=title, detected_at=detected_at, type=type_, severity=severity,
            drill=drill, plan_revision_id=plan_rev_id, severities=sev, types=types,
            aware_at=aware_at,
        )
    emit_id(new_id)


@incident.command("list")
@binder_option
@json_option
def incident_list(binder_path: Path | None, as_json: bool) -> None:
    """List incidents (drills marked)."""
    with open_path(binder_path) as binder:
        rows = []
        for i in incidents.list_incidents(binder):
            now = incidents.classification(binder, i)
            rows.append({"id": i.id, "uuid": i.uuid, "title": i.title, "type": now.type,
                         "severity": now.severity, "drill": i.drill, "detected_at": i.detected_at,
                         "opened_at": i.opened_at, "opened_by": i.opened_by})
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        mark = " [DRILL]" if r["drill"] else ""
        click.echo(f"{r['id']:>4}  {r['detected_at'][:16]}  {r['severity']:<8} {r['title']}{mark}")
