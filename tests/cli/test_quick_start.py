"""Short commands start quickly: they never load the heavy libraries they do not use.

Not a timing test (bench/bench_cli.py measures the times): each command runs in
a fresh interpreter, which then lists the modules it loaded. A module-level
import of reportlab, pyHanko or Qt somewhere on a short command's path makes
`binder incident list` several times slower, and shows up here by name.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import command_env

# Never on the path of a command that neither writes a PDF nor opens a window.
NEVER = ("reportlab", "pyhanko", "pyhanko_certvalidator", "PySide6", "shiboken6")
# A command that only reads the binder's rows needs no certificates and no sqlite-utils
# (it writes nothing, so no migrations and no table helpers).
READ_ONLY = (*NEVER, "cryptography.x509", "sqlite_utils")

PROBE = """
import json, sys
from binder.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def loaded_by(*args: str, env: dict[str, str]) -> tuple[int, set[str]]:
    """Run `binder ARGS` in a fresh interpreter: its exit code and the modules it loaded."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          env=command_env(env), timeout=60)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def heavy(modules: set[str], forbidden: tuple[str, ...]) -> set[str]:
    return {m for m in modules if any(m == f or m.startswith(f + ".") for f in forbidden)}


@pytest.mark.parametrize(("args", "forbidden"), [
    (("incident", "list"), READ_ONLY),
    (("incident", "list", "--json"), READ_ONLY),
    (("journal", "list", "1", "--json"), (*NEVER, "sqlite_utils")),
    (("verify", "--json"), (*NEVER, "sqlite_utils")),
    (("--help",), NEVER),
    (("--version",), READ_ONLY),
], ids=" ".join)
def test_short_commands_load_no_heavy_library(made, incident_id, args, forbidden):
    made.binder.close()
    code, modules = loaded_by(*args, env={"BINDER_FILE": str(made.path)})
    assert code in (0, None)
    assert "binder.cli" in modules  # the probe ran the command line
    assert heavy(modules, forbidden) == set()


def test_the_probe_sees_a_heavy_library_when_one_is_used(made, incident_id, tmp_path):
    # Guards the guard: writing a report does load reportlab, and the probe reports it.
    made.binder.close()
    code, modules = loaded_by("report", "1", "-o", str(tmp_path / "r.pdf"),
                              env={"BINDER_FILE": str(made.path)})
    assert code == 0
    assert "reportlab" in heavy(modules, NEVER)
