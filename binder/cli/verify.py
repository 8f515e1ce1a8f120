"""`binder verify`: check every chain, signature and evidence file.

With ``--against FILE`` it also compares the binder with an earlier export (a
bundle from `binder export`, or a PDF report with the bundle attached): a
binder restored from an older copy, or rewritten since, fails.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import click

from binder.cli.common import binder_option, emit_json, json_option, resolve_path
from binder.cli.root import cli
from binder.core.crypto import signers
from binder.core.incident.record import get_incident
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder


@cli.command()
@binder_option
@click.argument("incident_ref", metavar="[INCIDENT]", required=False)
@click.option("--skip-files", is_flag=True, help="Do not re-hash evidence files (drive not attached).")
@click.option("--against", "against", multiple=True, type=click.Path(path_type=Path),
              metavar="FILE",
              help="An earlier checkpoint (text file, or - to paste or type it), bundle (.json) "
                   "or report (.pdf): fail if this binder no longer holds everything it saw "
                   "(rolled back or rewritten). Repeatable.")
@json_option
def verify(binder_path, incident_ref: str | None, skip_files: bool, against: tuple[Path, ...],
           as_json: bool) -> None:
    """Check every chain, signature and evidence file; exit 1 when anything is wrong."""
    from binder.core.verify.checkpoints import (
        compare_with_checkpoint,
        looks_like_checkpoint,
        read_checkpoint_text,
    )
    from binder.core.verify.rollback import compare_with_export, load_export

    # Read the earlier states first: an unreadable file is bad input, reported before any work.
    exports, checkpoints = [], []
    for path in against:
        if str(path) == "-" or looks_like_checkpoint(_peek(path)):
            checkpoints.append((path, read_checkpoint_text(path)))
        else:
            exports.append(load_export(path))
    # A binder whose identity was deleted still gets an answer (a problem, exit 1).
    with open_binder(resolve_path(binder_path), require_identity=False) as binder:
        iid = get_incident(binder, incident_ref).id if incident_ref else None
        report = verify_binder(binder, iid, check_files=not skip_files)
        for seen in exports:
            compare_with_export(binder, seen, report)
        for path, cp in checkpoints:
            source = "typed in" if str(path) == "-" else str(path)
            compare_with_checkpoint(binder, cp, report, source)
    if as_json:
        emit_json(report.to_json())
    else:
        for problem in report.problems:
            click.echo(f"PROBLEM {problem}")
        for note in report.notes:
            click.echo(f"note: {note}")
        verdict = "intact" if report.ok else f"{len(report.problems)} problem(s) found"
        compared = f", compared with {len(exports)} export(s)" if exports else ""
        if checkpoints:
            compared += f", compared with {len(checkpoints)} checkpoint(s)"
        click.echo(
            f"{verdict}: {report.incidents} incident(s), {report.entries} entries, "
            f"{report.signatures} signatures, {report.evidence_files} evidence file(s) checked"
            f"{compared}"
        )
        if report.root_fingerprint:
            click.echo(f"root certificate {signers.format_fingerprint(report.root_fingerprint)}"
                       " (compare with the report's appendix)")
    if not report.ok:
        click.get_current_context().exit(1)


def _peek(path: Path) -> bytes:
    # Only the start: a checkpoint begins with its origin line; anything else
    # (bundle, PDF, a missing file) goes to the export reader and its messages.
    # Opened without blocking and read only if it is a regular file: a named pipe
    # or a device goes on to the export reader, which refuses it in one line.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return b""
    try:
        return os.read(fd, 64) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError:
        return b""
    finally:
        os.close(fd)
