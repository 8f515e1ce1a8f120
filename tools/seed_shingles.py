#!/usr/bin/env python3
"""Fingerprint the plan template's sentences so tests can prove we did not copy them.

The default plan is written in our own words from a template that is not part
of this repository (``../shared/seed/`` beside a checkout). This script reads
the template and writes ``tests/data/seed-shingles.txt``: a truncated SHA-256
of every run of seven consecutive words (lower-cased, punctuation dropped).
tests/core/plan/test_format.py hashes the plan's own seven-word runs the same
way and fails on a match, without the template being present. Usage::

    python3 tools/seed_shingles.py [TEMPLATE.txt]

Run it again when the template changes; the file's header names the
template's SHA-256 so a stale list can be recognised.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed" / "magento-incident-response-plan-template.txt"
OUTPUT = ROOT / "tests" / "data" / "seed-shingles.txt"
RUN = 7
# 64 bits: a chance match among a few thousand runs is about 1 in 10^12.
DIGEST_HEX = 16


def words(text: str) -> list[str]:
    """The text's words, lower-cased, without punctuation (apostrophes kept)."""
    return re.findall(r"[a-z0-9']+", text.lower())


def fingerprint(run: list[str] | tuple[str, ...]) -> str:
    """The truncated SHA-256 of a run of words joined by single spaces."""
    return hashlib.sha256(" ".join(run).encode("utf-8")).hexdigest()[:DIGEST_HEX]


def runs(text: str, n: int = RUN) -> dict[str, str]:
    """Every run of ``n`` consecutive words of ``text``: fingerprint -> the run itself."""
    w = words(text)
    return {fingerprint(w[i:i + n]): " ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


def read_fingerprints(path: Path = OUTPUT) -> set[str]:
    """The fingerprints a file written by this script holds (comments skipped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def main(argv: list[str]) -> int:
    seed = Path(argv[0]) if argv else SEED
    try:
        data = seed.read_bytes()
    except OSError as exc:
        print(f"seed_shingles: cannot read the template {seed}: {exc.strerror}", file=sys.stderr)
        return 2
    found = sorted(runs(data.decode("utf-8")))
    header = [
        "# Fingerprints of every 7-word run of the plan template (tools/seed_shingles.py).",
        f"# template: {seed.name} sha256 {hashlib.sha256(data).hexdigest()}",
        f"# runs: {len(found)}; words: lower-cased [a-z0-9']+; fingerprint: sha256 of the run "
        f"joined by spaces, first {DIGEST_HEX} hex digits",
    ]
    OUTPUT.write_text("\n".join(header + found) + "\n", encoding="utf-8")
    print(f"wrote {len(found)} fingerprints to {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
