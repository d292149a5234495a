"""``rules verify``: property-based consistency checks of a catalog, with hypothesis.

Each property runs on random profiles, dates and requests drawn from the catalog
(``strategies``); a failure is shrunk by hypothesis to a small counterexample, given
as a profile YAML (the format of ``fixtures/communes/``) with its date, requests and
the rules involved, ready to become a regression fixture.

The properties, as the semantics of ``check`` make them precise:

(a) ``agreement``: the durable-rules engine and the reference evaluator give every
    brick the same status, the same reasons (rule, kind, held, missing facts, source,
    citation, required brick) in the same order, and the same missing facts.
(b) ``monotonicity``: a brick eligible for a profile stays eligible for a better or
    better-known one: a known fact raised the way the vocabulary (``facts.yaml``) calls better (more
    fibre, Gecko gained, more equipment or money, an authorisation gained), an unknown
    fact learnt, a brick subscribed. The date and the requests stay. Exempt: a loss
    whose every flipped rule (in the brick, or in a brick it requires and does not
    hold) is marked ``upper_bound``.
(c) ``requirements``: a requirement rests on a valid brick (CONTRACT §4). Every
    required brick of an eligible brick is held on the date (``facts.held_on``) or
    asked for (explicitly, or because nothing was), and eligible itself; the
    requirement's truth is the required brick's own (eligible: held, undetermined:
    unknown, else failed) when it is held or asked for, and failed otherwise.
(d) ``remediation``: plans are sound. For each brick shown that is ineligible or
    unavailable, the help ``check`` prints (``remediation.plan``) never changes a fact
    the commune cannot change by itself (``Fact.actionable``), and either works:
    applied to the profile (``apply_plan``), it makes the brick eligible, or leaves it
    undetermined with a ``find_out`` step for each fact it still depends on (never a
    promise of eligibility); or it says the brick is impossible (or out of the
    commune's reach, naming facts that are not actionable), and it is: the conditions
    of the brick and of every brick it requires, transitively, cannot all hold with
    the facts the commune cannot change kept as they are, under the conventions it can
    be under at that date (its own, or the version in force, signed), by reasoning
    over the facts' domains (``satisfiability``).
(e) ``reasons``: an ineligible brick has a failed reason, an eligible one has none and
    no unknown one, an undetermined one has no failed reason, an unknown one and its
    missing facts, an unavailable one a failed availability; the same holds in the
    JSON of ``check``.
(f) ``order``: verdicts do not depend on the order of the requests or of the
    subscriptions.
(g) ``availability``: with a known convention, a brick is unavailable exactly when the
    version the commune is under at the date (computed here again from its signatures
    and the adoption dates; the version in force when it has signed nothing) is not
    one of the brick's versions.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from eligibility.catalog.conditions import All, Any_, Condition, Leaf
from eligibility.catalog.model import Catalog, Rule
from eligibility.catalog.satisfiability import satisfiable
from eligibility.errors import CatalogError
from eligibility.evaluation.check import EngineName, check
from eligibility.evaluation.plans import FIND_OUT, REQUEST, SET, Step
from eligibility.evaluation.remediation import apply_plan, plan
from eligibility.evaluation.verdicts import AVAILABILITY, REQUIREMENT, Evaluation, Reason, Verdict
from eligibility.profile.model import Profile
from eligibility.reports.check import check_json_data
from eligibility.verify.strategies import (
    Case,
    Improvement,
    cases,
    facts_deciding,
    improved_cases,
    neighbours,
    reordered_cases,
)

DEFAULT_EXAMPLES = 200


# --- results ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Failure:
    """What a property found wrong with one case."""

    case: Case
    detail: tuple[str, ...]
    rules: tuple[str, ...] = ()


@dataclass
class Counterexample:
    """A shrunk failing case: the profile as a document, the date, the requests."""

    property: str
    title: str
    as_of: dt.date
    requests: list[str]
    rules: list[str]
    detail: list[str]
    profile: dict[str, Any]

    def profile_yaml(self) -> str:
        return dump_profile(self.profile)

    def to_yaml(self) -> str:
        """The profile YAML under a comment header: property, date, requests, rules."""
        asked = ", ".join(self.requests) or "none (every brick)"
        header = ["Counterexample found by `eligibility rules verify`",
                  f"property: {self.property}: {self.title}",
                  f"as of: {self.as_of.isoformat()}",
                  f"requests: {asked}",
                  f"rules: {', '.join(self.rules) or '-'}",
                  *self.detail,
                  f"reproduce: eligibility check THIS_FILE --as-of {self.as_of.isoformat()}"]
        return "".join(f"# {line}\n" for line in header) + "\n" + self.profile_yaml()

    def to_json(self) -> dict[str, Any]:
        return {"property": self.property, "as_of": self.as_of.isoformat(),
                "requests": self.requests, "rules": self.rules, "detail": self.detail,
                "profile": _jsonable(self.profile),
                "yaml": self.to_yaml()}


@dataclass
class PropertyResult:
    name: str
    letter: str
    title: str
    passed: bool
    examples: int  # examples run (up to the first failure, when one failed)
    calls: int     # every run of the property, shrinking included
    seconds: float
    counterexample: Counterexample | None = None
    error: str | None = None  # the run itself broke (a strategy, hypothesis)

    def to_json(self) -> dict[str, Any]:
        return {"property": self.name, "letter": self.letter, "title": self.title,
                "passed": self.passed, "examples": self.examples,
                "seconds": round(self.seconds, 3), "error": self.error,
                "counterexample": (self.counterexample.to_json()
                                   if self.counterexample is not None else None)}


@dataclass
class VerifyReport:
    root: Path
    seed: int
    examples: int
    engine: EngineName
    results: list[PropertyResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> list[PropertyResult]:
        return [r for r in self.results if not r.passed]

    def to_json(self) -> dict[str, Any]:
        return {"rules": str(self.root), "seed": self.seed, "examples": self.examples,
                "engine": self.engine, "passed": self.passed,
                "seconds": round(self.seconds, 3),
                "properties": [r.to_json() for r in self.results]}


# --- the counterexample as a profile file ----------------------------------------------

class _Flow(dict[str, Any]):
    """A mapping written on one line, as the fixtures write subscriptions."""


class _Dumper(yaml.SafeDumper):
    pass


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flat = all(not isinstance(item, (list, dict)) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


def _represent_flow(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", dict(data), flow_style=True)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(_Flow, _represent_flow)


def profile_document(profile: Profile, requests: list[str] | None = None) -> dict[str, Any]:
    """The profile as a file holds it: fields left out (unknown) absent, lists that are
    empty left out, ``requests`` replaced when given."""
    data = profile.model_dump(mode="python", exclude_none=True)
    if requests is not None:
        data["requests"] = list(requests)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if v != []}
            if "history" in value:
                value["history"] = [_Flow(s) for s in value["history"]]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            value = [_Flow(item) for item in value]
        if value in ({}, []):
            continue
        out[key] = value
    return out


def _jsonable(value: Any) -> Any:
    """The document with its dates as ISO strings, for JSON."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def dump_profile(document: Mapping[str, Any]) -> str:
    return yaml.dump(dict(document), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=100)


# --- the properties --------------------------------------------------------------------

@dataclass
class Context:
    """What a property needs besides its example: the catalog, the engine to evaluate
    with, the catalog's rules by id (to tell declared upper bounds)."""

    catalog: Catalog
    engine: EngineName
    rules: dict[str, Rule]

    @classmethod
    def of(cls, catalog: Catalog, engine: EngineName = "durable") -> Context:
        return cls(catalog, engine, {r.id: r for r in catalog.rules()})

    def evaluate(self, case: Case, engine: EngineName | None = None,
                 profile: Profile | None = None, plans: bool = False) -> Evaluation:
        # Plans only where a property reads them (remediation plans for itself).
        return check(self.catalog, profile or case.profile, case.as_of, case.requested_list,
                     engine=engine or self.engine, plans=plans)


def _held(value: bool | None) -> str:
    return {True: "held", False: "failed", None: "unknown"}[value]


def _reason_text(reason: Reason | None) -> str:
    if reason is None:
        return "absent"
    missing = f", missing {', '.join(reason.missing)}" if reason.missing else ""
    return f"{_held(reason.held)}{missing}"


def check_agreement(ctx: Context, case: Case) -> Failure | None:
    durable = ctx.evaluate(case, "durable")
    reference = ctx.evaluate(case, "reference")
    detail: list[str] = []
    rules: list[str] = []
    if (durable.requested, durable.everything_requested) != (
            reference.requested, reference.everything_requested):
        detail.append(f"bricks asked for: durable-rules {list(durable.requested)}, "
                      f"reference {list(reference.requested)}")
    for brick in ctx.catalog.bricks:
        mine, theirs = durable.verdicts[brick], reference.verdicts[brick]
        if mine == theirs:
            continue
        said = len(detail)
        if mine.status != theirs.status:
            detail.append(f"{brick}: durable-rules says {mine.status}, the reference "
                          f"evaluator {theirs.status}")
        by_rule = {r.rule: r for r in mine.reasons}
        their_rules = {r.rule: r for r in theirs.reasons}
        for rule in dict.fromkeys([*by_rule, *their_rules]):
            if by_rule.get(rule) != their_rules.get(rule):
                rules.append(rule)
                detail.append(f"{brick} · {rule}: durable-rules {_reason_text(by_rule.get(rule))}"
                              f", reference {_reason_text(their_rules.get(rule))}")
        if mine.missing != theirs.missing:
            detail.append(f"{brick}: missing facts: durable-rules {list(mine.missing)}, "
                          f"reference {list(theirs.missing)}")
        if len(detail) == said or mine.requires != theirs.requires or (
                [r.rule for r in mine.reasons] != [r.rule for r in theirs.reasons]):
            detail.append(f"{brick}: the verdicts differ (reasons in another order, or "
                          f"requirements {list(mine.requires)} vs {list(theirs.requires)})")
    return Failure(case, tuple(detail), tuple(dict.fromkeys(rules))) if detail else None


def _flipped(before: Evaluation, after: Evaluation, brick: str, held: frozenset[str],
             seen: set[str]) -> list[str]:
    """The rules that held before and do not after, following requirements into the
    required bricks (held or not, a required brick must be valid: its own flipped rules
    are what changed)."""
    if brick in seen:
        return []
    seen.add(brick)
    now = {r.rule: r for r in after.verdicts[brick].reasons}
    flipped: list[str] = []
    for reason in before.verdicts[brick].reasons:
        if reason.held is not True or now[reason.rule].held is True:
            continue
        if reason.kind == REQUIREMENT and reason.brick is not None:
            flipped += _flipped(before, after, reason.brick, held, seen) or [reason.rule]
        else:
            flipped.append(reason.rule)
    return flipped


def check_monotonicity(ctx: Context, example: tuple[Case, Improvement]) -> Failure | None:
    case, drawn = example
    before = ctx.evaluate(case)
    eligible = [b for b, v in before.verdicts.items() if v.status == "eligible"]
    if not eligible:
        return None
    # The drawn improvement (several changes at once), then every single step.
    for better in [drawn, *neighbours(ctx.catalog, case.profile,
                                      facts_deciding(ctx.catalog, eligible))]:
        if better.changes or better.subscribed:
            failure = _lost(ctx, case, before, better)
            if failure is not None:
                return failure
    return None


def _lost(ctx: Context, case: Case, before: Evaluation, better: Improvement) -> Failure | None:
    """The bricks ``better`` makes lose, but by a declared upper bound."""
    improved = better.apply(case.profile)
    after = ctx.evaluate(case, profile=improved)
    detail: list[str] = []
    rules: list[str] = []
    for brick, verdict in before.verdicts.items():
        now = after.verdicts[brick]
        if verdict.status != "eligible" or now.status == "eligible":
            continue
        flipped = _flipped(before, after, brick, after.held, set())
        capped = [r for r in flipped if r in ctx.rules and ctx.rules[r].upper_bound]
        if flipped and len(capped) == len(flipped):
            continue  # every rule lost is a declared cap
        rules += [r for r in flipped if r not in capped]
        unmarked = [r for r in flipped if r not in capped]
        detail.append(f"{brick}: eligible, then {now.status} once the profile is better: "
                      + "; ".join(better.describe()))
        detail.append(f"  {', '.join(unmarked) or 'no rule'} stopped holding"
                      + (" (not marked upper_bound)" if unmarked else ""))
    if not detail:
        return None
    return Failure(case, tuple(detail), tuple(dict.fromkeys(rules)))


def check_requirements(ctx: Context, case: Case) -> Failure | None:
    ev = ctx.evaluate(case)
    # Held on the date, computed here again from the contract: a subscription counts
    # from its `since` (undated: always).
    held = {s.brick for s in case.profile.subscriptions
            if s.since is None or s.since <= case.as_of}
    asked = set(ev.requested)
    detail: list[str] = []
    rules: list[str] = []
    if held != set(ev.held):
        detail.append(f"held on {case.as_of}: {sorted(held)}, but check says "
                      f"{sorted(ev.held)}")
    for brick in ctx.catalog.bricks.values():
        verdict = ev.verdicts[brick.id]
        reasons = {r.rule: r for r in verdict.reasons}
        for requirement in brick.requires:
            other = ev.verdicts[requirement.brick]
            there = requirement.brick in held or requirement.brick in asked
            if verdict.status == "eligible" and not (there and other.status == "eligible"):
                rules.append(requirement.rule_id)
                how = ("held but " if requirement.brick in held else
                       "asked for but " if requirement.brick in asked else "")
                how += other.status if there else "neither held nor asked for"
                detail.append(f"{brick.id} is eligible, but {requirement.brick}, which it "
                              f"requires, is {how}")
            expected = {"eligible": True, "undetermined": None}.get(other.status, False) \
                if there else False
            if there and reasons[requirement.rule_id].held is not expected:
                rules.append(requirement.rule_id)
                detail.append(f"{brick.id} requires {requirement.brick}, "
                              f"{'held' if requirement.brick in held else 'asked for'} and "
                              f"{other.status}, yet {requirement.rule_id} is "
                              f"{_held(reasons[requirement.rule_id].held)}")
            if requirement.brick not in held and requirement.brick not in asked and (
                    reasons[requirement.rule_id].held is not False):
                rules.append(requirement.rule_id)
                detail.append(f"{brick.id} requires {requirement.brick}, neither held nor "
                              f"asked for, yet {requirement.rule_id} is "
                              f"{_held(reasons[requirement.rule_id].held)}")
    return Failure(case, tuple(detail), tuple(dict.fromkeys(rules))) if detail else None


def _steps_text(steps: tuple[Step, ...]) -> str:
    def one(step: Step) -> str:
        if step.kind == REQUEST:
            return f"ask for {step.brick}"
        if step.kind == FIND_OUT:
            return f"find out {step.field}"
        return f"{step.field}: {step.current} -> {step.value}"
    return "; ".join(one(s) for s in steps) or "no step"


def could_be_eligible(ev: Evaluation, brick_id: str) -> bool:
    """Whether some change the help may propose (any actionable profile field, bricks
    asked for, the version in force at the date signed) could make the brick eligible.

    The conditions of the brick, of every brick it requires (transitively: held or
    not, a required brick must be valid), the common conditions and the
    availabilities must hold at once, the convention being the commune's own or the
    version in force, signed; a known fact the commune cannot change
    (``Fact.actionable``) keeps its value.
    """
    catalog = ev.catalog
    conditions: list[Condition] = [r.condition for r in catalog.common]
    seen: set[str] = set()

    def add(brick_id: str) -> None:
        if brick_id in seen:
            return
        seen.add(brick_id)
        brick = catalog.bricks[brick_id]
        conditions.append(brick.availability_rule)
        conditions.extend(r.condition for r in brick.conditions)
        for requirement in brick.requires:
            add(requirement.brick)

    add(brick_id)
    vocabulary = catalog.facts
    for fact in sorted(set(ev.facts) & set(vocabulary)):
        spec = vocabulary[fact]
        if not spec.actionable and spec.kind != "set":
            conditions.append(Leaf(f"verify.fixed/{fact}", fact, "eq", ev.facts[fact]))
    in_force = ev.facts.get("convention.in_force")
    if in_force is not None:  # unknown: any convention
        options = [(in_force, ev.facts["convention.applicable"])]
        signable = catalog.version_at(ev.as_of)
        if signable is not None:
            options.append((signable, signable))
        conditions.append(Any_("verify.convention", tuple(
            All(f"verify.convention/{i}", (
                Leaf(f"verify.convention/{i}/0", "convention.in_force", "eq", a),
                Leaf(f"verify.convention/{i}/1", "convention.applicable", "eq", b)))
            for i, (a, b) in enumerate(options))))
    return satisfiable(conditions, catalog)


def _rule_ids(text: str) -> list[str]:
    """The rule ids a plan's ``why_not`` names (``a, b``, ``a / b``, a node ``a/0``)."""
    return [word.split("/")[0] for word in re.split(r",\s*|\s+/\s+", text) if "." in word]


def check_remediation(ctx: Context, case: Case) -> Failure | None:
    ev = ctx.evaluate(case)
    detail: list[str] = []
    rules: list[str] = []
    for verdict in ev.shown():
        if verdict.status not in ("ineligible", "unavailable"):
            continue
        brick = verdict.brick
        remedy = plan(ev, brick, ctx.engine)
        vocabulary = ctx.catalog.facts
        beyond = [s.field for s in remedy.steps if s.kind == SET and s.field is not None
                  and s.field in vocabulary and not vocabulary[s.field].actionable]
        if beyond:
            rules += [s.rule for s in remedy.steps if s.field in beyond]
            detail.append(f"{brick}: its help changes {', '.join(map(str, beyond))}, which "
                          f"the commune cannot change by itself")
        if remedy.feasible:
            asked = [] if ev.everything_requested else [
                *ev.requested, *(s.brick for s in remedy.steps if s.kind == REQUEST and s.brick)]
            changed = apply_plan(case.profile, remedy.steps, case.as_of)
            after = check(ctx.catalog, changed, case.as_of, asked,
                          engine=ctx.engine).verdicts[brick]
            unasked = [m for m in after.missing if m not in remedy.find_out]
            if after.failed():
                still = [r.rule for r in after.failed()]
                rules += still
                detail.append(f"{brick}: {verdict.status}; its help ({_steps_text(remedy.steps)})"
                              f" leaves it {after.status}: {', '.join(still)} still fail")
            elif after.status != "eligible" and (unasked or not remedy.find_out):
                rules += [r.rule for r in after.reasons if r.held is None]
                detail.append(f"{brick}: {verdict.status}; its help ({_steps_text(remedy.steps)})"
                              f" leaves it {after.status}, yet does not say to find out "
                              f"{', '.join(unasked) or 'what it depends on'}")
            elif after.status == "eligible" and remedy.find_out:
                detail.append(f"{brick}: its help asks to find out "
                              f"{', '.join(remedy.find_out)}, yet it makes the brick eligible")
        elif any(f not in vocabulary or vocabulary[f].actionable for f in remedy.out_of_reach):
            detail.append(f"{brick}: its help says it is out of reach because of "
                          f"{', '.join(remedy.out_of_reach)}, which the commune can change")
        elif could_be_eligible(ev, brick):
            failed = [r.rule for r in verdict.failed()]
            rules += failed + _rule_ids(remedy.why_not or "")
            detail.append(f"{brick}: {verdict.status} ({', '.join(failed)}); the help says it is "
                          f"impossible ({remedy.why_not}), yet the brick and the bricks it "
                          f"requires can all hold: another change would make it eligible")
    return Failure(case, tuple(detail), tuple(dict.fromkeys(rules))) if detail else None


def _reasons_problem(verdict: Verdict) -> str | None:
    held = [r.held for r in verdict.reasons]
    availability = next((r.held for r in verdict.reasons if r.kind == AVAILABILITY), None)
    status = verdict.status
    if status == "unavailable" and availability is not False:
        return "unavailable, but its availability did not fail"
    if status == "ineligible" and False not in held:
        return "ineligible without a failed reason"
    if status == "eligible" and (False in held or None in held or verdict.missing):
        return "eligible with a failed or unknown reason, or missing facts"
    if status == "undetermined" and (False in held or None not in held or not verdict.missing):
        return "undetermined with a failed reason, without an unknown one, or without " \
               "missing facts"
    return None


def check_reasons(ctx: Context, case: Case) -> Failure | None:
    ev = ctx.evaluate(case, plans=True)  # the JSON shows the plans
    detail: list[str] = []
    rules: list[str] = []
    for verdict in ev.verdicts.values():
        problem = _reasons_problem(verdict)
        if problem is not None:
            detail.append(f"{verdict.brick}: {problem}")
            rules += [r.rule for r in verdict.reasons if r.held is not True]
    # The contract states it of the JSON output (CONTRACT §4): check what users read.
    for brick in check_json_data(ev, "en")["bricks"]:
        held = [r["held"] for r in brick["reasons"]]
        if brick["status"] == "ineligible" and False not in held or (
                brick["status"] == "eligible" and any(h is not True for h in held)):
            detail.append(f"{brick['id']}: in the JSON, {brick['status']} with reasons held "
                          f"{held}")
    return Failure(case, tuple(detail), tuple(dict.fromkeys(rules))) if detail else None


def check_order(ctx: Context, example: tuple[Case, Case]) -> Failure | None:
    case, reordered = example
    first, second = ctx.evaluate(case), ctx.evaluate(reordered)
    detail: list[str] = []
    rules: list[str] = []
    if first.requested != second.requested:
        detail.append(f"bricks asked for: {list(first.requested)}, then "
                      f"{list(second.requested)}")
    for brick, verdict in first.verdicts.items():
        other = second.verdicts[brick]
        if verdict != other:
            now = {r.rule: r for r in other.reasons}
            changed = [r.rule for r in verdict.reasons if now.get(r.rule) != r]
            rules += changed
            detail.append(f"{brick}: {verdict.status}, then {other.status} "
                          f"({', '.join(changed) or 'missing facts'} changed)")
    if not detail:
        return None
    detail.append(f"reordered: requests {reordered.requests}, subscriptions "
                  f"{[s.brick for s in reordered.profile.subscriptions]}")
    return Failure(case, tuple(detail), tuple(dict.fromkeys(rules)))


def version_under(catalog: Catalog, profile: Profile, as_of: dt.date) -> str | None:
    """The version deciding which bricks exist for the commune at ``as_of``, computed
    from the contract (CONTRACT §1): the latest signature applying at the date (from its
    ``signed_on``, or its version's adoption when undated), or, when none applies, the
    version in force at the date. None when unknown, or when two signatures apply from
    the same day (the contract does not order them)."""
    convention = profile.convention
    if convention is None:
        return None
    latest = {v.adopted: v.id for v in catalog.versions.values() if v.adopted <= as_of}
    in_force_at_date = latest[max(latest)] if latest else "none"
    if convention.version == "none" and convention.signed_on is None:
        return in_force_at_date  # never signed
    starts: dict[dt.date, set[str]] = {}
    for signature in [*convention.history, convention]:
        if signature.signed_on is not None:
            start = signature.signed_on
        elif signature.version in catalog.versions:
            start = catalog.versions[signature.version].adopted
        else:
            start = dt.date.min  # an undated "none" in the history: nothing, from always
        starts.setdefault(start, set()).add(signature.version)
    applying = [d for d in starts if d <= as_of]
    if not applying:
        return in_force_at_date
    versions = starts[max(applying)]
    if len(versions) > 1:
        return None
    version = next(iter(versions))
    return in_force_at_date if version == "none" else version


def check_availability(ctx: Context, case: Case) -> Failure | None:
    version = version_under(ctx.catalog, case.profile, case.as_of)
    if version is None:
        return None
    ev = ctx.evaluate(case)
    detail: list[str] = []
    rules: list[str] = []
    for brick in ctx.catalog.bricks.values():
        status = ev.verdicts[brick.id].status
        exists = version in brick.versions
        if exists == (status == "unavailable"):
            rules.append(brick.availability_rule.node_id)
            detail.append(f"{brick.id} is {status} under {version} on {case.as_of} (it exists "
                          f"under {', '.join(brick.versions)})")
    return Failure(case, tuple(detail), tuple(rules)) if detail else None


@dataclass(frozen=True)
class Property:
    name: str
    letter: str
    title: str
    strategy: Callable[[Catalog], st.SearchStrategy[Any]]
    check: Callable[[Context, Any], Failure | None]


PROPERTIES: tuple[Property, ...] = (
    Property("agreement", "a", "durable-rules and the reference evaluator agree",
             cases, check_agreement),
    Property("monotonicity", "b", "a better profile never loses a brick (but by an upper bound)",
             improved_cases, check_monotonicity),
    Property("requirements", "c", "a requirement rests on a brick held or asked for, and "
             "eligible", cases, check_requirements),
    Property("remediation", "d", "the help makes the brick eligible, or says what to find "
             "out, or it is out of reach", cases, check_remediation),
    Property("reasons", "e", "ineligible has a failed reason, eligible has none",
             cases, check_reasons),
    Property("order", "f", "verdicts do not depend on the order of requests or subscriptions",
             reordered_cases, check_order),
    Property("availability", "g", "a brick is unavailable outside its versions and dates",
             cases, check_availability),
)
NAMES: tuple[str, ...] = tuple(p.name for p in PROPERTIES)


# --- running ---------------------------------------------------------------------------

class _Falsified(Exception):
    """Raised inside the hypothesis test when the property fails (hypothesis then shrinks)."""


def _case_of(example: Case | tuple[Case, Case]) -> Case:  # a case, or a case and its reordering
    return example[0] if isinstance(example, tuple) else example


def run_property(prop: Property, catalog: Catalog, examples: int = DEFAULT_EXAMPLES,
                 seed: int = 0, engine: EngineName = "durable") -> PropertyResult:
    """Run one property for ``examples`` examples; shrink the first failure found."""
    ctx = Context.of(catalog, engine)
    state: dict[str, Any] = {"calls": 0, "first": None, "failure": None}

    def body(example: Any) -> None:
        state["calls"] += 1
        try:
            failure = prop.check(ctx, example)
        except Exception as error:  # an engine or planner crash is a failure too
            failure = Failure(_case_of(example), (f"raised {type(error).__name__}: {error}",))
        if failure is not None:
            state["first"] = state["first"] or state["calls"]
            state["failure"] = failure  # hypothesis replays the shrunk case last
            raise _Falsified

    test = settings(max_examples=examples, database=None, deadline=None,
                    derandomize=False, suppress_health_check=list(HealthCheck),
                    verbosity=Verbosity.quiet, phases=(Phase.generate, Phase.shrink),
                    report_multiple_bugs=False, print_blob=False)(
        given(prop.strategy(catalog))(body))
    test = hypothesis_seed(seed)(test)
    started = time.perf_counter()
    error: str | None = None
    try:
        test()
    except _Falsified:
        pass
    except Exception as problem:  # a strategy or hypothesis itself failed
        error = f"{type(problem).__name__}: {problem}".strip()
    seconds = time.perf_counter() - started
    failure: Failure | None = state["failure"]
    counterexample = None
    if failure is not None:
        case = failure.case
        counterexample = Counterexample(
            prop.name, prop.title, case.as_of, case.requests, list(failure.rules),
            list(failure.detail), profile_document(case.profile, case.requests))
    return PropertyResult(prop.name, prop.letter, prop.title,
                          passed=failure is None and error is None,
                          examples=state["first"] or state["calls"], calls=state["calls"],
                          seconds=seconds, counterexample=counterexample,
                          error=error)


def _engine_runs(catalog: Catalog) -> None:
    """Refuse, as bad input, a catalog the durable-rules adapter cannot compile (a
    threshold beyond 2**53…): every property would only report the same error."""
    from eligibility.engine.durable import (  # the C engine, only when verifying
        EngineError,
        engine_for,
    )

    try:
        engine_for(catalog).decide({})
    except (ValueError, TypeError, EngineError) as error:
        raise CatalogError(f"the durable-rules engine cannot run this catalog: {error}",
                           source=str(catalog.root),
                           hint="change the rule it names (docs/authoring.md)") from None


def verify(catalog: Catalog, examples: int = DEFAULT_EXAMPLES, seed: int | None = None,
           engine: EngineName = "durable", properties: list[str] | None = None,
           ) -> VerifyReport:
    """Run the properties (all, or those named) on ``catalog``.

    ``seed`` makes the run reproducible; without one a seed is drawn and reported.
    ``engine`` is the one every property but ``agreement`` evaluates with.
    """
    unknown = sorted(set(properties or ()) - set(NAMES))
    if unknown:
        raise ValueError(f"unknown properties {unknown}: choose among {list(NAMES)}")
    _engine_runs(catalog)
    if seed is None:
        seed = random.SystemRandom().randrange(2 ** 32)
    chosen = [p for p in PROPERTIES if properties is None or p.name in properties]
    report = VerifyReport(catalog.root, seed, examples, engine)
    started = time.perf_counter()
    for prop in chosen:
        report.results.append(run_property(prop, catalog, examples, seed, engine))
    report.seconds = time.perf_counter() - started
    return report
