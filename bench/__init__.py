"""Benchmarks for `make bench` (``python -m bench``), written to docs/PERFORMANCE.md.

Each ``bench/bench_*.py`` module offers ``run(quick: bool = False)`` and returns
a :class:`Section` (or a list of them). Every :class:`Row` pairs our figure with
a baseline measured in the same run on the same machine, so the ratio means
something on any computer; absolute numbers alone would only describe this one.

The runner (bench/__main__.py) calls every module, notes the machine and writes
the report. Benchmarks are never part of the test suite: they are slow.
"""

from __future__ import annotations

import contextlib
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: How many times each figure is measured; the report shows the median.
RUNS = 5
QUICK_RUNS = 3


@dataclass(frozen=True)
class Row:
    """One measured figure beside its baseline.

    ``value`` and ``baseline_value`` share ``unit``. ``goal`` is an upper bound
    on the ratio (ours / baseline) when the product sets one, e.g. 2.0 for
    "within 2x"; ``limit`` an upper bound on ``value`` itself (e.g. 400 MiB).
    """

    label: str
    value: float | None
    unit: str
    baseline: str = ""
    baseline_value: float | None = None
    goal: float | None = None
    limit: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """ours / baseline, or None when either is missing."""
        if self.value is None or not self.baseline_value:
            return None
        return self.value / self.baseline_value

    @property
    def met(self) -> bool | None:
        """Whether the goal and limit hold (None when there is neither)."""
        checks = []
        if self.goal is not None and self.ratio is not None:
            checks.append(self.ratio <= self.goal)
        if self.limit is not None and self.value is not None:
            checks.append(self.value <= self.limit)
        if not checks:
            return None
        return all(checks)


@dataclass(frozen=True)
class Section:
    """A titled group of rows, with an explanation of method and baseline."""

    title: str
    rows: tuple[Row, ...] = ()
    method: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    available: bool = True


def runs(quick: bool) -> int:
    """How many repetitions a benchmark should take."""
    return QUICK_RUNS if quick else RUNS


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes (monotonic clock)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def cpu_timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call of ``fn``.

    CPU time counts this process's threads and any child processes it waited
    for, so it stays meaningful on a busy machine where wall time is noisy.
    """
    # process_time() has sub-microsecond resolution; os.times() counts in clock
    # ticks (10 ms), fine only for the children's share.
    before, cpu_before, start = os.times(), time.process_time(), time.perf_counter()
    fn()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_before
    after = os.times()
    cpu += (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def median(values: Sequence[float]) -> float:
    """The median; the middle of several runs resists one noisy run."""
    return float(statistics.median(values))


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank), for latency figures like p99."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def scratch_root() -> str | None:
    """Where benchmark files go: ``$BENCH_TMPDIR``, else the system temp folder.

    Point it at the disk binders really live on: on a RAM disk (tmpfs) fsync is
    free and the durable-write figures would flatter us.
    """
    return os.environ.get("BENCH_TMPDIR") or None


@contextlib.contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    """A temporary folder for one benchmark, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{prefix}-", dir=scratch_root()) as folder:
        yield Path(folder)


def filesystem_of(path: str | os.PathLike[str]) -> str:
    """The filesystem type holding ``path`` (Linux /proc/mounts), for the machine notes."""
    target = os.path.realpath(path)
    best, kind = "", "unknown"
    try:
        with open("/proc/mounts", encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 3 and target.startswith(parts[1]) and len(parts[1]) > len(best):
                    best, kind = parts[1], parts[2]
    except OSError:
        pass
    return kind


# A binder for benchmarks: real file, real keys; light key derivation because
# we measure the journal, not Argon2.
BENCH_PASSPHRASE = "bench binder passphrase"
BENCH_SIGNER, BENCH_SIGNER_PASS = "alice", "alice bench passphrase"
BENCH_WITNESS, BENCH_WITNESS_PASS = "bob", "bob bench passphrase"


@dataclass
class BenchBinder:
    """A freshly made binder with an incident and an unlocked signer."""

    path: Path
    binder: object  # binder.core.storage.database.Binder
    incident_id: int
    lead: object  # binder.core.crypto.signers.SigningSession
    witness: object

    def close(self) -> None:
        """Close the binder connection."""
        self.binder.close()  # type: ignore[attr-defined]


def make_bench_binder(path: Path, *, entries: int = 0, text_len: int = 160) -> BenchBinder:
    """Create a binder at ``path`` with one incident holding ``entries`` extra entries."""
    from binder.core.crypto import signers, vault
    from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
    from binder.core.incident.journal import append_many
    from binder.core.incident.record import open_incident
    from binder.core.plan import revisions as plans
    from binder.core.storage import database as storage

    binder = storage.create_binder(path, org="Bench Store")
    vault.setup_keys(binder, BENCH_PASSPHRASE, kdf=LIGHT_KDF_FOR_TESTS)
    signers.create_root(binder)
    plans.load_default_plan(binder)
    signers.enroll(binder, BENCH_SIGNER, BENCH_SIGNER_PASS, role="Incident Lead", kdf=LIGHT_KDF_FOR_TESTS)
    signers.enroll(binder, BENCH_WITNESS, BENCH_WITNESS_PASS, role="IT Contact", kdf=LIGHT_KDF_FOR_TESTS)
    lead = signers.open_session(binder, BENCH_SIGNER, BENCH_SIGNER_PASS)
    witness = signers.open_session(binder, BENCH_WITNESS, BENCH_WITNESS_PASS)
    incident_id = open_incident(
        binder, lead, title="Benchmark incident", type="skimmer", severity="high",
        plan_revision_id=plans.current_revision(binder).id,
    )
    if entries:
        append_many(binder, incident_id, lead, sample_entries(entries, text_len=text_len))
    return BenchBinder(path, binder, incident_id, lead, witness)


def sample_entries(count: int, *, text_len: int = 160) -> list:
    """``count`` realistic journal entries (varying text, some with reasoning)."""
    from binder.core.incident.journal import NewEntry

    words = ("checked", "nginx", "access", "log", "for", "requests", "to", "/checkout", "from",
             "203.0.113.7", "found", "injected", "script", "in", "design/head/includes", "and",
             "rotated", "admin", "credentials", "after", "WAF", "rule", "update")
    out = []
    for i in range(count):
        text = " ".join(words[(i + k) % len(words)] for k in range(40))[:text_len]
        out.append(NewEntry(text=f"{i}: {text}", kind="observation" if i % 3 else "action",
                            reason="containment" if i % 5 == 0 else ""))
    return out
