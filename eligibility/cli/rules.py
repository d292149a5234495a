"""``eligibility rules``: inspect the catalog (list, show, graph) and lint it.

``list``, ``show`` and ``graph`` read the catalog with ``load_catalog``, which refuses
a catalog with errors (exit 2, pointing to ``rules lint``). ``lint`` reads whatever
it can and reports every finding, rustc-style; it exits 1 when one is an error and
2 only when the path is no catalog folder. The reports are in ``reports.rules`` (list,
show), ``reports.lint`` and ``reports.graph``; this parses, calls and prints.
"""

from __future__ import annotations

import sys

import click

from eligibility.cli.options import (
    catalog_from,
    lang_option,
    rules_option,
)
from eligibility.errors import EXIT_FAILED, EXIT_OK
from eligibility.lint.checks import lint_report
from eligibility.reports.graph import FORMATS as GRAPH_FORMATS
from eligibility.reports.graph import render as render_graph
from eligibility.reports.lint import lint_json, lint_text
from eligibility.reports.rules import list_json, list_text, show_json, show_text


@click.group("rules")
def rules_group() -> None:
    """Inspect the rule catalog and check its consistency."""


@rules_group.command("list", short_help="The bricks, one per line.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@lang_option
@rules_option
def list_command(fmt: str, lang: str, rules: str | None) -> None:
    """The bricks: id, number, name, versions, requirements, number of conditions."""
    catalog = catalog_from(rules)
    click.echo(list_json(catalog, lang) if fmt == "json" else list_text(catalog, lang))


@rules_group.command("show", short_help="One brick, its rules and sources.")
@click.argument("brick")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@lang_option
@rules_option
def show_command(brick: str, fmt: str, lang: str, rules: str | None) -> None:
    """One brick (id or alias): its conditions with sources and citations, versions,
    what it requires and what requires it, what replaced it. Assumptions are marked."""
    catalog = catalog_from(rules)
    found = catalog.bricks[catalog.brick_id(brick, source="BRICK")]
    if fmt == "json":
        click.echo(show_json(catalog, found, lang))
    else:
        click.echo(show_text(catalog, found, lang))


# --- graph -----------------------------------------------------------------------------

@rules_group.command("graph", short_help="The dependency graph (mermaid, dot).")
@click.option("--format", "fmt", type=click.Choice(GRAPH_FORMATS), default="mermaid",
              show_default=True)
@lang_option
@rules_option
def graph_command(fmt: str, lang: str, rules: str | None) -> None:
    """The brick dependency graph (Mermaid or Graphviz dot): requirements, versions,
    withdrawn bricks and what replaced them."""
    click.echo(render_graph(catalog_from(rules), fmt, lang))


# --- lint ------------------------------------------------------------------------------

@rules_group.command("lint", short_help="Static consistency checks.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@rules_option
def lint_command(fmt: str, rules: str | None) -> None:
    """Static consistency checks of the catalog: every finding with its file, rule and fix.

    Exit 1 when a finding is an error (warnings alone exit 0); 2 when the path is no
    catalog folder.
    """
    report = lint_report(rules)
    click.echo(lint_json(report) if fmt == "json" else lint_text(report))
    sys.exit(EXIT_FAILED if report.errors else EXIT_OK)



# `rules verify` lives in its own module: it is the only one that needs hypothesis.
from eligibility.cli.verify import verify_command  # noqa: E402

rules_group.add_command(verify_command)
