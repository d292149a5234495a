"""The reference evaluator: the catalog's meaning, written as plainly as possible.

This is the executable specification the durable-rules path is held to (by the
hypothesis tests and `rules verify`). It shares nothing with the production
path but the condition semantics of ``conditions.evaluate``, the verdict data
types and ``facts.held_on`` (the one notion of a brick held on a date):
requirements, statuses and missing facts are computed here again, by direct
recursion, so that a slip in ``verdicts.assemble`` shows up as a disagreement.
A requirement rests on a valid brick: held or asked for, the required brick's own
verdict decides it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from eligibility.catalog.conditions import Condition, Leaf, Truth, children, evaluate
from eligibility.catalog.model import Catalog
from eligibility.catalog.vocabulary import DERIVATIONS
from eligibility.evaluation.verdicts import (
    AVAILABILITY,
    COMMON,
    CONDITION,
    REQUIREMENT,
    Evaluation,
    Reason,
    Status,
    Verdict,
)
from eligibility.profile.facts import held_on
from eligibility.profile.model import Profile


def decide(catalog: Catalog, facts: Mapping[str, Any]) -> dict[str, Truth]:
    """Every node's truth, by walking each condition tree in Python."""
    truths: dict[str, Truth] = {}
    for rule in catalog.common:
        evaluate(rule.condition, facts, truths)
    for brick in catalog.bricks.values():
        evaluate(brick.availability_rule, facts, truths)
        for rule in brick.conditions:
            evaluate(rule.condition, facts, truths)
    return truths


def _missing(condition: Condition, truths: Mapping[str, Truth]) -> list[str]:
    """Facts of the unknown leaves reached through unknown nodes only."""
    found: list[str] = []
    pending = [condition]
    while pending:
        node = pending.pop(0)
        if truths[node.node_id] is not None:
            continue
        if isinstance(node, Leaf):
            found.extend(DERIVATIONS.get(node.fact, (node.fact,)))
        pending[0:0] = children(node)
    return list(dict.fromkeys(found))


def evaluate_reference(catalog: Catalog, profile: Profile, as_of: dt.date,
                       facts: Mapping[str, Any], requested: list[str] | None = None,
                       show: list[str] | None = None,
                       only: tuple[str, ...] | None = None) -> Evaluation:
    """Every brick's verdict (``only``: these bricks and those they require)."""
    truths = decide(catalog, facts)
    asked = list(requested if requested is not None else profile.requests)
    requested_ids = [b for b in catalog.bricks if not asked or b in asked]
    held = held_on(profile, as_of)  # a subscription counts from its `since`
    shown = None if show is None else tuple(b for b in catalog.bricks if b in show)
    result = Evaluation(catalog, profile, as_of, facts, truths, tuple(requested_ids), not asked,
                        held=held, show=shown, engine="reference")

    def verdict(brick_id: str) -> Verdict:
        if brick_id in result.verdicts:
            return result.verdicts[brick_id]
        brick = catalog.bricks[brick_id]
        reasons: list[Reason] = []
        available = brick.availability_rule
        reasons.append(Reason(available.node_id, AVAILABILITY, truths[available.node_id],
                              brick.availability.source, brick.availability.citation,
                              tuple(_missing(available, truths))))
        for rule in catalog.common:
            reasons.append(Reason(rule.id, COMMON, truths[rule.id], *rule.cited_at(as_of),
                                  tuple(_missing(rule.condition, truths))))
        missing = [fact for reason in reasons for fact in reason.missing]
        for requirement in brick.requires:
            # A requirement rests on a valid brick: held or asked for, and eligible itself.
            if requirement.brick not in held and requirement.brick not in requested_ids:
                ok: Truth = False
            else:
                other = verdict(requirement.brick)
                ok = {"eligible": True, "undetermined": None}.get(other.status, False)
                if ok is None:
                    missing.extend(other.missing)
            reasons.append(Reason(requirement.rule_id, REQUIREMENT, ok, requirement.source,
                                  requirement.citation, brick=requirement.brick))
        for rule in brick.conditions:
            unknown = _missing(rule.condition, truths)
            missing.extend(unknown)
            reasons.append(Reason(rule.id, CONDITION, truths[rule.id], *rule.cited_at(as_of),
                                  tuple(unknown)))
        held_values = [r.held for r in reasons]
        status: Status
        if truths[available.node_id] is False:
            status = "unavailable"
        elif False in held_values:
            status = "ineligible"
        elif None in held_values:
            status = "undetermined"
        else:
            status = "eligible"
        result.verdicts[brick_id] = Verdict(brick_id, status, tuple(reasons),
                                            tuple(r.brick for r in brick.requires),
                                            tuple(dict.fromkeys(missing)))
        return result.verdicts[brick_id]

    for brick_id in catalog.bricks if only is None else only:
        verdict(brick_id)
    return result
