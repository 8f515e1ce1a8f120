#!/usr/bin/env python3
"""Check an Incident Binder verification bundle without Incident Binder.

Needs only Python 3.10+ and the ``cryptography`` package. Usage::

    python3 verify_bundle.py BUNDLE.json [--root-fingerprint HEX] [--checkpoint FILE]

Checks every entry hash, the hash chain, every author and witness signature,
that every certificate was issued by the bundle's root, and that the incident
facts match the signed opening entry. Exit 0 when everything holds, 1 when
anything does not (each problem on its own line), 2 when the file cannot be
read as a bundle. Compare the printed root fingerprint with the one on the
PDF report or the paper copy, or pin it with ``--root-fingerprint``.

When the bundle carries the binder's log (every leaf hash of its RFC 6962
Merkle tree and its signed checkpoints), it also checks that each record of
the incident is the leaf it claims to be and that the log extends every
checkpoint; ``--checkpoint FILE`` (a checkpoint kept elsewhere: from the
report, the paper copy, an e-mail) must be extended too, which shows that
nothing it covered was removed before the bundle was made.
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

FACTS = ("title", "detected_at", "type", "severity", "drill")
DASH = "\u2014"


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_levels(leaves: list[bytes]) -> list[list[bytes]]:
    """Every complete, aligned subtree hash of an RFC 6962 tree, level by level."""
    levels = [leaves]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([_node(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return levels


def merkle_root(levels: list[list[bytes]], start: int, end: int) -> bytes:
    """RFC 6962 MTH of leaves [start, end), from the levels above."""
    width = end - start
    if width == 0:
        return hashlib.sha256(b"").digest()
    if width & (width - 1) == 0 and start % width == 0:
        return levels[width.bit_length() - 1][start // width]
    k = 1 << ((width - 1).bit_length() - 1)
    return _node(merkle_root(levels, start, start + k), merkle_root(levels, start + k, end))


def parse_checkpoint(note: str) -> tuple[bytes, str, int, bytes, list[tuple[str, bytes]]] | None:
    """(body, origin, size, root, [(fingerprint, signature)]) of a checkpoint note, or None."""
    text = note.replace("\r\n", "\n").strip("\n") + "\n"
    body, _, sigs = text.partition("\n\n")
    lines = [line.rstrip() for line in body.splitlines()]
    if len(lines) < 3 or not lines[1].isdigit():
        return None
    try:
        root = base64.b64decode(lines[2] + "=" * (-len(lines[2]) % 4), validate=True)
        signatures = []
        for line in sigs.splitlines():
            parts = line.split()
            if len(parts) != 3 or parts[0] not in (DASH, "--"):
                return None
            raw = base64.b64decode(parts[2], validate=True)
            signatures.append((parts[1].lower(), raw[4:]))
    except (binascii.Error, ValueError):
        return None
    return ("\n".join(lines) + "\n").encode("utf-8"), lines[0], int(lines[1]), root, signatures


def check_log(bundle: dict, certs: dict, held: str | None) -> tuple[list[str], str]:
    """Problems with the bundle's log and checkpoints, and a one-line summary."""
    log = bundle.get("log")
    if not log:
        if held is not None:
            return ["this bundle carries no log, so it cannot be compared with a checkpoint"], ""
        return [], "no log in this bundle (exported by an older Incident Binder)"
    problems: list[str] = []
    leaves = [bytes.fromhex(h) for h in log["leaves"]]
    if log.get("size") != len(leaves):
        problems.append("log: its size does not match its leaves")
    levels = merkle_levels(leaves)
    for kind, items in (("entry", bundle["entries"]), ("co-signature", bundle["cosigns"])):
        for item in items:
            index = item.get("leaf_index")
            decoded = _decode_signed(item)
            if decoded is None:
                continue
            leaf = hashlib.sha256(b"\x00" + decoded[0]).digest()
            if not isinstance(index, int) or not 0 <= index < len(leaves) or leaves[index] != leaf:
                where = item.get("seq") or item.get("entry_seq")
                problems.append(f"{kind} of entry {where}: not the leaf of the log it claims to be")
    origin = f"incident-binder/{bundle['binder']['uuid']}"
    notes = list(log.get("checkpoints", []))
    if held is not None:
        notes.append(held)
    newest = ""
    for n, note in enumerate(notes, start=1):
        label = "the checkpoint you gave" if held is not None and n == len(notes) else f"checkpoint {n}"
        parsed = parse_checkpoint(note)
        if parsed is None:
            problems.append(f"{label}: not a readable checkpoint")
            continue
        body, note_origin, size, root, signatures = parsed
        if note_origin != origin:
            problems.append(f"{label}: of another binder")
            continue
        if size > len(leaves):
            problems.append(f"{label}: covers {size} records but the log holds {len(leaves)}: "
                            "records were removed")
        elif merkle_root(levels, 0, size) != root:
            problems.append(f"{label}: the log no longer extends it (a record it covered was "
                            "removed, reordered or altered)")
        for fp, signature in signatures:
            signer = certs.get(fp)
            if signer is None:
                problems.append(f"{label}: signed with a certificate not in this bundle")
            elif not signature_ok(signer[1], body, signature):
                problems.append(f"{label}: signature of {signer[0]} invalid")
        if held is None or n < len(notes):
            newest = f"newest checkpoint covers {size} of {len(leaves)} records"
    return problems, newest



def _decode_signed(record: dict) -> tuple[bytes, bytes, dict] | None:
    """(canonical bytes, signature, parsed object) of an entry or co-signature, or None."""
    try:
        data = base64.b64decode(record["canonical"], validate=True)
        signature = base64.b64decode(record["signature"], validate=True)
        doc = json.loads(data)
    except (binascii.Error, ValueError):
        return None
    return (data, signature, doc) if isinstance(doc, dict) else None

def load_cert(pem: str) -> tuple[x509.Certificate, str]:
    """A PEM certificate and its SHA-256 fingerprint (hex of the DER bytes)."""
    cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    return cert, hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


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


def check(bundle: dict, pinned_root: str | None, held: str | None = None) -> tuple[list[str], dict]:
    """Return (problems, summary) for a parsed bundle."""
    problems: list[str] = []
    if bundle.get("format") != "incident-binder-bundle" or bundle.get("version") != 1:
        return ["not an incident-binder-bundle version 1"], {}
    root, root_fp = load_cert(bundle["root_certificate"]["pem"])
    try:
        root.verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        problems.append("root certificate is not self-signed")
    if pinned_root and pinned_root.replace(" ", "").replace(":", "").lower() != root_fp:
        problems.append(f"root fingerprint {root_fp} is not the one you expected")
    certs: dict[str, tuple[str, x509.Certificate]] = {}
    for item in bundle["certificates"]:
        cert, fp = load_cert(item["pem"])
        if fp != item["fingerprint"]:
            problems.append(f"certificate of {item['person']}: fingerprint does not match its bytes")
            continue
        try:
            cert.verify_directly_issued_by(root)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            problems.append(f"certificate of {item['person']}: not issued by this bundle's root")
            continue
        certs[fp] = (item["person"], cert)

    incident = bundle["incident"]
    prev = hashlib.sha256(f"incident-binder genesis {incident['uuid']}".encode()).hexdigest()
    last_time = ""
    hashes_by_seq: dict[int, str] = {}
    author_by_seq: dict[int, str] = {}
    seen: set[str] = set()
    for expected_seq, entry in enumerate(bundle["entries"], start=1):
        where = f"entry {entry.get('seq')}"
        decoded = _decode_signed(entry)
        if decoded is None:
            problems.append(f"{where}: signed content or signature is not readable")
            continue
        data, signature, doc = decoded
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["hash"]:
            problems.append(f"{where}: hash does not match the signed content")
        if digest in seen:
            problems.append(f"{where}: duplicate of an earlier entry")
        seen.add(digest)
        if doc != entry.get("document"):
            problems.append(f"{where}: the readable document differs from the signed bytes")
        if doc.get("type") != "entry" or doc.get("incident") != incident["uuid"]:
            problems.append(f"{where}: not an entry of this incident")
        if entry["seq"] != expected_seq or doc.get("seq") != expected_seq:
            problems.append(f"{where}: order broken (expected entry {expected_seq})")
        if doc.get("prev") != prev:
            problems.append(f"{where}: chain broken (does not follow the entry before it)")
        if str(doc.get("recorded_at", "")) < last_time:
            problems.append(f"{where}: recorded before the entry preceding it")
        if doc.get("corrects") is not None and doc["corrects"] not in hashes_by_seq.values():
            problems.append(f"{where}: corrects an entry that is not earlier in this journal")
        signer = certs.get(str(doc.get("cert")))
        if signer is None or entry.get("cert") != doc.get("cert"):
            problems.append(f"{where}: signed with a certificate not in this bundle")
        else:
            if signer[0].casefold() != str(doc.get("author", "")).casefold():
                problems.append(f"{where}: author does not match the signing certificate")
            if not signature_ok(signer[1], data, signature):
                problems.append(f"{where}: author signature invalid")
        if expected_seq == 1:
            facts = doc.get("data") or {}
            if doc.get("kind") != "open":
                problems.append("entry 1: is not the incident's signed opening")
            for key in FACTS:
                if facts.get(key) != incident.get(key):
                    problems.append(f"incident {key} differs from the signed opening")
            if facts.get("plan_revision") != incident.get("plan_revision_id"):
                problems.append("incident plan revision differs from the signed opening")
            # Signed since the opening time and identities were; older openings lack them,
            # and their signed author is the opener.
            if "opened_at" in facts and facts["opened_at"] != incident.get("opened_at"):
                problems.append("incident opened_at differs from the signed opening")
            if facts.get("opened_by", doc.get("author")) != incident.get("opened_by"):
                problems.append("incident opened_by differs from the signed opening")
            if "id" in facts and facts["id"] != incident.get("id"):
                problems.append("incident id differs from the signed opening")
            if "binder" in facts and facts["binder"] != (bundle.get("binder") or {}).get("uuid"):
                problems.append("incident binder differs from the signed opening")
        hashes_by_seq[expected_seq] = digest
        author_by_seq[expected_seq] = str(doc.get("author", ""))
        prev = entry["hash"]
        last_time = max(last_time, str(doc.get("recorded_at", "")))
    if bundle.get("head_hash") != prev:
        problems.append("head hash does not match the last entry")
    if bundle.get("entry_count") != len(bundle["entries"]):
        problems.append("entry count does not match the entries listed")

    for co in bundle["cosigns"]:
        where = f"entry {co.get('entry_seq')}, co-signature"
        decoded = _decode_signed(co)
        if decoded is None:
            problems.append(f"{where}: signed content or signature is not readable")
            continue
        data, signature, doc = decoded
        if doc != co.get("document") or doc.get("type") != "cosign":
            problems.append(f"{where}: not a co-signature record matching its document")
        if doc.get("entry") != hashes_by_seq.get(co["entry_seq"]):
            problems.append(f"{where}: co-signs different content than this entry")
        if str(doc.get("witness", "")).casefold() == author_by_seq.get(co["entry_seq"], "").casefold():
            problems.append(f"{where}: the author cannot witness their own entry")
        signer = certs.get(str(doc.get("cert")))
        if signer is None:
            problems.append(f"{where}: signed with a certificate not in this bundle")
        elif signer[0].casefold() != str(doc.get("witness", "")).casefold():
            problems.append(f"{where}: witness does not match the signing certificate")
        elif not signature_ok(signer[1], data, signature):
            problems.append(f"{where}: witness signature invalid")
    log_problems, log_summary = check_log(bundle, certs, held)
    problems += log_problems
    summary = {"entries": len(bundle["entries"]), "cosigns": len(bundle["cosigns"]),
               "head": prev, "root": root_fp, "log": log_summary}
    return problems, summary


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description="Verify an Incident Binder bundle.")
    parser.add_argument("bundle")
    parser.add_argument("--root-fingerprint", help="SHA-256 fingerprint the root must have")
    parser.add_argument("--checkpoint", help="a checkpoint text file the bundle's log must extend")
    args = parser.parse_args(argv)
    try:
        with open(args.bundle, encoding="utf-8") as fh:
            bundle = json.load(fh)
        held = None
        if args.checkpoint:
            with open(args.checkpoint, encoding="utf-8-sig") as fh:
                held = fh.read(64 * 1024)
        problems, summary = check(bundle, args.root_fingerprint, held)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        print(f"verify_bundle: cannot read {args.bundle} as a bundle ({type(exc).__name__}: {exc})",
              file=sys.stderr)
        return 2
    for problem in problems:
        print(f"PROBLEM {problem}")
    if problems:
        print(f"FAILED: {len(problems)} problem(s)")
        return 1
    print(f"OK: {summary['entries']} entries and {summary['cosigns']} co-signature(s) verified; "
          f"head {summary['head']}; root fingerprint {summary['root']}")
    if summary["log"]:
        print(f"log: {summary['log']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
