"""Layering: Qt only inside binder/ui; the core never reaches up into the UI or the CLI;
no module imports, even from inside a function, a module that imports it back."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

PACKAGE = Path(__file__).resolve().parent.parent / "binder"
QT = ("PySide6", "shiboken6")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module an import statement anywhere in the file names (also inside functions)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return modules_named(path.read_text(encoding="utf-8"), package)


def modules_named(source: str, package: str) -> set[str]:
    """Modules imported by ``source`` living in ``package`` (relative imports resolved)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # `from binder import ui` imports the submodule binder.ui
            found |= {f"{base}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant):
                found.add(str(node.args[0].value))
    return found


def _is(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def python_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_only_binder_ui_imports_qt():
    offenders = []
    for path in python_files():
        if _is(module_name(path), "binder.ui"):
            continue
        for name in imported_modules(path):
            if any(_is(name, qt) for qt in QT):
                offenders.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    assert not offenders, "Qt outside binder/ui:\n" + "\n".join(offenders)


def core_files() -> list[Path]:
    """Every module of the core and of the Qt-free app services."""
    return [p for p in python_files()
            if p.relative_to(PACKAGE).parts[0] in ("core", "services")]


def test_core_never_imports_the_ui_or_the_cli():
    offenders = []
    for path in core_files():
        for name in imported_modules(path):
            if _is(name, "binder.ui") or _is(name, "binder.cli"):
                offenders.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    assert not offenders, "the core reaches into the UI or CLI:\n" + "\n".join(offenders)
    assert len(core_files()) >= 10  # the walk really found the core


def test_importing_the_core_and_the_cli_loads_no_qt():
    core = [module_name(p) for p in core_files()]
    code = (
        "import importlib, sys\n"
        f"for name in {core!r}:\n"
        "    importlib.import_module(name)\n"
        "from binder.cli.root import COMMANDS, load_command_modules\n"
        "for name in COMMANDS:\n"
        "    load_command_modules(name)\n"
        "from binder.core.verify import checks\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"Qt was loaded by a core or CLI import: {result.stdout}"


def test_the_checker_sees_what_it_must():
    """The walk finds relative, nested, aliased and dynamic imports."""
    source = (
        "from .ui import dialogs\n"
        "from binder import cli as c\n"
        "import importlib\n"
        "def later():\n"
        "    import PySide6.QtWidgets as w\n"
        "    importlib.import_module('shiboken6')\n"
    )
    names = modules_named(source, "binder")
    assert {"binder.ui", "binder.ui.dialogs", "binder.cli", "PySide6.QtWidgets", "shiboken6"} <= names
    assert "binder.cli.common" in imported_modules(PACKAGE / "cli" / "journal.py")


def test_import_linter_contracts_cover_every_core_module_and_hold():
    """The import-linter contracts list every core module, and they are kept."""
    import shutil
    import subprocess
    import tomllib

    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    core = {"binder.core", "binder.services"}
    # The layering contracts (no Qt, no door) cover the whole core; narrower contracts,
    # such as the report facts staying free of reportlab, guard one module each.
    layering = [c for c in contracts if c["type"] == "forbidden" and set(
        c["forbidden_modules"]) & {"PySide6", "binder.ui", "binder.cli"}]
    assert layering
    for contract in layering:
        missing = core - set(contract["source_modules"])
        assert not missing, f"{contract['name']!r} does not cover {sorted(missing)}"
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([lint], cwd=root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "0 broken" in result.stdout


# ------------------------------------------------------------------------------ import circles


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every import circle in ``graph``, each as a closed path a -> ... -> a.

    grimp reads every import statement, top-level or inside a function (and under
    TYPE_CHECKING), so a circle hidden behind a late import is still a circle.
    """
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    cycles = []
    for component in _strongly_connected(edges):
        if len(component) == 1:
            (only,) = component
            if only not in edges[only]:
                continue
            cycles.append([only, only])
            continue
        first = min(component)
        successor = min(m for m in edges[first] if m in component)
        back = graph.find_shortest_chain(importer=successor, imported=first)
        cycles.append([first, *back])
    return sorted(cycles)


def _strongly_connected(edges: dict[str, list[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (import graphs are deep enough to hit recursion limits)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                found.append(component)
    return found


def test_no_module_imports_itself_back_not_even_from_inside_a_function():
    graph = grimp.build_graph("binder", cache_dir=None)
    assert graph.modules == {module_name(p) for p in python_files()}  # it saw every module
    cycles = import_cycles(graph)
    assert not cycles, "import circles (each dependency must point one way):\n" + "\n".join(
        " -> ".join(cycle) for cycle in cycles)


def test_the_circle_finder_finds_a_circle_hidden_in_a_function(tmp_path, monkeypatch):
    package = tmp_path / "circles_demo"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("def later():\n    from circles_demo import high\n")
    (package / "high.py").write_text("from circles_demo import low\n")
    (package / "alone.py").write_text("import json\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circles_demo", cache_dir=None)
    assert import_cycles(graph) == [
        ["circles_demo.high", "circles_demo.low", "circles_demo.high"]]


def test_every_room_of_the_core_has_its_place_in_the_layers():
    """A new room (package or module) of binder/core must be placed in the layers contract."""
    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"]
                  if c["type"] == "layers" and c.get("containers") == ["binder.core"])
    placed = {name.strip() for layer in layers["layers"] for name in layer.split("|")}
    rooms = {p.stem if p.is_file() else p.name for p in (PACKAGE / "core").iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    assert rooms == placed, f"not placed: {sorted(rooms - placed)}; gone: {sorted(placed - rooms)}"


# ------------------------------------------------------------------------------ door verbs

#: Core internals a door must reach only through binder.core.crypto.session, so that every
#: unlock and every signer session is recorded in the access log the same way.
DOOR_FREE = {"unlock_with_keyring", "unlock_with_passphrase", "unlock_with_recovery_code",
             "record_access", "setup_keys", "change_passphrase", "remember_on_this_computer",
             "forget_on_this_computer"}


#: Who is at the keyboard comes from session.login_name()/local_user(), never from the door.
LOGIN_LOOKUPS = {"getuser", "getlogin"}
LOGIN_VARIABLES = {"USER", "LOGNAME", "USERNAME"}
#: Comparing people is the two-person rule's job (binder.core.crypto.two_person.person_key).
IDENTITY_ATTRIBUTES = {"person", "fingerprint"}


def _compares_people(node: ast.Compare) -> bool:
    # ``s.display_name == s.person`` decides how to label one person: not a comparison of two.
    attrs = {side.attr for side in (node.left, *node.comparators) if isinstance(side, ast.Attribute)}
    return (any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops)
            and bool(attrs & IDENTITY_ATTRIBUTES) and "display_name" not in attrs)


def door_bypasses(source: str) -> list[str]:
    """Calls in ``source`` that unlock, sign in, lock, name the person at the keyboard or
    compare people without the core's door verbs."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name, base = node.func.attr, node.func.value
            if name in DOOR_FREE or (name == "open_session" and isinstance(base, ast.Name)
                                     and base.id == "signers"):
                found.append((node.lineno, f"{name}()"))
            elif name in ("write_bytes", "write_text"):
                found.append((node.lineno, f"{name}() (use storage.files.atomic_write_bytes)"))
            elif name in LOGIN_LOOKUPS:
                found.append((node.lineno, f"{name}() (use session.login_name)"))
            elif (name == "get" and isinstance(base, ast.Attribute) and base.attr == "environ"
                  and node.args and isinstance(node.args[0], ast.Constant)
                  and node.args[0].value in LOGIN_VARIABLES):
                found.append((node.lineno, f"${node.args[0].value} (use session.login_name)"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
            found.append((node.lineno, "open() (use storage.files: read_input_file, atomic_write_bytes)"))
        elif isinstance(node, ast.Compare) and _compares_people(node):
            found.append((node.lineno, "people compared in the door (use person_key)"))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if (isinstance(target, ast.Attribute) and target.attr == "data_key"
                        and isinstance(node.value, ast.Constant) and node.value.value is None):
                    found.append((node.lineno, "data_key = None"))
    return [f"line {line}: {what}" for line, what in sorted(found)]


#: Doors that write files of their own: the CLI's internal-error log and the demo binder's
#: made-up evidence files. Everything else a user names goes through storage.files.
OWN_FILES = {"binder/cli/__init__.py", "binder/ui/screenshots.py"}


def _file_io(hit: str) -> bool:
    return "storage.files" in hit


def test_the_doors_unlock_sign_in_and_lock_only_through_the_core_verbs():
    offenders = [f"{name} {hit}"
                 for path in python_files()
                 if path.relative_to(PACKAGE).parts[0] in ("cli", "ui", "services")
                 for name in [str(path.relative_to(PACKAGE.parent))]
                 for hit in door_bypasses(path.read_text(encoding="utf-8"))
                 if not (name in OWN_FILES and _file_io(hit))]
    assert not offenders, "use binder.core.crypto.session instead:\n" + "\n".join(offenders)


def test_the_door_check_sees_each_bypass():
    source = ("vault.unlock_with_passphrase(b, p)\nsigners.open_session(b, who, p)\n"
              "b.data_key = None\nself.picker.open_session(message)\nworker.data_key = b.data_key\n"
              "who = getpass.getuser()\nwho = os.environ.get('USER', '')\n"
              "same = author.person == witness.person\nsame = a.signer.fingerprint != fp\n"
              "same = person_key(a) == person_key(b)\n"
              "with open(path, 'wb') as fh: pass\nout.write_text(text)\n")
    assert door_bypasses(source) == [
        "line 1: unlock_with_passphrase()", "line 2: open_session()", "line 3: data_key = None",
        "line 6: getuser() (use session.login_name)", "line 7: $USER (use session.login_name)",
        "line 8: people compared in the door (use person_key)",
        "line 9: people compared in the door (use person_key)",
        "line 11: open() (use storage.files: read_input_file, atomic_write_bytes)",
        "line 12: write_text() (use storage.files.atomic_write_bytes)"]
