"""Audit of one commune (issue 3): its findings on a date, with --compare and --drop.

Everything here rests on ``check`` (same catalog, same evaluation, no second rule path;
its ``memo`` lets the engine decide each distinct set of facts of a commune once). On a
date ``D`` a commune is audited with two evaluations:

* the bricks it holds on ``D`` (subscriptions with ``since`` on or before ``D``) are
  evaluated *as if requested together*: ``check(..., requested=held)``. A requirement
  is then met only by a brick the commune holds *and* that is valid itself (a held
  brick in error carries nothing), and each held brick that is not eligible gives
  findings;
* every brick is evaluated as if requested (``requested=`` every brick): a brick it
  does not hold and could take now, with the bricks it requires, is *open* (info).

Findings (``eligibility.audit.findings``): ``error`` for a held brick whose conditions
fail, that no longer exists (``si-urbanisme`` after avenant n°6, with the brick taking
it over) or that the commune's convention version does not allow; ``warning`` for a
tool the convention replaced, a convention older than the one in force, a subscription
dated before its brick existed, and a held brick that cannot be confirmed (missing
facts); ``info`` for the bricks open to the commune. Each error gets its drift
(``eligibility.audit.drift``). What the auditor remembers is which errors hold in a
state (convention in force, version in force, bricks held), so that tracing errors
back evaluates each state once; a commune without errors traces nothing back.

What does not depend on the commune is said once per catalog (``_Prepared``, issue 12):
the version in force per date, the bricks to ask for with an open brick, and per
row of verdicts (verdicts are shared between evaluations) the statuses and failed rules.
What the evaluations decide on a date depends on the facts the rules read and the
bricks held alone: communes alike share it (``CommuneAuditor._decided``), their own
names put back in the findings; the reference evaluator shares nothing.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from eligibility.audit.drift import DriftTracer, Key
from eligibility.audit.findings import (
    BEFORE_BRICK,
    FAILS,
    NOT_IN_VERSION,
    OPEN,
    OUTDATED,
    RULE_BEFORE,
    RULE_OPEN,
    RULE_OUTDATED,
    RULE_TOOL,
    SEVERITY_RANK,
    TOOL,
    UNDETERMINED,
    WITHDRAWN,
    AuditOptions,
    Changes,
    CommuneAudit,
    Finding,
)
from eligibility.audit.summary import cells_of
from eligibility.catalog.memo import PerCatalog, per_catalog
from eligibility.catalog.model import Brick, Catalog
from eligibility.evaluation.check import EngineName, TruthsMemo, check
from eligibility.evaluation.evaluate import deciding_facts
from eligibility.evaluation.verdicts import (
    AVAILABILITY,
    COMMON,
    CONDITION,
    REQUIREMENT,
    Evaluation,
    Reason,
    Verdict,
)
from eligibility.explain.derivation import read_facts
from eligibility.profile.facts import convention_in_force, counts_on, derive_facts, held_on
from eligibility.profile.model import Profile

_KEPT = 4096  # entries of one memo of ``_Prepared``, then it starts again
# per brick in order: status, failed rules; the places of the eligible bricks
_Row = tuple[tuple[str, ...], tuple[tuple[str, ...], ...], tuple[int, ...]]


class _Prepared:
    """What auditing any commune asks of one catalog, said once (issue 12): the bricks in
    order and their ranks, the bricks each requires, the version in force per date, the
    bricks to ask for with an open brick per bricks held, the failed rules of a verdict
    (verdicts are shared between evaluations: ``evaluation.verdicts``)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.order = tuple(catalog.bricks)
        self.rank = {b: i for i, b in enumerate(self.order)}
        self.requires = {b: tuple(r.brick for r in brick.requires)
                         for b, brick in catalog.bricks.items()}
        self._versions: dict[dt.date, str | None] = {}
        self._complete: dict[tuple[str, ...], bool] = {}
        self._also: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}
        self._rows: dict[tuple[int, ...], tuple[tuple[Verdict, ...], _Row]] = {}
        self._first: dict[str, str] = {}
        self._tools: list[tuple[Any, str, str, dt.date | None]] | None = None

    def version_at(self, day: dt.date) -> str | None:
        found = self._versions.get(day, self)
        if found is self:
            if len(self._versions) >= _KEPT:
                self._versions.clear()
            found = self._versions[day] = self.catalog.version_at(day)
        return found  # type: ignore[return-value]

    def complete(self, held: tuple[str, ...]) -> bool:
        """Whether every brick the ``held`` bricks require is held."""
        found = self._complete.get(held)
        if found is None:
            if len(self._complete) >= _KEPT:
                self._complete.clear()
            found = self._complete[held] = all(r in held for b in held for r in self.requires[b])
        return found

    def also(self, brick: str, held: tuple[str, ...]) -> tuple[str, ...]:
        """``_missing_requirements`` of ``brick`` with ``held``."""
        key = (brick, held)
        found = self._also.get(key)
        if found is None:
            if len(self._also) >= _KEPT:
                self._also.clear()
            found = self._also[key] = tuple(_missing_requirements(self.catalog, brick,
                                                                  set(held)))
        return found

    def verdicts(self, by_brick: dict[str, Verdict]) -> tuple[Verdict, ...]:
        """An evaluation's verdicts in catalog order."""
        return tuple(map(by_brick.__getitem__, self.order))

    def row(self, verdicts: tuple[Verdict, ...]) -> _Row:
        """The status and failed rules of each of ``verdicts`` (one per brick, in order),
        and the places of the eligible ones; kept by the verdicts' identities (with
        them: an identity is never another verdict's while its entry stands)."""
        key = tuple(map(id, verdicts))
        found = self._rows.get(key)
        if found is None or not all(map(operator.is_, found[0], verdicts)):
            if len(self._rows) >= _KEPT:
                self._rows.clear()
            statuses = tuple(v.status for v in verdicts)
            found = self._rows[key] = (
                verdicts, (statuses, tuple(tuple(r.rule for r in v.failed()) for v in verdicts),
                           tuple(i for i, s in enumerate(statuses) if s == "eligible")))
        return found[1]

    def first_version(self, brick: Brick) -> str:
        found = self._first.get(brick.id)
        if found is None:
            found = self._first[brick.id] = _first_version(self.catalog, brick)
        return found

    def tools(self) -> list[tuple[Any, str, str, dt.date | None]]:
        """Per tool replacement: it, the section and field of its fact, the adoption of
        the version replacing it (None: not in the catalog)."""
        if self._tools is None:
            tools = []
            for replacement in self.catalog.tool_replacements:
                section, name = replacement.fact.split(".", 1)
                replacing = self.catalog.versions.get(replacement.version)
                tools.append((replacement, section, name,
                              None if replacing is None else replacing.adopted))
            self._tools = tools
        return self._tools


_PREPARED: PerCatalog[_Prepared] = {}


@dataclass
class _Snapshot:
    findings: list[Finding]
    statuses: tuple[str, ...]
    blocking: tuple[tuple[str, ...], ...]
    convention: str | None


_TRUTHS: PerCatalog[dict[Any, Any]] = {}
_TRUTHS_KEPT = 50_000  # distinct facts whose truths are kept, then it starts again


_DECIDED: PerCatalog[dict[Any, Any]] = {}
_DECIDED_KEPT = 20_000  # states decided (``CommuneAuditor._decided``), then it starts again


def _truths_memo(catalog: Catalog) -> TruthsMemo:
    memo = per_catalog(_TRUTHS, catalog, lambda _: {})
    if len(memo) >= _TRUTHS_KEPT:
        memo.clear()
    return memo


class CommuneAuditor:
    """Audits one profile on several dates."""

    def __init__(self, catalog: Catalog, profile: Profile, engine: EngineName) -> None:
        self.catalog = catalog
        self.profile = profile
        self.engine: EngineName = "reference" if engine == "reference" else "durable"
        self.name = profile.commune.name
        self._states: dict[tuple[Any, ...], frozenset[Key]] = {}
        # check's memo, shared by the communes a process audits: the engine decides
        # each distinct set of the facts it reads once (10,000 synthetic communes: 651).
        self._memo: TruthsMemo = _truths_memo(catalog)
        self._shared: dict[Any, Any] = per_catalog(_DECIDED, catalog, lambda _: {})
        self._held: dict[dt.date, tuple[str, ...]] = {}  # of self.profile, per day
        self._in_force: dict[dt.date, str | None] = {}  # of self.profile's convention
        self._day_states: dict[dt.date, tuple[Any, ...]] = {}
        self.prepared = per_catalog(_PREPARED, catalog, _Prepared)

    # -- state on a date --

    def held_on(self, day: dt.date, profile: Profile | None = None) -> tuple[str, ...]:
        """The bricks held on ``day`` (``facts.held_on``, as check sees them), in order."""
        if profile is None or profile is self.profile:
            known = self._held.get(day)
            if known is None:
                known = self._held[day] = self._ordered(held_on(self.profile, day))
            return known
        return self._ordered(held_on(profile, day))

    def _ordered(self, held: frozenset[str]) -> tuple[str, ...]:
        return tuple(b for b in self.prepared.order if b in held)

    def in_force(self, day: dt.date, profile: Profile | None = None) -> str | None:
        """``facts.convention_in_force`` on ``day`` (of a profile with the same convention
        as this one's, once per day)."""
        if profile is not None and profile.convention is not self.profile.convention:
            return convention_in_force(profile, day, self.catalog)
        known = self._in_force.get(day, self)
        if known is self:
            known = self._in_force[day] = convention_in_force(self.profile, day, self.catalog)
        return known  # type: ignore[return-value]

    def on(self, day: dt.date, profile: Profile | None = None) -> Profile:
        """The profile as it stood on ``day``: subscriptions not yet begun are left out."""
        profile = profile or self.profile
        kept = [s for s in profile.subscriptions if counts_on(s, day)]
        if len(kept) == len(profile.subscriptions):
            return profile
        return profile.model_copy(update={"subscriptions": kept})

    def evaluate(self, profile: Profile, day: dt.date, requested: list[str]) -> Evaluation:
        """``check`` itself: the audit shows no plan, so it asks for none."""
        return check(self.catalog, profile, day, requested, engine=self.engine, plans=False,
                     memo=self._memo)

    # -- findings on a date --

    def snapshot(self, day: dt.date, profile: Profile | None = None,
                 with_open: bool = True) -> _Snapshot:
        prepared = self.prepared
        base = profile or self.profile
        profile = self.on(day, base)
        # The subscriptions left out by ``on`` are not held on ``day``: same bricks held.
        held = self.held_on(day, base)
        in_force = self.in_force(day, profile)
        current = prepared.version_at(day)
        held_findings, verdicts = self._decided(profile, day, held, current, with_open)
        findings = list(held_findings)
        if not with_open:  # tracing errors back: nothing else is needed
            return _Snapshot(findings, (), (), in_force)
        findings += self._commune_findings(profile, day, held, in_force, current)
        statuses, blocking, eligible = prepared.row(verdicts)
        future = {s.brick for s in base.subscriptions}
        # A requirement rests on a valid brick (CONTRACT §4): a brick resting on a held
        # brick in error is not eligible, so it is not advertised as open.
        order = prepared.order
        for i in eligible:
            if order[i] not in held and order[i] not in future:
                findings.append(self._open(verdicts[i], held))
        if len(findings) > 1:
            rank = prepared.rank
            findings.sort(key=lambda f: (SEVERITY_RANK[f.severity],
                                         -1 if f.brick is None else rank[f.brick],
                                         f.rule, f.detail))
        return _Snapshot(findings, statuses, blocking, in_force)

    def _decided(self, profile: Profile, day: dt.date, held: tuple[str, ...],
                 current: str | None, with_open: bool
                 ) -> tuple[tuple[Finding, ...], tuple[Verdict, ...]]:
        """What the evaluations of ``profile`` on ``day`` decide: the findings about the
        bricks it holds, and (``with_open``) every brick's verdict, a held brick's being
        the one requested with the held bricks.

        They depend on the facts the rules read and the bricks held alone (the findings
        on the commune's name too): communes alike share them, kept per catalog and found
        again with the commune's name put in (issue 12: 35,000 synthetic communes are
        about 3,000 such states on the audit's date). The reference evaluator keeps
        nothing: it stays the plain computation the durable path is checked against.
        """
        key: tuple[Any, ...] | None = None
        if self.engine == "durable":
            facts = derive_facts(profile, day, self.catalog)
            # The convention's facts too, read by the findings of an unavailable brick
            # even in a catalog whose rules would not read them.
            key = (day, with_open, held, deciding_facts(self.catalog, facts),
                   facts.get("convention.in_force"), facts.get("convention.applicable"))
            found = self._shared.get(key)
            if found is not None:
                name = self.name
                return tuple(f if f.commune == name else replace(f, commune=name)
                             for f in found[0]), found[1]
        prepared = self.prepared
        all_ev = self.evaluate(profile, day, list(prepared.order)) if with_open else None
        held_ev = None
        if held:
            # Requested together, the held bricks meet a requirement only with a held brick.
            # When every brick they require is held, requesting more changes none of their
            # verdicts (CONTRACT §4): the evaluation of every brick serves for both.
            if all_ev is not None and prepared.complete(held):
                held_ev = all_ev
            else:
                held_ev = self.evaluate(profile, day, list(held))
        held_findings = (() if held_ev is None else
                         tuple(self._held_findings(held_ev, held, current)))
        verdicts: tuple[Verdict, ...] = ()
        if all_ev is not None:
            verdicts = prepared.verdicts(all_ev.verdicts)
            if held_ev is not None and held_ev is not all_ev:
                verdicts = tuple(held_ev.verdicts[b] if b in held else v
                                 for b, v in zip(prepared.order, verdicts, strict=True))
        if key is not None:
            if len(self._shared) >= _DECIDED_KEPT:
                self._shared.clear()
            self._shared[key] = (held_findings, verdicts)
        return held_findings, verdicts

    def _state(self, day: dt.date) -> tuple[Any, ...]:
        state = self._day_states.get(day)
        if state is None:
            state = self._day_states[day] = (
                self.in_force(day), self.prepared.version_at(day), self.held_on(day))
        return state

    def errors_on(self, day: dt.date) -> frozenset[Key]:
        """The keys of the errors found on ``day``, evaluated once per state."""
        state = self._state(day)
        if state not in self._states:
            snapshot = self.snapshot(day, with_open=False)
            self.remember(day, snapshot.findings)
        return self._states[state]

    def remember(self, day: dt.date, findings: Iterable[Finding]) -> None:
        self._states[self._state(day)] = frozenset(f.key for f in findings
                                                   if f.severity == "error")

    def _finding(self, brick: str | None, severity: Any, rule: str, kind: Any,
                 citation: str, source: str, **data: Any) -> Finding:
        return Finding(brick, severity, rule, kind, self.name, citation, source, **data)

    def _held_findings(self, ev: Evaluation, held: tuple[str, ...],
                       current: str | None) -> list[Finding]:
        findings: list[Finding] = []
        common: dict[str, tuple[Reason, list[str]]] = {}
        for brick_id in held:
            verdict = ev.verdicts[brick_id]
            brick = self.catalog.bricks[brick_id]
            if verdict.status == "unavailable":
                findings.append(self._unavailable(ev, brick, current))
            elif verdict.status == "ineligible":
                for reason in verdict.failed():
                    if reason.kind == COMMON:
                        common.setdefault(reason.rule, (reason, []))[1].append(brick_id)
                    elif reason.kind == REQUIREMENT:
                        if not self._common_only(ev, reason):
                            findings.append(self._requirement(brick, reason, ev))
                    elif reason.kind == CONDITION:
                        findings.append(self._condition(ev, brick, reason))
            elif verdict.status == "undetermined":
                for reason in verdict.reasons:
                    if reason.held is not None:
                        continue
                    if reason.kind in (COMMON, AVAILABILITY):
                        if reason.kind == COMMON:
                            common.setdefault(reason.rule, (reason, []))[1].append(brick_id)
                    else:
                        findings.append(self._finding(
                            brick.id, "warning", reason.rule, UNDETERMINED, reason.citation,
                            reason.source, missing=reason.missing))
        for reason, bricks in common.values():
            findings.append(self._common(ev, reason, tuple(bricks)))
        return findings

    def _observed(self, ev: Evaluation, rule_id: str) -> tuple[tuple[str, Any], ...]:
        """The facts the rule reads, with their values for this commune."""
        rule = self.catalog.rule(rule_id)
        if rule is None:  # a reason always names a rule of the catalog
            return ()
        condition = rule.condition
        return tuple((fact, ev.facts.get(fact)) for fact in read_facts(condition, ev.facts))

    def _condition(self, ev: Evaluation, brick: Brick, reason: Reason) -> Finding:
        return self._finding(brick.id, "error", reason.rule, FAILS, reason.citation,
                             reason.source, facts=self._observed(ev, reason.rule))

    def _common(self, ev: Evaluation, reason: Reason, bricks: tuple[str, ...]) -> Finding:
        if reason.held is None:
            return self._finding(None, "warning", reason.rule, UNDETERMINED, reason.citation,
                                 reason.source, missing=reason.missing, bricks=bricks)
        return self._finding(None, "error", reason.rule, FAILS, reason.citation,
                             reason.source, bricks=bricks, facts=self._observed(ev, reason.rule))

    @staticmethod
    def _common_only(ev: Evaluation, reason: Reason) -> bool:
        """A held required brick failing only conditions common to every brick: the
        finding about the whole commune already says it, for the dependent brick too."""
        assert reason.brick is not None
        failed = ev.verdicts[reason.brick].failed()
        return reason.brick in ev.held and bool(failed) and all(
            r.kind == COMMON for r in failed)

    def _requirement(self, brick: Brick, reason: Reason, ev: Evaluation) -> Finding:
        assert reason.brick is not None
        # A requirement rests on a valid brick: a held one in error carries nothing.
        status = ev.verdicts[reason.brick].status if reason.brick in ev.held else None
        return self._finding(brick.id, "error", reason.rule, FAILS, reason.citation,
                             reason.source, other=reason.brick, status=status)

    def _unavailable(self, ev: Evaluation, brick: Brick, current: str | None) -> Finding:
        catalog = self.catalog
        rule = brick.availability_rule.node_id
        cited = brick.availability
        if current in brick.versions:
            applicable = ev.facts.get("convention.applicable")
            return self._finding(brick.id, "error", rule, NOT_IN_VERSION, cited.citation,
                                 cited.source, versions=(applicable, current))
        if any(catalog.versions[v].adopted <= ev.as_of for v in brick.versions):
            # It existed once: the version in force deleted it.
            replacement = brick.replaced_by.brick if brick.replaced_by is not None else None
            taken = brick.replaced_by if brick.replaced_by is not None else cited
            return self._finding(brick.id, "error", rule, WITHDRAWN, taken.citation,
                                 taken.source, detail=replacement or "",
                                 versions=(_deleted_by(catalog, brick),), other=replacement)
        first = _first_version(catalog, brick)
        return self._finding(brick.id, "error", rule, NOT_IN_VERSION, cited.citation,
                             cited.source, versions=(first,),
                             dates=(catalog.versions[first].adopted,))

    def _commune_findings(self, profile: Profile, day: dt.date, held: tuple[str, ...],
                          in_force: str | None, current: str | None) -> list[Finding]:
        catalog = self.catalog
        findings: list[Finding] = []
        if (in_force is not None and in_force != current and in_force in catalog.versions
                and current is not None and catalog.rank(in_force) < catalog.rank(current)):
            version = catalog.versions[current]
            gone = tuple(b for b in held if current not in catalog.bricks[b].versions)
            findings.append(self._finding(None, "warning", RULE_OUTDATED, OUTDATED,
                                          version.citation, version.source, detail=current,
                                          versions=(in_force, current),
                                          dates=(version.adopted,), gone=gone))
        for replacement, section, name, adopted in self.prepared.tools():
            value = getattr(getattr(profile, section, None), name, None)
            if value != replacement.old or adopted is None or adopted > day:
                continue
            findings.append(self._finding(None, "warning", RULE_TOOL, TOOL,
                                          replacement.citation, replacement.source,
                                          detail=replacement.fact,
                                          facts=((replacement.fact, replacement.old),),
                                          other=replacement.new,
                                          versions=(replacement.version,)))
        for subscription in profile.subscriptions:
            if subscription.since is None or subscription.brick not in held:
                continue
            brick = catalog.bricks[subscription.brick]
            first = self.prepared.first_version(brick)
            begins = catalog.versions[first].adopted
            if subscription.since >= begins:
                continue
            findings.append(self._finding(brick.id, "warning", RULE_BEFORE, BEFORE_BRICK,
                                          brick.availability.citation,
                                          brick.availability.source,
                                          detail=subscription.since.isoformat(),
                                          versions=(first,),
                                          dates=(subscription.since, begins)))
        return findings

    def _open(self, verdict: Verdict, held: tuple[str, ...]) -> Finding:
        also = self.prepared.also(verdict.brick, held)
        availability = self.catalog.bricks[verdict.brick].availability
        return Finding(verdict.brick, "info", RULE_OPEN, OPEN, self.name, availability.citation,
                       availability.source, bricks=also)


def _first_version(catalog: Catalog, brick: Brick) -> str:
    return min(brick.versions, key=lambda v: catalog.versions[v].adopted)


def _deleted_by(catalog: Catalog, brick: Brick) -> str | None:
    if brick.replaced_by is not None:
        return brick.replaced_by.version
    last = max(catalog.versions[v].adopted for v in brick.versions)
    later = [v for v in catalog.versions.values() if v.adopted > last]
    return min(later, key=lambda v: v.adopted).id if later else None


def _missing_requirements(catalog: Catalog, brick_id: str, held: set[str]) -> list[str]:
    """The bricks ``brick_id`` requires, directly or not, that are not held (catalog order)."""
    needed: set[str] = set()
    pending = [brick_id]
    while pending:
        for requirement in catalog.bricks[pending.pop()].requires:
            if requirement.brick not in held and requirement.brick not in needed:
                needed.add(requirement.brick)
                pending.append(requirement.brick)
    return [b for b in catalog.bricks if b in needed]


def _diff(before: Sequence[Finding], after: Sequence[Finding]) -> Changes:
    old = {f.key for f in before}
    new = {f.key for f in after}
    return Changes(tuple(f for f in after if f.key not in old),
                   tuple(f for f in before if f.key not in new))


def audit_profile(catalog: Catalog, profile: Profile, options: AuditOptions,
                  source: str = "") -> CommuneAudit:
    """Audit one commune on ``options.as_of`` (and on ``options.compare``, and without
    the ``options.drop`` bricks)."""
    commune = CommuneAuditor(catalog, profile, options.engine)
    day = options.as_of
    snap = commune.snapshot(day)
    findings = snap.findings
    errors = warnings = infos = 0
    for finding in findings:
        if finding.severity == "error":
            errors += 1
        elif finding.severity == "warning":
            warnings += 1
        elif finding.severity == "info":
            infos += 1
    if errors:  # traced back from the state of ``day``, known now
        commune.remember(day, findings)
        tracer = DriftTracer(catalog, profile, commune.errors_on)
        traced = []
        for finding in findings:
            if finding.severity == "error":
                drift = tracer.drift(finding, day)
                if drift is not None:
                    finding = replace(finding, drift=drift)
            traced.append(finding)
        findings = traced
    changes = None
    if options.compare is not None:
        changes = _diff(commune.snapshot(options.compare).findings, findings)
    dropped = None
    held = commune.held_on(day)
    if options.drop and any(b in held for b in options.drop):
        kept = [s for s in profile.subscriptions if s.brick not in options.drop]
        without = profile.model_copy(update={"subscriptions": kept})
        dropped = _diff(findings, commune.snapshot(day, without).findings)
    return CommuneAudit(profile.commune.insee, profile.commune.name, source,
                        snap.convention, held, snap.statuses, snap.blocking, tuple(findings),
                        changes, dropped,
                        tuple(cells_of(held, snap.statuses, findings, catalog)),
                        (errors, warnings, infos))
