"""The ``eligibility`` command line: it parses, calls the library, and prints."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import textwrap

import click

from eligibility.catalog.model import Catalog
from eligibility.cli.lazy import LazyCommand, LazyGroup
from eligibility.cli.options import (
    QUIET,
    as_of_option,
    catalog_from,
    complete_brick,
    guarded,
    install_signal_handlers,
    lang_option,
    max_input_size_option,
    parse_date,
    rules_option,
)
from eligibility.errors import EXIT_CODES, EXIT_INTERRUPTED, InputError
from eligibility.evaluation.check import ENGINES, EngineName, check
from eligibility.profile.loading import load_profile
from eligibility.profile.schema import profile_schema
from eligibility.reports.check import check_json, check_markdown, check_text, explain_text
from eligibility.reports.provenance import tool_version


class Main(LazyGroup):
    """The command group: the one place where errors become ``error:`` lines and exit
    codes (``options.guarded``), for every command; ``--quiet`` sends stdout to the void
    there, so that no command needs to know about it."""

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
    from eligibility.catalog.model import shipped_rules_dir

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


engine_option = click.option(
    "--engine", type=click.Choice(ENGINES), default="durable", show_default=True,
    help="durable-rules engine, or the reference evaluator (same verdicts).")


def _bricks(catalog: Catalog, names: tuple[str, ...]) -> list[str] | None:
    return [catalog.brick_id(n, source="--brick") for n in names] or None


@main.command("check")
@click.argument("profile")
@click.option("--brick", "bricks", multiple=True, metavar="ID", shell_complete=complete_brick,
              help="Brick to check (id or alias); repeat for several. Default: the profile's "
                   "requests, or every brick.")
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
@lang_option
@rules_option
@engine_option
@max_input_size_option
def check_command(profile: str, bricks: tuple[str, ...], as_of: str | None, fmt: str, lang: str,
                  rules: str | None, engine: EngineName) -> None:
    """Verdict for each requested brick, with reasons and remediation.

    PROFILE is a YAML or JSON file, or - for standard input.

    Exit 1 when a brick asked for is not eligible (when none is asked for: when a
    brick that exists for the commune is ineligible or undetermined).
    """
    catalog = catalog_from(rules)
    day = parse_date(as_of)
    chosen = _bricks(catalog, bricks)
    commune = load_profile(profile, catalog)
    # --brick chooses what is shown; what the commune asks for stays its `requests`.
    evaluation = check(catalog, commune, day, engine=engine, show=chosen)
    render = {"text": check_text, "json": check_json, "markdown": check_markdown}[fmt]
    click.echo(render(evaluation, lang))
    sys.exit(evaluation.exit_code())  # CONTRACT §3, decided by the library


@main.command("explain")
@click.argument("profile")
@click.argument("brick", shell_complete=complete_brick)
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@lang_option
@rules_option
@engine_option
@max_input_size_option
def explain_command(profile: str, brick: str, as_of: str | None, fmt: str, lang: str,
                    rules: str | None, engine: EngineName) -> None:
    """The full derivation for one brick: each condition, the fact it read, held or
    failed, its citation, and what would make it hold.

    Exit 0 when the brick is eligible, 1 when it is not, 2 on bad input.
    """
    catalog = catalog_from(rules)
    day = parse_date(as_of)
    brick_id = catalog.brick_id(brick, source="BRICK")
    commune = load_profile(profile, catalog)
    # The same verdict as `check` gives: the commune's requests stay what it asks for.
    evaluation = check(catalog, commune, day, engine=engine,
                       show=[brick_id])
    if fmt == "json":  # the one brick shown, as `check --brick BRICK --format json`
        click.echo(check_json(evaluation, lang))
    else:
        click.echo(explain_text(evaluation, brick_id, lang))
    sys.exit(evaluation.exit_code())  # one brick shown: 0 only when it is eligible


@main.group("schema")
def schema_group() -> None:
    """JSON Schemas of the input formats."""


@schema_group.command("profile")
@rules_option
def schema_profile(rules: str | None) -> None:
    """JSON Schema of the commune profile (CONTRACT §2), with the catalog's values."""
    click.echo(json.dumps(profile_schema(catalog_from(rules)), ensure_ascii=False, indent=2))


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback by default: only this machine).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@rules_option
@engine_option
def serve_command(host: str, port: int, rules: str | None, engine: EngineName) -> None:
    """The local web application and its HTTP API (POST /api/check, POST /api/audit,
    GET /api/catalog). Ctrl-C stops it."""
    from eligibility.web import serve  # Flask is imported only for this command

    try:
        serve(host, port, rules, engine=engine)
    except OSError as error:
        raise InputError(f"cannot listen on {host}:{port}: {error.strerror or error}",
                         source="--port") from None
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)


# Commands of the other capabilities register here, imported only when called (issue 12:
# a cold `check` pays for `check` alone); the summary is the first paragraph of the help.
main.lazy.update({
    "audit": LazyCommand("eligibility.cli.audit:audit_command",
                         "Audit the bricks communes hold: files, folders (every .yaml, .yml, "
                         ".json inside) and CSV or XLSX matrices (commune × brick), mixed; - "
                         "reads standard input (a profile, or a CSV matrix)."),
    "costs": LazyCommand("eligibility.cli.costs:costs_command",
                         "Each commune's share of each brick's cost by the single key."),
    "rules": LazyCommand("eligibility.cli.rules:rules_group",
                         "Inspect the rule catalog and check its consistency."),
})
