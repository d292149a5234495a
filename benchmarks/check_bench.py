"""Throughput of `check` through the durable-rules engine and the reference evaluator,
in the same run, and the cold start of one `eligibility check` command.

    python benchmarks/check_bench.py [--profiles N] [--cold-runs N]

Targets (issue 2): durable within 2x of the reference evaluator; at least 3,000 profiles
per second (all bricks, with reasons) on one core; one cold `check` under 0.5 s.
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from synthetic import synthetic_profiles  # noqa: E402

from eligibility import check, load_catalog, parse_profile  # noqa: E402

TARGET_RATIO, TARGET_RATE, TARGET_COLD = 2.0, 3000.0, 0.5
DAY = dt.date(2023, 1, 15)


def throughput(engine: str, profiles: list, catalog, repeat: int = 3) -> float:
    """Best of ``repeat`` runs, profiles per second (every brick, reasons included)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for profile in profiles:
            check(catalog, profile, DAY, [], engine=engine)
        best = min(best, time.perf_counter() - start)
    return len(profiles) / best


def cold_start(runs: int) -> float:
    fixture = ROOT / "fixtures" / "communes" / "30206-poulx.yaml"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "cli.py"), "check", str(fixture),
                        "--as-of", "2023-01-15"], capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=5000)
    parser.add_argument("--cold-runs", type=int, default=7)
    args = parser.parse_args()

    catalog = load_catalog(ROOT / "rules")
    profiles = [parse_profile(p, catalog) for p in synthetic_profiles(args.profiles)]
    check(catalog, profiles[0], DAY, engine="durable")  # build the ruleset once
    reference = throughput("reference", profiles, catalog)
    durable = throughput("durable", profiles, catalog)
    ratio = reference / durable
    cold = cold_start(args.cold_runs)

    rows = [
        ("reference evaluator (baseline)", f"{reference:,.0f} profiles/s", ""),
        ("durable-rules engine", f"{durable:,.0f} profiles/s",
         "ok" if durable >= TARGET_RATE else f"MISSED (target ≥ {TARGET_RATE:,.0f})"),
        ("durable / reference time ratio", f"{ratio:.2f}x",
         "ok" if ratio <= TARGET_RATIO else f"MISSED (target ≤ {TARGET_RATIO}x)"),
        ("cold `check` (median)", f"{cold * 1000:.0f} ms",
         "ok" if cold <= TARGET_COLD else f"MISSED (target ≤ {TARGET_COLD * 1000:.0f} ms)"),
    ]
    print(f"{len(profiles)} synthetic profiles, every brick, {DAY}, one core")
    for name, value, verdict in rows:
        print(f"  {name:<34} {value:>18}  {verdict}")
    return 1 if any(v.startswith("MISSED") for _, _, v in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
