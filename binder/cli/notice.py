"""`binder notice ...`: regulator-shaped notifications (GDPR, NIS2, card brands, SEC 8-K).

`notice draft` prints a form prefilled from the signed journal as JSON, to be
completed in any editor; `notice render` writes it as a one-page PDF or text to
read out or paste into the authority's portal; `notice submit` records the
submission (time, channel, reference number) as a signed notification that
answers the form's clock.
"""

from __future__ import annotations

from pathlib import Path

import click

from binder.cli.common import (
    binder_option,
    emit_id,
    emit_json,
    json_option,
    open_path,
    read_form_fields,
    signer_session,
    unlock,
)
from binder.cli.root import cli
from binder.core import times
from binder.core.errors import BadInput
from binder.core.incident import notices
from binder.core.incident import record as incidents
from binder.core.storage.database import utc_now
from binder.core.storage.files import atomic_write_bytes, check_output_path

FORM_CHOICE = click.Choice(tuple(notices.FORMS))


@cli.group()
def notice() -> None:
    """Regulator-shaped notifications: draft, render and record their submission."""


@notice.command("forms")
@json_option
def notice_forms(as_json: bool) -> None:
    """List the forms, the authority each goes to and the clock each answers."""
    forms = [{"key": f.key, "title": f.title, "authority": f.authority, "clock": f.clock,
              "basis": f.basis, "fields": [{"key": x.key, "label": x.label, "basis": x.basis}
                                           for x in f.fields]}
             for f in notices.FORMS.values()]
    if as_json:
        emit_json(forms)
        return
    for f in forms:
        click.echo(f"{f['key']:<20} {f['title']} (to {f['authority']}; clock {f['clock']})")


@notice.command("draft")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.argument("form_key", metavar="FORM", type=FORM_CHOICE)
def notice_draft(binder_path, incident_ref: str, form_key: str) -> None:
    """Print FORM prefilled from the journal, as JSON to complete and pass to render/submit."""
    with open_path(binder_path) as binder:
        unlock(binder, ask=False)  # the roster's data protection officer, when it can be read
        values = notices.prefill(binder, incidents.get_incident(binder, incident_ref).id, form_key)
    emit_json(values)


@notice.command("render")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.argument("form_key", metavar="FORM", type=FORM_CHOICE)
@click.option("--fields", "fields_path", type=click.Path(path_type=Path), default=None,
              help="The completed fields (JSON; - for stdin); default: prefilled from the journal.")
@click.option("-o", "--output", "output", required=True,
              help="FILE.pdf or FILE.txt to write, or - for the text on stdout.")
def notice_render(binder_path, incident_ref: str, form_key: str, fields_path: Path | None,
                  output: str) -> None:
    """Write FORM as a one-page PDF or text to read out or paste into the authority's portal."""
    form = notices.get_form(form_key)
    values = read_form_fields(fields_path, form)
    target = None if output == "-" else Path(output).expanduser()
    if target is not None and target.suffix.lower() not in (".pdf", ".txt"):
        raise BadInput(f"{output}: give a file name ending in .pdf or .txt, or - for stdout")
    if target is not None:
        target = check_output_path(target)  # no folder, device, pipe or missing folder
    with open_path(binder_path) as binder:
        inc = incidents.get_incident(binder, incident_ref)
        if values is None:
            unlock(binder, ask=False)
            values = notices.prefill(binder, inc.id, form_key)
        if target is not None and target.suffix.lower() == ".pdf":
            from binder.core.output.notice import write_notice

            result = write_notice(binder, inc.id, form_key, values, target)
            click.echo(f"binder: wrote {target} ({result.pages} page(s))", err=True)
            return
        text = notices.render_text(form, values, incident_title=inc.title,
                                   prepared_at=utc_now(), drill=inc.drill)
    if target is None:
        click.echo(text, nl=False)
    else:
        atomic_write_bytes(target, text.encode("utf-8"))
        click.echo(f"binder: wrote {target}", err=True)


@notice.command("submit")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.argument("form_key", metavar="FORM", type=FORM_CHOICE)
@click.option("--fields", "fields_path", type=click.Path(path_type=Path), required=True,
              help="The fields as submitted (JSON; - for stdin).")
@click.option("--channel", required=True, help="How: web portal, e-mail, phone...")
@click.option("--occurred-at", "--at", "told_at", default=None,
              help="When it was submitted (ISO 8601, kept as typed; default now).")
@click.option("--reference", default="", help="The reference number the authority gave it.")
@click.option("--clock", "clock_key", default=None,
              help="The clock it answers (default: the form's own clock).")
@click.option("--party", default=None, help="Who received it (default: the form's authority).")
@click.option("--reason", "delay_reason", default=None,
              help="Reasons for a delay (default: the form's delay field).")
@click.option("--as", "person", required=True, help="Who submitted it (an enrolled signer).")
def notice_submit(binder_path, incident_ref: str, form_key: str, fields_path: Path,
                  channel: str, told_at: str | None, reference: str, clock_key: str | None,
                  party: str | None, delay_reason: str | None, person: str) -> None:
    """Record that FORM was submitted: a signed notification answering its clock; prints its id."""
    form = notices.get_form(form_key)
    values = read_form_fields(fields_path, form)
    if told_at:
        times.parse_event_time(told_at, "submission time")
    from binder.cli.response import _say_verdict

    with open_path(binder_path) as binder:
        inc = incidents.get_incident(binder, incident_ref)
        if clock_key:
            from binder.core.incident import notifications

            notifications.check_clock(binder, inc.id, clock_key)
        author = signer_session(binder, person)
        entry_id = notices.submit(binder, inc.id, author, form_key, values or {}, channel=channel,
                                  told_at=told_at, reference=reference, clock_key=clock_key,
                                  party=party, delay_reason=delay_reason)
        _say_verdict(binder, inc.id, entry_id)
        emit_id(entry_id)
