"""Reports: a 10k-entry incident report against a bare reportlab build of the same text.

Baseline, measured in the same run: reportlab's SimpleDocTemplate with the
sample stylesheet, one Paragraph per entry holding the same words our report
prints for it (number, times, author, kind, text, reasoning, signature line),
built from a ready list in memory. Ours adds reading the binder, verifying
every signature, the cover, summary, timeline, sign-off and appendix, the
embedded fonts, the attached verification bundle and (in the signed row) two
PAdES signatures.

Memory is the peak growth of the resident set during one build (Linux's
VmHWM, reset before each build), at a quarter of the size and at full size:
the story is generated as platypus consumes it, so what grows with the entry
count is the PDF itself and the attached verification bundle, not the layout.
"""

from __future__ import annotations

import gc
import io
import multiprocessing
from xml.sax.saxutils import escape

from bench import Row, Section, cpu_timed, make_bench_binder, median, runs, scratch

FULL_SIZE, QUICK_SIZE = 10_000, 3_000
GOAL = 3.0  # issue 9: within 3x of a bare reportlab build of the same text
MiB = 1024 * 1024


def _same_text(binder, incident_id: int) -> list[str]:
    """The words our report prints per entry, as plain (escaped) paragraph text."""
    from binder.core.incident import journal

    out = []
    for e in journal.iter_entries(binder, incident_id):
        parts = [f"#{e.seq} recorded {e.recorded_at} {e.author} {e.kind}", e.text]
        if e.reason:
            parts.append("Reasoning: " + e.reason)
        parts.append(f"signed by {e.author} no co-signature hash {e.hash[:16]}")
        out.append("<br/>".join(escape(p) for p in parts))
    return out


def _bare(texts: list[str]) -> bytes:
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    style = getSampleStyleSheet()["Normal"]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer).build([Paragraph(t, style) for t in texts])
    return buffer.getvalue()


def _ours(made, signed: bool):
    from binder.core.output.report.build import build_report

    if signed:
        return build_report(made.binder, made.incident_id, lead=made.lead, witness=made.witness)
    return build_report(made.binder, made.incident_id)


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _peak_in_child(path: str, incident_id: int, kind: str) -> tuple[float | None, int]:
    """Runs in a fresh process: (MiB the resident set grew during one build, PDF bytes).

    Linux only: writing 5 to /proc/self/clear_refs resets the peak (VmHWM), so
    only the build is measured, C allocations (reportlab, pyHanko) included. A
    fresh process keeps memory freed by earlier builds from hiding growth.
    """
    from bench import BENCH_SIGNER, BENCH_SIGNER_PASS, BENCH_WITNESS, BENCH_WITNESS_PASS
    from binder.core.crypto import signers
    from binder.core.output.report.build import build_report
    from binder.core.storage.database import open_binder

    binder = open_binder(path)
    try:
        if kind == "bare":
            texts = _same_text(binder, incident_id)

            def build() -> bytes:
                return _bare(texts)
        else:
            lead = signers.open_session(binder, BENCH_SIGNER, BENCH_SIGNER_PASS)
            witness = signers.open_session(binder, BENCH_WITNESS, BENCH_WITNESS_PASS)

            def build() -> bytes:
                return build_report(binder, incident_id, lead=lead, witness=witness,
                                    attach_bundle=kind == "ours").pdf

        gc.collect()
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
                fh.write("5")
        except OSError:
            return None, len(build())
        start = _status_kib("VmRSS")
        pdf = build()
        peak = _status_kib("VmHWM")
    finally:
        binder.close()
    if start is None or peak is None:
        return None, len(pdf)
    return (peak - start) / 1024, len(pdf)


def _peak(made, kind: str) -> tuple[float | None, int]:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_peak_in_child, (str(made.path), made.incident_id, kind))


def run(quick: bool = False) -> list[Section]:
    """Time and memory of a large report against the bare reportlab baseline."""
    size = QUICK_SIZE if quick else FULL_SIZE
    n_runs = min(runs(quick), 3)
    with scratch("report") as folder:
        made = make_bench_binder(folder / "report.binder", entries=size - 1)
        small = make_bench_binder(folder / "small.binder", entries=size // 4 - 1)
        try:
            texts = _same_text(made.binder, made.incident_id)
            bare, unsigned, signed = [], [], []
            last: dict = {}
            for _ in range(n_runs):
                bare.append(cpu_timed(lambda: _bare(texts))[1])
                unsigned.append(cpu_timed(lambda: last.update(report=_ours(made, False)))[1])
                signed.append(cpu_timed(lambda: _ours(made, True))[1])
            pages = last["report"].pages
            mem_bare_small, _ = _peak(small, "bare")
            mem_bare, bare_size = _peak(made, "bare")
            mem_small, small_size = _peak(small, "ours")
            mem_ours, our_size = _peak(made, "ours")
            mem_plain_small, _ = _peak(small, "ours-no-bundle")
            mem_plain, _ = _peak(made, "ours-no-bundle")
        finally:
            made.close()
            small.close()
    quarter = size // 4

    def growth(big: float | None, little: float | None) -> float | None:
        return None if big is None or little is None else (big - little) / (size - quarter) * 1000

    growth_ours, growth_bare = growth(mem_ours, mem_small), growth(mem_bare, mem_bare_small)
    growth_plain = growth(mem_plain, mem_plain_small)
    pdf_per_k = (our_size - small_size) / (size - quarter) * 1000 / MiB
    return [Section(
        title=f"Incident report ({size:,} entries)",
        method=(
            f"`build_report` of one incident with {size:,} signed entries ({pages} pages), "
            f"CPU seconds, median of {n_runs} runs. Baseline: reportlab's SimpleDocTemplate "
            "building one Paragraph per entry with the same words, from a list already in "
            "memory. Memory: growth of the resident set (peak above the level at the start) "
            "during one signed build, C allocations included."
        ),
        rows=(
            Row("full report, unsigned", median(unsigned), "s", "bare reportlab, same text",
                median(bare), goal=GOAL),
            Row("full report, signed by lead and witness", median(signed), "s",
                "bare reportlab, same text", median(bare), goal=GOAL),
            Row(f"peak memory at {size:,} entries", mem_ours, "MiB", "bare reportlab",
                mem_bare),
            Row(f"memory growth per 1k entries ({quarter:,} to {size:,})", growth_ours, "MiB",
                "bare reportlab", growth_bare),
            Row(f"peak memory at {size:,} entries, bundle not attached", mem_plain, "MiB",
                "bare reportlab", mem_bare),
            Row("memory growth per 1k entries, bundle not attached", growth_plain, "MiB",
                "bare reportlab", growth_bare),
        ),
        notes=(
            "Without the bundle, what grows is the PDF reportlab keeps until it saves (ours is "
            "larger per page: embedded fonts, richer markup); bare reportlab also holds every "
            "Paragraph of its story at once, which our streamed story never does.",
            f"The signed PDF grows by {pdf_per_k:.2f} MiB per 1k entries and is held in memory "
            "once (then written atomically); the attached verification bundle (every entry's "
            "canonical form and signature) is built in memory too. Neither depends on the "
            "layout: the story itself is streamed.",
            f"PDF sizes at {size:,} entries: ours {our_size / MiB:.1f} MiB (embedded "
            f"DejaVu fonts, bundle attached), bare {bare_size / MiB:.1f} MiB.",
            "reportlab's optional C accelerator (rl_accel) speeds both sides alike when "
            "installed.",
        ),
    )]
