"""`binder export`: the verification bundle a third party re-checks."""

from __future__ import annotations

from pathlib import Path

import click

from binder.cli.common import binder_option, open_path
from binder.cli.root import cli
from binder.core.crypto import signers
from binder.core.incident.record import get_incident
from binder.core.output import bundle as bundles
from binder.core.verify.checks import verify_binder


@cli.command("export")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="Where to write the bundle (JSON).")
def export(binder_path: Path | None, incident_ref: str, output: Path) -> None:
    """Write the verification bundle of INCIDENT (entries, signatures, certificates).

    The bundle is written even when this binder's own check finds a problem (so
    the problem can be shown to others), but the command then exits 1.
    """
    with open_path(binder_path) as binder:
        inc = get_incident(binder, incident_ref)
        written = bundles.write_bundle(binder, inc.id, output)
        report = verify_binder(binder, inc.id, check_files=False)
    root_fp = signers.format_fingerprint(written["root_certificate"]["fingerprint"])
    click.echo(
        f"wrote {output}: {written['entry_count']} entries, {len(written['cosigns'])} "
        f"co-signature(s), head {written['head_hash'][:16]}; root fingerprint {root_fp}",
        err=True,
    )
    if not report.ok:
        for problem in report.problems:
            click.echo(f"PROBLEM {problem}", err=True)
        click.echo(f"warning: this binder fails verification ({len(report.problems)} problem(s))",
                   err=True)
        click.get_current_context().exit(1)
