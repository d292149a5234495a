"""Verdicts: plain data, and how node truths become them.

``assemble`` is the production path: an engine has decided every condition node
(see ``engine.DurableEngine.decide``), and this turns those truths into one
verdict per brick, following requirements between bricks. ``reference.py``
computes the same verdicts the simplest way, as an executable specification.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .catalog import Brick, Catalog, Text
from .conditions import Condition, Leaf, Truth, children
from .facts import SOURCE_FIELDS
from .model import Profile, Status

# Rule kinds, in the order reasons are listed.
AVAILABILITY, COMMON, REQUIREMENT, CONDITION = "availability", "common", "requirement", "condition"


@dataclass(frozen=True)
class Reason:
    """One condition of a brick, decided: ``held`` is True, False or None (unknown)."""

    rule: str
    kind: str
    held: Truth
    source: str
    citation: str
    missing: tuple[str, ...] = ()
    brick: str | None = None  # the required brick, for a requirement

    @property
    def is_assumption(self) -> bool:
        return self.source == "assumption"


@dataclass(frozen=True)
class Verdict:
    brick: str
    status: Status
    reasons: tuple[Reason, ...]
    requires: tuple[str, ...]
    missing: tuple[str, ...]

    def failed(self) -> list[Reason]:
        return [r for r in self.reasons if r.held is False]


@dataclass
class Evaluation:
    """Everything decided about one commune on one date."""

    catalog: Catalog
    profile: Profile
    as_of: dt.date
    facts: Mapping[str, Any]
    truths: Mapping[str, Truth]
    requested: tuple[str, ...]  # what was asked for, in catalog order
    everything_requested: bool
    verdicts: dict[str, Verdict] = field(default_factory=dict)

    @property
    def convention(self) -> str | None:
        return self.facts.get("convention.in_force")

    def shown(self) -> list[Verdict]:
        """The verdicts of the bricks asked for (all of them when none was)."""
        return [self.verdicts[b] for b in self.requested]


def status_of(availability: Truth, reasons: list[Reason]) -> Status:
    """Unavailable beats ineligible beats undetermined: a failed condition decides."""
    if availability is False:
        return "unavailable"
    if any(r.held is False for r in reasons):
        return "ineligible"
    if availability is None or any(r.held is None for r in reasons):
        return "undetermined"
    return "eligible"


def unknown_facts(condition: Condition, truths: Mapping[str, Truth]) -> list[str]:
    """The profile fields whose absence leaves ``condition`` undecided."""
    if truths[condition.node_id] is not None:
        return []
    if isinstance(condition, Leaf):
        return list(SOURCE_FIELDS.get(condition.fact, (condition.fact,)))
    return [fact for child in children(condition) for fact in unknown_facts(child, truths)]


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


_REQUIREMENT_TRUTH: dict[str, Truth] = {
    "eligible": True, "undetermined": None, "ineligible": False, "unavailable": False}


def assemble(catalog: Catalog, profile: Profile, as_of: dt.date, facts: Mapping[str, Any],
             truths: Mapping[str, Truth], requested: list[str] | None = None) -> Evaluation:
    """Verdicts for every brick from decided node truths.

    ``requested`` defaults to the profile's requests; when empty, every brick counts
    as requested (CONTRACT §4). Verdicts are computed for every brick, since a
    requested brick's verdict may depend on another's.
    """
    asked = list(requested if requested is not None else profile.requests)
    everything = not asked
    order = list(catalog.bricks)
    shown = tuple(order) if everything else tuple(b for b in order if b in set(asked))
    evaluation = Evaluation(catalog, profile, as_of, facts, truths, shown, everything)
    held = profile.held
    asked_set = set(shown)
    common = [_rule_reason(r.id, COMMON, r.source, r.citation, r.condition, truths)
              for r in catalog.common]

    def verdict(brick: Brick) -> Verdict:
        if brick.id in evaluation.verdicts:
            return evaluation.verdicts[brick.id]
        availability = truths[brick.availability_rule.node_id]
        reasons = [_rule_reason(brick.availability_rule.node_id, AVAILABILITY,
                                brick.availability.source, brick.availability.citation,
                                brick.availability_rule, truths), *common]
        missing: list[str] = [m for r in reasons for m in r.missing]
        for req in brick.requires:
            if req.brick in held:
                held_truth: Truth = True
            elif req.brick in asked_set:
                required = verdict(catalog.bricks[req.brick])
                held_truth = _REQUIREMENT_TRUTH[required.status]
                if held_truth is None:
                    missing += required.missing
            else:
                held_truth = False
            reasons.append(Reason(req.rule_id, REQUIREMENT, held_truth, req.source, req.citation,
                                  brick=req.brick))
        for rule in brick.conditions:
            reason = _rule_reason(rule.id, CONDITION, rule.source, rule.citation,
                                  rule.condition, truths)
            reasons.append(reason)
            missing += reason.missing
        result = Verdict(brick.id, status_of(availability, reasons), tuple(reasons),
                         tuple(r.brick for r in brick.requires), _unique(missing))
        evaluation.verdicts[brick.id] = result
        return result

    for brick in catalog.bricks.values():
        verdict(brick)
    return evaluation


def _rule_reason(rule_id: str, kind: str, source: str, citation: str, condition: Condition,
                 truths: Mapping[str, Truth]) -> Reason:
    return Reason(rule_id, kind, truths[condition.node_id], source, citation,
                  _unique(unknown_facts(condition, truths)))


def rule_text(catalog: Catalog, rule_id: str) -> tuple[Text | None, Text | None]:
    """The message and help of a catalog rule (None for generated rules)."""
    for rule in catalog.rules():
        if rule.id == rule_id:
            return rule.message, rule.help
    return None, None
