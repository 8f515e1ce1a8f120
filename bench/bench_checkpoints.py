"""Checkpoints: making one, what they add to verify, and verifying since the last one.

Goals (issue 18): a checkpoint over 100k entries in at most 2 s; the log and
checkpoint checks add at most 10 % to a full `verify`; a 100k-entry binder
shown as verified within 1 s of opening, by verifying only what came after the
newest checkpoint that verified (`binder.core.verify.quick`).

Baselines, measured in the same run:
- checkpoint: SHA-256 of the same signed bytes, already in memory (the least
  any Merkle tree over them must do);
- checkpoint checks: the full verify without them (verify minus their time);
- quick verify: the full verify of the same binder.
"""

from __future__ import annotations

import hashlib

from bench import Row, Section, cpu_timed, make_bench_binder, median, runs, scratch

FULL_SIZE, QUICK_SIZE = 100_000, 10_000
AFTER = 200  # entries written after the newest checkpoint, checked in full at opening
CHECKPOINT_LIMIT = 2.0
OPEN_LIMIT = 1.0
VERIFY_SHARE_GOAL = 0.10


def run(quick: bool = False) -> list[Section]:
    """Measure checkpoint making, checkpoint checks in verify, and the quick verify."""
    from binder.core.checkpoint.log import read_log
    from binder.core.checkpoint.store import make_checkpoint
    from binder.core.crypto import vault
    from binder.core.incident.journal import NewEntry, append_many
    from binder.core.verify.checkpoints import check_checkpoints
    from binder.core.verify.checks import verify_binder
    from binder.core.verify.findings import VerifyReport
    from binder.core.verify.quick import quick_verify, record_verified

    size = QUICK_SIZE if quick else FULL_SIZE
    n_runs = runs(quick)
    label = f"{size // 1000}k"
    with scratch("checkpoints") as folder:
        made = make_bench_binder(folder / "cp.binder", entries=size)
        try:
            b = made.binder
            blobs = [bytes(r[0]) for r in b.conn.execute("SELECT canonical FROM entry")]

            def bare() -> None:
                for blob in blobs:
                    hashlib.sha256(b"\x00" + blob).digest()

            cp_times = [cpu_timed(lambda: make_checkpoint(b, made.lead, made.witness))
                        for _ in range(n_runs)]
            bare_times = [cpu_timed(bare) for _ in range(n_runs)]
            records = read_log(b, with_problems=False).size

            def checks() -> None:
                check_checkpoints(b, VerifyReport(), None)

            check_times = [cpu_timed(checks) for _ in range(n_runs)]
            full_runs = [cpu_timed(lambda: verify_binder(b, check_files=False))
                         for _ in range(max(1, n_runs // 2))]
            full_wall = median([w for w, _ in full_runs])
            full_cpu = median([c for _, c in full_runs])
            check_wall = median([w for w, _ in check_times])
            check_cpu = median([c for _, c in check_times])

            # The app's opening: the binder unlocked, a mark from the last full verify
            # at the newest checkpoint, then a shift's worth of entries written since.
            vault.unlock_with_passphrase(b, "bench binder passphrase")
            report = verify_binder(b, check_files=False)
            assert report.ok, report.problems[:3]
            record_verified(b, report)
            append_many(b, made.incident_id, made.lead,
                        [NewEntry(text=f"after the checkpoint {i}") for i in range(AFTER)])
            quick_runs = []
            for _ in range(n_runs):
                result = None

                def once() -> None:
                    nonlocal result
                    result = quick_verify(b)

                quick_runs.append(cpu_timed(once))
                assert result is not None and result.report.ok, result and result.report.problems[:3]
            full_after = cpu_timed(lambda: verify_binder(b, check_files=False))
        finally:
            made.close()
    rows = (
        Row(f"checkpoint over {label} entries ({records} records), wall",
            median([w for w, _ in cp_times]), "s", "SHA-256 of the same bytes in memory, wall",
            median([w for w, _ in bare_times]), limit=CHECKPOINT_LIMIT),
        Row(f"checkpoint over {label} entries, CPU", median([c for _, c in cp_times]), "s",
            "SHA-256 of the same bytes in memory, CPU", median([c for _, c in bare_times])),
        Row(f"log and checkpoint checks in verify ({label}), wall", check_wall, "s",
            "the rest of the full verify, wall", full_wall - check_wall, goal=VERIFY_SHARE_GOAL),
        Row(f"log and checkpoint checks in verify ({label}), CPU", check_cpu, "s",
            "the rest of the full verify, CPU", full_cpu - check_cpu, goal=VERIFY_SHARE_GOAL),
        Row(f"binder verified at opening ({label} + {AFTER} since the checkpoint), wall",
            median([w for w, _ in quick_runs]), "s", "full verify of the same binder, wall",
            full_after[0], limit=OPEN_LIMIT),
        Row(f"binder verified at opening ({label} + {AFTER}), CPU",
            median([c for _, c in quick_runs]), "s", "full verify of the same binder, CPU",
            full_after[1]),
    )
    return [Section(
        title=f"Checkpoints ({label} entries)",
        method=(
            f"One incident of {label} signed entries (`append_many`). `make_checkpoint` reads "
            "every record's signed bytes in log order, builds the RFC 6962 tree, signs the note "
            "twice (maker and witness) and stores it in one transaction; baseline: hashing the "
            "same bytes as leaves with nothing else. The checks row times the log and "
            "checkpoint checker alone against the rest of a full `verify_binder` (evidence "
            f"files not re-hashed): goal ≤ {VERIFY_SHARE_GOAL:.0%} of it. The opening row is "
            "`quick_verify` (mark authenticated, tree rebuilt and compared with the verified "
            "checkpoint's root, shown columns compared with the signed bytes in SQL, the "
            f"{AFTER} entries written since checked in full) against a full verify of the same "
            f"binder: limit {OPEN_LIMIT:g} s. Medians of {n_runs} runs (full verify: fewer)."
        ),
        rows=rows,
        notes=(
            "A full verify checks one ECDSA signature per record; the opening check relies on the "
            "checkpoint's two signatures and its root for everything before it, which is why it "
            "does not grow with the signatures already verified.",
        ),
    )]
