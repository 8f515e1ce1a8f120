"""Selective disclosure: one entry, its co-signatures, and the proof they are in a checkpoint.

A proof file lets counsel show one record (say, a custody transfer) to a
regulator without handing over the journal: the entry's signed bytes and
signature, its witnesses' co-signatures, an RFC 6962 inclusion proof of each
into a signed checkpoint, and the certificates needed to check every
signature. ``tools/verify_proof.py`` checks it with nothing but Python and
the ``cryptography`` package.

The file is JSON in one exact layout (keys sorted, one-space indent, UTF-8,
final newline) and the verifier insists on that layout, so a single changed
byte anywhere is refused, not only a changed value.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from binder.core.checkpoint import merkle
from binder.core.checkpoint.log import read_log
from binder.core.checkpoint.store import StoredCheckpoint, covering_checkpoint, get_checkpoint
from binder.core.crypto import signers
from binder.core.errors import BadInput, IntegrityError, NotFound
from binder.core.storage.database import Binder
from binder.core.storage.files import atomic_write_bytes

FORMAT = "incident-binder-proof"
VERSION = 1


def _b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def proof_bytes(proof: dict[str, Any]) -> bytes:
    """The one layout a proof file is written in (and that the verifier requires)."""
    return (json.dumps(proof, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _pem(der: bytes) -> str:
    return x509.load_der_x509_certificate(bytes(der)).public_bytes(Encoding.PEM).decode("ascii")


def _record(canonical: bytes, signature: bytes, index: int, path: list[bytes]) -> dict[str, Any]:
    return {
        "leaf_index": index,
        "canonical": _b64(canonical),
        "signature": _b64(signature),
        "document": json.loads(bytes(canonical)),
        "inclusion_proof": [_b64(p) for p in path],
    }


def build_proof(binder: Binder, entry_id: int, checkpoint_id: int | None = None) -> dict[str, Any]:
    """The proof of entry ``entry_id`` (the newest checkpoint that holds it, unless named)."""
    row = binder.conn.execute(
        "SELECT canonical, signature, cert_fingerprint FROM entry WHERE id = ?", (entry_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"there is no journal entry {entry_id}; see `binder journal list`")
    canonical, signature, author_fp = row
    log = read_log(binder, with_problems=False)
    index = log.index_of("entry", entry_id)
    if index is None:
        raise IntegrityError(f"entry {entry_id} has no place in the log; run `binder verify`")
    cp: StoredCheckpoint | None
    if checkpoint_id is None:
        cp = covering_checkpoint(binder, index)
        if cp is None:
            raise BadInput(
                f"entry {entry_id} was written after the newest checkpoint; make one first with "
                "`binder checkpoint --as PERSON --witness PERSON`"
            )
    else:
        cp = get_checkpoint(binder, checkpoint_id)
        if cp.tree_size <= index:
            raise BadInput(f"checkpoint {cp.id} was made before entry {entry_id}; name a later one")
    size = cp.tree_size
    note = cp.parsed()
    if size > log.size or log.root(size) != note.root:
        raise IntegrityError(
            f"this binder no longer extends checkpoint {cp.id}, so nothing can be proved from it; "
            "run `binder verify`"
        )
    root = note.root
    entry_path = log.tree.inclusion_proof(index, size)
    assert merkle.verify_inclusion(log.tree.leaf(index), index, size, entry_path, root)
    cosigns = []
    fingerprints = {author_fp} | {s.fingerprint for s in note.signatures}
    for cid, c_canonical, c_signature, c_fp in binder.conn.execute(
        "SELECT id, canonical, signature, cert_fingerprint FROM cosign WHERE entry_id = ? ORDER BY id",
        (entry_id,),
    ):
        c_index = log.index_of("cosign", cid)
        if c_index is None or c_index >= size:
            continue  # witnessed after the checkpoint: not provable from it
        cosigns.append(_record(c_canonical, c_signature, c_index, log.tree.inclusion_proof(c_index, size)))
        fingerprints.add(c_fp)
    known = signers.certificates_by_fingerprint(binder)
    root_cert = signers.root_certificate(binder)
    if root_cert is None:
        raise NotFound("this binder has no root certificate, so nothing in it can be verified")
    certificates = sorted(_pem(known[fp][1]) for fp in fingerprints if fp in known)
    return {
        "format": FORMAT,
        "version": VERSION,
        "binder": binder.uuid,
        "checkpoint": cp.note,
        "entry": _record(canonical, signature, index, entry_path),
        "cosigns": cosigns,
        "certificates": certificates,
        "root_certificate": root_cert.public_bytes(Encoding.PEM).decode("ascii"),
    }


def write_proof(binder: Binder, entry_id: int, path: Any, checkpoint_id: int | None = None) -> dict[str, Any]:
    """Build the proof of one entry and write it atomically to ``path``."""
    proof = build_proof(binder, entry_id, checkpoint_id)
    atomic_write_bytes(path, proof_bytes(proof))
    return proof
