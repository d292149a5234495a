"""``eligibility audit``: audit the bricks communes hold (issue 3).

The audit is in ``eligibility.audit`` (``batch`` reads and audits many communes,
``commune`` one, ``drift`` since when, ``summary`` the figures and the exit code), its
sentences in ``eligibility.wording.audit``, its reports in ``eligibility.reports.audit``;
this parses the options, shows progress, prints the refused inputs on stderr and exits
with the code the library picks.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import click

from eligibility.audit.batch import run_audit, run_rendered_audit
from eligibility.audit.findings import DEFAULT_ENGINE, AuditOptions, AuditRun
from eligibility.audit.inputs import Unit, discover
from eligibility.audit.rendered import RenderedRun
from eligibility.audit.summary import FailOn, exit_code
from eligibility.cli.options import (
    as_of_option,
    catalog_files,
    catalog_from,
    guard_output,
    is_quiet,
    lang_option,
    max_input_size_option,
    output_option,
    parse_date,
    report,
    rules_option,
    write_chunks,
)
from eligibility.errors import InputError, InputErrors, OutputError
from eligibility.evaluation.check import ENGINES, EngineName
from eligibility.reports.audit import FORMATS, JsonEntries, render_chunks


def _inputs(rules: str | None, paths: tuple[str, ...], units: list[Unit]
            ) -> Iterator[str | Path]:
    """The files the run reads: the catalog's, those named, and the profiles found in
    the folders named (``discover`` lists them once, for the run and this guard)."""
    yield from catalog_files(rules)
    yield from (p for p in paths if p == "-" or not os.path.isdir(p))
    yield from (u.path for u in units if u.path is not None)


class ProgressBar:
    """A one-line progress bar on a terminal (stderr); cleared when done."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.shown = 0.0
        self.start = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.shown < 0.1:
            return
        self.shown = now
        filled = int(self.width * done / total) if total else self.width
        rate = done / max(now - self.start, 1e-6)
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] "
                          f"{done}/{total} communes · {rate:,.0f}/s")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r\033[K")
        self.stream.flush()


@click.command("audit")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@as_of_option
@click.option("--compare", "compare", metavar="DATE1", default=None,
              help="Also audit on DATE1 and show, per commune, the findings that appear and "
                   "disappear between DATE1 and the audit date.")
@click.option("--drop", "drop", multiple=True, metavar="BRICK",
              help="What-if: show what leaving BRICK would break, commune by commune "
                   "(repeat for several).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@output_option
@click.option("--fail-on", "fail_on", type=click.Choice(["error", "warning", "never"]),
              default="error", show_default=True,
              help="Exit 1 when a finding of this severity (or worse) is found.")
@click.option("--jobs", "jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes (default: every core for 400 communes or more, else 1).")
@lang_option
@rules_option
@click.option("--engine", type=click.Choice(ENGINES), default=DEFAULT_ENGINE, show_default=True,
              help="durable-rules engine, or the reference evaluator (same verdicts).")
@max_input_size_option
def audit_command(paths: tuple[str, ...], as_of: str | None, compare: str | None,
                  drop: tuple[str, ...], fmt: str, output: str | None, fail_on: FailOn,
                  jobs: int | None, lang: str, rules: str | None, engine: EngineName) -> None:
    """Audit the bricks communes hold: files, folders (every .yaml, .yml, .json inside)
    and CSV or XLSX matrices (commune × brick), mixed; - reads standard input (a profile, or a
    CSV matrix).

    Findings: errors (a held brick whose conditions fail, that no longer exists, or that
    the commune's convention does not allow; each with since when and why), warnings
    (a tool the convention replaced, an older convention, a subscription dated before
    its brick existed, a held brick that cannot be confirmed) and information (bricks
    open to the commune).

    Exit 0, or 1 when a finding reaches --fail-on (errors by default), or 2 when an
    input is bad: bad inputs are reported on stderr and the others still audited.
    """
    catalog = catalog_from(rules)
    day = parse_date(as_of)
    earlier = parse_date(compare, "--compare") if compare is not None else None
    dropped: list[str] = []
    for name in drop:
        brick = catalog.resolve(name)
        if brick is None:
            try:
                catalog.brick_id(name)
            except InputError as error:
                raise InputError(error.message, source="--drop", hint=error.hint) from None
        elif brick not in dropped:
            dropped.append(brick)
    options = AuditOptions(day, earlier, tuple(dropped), engine)
    discovered = discover(list(paths), catalog)  # listed once: for the run and the guard
    guard_output(output, _inputs(rules, paths, discovered[0]))
    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() and not is_quiet() else None
    try:
        if fmt == "json" and earlier is None and not dropped:
            # One entry per commune: rendered where it is audited, in the workers (issue 12).
            run: AuditRun | RenderedRun = run_rendered_audit(
                catalog, paths, options, JsonEntries(catalog, lang), jobs, bar,
                discovered=discovered)
        else:
            run = run_audit(catalog, paths, options, jobs, bar, discovered=discovered)
    finally:
        if bar is not None:
            bar.close()
    if run.rejected:  # one line per problem, control characters escaped
        report(InputErrors([InputError(line) for r in run.rejected for line in r.lines]))
    if not run.communes and run.rejected and output not in (None, "-"):
        # Nothing could be audited: an existing report is left as it was, not emptied.
        report(OutputError("not written: no commune could be audited", source=output))
    else:
        write_chunks(render_chunks(run, fmt, lang), output)
    sys.exit(exit_code(run, fail_on))
