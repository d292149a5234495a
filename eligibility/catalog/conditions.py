"""The condition language of the catalog, as plain data, and its three-valued meaning.

A condition is a tree: leaves test one fact, ``All``/``Any``/``Not`` combine them.
Facts the profile leaves out are *unknown*: a leaf on an unknown fact is ``None``
and the combinators follow Kleene's strong three-valued logic (``False`` wins in
``All``, ``True`` wins in ``Any``). This module is the executable meaning of one
condition; the durable-rules adapter must agree with it node for node.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard, Union, get_args

Truth = bool | None
"""Three-valued truth: True (holds), False (fails), None (depends on unknown facts)."""

Operator = Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "includes", "excludes"]
OPERATORS: tuple[Operator, ...] = get_args(Operator)


NEGATED: dict[Operator, Operator] = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt",
                                     "le": "gt", "gt": "le", "in": "not_in", "not_in": "in"}
"""The operator of the opposite test, for each test on one value (``not includes (a, b)``
is no single test: it is ``excludes a`` or ``excludes b``)."""


def is_operator(name: object) -> TypeGuard[Operator]:
    """Whether ``name`` (read from a file) is an operator of the condition language."""
    return name in OPERATORS


@dataclass(frozen=True)
class Leaf:
    """One test on one fact. ``value`` is a scalar, or a tuple for in/not_in/includes/excludes.

    Ordered levels (fibre) are compared by rank: ``rank`` maps each level to its place.
    """

    node_id: str
    fact: str
    op: Operator
    value: Any
    rank: Mapping[str, int] | None = None


@dataclass(frozen=True)
class All:
    node_id: str
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class Any_:
    node_id: str
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    node_id: str
    child: Condition


Condition = Union[Leaf, All, Any_, Not]  # noqa: UP007 - a runtime alias of forward refs


def evaluate_leaf(leaf: Leaf, facts: Mapping[str, Any]) -> Truth:
    """The leaf's truth on ``facts`` (a fact absent from the mapping is unknown)."""
    if leaf.fact not in facts:
        return None
    actual = facts[leaf.fact]
    op, expected = leaf.op, leaf.value
    if op == "includes":
        return all(v in actual for v in expected)
    if op == "excludes":
        return not any(v in actual for v in expected)
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    if leaf.rank is not None:
        actual, expected = leaf.rank[actual], leaf.rank[expected]
    # Facts are plain values (numbers, strings, ranks): each comparison gives a bool.
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if op == "lt":
        return bool(actual < expected)
    if op == "le":
        return bool(actual <= expected)
    if op == "gt":
        return bool(actual > expected)
    if op == "ge":
        return bool(actual >= expected)
    raise ValueError(f"unknown operator {op!r}")


def evaluate(condition: Condition, facts: Mapping[str, Any], out: dict[str, Truth]) -> Truth:
    """Evaluate ``condition`` in three-valued logic, recording every node's truth in ``out``."""
    if isinstance(condition, Leaf):
        value = evaluate_leaf(condition, facts)
    elif isinstance(condition, Not):
        inner = evaluate(condition.child, facts, out)
        value = None if inner is None else not inner
    else:
        values = [evaluate(child, facts, out) for child in condition.children]
        decisive = isinstance(condition, Any_)  # True decides an Any, False decides an All
        if decisive in values:
            value = decisive
        elif None in values:
            value = None
        else:
            value = not decisive
    out[condition.node_id] = value
    return value


def children(condition: Condition) -> tuple[Condition, ...]:
    if isinstance(condition, Not):
        return (condition.child,)
    if isinstance(condition, (All, Any_)):
        return condition.children
    return ()


def walk(condition: Condition) -> Iterator[Condition]:
    """Every node of the tree, parents before children."""
    yield condition
    for child in children(condition):
        yield from walk(child)


def leaves(condition: Condition) -> Iterator[Leaf]:
    return (node for node in walk(condition) if isinstance(node, Leaf))
