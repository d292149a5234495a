"""``rules lint``: every static problem of a catalog, each with its file, rule and fix.

Lint reads the catalog the way ``load_catalog`` does, but keeps going: the schema
errors and unknown references that ``read_catalog`` collects are findings, and the
checks of ``catalog.validation`` (the ones loading applies too) then examine whatever
could be read; this module reports them. Each finding is a
``catalog.Problem`` with a ``code`` (see ``CODES``), a severity (``error``: the
catalog must not be used; ``warning``: it works but something is probably wrong),
the file and the rule, and a hint saying how to fix it.

Dead and redundant conditions are found by reasoning over the facts' domains
(``catalog.satisfiability``), not by trying profiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from eligibility.catalog.model import Problem, read_catalog, shipped_rules_dir
from eligibility.catalog.validation import (
    CODES,
    ERROR,
    WARNING,
    completed,
    describe,
    expression,
    validate,
)

__all__ = ["CODES", "LintReport", "check_catalog", "describe", "expression", "lint",
           "lint_report"]

check_catalog = validate  # the checks lint runs are those loading runs


@dataclass
class LintReport:
    """The findings on one catalog, and what was examined."""

    root: Path
    problems: list[Problem]
    bricks: int = 0
    rules: int = 0
    files: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(p.severity == ERROR for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity == WARNING for p in self.problems)


def lint(directory: str | Path | None = None) -> list[Problem]:
    """Every finding on the catalog at ``directory`` (the shipped one by default).

    Raises ``CatalogError`` only when the path is no catalog folder at all.
    """
    return lint_report(directory).problems


def lint_report(directory: str | Path | None = None) -> LintReport:
    """Every finding on the catalog at ``directory`` (the shipped one by default), with the
    counts of bricks and rules examined."""
    root = Path(directory) if directory is not None else shipped_rules_dir()
    catalog, read = read_catalog(root, partial=True)
    problems = [completed(p) for p in read]
    report = LintReport(root, problems)
    if catalog is not None:
        problems.extend(check_catalog(catalog))
        report.bricks = len(catalog.bricks)
        report.rules = sum(1 for _ in catalog.rules())
    report.problems = _ordered(problems, root)
    return report


def _ordered(problems: list[Problem], root: Path) -> list[Problem]:
    """catalog.yaml first, then the bricks by file name; discovery order within a file."""
    main = str(root / "catalog.yaml")
    return sorted(problems, key=lambda p: (p.file != main, p.file))


