"""What explaining costs (issue 12.2): rendering a verdict, plan included, as text and as
JSON, against the evaluation that produced it, in the same run.

    python benchmarks/explain_bench.py [--rounds N] [--engine durable|reference]

Cases: each of the 39 communes of ``fixtures/communes`` and each brick, shown alone
(``check PROFILE --brick ID``), on two dates. A is the library call the CLI makes
(``check``: the verdicts, and the plan of the brick shown re-checked); B renders that
evaluation as text, C as JSON (``check --format json``). The three run interleaved (A B
C, A B C, ...); each round times every case; the medians of the rounds are compared and
their spread (lowest-highest, as a share of the median) printed.

Target: B and C each cost at most A (ratio <= 1.0), over every verdict and over the
verdicts that carry a plan. Exits 1 when a ratio is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from eligibility.catalog.loading import load_catalog  # noqa: E402
from eligibility.catalog.model import Catalog  # noqa: E402
from eligibility.evaluation.check import EngineName, check  # noqa: E402
from eligibility.profile.loading import load_profile  # noqa: E402
from eligibility.profile.model import Profile  # noqa: E402
from eligibility.reports.check import check_json, check_text  # noqa: E402

TARGET = 1.0
DAYS = (dt.date(2023, 1, 15), dt.date(2026, 12, 1))

Case = tuple[Profile, dt.date, str]


def cases(catalog: Catalog) -> list[Case]:
    profiles = [load_profile(str(p), catalog)
                for p in sorted((ROOT / "fixtures" / "communes").glob("*.yaml"))]
    return [(p, day, brick) for p in profiles for day in DAYS for brick in catalog.bricks]


def measure(catalog: Catalog, chosen: list[Case], engine: EngineName,
            rounds: int) -> dict[str, list[float]]:
    """Per round, the total time of A, B and C over the cases, interleaved case by case
    (A B C for one case, then the next): a burst of load hits the three alike."""
    clock = time.perf_counter
    times: dict[str, list[float]] = {"A": [], "B": [], "C": []}
    gc.collect()
    for _ in range(rounds):
        a = b = c = 0.0
        for profile, day, brick in chosen:
            start = clock()
            ev = check(catalog, profile, day, engine=engine, show=[brick])
            split = clock()
            check_text(ev, "fr")
            middle = clock()
            check_json(ev, "fr")
            end = clock()
            a += split - start
            b += middle - split
            c += end - middle
        times["A"].append(a)
        times["B"].append(b)
        times["C"].append(c)
    return times


def spread(values: list[float]) -> str:
    return f"±{(max(values) - min(values)) / statistics.median(values) * 50:.0f}%"


def report(title: str, count: int, times: dict[str, list[float]]) -> bool:
    a = statistics.median(times["A"])
    print(f"{title}: {count} verdicts, {len(times['A'])} rounds, medians")
    rows = [("A evaluation (check, plan included)", times["A"], None),
            ("B text rendering", times["B"], statistics.median(times["B"]) / a),
            ("C JSON rendering", times["C"], statistics.median(times["C"]) / a)]
    ok = True
    for name, values, ratio in rows:
        median = statistics.median(values)
        line = f"  {name:<38} {median / count * 1e6:8.0f} µs/verdict  {spread(values):>5}"
        if ratio is not None:
            missed = ratio > TARGET
            ok = ok and not missed
            line += f"  {ratio:5.2f}x of A  " + (f"MISSED (target ≤ {TARGET}x)" if missed
                                                else "ok")
        print(line)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--engine", choices=("durable", "reference"), default="durable")
    args = parser.parse_args()
    catalog = load_catalog(ROOT / "rules")
    every = cases(catalog)
    engine: EngineName = args.engine
    planned = [c for c in every
               if check(catalog, c[0], c[1], engine=engine, show=[c[2]]).plans]
    ok = report(f"every verdict ({engine})", len(every),
                measure(catalog, every, engine, args.rounds))
    ok = report(f"verdicts with a plan ({engine})", len(planned),
                measure(catalog, planned, engine, args.rounds)) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
