"""People who sign: the binder's root certificate and each signer's key pair.

Keys are ECDSA P-256 so any PDF reader can check the report signatures. The
root's private key is wrapped by the binder's data key; each signer's private
key is wrapped under that person's own passphrase with our envelope (Argon2id +
AES-GCM), never with PKCS#8's light PBKDF2.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from binder.core.crypto import envelope as crypto
from binder.core.crypto.envelope import DEFAULT_KDF, KdfParams
from binder.core.crypto.vault import check_passphrase_strength, require_unlocked
from binder.core.errors import BadInput, Locked, NotFound, WrongPassphrase
from binder.core.storage.database import Binder, utc_now

if TYPE_CHECKING:
    from cryptography import x509

# cryptography.x509 and the key serialization are imported inside the functions
# that build or read certificates and keys: they cost more than a short command's
# whole work, and listing or reading a binder needs neither.

MAX_NAME_LEN = 80


@dataclass(frozen=True)
class Signer:
    """A person enrolled to sign, with their current certificate.

    ``person`` is their login (unique, what entries record as author),
    ``display_name`` their full name, ``id`` their signer number,
    ``contact_id`` the roster contact they are (None until an old binder's
    signers were given contacts, see :func:`binder.core.roster.adopt_signers`).
    What screens and documents show comes from the certificate
    (:attr:`identity`); the row's copies are for finding people.
    """

    person: str
    display_name: str
    role: str
    fingerprint: str
    created_at: str
    cert_der: bytes
    id: int = 0
    contact_id: str | None = None

    @property
    def identity(self) -> Identity:
        """Name, role and login as the certificate states them."""
        return identity_of(self.cert_der)

    @property
    def certificate(self) -> x509.Certificate:
        """The X.509 certificate issued by the binder's root."""
        from cryptography import x509
        return x509.load_der_x509_certificate(self.cert_der)


@dataclass(eq=False)
class SigningSession:
    """A signer whose private key is unlocked in memory, until :meth:`close`."""

    signer: Signer
    private_key: ec.EllipticCurvePrivateKey | None = field(repr=False)

    @property
    def person(self) -> str:
        """The signer's login."""
        return self.signer.person

    @property
    def display_name(self) -> str:
        """The signer's full name."""
        return self.signer.display_name

    @property
    def identity(self) -> Identity:
        """Name, role and login as the signer's certificate states them."""
        return self.signer.identity

    @property
    def is_open(self) -> bool:
        """False once the session was closed (the binder was locked)."""
        return self.private_key is not None

    def key(self) -> ec.EllipticCurvePrivateKey:
        """The private key, or :class:`Locked` once the session is closed."""
        if self.private_key is None:
            raise Locked(f"{self.signer.display_name} was signed out when the binder was locked; "
                         "sign in again")
        return self.private_key

    def sign(self, data: bytes) -> bytes:
        """ECDSA P-256 / SHA-256 signature (DER) over ``data``."""
        return self.key().sign(data, ec.ECDSA(hashes.SHA256()))

    def close(self) -> None:
        """Drop the private key: nothing can be signed with this session any more."""
        self.private_key = None


def fingerprint(cert_der: bytes) -> str:
    """SHA-256 of the certificate, as lowercase hex (what `openssl x509 -fingerprint` hashes)."""
    return hashlib.sha256(cert_der).hexdigest()


def format_fingerprint(fp: str) -> str:
    """A fingerprint grouped for comparing aloud: ``AB12 CD34 ...``."""
    fp = fp.upper()
    return " ".join(fp[i : i + 4] for i in range(0, len(fp), 4))


def clean_person(person: str) -> str:
    """Validate a person name used with ``--as`` and ``--witness``."""
    name = unicodedata.normalize("NFC", person).strip()
    if not name:
        raise BadInput("a person's name is empty; give the name they enrolled with")
    if len(name) > MAX_NAME_LEN:
        raise BadInput(f"a person's name is longer than {MAX_NAME_LEN} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise BadInput("a person's name contains control characters")
    return name


def _root_context(binder: Binder) -> str:
    return f"ib-root|{binder.uuid}"


def _signer_context(binder: Binder, person: str) -> str:
    return f"ib-signer|{binder.uuid}|{person.casefold()}"


#: Longest full name a certificate holds (RFC 5280's upper bound for a common name).
MAX_CERT_NAME = 64


@dataclass(frozen=True)
class Identity:
    """Who a certificate names: what screens and documents show beside a signature.

    Certificates issued before names and roles went into them have no login
    (``login`` is "") and carry the role only as the organisational unit.
    """

    name: str
    role: str
    login: str
    contact_id: str

    @property
    def label(self) -> str:
        """``Full Name (Role)``, or the name alone without a role."""
        return f"{self.name} ({self.role})" if self.role else self.name


def _name(common: str, org: str, role: str = "", login: str = "") -> x509.Name:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common)]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org[:64]))
    if role:
        # The role as a title (what it is) and as the unit (where older readers look).
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role[:64]))
        attrs.append(x509.NameAttribute(NameOID.TITLE, role[:64]))
    if login:
        attrs.append(x509.NameAttribute(NameOID.USER_ID, login))
    return x509.Name(attrs)


_CONTACT_URN = "urn:uuid:"


@functools.lru_cache(maxsize=256)
def identity_of(cert_der: bytes) -> Identity:
    """The name, role, login and roster contact a certificate states."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        cert = x509.load_der_x509_certificate(cert_der)
        subject = cert.subject
    except ValueError:
        return Identity("(unreadable certificate)", "", "", "")

    def first(oid) -> str:
        values = subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    contact = ""
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        for uri in alt.get_values_for_type(x509.UniformResourceIdentifier):
            if uri.startswith(_CONTACT_URN):
                contact = uri[len(_CONTACT_URN):]
    except x509.ExtensionNotFound:
        pass
    return Identity(first(NameOID.COMMON_NAME),
                    first(NameOID.TITLE) or first(NameOID.ORGANIZATIONAL_UNIT_NAME),
                    first(NameOID.USER_ID), contact)


def create_root(binder: Binder) -> x509.Certificate:
    """Create the binder's root certificate (needs the binder unlocked)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    data_key = require_unlocked(binder)
    org = binder.meta("org") or "Incident Binder"
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"Incident Binder root {binder.uuid[:8]}", org)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * 25))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        # The binder's whole identity, signed: `verify` compares it with the file's
        # meta uuid, so a binder cannot be passed off as another one.
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(f"urn:uuid:{binder.uuid}")]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with binder.write() as db:
        db["root"].insert(
            {
                "id": 1,
                "created_at": utc_now(),
                "cert_der": cert.public_bytes(serialization.Encoding.DER),
                "key_envelope": crypto.seal_with_key(key_der, data_key, _root_context(binder)),
            }
        )
    return cert


def root_binder_uuid(root: x509.Certificate) -> str | None:
    """The binder uuid a root certificate was made for (None for roots made before it was named)."""
    from cryptography import x509

    try:
        names = root.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    for uri in names.get_values_for_type(x509.UniformResourceIdentifier):
        if uri.startswith("urn:uuid:"):
            return uri[len("urn:uuid:"):]
    return None


def root_certificate(binder: Binder) -> x509.Certificate | None:
    """The binder's root certificate, or None before it exists."""
    from cryptography import x509

    row = binder.conn.execute("SELECT cert_der FROM root WHERE id = 1").fetchone()
    return x509.load_der_x509_certificate(row[0]) if row else None


def reseal_root_key(binder: Binder, old_key: bytes, new_key: bytes) -> None:
    """Re-wrap the root's private key under a new data key (inside the caller's transaction)."""
    row = binder.conn.execute("SELECT key_envelope FROM root WHERE id = 1").fetchone()
    if row is None:
        return
    der = crypto.open_with_key(row[0], old_key, _root_context(binder))
    binder.conn.execute("UPDATE root SET key_envelope = ? WHERE id = 1",
                        (crypto.seal_with_key(der, new_key, _root_context(binder)),))


def _root_key(binder: Binder) -> ec.EllipticCurvePrivateKey:
    from cryptography.hazmat.primitives import serialization

    data_key = require_unlocked(binder)
    row = binder.conn.execute("SELECT key_envelope FROM root WHERE id = 1").fetchone()
    if row is None:
        raise NotFound("this binder has no root certificate yet; run `binder init` again")
    der = crypto.open_with_key(row[0], data_key, _root_context(binder))
    key = serialization.load_der_private_key(der, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def check_not_enrolled(binder: Binder, person: str) -> str:
    """``person`` cleaned, or :class:`BadInput` when that login is enrolled already."""
    person = clean_person(person)
    if find_signer(binder, person) is not None:
        raise BadInput(f"{person} is already enrolled; each person enrolls once")
    return person


def enroll(
    binder: Binder,
    person: str,
    passphrase: str,
    *,
    display_name: str | None = None,
    role: str = "",
    contact_id: str | None = None,
    kdf: KdfParams = DEFAULT_KDF,
) -> Signer:
    """Create ``person``'s key pair and certificate (needs the binder unlocked).

    ``person`` is the login, ``display_name`` the full name and ``role`` the
    role the certificate states. With ``contact_id`` the certificate also
    names the roster contact (a ``urn:uuid:`` alternative name) and the
    signer is linked to that contact in the same transaction; people enrol
    through :func:`binder.core.people.enroll_contact`, which gives all three.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID

    person = check_not_enrolled(binder, person)
    display = clean_person(display_name or person)
    if len(display) > MAX_CERT_NAME:
        raise BadInput(f"the name {display[:20]!r}… is longer than {MAX_CERT_NAME} characters, "
                       "more than a certificate holds; shorten the contact's name")
    if contact_id is not None and binder.conn.execute(
            "SELECT 1 FROM signer_contact WHERE contact_id = ?", (contact_id,)).fetchone():
        raise BadInput(f"{display} is already enrolled; each person enrolls once")
    check_passphrase_strength(passphrase)
    root = root_certificate(binder)
    if root is None:
        root = create_root(binder)
    root_key = _root_key(binder)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    org = binder.meta("org") or ""
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(display, org, role, person))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * 10))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    if contact_id is not None:
        cert = cert.add_extension(x509.SubjectAlternativeName(
            [x509.UniformResourceIdentifier(_CONTACT_URN + contact_id)]), critical=False)
    cert = cert.sign(root_key, hashes.SHA256())
    cert_der = cert.public_bytes(serialization.Encoding.DER)
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    envelope = crypto.seal_with_passphrase(key_der, passphrase, _signer_context(binder, person), kdf)
    created = utc_now()
    fp = fingerprint(cert_der)
    with binder.write() as db:
        signer_id = db["signer"].insert(
            {"person": person, "display_name": display, "role": role, "created_at": created}
        ).last_pk
        db["certificate"].insert(
            {
                "fingerprint": fp,
                "signer_id": signer_id,
                "created_at": created,
                "cert_der": cert_der,
                "key_envelope": envelope,
            }
        )
        if contact_id is not None:
            db["signer_contact"].insert({"signer_id": signer_id, "contact_id": contact_id,
                                         "linked_at": created, "how": "enrolled"})
    return Signer(person, display, role, fp, created, cert_der, signer_id, contact_id)


_SIGNER_SQL = """
    SELECT s.person, s.display_name, s.role, c.fingerprint, c.created_at, c.cert_der, s.id,
           l.contact_id
    FROM signer s JOIN certificate c ON c.signer_id = s.id
    LEFT JOIN signer_contact l ON l.signer_id = s.id
"""


def find_signer(binder: Binder, person: str) -> Signer | None:
    """The enrolled signer called ``person`` (case-insensitive), or None."""
    row = binder.conn.execute(
        _SIGNER_SQL + " WHERE s.person = ? COLLATE NOCASE ORDER BY c.created_at DESC LIMIT 1",
        (person.strip(),),
    ).fetchone()
    return Signer(*row) if row else None


_FOLD = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ß": "ss",
                       "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ı": "i"})


def fold(text: str) -> str:
    """``text`` for matching what people type: case, accents and Unicode form folded
    ("lukasz" finds Łukasz, "eleni" does not find Ελένη: scripts are not transliterated)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


def _who(signer: Signer) -> str:
    name = signer.display_name
    return name if fold(name) == fold(signer.person) else f"{name} ({signer.person})"


def _one_of(matches: list[Signer], typed: str) -> Signer:
    if len(matches) > 1:
        raise BadInput(f"{typed!r} fits {len(matches)} people: "
                       + ", ".join(_who(s) for s in matches)
                       + "; give the login or the full name of the one you mean")
    return matches[0]


def _by_contact(everyone: list[Signer], typed: str) -> list[Signer]:
    needle = typed.lower()
    if len(needle) < 4 or any(ch not in "0123456789abcdef-" for ch in needle):
        return []
    exact = [s for s in everyone if s.contact_id == needle]
    return exact or [s for s in everyone if s.contact_id and s.contact_id.startswith(needle)]


def _by_words(everyone: list[Signer], typed: str) -> list[Signer]:
    # "Łukasz", "wrob", "lukasz w": every typed word starts a word of the name (or the login).
    words = fold(typed).split()

    def fits(signer: Signer) -> bool:
        theirs = fold(signer.display_name).split() + [fold(signer.person)]
        return all(any(w.startswith(t) for w in theirs) for t in words)

    return [s for s in everyone if fits(s)] if words else []


def get_signer(binder: Binder, person: str) -> Signer:
    """The enrolled person ``person`` names: their login, full name, roster contact id
    (or its first characters), signer number, or enough of their name to tell them apart.

    Case, accents and Unicode form do not matter. Text that fits several people
    is :class:`BadInput` naming them all on one line; nobody is
    :class:`NotFound`, naming who is enrolled.
    """
    typed = clean_person(person)
    found = find_signer(binder, typed)
    if found is not None:
        return found
    everyone = list_signers(binder)
    key = fold(typed)
    for field_of in (lambda s: s.person, lambda s: s.display_name):
        named = [s for s in everyone if fold(field_of(s)) == key]
        if named:
            return _one_of(named, typed)
    by_contact = _by_contact(everyone, typed)
    if by_contact:
        return _one_of(by_contact, typed)
    if typed.isdigit():
        for s in everyone:
            if s.id == int(typed):
                return s
    partial = _by_words(everyone, typed)
    if partial:
        return _one_of(partial, typed)
    known = ", ".join(_who(s) for s in everyone) or "nobody yet"
    raise NotFound(
        f"{person!r} is not an enrolled signer (enrolled: {known}); enrol them from the "
        "roster (`binder signer enroll CONTACT`) first"
    )


def list_signers(binder: Binder) -> list[Signer]:
    """Every enrolled signer, in enrolment order."""
    rows = binder.conn.execute(_SIGNER_SQL + " ORDER BY s.id").fetchall()
    return [Signer(*row) for row in rows]


def certificates_by_fingerprint(binder: Binder) -> dict[str, tuple[str, bytes]]:
    """fingerprint -> (person, certificate DER), for verification."""
    rows = binder.conn.execute(
        "SELECT c.fingerprint, s.person, c.cert_der FROM certificate c JOIN signer s ON s.id = c.signer_id"
    ).fetchall()
    return {fp: (person, der) for fp, person, der in rows}


#: What a signature whose certificate the binder's root did not issue is shown as.
UNVERIFIED = Identity("(certificate not from this binder)", "", "", "")


@functools.lru_cache(maxsize=256)
def _checked_identity(cert_der: bytes, root_der: bytes | None) -> Identity:
    from cryptography import x509

    if root_der is None:
        return UNVERIFIED
    try:
        cert = x509.load_der_x509_certificate(cert_der)
        root = x509.load_der_x509_certificate(root_der)
    except ValueError:
        return UNVERIFIED
    return identity_of(cert_der) if issued_by(cert, root) else UNVERIFIED


def identities(binder: Binder) -> dict[str, Identity]:
    """fingerprint -> who the certificate names, for every certificate of this binder.

    What screens and documents show beside a signature comes from here: the
    certificate the binder's root signed, never the editable signer row. A
    certificate the root did not issue shows as :data:`UNVERIFIED`.
    """
    root = binder.conn.execute("SELECT cert_der FROM root WHERE id = 1").fetchone()
    root_der = bytes(root[0]) if root else None
    out = {}
    for fp, der in binder.conn.execute("SELECT fingerprint, cert_der FROM certificate"):
        der = bytes(der)
        out[fp] = _checked_identity(der, root_der) if fingerprint(der) == fp else UNVERIFIED
    return out


def names_by_login(binder: Binder) -> dict[str, Identity]:
    """login (case and Unicode form folded) -> who that person's certificate names.

    For records that keep only the login (an author, a witness, who ticked or
    answered): show the verified name, never the login alone.
    """
    stated = identities(binder)
    return {unicodedata.normalize("NFC", person).strip().casefold(): stated[fp]
            for fp, (person, _) in certificates_by_fingerprint(binder).items() if fp in stated}


def name_for_login(names: dict[str, Identity], login: str) -> str:
    """The certificate's full name for ``login`` (from :func:`names_by_login`), else the login."""
    who = names.get(unicodedata.normalize("NFC", login or "").strip().casefold())
    return who.name if who is not None and who.name else login


def open_session(binder: Binder, person: str, passphrase: str) -> SigningSession:
    """Unlock ``person``'s private key with their passphrase."""
    from cryptography.hazmat.primitives import serialization

    signer = get_signer(binder, person)
    row = binder.conn.execute(
        "SELECT key_envelope FROM certificate WHERE fingerprint = ?", (signer.fingerprint,)
    ).fetchone()
    try:
        der = crypto.open_with_passphrase(row[0], passphrase, _signer_context(binder, signer.person))
    except WrongPassphrase:
        raise WrongPassphrase(
            f"wrong passphrase for {signer.identity.name or signer.person}; nothing was signed. "
            "Try again"
        ) from None
    key = serialization.load_der_private_key(der, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return SigningSession(signer, key)


def verify_signature(cert: x509.Certificate, data: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid ECDSA/SHA-256 signature by ``cert`` over ``data``."""
    try:
        public = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):  # a damaged certificate signs nothing
        return False
    if not isinstance(public, ec.EllipticCurvePublicKey):
        return False
    try:
        public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def issued_by(cert: x509.Certificate, root: x509.Certificate) -> bool:
    """True when ``cert`` was issued and signed by ``root``."""
    if cert.issuer != root.subject:
        return False
    try:
        cert.verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        # A damaged certificate (one changed byte can turn its key's algorithm into an
        # unknown one) was not issued by the root; it is no crash.
        return False
    return True
