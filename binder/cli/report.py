"""`binder report`, `binder report sign` and `binder print-plan`."""

from __future__ import annotations

from pathlib import Path

import click

from binder.cli.common import (
    author_and_witness,
    binder_option,
    open_path,
    output_option,
    signer_session,
    unlock,
)
from binder.cli.root import cli
from binder.core.errors import BadInput, Locked

_ROLES = ("lead", "witness", "legal", "management")


@click.command("sign")
@binder_option
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--as", "person", required=True, help="Who signs (an enrolled signer).")
@click.option("--role", type=click.Choice(_ROLES), default=None,
              help="Which sign-off place (default: legal, else management).")
def report_sign(binder_path: Path | None, file: Path, person: str, role: str | None) -> None:
    """Add a sign-off signature to an existing report (earlier signatures stay valid)."""
    from binder.core.output.report.build import sign_off_role, sign_report_file
    from binder.core.output.signing import MEANING_FOR_ROLE

    with open_path(binder_path) as binder:
        # Which place is signed decides what the signature means; the sign-in is
        # recorded with that meaning (legal reviews, management approves).
        place = sign_off_role(file, role)
        session = signer_session(binder, person, meaning=MEANING_FOR_ROLE[place])
        used = sign_report_file(binder, file, session, place)
    click.echo(f"binder: {file} signed by {session.identity.name} as {used} ({MEANING_FOR_ROLE[used]})", err=True)


class _ReportCommand(click.Command):
    """`report INCIDENT ...`, and `report sign FILE ...` for a later sign-off.

    A report is identified by an incident (a number or uuid), so the word
    ``sign`` cannot be one and safely selects the sign-off command.
    """

    def make_context(self, info_name, args, parent=None, **extra):
        if args and args[0] == "sign":
            return report_sign.make_context(f"{info_name} sign", list(args[1:]), parent=parent,
                                            **extra)
        return super().make_context(info_name, args, parent=parent, **extra)


@cli.command("report", cls=_ReportCommand)
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@output_option("Where to write the PDF.")
@click.option("--variant", type=click.Choice(("full", "executive")), default="full",
              show_default=True, help="full (legal: every entry) or executive (a few pages).")
@click.option("--sign", "sign", is_flag=True, help="Sign the PDF (needs --as).")
@click.option("--as", "person", default=None, help="The incident lead, who signs first.")
@click.option("--witness", default=None, help="A second person, who signs after the lead.")
def report(binder_path: Path | None, incident_ref: str, output: Path, variant: str, sign: bool,
           person: str | None, witness: str | None) -> None:
    """Write the PDF report of INCIDENT, signed by the lead and witness with --sign.

    Legal or management add their signature later with
    `binder report sign FILE.pdf --as PERSON [--role legal|management]`.
    """
    from binder.core.output.report.build import write_report

    if sign and not person:
        raise BadInput("--sign needs --as PERSON (the incident lead, who signs first)")
    if not sign and (person or witness):
        raise BadInput("--as and --witness name who signs; add --sign to sign the report")
    with open_path(binder_path) as binder:
        lead, wit = author_and_witness(binder, person, witness) if sign else (None, None)
        result = write_report(binder, incident_ref, output, variant=variant, lead=lead,
                              witness=wit)
    signed = f", signed by {', '.join(result.signed_by)}" if result.signed_by else ", unsigned"
    click.echo(f"binder: wrote {output} ({result.variant}, {result.pages} pages, "
               f"{result.entries} entries{signed})", err=True)


@cli.command("sign-report", hidden=True)
@binder_option
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--as", "person", required=True, help="Who signs (an enrolled signer).")
@click.option("--role", type=click.Choice(_ROLES), default=None,
              help="Which sign-off place (default: legal, else management).")
@click.pass_context
def sign_report(ctx: click.Context, binder_path, file, person, role) -> None:
    """Same as `binder report sign FILE --as PERSON`."""
    ctx.invoke(report_sign, binder_path=binder_path, file=file, person=person, role=role)


@cli.command("print-plan")
@binder_option
@output_option("Where to write the PDF.")
@click.option("--plan", "plan_name", default=None, help="Which plan (default: the first).")
@click.option("--no-roster", is_flag=True,
              help="Leave the call sheet empty, to fill in by hand (no unlock needed).")
def print_plan(binder_path: Path | None, output: Path, plan_name: str | None,
               no_roster: bool) -> None:
    """Write the paper binder: plan, RACI matrix and the roster call sheet."""
    from binder.core.output.paper import write_print_plan

    with open_path(binder_path) as binder:
        note = ""
        if not no_roster:
            try:
                unlock(binder)
            except Locked:
                note = "binder locked: the call sheet is an empty form to fill in by hand"
        result = write_print_plan(binder, output, plan_name=plan_name,
                                  include_roster=not no_roster)
    if result.contacts == 0 and not note:
        note = "no contacts printed: the call sheet is an empty form"
    click.echo(f"binder: wrote {output} ({result.pages} pages, plan {result.plan_name!r} "
               f"revision {result.revision}, {result.contacts} contacts)"
               + (f"; {note}" if note else ""), err=True)
