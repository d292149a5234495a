"""The durable-rules adapter agrees with ``conditions.evaluate`` node for node."""

from __future__ import annotations

import math
import multiprocessing
import os
import random
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pytest
from helpers import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility.catalog.conditions import All, Any_, Condition, Leaf, Not, evaluate, leaves
from eligibility.catalog.loading import load_catalog
from eligibility.catalog.model import all_nodes
from eligibility.engine import durable as engine_module
from eligibility.engine.durable import DurableEngine, EngineError, engine_for
from eligibility.profile.facts import derive_facts
from eligibility.profile.loading import load_profile

CATALOG = load_catalog(ROOT / "rules")


def roots_of(catalog: Any) -> list[Condition]:
    """The trees ``all_nodes`` walks: common rules, availability leaves, brick rules."""
    roots = [rule.condition for rule in catalog.common]
    for brick in catalog.bricks.values():
        roots.append(brick.availability_rule)
        roots.extend(rule.condition for rule in brick.conditions)
    return roots


def expected(catalog: Any, facts: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for root in roots_of(catalog):
        evaluate(root, facts, out)
    return out


def fake_catalog(*roots: Condition) -> SimpleNamespace:
    """Just what ``all_nodes`` reads: the roots as common rules, no bricks."""
    return SimpleNamespace(common=tuple(SimpleNamespace(condition=r) for r in roots), bricks={})


# --- random facts over the shipped catalog ----------------------------------------------

def domains(catalog: Any) -> dict[str, list[Any]]:
    """Values to draw for every fact the catalog reads, edge values around thresholds first."""
    thresholds: dict[str, set[Any]] = {}
    for root in roots_of(catalog):
        for leaf in leaves(root):
            values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
            thresholds.setdefault(leaf.fact, set()).update(values)
    result: dict[str, list[Any]] = {}
    for path, used in thresholds.items():
        spec = catalog.facts.get(path)
        assert spec is not None, path
        if spec.kind == "bool":
            result[path] = [True, False]
        elif spec.kind == "count":
            near = {t + d for t in used for d in (-2, -1, 0, 1, 2)}
            result[path] = sorted(v for v in near if v >= 0) + [1000, 2**53 + 1, 2**70]
        elif spec.kind == "amount":
            result[path] = sorted({t * f for t in used for f in (0.999999, 1, 1.000001)})
        elif spec.kind == "set":
            result[path] = list(spec.values)
        elif spec.kind == "text":
            result[path] = [*sorted(used), "autre-epci", "", 'Nîmes "métropole" \\ 1e5']
        else:  # level, enum: the whole domain and a value no rule names
            result[path] = [*spec.values, *sorted(set(used) - set(spec.values))]
    return result


def random_facts(rng: random.Random, domain: dict[str, list[Any]], catalog: Any) -> dict:
    presence = rng.choice((0.0, 0.3, 0.7, 1.0, 1.0))
    facts: dict[str, Any] = {}
    for path, values in domain.items():
        if rng.random() >= presence:
            continue
        if catalog.facts.get(path).kind == "set":  # type: ignore[union-attr]
            facts[path] = frozenset(v for v in values if rng.random() < 0.3)
        else:
            facts[path] = rng.choice(values)
    return facts


@pytest.mark.slow
def test_twenty_thousand_random_facts_agree_with_evaluate() -> None:
    engine = DurableEngine(CATALOG)  # one engine, one ruleset: far past the 1,024 live sids
    node_ids = [node.node_id for node in all_nodes(CATALOG)]
    domain = domains(CATALOG)
    assert {"network.fibre", "vsi.use_cases", "equipment.cameras"} <= set(domain)
    rng = random.Random(20240401)
    decided = {True: 0, False: 0, None: 0}
    for _ in range(20_000):
        facts = random_facts(rng, domain, CATALOG)
        got = engine.decide(facts)
        want = expected(CATALOG, facts)
        assert list(got) == node_ids
        assert got == want, facts
        for value in got.values():
            decided[value] += 1
    assert min(decided.values()) > 50_000  # every outcome is exercised, a lot


def test_shipped_catalog_fits_one_ruleset() -> None:
    assert DurableEngine(CATALOG).chunk_count == 1


# --- three-valued logic on hand-made nodes ---------------------------------------------

FIBRE_RANK = {"none": 0, "ftth": 1, "ftte": 2, "ftto": 3}
GECKO = Leaf("net/0", "network.gecko", "eq", True)
FIBRE = Leaf("net/1", "network.fibre", "ge", "ftte", FIBRE_RANK)
NETWORK = Any_("net", (GECKO, FIBRE))
CAMERAS = Leaf("cam", "equipment.cameras", "ge", 1)
BIOMETRICS = Leaf("bio", "vsi.use_cases", "includes",
                  ("biometric_identification", "facial_recognition"))
VIDEO = All("video", (CAMERAS, NETWORK, Not("video/nobio", BIOMETRICS)))
NOT_NOT = Not("nn", Not("nn/0", Leaf("nn/0/0", "urbanisme.document", "in", ("plu", "plui"))))
SMALL = fake_catalog(VIDEO, NOT_NOT)


@pytest.fixture(scope="module")
def small() -> DurableEngine:
    return DurableEngine(SMALL)


def test_unknown_facts_give_none(small: DurableEngine) -> None:
    assert small.decide({}) == {node_id: None for node_id in small.node_ids}
    assert set(small.node_ids) == {"video", "cam", "net", "net/0", "net/1", "video/nobio",
                                   "bio", "nn", "nn/0", "nn/0/0"}
    shipped = engine_for(CATALOG).decide({})
    assert set(shipped.values()) == {None}


@pytest.mark.parametrize(("facts", "want"), [
    # any: a true part decides, unknown parts do not matter
    ({"network.gecko": True}, {"net": True, "net/0": True, "net/1": None, "video": None}),
    ({"network.fibre": "ftto"}, {"net": True, "net/0": None, "net/1": True}),
    # any: a false part and an unknown part: unknown
    ({"network.gecko": False}, {"net": None, "net/0": False, "net/1": None}),
    ({"network.gecko": False, "network.fibre": "ftth"}, {"net": False, "net/1": False}),
    # all: a false part decides even when the others are unknown
    ({"equipment.cameras": 0}, {"video": False, "cam": False, "net": None}),
    ({"network.gecko": False, "network.fibre": "none"}, {"video": False, "net": False}),
    # all: true parts and an unknown part: unknown
    ({"equipment.cameras": 1, "network.gecko": True}, {"video": None, "video/nobio": None}),
    ({"equipment.cameras": 1, "network.gecko": True, "vsi.use_cases": frozenset()},
     {"video": True, "bio": False, "video/nobio": True}),
    # not: flips a known part, keeps unknown
    ({"equipment.cameras": 5, "network.fibre": "ftte",
      "vsi.use_cases": frozenset({"facial_recognition", "biometric_identification", "crowd"})},
     {"bio": True, "video/nobio": False, "video": False}),
    ({"vsi.use_cases": frozenset({"facial_recognition"})}, {"bio": False, "video/nobio": True}),
    ({"urbanisme.document": "plui"}, {"nn": True, "nn/0": False, "nn/0/0": True}),
    ({"urbanisme.document": "rnu"}, {"nn": False, "nn/0": True, "nn/0/0": False}),
    ({"network.fibre": "ftth"}, {"nn": None, "nn/0": None, "nn/0/0": None}),
])
def test_three_valued_cases(small: DurableEngine, facts: dict, want: dict) -> None:
    got = small.decide(facts)
    assert {node: got[node] for node in want} == want
    assert got == expected(SMALL, facts)


# Every kind and operator, with edge thresholds: floats durable would misread as JSON
# (1e-07), int/float mixes, constant-false leaves (empty lists).
EVERY = fake_catalog(
    All("amounts", (Leaf("a/0", "finances.fonctionnement", "gt", 1e-07),
                    Leaf("a/1", "finances.fonctionnement", "lt", 9e15),
                    Leaf("a/2", "finances.fonctionnement", "ne", 2.5),
                    Leaf("a/3", "finances.investissement", "le", 3.5),
                    Leaf("a/4", "finances.investissement", "eq", 3))),
    Any_("counts", (Leaf("c/0", "commune.population", "eq", 5000),
                    Leaf("c/1", "commune.population", "ne", 0),
                    Leaf("c/2", "equipment.schools", "lt", 2),
                    Leaf("c/3", "equipment.schools", "gt", 7),
                    Leaf("c/4", "equipment.workstations", "ge", 2.5))),
    Not("levels", Any_("levels/0", (
        Leaf("l/0", "network.fibre", "eq", "ftth", FIBRE_RANK),
        Leaf("l/1", "network.fibre", "ne", "none", FIBRE_RANK),
        Leaf("l/2", "network.fibre", "lt", "ftto", FIBRE_RANK),
        Leaf("l/3", "network.fibre", "le", "ftth", FIBRE_RANK),
        Leaf("l/4", "network.fibre", "gt", "none", FIBRE_RANK),
        Leaf("l/5", "network.fibre", "not_in", ("ftth", "ftto"), FIBRE_RANK),
        Leaf("l/6", "network.fibre", "in", ("ftte",), FIBRE_RANK)))),
    All("strings", (Leaf("s/0", "commune.epci", "eq", "nimes-metropole"),
                    Leaf("s/1", "commune.epci", "ne", 'quote " back \\ é'),
                    Leaf("s/2", "tools.sig", "in", ("mycarto", "geoagglo")),
                    Leaf("s/3", "tools.collaboration", "not_in", ("alfresco",)),
                    Leaf("s/4", "tools.sig", "in", ()),
                    Leaf("s/5", "tools.collaboration", "not_in", ()))),
    Any_("sets", (Leaf("v/0", "vsi.use_cases", "excludes", ("crowd", "fire")),
                  Leaf("v/1", "vsi.use_cases", "includes", ("weapons",)),
                  Leaf("v/2", "vsi.use_cases", "includes", ()),
                  Not("v/3", Leaf("v/3/0", "vsi.use_cases", "excludes", ())))),
    Leaf("b/0", "network.gecko", "ne", False),
    Leaf("b/1", "authorisations.videoprotection_prefectorale", "eq", False),
)

AMOUNT = st.one_of(
    st.sampled_from([0.0, -0.0, 1e-07, 1.0000000000000002e-07, 9.999999999999999e-08, 0.5,
                     0.5000000000000001, 2.5, 3, 3.0, 2.9999999999999996, 3.5, 4, 9e15 - 1,
                     8999999999999999.0, 9e15, 9e15 + 2, 1e16, 1e300, math.inf, 2**53, 2**80,
                     5e-324]),
    st.floats(min_value=0, allow_nan=False), st.integers(min_value=0, max_value=2**64))
COUNT = st.one_of(st.sampled_from([0, 1, 2, 3, 4999, 5000, 5001, 7, 8, 2**53 + 1, 2**63 + 7]),
                  st.integers(min_value=0, max_value=10**20))
STRING = st.one_of(st.sampled_from(["nimes-metropole", 'quote " back \\ é', "mycarto",
                                    "geoagglo", "alfresco", "office365", "none", "", "'"]),
                   st.text(max_size=8))
FACT_VALUES = {
    "finances.fonctionnement": AMOUNT, "finances.investissement": AMOUNT,
    "commune.population": COUNT, "equipment.schools": COUNT, "equipment.workstations": COUNT,
    "network.fibre": st.sampled_from(list(FIBRE_RANK)),
    "commune.epci": STRING, "tools.sig": STRING, "tools.collaboration": STRING,
    "vsi.use_cases": st.frozensets(st.sampled_from(
        ["crowd", "fire", "weapons", "traffic", "facial_recognition"])),
    "network.gecko": st.booleans(), "authorisations.videoprotection_prefectorale": st.booleans(),
}
FACTS = st.fixed_dictionaries({}, optional=FACT_VALUES)


@pytest.fixture(scope="module")
def every() -> DurableEngine:
    return DurableEngine(EVERY)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=FACTS)
def test_every_operator_agrees_with_evaluate(every: DurableEngine, facts: dict) -> None:
    assert every.decide(facts) == expected(EVERY, facts)


def test_edge_numbers(every: DurableEngine) -> None:
    def amounts(value: float) -> bool | None:
        return every.decide({"finances.fonctionnement": value,
                             "finances.investissement": 3})["amounts"]

    assert amounts(1e-07) is False  # not > 1e-07
    assert amounts(1.0000000000000002e-07) is True
    assert amounts(2.5) is False
    assert amounts(8999999999999999.0) is True
    assert amounts(9e15) is False
    assert amounts(1e16) is False  # beyond 2**53: clamped, still not < 9e15
    assert amounts(math.inf) is False
    got = every.decide({"equipment.workstations": 2**80, "commune.population": 2**63 + 7})
    assert (got["c/4"], got["c/0"], got["c/1"]) == (True, False, True)


def test_empty_lists(every: DurableEngine) -> None:
    got = every.decide({"tools.sig": "mycarto", "tools.collaboration": "alfresco",
                        "vsi.use_cases": frozenset()})
    assert (got["s/2"], got["s/3"], got["s/4"], got["s/5"]) == (True, False, False, True)
    assert (got["v/0"], got["v/1"], got["v/2"], got["v/3/0"], got["v/3"]) == (
        True, False, True, True, False)
    assert every.decide({})["s/4"] is None


# --- bad facts, engine failures -------------------------------------------------------

@pytest.mark.parametrize(("facts", "error"), [
    ({"network.gecko": 1}, TypeError),
    ({"network.gecko": None}, TypeError),
    ({"equipment.schools": True}, TypeError),
    ({"equipment.schools": "5"}, TypeError),
    ({"finances.fonctionnement": math.nan}, ValueError),
    ({"network.fibre": "fibre+"}, ValueError),
    ({"commune.epci": 5}, TypeError),
    ({"vsi.use_cases": "facial_recognition"}, TypeError),
])
def test_bad_facts_are_refused(every: DurableEngine, facts: dict, error: type) -> None:
    with pytest.raises(error):
        every.decide(facts)


REAL_C_MODULE = engine_module._dre


class Dropping:
    """The C module, except that every ``nth`` action is lost on its way to Python."""

    def __init__(self, nth: int) -> None:
        self.nth, self.count = nth, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(REAL_C_MODULE, name)

    def complete_and_start_action(self, handle: int, state: int) -> str | None:
        message = REAL_C_MODULE.complete_and_start_action(handle, state)
        self.count += 1
        if message is not None and self.count % self.nth == 0:
            message = REAL_C_MODULE.complete_and_start_action(handle, state)
        return message


@pytest.mark.parametrize("nth", [1, 2, 3, 7])
def test_lost_actions_raise(monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
    engine = DurableEngine(CATALOG)
    facts = {"network.gecko": True, "network.fibre": "ftto", "equipment.cameras": 2,
             "convention.applicable": "avenant-6"}
    with monkeypatch.context() as patch:
        patch.setattr(engine_module, "_dre", Dropping(nth))
        with pytest.raises(RuntimeError, match="durable-rules"):
            engine.decide(facts)
    assert engine.decide(facts) == expected(CATALOG, facts)  # the engine still works


def test_unhandled_fact_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = DurableEngine(CATALOG)
    fake = SimpleNamespace(error=engine_module._dre.error,
                           assert_fact=lambda handle, text: (1, 0))
    monkeypatch.setattr(engine_module, "_dre", fake)
    with pytest.raises(RuntimeError, match="no rule matched"):
        engine.decide({})


def test_keys_with_colliding_hashes_are_never_both_used(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # durable identifies a property by its 32-bit FNV-1a hash: two keys with one hash
    # would be one property. Make the second key the engine would pick collide.
    real = engine_module._fnv1a
    monkeypatch.setattr(engine_module, "_fnv1a",
                        lambda name: real("sid") if name == "k7" else real(name))
    catalog = fake_catalog(*(Leaf(f"x{i}", f"t.f{i}", "eq", 1) for i in range(10)))
    engine = DurableEngine(catalog)
    keys = [k for f in engine._fields.values() for k in f.durable_keys()]
    assert "k7" not in keys
    assert len({real(k) for k in [*keys, "sid", "id", "_q"]}) == len(keys) + 3
    facts = {f"t.f{i}": i % 2 for i in range(10)}
    assert engine.decide(facts) == expected(catalog, facts)


def test_too_large_condition_is_refused() -> None:
    with pytest.raises(EngineError, match="too large"):
        DurableEngine(fake_catalog(Leaf("big", "commune.epci", "in",
                                        tuple(f"v{i}" for i in range(600)))))


# --- many nodes: several rulesets; processes --------------------------------------------

def _many_nodes_check(queue: Any) -> None:
    rank = FIBRE_RANK
    roots = [Any_(f"n{i}", (Leaf(f"n{i}/0", "equipment.cameras", "ge", i),
                            Leaf(f"n{i}/1", "network.fibre", "ge", "ftte", rank),
                            Not(f"n{i}/2", Leaf(f"n{i}/2/0", "network.gecko", "eq", True))))
             for i in range(150)]
    roots.append(Leaf("wide", "commune.epci", "in", tuple(f"e{i}" for i in range(300))))
    catalog = fake_catalog(*roots)
    engine = DurableEngine(catalog)
    rng = random.Random(7)
    bad = 0
    for _ in range(150):
        facts = {"equipment.cameras": rng.randint(0, 160), "network.fibre": rng.choice(list(rank)),
                 "network.gecko": rng.random() < 0.5, "commune.epci": f"e{rng.randint(0, 320)}"}
        facts = {k: v for k, v in facts.items() if rng.random() < 0.9}
        bad += engine.decide(facts) != expected(catalog, facts)
    queue.put((engine.chunk_count, bad))


def test_many_nodes_are_split_over_rulesets() -> None:
    # All known, these 601 nodes make up to 750 matches: one ruleset would fail (303) or,
    # past 512 alpha children, hang in create_ruleset; run apart so a hang cannot stall us.
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_many_nodes_check, args=(queue,))
    process.start()
    process.join(60)
    if process.is_alive():
        process.kill()
        pytest.fail("durable-rules hung")
    chunks, bad = queue.get(timeout=5)
    assert chunks > 1
    assert bad == 0


PARENT_ENGINE: DurableEngine | None = None


def _child_decides(facts: dict) -> tuple[bool, bool, dict, dict]:
    engine = engine_for(CATALOG)
    assert PARENT_ENGINE is not None
    inherited = PARENT_ENGINE.decide(facts)  # the inherited object rebuilds its rulesets
    assert PARENT_ENGINE._pid == os.getpid()
    return engine is PARENT_ENGINE, engine is engine_for(CATALOG), engine.decide(facts), inherited


def test_forked_worker_builds_its_own_engine() -> None:
    global PARENT_ENGINE
    PARENT_ENGINE = engine_for(CATALOG)
    assert engine_for(CATALOG) is PARENT_ENGINE
    assert engine_for(load_catalog(ROOT / "rules")) is PARENT_ENGINE  # load_catalog caches too
    PARENT_ENGINE.decide({"network.gecko": True})
    domain = domains(CATALOG)
    rng = random.Random(3)
    samples = [random_facts(rng, domain, CATALOG) for _ in range(200)]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map(_child_decides, samples, chunksize=20)
    for facts, (shared, cached, got, inherited) in zip(samples, results, strict=True):
        assert not shared and cached
        assert got == inherited == expected(CATALOG, facts)
    assert PARENT_ENGINE.decide(samples[0]) == expected(CATALOG, samples[0])



# --- a memo of the engine's answers (issue 12) --------------------------------------------

def test_the_engine_reads_the_facts_its_rules_name_and_nothing_else() -> None:
    engine = DurableEngine(CATALOG)
    assert engine.reads == {leaf.fact for node in all_nodes(CATALOG) for leaf in leaves(node)}
    facts = {"network.gecko": True, "network.fibre": "ftto", "equipment.cameras": 2,
             "convention.applicable": "avenant-6"}
    unread = {"commune.population": 90_000, "finances.fonctionnement": 1.5e6}
    assert not engine.reads & unread.keys()
    assert engine.decide({**facts, **unread}) == engine.decide(facts) == expected(CATALOG, facts)


def test_a_memo_of_answers_asks_the_engine_once_per_facts_it_reads(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from eligibility.evaluation.evaluate import evaluate_facts

    asked: list[object] = []
    real = DurableEngine.decide

    def counted(self: DurableEngine, facts: Mapping[str, Any]) -> Any:
        asked.append(facts)
        return real(self, facts)

    monkeypatch.setattr(DurableEngine, "decide", counted)
    profile = load_profile(str(ROOT / "fixtures" / "communes" / "30189-nimes.yaml"), CATALOG)
    day = profile.convention.signed_on if profile.convention else None
    assert day is not None
    memo: dict[Any, Any] = {}
    base = derive_facts(profile, day, CATALOG)
    first = evaluate_facts(CATALOG, profile, day, base, None, "durable", memo=memo)
    # another population (no rule reads it): the answer kept serves
    other = {**base, "commune.population": base.get("commune.population", 0) + 1}
    again = evaluate_facts(CATALOG, profile, day, other, None, "durable", memo=memo)
    assert len(asked) == 1 and again.verdicts == first.verdicts
    # a fact a rule reads: the engine is asked
    fewer = {k: v for k, v in base.items() if k != "network.fibre"}
    evaluate_facts(CATALOG, profile, day, fewer, None, "durable", memo=memo)
    assert len(asked) == 2 and len(memo) == 2
    # without a memo it is always asked
    evaluate_facts(CATALOG, profile, day, base, None, "durable")
    assert len(asked) == 3
