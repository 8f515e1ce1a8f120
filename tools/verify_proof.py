#!/usr/bin/env python3
"""Check an Incident Binder entry proof (`binder prove`) without Incident Binder.

Needs only Python 3.10+ and the ``cryptography`` package. Usage::

    python3 verify_proof.py PROOF.json [--root-fingerprint HEX] [--checkpoint FILE]

Checks that the file is exactly as written (one changed byte is refused),
that every certificate was issued by the binder's root, that the checkpoint
is signed by its maker (and witness), that the entry and each co-signature
are signed by their authors, and that each is inside the checkpoint's Merkle
tree (RFC 6962 inclusion proof). ``--checkpoint`` compares the file's
checkpoint with one you hold (from the report or the paper copy): a proof of
a later checkpoint that extends yours needs ``binder verify --against``.

Exit 0 when everything holds, 1 when anything does not (each problem on its
own line), 2 when the file cannot be read as a proof.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

DASH = "\u2014"


class Unreadable(Exception):
    """The file is not a proof this script can read (exit 2)."""


def node(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def inclusion_ok(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: is ``leaf`` at ``index`` of the tree (size, root)?"""
    if not 0 <= index < size or any(len(p) != 32 for p in path):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def b64(value: object) -> bytes:
    """Strict base64 of a string field."""
    if not isinstance(value, str):
        raise Unreadable("a base64 field is not text")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Unreadable("a base64 field is malformed") from None
    # The last character before padding has bits the decoder ignores: a proof whose text was
    # changed there would decode the same. Only the one canonical spelling is accepted.
    if base64.b64encode(raw).decode("ascii") != value:
        raise Unreadable("a base64 field is not in canonical form (changed after it was written?)")
    return raw


def signature_ok(cert: x509.Certificate, data: bytes, signature: bytes) -> bool:
    """ECDSA P-256 / SHA-256 check of ``signature`` over ``data``."""
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def subject(cert: x509.Certificate) -> str:
    """The certificate's common name (and role), for messages."""
    names = [a.value for a in cert.subject if a.oid == x509.NameOID.COMMON_NAME]
    units = [a.value for a in cert.subject if a.oid == x509.NameOID.ORGANIZATIONAL_UNIT_NAME]
    text = str(names[0]) if names else "?"
    return f"{text} ({units[0]})" if units else text


def parse_checkpoint(note: str) -> tuple[bytes, str, int, bytes, str, list[tuple[str, bytes]]]:
    """(body, origin, size, root, time, [(fingerprint, signature)]) of a checkpoint note."""
    if not isinstance(note, str) or "\n\n" not in note:
        raise Unreadable("the checkpoint is not a signed note")
    body, _, sigs = note.partition("\n\n")
    body += "\n"
    lines = body.splitlines()
    if len(lines) != 5 or lines[3] != "checkpoint-format 1" or not lines[4].startswith("time "):
        raise Unreadable("the checkpoint body is not of format 1")
    if not lines[1].isdigit():
        raise Unreadable("the checkpoint's size is not a number")
    root = b64(lines[2])
    signatures = []
    for line in sigs.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH:
            raise Unreadable("a checkpoint signature line is malformed")
        raw = b64(parts[2])
        try:
            hint = bytes.fromhex(parts[1])[:4]
        except ValueError:
            raise Unreadable("a checkpoint signature line does not name a fingerprint") from None
        if raw[:4] != hint:
            raise Unreadable("a checkpoint signature's key hint does not match its fingerprint")
        signatures.append((parts[1], raw[4:]))
    return body.encode("utf-8"), lines[0], int(lines[1]), root, lines[4][5:], signatures


def check(raw: bytes, pinned_root: str | None, held_checkpoint: str | None) -> tuple[list[str], list[str]]:
    """(problems, summary lines) for the bytes of a proof file."""
    try:
        proof = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Unreadable("not JSON") from None
    if not isinstance(proof, dict) or proof.get("format") != "incident-binder-proof":
        raise Unreadable("not an incident-binder-proof")
    if proof.get("version") != 1:
        raise Unreadable(f"proof format version {proof.get('version')!r}; this script reads 1")
    problems: list[str] = []
    layout = (json.dumps(proof, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    if layout != raw:
        problems.append("the file is not byte for byte as it was written (altered or re-saved)")

    root = x509.load_pem_x509_certificate(str(proof["root_certificate"]).encode("ascii"))
    root_fp = hashlib.sha256(root.public_bytes(Encoding.DER)).hexdigest()
    try:
        root.verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        problems.append("the root certificate is not self-signed")
    if pinned_root and pinned_root.replace(" ", "").replace(":", "").lower() != root_fp:
        problems.append(f"root fingerprint {root_fp} is not the one you expected")
    certs: dict[str, x509.Certificate] = {}
    for pem in proof["certificates"]:
        cert = x509.load_pem_x509_certificate(str(pem).encode("ascii"))
        fp = hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()
        try:
            cert.verify_directly_issued_by(root)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            problems.append(f"certificate {subject(cert)}: not issued by the binder's root")
            continue
        certs[fp] = cert

    body, origin, size, root_hash, made_at, sigs = parse_checkpoint(proof["checkpoint"])
    if origin != f"incident-binder/{proof['binder']}":
        problems.append("the checkpoint is of another binder than the proof names")
    if held_checkpoint is not None:
        held = held_checkpoint.replace("\r\n", "\n").strip().partition("\n\n")[0].strip()
        if held != body.decode("utf-8").strip():
            problems.append("the checkpoint in the file is not the one you hold (--checkpoint)")
    signed_by = []
    if not sigs:
        problems.append("the checkpoint carries no signature")
    for fp, signature in sigs:
        cert = certs.get(fp)
        if cert is None:
            problems.append(f"checkpoint signed with a certificate not in the file ({fp[:16]}...)")
        elif not signature_ok(cert, body, signature):
            problems.append(f"checkpoint signature of {subject(cert)} invalid")
        else:
            signed_by.append(subject(cert))
    if len(set(fp for fp, _ in sigs)) != len(sigs):
        problems.append("the checkpoint is signed twice by the same certificate")

    def record(item: dict, what: str, kind: str) -> tuple[bytes, dict]:
        data, signature = b64(item["canonical"]), b64(item["signature"])
        try:
            doc = json.loads(data)
        except (UnicodeDecodeError, ValueError):
            problems.append(f"{what}: signed content is not readable")
            return data, {}
        if doc != item.get("document") or not isinstance(doc, dict):
            problems.append(f"{what}: the readable document differs from the signed bytes")
            return data, {}
        if doc.get("type") != kind:
            problems.append(f"{what}: is not a {kind} record")
        leaf = hashlib.sha256(b"\x00" + data).digest()
        path = [b64(p) for p in item["inclusion_proof"]]
        index = item["leaf_index"]
        if not isinstance(index, int) or not inclusion_ok(leaf, index, size, path, root_hash):
            problems.append(f"{what}: not inside the checkpoint (inclusion proof fails)")
        person = doc.get("author" if kind == "entry" else "witness")
        cert = certs.get(str(doc.get("cert")))
        if cert is None:
            problems.append(f"{what}: signed with a certificate not in the file")
        elif not signature_ok(cert, data, signature):
            problems.append(f"{what}: signature of {person} invalid")
        return data, doc

    entry_bytes, entry = record(proof["entry"], "the entry", "entry")
    entry_hash = hashlib.sha256(entry_bytes).hexdigest()
    witnesses = []
    for n, item in enumerate(proof["cosigns"], start=1):
        _, doc = record(item, f"co-signature {n}", "cosign")
        if doc and doc.get("entry") != entry_hash:
            problems.append(f"co-signature {n}: witnesses another entry")
        if doc and str(doc.get("witness", "")).casefold() == str(entry.get("author", "")).casefold():
            problems.append(f"co-signature {n}: the author cannot witness their own entry")
        if doc:
            witnesses.append(f"{doc.get('witness')} at {doc.get('signed_at')}")
    summary = [
        f"entry {entry.get('seq')} of incident {entry.get('incident')}: {entry.get('kind')} by "
        f"{entry.get('author')}, recorded {entry.get('recorded_at')}",
        f"text: {entry.get('text')}",
        "witnessed by: " + ("; ".join(witnesses) if witnesses else "nobody"),
        f"record {proof['entry'].get('leaf_index', -1) + 1} of {size} in the checkpoint of binder "
        f"{proof['binder']} made {made_at} (maker's clock), signed by {', '.join(signed_by) or 'nobody'}",
        f"root fingerprint {root_fp} (compare it with the report or the paper copy)",
    ]
    return problems, summary


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description="Verify an Incident Binder entry proof.")
    parser.add_argument("proof")
    parser.add_argument("--root-fingerprint", help="SHA-256 fingerprint the root must have")
    parser.add_argument("--checkpoint", help="a checkpoint text file the proof must be of")
    args = parser.parse_args(argv)
    try:
        with open(args.proof, "rb") as fh:
            raw = fh.read(64 * 1024 * 1024)
        held = None
        if args.checkpoint:
            with open(args.checkpoint, encoding="utf-8-sig") as fh:
                held = fh.read(64 * 1024)
        problems, summary = check(raw, args.root_fingerprint, held)
    except (OSError, Unreadable, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        print(f"verify_proof: cannot read {args.proof} as a proof ({type(exc).__name__}: {exc})",
              file=sys.stderr)
        return 2
    for problem in problems:
        print(f"PROBLEM {problem}")
    if problems:
        print(f"FAILED: {len(problems)} problem(s)")
        return 1
    print("OK: the entry and its co-signatures are signed and inside the signed checkpoint")
    for line in summary:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
