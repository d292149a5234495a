"""The durable-rules adapter: every leaf condition of the catalog decided by the rule engine.

This is the only module that imports durable-rules (2.0.28, C module
``durable_rules_engine``). It drives the C module directly, as
``durable.engine.Ruleset`` does, without ``durable.engine.Host`` (whose background
threads lose results) and without running Python actions.

Compilation. Every *leaf* ``n`` of the catalog becomes two single-fact rules: ``T(n)``
matches iff the leaf holds, ``F(n)`` iff it fails; an unknown leaf matches neither
(a comparison on a missing key is false in durable, ``$neq`` too, so each test is
written on a present key). Leaves making the same test (same patterns: the bricks
share fibre levels, convention versions...) share one pair of rules, whose outcome
decides each of them (the shipped catalog: 36 leaves, 16 distinct tests, 38 rules).
Facts are flattened into one durable fact of scalar keys: a level becomes its rank,
an enum/text value an integer code (index among the strings the rules name, -1 for
any other), a set one boolean key per value the rules name, a bool stays a bool, a
number stays a number (clamped to +-2**53, written so durable parses it). Only keys
some rule reads are sent. No string ever reaches durable. Keys are short (``k0``,
``k1``...): durable sends the whole fact back with every fired rule.

What moved out of durable (issue 12), and why. durable decides every leaf; the
``all``/``any``/``not`` nodes above them are combined in Python by code compiled from
the catalog once (:func:`_combiner`, Kleene's logic as ``conditions.evaluate``), and
``evaluation.verdicts.assemble`` turns the truths into verdicts. Each
rule that fires costs one action (a result serialised by the C code and read back),
and a rule per combinator fired about 40 actions per profile where the leaves need
about 30; the combinators' own rules only repeated what their leaves had decided.
With one pair of rules per distinct test, a profile now fires about 14.

Evaluation. One fact per ruleset, asserted in a state kept from one profile to the
next (creating a state clears a large node: it cost more than the matching) with its
own ``id``, then retracted; after any failure the state is dropped. The fired rule
names are read from ``start_action_for_state`` / ``complete_and_start_action``. A
lowest-priority catch-all rule matches every fact, so no state is ever deleted
without a fired rule (that segfaults). The answer is checked before it is used: the
catch-all fired exactly once, a leaf on a present fact is decided, on an absent fact
is not, T and F never both; otherwise :class:`EngineError`.

Limits of durable-rules 2.0.28 measured for this module (CPython 3.11):

* at most 64 rule matches per asserted fact, else error 303 on ``assert_fact``; an
  ``$or`` matches once per true branch (so a leaf's ``$or`` is split into one rule per
  branch);
* an alpha node with more than 512 distinct children makes ``create_ruleset`` loop
  forever (the GIL held: the process hangs), e.g. 513 rules testing one key;
* at most 15 ``$and``/``$or`` per pattern (error 113);
* at most 253 properties per fact, ``sid`` included (error 302);
* property names are identified by their 32-bit FNV-1a hash only: two names with the
  same hash are silently the same property (both rules fire, twice);
* a number is parsed as an int up to the first non-digit unless it has a fraction:
  ``1e-07`` is a parse error (204); ``1.0e-07`` is read right.

Leaves are therefore split over as many rulesets ("chunks") as needed to keep each
within these limits, with margins; the shipped catalog needs one.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import durable_rules_engine as _dre

from eligibility.catalog.conditions import All, Any_, Condition, Leaf, Not, Truth, walk
from eligibility.errors import EXIT_SOFTWARE, EligibilityError

if TYPE_CHECKING:
    from eligibility.catalog.model import Catalog

__all__ = ["DurableEngine", "EngineError", "engine_for"]


class EngineError(EligibilityError, RuntimeError):
    """durable-rules failed or gave an inconsistent answer: no result can be trusted.

    An internal failure, not the user's input: exit 70 (EX_SOFTWARE). Still a
    ``RuntimeError`` for callers that catch the engine's failures by that name.
    """

    exit_code = EXIT_SOFTWARE


# --- limits (measured values minus a margin) -----------------------------------------

_MAX_MATCHES = 60            # per fact and ruleset, catch-all excluded (durable: 64 in all)
_MAX_OPERATORS = 15          # $and/$or per pattern (durable: error 113 at 16)
_MAX_ALPHA_CHILDREN = 480    # per alpha node (durable: a 513th child hangs forever)
_MAX_NEX_CHILDREN = 120      # $nex/forward children per alpha node (durable: 128)
_MAX_BETAS = 240             # rules ending on one alpha node (durable: 256)
_MAX_KEYS = 240              # flattened keys per fact (durable: 253 with sid)
_MAX_RULES = 1000            # rules per ruleset
_SAFE = 2 ** 53              # numbers beyond are clamped; thresholds must be below
_RESERVED = ("sid", "id", "$s", "$m", "$forward")
_MARKER = "_q"               # sent in every fact: the catch-all rule tests it
_CATCH_ALL = "c"
_OK, _NOT_HANDLED, _OBSERVED = 0, 1, 2

# --- single-fact patterns ------------------------------------------------------------
# ("cmp", op, key, value): op is "eq" (written {key: value}) or a durable operator;
# ("and", parts) / ("or", parts); NEVER: a pattern no fact matches (the rule is left out).

Pattern = tuple[Any, ...]
NEVER: Pattern = ("never",)


def _cmp(op: str, key: str, value: Any) -> Pattern:
    return ("cmp", op, key, value)


def _combine(kind: str, parts: Iterable[Pattern]) -> Pattern:
    flat: list[Pattern] = []
    for part in parts:
        if part == NEVER:
            if kind == "and":
                return NEVER
            continue
        for sub in (part[1] if part[0] == kind else (part,)):
            if sub not in flat:
                flat.append(sub)
    if not flat:
        return NEVER  # an empty $or; an empty $and cannot happen (a leaf always tests a key)
    return flat[0] if len(flat) == 1 else (kind, tuple(flat))


def _and(parts: Iterable[Pattern]) -> Pattern:
    return _combine("and", parts)


def _or(parts: Iterable[Pattern]) -> Pattern:
    return _combine("or", parts)


def _operators(pattern: Pattern) -> int:
    if pattern[0] in ("and", "or"):
        return 1 + sum(_operators(p) for p in pattern[1])
    return 0


def _matches(pattern: Pattern) -> int:
    """An upper bound of the matches one fact can make (an $or matches once per true branch)."""
    if pattern == NEVER:
        return 0
    if pattern[0] == "cmp":
        return 1
    if pattern[0] == "and":
        return math.prod(_matches(p) for p in pattern[1])
    total, equalities = 0, set()
    for part in pattern[1]:
        if part[0] == "cmp" and part[1] == "eq":  # equalities on one key exclude each other
            if part[2] not in equalities:
                equalities.add(part[2])
                total += 1
        else:
            total += _matches(part)
    return total


def _keys(pattern: Pattern) -> set[str]:
    if pattern[0] == "cmp":
        return {pattern[2]}
    if pattern[0] in ("and", "or"):
        return set().union(*(_keys(p) for p in pattern[1]))
    return set()


def _number_text(value: int | float) -> str:
    """A number as durable's parser reads it: a float always has a fraction before 'e'."""
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    if not math.isfinite(value):
        raise ValueError(f"cannot send {text} to durable-rules")
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"
    return text


def _to_json(value: Any) -> str:
    """JSON for durable-rules (``json.dumps`` writes ``1e-07``, which durable misreads)."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_to_json(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number_text(value)
    if isinstance(value, str):
        return json.dumps(value)
    raise TypeError(f"cannot write {value!r} for durable-rules")


def _pattern_json(pattern: Pattern) -> dict[str, Any]:
    if pattern[0] == "cmp":
        _, op, key, value = pattern
        return {key: value} if op == "eq" else {op: {key: value}}
    return {"$" + pattern[0]: [_pattern_json(p) for p in pattern[1]]}


def _fnv1a(text: str) -> int:
    value = 2166136261
    for byte in text.encode():
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


# --- facts: how each fact the rules read is flattened ---------------------------------

Encoding = Literal["bool", "number", "level", "code", "set"]
"""How a fact's values are sent: as is (bool, number), as a rank (level), as a code
(strings: enum, text) or as one bool key per member (set)."""


@dataclass
class _Field:
    """One fact path: its kind, its durable key(s) and the encoding of its values."""

    path: str
    kind: Encoding
    key: str
    rank: Mapping[str, int] | None = None
    codes: dict[str, int] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=dict)  # set value -> its bool key
    presence: bool = False          # a set read by an empty includes/excludes: send key too

    def durable_keys(self) -> list[str]:
        if self.kind == "set":
            return [*self.members.values(), *([self.key] if self.presence else [])]
        return [self.key]

    def encode(self, value: Any) -> str:
        """The ``"key":value`` pairs of this fact, comma-separated, after validating it."""
        kind = self.kind
        if kind == "bool":
            if not isinstance(value, bool):
                raise TypeError(f"fact {self.path}: expected true or false, got {value!r}")
            return f'"{self.key}":{"true" if value else "false"}'
        if kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"fact {self.path}: expected a number, got {value!r}")
            if value != value:
                raise ValueError(f"fact {self.path}: NaN is not a value (leave the fact out)")
            if value > _SAFE:
                value = _SAFE
            elif value < -_SAFE:
                value = -_SAFE
            return f'"{self.key}":{_number_text(value)}'
        if kind == "level":
            assert self.rank is not None
            rank = self.rank.get(value) if isinstance(value, str) else None
            if rank is None:
                raise ValueError(f"fact {self.path}: unknown level {value!r} "
                                 f"(expected one of: {', '.join(self.rank)})")
            return f'"{self.key}":{rank}'
        if kind == "code":
            if not isinstance(value, str):
                raise TypeError(f"fact {self.path}: expected a string, got {value!r}")
            return f'"{self.key}":{self.codes.get(value, -1)}'
        if isinstance(value, (str, bytes)) or not isinstance(
                value, (set, frozenset, list, tuple)):
            raise TypeError(f"fact {self.path}: expected a set of values, got {value!r}")
        pairs = [f'"{key}":{"true" if member in value else "false"}'
                 for member, key in self.members.items()]
        if self.presence:
            pairs.append(f'"{self.key}":true')
        return ",".join(pairs)


_KINDS = {"bool": "bool", "count": "number", "amount": "number", "level": "level",
          "enum": "code", "text": "code", "set": "set"}


def _infer_kind(path: str, leaves: list[Leaf]) -> Encoding:
    """The encoding of a fact, from the tests the rules make on it."""
    ops = {leaf.op for leaf in leaves}
    if ops & {"includes", "excludes"}:
        if not ops <= {"includes", "excludes"}:
            raise ValueError(f"fact {path}: set operators mixed with {sorted(ops)}")
        return "set"
    if any(leaf.rank is not None for leaf in leaves):
        return "level"
    values = [v for leaf in leaves
              for v in (leaf.value if leaf.op in ("in", "not_in") else (leaf.value,))]
    if values and all(isinstance(v, bool) for v in values):
        return "bool"
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "number"
    if all(isinstance(v, str) for v in values):
        return "code"
    raise ValueError(f"fact {path}: cannot tell its kind from the values {values!r}")


def _key_for(path: str, taken: dict[int, str]) -> str:
    """A short durable key for ``path`` (``k0``, ``k1``, ...): every fired rule sends the
    whole fact back as JSON, so key length is paid once per action (issue 12). The
    path each key stands for is in the engine's fields (``_Field.path``). ``taken``
    holds the FNV-1a hashes already used: durable knows a property by its hash alone,
    so a key whose hash is taken is skipped."""
    n = len(taken)
    while _fnv1a(f"k{n}") in taken:
        n += 1
    key = f"k{n}"
    taken[_fnv1a(key)] = key
    return key


def _build_fields(leaves: list[Leaf]) -> dict[str, _Field]:
    by_path: dict[str, list[Leaf]] = {}
    for leaf in leaves:
        by_path.setdefault(leaf.fact, []).append(leaf)
    taken: dict[int, str] = {_fnv1a(name): name for name in (*_RESERVED, _MARKER)}
    fields: dict[str, _Field] = {}
    for path, group in by_path.items():
        kind = _infer_kind(path, group)
        spec_field = _Field(path, kind, _key_for(path, taken))
        if kind == "level":
            ranks = {tuple(sorted(leaf.rank.items())) for leaf in group if leaf.rank is not None}
            if len(ranks) != 1 or any(leaf.rank is None for leaf in group):
                raise ValueError(f"fact {path}: its leaves disagree on the order of levels")
            spec_field.rank = dict(next(iter(ranks)))
        elif kind == "code":
            strings = sorted({v for leaf in group for v in
                              (leaf.value if leaf.op in ("in", "not_in") else (leaf.value,))})
            spec_field.codes = {s: i for i, s in enumerate(strings)}
        elif kind == "set":
            members = sorted({v for leaf in group for v in leaf.value})
            spec_field.members = {m: _key_for(f"{path}.{m}", taken) for m in members}
            spec_field.presence = any(not leaf.value for leaf in group)
        fields[path] = spec_field
    hashes: dict[int, str] = {_fnv1a(name): name for name in (*_RESERVED, _MARKER)}
    for spec_field in fields.values():
        for key in spec_field.durable_keys():
            other = hashes.setdefault(_fnv1a(key), key)
            if other != key:  # durable knows a property by this hash alone
                raise EngineError(f"durable-rules property names {other!r} and {key!r} "
                                  "have the same hash: rename one")
    return fields


_OPPOSITE = {"eq": "$neq", "$neq": "eq", "$lt": "$gte", "$gte": "$lt",
             "$lte": "$gt", "$gt": "$lte"}
_DURABLE_OP = {"eq": "eq", "ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}


def _leaf_patterns(leaf: Leaf, spec: _Field) -> tuple[Pattern, Pattern]:
    """(T, F) of a leaf: the fact present and the test true / present and false."""
    op, value, key, kind = leaf.op, leaf.value, spec.key, spec.kind
    where = f"condition {leaf.node_id} ({leaf.fact} {op} {value!r})"
    if kind == "set":
        member_keys = [spec.members[v] for v in value]
        if not member_keys:  # includes () holds, excludes () holds: only presence counts
            return _cmp("eq", key, True), NEVER
        wanted = op == "includes"
        return (_and(_cmp("eq", k, wanted) for k in member_keys),
                _or(_cmp("eq", k, not wanted) for k in member_keys))
    if op in ("in", "not_in"):
        if kind == "bool" or kind == "number":
            raise ValueError(f"{where}: '{op}' is not supported on a {kind} fact")
        codes = ([spec.rank[v] for v in value if v in spec.rank]
                 if kind == "level" and spec.rank is not None
                 else [spec.codes[v] for v in value])
        inside = _or(_cmp("eq", key, c) for c in codes)
        outside = (_and(_cmp("$neq", key, c) for c in codes) if codes
                   else _cmp("$ex", key, 1))
        return (inside, outside) if op == "in" else (outside, inside)
    if op not in _DURABLE_OP:
        raise ValueError(f"{where}: unknown operator")
    durable_op = _DURABLE_OP[op]
    if kind == "bool":
        if op not in ("eq", "ne") or not isinstance(value, bool):
            raise ValueError(f"{where}: a bool fact takes eq/ne true/false")
        holds = value if op == "eq" else not value  # a present bool is true or false
        return _cmp("eq", key, holds), _cmp("eq", key, not holds)
    if kind == "level":
        if spec.rank is None or value not in spec.rank:
            raise ValueError(f"{where}: {value!r} is not a level")
        value = spec.rank[value]
    elif kind == "code":
        if op not in ("eq", "ne"):
            raise ValueError(f"{where}: '{op}' is not supported on a string fact")
        value = spec.codes[value]
    elif not (isinstance(value, (int, float)) and not isinstance(value, bool)
              and abs(value) < _SAFE):
        raise ValueError(f"{where}: thresholds must be numbers between -2**53 and 2**53")
    return _cmp(durable_op, key, value), _cmp(_OPPOSITE[durable_op], key, value)


# --- chunks: rulesets kept within durable's limits -------------------------------------

@dataclass
class _Rule:
    name: str
    node: int
    outcome: bool
    pattern: Pattern


class _Network:
    """A model of durable's alpha network, to keep every node under its fixed sizes."""

    def __init__(self) -> None:
        self.children: list[dict[tuple[Any, ...], int]] = [{}]
        self.nex = [0]
        self.betas = [0]

    def _new(self) -> int:
        self.children.append({})
        self.nex.append(0)
        self.betas.append(0)
        return len(self.children) - 1

    def _add(self, pattern: Pattern, parent: int) -> int:
        if pattern[0] == "cmp":
            _, op, key, value = pattern
            atom = (key, op, type(value).__name__, value)
            child = self.children[parent].get(atom)
            if child is None:
                child = self.children[parent][atom] = self._new()
            return child
        if pattern[0] == "and":
            for part in pattern[1]:
                parent = self._add(part, parent)
            return parent
        forward = self._new()  # durable joins the branches of an $or on a new node
        for part in pattern[1]:
            self.nex[self._add(part, parent)] += 1
        return forward

    def add_rule(self, pattern: Pattern) -> None:
        self.betas[self._add(pattern, 0)] += 1

    def within_limits(self) -> bool:
        return (max(len(c) for c in self.children) <= _MAX_ALPHA_CHILDREN
                and max(self.nex) <= _MAX_NEX_CHILDREN and max(self.betas) <= _MAX_BETAS)


@dataclass
class _Chunk:
    nodes: list[int] = field(default_factory=list)
    rules: list[_Rule] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    fields: list[str] = field(default_factory=list)  # fact paths, in field order
    matches: int = 0
    handle: int = 0
    sid: str = ""                   # the state every fact of this chunk is asserted in
    used: bool = False              # a rule has fired in that state: it may be deleted

    def definition(self) -> dict[str, Any]:
        rules: dict[str, Any] = {r.name: {"all": [{"m": _pattern_json(r.pattern)}]}
                                 for r in self.rules}
        rules[_CATCH_ALL] = {"all": [{"m": _pattern_json(_CATCH_ALL_PATTERN)}], "pri": 65000}
        return rules


NodeKind = Literal["leaf", "all", "any", "not"]
_NODE_KINDS: dict[type, NodeKind] = {All: "all", Any_: "any", Not: "not"}


@dataclass
class _Node:
    node_id: str
    kind: NodeKind
    children: tuple[int, ...] = ()
    fact: str = ""


_CATCH_ALL_PATTERN = _cmp("$ex", _MARKER, 1)
_SERIAL = itertools.count(1)
_BUILD_LOCK = threading.Lock()


def _after_fork() -> None:
    global _BUILD_LOCK, _ENGINES_LOCK
    _BUILD_LOCK = threading.Lock()  # a lock copied while held would stay held forever
    _ENGINES_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_after_fork)


class DurableEngine:
    """Decides every condition node of a catalog with durable-rules.

    One instance holds one ruleset per chunk (one for the shipped catalog); rulesets
    are never freed by durable-rules, so build one engine per catalog and process
    (:func:`engine_for`). Safe to share between threads (calls are serialised: the
    C code holds the GIL anyway). In a forked child the engine builds new rulesets
    on first use. The catalog must not change after the engine is built.
    """

    def __init__(self, catalog: Catalog) -> None:
        from eligibility.catalog.model import (
            all_nodes,  # catalog imports nothing from here; keep it lazy
        )

        self._compile(list(all_nodes(catalog)))
        self._pid = -1
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self._facts = itertools.count(1)
        self._ensure_rulesets()

    # -- compilation ---------------------------------------------------------------

    def _compile(self, roots_and_nodes: list[Condition]) -> None:
        index: dict[str, int] = {}
        conditions: list[Condition] = []
        for condition in roots_and_nodes:
            for part in walk(condition):
                seen = index.get(part.node_id)
                if seen is None:
                    index[part.node_id] = len(conditions)
                    conditions.append(part)
                elif conditions[seen] != part:
                    raise ValueError(f"two different conditions share the id {part.node_id!r}")
        self.node_ids: tuple[str, ...] = tuple(c.node_id for c in conditions)
        self._fields = _build_fields([c for c in conditions if isinstance(c, Leaf)])
        self._reads = frozenset(self._fields)

        nodes: list[_Node] = []
        for c in conditions:
            if isinstance(c, Leaf):
                nodes.append(_Node(c.node_id, "leaf", fact=c.fact))
            else:
                kids = (c.child,) if isinstance(c, Not) else c.children
                nodes.append(_Node(c.node_id, _NODE_KINDS[type(c)],
                                   tuple(index[k.node_id] for k in kids)))
        self._nodes = nodes
        # children before parents, for the patterns and for the consistency check
        order: list[int] = []
        placed = [False] * len(nodes)

        def place(i: int) -> None:
            if not placed[i]:
                placed[i] = True
                for k in nodes[i].children:
                    place(k)
                order.append(i)

        for i in range(len(nodes)):
            place(i)
        self._order = order
        self._combine = _combiner(nodes, order)

        path_of_key = {k: f.path for f in self._fields.values() for k in f.durable_keys()}
        field_order = list(self._fields)
        self._chunks: list[_Chunk] = []
        # rule name -> (the leaves its test decides, outcome)
        self._rule_of: dict[str, tuple[list[int], bool]] = {}
        self._leaves: list[tuple[int, str]] = []  # (node index, fact path) of every leaf
        # one pair of rules per distinct test: leaves that test the same thing (the
        # catalog's bricks share fibre levels, conventions...) are decided together
        tested: dict[tuple[str, str], list[int]] = {}
        chunk = _Chunk()
        for i, c in enumerate(conditions):
            if not isinstance(c, Leaf):
                continue  # combined in Python (_combiner) from the leaves durable decided
            self._leaves.append((i, c.fact))
            t, f = _leaf_patterns(c, self._fields[c.fact])
            same = tested.setdefault((repr(t), repr(f)), [])
            same.append(i)
            if len(same) > 1:
                continue  # decided by the rules of an earlier leaf with the same test
            rules = []
            for outcome, pattern in ((True, t), (False, f)):
                branches = pattern[1] if pattern[0] == "or" else (pattern,)
                for b, branch in enumerate(b for b in branches if b != NEVER):
                    name = f"{'t' if outcome else 'f'}{i}" + (f"_{b}" if len(branches) > 1 else "")
                    if _operators(branch) > _MAX_OPERATORS:
                        raise EngineError(f"condition {nodes[i].node_id} is too complex for "
                                          f"durable-rules (more than {_MAX_OPERATORS} "
                                          "all/any in one test): simplify it")
                    rules.append(_Rule(name, i, outcome, branch))
            keys = set().union(*(_keys(r.pattern) for r in rules)) if rules else set()
            matches = max(_matches(t), _matches(f))
            single = _Network()
            for rule in rules:
                single.add_rule(rule.pattern)
            if (matches > _MAX_MATCHES or len(keys) > _MAX_KEYS or len(rules) > _MAX_RULES
                    or not single.within_limits()):
                raise EngineError(f"condition {nodes[i].node_id} is too large for "
                                  "durable-rules: split it")
            trial = _Network()
            trial.add_rule(_CATCH_ALL_PATTERN)
            for rule in [*chunk.rules, *rules]:
                trial.add_rule(rule.pattern)
            if chunk.nodes and (chunk.matches + matches > _MAX_MATCHES
                                or len(chunk.keys | keys) > _MAX_KEYS
                                or len(chunk.rules) + len(rules) > _MAX_RULES
                                or not trial.within_limits()):
                self._chunks.append(chunk)
                chunk = _Chunk()
            chunk.nodes.append(i)
            chunk.rules.extend(rules)
            chunk.keys |= keys
            chunk.matches += matches
            for rule in rules:
                self._rule_of[rule.name] = (same, rule.outcome)
        if chunk.nodes or not self._chunks:
            self._chunks.append(chunk)
        for chunk in self._chunks:
            paths = {path_of_key[k] for k in chunk.keys}
            chunk.fields = [p for p in field_order if p in paths]
        self._one_chunk = len(self._chunks) == 1 and self._chunks[0].fields == field_order
        self._rule_of[_CATCH_ALL] = ([len(nodes)], True)  # a slot past the nodes: ignored

    def _ensure_rulesets(self) -> None:
        """Create the rulesets in this process (again in a forked child)."""
        with _BUILD_LOCK:
            pid = os.getpid()
            if self._pid == pid:
                return
            self._lock = threading.Lock()  # a lock copied by fork may be held forever
            for chunk in self._chunks:
                name = f"eligibility-{pid}-{next(_SERIAL)}"
                try:
                    chunk.handle = _dre.create_ruleset(name, _to_json(chunk.definition()))
                    chunk.sid, chunk.used = "", False  # a state of the parent is not here
                except (_dre.error, MemoryError) as error:
                    raise EngineError(f"durable-rules refused the ruleset: {error}") from error
            self._pid = pid

    @property
    def chunk_count(self) -> int:
        """How many rulesets the catalog needed (durable's limits, see the module doc)."""
        return len(self._chunks)

    def ruleset_definitions(self) -> list[dict[str, Any]]:
        """The durable-rules JSON definitions, one per ruleset (for inspection)."""
        return [chunk.definition() for chunk in self._chunks]

    # -- evaluation ----------------------------------------------------------------

    def _flatten(self, facts: Mapping[str, Any]) -> dict[str, str]:
        """Each fact the rules read, as its ``"key":value`` pairs (validated)."""
        encoded = {}
        for path, spec in self._fields.items():
            if path in facts:
                value = facts[path]
                if value is None:
                    raise TypeError(f"fact {path} is None: leave an unknown fact out")
                encoded[path] = spec.encode(value)
        return encoded

    def decide(self, facts: Mapping[str, Any]) -> dict[str, Truth]:
        """node_id -> True/False/None for every node of ``all_nodes(catalog)``.

        Equal to ``conditions.evaluate`` for each root, node for node. Raises
        TypeError/ValueError for a fact of the wrong type, :class:`EngineError`
        (a RuntimeError) when durable-rules fails or answers inconsistently.
        """
        encoded = self._flatten(facts)
        sent = "".join("," + e for e in encoded.values())
        fired: list[str] = []
        if os.getpid() != self._pid:
            self._ensure_rulesets()
        with self._lock:
            if self._one_chunk:  # every field read by the one ruleset, in field order
                fired = self._run(self._chunks[0], sent)
            else:
                for chunk in self._chunks:
                    pairs = "".join("," + encoded[p] for p in chunk.fields if p in encoded)
                    fired.extend(self._run(chunk, pairs))
        return self._outcome(fired, facts)

    @property
    def reads(self) -> frozenset[str]:
        """The facts the rules read: ``decide``'s answer depends on these alone (a memo
        of its answers can be keyed by them, see ``evaluation.evaluate``)."""
        return self._reads

    def _run(self, chunk: _Chunk, pairs: str) -> list[str]:
        """Assert one fact in the chunk's state, collect the fired rule names, retract it.

        The state is kept from one fact to the next: creating a state costs more than
        all the matching (durable clears a large node for each new sid). Each fact has
        its own ``id``, so it is never "already observed"; once retracted the state is
        empty again. After any failure the state is dropped and the next fact gets a
        new one, so nothing left over can be read as the next fact's outcome.
        """
        handle = chunk.handle
        if not chunk.sid:
            chunk.sid, chunk.used = str(next(self._sids)), False
        text = f'{{"sid":"{chunk.sid}","id":{next(self._facts)},"{_MARKER}":1{pairs}}}'
        try:
            code, state = _dre.assert_fact(handle, text)
        except (_dre.error, MemoryError) as error:
            self._drop_state(chunk)
            raise EngineError(f"durable-rules could not assert {text}: {error}") from error
        if code != _OK:
            self._drop_state(chunk)
            what = {_NOT_HANDLED: "no rule matched it, not even the catch-all",
                    _OBSERVED: "the fact was already asserted"}.get(code, f"result {code}")
            raise EngineError(f"durable-rules did not take the fact {text}: {what}")
        names: list[str] = []
        append, following = names.append, _dre.complete_and_start_action
        limit = len(chunk.rules) + 2
        try:
            result = _dre.start_action_for_state(handle, state)
            message = result[1] if result else None
            chunk.used = chunk.used or message is not None
            while message is not None:
                append(message[2:message.index('"', 2)])  # '{"name":{...'
                if len(names) > limit:
                    _dre.abandon_action(handle, state)
                    raise EngineError(f"durable-rules fired more than {limit} actions")
                message = following(handle, state)
            _dre.retract_fact(handle, text)
        except EngineError:
            self._drop_state(chunk)
            raise
        except (_dre.error, MemoryError, ValueError) as error:
            self._drop_state(chunk)
            raise EngineError(f"durable-rules failed on {text}: {error}") from error
        if names.count(_CATCH_ALL) != 1:
            self._drop_state(chunk)
            raise EngineError(f"durable-rules lost actions on {text}: the catch-all fired "
                              f"{names.count(_CATCH_ALL)} times")
        return names

    def _drop_state(self, chunk: _Chunk) -> None:
        """Forget the chunk's state; delete it unless no rule ever fired in it (that
        would crash the process: then it is left, one state lost)."""
        sid, chunk.sid = chunk.sid, ""
        if sid and chunk.used:
            # the state is forgotten either way; the next fact gets a new one
            with contextlib.suppress(_dre.error, MemoryError):
                _dre.delete_state(chunk.handle, sid)

    def _outcome(self, fired: list[str], facts: Mapping[str, Any]) -> dict[str, Truth]:
        values: list[Truth] = [None] * (len(self._nodes) + 1)  # the last: the catch-all's
        rule_of = self._rule_of
        for name in fired:
            found = rule_of.get(name)
            if found is None:
                raise EngineError(f"durable-rules fired an unknown rule {name!r}")
            decided, outcome = found
            # the leaves of one test are always set together: the first tells for all
            if values[decided[0]] is (not outcome):
                raise EngineError(f"durable-rules found {self._nodes[decided[0]].node_id} "
                                  "both true and false")
            for node in decided:
                values[node] = outcome
        values.pop()
        # Checked before use: a leaf on a known fact is decided, on an unknown one is not.
        wrong = [(i, fact) for i, fact in self._leaves if (values[i] is None) is (fact in facts)]
        if wrong:
            i, fact = wrong[0]
            known = fact in facts
            raise EngineError(
                f"durable-rules {'lost' if known else 'invented'} the outcome of "
                f"{self._nodes[i].node_id} ({fact} {'known' if known else 'unknown'})")
        self._combine(values)
        return dict(zip(self.node_ids, values, strict=True))


def _combiner(nodes: list[_Node], order: list[int]) -> Callable[[list[Truth]], None]:
    """Code compiled from the catalog that fills in every all/any/not node (Kleene) from
    the leaves' truths, children before parents. Only node indices enter the source."""
    lines = ["def combine(v):"]
    for i in order:
        node = nodes[i]
        if node.kind == "leaf":
            continue
        kids = [f"v[{k}]" for k in node.children]
        if node.kind == "not":
            lines.append(f"    a = {kids[0]}")
            lines.append(f"    v[{i}] = None if a is None else not a")
            continue
        decisive, other = ("True", "False") if node.kind == "any" else ("False", "True")
        if not kids:  # an empty all holds, an empty any fails (as conditions.evaluate)
            lines.append(f"    v[{i}] = {other}")
            continue
        wins = " or ".join(f"{k} is {decisive}" for k in kids)
        unknown = " or ".join(f"{k} is None" for k in kids)
        lines.append(f"    v[{i}] = {decisive} if ({wins}) else None if ({unknown}) else {other}")
    lines.append("    return None")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), "<eligibility.engine.durable combiner>", "exec"), namespace)
    combine: Callable[[list[Truth]], None] = namespace["combine"]
    return combine


_ENGINES: dict[tuple[int, int], tuple[Any, DurableEngine]] = {}
_ENGINES_LOCK = threading.Lock()


def engine_for(catalog: Catalog) -> DurableEngine:
    """The engine of ``catalog`` in this process, built once (a forked worker builds its own)."""
    key = (os.getpid(), id(catalog))
    entry = _ENGINES.get(key)
    if entry is not None and entry[0] is catalog:
        return entry[1]
    with _ENGINES_LOCK:
        entry = _ENGINES.get(key)
        if entry is not None and entry[0] is catalog:
            return entry[1]
        for stale in [k for k in _ENGINES if k[0] != key[0]]:
            del _ENGINES[stale]  # inherited from the parent process
        engine = DurableEngine(catalog)
        _ENGINES[key] = (catalog, engine)  # holding the catalog keeps its id unique
        return engine
