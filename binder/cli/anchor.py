"""`binder anchor`: trusted time from RFC 3161 timestamp authorities, when online.

Exit codes: 0 when the round ran, whatever the network did (what could not be
anchored stays pending and is named on stderr, so a script run from cron or at
reconnection never fails for being offline); 2 when no authority is set or a
URL given is not one.
"""

from __future__ import annotations

import click

from binder.cli.common import binder_option, emit_json, json_option, open_path
from binder.cli.root import cli


@cli.command("anchor")
@binder_option
@click.option("--tsa", "tsa", multiple=True, metavar="URL",
              help="Use (and remember in the binder's settings) these timestamp authorities, "
                   "in this order. Repeatable.")
@click.option("--clear-tsa", is_flag=True, help="Forget every timestamp authority set.")
@click.option("--timeout", type=click.FloatRange(1, 120), default=10, show_default=True,
              help="Seconds to wait for each authority.")
@json_option
def anchor_command(binder_path, tsa: tuple[str, ...], clear_tsa: bool, timeout: float,
                   as_json: bool) -> None:
    """Send pending checkpoints to timestamp authorities; timestamp signed reports.

    Each checkpoint without a token is sent to every authority set; each signed
    report made since is given a PAdES document timestamp. Offline, nothing
    fails: everything stays pending for the next run.
    """
    from binder.core.checkpoint import anchor as anchoring

    with open_path(binder_path) as binder:
        if clear_tsa:
            anchoring.set_tsa_urls(binder, [])
            click.echo("binder: no timestamp authority is set any more", err=True)
            if not tsa:
                return
        if tsa:
            anchoring.set_tsa_urls(binder, list(tsa))
        result = anchoring.anchor(binder, timeout=timeout)
    if as_json:
        emit_json({
            "anchored": [{"checkpoint": c.id, "tsa": url, "time": when}
                         for c, url, when in result.anchored],
            "reports": [{"path": p, "tsa": url, "time": when} for p, url, when in result.reports],
            "pending_checkpoints": [c.id for c in result.pending_checkpoints],
            "pending_reports": result.pending_reports,
            "failures": result.failures,
        })
    else:
        for cp, url, when in result.anchored:
            click.echo(f"anchored\tcheckpoint {cp.id}\t{cp.tree_size} records\t{when}\t{url}")
        for path, url, when in result.reports:
            click.echo(f"anchored\treport {path}\t{when}\t{url}")
        for cp in result.pending_checkpoints:
            click.echo(f"pending\tcheckpoint {cp.id}\t{cp.tree_size} records")
        for path in result.pending_reports:
            click.echo(f"pending\treport {path}")
    for line in result.failures:
        click.echo(f"binder: {line}", err=True)
    if result.nothing_to_do:
        click.echo("binder: nothing pending: every checkpoint and report is anchored", err=True)
    elif result.pending_checkpoints or result.pending_reports:
        left = len(result.pending_checkpoints) + len(result.pending_reports)
        click.echo(f"binder: {left} item(s) stay pending; run `binder anchor` again when the "
                   "authority can be reached", err=True)
