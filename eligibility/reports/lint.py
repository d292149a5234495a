"""The report of ``eligibility rules lint``, rustc-style text or JSON (English: it is
read by the catalog's authors, like a compiler's messages)."""

from __future__ import annotations

import json
from pathlib import Path

from eligibility.catalog.model import Problem
from eligibility.lint.checks import LintReport


def shown_path(path: str) -> str:
    """``path`` relative to the working directory when it lies under it (shorter to read)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return path


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _where(problem: Problem) -> str:
    file = shown_path(problem.file)
    place = f"{file}:{problem.line}" if problem.line else file
    return f"{place} · {problem.rule}" if problem.rule else place


def lint_text(report: LintReport) -> str:
    lines: list[str] = []
    for problem in report.problems:
        lines += [f"{problem.severity}[{problem.code}]: {problem.message}",
                  f"  --> {_where(problem)}",
                  f"  = help: {problem.hint}", ""]
    examined = f"{_plural(report.bricks, 'brick')}, {_plural(report.rules, 'rule')} examined"
    lines.append(f"{_plural(report.errors, 'error')}, {_plural(report.warnings, 'warning')} "
                 f"in {shown_path(str(report.root))} ({examined})")
    return "\n".join(lines)


def lint_json(report: LintReport) -> str:
    return json.dumps({
        "rules": str(report.root),
        "findings": [{"severity": p.severity, "code": p.code, "file": p.file, "line": p.line,
                      "rule": p.rule, "message": p.message, "hint": p.hint}
                     for p in report.problems],
        "summary": {"errors": report.errors, "warnings": report.warnings,
                    "bricks": report.bricks, "rules": report.rules},
    }, ensure_ascii=False, indent=2)
