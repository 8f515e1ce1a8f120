"""The command table the lazy root group loads from, and `binder --help` built from it."""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import click

import binder.cli
from binder.cli.root import COMMANDS, LazyGroup, cli, load_command_modules
from tests.helpers import LEAD, command_env, signer_env

NOT_COMMAND_MODULES = {"common", "root", "__main__"}


def command_modules() -> set[str]:
    return {m.name for m in pkgutil.iter_modules(binder.cli.__path__)} - NOT_COMMAND_MODULES


def lazy_groups() -> list[tuple[str, LazyGroup]]:
    """Every lazy group, its subgroups loaded: (command path, group)."""
    found = []

    def walk(path: str, group: click.Group) -> None:
        if isinstance(group, LazyGroup):
            found.append((path, group))
            for name in list(group.lazy):
                load_command_modules(name, group.lazy)
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                walk(f"{path} {name}", command)

    walk("binder", cli)
    return found


def test_the_tables_name_every_command_each_module_defines():
    for name in sorted(command_modules()):
        importlib.import_module(f"binder.cli.{name}")
    groups = lazy_groups()
    paths = [path for path, _ in groups]
    assert paths[0] == "binder" and "binder incident" in paths
    for path, group in groups:
        assert set(group.commands) == set(group.lazy), f"the table of `{path}` is out of date"
    named = {m for _, group in groups for mods in group.lazy.values() for m in mods}
    assert named == command_modules()


def test_each_command_comes_from_the_modules_its_table_names():
    for path, group in lazy_groups():
        for name, modules in group.lazy.items():
            command = group.commands[name]
            assert command.callback.__module__.rsplit(".", 1)[1] in modules, (path, name)
            if isinstance(command, click.Group) and not isinstance(command, LazyGroup):
                # Every subcommand's module is loaded with its group.
                for sub in command.commands.values():
                    assert sub.callback.__module__.rsplit(".", 1)[1] in modules, (name, sub.name)


def test_help_lists_every_visible_command_with_its_summary(run_cli):
    r = run_cli("--help")
    assert r.code == 0, r.err
    listed = r.out.split("Commands:", 1)[1]
    for name in COMMANDS:
        load_command_modules(name)
        command = cli.commands[name]
        if command.hidden:
            assert f"  {name} " not in listed
            continue
        assert f"  {name} " in listed, name
        summary = command.get_short_help_str(limit=40).split()[0]
        assert summary in listed, (name, summary)


def test_an_unknown_command_is_one_line_exit_2(run_cli):
    r = run_cli("incidnet", "list")
    assert r.code == 2
    assert r.err.count("\n") == 1 and "No such command" in r.err


def test_the_console_script_exits_with_each_documented_code(made, incident_id, tmp_path):
    """The installed `binder` script, as a real process: 0, 1, 2 and 3 are its exit status."""
    made.binder.close()
    script = Path(sys.executable).with_name("binder")
    assert script.is_file(), "the package is not installed (pip install -e .)"

    def status(*args: str, **env: str) -> tuple[int, str]:
        done = subprocess.run([str(script), "--binder", str(made.path), *args],
                              capture_output=True, text=True, timeout=60,
                              env=command_env({**signer_env(), **env}))
        return done.returncode, done.stderr

    assert status("incident", "list") == (0, "")
    code, err = status("journal", "add", str(incident_id), "--as", LEAD)
    assert code == 2 and "--text" in err and err.count("\n") == 1
    code, err = status("roster", "list", BINDER_PASSPHRASE="not the passphrase")
    assert code == 3 and "wrong passphrase" in err
    conn = sqlite3.connect(made.path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE entry SET text = 'Nothing odd' WHERE seq = 1")
    conn.close()
    code, _ = status("verify")
    assert code == 1
