"""The audit in figures: the commune × brick matrix, the summary per brick, the totals
per severity and the exit code. Data only; the reports lay them out.

The figures are read from each commune's ``held``, ``statuses``, ``blocking`` and
``counts`` only (``CommuneFigures``), so that they are the same for communes audited as
objects (``CommuneAudit``) and for communes a worker sent back rendered
(``eligibility.audit.rendered``); communes with the same figures are counted together,
by identity first (``alike``: a worker sends each distinct figure once per batch, and a
tuple's hash is computed anew each time: 35,000 of them were a tenth of a second of the
parent's serial work, issue 12).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Literal, Protocol, TypeVar

from eligibility.audit.findings import OPEN, SEVERITY_RANK, CommuneAudit, Finding
from eligibility.audit.inputs import Rejected
from eligibility.catalog.model import SEVERITIES, Catalog, Severity

FailOn = Literal["error", "warning", "never"]
"""``audit --fail-on``: the least severe finding that makes the exit code 1, or never."""

CELL_OK, CELL_WARN, CELL_ERROR, CELL_UNKNOWN, CELL_OPEN, CELL_NONE = (
    "ok", "warning", "error", "undetermined", "open", "none")


class CommuneFigures(Protocol):
    """What the figures of an audit read of a commune."""

    @property
    def held(self) -> tuple[str, ...]: ...
    @property
    def statuses(self) -> tuple[str, ...]: ...
    @property
    def blocking(self) -> tuple[tuple[str, ...], ...]: ...
    @property
    def counts(self) -> tuple[int, int, int]: ...
    @property
    def figures(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, ...], ...]]:
        """``(held, statuses, blocking)``."""
        ...


H = TypeVar("H", bound=Hashable)


def alike(values: Iterable[H]) -> Counter[H]:
    """How many times each value comes, equal values counted together: counted by
    identity first, so that each distinct object is hashed once."""
    objects = list(values)
    ids = list(map(id, objects))
    by_id = dict(zip(ids, objects, strict=True))
    counted: Counter[H] = Counter()
    for key, times in Counter(ids).items():
        counted[by_id[key]] += times
    return counted


class AuditFigures(Protocol):
    """An audit run as its figures see it (``AuditRun`` or ``RenderedRun``)."""

    @property
    def catalog(self) -> Catalog: ...
    @property
    def communes(self) -> Sequence[CommuneFigures]: ...
    @property
    def rejected(self) -> Sequence[Rejected]: ...


def cells(commune: CommuneAudit, catalog: Catalog) -> list[str]:
    """One matrix cell per brick: held and valid, with a warning, failing, undetermined;
    not held but open; not held."""
    return list(commune.cells) if commune.cells else row_cells(commune, catalog)


def row_cells(commune: CommuneAudit, catalog: Catalog) -> list[str]:
    return cells_of(commune.held, commune.statuses, commune.findings, catalog)


def cells_of(held: Sequence[str], statuses: Sequence[str], findings: Sequence[Finding],
             catalog: Catalog) -> list[str]:
    """The matrix row of a commune from the bricks it holds, their statuses, its findings."""
    warned = {f.brick for f in findings if f.severity == "warning"}
    errors = {f.brick for f in findings if f.severity == "error"}
    opened = {f.brick for f in findings if f.kind == OPEN}
    out = []
    for brick, status in zip(catalog.bricks, statuses, strict=True):
        if brick in held:
            if status in ("ineligible", "unavailable") or brick in errors:
                out.append(CELL_ERROR)
            elif status == "undetermined":
                out.append(CELL_UNKNOWN)
            else:
                out.append(CELL_WARN if brick in warned else CELL_OK)
        else:
            out.append(CELL_OPEN if status == "eligible" and brick in opened else CELL_NONE)
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


def brick_summaries(run: AuditFigures) -> list[BrickSummary]:
    """For each brick: communes holding it, eligible, undetermined, ineligible, unavailable,
    and the reasons that block it (held bricks as held, the others as if requested)."""
    catalog = run.catalog
    summaries = [BrickSummary(b) for b in catalog.bricks]
    for (held, statuses, blocking), communes in alike(
            map(attrgetter("figures"), run.communes)).items():
        for summary, status, failed in zip(summaries, statuses, blocking, strict=True):
            if summary.brick in held:
                summary.held += communes
            if not status:
                continue
            summary.counts[status] += communes
            for rule in dict.fromkeys(failed):
                summary.reasons[rule] += communes
    return summaries


def totals(run: AuditFigures) -> dict[Severity, int]:
    """Findings per severity, over every commune."""
    found = [0] * len(SEVERITIES)
    for counts, communes in alike(map(attrgetter("counts"), run.communes)).items():
        for rank, count in enumerate(counts):
            found[rank] += count * communes
    return dict(zip(SEVERITIES, found, strict=True))


def worst(run: AuditFigures) -> Severity | None:
    """The most severe finding of the run, None when there is none."""
    found = totals(run)
    return next((s for s in SEVERITIES if found[s]), None)


def exit_code(run: AuditFigures, fail_on: FailOn) -> int:
    """2 when an input was bad; 1 when a finding reaches ``fail_on``; else 0."""
    if run.rejected:
        return 2
    if fail_on == "never":
        return 0
    found = worst(run)
    if found is None:
        return 0
    return 1 if SEVERITY_RANK[found] <= SEVERITY_RANK[fail_on] else 0
