"""`binder init` and `binder plan ...`: creating a binder and managing its plans."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click

from binder.cli.common import (
    DOOR,
    binder_option,
    checked_output,
    emit_id,
    emit_json,
    get_secret,
    json_option,
    open_path,
    resolve_path,
)
from binder.cli.root import cli
from binder.core.crypto import session, signers, vault
from binder.core.plan import revisions as plans
from binder.core.plan.files import load_plan_file
from binder.core.plan.format import default_plan, dump_plan
from binder.core.storage.database import check_new_binder_path, create_binder
from binder.core.storage.files import atomic_write_bytes


@cli.command()
@binder_option
@click.option("--org", default="", help="Organisation name, shown on certificates and reports.")
@click.option("--plan", "plan_source", default="magento", show_default=True,
              help="'magento' for the bundled plan, or a plan text file.")
def init(binder_path: Path | None, org: str, plan_source: str) -> None:
    """Create a new binder; prints its id, and the recovery code once on stderr."""
    # Everything that can be refused is checked before the file exists.
    plan = default_plan() if plan_source == "magento" else load_plan_file(plan_source)
    path = check_new_binder_path(resolve_path(binder_path))
    passphrase = get_secret("BINDER_PASSPHRASE", "New binder passphrase", confirm=True)
    vault.check_passphrase_strength(passphrase)
    path.parent.mkdir(parents=True, exist_ok=True)
    binder = create_binder(path, org=org.strip())
    try:
        code = session.create_keys(binder, passphrase, door=DOOR)
        signers.create_root(binder)
        plans.save_revision(binder, plan, author="binder init", note="initial plan")
    except BaseException:
        binder.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{path}{suffix}")
        raise
    binder.close()
    click.echo(
        "\nRecovery code (shown once; write it down and keep it apart from the laptop):\n\n"
        f"    {code}\n\nIt unlocks this binder and sets a new passphrase if the passphrase is lost.\n",
        err=True,
    )
    emit_id(binder.uuid)


@cli.group()
def plan() -> None:
    """Export, import and list the binder's response plans."""


@plan.command("export")
@binder_option
@click.argument("file", type=click.Path(path_type=Path), callback=checked_output)
@click.option("--name", "plan_name", default=None, help="Which plan (default: the first).")
@click.option("--revision", type=int, default=None, help="A specific revision id.")
def plan_export(binder_path: Path | None, file: Path, plan_name: str | None, revision: int | None) -> None:
    """Write the current plan as a text file."""
    with open_path(binder_path) as binder:
        rev = plans.get_revision(binder, revision) if revision else plans.current_revision(binder, plan_name)
    atomic_write_bytes(file, dump_plan(rev.plan).encode("utf-8"))


@plan.command("import")
@binder_option
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--name", "plan_name", default=None, help="Store under this plan name (default: the file's).")
@click.option("--note", default="imported", help="Why this revision was made.")
def plan_import(binder_path: Path | None, file: Path, plan_name: str | None, note: str) -> None:
    """Load a plan text file as a new plan revision; prints the revision id."""
    plan_obj = load_plan_file(file)
    with open_path(binder_path) as binder:
        rev_id = plans.save_revision(
            binder, plan_obj, author=session.local_user(), note=note, plan_name=plan_name
        )
    emit_id(rev_id)


@plan.command("list")
@binder_option
@json_option
def plan_list(binder_path: Path | None, as_json: bool) -> None:
    """List plans and their revisions."""
    with open_path(binder_path) as binder:
        rows = [
            {"plan": r.plan_name, "revision_id": r.id, "number": r.number, "created_at": r.created_at,
             "author": r.author, "note": r.note, "sha256": r.sha256}
            for name in plans.list_plan_names(binder) for r in plans.revisions(binder, name)
        ]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        click.echo(f"{r['plan']}  rev {r['number']} (id {r['revision_id']})  {r['created_at']}  {r['author']}  {r['note']}")
