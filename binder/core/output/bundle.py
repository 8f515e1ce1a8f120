"""The verification bundle: one JSON file that lets anyone re-check an incident.

The bundle carries the signed bytes themselves (base64), never a re-encoding,
so a third party hashes and verifies exactly what the author signed, with
standard tools (openssl) or ``tools/verify_bundle.py``; ``document`` is the
same bytes parsed, for reading. Its layout is described in docs/VERIFYING.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from binder.core.crypto import signers
from binder.core.errors import NotFound
from binder.core.incident.journal import genesis_hash
from binder.core.incident.record import get_incident
from binder.core.storage.database import Binder, utc_now
from binder.core.storage.files import atomic_write_bytes

FORMAT = "incident-binder-bundle"
VERSION = 1


def _b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def _parsed(canonical: bytes) -> Any:
    # A damaged record is exported as it is; the verifier reports it.
    try:
        return json.loads(bytes(canonical))
    except (ValueError, UnicodeDecodeError):
        return None


def _pem(der: bytes) -> str:
    return x509.load_der_x509_certificate(bytes(der)).public_bytes(Encoding.PEM).decode("ascii")


def _log_section(binder: Binder, entries: list[dict], cosigns: list[dict],
                 extra_checkpoints: tuple[str, ...]) -> dict[str, Any]:
    """The binder's log: every leaf hash, where this incident's records sit, the checkpoints.

    With every leaf hash (of every incident: hashes only, nothing of what
    they hash) a reader recomputes each checkpoint's root and sees that the
    binder the bundle came from still extended it, and that each record of
    this incident is the leaf it claims to be.
    """
    from binder.core.checkpoint.log import read_log
    from binder.core.checkpoint.store import list_checkpoints

    log = read_log(binder, with_problems=False)
    for item in entries:
        item["leaf_index"] = log.index_of("entry", item["id"])
    for item in cosigns:
        item["leaf_index"] = log.index_of("cosign", item["id"])
    from binder.core.checkpoint.anchor import all_tokens

    stored = list_checkpoints(binder)
    notes = [c.note for c in stored]
    notes += [n for n in extra_checkpoints if n not in notes]
    place = {c.id: i for i, c in enumerate(stored)}
    # RFC 3161 tokens, each over the SHA-256 of the checkpoint's text: openssl ts -verify.
    timestamps = [
        {"checkpoint": place[t.checkpoint_id], "tsa": t.tsa_url, "time": t.gen_time,
         "token": _b64(t.token), "chain": t.chain}
        for t in all_tokens(binder) if t.checkpoint_id in place
    ]
    return {"size": log.size, "leaves": [h.hex() for h in log.tree.levels[0]], "checkpoints": notes,
            "timestamps": timestamps}


def build_bundle(
    binder: Binder, incident_id: int | str, *, extra_checkpoints: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Everything needed to re-check one incident's journal, as a JSON-ready dict.

    ``extra_checkpoints`` are checkpoint notes not stored yet (the one a
    report prints at sign-off, stored once the report is signed).
    """
    inc = get_incident(binder, incident_id)
    root = signers.root_certificate(binder)
    if root is None:
        raise NotFound("this binder has no root certificate, so nothing in it can be verified")
    root_der = root.public_bytes(Encoding.DER)
    conn = binder.conn
    certificates = [
        {
            "fingerprint": fp,
            "person": person,
            "display_name": display,
            "role": role,
            "pem": _pem(der),
        }
        for fp, person, display, role, der in conn.execute(
            """SELECT c.fingerprint, s.person, s.display_name, s.role, c.cert_der
               FROM certificate c JOIN signer s ON s.id = c.signer_id ORDER BY s.id, c.created_at"""
        )
    ]
    entries = [
        {
            "id": eid,
            "seq": seq,
            "hash": digest,
            "cert": fp,
            "canonical": _b64(canonical),
            "signature": _b64(signature),
            "document": _parsed(canonical),
        }
        for eid, seq, digest, fp, canonical, signature in conn.execute(
            """SELECT id, seq, hash, cert_fingerprint, canonical, signature
               FROM entry WHERE incident_id = ? ORDER BY seq, id""",
            (inc.id,),
        )
    ]
    cosigns = [
        {
            "id": cid,
            "entry_id": entry_id,
            "entry_seq": seq,
            "entry_hash": entry_hash,
            "cert": fp,
            "canonical": _b64(canonical),
            "signature": _b64(signature),
            "document": _parsed(canonical),
        }
        for cid, entry_id, seq, entry_hash, fp, canonical, signature in conn.execute(
            """SELECT c.id, c.entry_id, e.seq, c.entry_hash, c.cert_fingerprint, c.canonical,
                      c.signature
               FROM cosign c JOIN entry e ON e.id = c.entry_id
               WHERE e.incident_id = ? ORDER BY e.seq, c.id""",
            (inc.id,),
        )
    ]
    plan_revision = None
    if inc.plan_revision_id is not None:
        row = conn.execute(
            """SELECT r.id, p.name, r.number, r.sha256 FROM plan_revision r
               JOIN plan p ON p.id = r.plan_id WHERE r.id = ?""",
            (inc.plan_revision_id,),
        ).fetchone()
        if row is not None:
            plan_revision = dict(zip(("id", "plan", "number", "sha256"), row, strict=True))
    log = _log_section(binder, entries, cosigns, extra_checkpoints)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utc_now(),
        "binder": {"uuid": binder.uuid, "org": binder.meta("org") or ""},
        "incident": {
            "id": inc.id,
            "uuid": inc.uuid,
            "title": inc.title,
            "detected_at": inc.detected_at,
            "type": inc.type,
            "severity": inc.severity,
            "drill": inc.drill,
            "plan_revision_id": inc.plan_revision_id,
            "opened_at": inc.opened_at,
            "opened_by": inc.opened_by,
        },
        "plan_revision": plan_revision,
        "root_certificate": {
            "fingerprint": hashlib.sha256(root_der).hexdigest(),
            "pem": root.public_bytes(Encoding.PEM).decode("ascii"),
        },
        "certificates": certificates,
        "genesis": genesis_hash(inc.uuid),
        "entries": entries,
        "cosigns": cosigns,
        "entry_count": len(entries),
        "head_hash": entries[-1]["hash"] if entries else genesis_hash(inc.uuid),
        "log": log,
    }


def bundle_bytes(bundle: dict[str, Any]) -> bytes:
    """The bundle as UTF-8 JSON text (readable: one key per line)."""
    return (json.dumps(bundle, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def write_bundle(binder: Binder, incident_id: int | str, path: Any) -> dict[str, Any]:
    """Build the bundle and write it atomically to ``path``; returns the bundle."""
    bundle = build_bundle(binder, incident_id)
    atomic_write_bytes(path, bundle_bytes(bundle))
    return bundle
