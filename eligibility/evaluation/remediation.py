"""The smallest plan of changes that would make a brick eligible.

A plan is a list of steps, each tied to the rule it satisfies: set a profile
field, ask for another brick, or sign a convention version. For a failed
``any`` the cheapest alternative is chosen (the first on a tie, so the catalog's
order says which is preferred). A plan is *checked*: it is applied to the
facts and the brick evaluated again, by the engine that gave the verdict; a plan
that does not lift every failure is reported as impossible, never as advice.

The re-check changes the facts mapping, not the profile (no pydantic round trip):
a ``set`` step is the fact's new value, a ``sign`` step the version in force, which
is then both ``convention.in_force`` and ``convention.applicable`` (what
``derive_facts`` gives for a signature dated the day considered), a ``request`` step
one more brick asked for. Only the brick and the bricks it requires are assembled
again. ``apply_plan`` still gives the changed *profile*: ``rules verify`` checks each
plan by applying it so and evaluating from scratch, holding this shortcut to account.

A plan is *sound* (issue 8): marked feasible, applied, it makes the brick eligible;
when the verdict then still depends on facts the profile leaves out, it does not
promise eligibility but ends with a ``find_out`` step naming each of them. A fact the
commune cannot change by itself (``Fact.actionable``, ``facts.yaml``: membership of the
agglomeration, having a school…) is never a step: a brick that needs it changed is
out of the commune's reach, and the plan says which facts put it there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from eligibility.catalog.conditions import NEGATED, All, Any_, Condition, Leaf, Not
from eligibility.catalog.model import Brick, Catalog
from eligibility.evaluation.evaluate import evaluate_facts
from eligibility.evaluation.plans import FIND_OUT, REQUEST, SET, SIGN, Plan, Step
from eligibility.evaluation.verdicts import (
    AVAILABILITY,
    COMMON,
    CONDITION,
    REQUIREMENT,
    EngineName,
    Evaluation,
    Verdict,
)
from eligibility.profile.model import Profile


class Unsatisfiable(Exception):
    """No change of the profile satisfies this condition (its id is the message)."""


class OutOfReach(Unsatisfiable):
    """Only a change of facts the commune cannot make by itself would satisfy it."""

    def __init__(self, rule: str, facts: tuple[str, ...]) -> None:
        super().__init__(rule)
        self.facts = facts


def satisfying_value(leaf: Leaf, want: bool, current: Any, catalog: Catalog) -> Any:
    """A value of the leaf's fact for which the leaf is ``want``, closest to the test."""
    spec = catalog.facts.get(leaf.fact)
    assert spec is not None
    op, value = leaf.op, leaf.value
    if op == "includes" or op == "excludes":
        have = set(current or ())
        wanted = set(value)
        if (op == "includes") == want:
            return sorted(have | wanted) if want else sorted(have | {value[0]})
        return sorted(have - wanted) if op == "excludes" else sorted(have - {value[0]})
    if not want:
        op = NEGATED[op]
    if op == "eq":
        return value
    if op == "in":
        return value[0]
    if op in ("ne", "not_in"):
        excluded = set(value) if op == "not_in" else {value}
        if spec.kind == "bool":
            return not value
        if spec.kind in ("count", "amount"):  # no listed domain: the next number up will do
            return value + (1 if spec.kind == "count" else 0.01)
        choices = [v for v in spec.values if v not in excluded]
        if not choices:
            raise Unsatisfiable(leaf.node_id)
        return choices[0]
    if spec.kind == "level":
        order = list(spec.values)
        index = order.index(value) + {"ge": 0, "gt": 1, "le": 0, "lt": -1}[op]
        if not 0 <= index < len(order):
            raise Unsatisfiable(leaf.node_id)
        return order[index]
    step = 1 if spec.kind == "count" else 0.01
    target = value + {"ge": 0, "gt": step, "le": 0, "lt": -step}[op]
    if target < 0:
        raise Unsatisfiable(leaf.node_id)
    return target


def _fix(node: Condition, want: bool, ev: Evaluation, rule: str) -> list[Step]:
    """Steps that make ``node`` evaluate to ``want`` (nodes already so need nothing)."""
    truth = ev.truths[node.node_id]
    if truth is want or truth is None and not isinstance(node, Leaf):
        return [] if truth is want else _fix_unknown(node, want, ev, rule)
    if isinstance(node, Leaf):
        if truth is None:  # unknown: a question for the secretary, not a change
            return []
        return [_leaf_step(node, want, ev, rule)]
    if isinstance(node, Not):
        return _fix(node.child, not want, ev, rule)
    conjunctive = isinstance(node, All) == want  # every child must reach `want`
    if conjunctive:
        return [s for child in node.children for s in _fix(child, want, ev, rule)]
    options = []
    beyond: list[str] = []  # facts out of the commune's reach, on the branches closed
    for child in node.children:
        try:
            options.append(_fix(child, want, ev, rule))
        except OutOfReach as blocked:
            beyond += blocked.facts
        except Unsatisfiable:
            continue
    if not options:
        if beyond:
            raise OutOfReach(node.node_id, tuple(dict.fromkeys(beyond)))
        raise Unsatisfiable(node.node_id)
    return min(options, key=len)


def _fix_unknown(node: Condition, want: bool, ev: Evaluation, rule: str) -> list[Step]:
    # An undecided compound inside a failed rule: fix its decided failing parts only.
    if isinstance(node, (All, Any_)) and (isinstance(node, All) == want):
        return [s for child in node.children if ev.truths[child.node_id] is (not want)
                for s in _fix(child, want, ev, rule)]
    return []


def _leaf_step(leaf: Leaf, want: bool, ev: Evaluation, rule: str) -> Step:
    current = ev.facts.get(leaf.fact)
    if leaf.fact in ("convention.in_force", "convention.applicable"):
        target = satisfying_value(leaf, want, current, ev.catalog)
        return _sign_step(target, ev, rule)
    spec = ev.catalog.facts.get(leaf.fact)
    if spec is not None and not spec.actionable:
        raise OutOfReach(rule, (leaf.fact,))
    value = satisfying_value(leaf, want, current, ev.catalog)
    if isinstance(current, frozenset):
        current = sorted(current)
    return Step(rule, SET, leaf.fact, value, current)


def _sign_step(target: str, ev: Evaluation, rule: str, choices: tuple[str, ...] = ()) -> Step:
    """Sign the version in force at the date: the only one a commune can still sign."""
    in_force = ev.catalog.version_at(ev.as_of)
    if target == "none" or in_force is None or (choices and in_force not in choices):
        raise Unsatisfiable(rule)
    return Step(rule, SIGN, "convention.version", in_force, ev.facts.get("convention.in_force"))


def _brick_steps(brick: Brick, ev: Evaluation, visiting: set[str]) -> list[Step]:
    if brick.id in visiting:
        raise Unsatisfiable(brick.id)
    verdict = ev.verdicts[brick.id]
    steps: list[Step] = []
    conditions = {r.id: r for r in brick.conditions}
    common = {r.id: r for r in ev.catalog.common}
    for reason in verdict.reasons:
        if reason.held is not False:
            continue
        if reason.kind == AVAILABILITY:
            steps.append(_sign_step("", ev, reason.rule, brick.versions))
        elif reason.kind == COMMON:
            steps += _fix(common[reason.rule].condition, True, ev, reason.rule)
        elif reason.kind == CONDITION:
            steps += _fix(conditions[reason.rule].condition, True, ev, reason.rule)
        elif reason.kind == REQUIREMENT:
            assert reason.brick is not None
            if reason.brick not in ev.requested and reason.brick not in ev.held:
                steps.append(Step(reason.rule, REQUEST, brick=reason.brick))
            # Held or asked for, the required brick must become valid too.
            steps += _brick_steps(ev.catalog.bricks[reason.brick], ev, visiting | {brick.id})
    return steps


def _merge(steps: list[Step], catalog: Catalog) -> list[Step]:
    """One step per field or brick; the stronger of two raises, a conflict is impossible."""
    merged: dict[tuple[str, str | None], Step] = {}
    for step in steps:
        key = (step.kind, step.brick if step.kind == REQUEST else step.field)
        other = merged.get(key)
        if other is None or other.value == step.value:
            merged.setdefault(key, step)
            continue
        spec = catalog.facts.get(step.field or "")
        if step.kind == SET and spec is not None and spec.kind in ("count", "amount", "level"):
            levels = list(spec.values)
            merged[key] = max(other, step, key=lambda s: levels.index(s.value)
                              if levels else float(s.value))
        elif step.kind == SET and spec is not None and spec.kind == "set":
            # Each step is the current set with values added or removed: keep every
            # addition and every removal (intersecting the two results would drop an
            # `includes` addition when another rule's `excludes` removes something).
            current = set(other.current or ())
            added = (set(other.value) | set(step.value)) - current
            removed = current - (set(other.value) & set(step.value))
            merged[key] = Step(other.rule, SET, step.field, sorted((current | added) - removed),
                               other.current)
        else:
            raise Unsatisfiable(f"{other.rule} / {step.rule}")
    return list(merged.values())


def apply_plan(profile: Profile, steps: tuple[Step, ...] | list[Step], as_of: dt.date) -> Profile:
    """The profile as it would be once every step is done."""
    changes: dict[str, object] = {}
    requests = list(profile.requests)
    for step in steps:
        if step.kind == SET:
            assert step.field is not None
            changes[step.field] = step.value
        elif step.kind == REQUEST and step.brick is not None and step.brick not in requests:
            requests.append(step.brick)
        elif step.kind == SIGN:
            history = []
            if profile.convention is not None:
                # Signatures dated after the day signed now are superseded by this one
                # (and a history entry after the current signature is an error).
                history = [s.model_dump() for s in profile.convention.history
                           if s.signed_on is None or s.signed_on <= as_of]
                later = profile.convention.signed_on is not None and \
                    profile.convention.signed_on > as_of
                if profile.convention.version != "none" and not later:
                    history.append({"version": profile.convention.version,
                                    "signed_on": profile.convention.signed_on})
            changes["convention"] = {"version": step.value, "signed_on": as_of, "history": history}
    if requests != list(profile.requests):
        changes["requests"] = requests
    return profile.with_changes(changes)


def facts_after(facts: Mapping[str, Any], steps: tuple[Step, ...] | list[Step],
                ) -> dict[str, Any]:
    """The facts as they would be once every step is done (see the module docstring)."""
    changed = dict(facts)
    for step in steps:
        if step.kind == SET:
            assert step.field is not None
            value = step.value
            changed[step.field] = frozenset(value) if isinstance(value, list) else value
        elif step.kind == SIGN:
            changed["convention.in_force"] = changed["convention.applicable"] = step.value
    return changed


def _find_out_steps(verdict: Verdict) -> list[Step]:
    """A question for each profile field the verdict still depends on, tied to the first
    rule that reads it (a requirement for the facts of an undetermined required brick)."""
    steps: dict[str, Step] = {}
    for reason in verdict.reasons:
        for fact in reason.missing:
            steps.setdefault(fact, Step(reason.rule, FIND_OUT, fact))
    pending = next((r.rule for r in verdict.reasons
                    if r.kind == REQUIREMENT and r.held is None), verdict.brick)
    for fact in verdict.missing:
        steps.setdefault(fact, Step(pending, FIND_OUT, fact))
    return list(steps.values())


def plan(ev: Evaluation, brick_id: str, engine: EngineName | None = None) -> Plan:
    """What would make ``brick_id`` eligible, checked.

    The plan is applied to the facts and the brick evaluated again, with ``engine``
    (default: the one that decided ``ev``): still ineligible or unavailable, the plan is
    reported impossible; undetermined, the plan ends with a ``find_out`` step for each
    fact still unknown; eligible, it is feasible as it is. A fact the commune cannot
    change blocking it: impossible, out of reach.
    """
    brick = ev.catalog.bricks[brick_id]
    replaced = brick.replaced_by.brick if brick.replaced_by is not None else None
    try:
        steps = _merge(_brick_steps(brick, ev, set()), ev.catalog)
    except OutOfReach as blocked:
        return Plan(brick_id, (), False, str(blocked), replaced, blocked.facts)
    except Unsatisfiable as blocked:
        return Plan(brick_id, (), False, str(blocked), replaced)
    after = ev.verdicts[brick_id]
    if steps:
        # [] keeps "every brick asked for" even when the profile lists requests that the
        # caller overrode with an empty list (None would bring them back).
        requested = [] if ev.everything_requested else [
            *ev.requested, *(s.brick for s in steps if s.kind == REQUEST and s.brick)]
        again = evaluate_facts(ev.catalog, ev.profile, ev.as_of, facts_after(ev.facts, steps),
                               requested, engine or ev.engine, only=(brick_id,))
        after = again.verdicts[brick_id]
    if after.status in ("ineligible", "unavailable"):
        blocking = ", ".join(r.rule for r in after.failed())
        return Plan(brick_id, tuple(steps), False, blocking, replaced)
    if after.status == "undetermined":
        steps = [*steps, *_find_out_steps(after)]
    return Plan(brick_id, tuple(steps), True, None, replaced)


def plans_for(ev: Evaluation) -> dict[str, Plan]:
    """The plan of each brick shown that is ineligible or unavailable (the others need
    none: eligible, or undetermined with the facts to find out listed)."""
    return {v.brick: plan(ev, v.brick) for v in ev.shown()
            if v.status in ("ineligible", "unavailable")}
