"""A real RFC 3161 timestamp authority on localhost, for the anchoring tests.

Certomancer (a PKI testing tool) issues a root and a TSA certificate from keys
made here, and its WSGI "Animator" answers RFC 3161 requests over HTTP. We
serve it with werkzeug on 127.0.0.1 and an ephemeral port, in a thread of the
test process, so the binder's client talks HTTP to a real authority: the
request, the signed token, the certificate chain are all genuine. Nothing
leaves the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ARCH = "binder-test-ca"


@dataclass(frozen=True)
class LocalTsa:
    """A running authority: its URL and the root certificate a verifier trusts."""

    url: str
    root_pem: bytes
    tsa_pem: bytes


def _write_key(path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


def _config(key_dir: Path) -> dict:
    validity = {"valid-from": "2000-01-01T00:00:00+0000", "valid-to": "2200-01-01T00:00:00+0000"}
    return {
        "external-url-prefix": "http://127.0.0.1",
        "keysets": {ARCH: {"path-prefix": str(key_dir),
                           "keys": {"root": {"path": "root.key.pem"},
                                    "tsa": {"path": "tsa.key.pem"}}}},
        "pki-architectures": {ARCH: {
            "keyset": ARCH,
            "entity-defaults": {"country-name": "BE", "organization-name": "Test Time Authority"},
            "entities": {"root": {"common-name": "Test TSA Root"},
                         "tsa": {"common-name": "Test Time Stamping Unit"}},
            "certs": {
                "root": {"subject": "root", "issuer": "root", "validity": validity,
                         "profiles": ["simple-ca"]},
                "tsa": {"issuer": "root", "validity": validity, "extensions": [
                    {"id": "key_usage", "critical": True,
                     "smart-value": {"schema": "key-usage", "params": ["digital_signature"]}},
                    {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                ]},
            },
            "services": {"time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}}},
        }},
    }


@contextmanager
def local_tsa(folder: Path) -> Iterator[LocalTsa]:
    """Start an authority serving ``/binder-test-ca/tsa/tsa``; stop it on leaving."""
    import logging

    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertomancerConfig
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request lines in test output
    folder.mkdir(parents=True, exist_ok=True)
    _write_key(folder / "root.key.pem")
    _write_key(folder / "tsa.key.pem")
    config = CertomancerConfig(_config(folder), key_search_dir=str(folder))
    arch = config.get_pki_arch(ARCH)
    app = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False,
                   allow_time_override=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="local-tsa", daemon=True)
    thread.start()
    try:
        from asn1crypto import pem

        root = arch.get_cert("root")
        tsa = arch.get_cert("tsa")
        yield LocalTsa(
            url=f"http://127.0.0.1:{server.server_port}/{ARCH}/tsa/tsa",
            root_pem=pem.armor("CERTIFICATE", root.dump()),
            tsa_pem=pem.armor("CERTIFICATE", tsa.dump()),
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
