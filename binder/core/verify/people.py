"""Signer records against the certificates the binder's root signed.

Screens and documents show a signer's name and role from their certificate, so
editing the ``signer`` table cannot put a signature under another name. Its
columns are still what people are found by (``--as "Full Name"``), so a row
that no longer says what its certificate says is named here: someone edited
it. The link to the roster contact is checked the same way when the
certificate names the contact.
"""

from __future__ import annotations

from cryptography import x509

from binder.core.crypto import signers
from binder.core.storage.database import Binder
from binder.core.verify.cells import as_bytes
from binder.core.verify.findings import VerifyReport


def check_signer_records(binder: Binder, report: VerifyReport,
                         incident_id: int | None = None) -> None:
    """Name each signer row whose name, role, login or contact differs from its certificate
    (signers belong to the binder, not to one incident: ``incident_id`` changes nothing)."""
    root = signers.root_certificate(binder)
    rows = binder.conn.execute(
        """SELECT s.id, s.person, s.display_name, s.role, c.cert_der, l.contact_id,
                  c.fingerprint
           FROM signer s JOIN certificate c ON c.signer_id = s.id
           LEFT JOIN signer_contact l ON l.signer_id = s.id ORDER BY s.id, c.created_at""")
    for number, login, name, role, der, contact, fp in rows:
        der = as_bytes(der) or b""
        if signers.fingerprint(der) != fp:
            continue  # a swapped certificate is named where the signatures are checked
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError:
            continue  # the signatures made with it are named unreadable where they are checked
        if root is None or not signers.issued_by(cert, root):
            continue  # ditto: "certificate not from this binder's root"
        stated = signers.identity_of(der)
        where = f"signer {number} ({stated.name})"
        if name != stated.name:
            report.add(None, None, "signer_changed",
                       f"{where}: the signer record's name {name!r} is not the certificate's; "
                       "the record was edited (documents show the certificate's name)")
        if stated.role and role != stated.role:
            report.add(None, None, "signer_changed",
                       f"{where}: the signer record's role {role!r} is not the certificate's "
                       f"{stated.role!r}; the record was edited")
        if stated.login and login != stated.login:
            report.add(None, None, "signer_changed",
                       f"{where}: the signer record's login {login!r} is not the certificate's "
                       f"{stated.login!r}; the record was edited")
        if stated.contact_id and contact != stated.contact_id:
            report.add(None, None, "signer_changed",
                       f"{where}: linked to roster contact {contact or 'none'}, but the "
                       f"certificate names contact {stated.contact_id}; the link was edited")
