"""`binder readiness ...` (standing preparation) and `binder access-log` (who had access)."""

from __future__ import annotations

from pathlib import Path

import click

from binder.cli.common import binder_option, emit_id, emit_json, get_secret, json_option, open_path
from binder.cli.root import cli
from binder.core import readiness
from binder.core.crypto import session, signers
from binder.core.incident import access
from binder.core.incident.journal import parse_time
from binder.core.incident.record import get_incident

_LABELS = {readiness.OK: "OK", readiness.DUE_SOON: "DUE SOON", readiness.STALE: "STALE",
           readiness.NEVER: "NEVER"}


def _when(value: str | None) -> str:
    # Scripts and people in other zones read the same thing: UTC, to the minute.
    return f"{value[:10]} {value[11:16]} UTC" if value else "-"


@cli.group("readiness", invoke_without_command=True)
@binder_option
@click.option("--plan", "plan_name", default=None, help="Which plan's prerequisites (default: the first plan).")
@json_option
@click.pass_context
def readiness_cmd(ctx: click.Context, binder_path: Path | None, plan_name: str | None,
                  as_json: bool) -> None:
    """Standing preparation: each prerequisite, when it was last done, and what is stale."""
    ctx.ensure_object(dict)
    if binder_path is not None:
        ctx.obj["binder_path"] = binder_path
    ctx.obj["plan_name"] = plan_name
    if ctx.invoked_subcommand is not None:
        return
    with open_path(binder_path) as binder:
        items = readiness.readiness_status(binder, plan_name=plan_name)
        names = {} if as_json else signers.names_by_login(binder)
    if as_json:
        emit_json({"items": [i.to_dict() for i in items], "summary": readiness.summary(items)})
        return
    width = max(len(i.name) for i in items)
    for item in items:
        done = f"; done {_when(item.last_done)}" if item.last_done else ""
        by = (f" by {signers.name_for_login(names, item.done_by)}"
              if item.last_done and item.done_by else "")
        click.echo(f"{_LABELS[item.status]:<9} {item.name:<{width}}  [{item.key}]  "
                   f"{item.detail}{done}{by}")
    counts = readiness.summary(items)
    click.echo(f"{counts['ok']} ok, {counts['due-soon']} due soon, {counts['stale']} stale, "
               f"{counts['never']} never done")


@readiness_cmd.command("done")
@binder_option
@click.argument("key")
@click.option("--who", required=True, help="Who did it.")
@click.option("--note", default="", help="What was done, found or changed.")
@click.option("--at", "done_at", default=None, metavar="ISO",
              help="When it was done (default: now), e.g. 2026-03-02T15:00+01:00.")
@click.pass_context
def done(ctx: click.Context, binder_path: Path | None, key: str, who: str, note: str,
         done_at: str | None) -> None:
    """Record that a prerequisite was done; prints the record id."""
    with open_path(binder_path) as binder:
        record_id = readiness.record_done(binder, key, who, note, done_at=done_at,
                                          plan_name=(ctx.obj or {}).get("plan_name"))
    emit_id(record_id)


@readiness_cmd.command("test-restore")
@binder_option
@click.argument("backup", type=click.Path(path_type=Path))
@click.option("--who", default=None, help="Who ran the test (default: your user name).")
@click.option("--note", default="", help="Where the backup was kept, anything noticed.")
def test_restore(binder_path: Path | None, backup: Path, who: str | None, note: str) -> None:
    """Open, unlock and verify a copy of BACKUP; record the tested restore and print its id.

    The backup's passphrase comes from BINDER_PASSPHRASE or a prompt. The
    backup file itself is not changed: the test works on a temporary copy.
    """
    with open_path(binder_path) as binder:
        if not backup.expanduser().is_file():
            from binder.core.errors import BadInput

            raise BadInput(f"there is no backup file at {backup}; give the path of a binder backup")
        passphrase = get_secret("BINDER_PASSPHRASE", "Passphrase of the backup")
        result = readiness.test_restore(binder, backup, passphrase, who=who or session.local_user(), note=note)
    click.echo(
        f"restore test passed: {result.incidents} incident(s), {result.entries} entries, "
        f"{result.signatures} signatures verified, {result.contacts} contact revision(s) decrypted",
        err=True,
    )
    emit_id(result.record_id)


@cli.command("access-log")
@binder_option
@click.option("--incident", "incident_ref", default=None, metavar="INCIDENT",
              help="Only access while this incident was open.")
@click.option("--since", default=None, metavar="ISO", help="Only access from this time on.")
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Only this kind (unlock, signer, ...). Repeatable.")
@json_option
def access_log(binder_path: Path | None, incident_ref: str | None, since: str | None,
               kinds: tuple[str, ...], as_json: bool) -> None:
    """Who had access: every unlock and signer session, when and on which computer."""
    with open_path(binder_path) as binder:
        if incident_ref is not None:
            incident = get_incident(binder, incident_ref)
            records = access.access_during_incident(binder, incident.id, kinds=kinds or None)
            if since is not None:
                floor = parse_time(since, "since time")
                records = [r for r in records if r.at >= floor]
        else:
            records = access.list_access(binder, since=since, kinds=kinds or None)
    if as_json:
        emit_json([r.to_dict() for r in records])
        return
    if not records:
        click.echo("no access recorded" + (" while that incident was open" if incident_ref else ""))
        return
    for r in records:
        detail = f"  ({r.detail})" if r.detail else ""
        click.echo(f"{r.at[:19].replace('T', ' ')} UTC  {r.kind:<10} {r.who:<16} on {r.host}{detail}")
