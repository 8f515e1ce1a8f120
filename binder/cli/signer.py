"""`binder signer ...`: enrolling the people who sign."""

from __future__ import annotations

from pathlib import Path

import click
from cryptography.hazmat.primitives.serialization import Encoding

from binder.cli.common import binder_option, emit_json, get_secret, json_option, open_path, unlock
from binder.cli.root import cli
from binder.core.crypto import signers


@cli.group()
def signer() -> None:
    """Enroll signers and show their fingerprints."""


@signer.command("enroll")
@binder_option
@click.argument("person")
@click.option("--name", "display_name", default=None, help="Full name on the certificate.")
@click.option("--role", default="", help="Role in the response team (e.g. Incident Lead).")
def signer_enroll(binder_path: Path | None, person: str, display_name: str | None, role: str) -> None:
    """Create PERSON's signing key and certificate; prints its fingerprint.

    PERSON's own passphrase comes from a prompt or BINDER_SIGNER_PASSPHRASE.
    """
    with open_path(binder_path) as binder:
        person = signers.check_not_enrolled(binder, person)  # before anyone types a passphrase
        unlock(binder)
        passphrase = get_secret("BINDER_SIGNER_PASSPHRASE", f"New passphrase for {person}", confirm=True)
        enrolled = signers.enroll(binder, person, passphrase, display_name=display_name, role=role)
    click.echo(signers.format_fingerprint(enrolled.fingerprint))


@signer.command("list")
@binder_option
@json_option
def signer_list(binder_path: Path | None, as_json: bool) -> None:
    """List enrolled signers with their certificate fingerprints."""
    with open_path(binder_path) as binder:
        rows = [
            {"person": s.person, "name": s.display_name, "role": s.role,
             "fingerprint": s.fingerprint, "enrolled_at": s.created_at}
            for s in signers.list_signers(binder)
        ]
        root = signers.root_certificate(binder)
    if as_json:
        root_fp = signers.fingerprint(root.public_bytes(Encoding.DER)) if root else None
        emit_json({"signers": rows, "root_fingerprint": root_fp})
        return
    for r in rows:
        click.echo(f"{r['person']:<20} {r['role']:<24} {signers.format_fingerprint(r['fingerprint'])}")
