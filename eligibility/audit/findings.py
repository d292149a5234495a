"""What an audit finds, as data: findings, their drift, one commune's audit, a run.

A finding carries data, never a finished sentence (issue 10, point 4): its kind, the
brick and rule, the facts observed, the convention versions and dates it names, the
other brick or tool it points to, its severity and citation. The sentences are built
from those by the wording layer (``eligibility.wording.audit``) and rendered by
``eligibility.reports.audit``; JSON keeps CONTRACT §4's shape, ``message`` included.

What each kind carries beyond brick, rule, severity and citation:

* ``fails``: a condition of the brick (``facts``: the facts it reads and their values),
  a condition common to every brick (``brick`` None, ``bricks``: the held bricks it
  concerns, ``facts``), or a requirement (``other``: the required brick; ``status``:
  its own status when the commune holds it);
* ``withdrawn``: ``versions``: (the version that deleted it,); ``detail``: the brick
  taking it over, if any;
* ``not-in-version``: ``versions``: (the commune's, the one in force) when the brick
  exists under the version in force; else (the version creating it,) and ``dates``:
  (the day it came into force,);
* ``undetermined``: ``missing``: the facts left out (``bricks`` for a common condition);
* ``tool-replaced``: ``detail``: the fact; ``facts``: ((fact, old tool),); ``other``: the
  new tool; ``versions``: (the version that replaced it,);
* ``convention-outdated``: ``versions``: (the commune's, the one in force); ``dates``: (its
  adoption,); ``gone``: the held bricks that no longer exist under it;
* ``since-before-brick``: ``dates``: (the subscription date, the brick's first day);
  ``versions``: (the version creating it,);
* ``open``: ``bricks``: the bricks to ask for with it.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeVar

from eligibility.audit.inputs import Rejected
from eligibility.catalog.model import SEVERITIES, Catalog, Severity
from eligibility.evaluation.verdicts import EngineName, Status

SEVERITY_RANK: dict[Severity, int] = {s: i for i, s in enumerate(SEVERITIES)}
DEFAULT_ENGINE: EngineName = "durable"

# Finding kinds (the ``kind`` field of a finding; ``rule`` names the catalog rule).
Kind = Literal["fails", "withdrawn", "not-in-version", "undetermined", "tool-replaced",
               "convention-outdated", "since-before-brick", "open"]
FAILS: Kind = "fails"
WITHDRAWN: Kind = "withdrawn"
NOT_IN_VERSION: Kind = "not-in-version"
UNDETERMINED: Kind = "undetermined"
TOOL: Kind = "tool-replaced"
OUTDATED: Kind = "convention-outdated"
BEFORE_BRICK: Kind = "since-before-brick"
OPEN: Kind = "open"

# Rule ids of the findings the audit itself states (the others are catalog rule ids).
RULE_TOOL, RULE_OUTDATED = "audit.tool-replaced", "audit.convention-outdated"
RULE_BEFORE, RULE_OPEN = "audit.since-before-brick", "audit.open"

# Why an error holds since the date it holds from.
Cause = Literal["never-held", "unknown-start", "signature", "version", "subscription"]

_T = TypeVar("_T")


def _fast_pickling(cls: type[_T]) -> type[_T]:
    """Pickle a slotted dataclass as a plain tuple of its fields (the generated
    ``__getstate__`` looks the fields up for every object; results of many communes
    travel from the workers)."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    get = operator.attrgetter(*names)

    def getstate(self: Any) -> tuple[Any, ...]:
        state: tuple[Any, ...] = get(self)
        return state

    def setstate(self: Any, state: tuple[Any, ...]) -> None:
        for name, value in zip(names, state, strict=True):
            object.__setattr__(self, name, value)

    cls.__getstate__, cls.__setstate__ = getstate, setstate  # type: ignore[attr-defined]
    return cls


@_fast_pickling
@dataclass(frozen=True, slots=True)
class Drift:
    """Since when an error holds and why: ``version`` is the convention version signed
    or adopted on that day (``signature``, ``version``), ``subject`` the brick whose
    subscription began (``subscription``)."""

    since: dt.date | None
    cause: Cause
    version: str | None = None
    subject: str | None = None


@_fast_pickling
@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong or worth knowing about a commune, with its citation.

    ``brick`` is None for a finding about the commune as a whole (its convention, a
    condition common to every brick, a tool). ``detail`` tells apart findings of the
    same rule (the fact of a replaced tool). ``commune`` is the commune's name, as the
    sentences say it. The module docstring says what each kind carries.
    """

    brick: str | None
    severity: Severity
    rule: str
    kind: Kind
    commune: str
    citation: str
    source: str
    detail: str = ""
    missing: tuple[str, ...] = ()
    bricks: tuple[str, ...] = ()
    facts: tuple[tuple[str, Any], ...] = ()
    versions: tuple[str | None, ...] = ()
    dates: tuple[dt.date, ...] = ()
    other: str | None = None
    status: Status | None = None
    gone: tuple[str, ...] = ()
    drift: Drift | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.brick or "", self.rule, self.kind, self.detail)


@_fast_pickling
@dataclass(frozen=True, slots=True)
class Changes:
    """Findings that appear and disappear between two audits of one commune."""

    appeared: tuple[Finding, ...]
    disappeared: tuple[Finding, ...]

    def __bool__(self) -> bool:
        return bool(self.appeared or self.disappeared)


@_fast_pickling
@dataclass(frozen=True, slots=True)
class CommuneAudit:
    """What the audit found for one commune on one date."""

    insee: str
    name: str
    source: str
    convention: str | None  # the version the commune is under (``none``, or None: unknown)
    held: tuple[str, ...]
    statuses: tuple[str, ...]  # per brick of the catalog, in catalog order
    blocking: tuple[tuple[str, ...], ...]  # failed rule ids per brick (ineligible/unavailable)
    findings: tuple[Finding, ...]
    changes: Changes | None = None  # with --compare
    dropped: Changes | None = None  # with --drop, for a commune holding a dropped brick
    cells: tuple[str, ...] = ()  # the matrix row (``eligibility.audit.summary.cells``)
    counts: tuple[int, int, int] = (0, 0, 0)  # errors, warnings, information

    def count(self, severity: Severity) -> int:
        return self.counts[SEVERITY_RANK[severity]]

    @property
    def figures(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, ...], ...]]:
        """What a summary counts: the bricks held, the statuses, the failed rules."""
        return self.held, self.statuses, self.blocking


@dataclass(frozen=True)
class AuditOptions:
    """What an audit is asked: the date, an earlier date to compare with, bricks to drop (what-
    if), the engine."""

    as_of: dt.date
    compare: dt.date | None = None
    drop: tuple[str, ...] = ()
    engine: EngineName = DEFAULT_ENGINE


@dataclass
class AuditRun:
    """The result of an audit: every commune audited with its findings, and the inputs refused."""

    catalog: Catalog
    options: AuditOptions
    communes: list[CommuneAudit]
    rejected: list[Rejected] = field(default_factory=list)
    parallel: int = 1  # worker processes used

    @property
    def as_of(self) -> dt.date:
        return self.options.as_of

    def findings(self, severity: Severity | None = None) -> Iterable[tuple[CommuneAudit, Finding]]:
        for commune in self.communes:
            for finding in commune.findings:
                if severity is None or finding.severity == severity:
                    yield commune, finding

    def worst(self) -> Severity | None:
        ranks = [SEVERITY_RANK[f.severity] for c in self.communes for f in c.findings]
        return SEVERITIES[min(ranks)] if ranks else None
