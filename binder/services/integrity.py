"""Is the open binder intact? Answered at once on opening, from the newest verified checkpoint.

The window asks this when a binder is unlocked. With an authentic mark of a
full verify at a checkpoint (see :mod:`binder.core.verify.quick`) the answer
comes from checking only what changed since, in about a second even for 100k
entries; otherwise a full verify runs (in the background) and, when it
passes, leaves a mark for the next opening. Qt-free, so the rules and the
words are tested without a window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from binder.core.storage.database import Binder
from binder.core.verify.checks import verify_binder
from binder.core.verify.findings import VerifyReport
from binder.core.verify.quick import quick_verify, record_verified


@dataclass(frozen=True)
class IntegrityState:
    """What the status bar says about the whole binder."""

    ok: bool
    text: str
    detail: str
    quick: bool
    report: VerifyReport


def check_at_open(binder: Binder, progress: Callable[[int, int], None] | None = None) -> IntegrityState:
    """Verify the binder, quickly when a verified checkpoint allows it (needs it unlocked)."""
    quick = quick_verify(binder)
    if quick is not None:
        report = quick.report
        if report.ok:
            return IntegrityState(
                True, f"✔ Binder verified (since checkpoint {quick.checkpoint.id})",
                f"Every record up to checkpoint {quick.checkpoint.id} matches its signed root "
                f"(fully verified {quick.mark.verified_at[:16].replace('T', ' ')} UTC); "
                f"{quick.records_since} record(s) since then checked in full.", True, report)
        return _failed(report, True)
    report = verify_binder(binder, check_files=False, progress=progress)
    if not report.ok:
        return _failed(report, False)
    record_verified(binder, report)
    return IntegrityState(True, "✔ Binder verified (in full)",
                          f"{report.entries} entries and {report.signatures} signatures checked.",
                          False, report)


def _failed(report: VerifyReport, quick: bool) -> IntegrityState:
    first = str(report.problems[0]) if report.problems else ""
    return IntegrityState(False, f"✖ Binder: {len(report.problems)} problem(s)",
                          f"{first} — run Verify for the full list.", quick, report)
