"""Can a condition ever hold? Reasoning over the facts' domains, not sampling.

``rules lint`` asks three questions of the catalog's conditions: is a condition
*satisfiable* (some profile makes it hold), does one condition *imply* another
(the second is then redundant next to the first), and does a condition *always*
hold. All three reduce to satisfiability of a conjunction of conditions.

How it decides. A condition is first put in negation normal form: ``not`` is pushed
down to the tests, where it flips the operator (``ge`` ↔ ``lt``, ``in`` ↔
``not_in``…; a negated ``includes [a, b]`` becomes ``any`` of ``excludes [a]``,
``excludes [b]``). Then a depth-first search walks the tree keeping, for each
fact, the abstract set of values still possible:

* finite domains (booleans, enums, ordered levels such as the fibre, the
  convention versions): the explicit set of values;
* counts (integers >= 0) and amounts (reals >= 0): an interval with open or closed
  ends, minus a finite set of excluded points;
* free text (``commune.epci``): an optional finite set of allowed values and a
  finite set of excluded ones (the domain itself is infinite);
* sets (``vsi.use_cases``): for each element, whether it must be in or out.

A test narrows its fact's set; an empty set closes the branch; ``any`` branches.
Facts are taken as independent, which over-approximates the profiles (e.g. the
derived ``convention.applicable`` equals ``convention.in_force`` once something is
signed): so "unsatisfiable" is always true when said, and "satisfiable" may be
optimistic. Every conclusion lint draws from "unsatisfiable" (dead, implied,
tautology) is therefore sound. Three-valued logic does not enter: a condition holds
for some profile iff it holds for some profile where every fact it reads is known.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from eligibility.catalog.conditions import (
    NEGATED,
    All,
    Any_,
    Condition,
    Leaf,
    Not,
    Operator,
    evaluate_leaf,
)

if TYPE_CHECKING:
    from eligibility.catalog.model import Catalog

# Branches explored before the search gives up and answers "satisfiable" (the safe
# answer: lint then reports nothing). Real catalogs need a handful.
BUDGET = 100_000


# --- abstract values: what a fact may still be -----------------------------------------

@dataclass(frozen=True)
class Finite:
    """A fact with a finite domain: the values still possible."""

    allowed: frozenset[Any]

    def narrow(self, leaf: Leaf) -> Finite:
        return Finite(frozenset(v for v in self.allowed if evaluate_leaf(leaf, {leaf.fact: v})))

    @property
    def empty(self) -> bool:
        return not self.allowed


@dataclass(frozen=True)
class Text:
    """A free string: ``allowed`` (None: any string) less ``excluded``."""

    allowed: frozenset[str] | None = None
    excluded: frozenset[str] = frozenset()

    def narrow(self, leaf: Leaf) -> Text:
        values = frozenset(leaf.value if isinstance(leaf.value, tuple) else (leaf.value,))
        if leaf.op in ("eq", "in"):
            allowed = values if self.allowed is None else self.allowed & values
            return replace(self, allowed=allowed)
        return replace(self, excluded=self.excluded | values)

    @property
    def empty(self) -> bool:
        return self.allowed is not None and self.allowed <= self.excluded


@dataclass(frozen=True)
class Interval:
    """A number >= 0 between ``lo`` and ``hi`` (strict or not), less ``excluded`` points.

    ``integer`` for counts: only whole numbers are possible.
    """

    integer: bool
    lo: float = 0.0
    lo_strict: bool = False
    hi: float = math.inf
    hi_strict: bool = False
    excluded: frozenset[float] = frozenset()

    def narrow(self, leaf: Leaf) -> Interval:
        op, v = leaf.op, float(leaf.value)
        if op == "ne":
            return replace(self, excluded=self.excluded | {v})
        result = self
        if op in ("eq", "ge", "gt"):
            strict = op == "gt"
            if v > result.lo or (v == result.lo and strict):
                result = replace(result, lo=v, lo_strict=strict)
        if op in ("eq", "le", "lt"):
            strict = op == "lt"
            if v < result.hi or (v == result.hi and strict):
                result = replace(result, hi=v, hi_strict=strict)
        return result

    def _int_bounds(self) -> tuple[float, float]:
        """The least and greatest whole numbers inside (``hi`` may be infinite)."""
        lo = math.floor(self.lo) + 1 if self.lo_strict and self.lo.is_integer() \
            else math.ceil(self.lo)
        if math.isinf(self.hi):
            return lo, math.inf
        hi = math.ceil(self.hi) - 1 if self.hi_strict and self.hi.is_integer() \
            else math.floor(self.hi)
        return lo, hi

    @property
    def empty(self) -> bool:
        if self.integer:
            lo, hi = self._int_bounds()
            if math.isinf(hi):
                return False
            inside = sum(1 for x in self.excluded if x.is_integer() and lo <= x <= hi)
            return hi < lo or hi - lo + 1 <= inside
        if math.isinf(self.hi) or self.lo < self.hi:
            return False  # an open interval of reals is never used up by finitely many points
        if self.lo > self.hi:
            return True
        return self.lo_strict or self.hi_strict or self.lo in self.excluded

    def upward_closed(self) -> bool:
        """Whether every larger number than a possible one is possible too (vacuously so
        when none is possible)."""
        if self.empty:
            return True
        if not math.isinf(self.hi):
            return False
        if self.integer:
            lo, _ = self._int_bounds()
            while lo in self.excluded:  # ne 0 on a count is ge 1
                lo += 1
            return not any(x > lo for x in self.excluded)
        return not any(x > self.lo for x in self.excluded)

    def downward_closed(self) -> bool:
        """Whether every smaller number (>= 0) than a possible one is possible too, for a
        fact whose better direction is less (vacuously so when none is possible)."""
        if self.empty:
            return True
        if self.lo > 0 or self.lo_strict:
            return False
        if self.integer:
            _, hi = self._int_bounds()
            while hi in self.excluded:  # ne 3 on a count at most 3 is at most 2
                hi -= 1
            return not any(x < hi for x in self.excluded)
        return not any(x < self.hi for x in self.excluded)


@dataclass(frozen=True)
class Members:
    """A set fact: elements that must be in it, elements that must be out."""

    inside: frozenset[str] = frozenset()
    outside: frozenset[str] = frozenset()

    def narrow(self, leaf: Leaf) -> Members:
        values = frozenset(leaf.value)
        if leaf.op == "includes":
            return replace(self, inside=self.inside | values)
        return replace(self, outside=self.outside | values)

    @property
    def empty(self) -> bool:
        return bool(self.inside & self.outside)


Abstract = Finite | Text | Interval | Members


def domain(fact: str, catalog: Catalog) -> Abstract:
    """Every value ``fact`` may take in a profile, as an abstract value."""
    spec = catalog.facts.get(fact)
    if spec is None:
        raise ValueError(f"unknown fact {fact!r}")
    if spec.kind == "bool":
        return Finite(frozenset({False, True}))
    if spec.kind in ("count", "amount"):
        return Interval(integer=spec.kind == "count")
    if spec.kind == "text":
        return Text()
    if spec.kind == "set":
        return Members()
    return Finite(frozenset(spec.values))


# --- negation normal form --------------------------------------------------------------

def negate(condition: Condition) -> Condition:
    """``not condition``, as a tree."""
    return Not(f"~{condition.node_id}", condition)


def nnf(condition: Condition, positive: bool = True) -> Condition:
    """The condition (or its negation) with ``not`` pushed into the tests.

    Valid for known facts, which is all satisfiability looks at.
    """
    if isinstance(condition, Not):
        return nnf(condition.child, not positive)
    if isinstance(condition, (All, Any_)):
        kids = tuple(nnf(c, positive) for c in condition.children)
        keep = type(condition) if positive else (Any_ if isinstance(condition, All) else All)
        return keep(condition.node_id, kids)
    if positive:
        return condition
    if condition.op in NEGATED:
        return Leaf(condition.node_id, condition.fact, NEGATED[condition.op], condition.value,
                    condition.rank)
    # Not (all of the values included) = one of them excluded, and the other way round.
    flipped: Operator = "excludes" if condition.op == "includes" else "includes"
    return Any_(condition.node_id, tuple(
        Leaf(condition.node_id, condition.fact, flipped, (v,), condition.rank)
        for v in condition.value))


# --- the search ------------------------------------------------------------------------

class _OutOfBudget(Exception):
    pass


class _Search:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.steps = 0

    def run(self, pending: list[Condition], store: dict[str, Abstract],
            ) -> dict[str, Abstract] | None:
        """A store of possible values under which every pending condition holds, or None."""
        pending = list(pending)
        while pending:
            self.steps += 1
            if self.steps > BUDGET:
                raise _OutOfBudget
            # Tests and conjunctions first: they narrow before any branching.
            index = next((i for i, c in enumerate(pending) if not isinstance(c, Any_)),
                         len(pending) - 1)
            node = pending.pop(index)
            if isinstance(node, Leaf):
                current = store.get(node.fact) or domain(node.fact, self.catalog)
                narrowed = current.narrow(node)
                if narrowed.empty:
                    return None
                store = {**store, node.fact: narrowed}
            elif isinstance(node, All):
                pending.extend(node.children)
            elif isinstance(node, Any_):
                for child in node.children:
                    found = self.run([*pending, child], store)
                    if found is not None:
                        return found
                return None
            else:  # a Not survives only if nnf was skipped
                pending.append(nnf(node))
        return store


def satisfiable(conditions: Iterable[Condition], catalog: Catalog) -> bool:
    """Whether some profile makes every condition hold at once."""
    search = _Search(catalog)
    try:
        return search.run([nnf(c) for c in conditions], {}) is not None
    except _OutOfBudget:
        return True  # undecided: the answer that reports nothing


def implies(premise: Condition | Sequence[Condition], conclusion: Condition,
            catalog: Catalog) -> bool:
    """Whether every profile where ``premise`` holds makes ``conclusion`` hold."""
    premises = list(premise) if isinstance(premise, Sequence) else [premise]
    return not satisfiable([*premises, negate(conclusion)], catalog)


def always(condition: Condition, catalog: Catalog) -> bool:
    """Whether the condition holds for every profile that gives its facts."""
    return not satisfiable([negate(condition)], catalog)


def unsat_core(conditions: Sequence[Condition], catalog: Catalog) -> list[int]:
    """Indices of a smallest-by-deletion subset of ``conditions`` that cannot hold together.

    Each condition is dropped in turn and kept out when the rest still cannot hold:
    what remains names the conditions that contradict each other. Call it only on an
    unsatisfiable list.
    """
    core = list(range(len(conditions)))
    for index in list(core):
        trial = [i for i in core if i != index]
        if trial and not satisfiable([conditions[i] for i in trial], catalog):
            core = trial
    return core


def upward_closed(leaf: Leaf, catalog: Catalog, positive: bool = True) -> bool | None:
    """Whether a test (or its negation) that holds keeps holding as its fact gets better.

    Better is more fibre, Gecko and authorisations gained, more equipment or money (a
    count whose ``better`` is ``less``, such as fixed lines to share, the other way).
    None for facts without such an order (enums, text, sets).
    """
    spec = catalog.facts.get(leaf.fact)
    if spec is None or spec.kind not in ("bool", "level", "count", "amount"):
        return None
    test = nnf(leaf, positive)
    assert isinstance(test, Leaf)  # a scalar test negates to one test
    if spec.kind in ("count", "amount"):
        narrowed = domain(leaf.fact, catalog).narrow(test)
        if not isinstance(narrowed, Interval):
            return False
        # Better is more, unless the fact says less (fixed lines asking for a network).
        return narrowed.downward_closed() if spec.better == "less" else \
            narrowed.upward_closed()
    order: list[Any] = [False, True] if spec.kind == "bool" else list(spec.values)
    holds = [bool(evaluate_leaf(test, {leaf.fact: v})) for v in order]
    # upward closed: once it holds, it holds for every better value
    first = holds.index(True) if True in holds else len(holds)
    return all(holds[first:])
