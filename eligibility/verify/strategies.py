"""Hypothesis strategies drawn from a catalog: profiles, dates, requests, improvements.

Nothing here lists the shipped catalog's content. The facts and their kinds come from
the catalog's vocabulary (``catalog.facts``, ``facts.yaml``: kinds, values, levels in
order, which way is better), the convention versions (with their adoption dates) from
the catalog; the values the
catalog's rules compare a fact with (and, for counts and amounts, their neighbours)
are drawn often, so that every threshold gets crossed. Every field may be left out
(unknown); a signature is never dated before its version's adoption, nor a history
entry after the current signature; brick names are
ids or aliases, in any case. What is drawn validates as a profile against the catalog.

Shrinking goes towards the simplest profile: fields left out, lists empty, the first
value of each domain. A counterexample then shows only what matters.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from eligibility.catalog.conditions import Condition, Leaf, Not, children, evaluate_leaf, leaves
from eligibility.catalog.model import Catalog
from eligibility.profile.loading import parse_profile
from eligibility.profile.model import Profile

SearchStrategy = st.SearchStrategy

def read_facts(catalog: Catalog) -> tuple[str, ...]:
    """The facts read straight from a profile field of the same dotted path."""
    return tuple(fact.path for fact in catalog.facts.read)

ORDERED_KINDS = frozenset({"bool", "level", "count", "amount"})
"""Kinds whose values have a better direction (``Fact.better``), as for lint's
upper-bound check; enums, text and sets have none."""

COMMUNE = {"insee": "30999", "name": "Commune fictive"}
"""Every drawn profile is this commune: only its facts vary."""

_BEFORE_FIRST = dt.timedelta(days=2 * 365)  # dates drawn from before the first version...
_AFTER_LAST = dt.timedelta(days=3 * 365)    # ...to well after the last one
_DAY = dt.timedelta(days=1)
_OTHER_TEXT = "autre"  # a text value no rule names (its variants if a rule does)
_MAX_AMOUNT = 1e300


# --- what the catalog says about a fact ------------------------------------------------

def named_values(catalog: Catalog, fact: str) -> list[Any]:
    """The values the catalog's rules compare ``fact`` with, in catalog order."""
    found: list[Any] = []
    for rule in catalog.rules():
        for leaf in leaves(rule.condition):
            if leaf.fact != fact:
                continue
            values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
            found.extend(v for v in values if v not in found)
    return found


def _numbers(catalog: Catalog, fact: str) -> list[float]:
    return [float(v) for v in named_values(catalog, fact)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]


def count_marks(catalog: Catalog, fact: str) -> list[int]:
    """0 and each threshold with its neighbours: the counts where a rule may flip."""
    marks = {0}
    for value in _numbers(catalog, fact):
        base = math.floor(value)
        marks.update(n for n in (base - 1, base, base + 1, base + 2) if n >= 0)
    return sorted(marks)


def amount_marks(catalog: Catalog, fact: str) -> list[float]:
    marks = {0.0}
    for value in _numbers(catalog, fact):
        marks.update(v for v in (value - 0.5, value, math.nextafter(value, math.inf),
                                 value + 0.5) if v >= 0)
    return sorted(marks)


def text_values(catalog: Catalog, fact: str) -> list[str]:
    """The texts the rules name, then one they do not."""
    named = [v for v in named_values(catalog, fact) if isinstance(v, str)]
    other = _OTHER_TEXT
    while other in named:
        other += "-x"
    return [*named, other]


def fact_values(catalog: Catalog, fact: str) -> SearchStrategy[Any]:
    """Any valid value of a fact read from the profile (never unknown)."""
    spec = catalog.facts.get(fact)
    if spec is None:
        raise ValueError(f"unknown fact {fact!r}")
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind in ("level", "enum"):
        return st.sampled_from(spec.values)
    if spec.kind == "text":
        return st.sampled_from(text_values(catalog, fact))
    if spec.kind == "set":
        return st.lists(st.sampled_from(spec.values), unique=True, max_size=len(spec.values))
    if spec.kind == "count":
        # Thresholds first; then ordinary counts; then huge ones (the engine clamps at 2**53).
        return st.one_of(st.sampled_from(count_marks(catalog, fact)), st.integers(0, 10_000),
                         st.integers(0, 2 ** 64))
    if spec.kind == "amount":
        return st.one_of(st.sampled_from(amount_marks(catalog, fact)),
                         st.floats(0, 1e9, allow_nan=False, allow_infinity=False),
                         st.floats(0, _MAX_AMOUNT, allow_nan=False, allow_infinity=False))
    if spec.kind == "date":
        return st.one_of(st.sampled_from(_date_marks(catalog, fact)),
                         st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)))
    raise ValueError(f"no strategy for facts of kind {spec.kind!r}")


def _date_marks(catalog: Catalog, fact: str) -> list[dt.date]:
    """The dates the rules compare a date fact with, and the days either side."""
    named = [v for v in named_values(catalog, fact) if isinstance(v, dt.date)]
    one = dt.timedelta(days=1)
    return sorted({d + k * one for d in named for k in (-1, 0, 1)}) or [dt.date(2022, 1, 1)]


def polar_leaves(catalog: Catalog, fact: str) -> list[tuple[Leaf, bool]]:
    """The tests on ``fact`` in the catalog's rules, each with whether the rule needs it
    to hold (False under an odd number of ``not``)."""
    found: list[tuple[Leaf, bool]] = []

    def walk(node: Condition, positive: bool) -> None:
        if isinstance(node, Leaf):
            if node.fact == fact:
                found.append((node, positive))
        elif isinstance(node, Not):
            walk(node.child, not positive)
        else:
            for child in children(node):
                walk(child, positive)

    for rule in catalog.rules():
        walk(rule.condition, True)
    return found


def _candidates(catalog: Catalog, fact: str) -> list[Any]:
    """Values worth trying for ``fact``: its whole domain when finite, else the values
    the rules name (with neighbours, for numbers) and one more."""
    spec = catalog.facts.get(fact)
    assert spec is not None
    if spec.kind == "bool":
        return [True, False]
    if spec.kind in ("level", "enum"):
        return list(spec.values)
    if spec.kind == "text":
        return text_values(catalog, fact)
    if spec.kind == "set":
        named = [v for v in named_values(catalog, fact) if isinstance(v, str)]
        return [[], *([v] for v in named), named]
    if spec.kind == "date":
        return list(_date_marks(catalog, fact))
    marks: list[Any] = count_marks(catalog, fact) if spec.kind == "count" else \
        amount_marks(catalog, fact)
    top = max(marks)
    return [*marks, top + 10, top + 100, top + 10_000]


def favourable_values(catalog: Catalog, fact: str) -> SearchStrategy[Any]:
    """Values for which some test of the catalog on ``fact`` is as its rule needs it
    (``ge: ftth`` gives ftth, ftte and ftto; ``le: 50`` gives 0, 49 and 50…). Random
    profiles are rarely eligible for anything; half of them are drawn from these, so
    that every property has eligible bricks to work on, caps included."""
    tests = polar_leaves(catalog, fact)
    good = [v for v in _candidates(catalog, fact)
            if any(evaluate_leaf(leaf, {fact: v}) is positive for leaf, positive in tests)]
    return st.sampled_from(good) if good else fact_values(catalog, fact)


def _mostly(good: SearchStrategy[Any], other: SearchStrategy[Any],
            unknown: bool = True) -> SearchStrategy[Any]:
    """A favourable value 7 times in 10, any value twice, unknown once (when it may be):
    a favourable profile still has facts that fail, or are unknown, for an ``any`` to
    turn on its other branches."""
    def pick(draw: tuple[int, Any, Any]) -> Any:
        if draw[0] == 0 and unknown:
            return None
        return draw[2] if draw[0] <= 2 else draw[1]
    return st.tuples(st.integers(0, 9), good, other).map(pick)


def _maybe(values: SearchStrategy[Any], known: int = 3) -> SearchStrategy[Any]:
    """Unknown (None) once in ``known + 1`` draws; shrinks to unknown. (``one_of`` with a
    repeated branch would not weigh it: hypothesis merges equal branches.)"""
    return st.tuples(st.integers(0, known), values).map(lambda pair: pair[1] if pair[0] else None)


# --- dates -----------------------------------------------------------------------------

def date_range(catalog: Catalog) -> tuple[dt.date, dt.date]:
    """From two years before the first version's adoption to three after the last one."""
    adopted = [v.adopted for v in catalog.versions.values()]
    return min(adopted) - _BEFORE_FIRST, max(adopted) + _AFTER_LAST


def date_marks(catalog: Catalog) -> list[dt.date]:
    """The ends of the range, each adoption date and the day before it."""
    start, end = date_range(catalog)
    marks = {start, end}
    for version in catalog.versions.values():
        marks.update((version.adopted - _DAY, version.adopted))
    return sorted(marks)


def dates(catalog: Catalog) -> SearchStrategy[dt.date]:
    """Dates from before the first version to after the last: adoption days often, and
    the time since the last adoption (the present) as often as all the rest."""
    return _strategies(catalog).dates


# --- brick names, requests, subscriptions ----------------------------------------------

def brick_names(catalog: Catalog) -> SearchStrategy[str]:
    """A brick id or alias, as a user may type it (aliases in upper case too)."""
    names = [*catalog.bricks, *catalog.aliases]
    names += [n.upper() for n in catalog.aliases if n.upper() != n]
    return st.sampled_from(names)


def request_names(catalog: Catalog) -> SearchStrategy[list[str]]:
    """A subset of the bricks, in any order, each named by its id or an alias."""
    return _strategies(catalog).requests


# --- profiles --------------------------------------------------------------------------

class _Strategies:
    """The strategies of one catalog, built once: building them is what costs."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        start, end = date_range(catalog)
        last = max(v.adopted for v in catalog.versions.values())
        self.dates = st.one_of(st.sampled_from(date_marks(catalog)), st.dates(start, end),
                               st.dates(last, end))
        names = brick_names(catalog)
        self.requests = st.lists(names, max_size=len(catalog.bricks),
                                 unique_by=lambda name: catalog.resolve(name))
        self.subscriptions = st.lists(
            st.fixed_dictionaries({"brick": names}, optional={"since": st.dates(start, end)}),
            max_size=len(catalog.bricks), unique_by=lambda s: catalog.resolve(str(s["brick"])))
        # Favourable: subscriptions already running at the dates drawn (undated, or from
        # before the first version), since one counts only from its `since`.
        first = min(v.adopted for v in catalog.versions.values())
        self.favourable_subscriptions = st.lists(
            st.fixed_dictionaries({"brick": names}, optional={"since": st.dates(start, first)}),
            max_size=len(catalog.bricks), unique_by=lambda s: catalog.resolve(str(s["brick"])))
        # A signature is never dated before its version's adoption (the model refuses it);
        # a `none` one from the day after the range starts: the day before a signature is
        # drawn too, and stays in the range.
        self.versions = st.sampled_from([*catalog.version_ids, "none"])
        self.signed_on = {v: _maybe(st.dates(catalog.versions[v].adopted
                                             if v in catalog.versions else start + _DAY, end))
                          for v in [*catalog.version_ids, "none"]}
        self.signature = _signature(self)
        self.history = st.lists(self.signature, max_size=3)
        self.conventions = _convention(self)
        # Favourable: signed, undated (so in force from the version's adoption).
        self.favourable_convention = st.sampled_from(catalog.version_ids).map(
            lambda v: {"version": v})
        self.facts = {f: (fact_values(catalog, f), favourable_values(catalog, f))
                      for f in read_facts(catalog)}
        self.kinds = {f: catalog.facts[f].kind for f in read_facts(catalog)}
        self.plain_facts = {f: s if self.kinds[f] == "set" else _maybe(s)
                            for f, (s, _) in self.facts.items()}
        self.favourable_facts = {f: _mostly(good, plain, self.kinds[f] != "set")
                                 for f, (plain, good) in self.facts.items()}
        self.year = st.none() | st.integers(1990, 2100)
        # Half the profiles are favourable, evaluated mostly since the last adoption.
        self.present = st.one_of(st.dates(last, end), st.sampled_from(date_marks(catalog)))
        plain, favourable = _profile_data(self, False), _profile_data(self, True)
        self.profile_data = st.one_of(plain, favourable)
        self.plain_profiles = plain.map(lambda data: parse_profile(data, catalog))
        self.favourable_profiles = favourable.map(lambda data: parse_profile(data, catalog))
        self.profiles = st.one_of(self.plain_profiles, self.favourable_profiles)


_CACHE: dict[int, _Strategies] = {}


def _strategies(catalog: Catalog) -> _Strategies:
    built = _CACHE.get(id(catalog))
    if built is None or built.catalog is not catalog:
        built = _CACHE[id(catalog)] = _Strategies(catalog)
    return built


@st.composite
def _signature(draw: st.DrawFn, s: _Strategies) -> dict[str, Any]:
    """A version (or ``none``) and maybe the day it was signed, never before adoption."""
    version = draw(s.versions)
    signed_on = draw(s.signed_on[version])
    return {"version": version} if signed_on is None else {"version": version,
                                                           "signed_on": signed_on}


def _start(signature: dict[str, Any], catalog: Catalog) -> dt.date | None:
    """The day a drawn signature applies from (None: an undated ``none``)."""
    if "signed_on" in signature:
        day: dt.date = signature["signed_on"]
        return day
    version = catalog.versions.get(signature["version"])
    return version.adopted if version is not None else None


@st.composite
def _convention(draw: st.DrawFn, s: _Strategies) -> dict[str, Any]:
    """A signature and earlier ones: the history never applies after the current
    signature, and an undated ``none`` follows no signature (both are refused)."""
    convention = draw(s.signature)
    history = draw(s.history)
    current = _start(convention, s.catalog)
    if current is None:
        history = [h for h in history if h["version"] == "none"]
    else:
        history = [h for h in history if (_start(h, s.catalog) or current) <= current]
    return {**convention, "history": history} if history else convention


@st.composite
def _profile_data(draw: st.DrawFn, s: _Strategies, favourable: bool) -> dict[str, Any]:
    facts = s.favourable_facts if favourable else s.plain_facts
    data: dict[str, Any] = {"commune": dict(COMMUNE)}
    for fact, strategy in facts.items():
        value = draw(strategy)
        # A left-out field is absent, and a list left empty is the same as left out.
        if value is not None and value != []:
            section, name = fact.split(".")
            data.setdefault(section, {})[name] = value
    year = draw(s.year)  # read by `costs` only
    if year is not None:
        data.setdefault("finances", {})["year"] = year
    convention = draw(s.favourable_convention if favourable else _maybe(s.conventions))
    if convention is not None:
        data["convention"] = convention
    held = draw(s.favourable_subscriptions if favourable else s.subscriptions)
    if held:
        data["subscriptions"] = held
    asked = draw(s.requests)
    if asked:
        data["requests"] = asked
    return data


def profile_data(catalog: Catalog) -> SearchStrategy[dict[str, Any]]:
    """A profile as a document (what a YAML file holds); left-out fields are absent."""
    return _strategies(catalog).profile_data


def profiles(catalog: Catalog) -> SearchStrategy[Profile]:
    """Valid profiles (validated against the catalog, aliases resolved)."""
    return _strategies(catalog).profiles


def signature_dates(profile: Profile) -> list[dt.date]:
    """The days the profile's signatures apply from, with the day before each."""
    if profile.convention is None:
        return []
    days = {s.signed_on for s in [*profile.convention.history, profile.convention]
            if s.signed_on is not None}
    return sorted(days | {d - _DAY for d in days})


# --- cases: a profile, a date, what is asked for ---------------------------------------

@dataclass(frozen=True)
class Case:
    """One evaluation to make: ``check(catalog, profile, as_of, requested)``.

    ``requested`` overrides the profile's ``requests`` as ``--brick`` does (canonical
    ids); ``None`` uses the profile's own.
    """

    profile: Profile
    as_of: dt.date
    requested: tuple[str, ...] | None = None

    @property
    def requests(self) -> list[str]:
        """What is asked for in the end (empty: every brick)."""
        return list(self.requested if self.requested is not None else self.profile.requests)

    @property
    def requested_list(self) -> list[str] | None:
        return None if self.requested is None else list(self.requested)


@st.composite
def cases(draw: st.DrawFn, catalog: Catalog) -> Case:
    """A profile, a date (often an adoption day or a signature day, or the day before),
    and maybe a list of bricks asked for instead of the profile's requests."""
    s = _strategies(catalog)
    favourable = draw(st.booleans())
    profile = draw(s.favourable_profiles if favourable else s.plain_profiles)
    own = signature_dates(profile)
    days = s.present if favourable else s.dates
    as_of = draw(st.one_of(days, st.sampled_from(own)) if own else days)
    names = draw(st.none() | s.requests)
    requested = None if names is None else tuple(
        dict.fromkeys(catalog.brick_id(n) for n in names))
    return Case(profile, as_of, requested)


# --- improvements: a better (or better known) profile ----------------------------------

@dataclass(frozen=True)
class Change:
    fact: str
    before: Any  # None: the fact was unknown
    after: Any

    def __str__(self) -> str:
        return f"{self.fact}: {_shown(self.before)} -> {_shown(self.after)}"


def _shown(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Improvement:
    """Facts raised the way the fact registry calls better (more fibre, Gecko gained, more
    equipment, an authorisation gained…), unknown facts learnt, bricks subscribed."""

    changes: tuple[Change, ...] = ()
    subscribed: tuple[str, ...] = ()

    def apply(self, profile: Profile) -> Profile:
        updates: dict[str, object] = {c.fact: c.after for c in self.changes}
        if self.subscribed:
            updates["subscriptions"] = [*(s.model_dump() for s in profile.subscriptions),
                                        *({"brick": b} for b in self.subscribed)]
        return profile.with_changes(updates)

    def describe(self) -> list[str]:
        return [*(str(c) for c in self.changes), *(f"subscribes {b}" for b in self.subscribed)]


def fact_value(profile: Profile, fact: str) -> Any:
    section, name = fact.split(".")
    return getattr(getattr(profile, section), name)


def better_values(catalog: Catalog, fact: str, current: Any) -> SearchStrategy[Any] | None:
    """Values strictly better than ``current`` (any value when it is unknown), or None."""
    spec = catalog.facts.get(fact)
    assert spec is not None
    if current is None:
        return fact_values(catalog, fact)
    if spec.kind not in ORDERED_KINDS:
        return None
    up = spec.better != "less"
    if spec.kind == "bool":
        return st.just(up) if current != up else None
    if spec.kind == "level":
        order = list(spec.values)
        index = order.index(current)
        better = order[index + 1:] if up else order[:index][::-1]  # the nearest first
        return st.sampled_from(better) if better else None
    if spec.kind == "count":
        if up:
            marks = [m for m in count_marks(catalog, fact) if m > current]
            more = st.integers(current + 1, current + 10_000)
            return st.one_of(st.sampled_from(marks), more) if marks else more
        return st.integers(0, current - 1) if current > 0 else None
    # amount
    if up:
        if current >= _MAX_AMOUNT:
            return None
        amounts = [m for m in amount_marks(catalog, fact) if m > current]
        larger = st.floats(current, _MAX_AMOUNT, exclude_min=True, allow_nan=False)
        return st.one_of(st.sampled_from(amounts), larger) if amounts else larger
    return st.floats(0, current, exclude_max=True) if current > 0 else None


def rule_facts(catalog: Catalog) -> list[str]:
    """The profile facts some rule of the catalog reads (the others cannot matter)."""
    read = {leaf.fact for rule in catalog.rules() for leaf in leaves(rule.condition)}
    return [fact for fact in read_facts(catalog) if fact in read]


_SUBSCRIBE = "subscribe"


@st.composite
def improvements(draw: st.DrawFn, catalog: Catalog, profile: Profile,
                 focus: Collection[str] | None = None) -> Improvement:
    """One to three changes that make ``profile`` better or better known, on the facts
    the rules read (those in ``focus`` when given); empty only when nothing can be
    improved."""
    options: dict[str, tuple[Any, SearchStrategy[Any]]] = {}
    for fact in rule_facts(catalog):
        if focus is not None and fact not in focus:
            continue
        current = fact_value(profile, fact)
        strategy = better_values(catalog, fact, current)
        if strategy is not None:
            options[fact] = (current, strategy)
    unheld = [b for b in catalog.bricks if b not in profile.held]
    keys = [*options, *([_SUBSCRIBE] if unheld else [])]
    if not keys:
        return Improvement()
    chosen = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3, unique=True))
    changes, subscribed = [], []
    for key in chosen:
        if key == _SUBSCRIBE:
            subscribed = draw(st.lists(st.sampled_from(unheld), min_size=1, max_size=3,
                                       unique=True))
            continue
        current, strategy = options[key]
        changes.append(Change(key, current, draw(strategy)))
    return Improvement(tuple(changes), tuple(subscribed))


def facts_deciding(catalog: Catalog, bricks: Collection[str]) -> set[str]:
    """The facts read by the rules of ``bricks``, of the bricks they require, and the
    common rules: what can make these bricks lose their eligibility."""
    facts = {leaf.fact for rule in catalog.common for leaf in leaves(rule.condition)}
    pending, seen = list(bricks), set()
    while pending:
        brick = catalog.bricks[pending.pop()]
        if brick.id in seen:
            continue
        seen.add(brick.id)
        facts.update(leaf.fact for rule in brick.conditions for leaf in leaves(rule.condition))
        pending.extend(r.brick for r in brick.requires if r.brick in catalog.bricks)
    return facts


def neighbours(catalog: Catalog, profile: Profile,
               focus: Collection[str] | None = None) -> list[Improvement]:
    """Every one-fact improvement worth trying, without drawing: each better value of a
    finite fact, the thresholds above a count or an amount (and a far larger one),
    every candidate value of an unknown fact. The drawn improvements combine changes;
    these make sure no single step is missed."""
    found: list[Improvement] = []
    for fact in rule_facts(catalog):
        if focus is not None and fact not in focus:
            continue
        spec = catalog.facts.get(fact)
        assert spec is not None
        current = fact_value(profile, fact)
        if current is None:
            values = _candidates(catalog, fact)
        elif spec.kind in ("bool", "level"):
            order = [False, True] if spec.kind == "bool" else list(spec.values)
            index = order.index(current)
            values = order[index + 1:] if spec.better != "less" else order[:index]
        elif spec.kind in ("count", "amount") and spec.better != "less":
            values = [v for v in _candidates(catalog, fact) if v > current]
            values.append(current * 2 + 1 if spec.kind == "count" else current * 2 + 1.0)
        else:
            values = []
        found.extend(Improvement((Change(fact, current, v),)) for v in values)
    return found


@st.composite
def improved_cases(draw: st.DrawFn, catalog: Catalog) -> tuple[Case, Improvement]:
    """A case and an improvement of its profile, aimed (when some brick is eligible) at
    the facts that decide the eligible bricks: the others cannot make one lose."""
    from eligibility.evaluation.check import (
        check,  # the reference evaluator: no engine needed to aim
    )

    case = draw(cases(catalog))
    ev = check(catalog, case.profile, case.as_of, case.requested_list, engine="reference")
    eligible = [b for b, v in ev.verdicts.items() if v.status == "eligible"]
    focus = facts_deciding(catalog, eligible) if eligible else None
    return case, draw(improvements(catalog, case.profile, focus))


@st.composite
def reordered_cases(draw: st.DrawFn, catalog: Catalog) -> tuple[Case, Case]:
    """A case and the same one with its requests and subscriptions in another order."""
    case = draw(cases(catalog))
    profile = case.profile
    shuffled = profile.model_copy(update={
        "requests": draw(st.permutations(profile.requests)),
        "subscriptions": draw(st.permutations(profile.subscriptions))})
    requested = None if case.requested is None else tuple(draw(st.permutations(case.requested)))
    return case, Case(shuffled, case.as_of, requested)
