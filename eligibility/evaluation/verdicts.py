"""Verdicts: plain data, and how node truths become them.

``assemble`` is the production path: an engine has decided every condition node
(see ``engine.DurableEngine.decide``), and this turns those truths into one
verdict per brick, following requirements between bricks. ``reference.py``
computes the same verdicts the simplest way, as an executable specification.

Two design decisions (issue 8). A requirement rests on a *valid* brick: a held
brick that fails its own conditions does not carry the bricks that rely on it (the
law cited for VSI only allows images from authorised systems); the dependent brick
then fails with the required brick's reasons as its chain of because. And what is
*shown* (``--brick``) is kept apart from what is *asked for* (the profile's
``requests``): choosing what to look at never changes a verdict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from eligibility.catalog.conditions import Condition, Leaf, Truth, children
from eligibility.catalog.model import Brick, Catalog, Text
from eligibility.catalog.vocabulary import DERIVATIONS
from eligibility.evaluation.plans import Plan
from eligibility.profile.facts import held_on
from eligibility.profile.model import Profile, Status

# Rule kinds, in the order reasons are listed.
AVAILABILITY, COMMON, REQUIREMENT, CONDITION = "availability", "common", "requirement", "condition"

EngineName = Literal["durable", "reference"]
ENGINES: tuple[EngineName, ...] = ("durable", "reference")

# CONTRACT §3: the exit codes of check and explain.
EXIT_OK, EXIT_FAILED = 0, 1


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


@dataclass(frozen=True)
class Evaluation:
    """Everything decided about one commune on one date, as plain data.

    ``verdicts`` holds every brick's verdict (filled in once, by the evaluator);
    ``plans`` the checked plan of each brick shown that is ineligible or unavailable
    (filled in once by ``check.check``, with ``engine``: renderers never plan).
    """

    catalog: Catalog
    profile: Profile
    as_of: dt.date
    facts: Mapping[str, Any]
    truths: Mapping[str, Truth]
    requested: tuple[str, ...]  # what was asked for, in catalog order
    everything_requested: bool
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    held: frozenset[str] = frozenset()  # the bricks held on ``as_of`` (facts.held_on)
    show: tuple[str, ...] | None = None  # the verdicts to show (``--brick``), catalog order
    engine: EngineName = "durable"  # the evaluator that decided it; plans re-check with it
    plans: dict[str, Plan] = field(default_factory=dict)

    @property
    def convention(self) -> str | None:
        return self.facts.get("convention.in_force")

    def shown(self) -> list[Verdict]:
        """The verdicts to show: those chosen (``--brick``), else the bricks asked for
        (all of them when none was). Choosing never changes a verdict."""
        return [self.verdicts[b] for b in (self.show if self.show is not None
                                            else self.requested)]

    def failed(self) -> bool:
        """CONTRACT §3: a brick shown that was asked for (``requests`` or ``--brick``) is
        not eligible; when none was asked for, a brick that exists for the commune is
        ineligible or undetermined (an unavailable one is no failure then)."""
        if self.everything_requested and self.show is None:
            return any(v.status in ("ineligible", "undetermined") for v in self.shown())
        return any(v.status != "eligible" for v in self.shown())

    def exit_code(self) -> int:
        """The exit code of ``check`` and ``explain`` for this evaluation (CONTRACT §3)."""
        return EXIT_FAILED if self.failed() else EXIT_OK


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
        return list(DERIVATIONS.get(condition.fact, (condition.fact,)))
    return [fact for child in children(condition) for fact in unknown_facts(child, truths)]


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


_REQUIREMENT_TRUTH: dict[str, Truth] = {
    "eligible": True, "undetermined": None, "ineligible": False, "unavailable": False}


def shown_ids(catalog: Catalog, show: list[str] | None) -> tuple[str, ...] | None:
    """The bricks chosen for display, in catalog order (None: no choice made)."""
    if show is None:
        return None
    chosen = set(show)
    return tuple(b for b in catalog.bricks if b in chosen)


def assemble(catalog: Catalog, profile: Profile, as_of: dt.date, facts: Mapping[str, Any],
             truths: Mapping[str, Truth], requested: list[str] | None = None,
             show: list[str] | None = None, only: tuple[str, ...] | None = None) -> Evaluation:
    """Verdicts for every brick from decided node truths.

    ``requested`` (what the commune asks for) defaults to the profile's requests; when
    empty, every brick counts as requested (CONTRACT §4). ``show`` only chooses the
    verdicts ``shown()`` returns. Verdicts are computed for every brick, since a
    brick's verdict may depend on another's; ``only`` (a plan's re-check) limits them to
    these bricks and those they require.

    A requirement rests on a valid brick: it holds when the required brick is held on
    the date (``held_on``) or asked for, *and* that brick is eligible itself (unknown
    when it is undetermined); otherwise it fails.
    """
    asked = list(requested if requested is not None else profile.requests)
    everything = not asked
    order = list(catalog.bricks)
    requested_ids = tuple(order) if everything else tuple(b for b in order if b in set(asked))
    held = held_on(profile, as_of)
    evaluation = Evaluation(catalog, profile, as_of, facts, truths, requested_ids, everything,
                            held=held, show=shown_ids(catalog, show))
    asked_set = set(requested_ids)
    # A rule's source and citation are those in force at the date (a temporary law).
    common = [_rule_reason(r.id, COMMON, *r.cited_at(as_of), r.condition, truths)
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
            if req.brick in held or req.brick in asked_set:
                required = verdict(catalog.bricks[req.brick])
                held_truth: Truth = _REQUIREMENT_TRUTH[required.status]
                if held_truth is None:
                    missing += required.missing
            else:
                held_truth = False
            reasons.append(Reason(req.rule_id, REQUIREMENT, held_truth, req.source, req.citation,
                                  brick=req.brick))
        for rule in brick.conditions:
            reason = _rule_reason(rule.id, CONDITION, *rule.cited_at(as_of),
                                  rule.condition, truths)
            reasons.append(reason)
            missing += reason.missing
        result = Verdict(brick.id, status_of(availability, reasons), tuple(reasons),
                         tuple(r.brick for r in brick.requires), _unique(missing))
        evaluation.verdicts[brick.id] = result
        return result

    for brick in (catalog.bricks.values() if only is None else
                  (catalog.bricks[b] for b in only)):
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
