"""`binder incident assess`: state what happened, why, to whom, for how long, and the money."""

from __future__ import annotations

import click

from binder.cli.common import binder_option, emit_id, open_path, signer_session
from binder.cli.incident import incident
from binder.core.incident import assessment as am
from binder.core.incident.record import get_incident


@incident.command("assess")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--as", "person", required=True, help="Who states it (an enrolled signer).")
@click.option("--what-happened", default=None, help="What happened, in plain words.")
@click.option("--root-cause", default=None, help="Why it could happen.")
@click.option("--data-exposed", default=None, help="Which data, e.g. 'card numbers, names'.")
@click.option("--customers", default=None, help="How many customers are affected.")
@click.option("--records", default=None, help="How many records are affected.")
@click.option("--estimate", "estimated", multiple=True, type=click.Choice(am.COUNT_FIELDS),
              help="This count is an estimate (repeat for both).")
@click.option("--exposure-from", default=None, help="Start of the exposure window (ISO 8601).")
@click.option("--exposure-to", default=None, help="End of the exposure window (ISO 8601).")
@click.option("--status", default=None, help="Where things stand, in one sentence.")
@click.option("--risk", "risks", multiple=True, help="An open risk (repeat; replaces the list).")
@click.option("--no-risks", is_flag=True, help="No open risks remain.")
@click.option("--ask", "asks", multiple=True,
              help="A decision management must take (repeat; replaces the list).")
@click.option("--no-asks", is_flag=True, help="Management has nothing left to decide.")
@click.option("--currency", default=None, help="The currency costs are totalled in, e.g. EUR.")
@click.option("--rate", "rates", multiple=True,
              help="CODE=RATE: one unit of CODE in the reporting currency, e.g. USD=0.92.")
@click.option("--rates-source", default=None, help="Where the rates come from, and their date.")
@click.option("--reason", default="", help="Why the figures changed, or where they come from.")
@click.option("--witness", default=None, help="A second person who co-signs now.")
def incident_assess(binder_path, incident_ref, person, what_happened, root_cause, data_exposed,
                    customers, records, estimated, exposure_from, exposure_to, status, risks,
                    no_risks, asks, no_asks, currency, rates, rates_source, reason,
                    witness) -> None:
    """State the assessment (only the fields given change); prints the entry id."""
    values = {
        "what_happened": what_happened, "root_cause": root_cause, "data_exposed": data_exposed,
        "customers": customers, "records": records, "exposure_from": exposure_from,
        "exposure_to": exposure_to, "status": status, "currency": currency,
        "rates_source": rates_source,
        "risks": [] if no_risks else (list(risks) or None),
        "asks": [] if no_asks else (list(asks) or None),
        "estimated": list(estimated) or None,
        "rates": list(rates) or None,
    }
    am.check_fields(values)  # refused before anyone types a passphrase
    with open_path(binder_path) as binder:
        inc = get_incident(binder, incident_ref)
        author = signer_session(binder, person)
        wit = signer_session(binder, witness, witness=True) if witness else None
        emit_id(am.assess(binder, inc.id, author, reason=reason, witness=wit, **values))
