"""The audit in figures: the commune × brick matrix, the summary per brick, the totals
per severity and the exit code. Data only; the reports lay them out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from eligibility.audit.findings import OPEN, SEVERITY_RANK, AuditRun, CommuneAudit
from eligibility.catalog.model import SEVERITIES, Catalog, Severity

FailOn = Literal["error", "warning", "never"]
"""``audit --fail-on``: the least severe finding that makes the exit code 1, or never."""

CELL_OK, CELL_WARN, CELL_ERROR, CELL_UNKNOWN, CELL_OPEN, CELL_NONE = (
    "ok", "warning", "error", "undetermined", "open", "none")


def cells(commune: CommuneAudit, catalog: Catalog) -> list[str]:
    """One matrix cell per brick: held and valid, with a warning, failing, undetermined;
    not held but open; not held."""
    return list(commune.cells) if commune.cells else row_cells(commune, catalog)


def row_cells(commune: CommuneAudit, catalog: Catalog) -> list[str]:
    warned = {f.brick for f in commune.findings if f.severity == "warning"}
    errors = {f.brick for f in commune.findings if f.severity == "error"}
    out = []
    for brick, status in zip(catalog.bricks, commune.statuses, strict=True):
        if brick in commune.held:
            if status in ("ineligible", "unavailable") or brick in errors:
                out.append(CELL_ERROR)
            elif status == "undetermined":
                out.append(CELL_UNKNOWN)
            else:
                out.append(CELL_WARN if brick in warned else CELL_OK)
        else:
            out.append(CELL_OPEN if status == "eligible" and any(
                f.kind == OPEN and f.brick == brick for f in commune.findings) else CELL_NONE)
    return out


@dataclass
class BrickSummary:
    brick: str
    held: int = 0
    counts: Counter[str] = field(default_factory=Counter)  # status -> communes
    reasons: Counter[str] = field(default_factory=Counter)  # failed rule -> communes

    def top_reason(self) -> tuple[str, int] | None:
        if not self.reasons:
            return None
        return sorted(self.reasons.items(), key=lambda item: (-item[1], item[0]))[0]


def brick_summaries(run: AuditRun) -> list[BrickSummary]:
    """For each brick: communes holding it, eligible, undetermined, ineligible, unavailable,
    and the reasons that block it (held bricks as held, the others as if requested)."""
    catalog = run.catalog
    summaries = [BrickSummary(b) for b in catalog.bricks]
    for commune in run.communes:
        rows = zip(summaries, commune.statuses, commune.blocking, strict=True)
        for summary, status, blocking in rows:
            if summary.brick in commune.held:
                summary.held += 1
            if not status:
                continue
            summary.counts[status] += 1
            for rule in dict.fromkeys(blocking):
                summary.reasons[rule] += 1
    return summaries


def totals(run: AuditRun) -> dict[Severity, int]:
    counts = Counter(f.severity for c in run.communes for f in c.findings)
    return {s: counts.get(s, 0) for s in SEVERITIES}


def exit_code(run: AuditRun, fail_on: FailOn) -> int:
    """2 when an input was bad; 1 when a finding reaches ``fail_on``; else 0."""
    if run.rejected:
        return 2
    if fail_on == "never":
        return 0
    worst = run.worst()
    if worst is None:
        return 0
    return 1 if SEVERITY_RANK[worst] <= SEVERITY_RANK[fail_on] else 0
