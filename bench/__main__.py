"""`make bench`: run every bench/bench_*.py and write docs/PERFORMANCE.md.

    python -m bench                 # full sizes (up to 100k entries), several runs each
    python -m bench --quick         # smaller sizes, to check the benchmarks work
    python -m bench --only journal  # one module (bench_journal)
    python -m bench --only search --merge  # rerun one module, keep the other sections
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import pkgutil
import platform
import re
import sqlite3
import ssl
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

import bench
from bench import Row, Section

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "PERFORMANCE.md"
ORDER = ["bench_journal", "bench_checkpoints", "bench_hash", "bench_report", "bench_app", "bench_cli"]


def cpu_model() -> str:
    """The CPU model name as the kernel reports it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def ram_gib() -> float | None:
    """Total memory in GiB, from /proc/meminfo (Linux) or sysconf."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    except (ValueError, OSError, AttributeError):
        return None


def load_average() -> str:
    """The 1, 5 and 15 minute load averages; a busy machine makes wall times noisy."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (OSError, AttributeError):
        return "unknown"


def machine(load_at_start: str) -> list[tuple[str, str]]:
    """What the figures were measured on."""
    from cryptography.hazmat.backends.openssl.backend import backend

    try:
        import PySide6

        qt = PySide6.__version__
    except ImportError:
        qt = "not installed"
    ram = ram_gib()
    tmp = bench.scratch_root() or tempfile.gettempdir()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        ("CPU", cpu_model()),
        ("Cores", f"{os.cpu_count()} logical ({usable} usable by this process)"),
        ("RAM", f"{ram:.1f} GiB" if ram else "unknown"),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("OpenSSL (cryptography)", backend.openssl_version_text()),
        ("OpenSSL (Python ssl)", ssl.OPENSSL_VERSION),
        ("PySide6", qt),
        ("Load average (1/5/15 min) at start / end", f"{load_at_start} / {load_average()}"),
        ("Scratch folder", f"{tmp} ({bench.filesystem_of(tmp)}; set BENCH_TMPDIR to change)"),
    ]


def discover(only: list[str] | None) -> list[str]:
    """Names of the bench modules to run, in a stable order."""
    found = [m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")]
    # The report reads best from the core outwards; modules not listed come last.
    names = sorted(found, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    if only:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in only}
        unknown = wanted - set(names)
        if unknown:
            raise SystemExit(f"bench: no module {', '.join(sorted(unknown))}; have {', '.join(names)}")
        names = [n for n in names if n in wanted]
    return names


def _call_run(module, quick: bool):
    run = module.run
    params = inspect.signature(run).parameters
    return run(quick=quick) if "quick" in params else run()


def _as_sections(name: str, result) -> list[Section | str]:
    # Accept a Section, several, or ready-made Markdown from a module.
    if result is None:
        return [Section(title=name, available=False, notes=("returned nothing",))]
    if isinstance(result, (Section, str)):
        return [result]
    return list(result)


def fmt(value: float | None, unit: str = "") -> str:
    """A number with sensible precision for a table."""
    if value is None:
        return "n/a"
    a = abs(value)
    text = f"{value:,.0f}" if a >= 100 else f"{value:.1f}" if a >= 10 else f"{value:.2f}" if a >= 0.1 else f"{value:#.3g}"
    return f"{text} {unit}".strip()


def render_section(section: Section) -> str:
    """A section as Markdown."""
    lines = [f"## {section.title}", ""]
    if section.method:
        lines += [section.method, ""]
    if not section.available:
        lines += ["**Not available in this run.**", ""]
    if section.rows:
        lines += [
            "| measurement | ours (median) | baseline | baseline (median) | ratio | goal |",
            "|---|---:|---|---:|---:|---|",
        ]
        for row in section.rows:
            lines.append(_render_row(row))
        lines.append("")
    for note in section.notes:
        lines.append(f"- {note}")
    if section.notes:
        lines.append("")
    return "\n".join(lines)


def _render_row(row: Row) -> str:
    ratio = row.ratio
    goal_parts = []
    if row.goal is not None:
        goal_parts.append(f"ratio ≤ {row.goal:g}")
    if row.limit is not None:
        goal_parts.append(f"≤ {fmt(row.limit, row.unit)}")
    goal = " and ".join(goal_parts)
    if row.met is not None:
        goal = f"{goal}: {'met' if row.met else '**missed**'}"
    label = row.label + (f" ({row.note})" if row.note else "")
    return (
        f"| {label} | {fmt(row.value, row.unit)} | {row.baseline or '-'} | "
        f"{fmt(row.baseline_value, row.unit) if row.baseline else '-'} | "
        f"{fmt(ratio) + 'x' if ratio is not None else '-'} | {goal or '-'} |"
    )


def render(sections: list[Section | str], *, quick: bool, seconds: float, load_at_start: str) -> str:
    """The whole PERFORMANCE.md."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    mode = (
        "quick (smaller sizes, fewer runs: `python -m bench --quick`)"
        if quick else f"full (`make bench`, median of {bench.RUNS} runs unless stated)"
    )
    out = [
        "# Performance",
        "",
        "Written by `make bench` (bench/); do not edit by hand. Every figure is the median of several",
        "runs and is shown beside a baseline measured in the same run on the same machine, so the",
        "**ratio** is the number to compare between machines.",
        "",
        f"Measured {now}; mode: {mode}; the whole run took {seconds:.0f} s.",
        "",
        "| machine | |",
        "|---|---|",
    ]
    out += [f"| {k} | {v} |" for k, v in machine(load_at_start)]
    out.append("")
    missed = [
        (s.title, r.label) for s in sections if isinstance(s, Section) for r in s.rows if r.met is False
    ]
    if missed:
        out += ["**Goals missed in this run:** " + "; ".join(f"{t}: {label}" for t, label in missed), ""]
    for section in sections:
        out.append(section if isinstance(section, str) else render_section(section))
    return "\n".join(out).rstrip() + "\n"


def merge_sections(previous: str, fresh: list[Section | str]) -> list[Section | str]:
    """The sections of an earlier report, with those measured now put in their place.

    Sections are matched by title without a trailing "(...)" (a size in the title
    may change); kept ones are marked as coming from the earlier run.
    """
    def key(title: str) -> str:
        return title.split(" (")[0].strip()

    new = {key(s.title if isinstance(s, Section) else s.split("\n", 1)[0][3:]): s for s in fresh}
    out: list[Section | str] = []
    measured = re.search(r"^Measured (.+?);", previous, re.M)
    when = measured.group(1) if measured else "an earlier run"
    for chunk in previous.split("\n## ")[1:]:
        title = chunk.split("\n", 1)[0]
        if key(title) in new:
            out.append(new.pop(key(title)))
        else:
            # A section kept twice still names the run that measured it, once.
            body = chunk.rstrip()
            if "\n- (Kept from the run of " not in body:
                body += f"\n\n- (Kept from the run of {when}.)"
            out.append("## " + body + "\n")
    out += list(new.values())
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and write the report; exit 1 if a module failed."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer runs")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only this module (journal, app, hash, report ...); repeatable")
    parser.add_argument("--merge", action="store_true",
                        help="keep the sections of the existing report that this run does "
                             "not measure (each keeps the numbers of the run that made it)")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT,
                        help=f"where to write the report (default {DEFAULT_OUTPUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started, load_at_start = time.perf_counter(), load_average()
    sections: list[Section | str] = []
    failed = []
    for name in discover(args.only):
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            if not hasattr(module, "run"):
                print(f"bench: {name} has no run(); skipped", file=sys.stderr)
                continue
            result = _as_sections(name, _call_run(module, args.quick))
        except Exception as exc:  # noqa: BLE001 - one broken bench must not hide the others
            traceback.print_exc()
            failed.append(name)
            result = [Section(title=name, available=False,
                              notes=(f"failed: {type(exc).__name__}: {exc}",))]
        sections += result
        print(f"bench: {name} done in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
        for section in result:
            if isinstance(section, Section):
                print(render_section(section), file=sys.stderr)
    if args.merge and args.output.exists():
        sections = merge_sections(args.output.read_text(encoding="utf-8"), sections)
    text = render(sections, quick=args.quick, seconds=time.perf_counter() - started,
                  load_at_start=load_at_start)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"bench: wrote {args.output}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
