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
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from eligibility.catalog.conditions import Condition, Leaf, Truth, children, walk
from eligibility.catalog.memo import PerCatalog, per_catalog
from eligibility.catalog.model import Brick, Catalog, all_nodes
from eligibility.catalog.vocabulary import DERIVATIONS
from eligibility.errors import EXIT_FAILED, EXIT_OK  # CONTRACT §3
from eligibility.evaluation.plans import Plan
from eligibility.profile.facts import held_on
from eligibility.profile.model import Profile

Status = Literal["eligible", "ineligible", "undetermined", "unavailable"]
"""A brick's verdict (CONTRACT §3): ``unavailable`` under the convention or on the date,
else ``ineligible`` when a rule fails, else ``undetermined`` when one depends on an
unknown fact, else ``eligible``."""

RuleKind = Literal["availability", "common", "requirement", "condition"]
"""What a reason's rule is: the brick's availability, a rule common to every brick, a
required brick, or one of the brick's own conditions."""
# Rule kinds, in the order reasons are listed.
AVAILABILITY: RuleKind = "availability"
COMMON: RuleKind = "common"
REQUIREMENT: RuleKind = "requirement"
CONDITION: RuleKind = "condition"

EngineName = Literal["durable", "reference"]
ENGINES: tuple[EngineName, ...] = ("durable", "reference")


@dataclass(frozen=True)
class Reason:
    """One condition of a brick, decided: ``held`` is True, False or None (unknown)."""

    rule: str
    kind: RuleKind
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
    """The verdict on one brick: its status, the reasons (held, failed or unknown), the bricks
    it requires, the facts missing."""

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

    This is the hot path of the durable engine (issue 12): what depends on the catalog
    alone is prepared once (:class:`_Assembly`), and since reasons are frozen values,
    equal ones are shared between evaluations instead of being built again.
    """
    asked = requested if requested is not None else profile.requests
    everything = not asked
    if everything:
        requested_ids = tuple(catalog.bricks)
    else:
        asked_names = set(asked)
        requested_ids = tuple(b for b in catalog.bricks if b in asked_names)
    held = held_on(profile, as_of)
    evaluation = Evaluation(catalog, profile, as_of, facts, truths, requested_ids, everything,
                            held=held, show=shown_ids(catalog, show))
    _assembly(catalog).fill(evaluation.verdicts, as_of, truths, held, set(requested_ids),
                            only)
    return evaluation


_Key = tuple[int, Truth, tuple[str, ...]]
# what a requirement passes on: the required brick's truth, with its missing facts when
# unknown (its reason and the dependant's missing facts depend on nothing else)
_Passed = Truth | tuple[None, tuple[str, ...]]


class _Assembly:
    """What ``assemble`` needs of one catalog, prepared once: per brick, the slots of its
    reasons (rule id, kind, node, citation), and caches of the reasons and verdicts
    already built.

    A slot's reason depends only on its truth, its missing facts and, for a rule with a
    dated basis, the date's citation; a brick's verdict only on the truths of the nodes
    of its trees (availability, common rules, its conditions: the missing facts follow
    from them), what each requirement passes on, and the date. The caches are keyed by
    exactly these (per date), so a shared reason or verdict is equal, field for field,
    to the one the plain code would build; both are frozen values. ``reference.py``
    builds every verdict anew: the agreement tests hold this cache to account.
    """

    _MAX_DATES = 64      # citations cached for this many dates, then forgotten
    # reasons, verdicts and evaluations kept over all dates before starting again (about
    # 60 MB at most; an audit of communes with many subscription dates fills it)
    _MAX_KEPT = 100_000

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        # slot -> (rule id, kind, condition or None, dated rule or None, source, citation,
        # required brick)
        self.slots: list[tuple[str, RuleKind, Condition | None, Any, str, str, str | None]] = []
        self.common = [self._slot(r.id, COMMON, r.condition, r) for r in catalog.common]
        common_nodes = [n.node_id for r in catalog.common for n in walk(r.condition)]
        self.bricks: dict[str, _BrickSlots] = {}
        for brick in catalog.bricks.values():
            availability = self._slot(brick.availability_rule.node_id, AVAILABILITY,
                                      brick.availability_rule, None,
                                      brick.availability.source, brick.availability.citation)
            requirements = [(self._slot(req.rule_id, REQUIREMENT, None, None, req.source,
                                        req.citation, req.brick), req.brick)
                            for req in brick.requires]
            conditions = [self._slot(r.id, CONDITION, r.condition, r) for r in brick.conditions]
            node_ids = [n.node_id for n in walk(brick.availability_rule)] + common_nodes + [
                n.node_id for r in brick.conditions for n in walk(r.condition)]
            # a tuple of the truths of these nodes, whatever their number (itemgetter
            # of one key would return the bare value)
            truths_of = operator.itemgetter(*node_ids, *node_ids[:1])
            self.bricks[brick.id] = (brick, availability, requirements, conditions,
                                     tuple(r.brick for r in brick.requires), truths_of)
        every_node = list(dict.fromkeys(n.node_id for n in all_nodes(catalog)))
        self.all_truths = operator.itemgetter(*every_node, *every_node[:1])
        self.by_date: dict[dt.date, _DateMemo] = {}
        self.kept = 0  # entries in the memos of every date (counted after each fill)

    def _slot(self, rule_id: str, kind: RuleKind, condition: Condition | None, rule: Any,
              source: str = "", citation: str = "", brick: str | None = None) -> int:
        self.slots.append((rule_id, kind, condition, rule, source, citation, brick))
        return len(self.slots) - 1

    def _for_date(self, as_of: dt.date) -> _DateMemo:
        entry = self.by_date.get(as_of)
        if entry is None:
            if len(self.by_date) >= self._MAX_DATES:
                self.by_date.clear()
            cited = [rule.cited_at(as_of) if rule is not None else (source, citation)
                     for _, _, _, rule, source, citation, _ in self.slots]
            entry = self.by_date[as_of] = (cited, {}, {}, {})
        elif self.kept > self._MAX_KEPT:
            self.by_date.clear()
            self.kept = 0
            return self._for_date(as_of)
        return entry

    def fill(self, verdicts: dict[str, Verdict], as_of: dt.date, truths: Mapping[str, Truth],
             held: frozenset[str], asked: set[str], only: tuple[str, ...] | None) -> None:
        cited, cache, verdict_cache, whole_cache = self._for_date(as_of)
        whole = None
        if only is None:  # every brick: the same truths, holdings and asks give the same
            whole = (self.all_truths(truths), held, frozenset(asked))
            known = whole_cache.get(whole)
            if known is not None:
                verdicts.update(known)
                return
        slots = self.slots

        def reason(slot: int, truth: Truth) -> Reason:
            condition = slots[slot][2]
            missing = (() if truth is not None or condition is None
                       else _unique(unknown_facts(condition, truths)))
            key = (slot, truth, missing)
            found = cache.get(key)
            if found is None:
                rule_id, kind, _, _, _, _, brick = slots[slot]
                source, citation = cited[slot]
                found = cache[key] = Reason(rule_id, kind, truth, source, citation, missing,
                                            brick)
            return found

        common_reasons: list[list[Reason]] = []  # built on the first verdict not cached

        def build(brick_id: str, passed: tuple[_Passed, ...]) -> Verdict:
            if not common_reasons:
                common_reasons.append(
                    [reason(s, truths[slots[s][2].node_id]) for s in self.common])  # type: ignore[union-attr]
            common = common_reasons[0]
            brick, availability_slot, requirements, conditions, requires, _ = bricks[brick_id]
            availability = truths[brick.availability_rule.node_id]
            first = reason(availability_slot, availability)
            reasons = [first, *common]
            missing = [*first.missing, *(m for r in common for m in r.missing)]
            seen = {availability, *(r.held for r in common)}  # the truths among the reasons
            for (slot, _), given in zip(requirements, passed, strict=True):
                held_truth: Truth
                if isinstance(given, tuple):  # unknown: the required brick's missing facts
                    held_truth = None
                    missing += given[1]
                else:
                    held_truth = given
                seen.add(held_truth)
                reasons.append(reason(slot, held_truth))
            for slot in conditions:
                truth = truths[slots[slot][2].node_id]  # type: ignore[union-attr]
                found = reason(slot, truth)
                seen.add(truth)
                reasons.append(found)
                missing += found.missing
            # unavailable beats ineligible beats undetermined (``Status``)
            status: Status = ("unavailable" if availability is False else
                              "ineligible" if False in seen else
                              "undetermined" if None in seen else "eligible")
            return Verdict(brick_id, status, tuple(reasons), requires,
                           _unique(missing) if missing else ())

        bricks = self.bricks

        def verdict(brick_id: str) -> Verdict:
            done = verdicts.get(brick_id)
            if done is not None:
                return done
            slots_of = bricks[brick_id]
            passed: list[_Passed] = []
            for _, required in slots_of[2]:
                if required in held or required in asked:
                    other = verdict(required)
                    truth = _REQUIREMENT_TRUTH[other.status]
                    passed.append((None, other.missing) if truth is None else truth)
                else:
                    passed.append(False)
            key = (brick_id, slots_of[5](truths), *passed)
            found = verdict_cache.get(key)
            if found is None:
                found = verdict_cache[key] = build(brick_id, tuple(passed))
            verdicts[brick_id] = found
            return found

        before = len(cache) + len(verdict_cache) + len(whole_cache)
        for brick_id in (bricks if only is None else only):
            verdict(brick_id)
        if whole is not None:
            whole_cache[whole] = dict(verdicts)
        self.kept += len(cache) + len(verdict_cache) + len(whole_cache) - before


# per date: the citations of the slots, and the reasons, verdicts and whole evaluations
# (every brick's verdict) already built
_DateMemo = tuple[list[tuple[str, str]], dict[_Key, Reason], dict[Any, Verdict],
                  dict[Any, dict[str, Verdict]]]
# per brick: the brick, its availability slot, (slot, required brick) per requirement,
# its condition slots, the bricks it requires, and the truths its verdict depends on
_BrickSlots = tuple[Brick, int, list[tuple[int, str]], list[int], tuple[str, ...],
                    Callable[[Mapping[str, Truth]], tuple[Truth, ...]]]


_ASSEMBLIES: PerCatalog[_Assembly] = {}


def _assembly(catalog: Catalog) -> _Assembly:
    """The prepared assembly of ``catalog``, built once (a catalog never changes once loaded)."""
    return per_catalog(_ASSEMBLIES, catalog, _Assembly)


def forget_shared_verdicts(catalog: Catalog) -> None:
    """Empty the memos ``assemble`` keeps for ``catalog``: the next evaluations meet their
    truths for the first time (a benchmark's fresh start; nothing else needs it)."""
    assembly = _assembly(catalog)
    assembly.by_date.clear()
    assembly.kept = 0


