"""A national audit whose communes come back from the workers already rendered (issue 12).

Sending every commune's findings back to the parent process as objects makes the parent
unpickle and render 35,000 communes alone, while the workers wait: serial work. When the
report is one whose entries are per commune (JSON, without ``--compare`` or ``--drop``),
each worker renders its communes' entries itself, with the report's own renderer (passed
in by the caller: the audit layer does not know the formats), and sends back per commune
only its entry as finished text and the few figures the summary, the order, the refusal of
a commune given twice and the exit code need (``RenderedCommune``). The parent sorts,
counts and concatenates.

The figures a summary reads (bricks held, status and failed rules per brick) are shared
between communes that have the same ones, as are the counts: a worker sends each distinct
one once per batch, and the summary counts each distinct one once (``summary``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from eligibility.audit.findings import SEVERITY_RANK, AuditOptions, CommuneAudit
from eligibility.audit.inputs import Rejected
from eligibility.catalog.model import Catalog, Severity

Figures = tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, ...], ...]]
"""(bricks held, status per brick, failed rules per brick): what a summary counts."""

Renderer = Callable[[CommuneAudit, int], str]
"""One commune's entry of a report, given the number of inputs of the run (a report may
lay out a large run differently)."""


class RenderedCommune(NamedTuple):
    """One commune audited and rendered by a worker: its entry of the report and its figures."""

    insee: str
    name: str
    source: str
    figures: Figures
    counts: tuple[int, int, int]  # errors, warnings, information
    text: str  # the commune's entry of the report, as placed in it

    @property
    def held(self) -> tuple[str, ...]:
        return self.figures[0]

    @property
    def statuses(self) -> tuple[str, ...]:
        return self.figures[1]

    @property
    def blocking(self) -> tuple[tuple[str, ...], ...]:
        return self.figures[2]

    def count(self, severity: Severity) -> int:
        return self.counts[SEVERITY_RANK[severity]]


@dataclass
class RenderedRun:
    """An audit whose communes are rendered entries (``RenderedCommune``), sorted by INSEE
    code and name, and the inputs refused. ``inputs``: the number of inputs read, that the
    entries were laid out for."""

    catalog: Catalog
    options: AuditOptions
    communes: list[RenderedCommune]
    rejected: list[Rejected] = field(default_factory=list)
    parallel: int = 1
    inputs: int = 0

    @property
    def as_of(self) -> dt.date:
        return self.options.as_of


class Interned:
    """Equal figures and counts as one object each, so that a batch pickles each once."""

    def __init__(self) -> None:
        self._figures: dict[Figures, Figures] = {}
        self._counts: dict[tuple[int, int, int], tuple[int, int, int]] = {}

    def __call__(self, audited: CommuneAudit, text: str) -> RenderedCommune:
        figures = (audited.held, audited.statuses, audited.blocking)
        return RenderedCommune(audited.insee, audited.name, audited.source,
                               self._figures.setdefault(figures, figures),
                               self._counts.setdefault(audited.counts, audited.counts), text)
