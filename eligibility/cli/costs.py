"""``eligibility costs``: each commune's share of each brick's cost by the single key.

The computation is in ``eligibility.costs.shares``, the reports in
``eligibility.reports.costs``; this parses the options, calls and prints.
"""

from __future__ import annotations

import click

from eligibility.cli.options import (
    catalog_files,
    catalog_from,
    guard_output,
    input_files,
    lang_option,
    max_input_size_option,
    output_option,
    rules_option,
    write_output,
)
from eligibility.costs.shares import compute_costs, load_budget, load_profiles
from eligibility.errors import InputError
from eligibility.reports.costs import FORMATS, render


@click.command("costs")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--budget", "budget_file", required=True, metavar="FILE",
              help="The budget of the year (YAML or JSON): bricks' ETP and costs, licence "
                   "upgrades.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@output_option
@lang_option
@rules_option
@max_input_size_option
def costs_command(paths: tuple[str, ...], budget_file: str, fmt: str, output: str | None,
                  lang: str, rules: str | None) -> None:
    """Each commune's share of each brick's cost by the single key.

    PATH... are commune profiles (- for standard input), or folders searched
    recursively for .yaml, .yml and .json files. A brick's cost (etp × cost_per_etp +
    si) is shared, to the cent, among the communes holding it on 1 January of the
    budget year, pro rata of their compte administratif of the year before
    (fonctionnement + investissement); licence upgrades (art. 4.2.2) are charged to
    their commune alone.

    Exit 2 on bad input, a subscriber without a compte administratif of the right year
    included.
    """
    catalog = catalog_from(rules)
    if [budget_file, *paths].count("-") > 1:
        raise InputError("standard input is given twice (- can be read once)",
                         source="<stdin>", hint="give the budget or the profiles as a file")
    guard_output(output, [budget_file, *catalog_files(rules), *input_files(paths)])
    budget = load_budget(budget_file, catalog)
    profiles = load_profiles(paths, catalog)
    report = compute_costs(budget, profiles, catalog, budget_source=budget_file)
    write_output(render(report, catalog, fmt, lang), output)
