"""`binder checkpoint` and `binder prove`: signed states of the whole binder, and proofs."""

from __future__ import annotations

from pathlib import Path

import click

from binder.cli.common import (
    author_and_witness,
    binder_option,
    emit_json,
    json_option,
    open_path,
    output_option,
    parse_id,
    people_names,
    person_name,
)
from binder.cli.root import cli
from binder.core.checkpoint.store import OCCASIONS, list_checkpoints, make_checkpoint
from binder.core.errors import BadInput
from binder.core.storage.files import atomic_write_bytes


@cli.command("checkpoint")
@binder_option
@click.option("--as", "person", default=None, help="Who makes (signs) the checkpoint.")
@click.option("--witness", default=None, help="A second person who co-signs it.")
@output_option("Also write the checkpoint text to this file.", required=False)
@click.option("--occasion", type=click.Choice(tuple(OCCASIONS)), default="manual",
              show_default=True, help="Why it is made (shown beside it).")
@click.option("--incident", "incident_ref", default=None,
              help="The incident it was made for (e.g. at the end of its phase).")
@click.option("--list", "list_all", is_flag=True, help="List the checkpoints kept in the binder.")
@json_option
def checkpoint(binder_path, person, witness, output, occasion, incident_ref, list_all,
               as_json) -> None:
    """Sign (and co-sign) the state of the whole binder; prints the checkpoint text.

    A checkpoint is a short signed text: the binder's id, how many records
    (journal entries and co-signatures) it holds and their Merkle root. Keep it
    outside the binder (paper, e-mail, a file): `binder verify --against FILE`
    then finds any record removed since, even with every copy inside deleted.
    """
    if list_all:
        if person or witness or output:
            raise BadInput("--list only lists; leave out --as, --witness and -o")
        from binder.core.checkpoint.anchor import tokens_for

        with open_path(binder_path) as binder:
            rows = [(c, tokens_for(binder, c.id)) for c in list_checkpoints(binder)]
            names = people_names(binder) if rows and not as_json else {}
        if as_json:
            emit_json([{
                "id": c.id, "created_at": c.created_at, "tree_size": c.tree_size,
                "root_hash": c.root_hash, "maker": c.maker, "witness": c.witness,
                "occasion": c.occasion, "incident": c.incident_id, "note": c.note,
                "status": "anchored" if tokens else "pending",
                "timestamps": [{"tsa": t.tsa_url, "time": t.gen_time} for t in tokens],
            } for c, tokens in rows])
            return
        for c, tokens in rows:
            who = person_name(names, c.maker) + (
                f" + {person_name(names, c.witness)}" if c.witness else "")
            status = f"anchored {tokens[0].gen_time[:19]}Z" if tokens else "pending"
            click.echo(f"{c.id}\t{c.created_at[:19]}Z\t{c.tree_size} records\t{who}\t"
                       f"{c.occasion_label}\t{status}")
        return
    if not person:
        raise BadInput("--as PERSON is required: the person who makes the checkpoint signs it")
    with open_path(binder_path) as binder:
        incident_id = None
        if incident_ref:
            from binder.core.incident.record import get_incident

            incident_id = get_incident(binder, incident_ref).id
        maker, wit = author_and_witness(binder, person, witness)
        made = make_checkpoint(binder, maker, wit, occasion=occasion, incident_id=incident_id)
    if output is not None:
        atomic_write_bytes(output, made.note.encode("utf-8"))
    click.echo(made.note, nl=False)
    where = f"; written to {output}" if output is not None else ""
    click.echo(f"binder: checkpoint {made.id} covers {made.tree_size} records{where}", err=True)


@cli.command("prove")
@binder_option
@click.argument("entry_ref", metavar="ENTRY")
@output_option("Where to write the proof (JSON).")
@click.option("--checkpoint", "checkpoint_id", default=None,
              help="Prove against this checkpoint (default: the newest that holds the entry).")
def prove(binder_path, entry_ref: str, output: Path, checkpoint_id: str | None) -> None:
    """Write ENTRY, its co-signatures and the proof that they belong to a checkpoint.

    Check the file anywhere with `python3 tools/verify_proof.py FILE` (needs only
    the `cryptography` package); it shows one entry without the rest of the journal.
    """
    from binder.core.checkpoint.proof import write_proof

    entry_id = parse_id(entry_ref, "entry")
    cp_id = parse_id(checkpoint_id, "checkpoint") if checkpoint_id is not None else None
    with open_path(binder_path) as binder:
        proof = write_proof(binder, entry_id, output, cp_id)
    doc = proof["entry"]["document"]
    size = proof["checkpoint"].split("\n")[1]
    click.echo(
        f"binder: wrote {output}: entry {doc.get('seq')} of its incident (id {entry_id}), "
        f"{len(proof['cosigns'])} co-signature(s), record {proof['entry']['leaf_index'] + 1} of "
        f"{size} in the checkpoint", err=True,
    )

