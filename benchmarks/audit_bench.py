"""`eligibility audit` on 35,000 synthetic communes (about every commune of France):
wall time and peak memory against the targets of issue 3, in the same run.

    python benchmarks/audit_bench.py [--communes 35000] [--mix realistic|random]
                                     [--input yaml|json|csv] [--format json|text|csv|…]
                                     [--jobs N] [--keep DIR]

The communes are generated as files in a temporary folder (one YAML file each by
default; ``--input csv``: one CSV matrix). Then the real command runs in a child
process, as a user would run it:

    python cli.py audit FOLDER --as-of 2023-01-15 --format json --output FILE --fail-on never

Measured: the wall time of that command (reading, auditing on every core, writing the
report), and its peak memory, two ways: the sum of the resident memory of the command
and its worker processes, sampled every 50 ms (shared pages counted in each process:
an upper bound), and ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` (the largest single
process). Also sampled: the CPU time of the command's own process (the parent: reading
the list of inputs, collecting results, writing the report), its serial work.

Then, in this process and on one core, the same communes go through 35,000 plain durable
``check`` calls (``check(catalog, profile, day, plans=False)``, the profiles parsed
beforehand): the work of the audit without its reading, drift or report.

Targets (issue 12, point 4): the audit's wall time ≤ 2x (the checks' time / the workers
used); the parent's CPU time < 10% of the wall time; peak memory < 1 GB (the sampled
sum). Exits 1 when one is missed. The goal on this machine is 10 s on 2 cores.

``--mix realistic`` (default): each commune is one of the 39 fixture communes
(fixtures/communes) under a new INSEE code and name, with random changes (fibre, Gecko,
cameras, authorisation, tools, subscription dates, a subscription more or less), so that
every kind of finding occurs, in about the proportions of the fixtures.
``--mix random``: benchmarks/synthetic.py, every field drawn at random; most communes
hold bricks they cannot (about 2.5 errors each): the worst case for tracing errors back.
"""

from __future__ import annotations

import argparse
import copy
import csv
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from synthetic import synthetic_profiles  # noqa: E402

TARGET_BYTES = 1024**3
AS_OF = "2023-01-15"
BRICKS = ["conseil-assistance", "internet-collaboratif", "cloud-reseaux", "videoprotection",
          "vsi", "ecoles-numeriques", "bureautique", "telecoms", "si-urbanisme", "ads"]


# --- generation ------------------------------------------------------------------------

def _templates() -> list[dict[str, Any]]:
    files = sorted((ROOT / "fixtures" / "communes").glob("*.yaml"))
    if not files:
        raise SystemExit("no fixture communes in fixtures/communes: use --mix random")
    return [yaml.load(f.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) for f in files]


def realistic_profiles(count: int, seed: int = 2023) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    templates = _templates()
    profiles = []
    for index in range(count):
        profile = copy.deepcopy(templates[index % len(templates)])
        commune = profile["commune"]
        commune["insee"] = f"{10000 + index:05d}"
        commune["name"] = f"{commune['name']} {index // len(templates) + 1}"
        if "population" in commune:
            commune["population"] = max(50, int(commune["population"] * rng.uniform(0.5, 1.5)))
        network = profile.setdefault("network", {})
        if rng.random() < 0.15:
            network["fibre"] = rng.choice(["none", "ftth", "ftte", "ftto"])
        if rng.random() < 0.08:
            network["gecko"] = not network.get("gecko", False)
        equipment = profile.setdefault("equipment", {})
        if rng.random() < 0.1:
            equipment["cameras"] = rng.choice([0, 0, 4, 12, 40])
        if rng.random() < 0.08:
            profile.setdefault("authorisations", {})["videoprotection_prefectorale"] = \
                rng.random() < 0.5
        if rng.random() < 0.08:
            profile.setdefault("tools", {})["collaboration"] = rng.choice(
                ["alfresco", "office365", "office365"])
        if rng.random() < 0.08:
            profile.setdefault("tools", {})["sig"] = rng.choice(["geoagglo", "mycarto", "mycarto"])
        subscriptions = profile.setdefault("subscriptions", [])
        for subscription in subscriptions:
            if subscription.get("since") and rng.random() < 0.3:
                subscription["since"] += dt.timedelta(days=rng.randint(-200, 200))
        held = {s["brick"] for s in subscriptions}
        if rng.random() < 0.12:
            extra = rng.choice([b for b in BRICKS if b not in held] or BRICKS)
            if extra not in held:
                subscriptions.append({"brick": extra,
                                      "since": dt.date(rng.randint(2015, 2022), 1, 1)})
        if subscriptions and rng.random() < 0.08:
            subscriptions.pop(rng.randrange(len(subscriptions)))
        profiles.append(profile)
    return profiles


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def write_inputs(profiles: list[dict[str, Any]], folder: Path, kind: str) -> Path:
    if kind == "csv":
        path = folder / "communes.csv"
        write_matrix(profiles, path)
        return path
    for profile in profiles:
        path = folder / f"{profile['commune']['insee']}.{kind}"
        if kind == "json":
            path.write_text(json.dumps(profile, default=_plain, ensure_ascii=False),
                            encoding="utf-8")
        else:
            path.write_text(yaml.dump(profile, Dumper=yaml.CSafeDumper, allow_unicode=True,
                                      sort_keys=False), encoding="utf-8")
    return folder


def write_matrix(profiles: list[dict[str, Any]], path: Path) -> None:
    """A spreadsheet export: `;`, UTF-8 with BOM, one column per brick (date = since)."""
    fields = ["commune.population", "commune.epci", "convention.version",
              "convention.signed_on", "convention.history", "network.gecko", "network.fibre",
              "equipment.cameras", "equipment.schools", "equipment.workstations",
              "equipment.mobile_lines", "authorisations.videoprotection_prefectorale",
              "urbanisme.document", "tools.collaboration", "tools.sig", "vsi.use_cases",
              "finances.year", "finances.fonctionnement", "finances.investissement"]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["insee", "name", *BRICKS, *fields])
        for profile in profiles:
            held = {s["brick"]: s.get("since") for s in profile.get("subscriptions", [])}
            row = [profile["commune"]["insee"], profile["commune"]["name"]]
            row += [(_plain(held[b]) or "x") if b in held else "" for b in BRICKS]
            for field in fields:
                section, name = field.split(".")
                value = (profile.get(section) or {}).get(name)
                if value is None:
                    row.append("")
                elif name == "history":
                    row.append(" | ".join(f"{h['version']} {_plain(h.get('signed_on')) or ''}"
                                          .strip() for h in value))
                elif isinstance(value, list):
                    row.append("|".join(value))
                elif isinstance(value, bool):
                    row.append("oui" if value else "non")
                else:
                    row.append(str(_plain(value)))
            writer.writerow(row)


# --- measurement -----------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return found


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _cpu(pid: int) -> float:
    """User + system CPU seconds of one process (its children not included)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def checks_time(profiles: list[dict[str, Any]]) -> float:
    """Seconds for one durable ``check`` of each profile, in this process (one core)."""
    from eligibility import load_catalog, parse_profile
    from eligibility.evaluation.check import check

    catalog = load_catalog(ROOT / "rules")
    day = dt.date.fromisoformat(AS_OF)
    parsed = [parse_profile(p, catalog) for p in profiles]
    check(catalog, parsed[0], day, plans=False)  # the ruleset built before the clock starts
    start = time.perf_counter()
    for profile in parsed:
        check(catalog, profile, day, plans=False)
    return time.perf_counter() - start


class TreeMemory(threading.Thread):
    """Samples the summed resident memory of a process and its descendants."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self.most = pid, every, 0, 0
        self.parent_cpu = 0.0  # seconds of CPU of the process itself (not its workers)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            pids, pending = [], [self.pid]
            while pending:
                pid = pending.pop()
                pids.append(pid)
                pending += _children(pid)
            self.peak = max(self.peak, sum(_rss(p) for p in pids))
            self.most = max(self.most, len(pids))
            self.parent_cpu = max(self.parent_cpu, _cpu(self.pid))
            self.done.wait(self.every)


def cpu_check() -> float:
    """Seconds for a fixed pure-Python loop: how fast this (shared, virtual) machine is now."""
    start = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=35_000)
    parser.add_argument("--mix", choices=["realistic", "random"], default="realistic")
    parser.add_argument("--input", choices=["yaml", "json", "csv"], default="yaml")
    parser.add_argument("--format", default="json")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--keep", metavar="DIR", default=None,
                        help="generate into DIR and keep it (default: a temporary folder)")
    args = parser.parse_args()

    speed = cpu_check()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="audit-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        start = time.perf_counter()
        profiles = (realistic_profiles(args.communes) if args.mix == "realistic"
                    else synthetic_profiles(args.communes))
        if args.input == "csv":
            inputs = write_inputs(profiles, folder, "csv")
        else:
            (folder / "in").mkdir(exist_ok=True)
            inputs = write_inputs(profiles, folder / "in", args.input)
        os.sync()  # the generated files on disk before the clock starts, not written meanwhile
        generated = time.perf_counter() - start
        report = folder / f"report.{args.format}"
        command = [sys.executable, str(ROOT / "cli.py"), "audit", str(inputs), "--as-of", AS_OF,
                   "--format", args.format, "--output", str(report), "--fail-on", "never"]
        if args.jobs:
            command += ["--jobs", str(args.jobs)]
        start = time.perf_counter()
        process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        sampler = TreeMemory(process.pid)
        sampler.start()
        _, errors = process.communicate()
        elapsed = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
        largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        if process.returncode != 0:
            print(errors, file=sys.stderr)
            print(f"the audit exited {process.returncode}", file=sys.stderr)
            return 1
        summary = _summary(report, args.format)
        size = report.stat().st_size
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    baseline = checks_time(profiles)
    del profiles
    workers = max(1, sampler.most - 1)
    allowed = 2 * baseline / workers
    mib = 1024 * 1024
    where = f"temporary folder ({args.input} input)" if not args.keep else f"{folder}"
    print(f"{args.communes:,} synthetic communes ({args.mix} mix) generated in {generated:.1f} s"
          f" into a {where}; audited on {AS_OF} with `{' '.join(command[1:3])} …`"
          f" ({sampler.most - 1} worker processes seen)")
    if summary:
        print(f"  findings: {summary}; report {args.format}: {size / mib:,.0f} MiB")
    print(f"  machine speed check: 5M Python additions in {speed:.2f} s (lower is faster)")
    rows = [
        ("wall time (read, audit, write)", f"{elapsed:.1f} s",
         "ok" if elapsed <= allowed else f"MISSED (target ≤ {allowed:.1f} s)"),
        (f"{args.communes:,} durable checks, one core", f"{baseline:.1f} s",
         f"audit / (checks / {workers} workers) = {elapsed / (baseline / workers):.2f}x "
         "(target ≤ 2x)"),
        ("parent process CPU (serial work)", f"{sampler.parent_cpu:.1f} s",
         f"{sampler.parent_cpu / elapsed:.0%} of the wall time "
         + ("ok" if sampler.parent_cpu < 0.1 * elapsed else "MISSED (target < 10%)")),
        ("peak memory, process tree (sampled)", f"{sampler.peak / mib:,.0f} MiB",
         "ok" if sampler.peak < TARGET_BYTES else "MISSED (target < 1 GiB)"),
        ("peak memory, largest process (maxrss)", f"{largest / mib:,.0f} MiB", ""),
        ("throughput", f"{args.communes / elapsed:,.0f} communes/s", ""),
    ]
    for name, value, verdict in rows:
        print(f"  {name:<40} {value:>16}  {verdict}")
    return 1 if any("MISSED" in v for _, _, v in rows) else 0


def _summary(report: Path, fmt: str) -> str:
    if fmt != "json":
        return ""
    with report.open(encoding="utf-8") as handle:
        data = json.load(handle)
    counts = data["summary"]["findings"]
    n = max(1, data["summary"]["communes"])
    with_errors = sum(1 for c in data["communes"] if c["counts"]["error"])
    return (f"{counts['error']:,} errors, {counts['warning']:,} warnings, {counts['info']:,} "
            f"info; {with_errors / n:.0%} of communes with an error")


if __name__ == "__main__":
    sys.exit(main())
