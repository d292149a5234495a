"""Audit of the bricks communes hold (issue 3): findings, drift, time travel, what-if.

Everything here rests on ``check`` (same catalog, same evaluation, no second rule
path). On a date ``D`` a commune is audited with two evaluations:

* the bricks it holds on ``D`` (subscriptions with ``since`` on or before ``D``) are
  evaluated *as if requested together*: ``check(..., requested=held)``. A requirement
  is then met only by a brick the commune holds *and* that is valid itself (a held
  brick in error carries nothing), and each held brick that is not eligible gives
  findings;
* every brick is evaluated as if requested (``requested=`` every brick): a brick it
  does not hold and could take now, with the bricks it requires, is *open* (info).

Findings (``Finding``): ``error`` for a held brick whose conditions fail, that no
longer exists (``si-urbanisme`` after avenant n°6, with the brick taking it over) or
that the commune's convention version does not allow; ``warning`` for a tool the
convention replaced, a convention older than the one in force, a subscription dated
before its brick existed, and a held brick that cannot be confirmed (missing facts);
``info`` for the bricks open to the commune.

Drift: the facts of a profile are a snapshot, so what an audit finds can only change
on the dates where the commune's convention, the catalog's version in force or the
set of held bricks change: subscription dates, version adoption dates and signature
dates. Each error is traced back over those boundary dates (never day by day) to the
date it started holding, and the change on that date is its cause.

Many communes are audited in worker processes (fork; each builds its own engine).
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import operator
import os
import signal
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from eligibility.audit.inputs import Rejected, Unit, discover, load_unit
from eligibility.catalog.model import Brick, Catalog
from eligibility.errors import InputError
from eligibility.evaluation.check import check
from eligibility.evaluation.verdicts import (
    AVAILABILITY,
    COMMON,
    CONDITION,
    REQUIREMENT,
    Evaluation,
    Reason,
    Verdict,
    assemble,
)
from eligibility.explain.derivation import fact_label, read_facts, show_value
from eligibility.profile.facts import convention_in_force, counts_on, derive_facts, held_on
from eligibility.profile.model import Profile
from eligibility.wording.i18n import t

DEFAULT_ENGINE = "durable"
SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}

# Finding kinds (the ``kind`` field of a finding; ``rule`` names the catalog rule).
FAILS, WITHDRAWN, NOT_IN_VERSION, UNDETERMINED = "fails", "withdrawn", "not-in-version", \
    "undetermined"
TOOL, OUTDATED, BEFORE_BRICK, OPEN = "tool-replaced", "convention-outdated", \
    "since-before-brick", "open"

# Rule ids of the findings the audit itself states (the others are catalog rule ids).
RULE_TOOL, RULE_OUTDATED = "audit.tool-replaced", "audit.convention-outdated"
RULE_BEFORE, RULE_OPEN = "audit.since-before-brick", "audit.open"

TOOL_NAMES = {"alfresco": "Alfresco", "office365": "Office 365", "geoagglo": "GeoAgglo",
              "mycarto": "MyCarto", "none": "—"}


# --- data ------------------------------------------------------------------------------

def _fast_pickling(cls: Any) -> Any:
    """Pickle a slotted dataclass as a plain tuple of its fields (the generated
    ``__getstate__`` looks the fields up for every object; results of many communes
    travel from the workers)."""
    names = tuple(f.name for f in fields(cls))
    get = operator.attrgetter(*names)

    def getstate(self: Any) -> tuple[Any, ...]:
        return get(self)

    def setstate(self: Any, state: tuple[Any, ...]) -> None:
        for name, value in zip(names, state, strict=True):
            object.__setattr__(self, name, value)

    cls.__getstate__, cls.__setstate__ = getstate, setstate
    return cls


@_fast_pickling
@dataclass(frozen=True, slots=True)
class Drift:
    """Since when an error holds and why."""

    since: dt.date | None
    cause: str  # never-held | unknown-start | signature | version | subscription
    version: str | None
    fr: str
    en: str

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr

    def as_json(self, lang: str) -> dict[str, Any]:
        return {"since": self.since.isoformat() if self.since else None, "cause": self.cause,
                "version": self.version, "text": self.text(lang)}


@_fast_pickling
@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong or worth knowing about a commune, with its citation.

    ``brick`` is None for a finding about the commune as a whole (its convention, a
    condition common to every brick, a tool). ``detail`` tells apart findings of the
    same rule (the fact of a replaced tool).
    """

    brick: str | None
    severity: str
    rule: str
    kind: str
    fr: str
    en: str
    citation: str
    source: str
    help_fr: str | None = None
    help_en: str | None = None
    detail: str = ""
    missing: tuple[str, ...] = ()
    bricks: tuple[str, ...] = ()
    drift: Drift | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.brick or "", self.rule, self.kind, self.detail)

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr

    def help(self, lang: str) -> str | None:
        return self.help_en if lang == "en" else self.help_fr

    def as_json(self, lang: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "brick": self.brick, "severity": self.severity, "rule": self.rule,
            "message": self.message(lang), "citation": self.citation,
            "kind": self.kind, "source": self.source, "assumption": self.source == "assumption",
            "messages": {"fr": self.fr, "en": self.en},
            "help": self.help(lang),
        }
        if self.detail:
            data["detail"] = self.detail
        if self.missing:
            data["missing"] = list(self.missing)
        if self.bricks:
            data["bricks"] = list(self.bricks)
        if self.drift is not None:
            data["drift"] = self.drift.as_json(lang)
            data["since"] = data["drift"]["since"]
        return data


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
    cells: tuple[str, ...] = ()  # the matrix row (see ``cells``)
    counts: tuple[int, int, int] = (0, 0, 0)  # errors, warnings, information

    def count(self, severity: str) -> int:
        return self.counts[SEVERITY_RANK[severity]]


@dataclass(frozen=True)
class AuditOptions:
    as_of: dt.date
    compare: dt.date | None = None
    drop: tuple[str, ...] = ()
    engine: str = DEFAULT_ENGINE


@dataclass
class AuditRun:
    catalog: Catalog
    options: AuditOptions
    communes: list[CommuneAudit]
    rejected: list[Rejected] = field(default_factory=list)
    parallel: int = 1  # worker processes used

    @property
    def as_of(self) -> dt.date:
        return self.options.as_of

    def findings(self, severity: str | None = None) -> Iterable[tuple[CommuneAudit, Finding]]:
        for commune in self.communes:
            for finding in commune.findings:
                if severity is None or finding.severity == severity:
                    yield commune, finding

    def worst(self) -> str | None:
        ranks = [SEVERITY_RANK[f.severity] for c in self.communes for f in c.findings]
        return SEVERITIES[min(ranks)] if ranks else None


# --- wording ---------------------------------------------------------------------------

def _the(label: str, lang: str) -> str:
    """``l'avenant n°6``, ``la convention cadre…``; English labels as they are."""
    if lang == "en":
        return f"the {label}" if label.lower().startswith(("framework", "convention")) else label
    return f"l'{label}" if label[:1].lower() in "aeéèêiîoôuy" else f"la {label}"


def _version(catalog: Catalog, version: str | None, lang: str, article: bool = True) -> str:
    if version is None:
        return "?" if lang == "en" else "?"
    if version == "none":
        return "no convention" if lang == "en" else "aucune convention"
    label = catalog.versions[version].label(lang) if version in catalog.versions else version
    return _the(label, lang) if article else label


def _brick_short(brick: Brick, lang: str) -> str:
    """``brique 9`` (or the brick's name when it has no number)."""
    if brick.number:
        return f"{'brique' if lang == 'fr' else 'brick'} {brick.number}"
    return brick.name(lang)


def _both(build: Callable[[str], str]) -> tuple[str, str]:
    return build("fr"), build("en")


def _quote(text: str, lang: str) -> str:
    return f"«\u00a0{text}\u00a0»" if lang == "fr" else f"'{text}'"


def _and_list(items: Sequence[str], lang: str) -> str:
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + (" et " if lang == "fr" else " and ") + items[-1]


def rule_label(catalog: Catalog, rule_id: str, lang: str) -> str:
    """A rule in a few words, for summaries: the catalog's label, or a generated one."""
    rule = _rules(catalog).get(rule_id)
    if rule is not None:
        return rule.short(lang)
    head, _, tail = rule_id.rpartition(".")
    if tail == "available" and head in catalog.bricks:
        return ("not in the commune's version" if lang == "en" else
                "absente de la version de la commune")
    if ".requires." in rule_id:
        required = rule_id.split(".requires.", 1)[1]
        return f"requires {_quote(required, lang)}" if lang == "en" else \
            f"{_quote(required, lang)} requise"
    return rule_id


# --- one commune -----------------------------------------------------------------------

@dataclass
class _Snapshot:
    findings: list[Finding]
    statuses: tuple[str, ...]
    blocking: tuple[tuple[str, ...], ...]
    convention: str | None


class _Commune:
    """Audits one profile on several dates, caching evaluations by state."""

    def __init__(self, catalog: Catalog, profile: Profile, engine: str) -> None:
        self.catalog = catalog
        self.profile = profile
        self.engine = engine
        self.name = profile.commune.name
        self._states: dict[tuple[Any, ...], frozenset[tuple[str, str, str, str]]] = {}
        self._found: dict[tuple[Any, ...], bool] = {}
        self._truths: dict[tuple[Any, ...], Any] = {}
        self._facts: dict[dt.date, Any] = {}
        self._held: dict[dt.date, tuple[str, ...]] = {}

    # -- state on a date --

    def held_on(self, day: dt.date, profile: Profile | None = None) -> tuple[str, ...]:
        """The bricks held on ``day`` (``facts.held_on``, as check sees them), in order."""
        held = held_on(profile or self.profile, day)
        return tuple(b for b in self.catalog.bricks if b in held)

    def on(self, day: dt.date, profile: Profile | None = None) -> Profile:
        """The profile as it stood on ``day``: subscriptions not yet begun are left out."""
        profile = profile or self.profile
        kept = [s for s in profile.subscriptions if counts_on(s, day)]
        if len(kept) == len(profile.subscriptions):
            return profile
        return profile.model_copy(update={"subscriptions": kept})

    def evaluate(self, profile: Profile, day: dt.date, requested: list[str]) -> Evaluation:
        """``check(catalog, profile, day, requested, engine)``.

        With the durable engine this is check's own path (facts, the engine's truths,
        ``assemble``), with the truths kept per convention state: the facts of one
        commune differ from one date to another only by ``convention.in_force`` and
        ``convention.applicable`` (subscriptions are not facts), so the engine decides
        each state once. The reference evaluator is called through ``check`` as is.
        """
        if self.engine != "durable":
            return check(self.catalog, profile, day, requested, engine=self.engine)  # type: ignore[arg-type]
        facts = derive_facts(profile, day, self.catalog)
        state = (facts.get("convention.in_force"), facts.get("convention.applicable"))
        truths = self._truths.get(state)
        if truths is None:
            from eligibility.engine.durable import (
                engine_for,  # the C engine, built once per process
            )

            truths = self._truths[state] = engine_for(self.catalog).decide(facts)
        return assemble(self.catalog, profile, day, facts, truths, requested)

    # -- findings on a date --

    def snapshot(self, day: dt.date, profile: Profile | None = None,
                 with_open: bool = True) -> _Snapshot:
        catalog = self.catalog
        base = profile or self.profile
        profile = self.on(day, base)
        held = self.held_on(day, profile)
        in_force = convention_in_force(profile, day, catalog)
        current = catalog.version_at(day)
        findings: list[Finding] = []
        all_ev = self.evaluate(profile, day, list(catalog.bricks)) if with_open else None
        held_ev = None
        if held:
            # Requested together, the held bricks meet a requirement only with a held brick.
            # When every brick they require is held, requesting more changes none of their
            # verdicts (CONTRACT §4): the evaluation of every brick serves for both.
            if all_ev is not None and all(r.brick in held for b in held
                                          for r in catalog.bricks[b].requires):
                held_ev = all_ev
            else:
                held_ev = self.evaluate(profile, day, list(held))
        if held_ev is not None:
            findings += self._held_findings(held_ev, held, current)
        if not with_open:  # tracing errors back: nothing else is needed
            return _Snapshot(findings, (), (), in_force)
        findings += self._commune_findings(profile, day, held, in_force, current)
        statuses: list[str] = []
        blocking: list[tuple[str, ...]] = []
        future = {s.brick for s in base.subscriptions}
        # A requirement rests on a valid brick (CONTRACT §4): a brick resting on a held
        # brick in error is not eligible, so it is not advertised as open.
        for brick in catalog.bricks:
            ev = held_ev if brick in held else all_ev
            if ev is None:
                statuses.append("")
                blocking.append(())
                continue
            verdict = ev.verdicts[brick]
            statuses.append(verdict.status)
            blocking.append(tuple(r.rule for r in verdict.failed()))
            if brick not in held and brick not in future and verdict.status == "eligible":
                findings.append(self._open(ev, verdict, held))
        findings.sort(key=lambda f: (SEVERITY_RANK[f.severity], _brick_rank(catalog, f.brick),
                                     f.rule, f.detail))
        return _Snapshot(findings, tuple(statuses), tuple(blocking), in_force)

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
                        findings.append(self._undetermined(brick, reason))
        for reason, bricks in common.values():
            findings.append(self._common(ev, reason, tuple(bricks)))
        return findings

    def _rule(self, rule_id: str) -> Any:
        return _rules(self.catalog)[rule_id]

    def _observed(self, ev: Evaluation, condition: Any, lang: str) -> str:
        def shown(fact: str) -> str:
            value = ev.facts.get(fact)
            if fact in ("convention.in_force", "convention.applicable") and value is not None:
                return _version(self.catalog, value, lang, article=False)
            return show_value(value, lang, fact, self.catalog)

        facts = t(lang, "semicolon").join(t(lang, "fact_is", label=fact_label(f, lang),
                                            value=shown(f))
                                          for f in read_facts(condition, ev.facts))
        return t(lang, "has", commune=self.name, facts=facts)  # docs/style-fr.md

    def _condition(self, ev: Evaluation, brick: Brick, reason: Reason) -> Finding:
        rule = self._rule(reason.rule)
        fr, en = _both(lambda lang: f"{rule.message(lang)}{' ; ' if lang == 'fr' else '; '}"
                                    f"{self._observed(ev, rule.condition, lang)}")
        return Finding(brick.id, "error", rule.id, FAILS, fr, en, reason.citation, reason.source,
                       rule.help("fr"), rule.help("en"))

    def _common(self, ev: Evaluation, reason: Reason, bricks: tuple[str, ...]) -> Finding:
        rule = self._rule(reason.rule)
        listed = ", ".join(bricks)
        if reason.held is None:
            missing = ", ".join(reason.missing)
            fr = (f"impossible à vérifier pour les briques détenues ({listed}) : "
                  f"{rule.short('fr')} ; il manque {missing}")
            en = (f"cannot be confirmed for the held bricks ({listed}): {rule.short('en')}; "
                  f"missing {missing}")
            return Finding(None, "warning", rule.id, UNDETERMINED, fr, en, reason.citation,
                           reason.source, f"renseigner {missing}", f"fill in {missing}",
                           missing=reason.missing, bricks=bricks)
        fr = (f"{rule.message('fr')} ; {self._observed(ev, rule.condition, 'fr')} "
              f"(briques détenues concernées : {listed})")
        en = (f"{rule.message('en')}; {self._observed(ev, rule.condition, 'en')} "
              f"(held bricks concerned: {listed})")
        return Finding(None, "error", rule.id, FAILS, fr, en, reason.citation, reason.source,
                       rule.help("fr"), rule.help("en"), bricks=bricks)

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
        required = self.catalog.bricks[reason.brick]
        if reason.brick in ev.held:
            # A requirement rests on a valid brick: a held one in error carries nothing.
            status = ev.verdicts[reason.brick].status
            fr = (f"la {required.label('fr')} est requise ; {self.name} la détient, mais elle "
                  f"est elle-même {'indisponible' if status == 'unavailable' else 'non éligible'}")
            en = (f"{required.label('en')} is required; {self.name} holds it, but it is itself "
                  f"{status}")
            return Finding(brick.id, "error", reason.rule, FAILS, fr, en, reason.citation,
                           reason.source,
                           f"mettre « {required.id} » en règle ou résilier « {brick.id} »",
                           f"bring '{required.id}' into line or end '{brick.id}'")
        fr = f"la {required.label('fr')} est requise et {self.name} ne la détient pas"
        en = f"{required.label('en')} is required and {self.name} does not hold it"
        return Finding(brick.id, "error", reason.rule, FAILS, fr, en, reason.citation,
                       reason.source,
                       f"souscrire aussi « {required.id} » ou résilier « {brick.id} »",
                       f"also subscribe to '{required.id}' or end '{brick.id}'")

    def _undetermined(self, brick: Brick, reason: Reason) -> Finding:
        missing = ", ".join(reason.missing)
        label_fr, label_en = (rule_label(self.catalog, reason.rule, lang) for lang in ("fr", "en"))
        return Finding(brick.id, "warning", reason.rule, UNDETERMINED,
                       f"impossible à vérifier ({label_fr}) : il manque {missing}",
                       f"cannot be confirmed ({label_en}): missing {missing}",
                       reason.citation, reason.source, f"renseigner {missing}",
                       f"fill in {missing}", missing=reason.missing)

    def _unavailable(self, ev: Evaluation, brick: Brick, current: str | None) -> Finding:
        catalog = self.catalog
        rule = brick.availability_rule.node_id
        applicable = ev.facts.get("convention.applicable")
        adopted = [v for v in brick.versions if catalog.versions[v].adopted <= ev.as_of]
        if current in brick.versions:
            fr = (f"la {brick.label('fr')} n'existe pas sous {_version(catalog, applicable, 'fr')}"
                  f", la version de convention de {self.name} ; elle existe sous "
                  f"{_version(catalog, current, 'fr')}")
            en = (f"{brick.label('en')} does not exist under "
                  f"{_version(catalog, applicable, 'en')}, {self.name}'s convention version; it "
                  f"exists under {_version(catalog, current, 'en')}")
            return Finding(brick.id, "error", rule, NOT_IN_VERSION, fr, en,
                           brick.availability.citation, brick.availability.source,
                           f"signer {_version(catalog, current, 'fr')}",
                           f"sign {_version(catalog, current, 'en')}")
        if adopted:  # it existed once: the version in force deleted it
            deleted_by = _deleted_by(catalog, brick)
            replacement = brick.replaced_by.brick if brick.replaced_by is not None else None

            def say(lang: str) -> str:
                by = _version(catalog, deleted_by, lang)
                if lang == "en":
                    text = f"{brick.label('en')} was deleted by {by}"
                    if replacement:
                        text += (f": {catalog.bricks[replacement].label('en')} ({replacement}) "
                                 "takes it over")
                    return text
                text = f"la {brick.label('fr')} a été supprimée par {by}"
                if replacement:
                    text += f" : la {catalog.bricks[replacement].label('fr')} ({replacement}) " \
                            "la reprend"
                return text

            cited = brick.replaced_by if brick.replaced_by is not None else brick.availability
            help_fr = (f"demander « {replacement} » et résilier « {brick.id} »" if replacement
                       else f"résilier « {brick.id} »")
            help_en = (f"ask for '{replacement}' and end '{brick.id}'" if replacement
                       else f"end '{brick.id}'")
            return Finding(brick.id, "error", rule, WITHDRAWN, say("fr"), say("en"),
                           cited.citation, cited.source, help_fr, help_en,
                           detail=replacement or "")
        first = min(brick.versions, key=lambda v: catalog.versions[v].adopted)
        day = catalog.versions[first].adopted
        fr = (f"la {brick.label('fr')} n'existait pas encore : elle est créée par "
              f"{_version(catalog, first, 'fr')}, en vigueur le {day}")
        en = (f"{brick.label('en')} did not exist yet: {_version(catalog, first, 'en')} "
              f"created it, in force on {day}")
        return Finding(brick.id, "error", rule, NOT_IN_VERSION, fr, en,
                       brick.availability.citation, brick.availability.source,
                       "vérifier la date d'abonnement", "check the subscription date")

    def _commune_findings(self, profile: Profile, day: dt.date, held: tuple[str, ...],
                          in_force: str | None, current: str | None) -> list[Finding]:
        catalog = self.catalog
        findings: list[Finding] = []
        if (in_force in catalog.versions and current is not None
                and catalog.rank(in_force) < catalog.rank(current)):
            findings.append(self._outdated(in_force, current, held))
        for replacement in catalog.tool_replacements:
            section, name = replacement.fact.split(".", 1)
            value = getattr(getattr(profile, section, None), name, None)
            version = catalog.versions.get(replacement.version)
            if value != replacement.old or version is None or version.adopted > day:
                continue
            old = TOOL_NAMES.get(replacement.old, replacement.old)
            new = TOOL_NAMES.get(replacement.new, replacement.new)
            fr = (f"{self.name} utilise encore {old} ({fact_label(replacement.fact, 'fr')}) : "
                  f"{_version(catalog, replacement.version, 'fr')} l'a remplacé par {new}")
            en = (f"{self.name} still uses {old} ({fact_label(replacement.fact, 'en')}): "
                  f"{_version(catalog, replacement.version, 'en')} replaced it with {new}")
            findings.append(Finding(None, "warning", RULE_TOOL, TOOL, fr, en,
                                    replacement.citation, replacement.source,
                                    f"passer à {new}", f"move to {new}",
                                    detail=replacement.fact))
        for subscription in profile.subscriptions:
            if subscription.since is None or subscription.brick not in held:
                continue
            brick = catalog.bricks[subscription.brick]
            first = min(brick.versions, key=lambda v: catalog.versions[v].adopted)
            begins = catalog.versions[first].adopted
            if subscription.since >= begins:
                continue
            fr = (f"abonnement à la {brick.label('fr')} daté du {subscription.since}, avant que "
                  f"la brique existe : elle est créée par {_version(catalog, first, 'fr')}, en "
                  f"vigueur le {begins}")
            en = (f"subscription to {brick.label('en')} dated {subscription.since}, before the "
                  f"brick existed: {_version(catalog, first, 'en')} created it, in force on "
                  f"{begins}")
            findings.append(Finding(brick.id, "warning", RULE_BEFORE, BEFORE_BRICK, fr, en,
                                    brick.availability.citation, brick.availability.source,
                                    f"corriger la date d'abonnement (au plus tôt le {begins})",
                                    f"correct the subscription date (no earlier than {begins})",
                                    detail=subscription.since.isoformat()))
        return findings

    def _outdated(self, in_force: str, current: str, held: tuple[str, ...]) -> Finding:
        catalog = self.catalog
        version = catalog.versions[current]
        gone = [b for b in held if current not in catalog.bricks[b].versions]

        def say(lang: str) -> str:
            if lang == "en":
                text = (f"{self.name} is still under {_version(catalog, in_force, 'en')}; a "
                        f"newer convention is in force: {_version(catalog, current, 'en')}, "
                        f"since {version.adopted}")
                if gone:
                    text += f"; under it, no longer exists: {_gone(catalog, gone, 'en')}"
                return text
            text = (f"{self.name} est encore sous {_version(catalog, in_force, 'fr')} ; une "
                    f"convention plus récente est en vigueur : {_version(catalog, current, 'fr')}"
                    f", depuis le {version.adopted}")
            if gone:
                text += f" ; sous celle-ci, n'existe plus : {_gone(catalog, gone, 'fr')}"
            return text

        return Finding(None, "warning", RULE_OUTDATED, OUTDATED, say("fr"), say("en"),
                       version.citation, version.source,
                       f"signer {_version(catalog, current, 'fr')} (délibération du conseil "
                       "municipal)",
                       f"sign {_version(catalog, current, 'en')} (municipal council decision)",
                       detail=current)

    def _open(self, ev: Evaluation, verdict: Verdict, held: tuple[str, ...]) -> Finding:
        also = tuple(_closure(self.catalog, verdict.brick, set(held)))
        fr, en, help_fr, help_en, citation, source = _open_words(self.catalog, verdict.brick,
                                                                 also)
        return Finding(verdict.brick, "info", RULE_OPEN, OPEN, fr[0] + self.name + fr[1],
                       en[0] + self.name + en[1], citation, source, help_fr, help_en,
                       bricks=also)

    # -- drift --

    def events(self) -> dict[dt.date, list[tuple[str, str]]]:
        """What happens on each boundary date: adoptions, signatures, subscriptions."""
        found: dict[dt.date, list[tuple[str, str]]] = defaultdict(list)
        for version in self.catalog.versions.values():
            found[version.adopted].append(("version", version.id))
        convention = self.profile.convention
        if convention is not None:
            for signature in (*convention.history, convention):
                if signature.signed_on is not None:
                    found[signature.signed_on].append(("signature", signature.version))
        for subscription in self.profile.subscriptions:
            if subscription.since is not None:
                found[subscription.since].append(("subscription", subscription.brick))
        return found

    def held_at(self, day: dt.date) -> tuple[str, ...]:
        held = self._held.get(day)
        if held is None:
            held = self._held[day] = self.held_on(day)
        return held

    def _error_keys(self, day: dt.date) -> frozenset[tuple[str, str, str, str]]:
        state = (convention_in_force(self.profile, day, self.catalog),
                 self.catalog.version_at(day), self.held_at(day))
        if state not in self._states:
            snapshot = self.snapshot(day, with_open=False)
            self._states[state] = frozenset(f.key for f in snapshot.findings
                                            if f.severity == "error")
        return self._states[state]

    def remember(self, day: dt.date, findings: Iterable[Finding]) -> None:
        state = (convention_in_force(self.profile, day, self.catalog),
                 self.catalog.version_at(day), self.held_at(day))
        self._states[state] = frozenset(f.key for f in findings if f.severity == "error")

    def _bearing(self, finding: Finding) -> tuple[str, ...] | None:
        """The bricks whose subscriptions can change a finding about one brick: the brick
        and those it requires, directly or not (a requirement rests on a valid brick,
        whose validity rests on its own requirements). None for a finding about the
        whole commune: all."""
        if finding.brick is None:
            return None
        closure = _required_closure(self.catalog, finding.brick)
        return (finding.brick, *(b for b in self.catalog.bricks if b in closure))

    def _holds(self, finding: Finding, day: dt.date, bearing: tuple[str, ...] | None) -> bool:
        """Whether ``finding`` is found on ``day``, evaluating only on a new state.

        The state is what the finding can depend on. A failed condition or requirement
        of a brick depends on the facts (which differ between dates only by the
        convention facts) and on whether the bricks it bears on are held; whether a
        brick is withdrawn or not allowed also depends on the version in force.
        """
        held = self.held_at(day)
        if finding.kind == FAILS:
            facts = self._facts.get(day)
            if facts is None:
                facts = self._facts[day] = derive_facts(self.profile, day, self.catalog)
            convention: tuple[Any, ...] = (facts.get("convention.in_force"),
                                           facts.get("convention.applicable"))
        else:
            convention = (convention_in_force(self.profile, day, self.catalog),
                          self.catalog.version_at(day))
        state = (finding.key, *convention,
                 held if bearing is None else tuple(b in held for b in bearing))
        known = self._found.get(state)
        if known is None:
            known = self._found[state] = finding.key in self._error_keys(day)
        return known

    def drift(self, finding: Finding, day: dt.date,
              events: dict[dt.date, list[tuple[str, str]]]) -> Drift | None:
        bearing = self._bearing(finding)
        concerned = set(bearing) if bearing is not None else set(finding.bricks)
        subscriptions = [s for s in self.profile.subscriptions
                         if (s.brick == finding.brick if finding.brick else
                             s.brick in concerned or not concerned)
                         and counts_on(s, day)]
        known = [s.since for s in subscriptions if s.since is not None]
        start = min(known) if known and len(known) == len(subscriptions) else None

        def relevant(happened: list[tuple[str, str]]) -> list[tuple[str, str]]:
            return [e for e in happened
                    if e[0] != "subscription" or bearing is None or e[1] in bearing]

        dates = sorted(d for d, happened in events.items()
                       if d <= day and (start is None or d >= start) and relevant(happened))
        if start is not None and start not in dates:
            dates.insert(0, start)
        if not dates:  # nothing happened before: as far as is known, it always held
            dates = [day]
        earliest = None
        broke = False
        for boundary in reversed(dates):
            if self._holds(finding, boundary, bearing):
                earliest = boundary
            else:
                broke = True
                break
        if earliest is None:
            return None
        if not broke:
            if start is not None:
                return Drift(start, "never-held", None,
                             f"depuis le début de l'abonnement ({start}) : jamais satisfaite",
                             f"since the subscription began ({start}): never held")
            return Drift(earliest, "unknown-start", None,
                         f"depuis au moins le {earliest} (date d'abonnement inconnue)",
                         f"since at least {earliest} (subscription date unknown)")
        return self._caused(finding, earliest, relevant(events.get(earliest, [])))

    def _caused(self, finding: Finding, day: dt.date, happened: list[tuple[str, str]]) -> Drift:
        catalog = self.catalog
        order = {"signature": 0, "version": 1, "subscription": 2}
        kind, value = min(happened, key=lambda e: order[e[0]]) if happened else ("version", "")

        def event(lang: str) -> str:
            if kind == "signature":
                label = _version(catalog, value, lang)
                return f"signature of {label}" if lang == "en" else f"signature de {label}"
            if kind == "version":
                return _version(catalog, value, lang, article=False)
            return (f"start of the subscription to '{value}'" if lang == "en" else
                    f"début de l'abonnement à « {value} »")

        def effect(lang: str) -> str:
            brick = catalog.bricks.get(finding.brick or "")
            if finding.kind == WITHDRAWN and brick is not None:
                short = _brick_short(brick, lang)
                text = f"{short} deleted" if lang == "en" else f"{short} supprimée"
                if finding.detail:
                    text += (f", taken over by '{finding.detail}'" if lang == "en" else
                             f", reprise par « {finding.detail} »")
                return text
            if finding.kind == NOT_IN_VERSION and brick is not None:
                return ("the brick does not exist under the commune's version" if lang == "en"
                        else "la brique n'existe pas sous la version de la commune")
            label = rule_label(catalog, finding.rule, lang)
            return f"{label}: not met" if lang == "en" else f"{label} : non remplie"

        version = value if kind in ("signature", "version") else None
        return Drift(day, kind, version, f"depuis le {day}, {event('fr')} : {effect('fr')}",
                     f"since {day}, {event('en')}: {effect('en')}")


_RULES: dict[int, tuple[Catalog, dict[str, Any], dict[str, int], dict[Any, Any]]] = {}


def _indexed(catalog: Catalog) -> tuple[Catalog, dict[str, Any], dict[str, int], dict[Any, Any]]:
    """Per catalog: its rules by id, its bricks' ranks, and sentences written once."""
    entry = _RULES.get(id(catalog))
    if entry is None or entry[0] is not catalog:
        entry = (catalog, {r.id: r for r in catalog.rules()},
                 {b: i for i, b in enumerate(catalog.bricks)}, {})
        _RULES[id(catalog)] = entry
    return entry


def _rules(catalog: Catalog) -> dict[str, Any]:
    return _indexed(catalog)[1]


def _brick_rank(catalog: Catalog, brick: str | None) -> int:
    return -1 if brick is None else _indexed(catalog)[2][brick]


def _deleted_by(catalog: Catalog, brick: Brick) -> str | None:
    if brick.replaced_by is not None:
        return brick.replaced_by.version
    last = max(catalog.versions[v].adopted for v in brick.versions)
    later = [v for v in catalog.versions.values() if v.adopted > last]
    return min(later, key=lambda v: v.adopted).id if later else None


def _gone(catalog: Catalog, bricks: list[str], lang: str) -> str:
    items = []
    for brick_id in bricks:
        brick = catalog.bricks[brick_id]
        text = brick_id
        if brick.replaced_by is not None:
            by = brick.replaced_by.brick
            text += f" (taken over by {by})" if lang == "en" else f" (reprise par {by})"
        items.append(text)
    return ", ".join(items)


def _required_closure(catalog: Catalog, brick_id: str) -> set[str]:
    """Every brick ``brick_id`` requires, directly or through another."""
    found: set[str] = set()
    stack = [r.brick for r in catalog.bricks[brick_id].requires]
    while stack:
        brick = stack.pop()
        if brick not in found and brick in catalog.bricks:
            found.add(brick)
            stack.extend(r.brick for r in catalog.bricks[brick].requires)
    return found


def _open_words(catalog: Catalog, brick_id: str, also: tuple[str, ...]) -> tuple[Any, ...]:
    """The sentences of an "open" finding around the commune's name (the most frequent
    finding by far: written once per brick and catalog, not once per commune)."""
    cache = _indexed(catalog)[3]
    words = cache.get((brick_id, also))
    if words is None:
        words = cache[(brick_id, also)] = _open_sentences(catalog, brick_id, also)
    return words


def _open_sentences(catalog: Catalog, brick_id: str, also: tuple[str, ...]) -> tuple[Any, ...]:
    brick = catalog.bricks[brick_id]

    def around(lang: str) -> tuple[str, str]:
        head = (f"{brick.label('en')} is open to " if lang == "en" else
                f"la {brick.label('fr')} est ouverte à ")
        tail = ""
        if also:
            quoted = _and_list([_quote(b, lang) for b in also], lang)
            tail = f" together with {quoted}" if lang == "en" else f" avec {quoted}"
        return head, tail

    asked_fr = _and_list([_quote(b, "fr") for b in (brick_id, *also)], "fr")
    asked_en = _and_list([_quote(b, "en") for b in (brick_id, *also)], "en")
    return (around("fr"), around("en"), f"demander {asked_fr}", f"ask for {asked_en}",
            brick.availability.citation, brick.availability.source)


def _closure(catalog: Catalog, brick_id: str, held: set[str]) -> list[str]:
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
    commune = _Commune(catalog, profile, options.engine)
    day = options.as_of
    snap = commune.snapshot(day)
    commune.remember(day, snap.findings)
    events = commune.events()
    findings = []
    for finding in snap.findings:
        if finding.severity == "error":
            drift = commune.drift(finding, day, events)
            if drift is not None:
                finding = _with_drift(finding, drift)
        findings.append(finding)
    changes = None
    if options.compare is not None:
        changes = _diff(commune.snapshot(options.compare).findings, findings)
    dropped = None
    held = commune.held_on(day)
    if options.drop and any(b in held for b in options.drop):
        kept = [s for s in profile.subscriptions if s.brick not in options.drop]
        without = profile.model_copy(update={"subscriptions": kept})
        dropped = _diff(findings, commune.snapshot(day, without).findings)
    audited = CommuneAudit(profile.commune.insee, profile.commune.name, source,
                           snap.convention, held, snap.statuses, snap.blocking, tuple(findings),
                           changes, dropped)
    counts = Counter(f.severity for f in findings)
    return replace(audited, cells=tuple(_cells(audited, catalog)),
                   counts=(counts["error"], counts["warning"], counts["info"]))


def _with_drift(finding: Finding, drift: Drift) -> Finding:
    return replace(finding, drift=drift)


# --- many communes ---------------------------------------------------------------------

PARALLEL_FROM = 400  # communes; fewer are audited in the calling process
Progress = Callable[[int, int], None]

_WORKER: dict[str, Any] = {}


def _audit_unit(unit: Unit, catalog: Catalog, options: AuditOptions) -> Any:
    try:
        profile = load_unit(unit, catalog)
    except InputError as error:
        return Rejected.of(error)
    return audit_profile(catalog, profile, options, unit.source)


def _work(chunk: list[Any]) -> list[Any]:
    catalog, options = _WORKER["catalog"], _WORKER["options"]
    return [_audit_unit(unit, catalog, options) for unit in chunk]


def _init_worker() -> None:
    """Each worker builds its own engine (``engine_for`` is per process) before auditing."""
    gc.freeze()  # what the worker inherited stays: the collector need not scan it again
    # Ctrl-C and SIGTERM are the parent's to handle (one line, workers stopped by the
    # pool): a worker printing its own traceback would be noise (issue 9).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    options = _WORKER.get("options")  # None: forked while the pool is being stopped
    if options is not None and options.engine == "durable":
        from eligibility.engine.durable import engine_for

        engine_for(_WORKER["catalog"])


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_jobs(count: int) -> int:
    if count < PARALLEL_FROM:
        return 1
    return _cores()


def audit_units(catalog: Catalog, units: Sequence[Any], options: AuditOptions,
                jobs: int | None = None, progress: Progress | None = None,
                ) -> tuple[list[Any], int]:
    """Audit every unit, in order: a ``CommuneAudit``, or a ``Rejected`` for a bad one.

    ``jobs`` worker processes (default: every core for many communes, else none).
    Returns the results and the number of processes used.
    """
    total = len(units)
    # Capped by the cores and the inputs (issue 9): more processes than either is waste.
    jobs = default_jobs(total) if jobs is None else max(1, min(jobs, _cores(), total))
    if jobs > 1 and "fork" not in multiprocessing.get_all_start_methods():
        jobs = 1  # pragma: no cover - fork is the design; elsewhere stay in one process
    results: list[Any] = []
    if jobs <= 1 or total < 2:
        for index, unit in enumerate(units, start=1):
            results.append(_audit_unit(unit, catalog, options))
            if progress is not None and (index % 50 == 0 or index == total):
                progress(index, total)
        return results, 1
    size = max(8, min(400, total // (jobs * 12) or 1))
    chunks = [list(units[i:i + size]) for i in range(0, total, size)]
    _WORKER.update(catalog=catalog, options=options)
    context = multiprocessing.get_context("fork")
    done = 0
    collecting = gc.isenabled()
    try:
        with context.Pool(jobs, initializer=_init_worker) as pool:
            # The results are acyclic and all kept: collecting them again and again as
            # they arrive is wasted time (the workers have forked already).
            gc.disable()
            for chunk in pool.imap(_work, chunks):
                results.extend(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    finally:
        if collecting:
            gc.enable()
        _WORKER.clear()
    return results, jobs


def run_audit(catalog: Catalog, paths: Sequence[str], options: AuditOptions,
              jobs: int | None = None, progress: Progress | None = None) -> AuditRun:
    """Read every input, audit every commune, and collect the inputs refused.

    A bad input never stops the others: it is listed in ``rejected`` (and the CLI
    exits 2). A commune given twice is refused the second time.
    """
    units, rejected = discover(list(paths), catalog)
    results, used = audit_units(catalog, units, options, jobs, progress)
    communes: list[CommuneAudit] = []
    seen: dict[str, str] = {}
    for result in results:
        if isinstance(result, Rejected):
            rejected.append(result)
            continue
        if result.insee in seen:
            rejected.append(Rejected.of(InputError(
                f"commune {result.insee} is also given by {seen[result.insee]}",
                source=result.source, field="commune.insee", hint="give each commune once")))
            continue
        seen[result.insee] = result.source
        communes.append(result)
    communes.sort(key=lambda c: (c.insee, c.name))
    return AuditRun(catalog, options, communes, rejected, used)


# --- summary ---------------------------------------------------------------------------

CELL_OK, CELL_WARN, CELL_ERROR, CELL_UNKNOWN, CELL_OPEN, CELL_NONE = (
    "ok", "warning", "error", "undetermined", "open", "none")


def cells(commune: CommuneAudit, catalog: Catalog) -> list[str]:
    """One matrix cell per brick: held and valid, with a warning, failing, undetermined;
    not held but open; not held."""
    return list(commune.cells) if commune.cells else _cells(commune, catalog)


def _cells(commune: CommuneAudit, catalog: Catalog) -> list[str]:
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
    counts: Counter = field(default_factory=Counter)  # status -> communes
    reasons: Counter = field(default_factory=Counter)  # failed rule -> communes

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


def totals(run: AuditRun) -> dict[str, int]:
    counts = Counter(f.severity for c in run.communes for f in c.findings)
    return {s: counts.get(s, 0) for s in SEVERITIES}


def exit_code(run: AuditRun, fail_on: str) -> int:
    """2 when an input was bad; 1 when a finding reaches ``fail_on``; else 0."""
    if run.rejected:
        return 2
    if fail_on == "never":
        return 0
    worst = run.worst()
    if worst is None:
        return 0
    return 1 if SEVERITY_RANK[worst] <= SEVERITY_RANK[fail_on] else 0
