"""`binder signer ...`: enrolling the people who sign."""

from __future__ import annotations

from pathlib import Path

import click
from cryptography.hazmat.primitives.serialization import Encoding

from binder.cli.common import (
    DOOR,
    binder_option,
    emit_json,
    get_secret,
    json_option,
    open_path,
    unlock,
)
from binder.cli.root import cli
from binder.core.crypto import signers


@cli.group()
def signer() -> None:
    """Enroll signers and show their fingerprints."""


@signer.command("enroll")
@binder_option
@click.argument("person")
@click.option("--login", default=None,
              help="Short name to type with --as (default: made from the first name).")
def signer_enroll(binder_path: Path | None, person: str, login: str | None) -> None:
    """Give roster contact PERSON (their id or name) a signing key and a certificate in their
    full name and role; prints its fingerprint.

    PERSON's own passphrase comes from a prompt or BINDER_SIGNER_PASSPHRASE.
    """
    from binder.core import people

    with open_path(binder_path) as binder:
        unlock(binder)
        contact = people.check_can_enroll(binder, person)  # before anyone types a passphrase
        if login:
            signers.check_not_enrolled(binder, login)
        passphrase = get_secret("BINDER_SIGNER_PASSPHRASE", f"New passphrase for {contact.name}",
                                confirm=True)
        enrolled = people.enroll_contact(binder, contact.id, passphrase, login=login, door=DOOR)
    click.echo(signers.format_fingerprint(enrolled.fingerprint))


@signer.command("list")
@binder_option
@json_option
def signer_list(binder_path: Path | None, as_json: bool) -> None:
    """List enrolled signers (name and role as their certificates state them) with their
    logins, roster contacts and certificate fingerprints."""
    with open_path(binder_path) as binder:
        rows = []
        for s in signers.list_signers(binder):
            who = s.identity
            rows.append({"person": s.person, "login": s.person, "name": who.name,
                         "role": who.role, "contact_id": s.contact_id,
                         "fingerprint": s.fingerprint, "enrolled_at": s.created_at})
        root = signers.root_certificate(binder)
    if as_json:
        root_fp = signers.fingerprint(root.public_bytes(Encoding.DER)) if root else None
        emit_json({"signers": rows, "root_fingerprint": root_fp})
        return
    for r in rows:
        click.echo(f"{r['name']:<28} {r['role']:<24} {r['login']:<12} "
                   f"{signers.format_fingerprint(r['fingerprint'])}")
