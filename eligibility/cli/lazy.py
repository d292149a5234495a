"""Subcommands imported when they are called, not when the program starts (issue 12).

A cold ``eligibility check`` should pay for ``check`` alone: the audit, costs and rules
commands bring their own layers (workers, spreadsheets, lint, hypothesis). A
:class:`LazyGroup` knows them by name as ``"module:attribute"`` and imports one only
when click asks for it by that name (to run it, or for its own ``--help``).

The group's ``--help`` lists every command with its one-line help: for a command not
imported yet, that line comes from the first paragraph of its help, given with the
name (``LazyCommand.summary``). tests/test_cli_lazy.py holds the two to account: the
listing is the same as with every command imported.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, NamedTuple

import click


class LazyCommand(NamedTuple):
    """Where a subcommand lives (``"package.module:attribute"``) and its one-line help.

    A named tuple rather than a frozen dataclass: the class is created at every start,
    and creating a dataclass costs about a millisecond (its methods compiled from
    source, issue 12)."""

    target: str
    summary: str

    def load(self) -> click.Command:
        module_name, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is not a click command")
        return command


class LazyGroup(click.Group):
    """A click group whose commands named in ``lazy`` are imported on first use."""

    def __init__(self, *args: Any, lazy: Mapping[str, LazyCommand] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, LazyCommand] = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(self.lazy[cmd_name].load(), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click's, except that a command not imported yet is shown from its summary
        (without importing it)."""
        commands: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None and name in self.lazy:
                command = click.Command(name, help=self.lazy[name].summary)
            if command is None or command.hidden:
                continue
            commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            rows = [(name, command.get_short_help_str(limit)) for name, command in commands]
            with formatter.section("Commands"):
                formatter.write_dl(rows)
