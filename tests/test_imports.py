"""Every module of the app imports, and every lazily loaded piece exists.

The app loads panes and command modules on first use (the window and short commands
start faster), so a missing or broken one would otherwise surface only when someone
clicks its tab or types its command. There is no "not in this build": each must load.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from binder.cli.root import COMMANDS, INCIDENT_COMMANDS
from binder.ui.screens.workspace import PANES, load_class

PACKAGE = Path(__file__).resolve().parent.parent / "binder"


def all_modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue  # runs the CLI when imported
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@pytest.mark.parametrize("name", all_modules())
def test_every_module_imports(name):
    importlib.import_module(name)


@pytest.mark.parametrize(("title", "module", "cls"), PANES)
def test_every_pane_class_exists(title, module, cls):
    assert load_class(module, cls).__name__ == cls


def test_a_missing_pane_fails_loudly():
    with pytest.raises(ModuleNotFoundError):
        load_class("no_such_pane", "NoSuchPane")


@pytest.mark.parametrize("module", sorted({m for mods in (*COMMANDS.values(), *INCIDENT_COMMANDS.values())
                                           for m in mods}))
def test_every_command_module_exists(module):
    importlib.import_module(f"binder.cli.{module}")
