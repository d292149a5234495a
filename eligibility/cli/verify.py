"""``eligibility rules verify``: property-based consistency checks of the catalog.

This module only parses and prints; the properties are in ``verify.properties`` and
the report in ``verify.report`` (imported when the command runs: they bring hypothesis
and the C engine, which other commands do not need at start-up).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from eligibility.cli.options import (
    catalog_from,
    rules_option,
    write_output,
)
from eligibility.errors import EXIT_FAILED, EXIT_OK, InputError

if TYPE_CHECKING:
    from eligibility.verify.properties import VerifyReport

# verify.DEFAULT_EXAMPLES and verify.NAMES, repeated so that other commands need not
# import hypothesis at start-up (a test keeps them equal).
DEFAULT_EXAMPLES = 200
PROPERTY_NAMES = ("agreement", "monotonicity", "requirements", "remediation", "reasons",
                  "order", "availability")


def save_counterexamples(report: VerifyReport, directory: Path) -> dict[str, Path]:
    """Write each counterexample as ``<property>-<n>.yaml`` (the first free ``n``, so that
    earlier runs' files stay); returns the path written per property."""
    saved: dict[str, Path] = {}
    for result in report.failed:
        if result.counterexample is None:
            continue
        n = 1
        while (directory / f"{result.name}-{n}.yaml").exists():
            n += 1
        path = directory / f"{result.name}-{n}.yaml"
        write_output(result.counterexample.to_yaml(), str(path))
        saved[result.name] = path
    return saved


def _prepare(directory: str) -> Path:
    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create the folder: {error.strerror or error}",
                         source="--save-counterexamples") from None
    return path


@click.command("verify", short_help="Property-based consistency checks (hypothesis).")
@click.option("--examples", type=click.IntRange(min=1), default=DEFAULT_EXAMPLES,
              show_default=True, metavar="N", help="Random examples per property.")
@click.option("--seed", type=int, default=None, metavar="S",
              help="Seed of the random examples, to draw the same ones again "
                   "(default: a new seed, printed).")
@click.option("--property", "only", multiple=True, type=click.Choice(PROPERTY_NAMES),
              help="Run only this property; repeat for several (default: all).")
@click.option("--save-counterexamples", "save_dir", metavar="DIR", default=None,
              help="Write each counterexample as DIR/<property>-<n>.yaml, a profile ready "
                   "to become a regression fixture.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@rules_option
def verify_command(examples: int, seed: int | None, only: tuple[str, ...],
                   save_dir: str | None, fmt: str, rules: str | None) -> None:
    """Property-based checks of the catalog on random profiles, dates and requests.

    \b
    (a) agreement     the durable-rules engine and the reference evaluator agree
    (b) monotonicity  a better profile never loses a brick, but by an upper_bound rule
    (c) requirements  a required brick is held on the date or asked for, and eligible
    (d) remediation   the help makes the brick eligible, or says what to find out,
                      or it really is impossible (or out of the commune's reach)
    (e) reasons       ineligible has a failed reason, eligible has none
    (f) order         the order of requests and subscriptions does not matter
    (g) availability  a brick is unavailable outside its versions and dates

    A failure is shrunk to a small profile, printed as YAML with its date, requests
    and rules. Exit 1 when a property fails, 2 for a catalog with errors.
    """
    # hypothesis and the engine: only for this command
    from eligibility.verify.properties import verify
    from eligibility.verify.report import verify_json, verify_text

    catalog = catalog_from(rules)
    directory = _prepare(save_dir) if save_dir is not None else None
    report = verify(catalog, examples=examples, seed=seed, properties=list(only) or None)
    saved = save_counterexamples(report, directory) if directory is not None else {}
    click.echo(verify_json(report, saved) if fmt == "json" else verify_text(report, saved))
    sys.exit(EXIT_OK if report.passed else EXIT_FAILED)
