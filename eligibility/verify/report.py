"""The report of ``eligibility rules verify``: one line per property, each
counterexample as the YAML profile it shrank to, and the JSON document (English, like
the other reports for the catalog's authors)."""

from __future__ import annotations

import json
from pathlib import Path

from eligibility.verify.properties import Counterexample, PropertyResult, VerifyReport


def _line(result: PropertyResult) -> str:
    mark = "✓" if result.passed else "✗"
    examples = f"{result.examples} example{'' if result.examples == 1 else 's'}"
    line = f"{mark} ({result.letter}) {result.name:<13} {examples:>13} {result.seconds:6.1f} s  " \
           f"{result.title}"
    return line + (f"\n    error: {result.error}" if result.error else "")


def _counterexample_text(example: Counterexample, saved: Path | None) -> list[str]:
    asked = ", ".join(example.requests) or "none (every brick)"
    lines = [f"counterexample · {example.property} · rules: {', '.join(example.rules) or '-'}",
             f"  as of {example.as_of.isoformat()} · requests: {asked}"]
    lines += [f"  {line}" for line in example.detail]
    if saved is not None:
        lines.append(f"  saved: {saved}")
    lines.append("  profile:")
    lines += [f"    {line}" if line else "" for line in example.profile_yaml().splitlines()]
    return lines


def verify_text(report: VerifyReport, saved: dict[str, Path]) -> str:
    lines = [_line(r) for r in report.results]
    for result in report.failed:
        if result.counterexample is not None:
            lines += ["", *_counterexample_text(result.counterexample, saved.get(result.name))]
    failed = len(report.failed)
    total = sum(r.examples for r in report.results)
    lines += ["", f"{len(report.results)} properties · {len(report.results) - failed} passed · "
              f"{failed} failed · {total} examples · {report.seconds:.1f} s · seed {report.seed} "
              f"(same examples again: --seed {report.seed})"]
    return "\n".join(lines)


def verify_json(report: VerifyReport, saved: dict[str, Path]) -> str:
    data = report.to_json()
    for item in data["properties"]:
        if item["counterexample"] is not None:
            path = saved.get(item["property"])
            item["counterexample"]["saved"] = str(path) if path is not None else None
    return json.dumps(data, ensure_ascii=False, indent=2)
