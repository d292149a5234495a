"""The engine path: `check` through durable-rules against the reference evaluator, in
the same run, interleaved.

    python benchmarks/check_bench.py [--profiles N] [--rounds N]

Each round times, one after the other, the same block of synthetic profiles (every
brick asked for, full reasons, no plans: ``check(..., plans=False)``) through:

* ``reference``: ``--engine reference``, the deliberately simple evaluator;
* ``durable``: the default engine (durable-rules decides every leaf, the verdicts are
  assembled from its truths);
* ``generated``: the floor of the durable path, generated here from the same catalog:
  the leaves decided by ``conditions.evaluate_leaf`` in Python instead of durable-rules,
  then the same compiled combinator code and the same ``assemble``. What durable-rules
  costs is the distance from this floor.

``assemble`` shares verdicts between evaluations with the same node truths (an audit of
many communes meets the same truths again and again); each block starts with those
memos empty (``--warm`` keeps them), so a block meets its profiles for the first time.
The reference evaluator keeps nothing.

A B C A B C ...: a machine shared with other work slows them alike. Printed: the median
time per profile of each (min-max over the rounds), and the median over the rounds of
the ratio durable / reference (each round's two blocks side by side), with its spread.

Targets (issue 12, point 1): durable ≤ 0.5x the reference's time (gated, exit 1 when
missed); ≥ 10,000 profiles per second per core on a quiet machine (reported only:
this figure depends on the machine's load, the ratio does not).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from synthetic import synthetic_profiles  # noqa: E402

from eligibility import load_catalog, parse_profile  # noqa: E402
from eligibility.catalog.conditions import evaluate_leaf  # noqa: E402
from eligibility.engine.durable import engine_for  # noqa: E402
from eligibility.evaluation.check import check  # noqa: E402
from eligibility.evaluation.verdicts import assemble, forget_shared_verdicts  # noqa: E402
from eligibility.profile.facts import derive_facts  # noqa: E402

TARGET_RATIO, QUIET_RATE = 0.5, 10_000.0
DAY = dt.date(2023, 1, 15)


def generated_floor(catalog: Any) -> Callable[[Any], Any]:
    """``check`` with the leaves decided in plain Python: the durable path minus durable."""
    engine = engine_for(catalog)
    leaves = {node.node_id: node for node in _all_leaves(catalog)}
    slots = [(i, leaves[engine.node_ids[i]]) for i, _ in engine._leaves]
    combine, node_ids = engine._combine, engine.node_ids

    def run(profile: Any) -> Any:
        facts = derive_facts(profile, DAY, catalog)
        values: list[Any] = [None] * len(node_ids)
        for i, leaf in slots:
            values[i] = evaluate_leaf(leaf, facts)
        combine(values)
        return assemble(catalog, profile, DAY, facts, dict(zip(node_ids, values, strict=True)), [])

    return run


def _all_leaves(catalog: Any) -> list[Any]:
    from eligibility.catalog.conditions import Leaf, walk
    from eligibility.catalog.model import all_nodes

    return [n for root in all_nodes(catalog) for n in walk(root) if isinstance(n, Leaf)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=1000, help="per block (default 1000)")
    parser.add_argument("--rounds", type=int, default=9, help="rounds (default 9)")
    parser.add_argument("--warm", action="store_true",
                        help="keep the verdict memos from one block to the next (default: "
                             "each block starts with them empty, every profile new to them)")
    args = parser.parse_args()

    catalog = load_catalog(ROOT / "rules")
    profiles = [parse_profile(p, catalog) for p in synthetic_profiles(args.profiles)]
    floor = generated_floor(catalog)
    paths: dict[str, Callable[[Any], Any]] = {
        "reference": lambda p: check(catalog, p, DAY, [], engine="reference", plans=False),
        "durable": lambda p: check(catalog, p, DAY, [], engine="durable", plans=False),
        "generated": floor,
    }
    for profile in profiles[:50]:  # build the ruleset, warm the caches; not measured
        a, b, c = (path(profile) for path in paths.values())
        if not a.verdicts == b.verdicts == c.verdicts:
            print("error: the paths disagree on a profile", file=sys.stderr)
            return 1
    per_profile: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(args.rounds):
        for name, path in paths.items():
            if not args.warm:
                forget_shared_verdicts(catalog)
            start = time.perf_counter()
            for profile in profiles:
                path(profile)
            per_profile[name].append((time.perf_counter() - start) / len(profiles))
    ratios = [d / r for d, r in zip(per_profile["durable"], per_profile["reference"],
                                    strict=True)]
    ratio = statistics.median(ratios)
    durable_rate = 1 / min(per_profile["durable"])

    print(f"{len(profiles)} synthetic profiles per block, {args.rounds} interleaved rounds, "
          f"every brick with reasons, {DAY}, one core; medians (min-max); verdict memos "
          + ("kept between blocks" if args.warm else "emptied before each block"))
    for name, times in per_profile.items():
        print(f"  {name:<10} {statistics.median(times) * 1e6:8.1f} us/profile "
              f"({min(times) * 1e6:.1f}-{max(times) * 1e6:.1f})  "
              f"{1 / statistics.median(times):9,.0f} profiles/s")
    ok = ratio <= TARGET_RATIO
    print(f"  durable / reference  {ratio:.2f}x ({min(ratios):.2f}-{max(ratios):.2f})  "
          + ("ok" if ok else f"MISSED (target ≤ {TARGET_RATIO}x)"))
    generated = statistics.median(per_profile["generated"])
    print(f"  durable / generated floor  "
          f"{statistics.median(per_profile['durable']) / generated:.2f}x")
    print(f"  durable, best round: {durable_rate:,.0f} profiles/s on this core "
          f"(target ≥ {QUIET_RATE:,.0f} on a quiet machine: reported, not gated)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
