"""Issue 12: subcommands are imported when called; `--help` lists them all the same."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from eligibility.cli.lazy import LazyGroup
from eligibility.cli.main import main


def _first_paragraph(command: click.Command) -> str:
    return " ".join((command.help or "").split("\n\n")[0].split())


def test_summaries_are_the_first_paragraph_of_each_help() -> None:
    assert isinstance(main, LazyGroup)
    for name, lazy in main.lazy.items():
        assert lazy.summary == _first_paragraph(lazy.load()), name


def test_help_lists_the_same_commands_loaded_or_not() -> None:
    fresh = LazyGroup(name="eligibility", lazy=main.lazy)
    for name, command in main.commands.items():
        if name not in main.lazy:
            fresh.add_command(command, name)
    lazy_help = CliRunner().invoke(fresh, ["--help"]).output
    for name in fresh.lazy:
        assert fresh.get_command(click.Context(fresh), name) is not None
    assert set(fresh.lazy) <= set(fresh.commands)
    assert CliRunner().invoke(fresh, ["--help"]).output == lazy_help
    assert all(f"  {name} " in lazy_help for name in fresh.list_commands(click.Context(fresh)))


def test_starting_the_program_imports_no_other_command() -> None:
    code = ("import sys, eligibility.cli.main; "
            "print(sorted(m for m in sys.modules if m.startswith('eligibility.cli.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    for name in ("eligibility.cli.audit", "eligibility.cli.costs", "eligibility.cli.rules"):
        assert name not in out


def test_a_lazy_command_runs() -> None:
    result = CliRunner().invoke(main, ["rules", "list"])
    assert result.exit_code == 0
    assert "conseil-assistance" in result.output
