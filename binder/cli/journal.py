"""`binder journal ...`: append, co-sign, correct, import and list entries."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from binder.cli.common import (
    author_and_witness,
    binder_option,
    emit_id,
    emit_json,
    json_option,
    open_path,
    parse_id,
    signer_session,
)
from binder.cli.root import cli
from binder.core import times
from binder.core.crypto.meanings import AUTHOR, COSIGN_MEANINGS, WITNESS
from binder.core.errors import BadInput
from binder.core.incident import journal as jr
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import get_incident

if TYPE_CHECKING:
    from binder.core.crypto.signers import Identity


@cli.group()
def journal() -> None:
    """The signed, append-only incident journal."""


@journal.command("add")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--as", "person", required=True, help="Author (an enrolled signer).")
@click.option("--text", required=True, help="What happened or was done.")
@click.option("--reason", default="", help="Why (the reasoning behind an action).")
@click.option("--kind", default="note", help="observation, action, decision, communication or note.")
@click.option("--occurred-at", default=None, help="When it happened (ISO 8601), if not now.")
@click.option("--phase", default=None, help="Plan phase this belongs to.")
@click.option("--source", default="", help="Where the information came from.")
@click.option("--assets", default="", help="Systems or assets involved.")
@click.option("--witness", default=None, help="A second person who co-signs now.")
def journal_add(binder_path, incident_ref, person, text, reason, kind, occurred_at, phase, source,
                assets, witness) -> None:
    """Append a signed entry (co-signed when --witness is given); prints its id."""
    if kind not in jr.USER_KINDS:
        raise BadInput(f"unknown kind {kind!r}; use one of {', '.join(jr.USER_KINDS)}")
    new = jr.validate(NewEntry(text=text, reason=reason, kind=kind, occurred_at=occurred_at,
                               phase=phase, source=source, assets=assets))
    with open_path(binder_path) as binder:
        inc = get_incident(binder, incident_ref)
        author, wit = author_and_witness(binder, person, witness)
        entry_id = jr.append(binder, inc.id, author, new, witness=wit)
    emit_id(entry_id)


@journal.command("import")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--as", "person", required=True, help="Author of every imported entry.")
def journal_import(binder_path, incident_ref, file: Path, person: str) -> None:
    """Append one signed entry per JSON line (text, reason, kind, occurred_at).

    All lines are written or none; lines an earlier import of this incident
    already holds (same text, same occurrence) are skipped, so running the same
    import twice adds nothing.
    """
    entries = jr.parse_import_lines(jr.read_import_file(file))
    with open_path(binder_path) as binder:
        inc = get_incident(binder, incident_ref)
        author = signer_session(binder, person)
        result = jr.import_entries(binder, inc.id, author, entries)
    ids = result.ids
    already = (f"; {result.skipped} line(s) were already imported and were skipped"
               if result.skipped else "")
    if ids:
        click.echo(f"imported {len(ids)} entries ({ids[0]}..{ids[-1]}){already}", err=True)
    else:
        click.echo(f"nothing new to import: all {result.skipped} line(s) were already imported",
                   err=True)


@journal.command("cosign")
@binder_option
@click.argument("entry", metavar="ENTRY")
@click.option("--as", "person", required=True,
              help="Who co-signs: an enrolled person (login, full name or contact id).")
@click.option("--meaning", type=click.Choice(COSIGN_MEANINGS), default=WITNESS,
              show_default=True, help="What the co-signature means (signed with it).")
def journal_cosign(binder_path, entry: str, person: str, meaning: str) -> None:
    """A second person co-signs an entry (as witness, review or approval); prints the
    co-signature id."""
    entry_id = parse_id(entry, "entry")
    with open_path(binder_path) as binder:
        jr.get_entry(binder, entry_id)
        witness = signer_session(binder, person, meaning=meaning)
        emit_id(jr.cosign(binder, entry_id, witness, meaning=meaning))


@journal.command("correct")
@binder_option
@click.argument("entry", metavar="ENTRY")
@click.option("--as", "person", required=True, help="Author of the correction.")
@click.option("--text", required=True, help="The corrected statement.")
@click.option("--reason", required=True, help="Why the original was wrong.")
@click.option("--occurred-at", default=None,
              help="When it really happened (ISO 8601), if the original had the time wrong; "
                   "default: the original's time.")
def journal_correct(binder_path, entry: str, person: str, text: str, reason: str,
                    occurred_at: str | None) -> None:
    """Append a correction of ENTRY (the original is kept); prints its id."""
    entry_id = parse_id(entry, "entry")
    jr.validate(NewEntry(text=text, reason=reason, occurred_at=occurred_at))
    with open_path(binder_path) as binder:
        jr.get_entry(binder, entry_id)
        author = signer_session(binder, person)
        emit_id(jr.correct(binder, entry_id, author, text, reason, occurred_at=occurred_at))


@journal.command("attach")
@binder_option
@click.argument("entry", metavar="ENTRY")
@click.argument("path", metavar="FILE", type=click.Path(path_type=Path, readable=False))
@click.option("--as", "person", required=True, help="Who attaches it (an enrolled signer).")
@click.option("--description", default="", help="What the file shows (default: its name).")
@click.option("--witness", default=None, help="A second person who co-signs now.")
def journal_attach(binder_path, entry: str, path: Path, person: str, description: str,
                   witness: str | None) -> None:
    """Attach a file (e.g. a screenshot) to ENTRY: it is copied, hashed and registered as
    evidence; prints the evidence id."""
    from binder.core.incident import evidence as ev

    entry_id = parse_id(entry, "entry")
    ev.check_source(path)
    with open_path(binder_path) as binder:
        jr.get_entry(binder, entry_id)
        author, wit = author_and_witness(binder, person, witness)
        emit_id(ev.attach_file(binder, entry_id, path, author, description=description,
                               witness=wit))


def _signature_json(who: Identity, login: str, fp: str, at: str, meaning: str) -> dict:
    return {"login": login, "name": who.name, "role": who.role, "meaning": meaning,
            "signed_at": at, "cert_fingerprint": fp}


def entry_json(view: jr.EntryView, names: dict[str, Identity]) -> dict:
    """An entry as `journal list --json` shows it; names and roles from the certificates."""
    from binder.core.crypto.signers import UNVERIFIED

    e = view.entry
    author = names.get(e.cert_fingerprint, UNVERIFIED)
    return {
        "id": e.id, "seq": e.seq, "recorded_at": e.recorded_at, "occurred_at": e.occurred_at,
        "event_at": e.event_at, "event_utc": times.utc_iso(e.event_utc),
        "author": e.author, "author_name": author.name, "author_role": author.role,
        "kind": e.kind, "phase": e.phase, "text": e.text, "reason": e.reason,
        "corrects": e.corrects, "corrected_by": list(view.corrected_by), "evidence_id": e.evidence_id,
        "source": e.source, "assets": e.assets, "data": e.data, "prev_hash": e.prev_hash,
        "hash": e.hash, "signature": e.signature.hex(), "cert_fingerprint": e.cert_fingerprint,
        "cosigned_by": list(view.cosigners),
        "signatures": [_signature_json(author, e.author, e.cert_fingerprint, e.recorded_at,
                                       AUTHOR)] + [
            _signature_json(names.get(c.cert_fingerprint, UNVERIFIED), c.witness,
                            c.cert_fingerprint, c.signed_at, c.meaning) for c in view.cosigns],
    }


def signature_line(who: Identity, at: str, meaning: str) -> str:
    """``Full Name (Role), as author, 2026-11-29 14:05:07 UTC``: 21 CFR 11.50's name, meaning
    and time."""
    return f"{who.label}, as {meaning}, {times.document_time(at, seconds=True)}"


@journal.command("list")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--order", type=click.Choice(jr.ORDERS), default="entry", show_default=True,
              help="event: by when it happened (stated time, else written); entry: as written.")
@json_option
def journal_list(binder_path, incident_ref: str, order: str, as_json: bool) -> None:
    """List entries with their signatures, by when they were written or when they happened."""
    from binder.core.crypto import signers
    from binder.core.crypto.signers import UNVERIFIED
    from binder.core.incident import evidence as ev

    with open_path(binder_path) as binder:
        inc = get_incident(binder, incident_ref)
        names = signers.identities(binder)
        total = jr.count_entries(binder, inc.id)
        views = [v for off in range(0, total, 5000)
                 for v in jr.page(binder, inc.id, off, 5000, order=order)]
        attached = ev.attachments(binder, [v.entry.id for v in views])
    if as_json:
        emit_json([entry_json(v, names) | {"attachments": [
            {"evidence": lab, "description": d, "sha256": sha}
            for lab, d, sha in attached.get(v.entry.id, [])]} for v in views])
        return
    for v in views:
        e = v.entry
        author = names.get(e.cert_fingerprint, UNVERIFIED)
        marks = []
        if v.corrected_by:
            marks.append("CORRECTED by " + ", ".join(str(i) for i in v.corrected_by))
        if e.corrects:
            marks.append(f"corrects {e.corrects}")
        if e.occurred_at:
            when = (f"happened {times.document_time(e.occurred_at, seconds=None)}, "
                    f"written {times.document_time(e.recorded_at, seconds=True)}")
        else:
            when = f"written {times.document_time(e.recorded_at, seconds=True)}"
        click.echo(f"[{e.id}] #{e.seq} {author.name} ({e.kind}) {e.text}")
        click.echo(f"      {when}")
        if e.reason:
            click.echo(f"      reason: {e.reason}")
        click.echo(f"      signed by {signature_line(author, e.recorded_at, AUTHOR)}")
        for c in v.cosigns:
            who = names.get(c.cert_fingerprint, UNVERIFIED)
            click.echo(f"      co-signed by {signature_line(who, c.signed_at, c.meaning)}")
        click.echo(f"      {'; '.join([*marks, f'hash {e.hash[:16]}'])}")
        for lab, description, sha in attached.get(e.id, []):
            click.echo(f"      attached {lab}: {description} (SHA-256 {sha[:16]}…)")
