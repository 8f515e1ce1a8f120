"""`binder export`: the verification bundle a third party re-checks."""

from __future__ import annotations

from pathlib import Path

import click

from binder.cli.common import binder_option, open_path, output_option
from binder.cli.root import cli
from binder.core.crypto import signers
from binder.core.incident.record import get_incident
from binder.core.output import bundle as bundles
from binder.core.output import exports
from binder.core.output.exports import CSV_REGISTERS, FORMATS
from binder.core.verify.checks import verify_binder


@cli.command("export")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@output_option("Where to write the file.")
@click.option("--format", "fmt", default="bundle", show_default=True,
              type=click.Choice(FORMATS),
              help="bundle: verification bundle (JSON); csv: one register; timesketch: JSONL "
                   "for Timesketch; stix: STIX 2.1 bundle; iris: DFIR-IRIS timeline CSV.")
@click.option("--register", default="timeline", show_default=True,
              type=click.Choice(CSV_REGISTERS),
              help="With --format csv: which register (or the journal).")
def export(binder_path: Path | None, incident_ref: str, output: Path, fmt: str,
           register: str) -> None:
    """Write INCIDENT as a verification bundle (default) or in a format another tool reads.

    Every exported row carries the hash of the signed journal entry it comes
    from. The file is written even when this binder's own check finds a problem
    (so the problem can be shown to others), but the command then exits 1.
    """
    if fmt != "bundle":
        with open_path(binder_path) as binder:
            inc = get_incident(binder, incident_ref)
            count = exports.write_export(binder, inc.id, output, fmt, register)
            report = verify_binder(binder, inc.id, check_files=False)
        what = f"the {register} register" if fmt == "csv" else fmt
        click.echo(f"wrote {output}: {what}, {count} record(s); each names its signed entry's "
                   "SHA-256", err=True)
        _warn(report)
        return
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
    _warn(report)


def _warn(report) -> None:
    if not report.ok:
        for problem in report.problems:
            click.echo(f"PROBLEM {problem}", err=True)
        click.echo(f"warning: this binder fails verification ({len(report.problems)} problem(s))",
                   err=True)
        click.get_current_context().exit(1)
