"""The ``eligibility`` command line: it parses, calls the library, and prints.

Design decisions (issue 12, a cold command close to its floor):

* This module is the group alone, with click and the options every command shares.
  Every command is a ``LazyCommand``: its module, and the library it calls, is imported
  when it is called. ``eligibility --help`` and ``--version`` load neither pydantic nor
  YAML nor the catalog; ``check`` loads what a check needs and nothing more.
* Run as the program (``Main.main`` reading the process's own arguments), the cyclic
  garbage collector is off while the command's modules are imported: an import makes
  objects that live as long as the process, which the collector would otherwise scan
  again and again (about a tenth of a cold ``check``). Once the command is loaded they are
  frozen (``gc.freeze``: never scanned again, the few cycles left by the imports kept)
  and the collector runs as usual for the command's work, however long it is. Called
  with arguments (``CliRunner``, a test, an embedding program), nothing is changed.
"""

from __future__ import annotations

import contextlib
import gc
import os
import textwrap
from typing import Any

import click

from eligibility.cli.lazy import LazyCommand, LazyGroup
from eligibility.cli.options import QUIET, guarded, install_signal_handlers, mark_standalone
from eligibility.errors import EXIT_CODES


class Main(LazyGroup):
    """The command group: the one place where errors become ``error:`` lines and exit
    codes (``options.guarded``), for every command; ``--quiet`` sends stdout to the void
    there, so that no command needs to know about it."""

    _collector_paused = False  # the program is loading its command (see the docstring)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if (args[0] if args else kwargs.get("args")) is None:
            mark_standalone()  # the program reads its own arguments: its own process
        if (args[0] if args else kwargs.get("args")) is not None or not gc.isenabled():
            return super().main(*args, **kwargs)
        gc.disable()
        self._collector_paused = True
        try:
            return super().main(*args, **kwargs)
        finally:
            self._resume_collector()

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        self._resume_collector()  # the command and its library are loaded
        return command

    def _resume_collector(self) -> None:
        if self._collector_paused:
            self._collector_paused = False
            gc.freeze()
            gc.enable()

    def invoke(self, ctx: click.Context) -> object:
        install_signal_handlers()
        if not ctx.params.get("quiet"):
            return guarded(lambda: super(Main, self).invoke(ctx))
        ctx.meta[QUIET] = True
        with open(os.devnull, "w", encoding="utf-8") as void, \
                contextlib.redirect_stdout(void):
            return guarded(lambda: super(Main, self).invoke(ctx))


def _exit_codes_epilog() -> str:
    """The exit codes for ``--help`` (``\b``: click keeps the lines as they are)."""
    lines = ["\b", "Exit codes:"]
    for code, meaning in EXIT_CODES:
        wrapped = textwrap.wrap(meaning, 72)
        lines.append(f"  {code:<4} {wrapped[0]}")
        lines += [f"       {more}" for more in wrapped[1:]]
    return "\n".join(lines)


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """``eligibility -V``: the tool's version and the shipped catalog's content hash (the
    ``provenance`` of every JSON answer names both)."""
    if not value or ctx.resilient_parsing:
        return
    from eligibility.catalog.content_hash import content_hash
    from eligibility.catalog.shipped import shipped_rules_dir
    from eligibility.reports.provenance import tool_version

    click.echo(f"eligibility {tool_version()}")
    click.echo(f"catalog {content_hash(shipped_rules_dir())}")
    ctx.exit()


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=_exit_codes_epilog())
@click.option("-V", "--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_print_version,
              help="Show the version and the shipped catalog's content hash, and exit.")
@click.option("-q", "--quiet", is_flag=True,
              help="Print nothing but errors: the exit code is the answer (as grep -q). "
                   "A report asked for with --output is still written; no progress bar.")
def main(quiet: bool) -> None:
    """Eligibility of Nîmes Métropole's communes for the DN's shared IT services.

    Each verdict comes with its reasons, their citations, and what would change it.
    Shell completion (bricks included): see the README, "Shell completion".
    """



# Every command is imported only when called (issue 12: a cold `check` pays for `check`
# alone); the summary is the first paragraph of its help (tests/test_cli_lazy.py).
main.lazy.update({
    "audit": LazyCommand("eligibility.cli.audit:audit_command",
                         "Audit the bricks communes hold: files, folders (every .yaml, .yml, "
                         ".json inside) and CSV or XLSX matrices (commune × brick), mixed; - "
                         "reads standard input (a profile, or a CSV matrix)."),
    "check": LazyCommand("eligibility.cli.check:check_command",
                         "Verdict for each requested brick, with reasons and remediation."),
    "costs": LazyCommand("eligibility.cli.costs:costs_command",
                         "Each commune's share of each brick's cost by the single key."),
    "explain": LazyCommand("eligibility.cli.check:explain_command",
                           "The full derivation for one brick: each condition, the fact it "
                           "read, held or failed, its citation, and what would make it hold."),
    "rules": LazyCommand("eligibility.cli.rules:rules_group",
                         "Inspect the rule catalog and check its consistency."),
    "schema": LazyCommand("eligibility.cli.schema:schema_group",
                          "JSON Schemas of the input formats."),
    "serve": LazyCommand("eligibility.cli.serve:serve_command",
                         "The local web application and its HTTP API (POST /api/check, POST "
                         "/api/audit, GET /api/catalog). Ctrl-C stops it."),
})
