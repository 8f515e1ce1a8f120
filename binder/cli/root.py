"""The root ``binder`` command group, which loads each area's commands on first use.

A script calls `binder incident list` many times a minute; importing every
command module (and through them reportlab, pyHanko, Qt ...) for each call made
a short command ten times slower than Python's own start. So the group knows
its commands by name and imports a command's module only when that command is
asked for; `binder --help` imports them all to show their help text.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import click

# Command name -> the modules (under binder.cli) that attach it and its subcommands
# to `cli`. A new top-level command is added here; tests/cli/test_commands.py checks
# that this table and the modules agree.
COMMANDS: dict[str, tuple[str, ...]] = {
    "init": ("setup",),
    "plan": ("setup",),
    "gui": ("gui",),
    "self-test": ("gui",),
    "signer": ("signer",),
    "incident": ("incident",),
    "journal": ("journal",),
    "verify": ("verify",),
    "roster": ("roster",),
    "backup": ("roster",),
    "unlock": ("roster",),
    "passphrase": ("roster",),
    "keyring": ("roster",),
    "evidence": ("evidence",),
    "decide": ("response",),
    "notify": ("response",),
    "notify-decision": ("response",),
    "need-to-know": ("response",),
    "clock": ("response",),
    "impact": ("response",),
    "review": ("response",),
    "drill": ("response",),
    "report": ("report",),
    "sign-report": ("report",),
    "print-plan": ("report",),
    "export": ("export",),
    "readiness": ("readiness",),
    "access-log": ("readiness",),
    "checkpoint": ("checkpoint",),
    "prove": ("checkpoint",),
    "anchor": ("anchor",),
    "timeline": ("registers",),
    "ioc": ("registers",),
    "asset": ("registers",),
    "task": ("registers",),
    "notice": ("notice",),
    "search": ("registers",),
}


# Subcommands that live in another module than their group: `incident list` need not
# load the guided response (binder.cli.response) that `incident show` needs.
INCIDENT_COMMANDS: dict[str, tuple[str, ...]] = {
    "open": ("incident",),
    "list": ("incident",),
    "show": ("response",),
    "set": ("response",),
    "phase": ("response",),
    "tick": ("response",),
    "close": ("response",),
    "reopen": ("response",),
    "types": ("response",),
    "assess": ("assessment",),
}


def load_command_modules(name: str, table: dict[str, tuple[str, ...]] = COMMANDS) -> None:
    """Import the modules that define command ``name`` (a missing one fails loudly)."""
    for module in table[name]:
        importlib.import_module(f"binder.cli.{module}")


class LazyGroup(click.Group):
    """A group whose commands are imported when first used, listed without importing.

    ``lazy`` maps each command name to the modules (under binder.cli) that attach it.
    """

    def __init__(self, *args, lazy: dict[str, tuple[str, ...]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.lazy) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            load_command_modules(cmd_name, self.lazy)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, lazy=COMMANDS, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--binder", "binder_path", type=click.Path(path_type=Path), default=None, hidden=True,
    help="Binder file for every subcommand.",
)
@click.version_option(package_name="incident-binder", prog_name="binder")
@click.pass_context
def cli(ctx: click.Context, binder_path: Path | None) -> None:
    """Incident Binder: the offline binder for leading a security incident.

    Without a command, opens the desktop app on the most recently active incident.
    """
    ctx.ensure_object(dict)
    ctx.obj["binder_path"] = binder_path
    if ctx.invoked_subcommand is None:
        # By name, through the table above: binder.cli.gui attaches itself to this group.
        ctx.invoke(cli.get_command(ctx, "gui"), binder_path=binder_path, screenshot=None)
