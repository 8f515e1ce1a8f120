"""Command line: how long short commands take, from process start to exit.

Scripts and tests call `binder` constantly, so its start-up is most of a short
command's time. Each command runs in a fresh process on a small binder (one
incident, a few entries), against `python -c pass` started the same way:
the baseline is what any Python program pays before its first line.
Goal (issue 12): `binder incident list` within 0.2 s on a quiet machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench import Row, Section, make_bench_binder, median, scratch

FULL_RUNS, QUICK_RUNS = 21, 5
LIMIT_S = 0.2
TIMEOUT = 120

# label, argv after `binder` (None: the baseline), whether the 0.2 s goal applies: to the
# issue's short command; verify checks every signature, --help loads every command.
COMMANDS: list[tuple[str, list[str] | None, bool]] = [
    ("`python -c pass`", None, False),
    ("`binder incident list`", ["incident", "list"], True),
    ("`binder verify --json`", ["verify", "--json"], False),
    ("`binder --help`", ["--help"], False),
]


def _env(home: Path, binder_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BINDER_", "XDG_"))}
    # A user's installed app has its bytecode compiled; without it every run would
    # compile our modules again and measure the compiler.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update({
        "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"), "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"), "BINDER_FILE": str(binder_path),
        "BINDER_NO_KEYRING": "1", "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    })
    return env


def _argv(args: list[str] | None) -> list[str]:
    if args is None:
        return [sys.executable, "-c", "pass"]
    return [sys.executable, "-m", "binder", *args]


def _children_cpu() -> float:
    # getrusage counts in microseconds; os.times() only in 10 ms clock ticks.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s) of one process, which must exit 0 (1 is allowed for verify)."""
    before, start = _children_cpu(), time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, timeout=TIMEOUT)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - before
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv[2:])}: exit {done.returncode}: "
                           f"{done.stderr.decode(errors='replace').strip()[-200:]}")
    return wall, cpu


def scheduling_note() -> str | None:
    """How this run was scheduled, when it was given a core of its own."""
    try:
        policy = os.sched_getscheduler(0)
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None
    if policy not in (os.SCHED_FIFO, os.SCHED_RR):
        return None
    return (f"This run had real-time priority on CPU {', '.join(map(str, cpus))} "
            f"(`taskset -c {','.join(map(str, cpus))} chrt -f 10 python -m bench --only cli`): "
            "the figures are those of a quiet core although other jobs were loading the machine "
            "(see the load average above).")


def run(quick: bool = False) -> Section:
    """Median wall and CPU time of short commands against `python -c pass`."""
    n = QUICK_RUNS if quick else FULL_RUNS
    method = (
        "Each command in a fresh process (`python -m binder ...`, the console script does the "
        "same), on a small binder (one incident with 20 entries, two signers), with compiled "
        f"bytecode, no OS keyring and a clean home folder. One untimed warm-up each, then {n} "
        "rounds that run every command once in turn; the median of the rounds. Baseline: "
        "`python -c pass` with the same interpreter and environment, i.e. what any Python "
        f"program pays before its first line. Goal: `binder incident list` within {LIMIT_S:g} s."
    )
    with scratch("cli") as folder:
        home = folder / "home"
        home.mkdir()
        made = make_bench_binder(folder / "small.binder", entries=20)
        made.close()
        env = _env(home, made.path)
        for _, args, _ in COMMANDS:
            measure(_argv(args), env)  # warm-up: bytecode, page cache
        walls: dict[str, list[float]] = {label: [] for label, _, _ in COMMANDS}
        cpus: dict[str, list[float]] = {label: [] for label, _, _ in COMMANDS}
        for _ in range(n):
            for label, args, _ in COMMANDS:
                wall, cpu = measure(_argv(args), env)
                walls[label].append(wall)
                cpus[label].append(cpu)
    base = COMMANDS[0][0]
    rows = []
    for label, _, goal in COMMANDS[1:]:
        rows.append(Row(f"{label}, wall", median(walls[label]), "s", f"{base}, wall",
                        median(walls[base]), limit=LIMIT_S if goal else None))
        rows.append(Row(f"{label}, CPU", median(cpus[label]), "s", f"{base}, CPU",
                        median(cpus[base])))
    notes = [
        "Wall time includes waiting for a CPU: on a loaded machine (see the load average "
        "above) compare the CPU rows, whose ratio to the baseline travels between machines.",
        "What is left is mostly Python itself, click and our own modules; reportlab, pyHanko, "
        "Qt, cryptography.x509 and sqlite-utils are imported only by the commands that use "
        "them (tests/cli/test_quick_start.py keeps it so).",
    ]
    scheduled = scheduling_note()
    if scheduled:
        notes.insert(0, scheduled)
    return Section(title="Command line: short commands", method=method, rows=tuple(rows),
                   notes=tuple(notes))
