"""`binder verify`: check every chain, signature and evidence file."""

from __future__ import annotations

import click

from binder.cli import cli
from binder.cli.common import binder_option, emit_json, json_option, open_path
from binder.incident import get_incident
from binder.verify import verify_binder


@cli.command()
@binder_option
@click.argument("incident_ref", metavar="[INCIDENT]", required=False)
@click.option("--skip-files", is_flag=True, help="Do not re-hash evidence files (drive not attached).")
@json_option
def verify(binder_path, incident_ref: str | None, skip_files: bool, as_json: bool) -> None:
    """Check every chain, signature and evidence file; exit 1 when anything is wrong."""
    with open_path(binder_path) as binder:
        iid = get_incident(binder, incident_ref).id if incident_ref else None
        report = verify_binder(binder, iid, check_files=not skip_files)
    if as_json:
        emit_json(report.to_json())
    else:
        for problem in report.problems:
            click.echo(f"PROBLEM {problem}")
        for note in report.notes:
            click.echo(f"note: {note}")
        verdict = "intact" if report.ok else f"{len(report.problems)} problem(s) found"
        click.echo(
            f"{verdict}: {report.incidents} incident(s), {report.entries} entries, "
            f"{report.signatures} signatures, {report.evidence_files} evidence file(s) checked"
        )
    if not report.ok:
        click.get_current_context().exit(1)
