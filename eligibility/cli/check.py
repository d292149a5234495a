"""``eligibility check`` and ``eligibility explain``: one commune's verdicts.

A lazy command (``cli.main``): this module, with the library a check needs, is
imported only when one of these commands is called.
"""

from __future__ import annotations

import sys

import click

from eligibility.catalog.model import Catalog
from eligibility.cli.options import (
    as_of_option,
    catalog_from,
    complete_brick,
    lang_option,
    max_input_size_option,
    parse_date,
    rules_option,
)
from eligibility.evaluation.check import ENGINES, EngineName, check
from eligibility.profile.loading import load_profile
from eligibility.reports.check import check_json, check_markdown, check_text, explain_text

engine_option = click.option(
    "--engine", type=click.Choice(ENGINES), default="durable", show_default=True,
    help="durable-rules engine, or the reference evaluator (same verdicts).")


def _bricks(catalog: Catalog, names: tuple[str, ...]) -> list[str] | None:
    return [catalog.brick_id(n, source="--brick") for n in names] or None


@click.command("check")
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


@click.command("explain")
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
