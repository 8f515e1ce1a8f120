"""`binder evidence ...`: register files, hand them over, close them, re-check them."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from binder.cli.common import (
    author_and_witness,
    binder_option,
    emit_id,
    emit_json,
    json_option,
    open_path,
    parse_id,
    people_names,
    person_name,
    signer_session,
)
from binder.cli.root import cli
from binder.core.formatting import size_text
from binder.core.incident import evidence as ev
from binder.core.incident import recheck
from binder.core.incident.journal import check_text
from binder.core.incident.record import get_incident


class _StderrBar:
    """A one-line progress bar on stderr, drawn only for a person at a terminal."""

    def __init__(self, label: str):
        self.label = label
        self.enabled = sys.stderr.isatty()
        self.started = time.monotonic()
        self.last = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.1 and done < total:
            return
        self.last = now
        share = done / total if total else 1.0
        width = 30
        filled = int(share * width)
        rate = done / max(now - self.started, 1e-6)
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {share:6.1%} "
            f"{size_text(done)} of {size_text(total)}  {size_text(int(rate))}/s "
        )
        sys.stderr.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


@cli.group()
def evidence() -> None:
    """The evidence register and chain of custody."""


@evidence.command("add")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@click.argument("path", metavar="PATH", type=click.Path(path_type=Path, readable=False))
@click.option("--as", "person", required=True, help="Who registers it (an enrolled signer).")
@click.option("--description", required=True, help="What the file is, e.g. 'nginx access log'.")
@click.option("--witness", default=None, help="A second person who co-signs now.")
@click.option("--type", "type_", default="file copy", show_default=True,
              help=f"Item type, e.g. {', '.join(ev.EVIDENCE_TYPES[:5])}.")
@click.option("--source-system", default="", help="Host name of the system it came from.")
@click.option("--source-ip", default="", help="IP address of that system.")
@click.option("--source-device", default="", help="Make and model, when it is a device.")
@click.option("--source-serial", default="", help="Serial number, when it is a device.")
@click.option("--reason", default="", help="Why it was obtained.")
@click.option("--covers-from", default=None, help="Start of the time range it covers (ISO 8601).")
@click.option("--covers-to", default=None, help="End of the time range it covers (ISO 8601).")
@click.option("--collected-by", default=None, help="Who collected it (default: --as).")
@click.option("--collected-at", default=None, help="When it was collected (ISO 8601; default now).")
@click.option("--where", "collected_where", default="", help="Where it was collected.")
@click.option("--how", "method", default="", help="How it was collected (tool, command).")
@click.option("--storage-location", default="", help="Where the item is kept.")
@click.option("--copy", "copy", is_flag=True,
              help="Copy it into the evidence folder beside the binder (hashed again after copying).")
@click.option("--phase", default=None, help="Plan phase this belongs to.")
def evidence_add(binder_path, incident_ref, path, person, description, witness, type_,
                 source_system, source_ip, source_device, source_serial, reason, covers_from,
                 covers_to, collected_by, collected_at, collected_where, method, storage_location,
                 copy, phase) -> None:
    """Hash a file and register it as evidence; prints the new evidence id."""
    with open_path(binder_path) as binder:
        inc = get_incident(binder, incident_ref)
        # Refuse what we can before anyone types a passphrase.
        ev.check_source(path)
        check_text(description, "description", required=True, limit=2000)
        for value, what in ((collected_at, "collected-at time"), (covers_from, "covers-from time"),
                            (covers_to, "covers-to time")):
            if value is not None:
                ev.zoned_time(value, what)
        author, wit = author_and_witness(binder, person, witness)
        bar = _StderrBar(f"{'hashing and copying' if copy else 'hashing'} {path.name}")
        try:
            new_id = ev.register_evidence(
                binder, inc.id, path, author, description=description, witness=wit,
                copy_to=ev.evidence_folder(binder) if copy else None, type=type_,
                source_system=source_system, source_ip=source_ip, source_device=source_device,
                source_serial=source_serial, reason=reason, covers_from=covers_from,
                covers_to=covers_to, collected_by=collected_by, collected_at=collected_at,
                collected_where=collected_where, method=method, storage_location=storage_location,
                phase=phase, progress=bar,
            )
        finally:
            bar.close()
    emit_id(new_id)


@evidence.command("transfer")
@binder_option
@click.argument("evidence_ref", metavar="EVIDENCE")
@click.option("--as", "person", required=True, help="Who hands it over (an enrolled signer).")
@click.option("--to", "received_by", required=True, help="Who receives it (any named person).")
@click.option("--purpose", required=True, help="Why it changes hands.")
@click.option("--witness", default=None, help="A second person who co-signs now.")
@click.option("--location", default="", help="Where the item will be kept from now on.")
@click.option("--seal", default="", help="Seal or tracking number.")
@click.option("--occurred-at", "--time", "when", default=None,
              help="When it was handed over (ISO 8601, kept as typed; default now).")
@click.option("--receiver-signs", is_flag=True,
              help="The receiver (--to, an enrolled signer) signs the receipt now, with their "
                   "passphrase (prompt, or BINDER_RECEIVER_PASSPHRASE).")
def evidence_transfer(binder_path, evidence_ref, person, received_by, purpose, witness, location,
                      seal, when, receiver_signs) -> None:
    """Record a custody transfer (the file is re-hashed when reachable); prints the entry id.

    The receiver acknowledges the receipt with their own signature, now
    (--receiver-signs) or later (`binder evidence acknowledge ENTRY`).
    """
    evidence_id = ev.parse_evidence_ref(evidence_ref)
    with open_path(binder_path) as binder:
        item = ev.get_evidence(binder, evidence_id)
        # Refuse what we can before anyone types a passphrase.
        ev.check_handover_time(item, ev.zoned_time(when, "hand-over time"))
        author, wit = author_and_witness(binder, person, witness)
        receiver = (signer_session(binder, received_by, role="receiver") if receiver_signs
                    else None)
        bar = _StderrBar(f"re-hashing {ev.label(evidence_id)}")
        try:
            entry_id = ev.transfer(
                binder, evidence_id, author, received_by=received_by, purpose=purpose,
                witness=wit, location=location, seal=seal, time=when, receiver=receiver,
                progress=bar,
            )
        finally:
            bar.close()
    emit_id(entry_id)


@evidence.command("acknowledge")
@binder_option
@click.argument("transfer_ref", metavar="TRANSFER")
@click.option("--as", "person", required=True,
              help="The receiver named in the hand-over (or, with --witnessing, a witness).")
@click.option("--witnessing", is_flag=True,
              help="You saw the receiver take the item (for a receiver without a key).")
@click.option("--note", default="", help="Condition of the item, seal intact, and so on.")
@click.option("--occurred-at", "--time", "when", default=None,
              help="When it was received (ISO 8601, kept as typed; default now).")
@click.option("--witness", default=None, help="A second person who co-signs now.")
def evidence_acknowledge(binder_path, transfer_ref, person, witnessing, note, when,
                         witness) -> None:
    """The receiver signs that a handed-over item arrived; prints the entry id.

    TRANSFER is the number `binder evidence transfer` printed.
    """
    entry_id = parse_id(transfer_ref, "hand-over")
    with open_path(binder_path) as binder:
        ev.handover_entry(binder, entry_id)  # refused before anyone types a passphrase
        signer = signer_session(binder, person)
        wit = signer_session(binder, witness, witness=True) if witness else None
        new_id = ev.acknowledge(binder, entry_id, signer, witnessing=witnessing, note=note,
                                time=when, witness=wit)
    emit_id(new_id)


@evidence.command("dispose")
@binder_option
@click.argument("evidence_ref", metavar="EVIDENCE")
@click.option("--as", "person", required=True, help="Who records it (an enrolled signer).")
@click.option("--action", required=True, type=click.Choice(ev.DISPOSITIONS),
              help="What happened to the item.")
@click.option("--authority", required=True, help="Who allowed it (person, role or order).")
@click.option("--witness", required=True, help="A second person who co-signs.")
@click.option("--note", default="", help="Anything else worth recording.")
@click.option("--location", default="", help="Where it went (for returned or archived).")
def evidence_dispose(binder_path, evidence_ref, person, action, authority, witness, note,
                     location) -> None:
    """Close an item: returned, destroyed or archived; prints the entry id."""
    evidence_id = ev.parse_evidence_ref(evidence_ref)
    with open_path(binder_path) as binder:
        ev.get_evidence(binder, evidence_id)
        author, wit = author_and_witness(binder, person, witness)
        entry_id = ev.dispose(binder, evidence_id, author, action=action, authority=authority,
                              witness=wit, note=note, location=location)
    emit_id(entry_id)


def item_json(item: ev.EvidenceItem) -> dict:
    """An item as `evidence list --json` shows it."""
    return {
        "id": item.id, "label": item.label, "incident_id": item.incident_id,
        "entry_id": item.entry_id, "sha256": item.sha256, "size": item.size, "path": item.path,
        "file": item.file, "description": item.description, "type": item.type,
        "registered_at": item.registered_at, "registered_by": item.registered_by,
        "collected_by": item.collected_by, "collected_at": item.collected_at,
        "witnesses": list(item.witnesses), "custodian": item.custodian,
        "location": item.location, "disposition": item.disposition, "details": item.data,
        "custody": [
            {"entry_id": c.entry_id, "seq": c.seq, "recorded_at": c.recorded_at, "time": c.time,
             "action": c.action, "released_by": c.released_by, "received_by": c.received_by,
             "purpose": c.purpose, "location": c.location, "seal": c.seal,
             "authority": c.authority, "rehash": c.rehash, "author": c.author,
             "witnesses": list(c.witnesses),
             "acknowledgements": [
                 {"entry_id": a.entry_id, "seq": a.seq, "time": a.time, "role": a.role,
                  "signed_by": a.signer, "received_by": a.received_by, "note": a.note,
                  "witnesses": list(a.witnesses)}
                 for a in c.acknowledgements]}
            for c in item.custody
        ],
    }


def _custody_line(c: ev.CustodyEvent, names: dict) -> str:
    def name(login: str) -> str:  # people as their certificates name them
        return person_name(names, login)

    who = f"{name(c.released_by)} -> {name(c.received_by)}" if c.action == "transfer" else (
        name(c.received_by) if c.action == "registered" else name(c.released_by))
    parts = [f"#{c.seq}", c.time, c.action, who]
    for fact, value in (("purpose", c.purpose), ("location", c.location), ("seal", c.seal),
                        ("authority", c.authority), ("re-hash", c.rehash)):
        if value:
            parts.append(f"{fact}: {value}")
    witnesses = f", witnessed by {', '.join(map(name, c.witnesses))}" if c.witnesses else ""
    parts.append(f"signed by {name(c.author)}{witnesses}")
    if c.action == "transfer":
        receipt = c.receipt
        if receipt is None:
            parts.append("receipt NOT acknowledged")
        elif receipt.role == "receiver":
            parts.append(f"receipt signed by {name(receipt.signer)}")
        else:
            parts.append(f"receipt witnessed by {name(receipt.signer)}")
    return "  ".join(p for p in parts if p)


@evidence.command("list")
@binder_option
@click.argument("incident_ref", metavar="INCIDENT")
@json_option
def evidence_list(binder_path, incident_ref, as_json) -> None:
    """List an incident's evidence with each item's custody history."""
    with open_path(binder_path) as binder:
        items = ev.list_evidence(binder, get_incident(binder, incident_ref).id)
        names = {} if as_json else people_names(binder)
    if as_json:
        emit_json([item_json(i) for i in items])
        return
    if not items:
        click.echo("no evidence registered", err=True)
    for item in items:
        state = item.disposition.upper() if item.disposition else f"held by {person_name(names, item.custodian)}"
        click.echo(f"{item.label:<5} {item.description} [{item.type}] {size_text(item.size)}  "
                   f"{state}")
        click.echo(f"      sha256 {item.sha256}  {item.file}")
        for c in item.custody:
            click.echo(f"      {_custody_line(c, names)}")


@evidence.command("recheck")
@binder_option
@click.argument("incident_ref", metavar="[INCIDENT]", required=False)
@json_option
def evidence_recheck(binder_path, incident_ref, as_json) -> None:
    """Hash every registered file again; exit 1 when one has changed."""
    with open_path(binder_path) as binder:
        iid = get_incident(binder, incident_ref).id if incident_ref else None
        bar = _StderrBar("re-checking evidence")
        try:
            results = recheck.recheck(binder, iid, progress=bar)
        finally:
            bar.close()
    if as_json:
        emit_json([
            {"evidence_id": r.evidence_id, "label": ev.label(r.evidence_id),
             "incident_id": r.incident_id, "file": r.file, "status": r.status,
             "expected": r.expected, "actual": r.actual, "detail": r.detail}
            for r in results
        ])
    else:
        for r in results:
            click.echo(("PROBLEM " if r.status == "changed" else "") + str(r))
        changed = sum(r.status == "changed" for r in results)
        missing = sum(r.status in ("missing", "unreadable") for r in results)
        click.echo(f"{len(results)} item(s): {changed} changed, {missing} not checked")
    if any(r.status == "changed" for r in results):
        click.get_current_context().exit(1)
