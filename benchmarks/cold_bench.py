"""A cold `eligibility check PROFILE` against the floor of its own stack, in the same run.

    python benchmarks/cold_bench.py [--runs N]

The floor is generated here: a fresh ``python -c`` that imports yaml, click and pydantic
and builds (and uses) one model, the least any command of this stack can cost. Each
round runs, one after the other, the floor, ``eligibility check`` on a fixture commune,
``eligibility --help``, ``eligibility --version`` and ``check`` again without the
catalog cache (A B C D E A B C D E ...: a machine shared with other work slows every
kind alike), each in a new interpreter as a user would, through the installed
``eligibility`` script next to this Python. Medians, with the spread (min-max) printed.

Targets (issue 12, point 3): check ≤ 1.3x the floor; --help and --version ≤ 1.0x the
floor. Exits 1 when one is missed. The ratios are of wall times; the CPU time of each
child (user + system, from ``wait4``) is printed beside them, a second view that waiting
for a busy core does not inflate. Also reported, not gated: ``check`` with
``ELIGIBILITY_NO_CACHE=1``, the cost of a first run (the catalog read, validated and
compiled from its YAML instead of loaded from ``~/.cache/eligibility``).

Bytecode: the package's modules must be compiled (``python -m compileall -q
eligibility``, as .ci/run and the README's install do; a wheel install compiles them
itself) - otherwise every cold command compiles them again. This script says so when
some are missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "communes" / "30206-poulx.yaml"
TARGETS = {"check": 1.3, "--help": 1.0, "--version": 1.0}

FLOOR = """\
import yaml, click, pydantic
class Commune(pydantic.BaseModel):
    insee: str
    population: int
Commune.model_validate(yaml.safe_load("insee: '30206'\\npopulation: 500"))
"""


def _script() -> list[str]:
    found = Path(sys.executable).with_name("eligibility")
    if found.exists():
        return [str(found)]
    which = shutil.which("eligibility")
    return [which] if which else [sys.executable, "-m", "eligibility"]


def _uncompiled() -> list[str]:
    """Modules of the package without up-to-date bytecode."""
    missing = []
    for source in sorted((ROOT / "eligibility").rglob("*.py")):
        compiled = Path(importlib.util.cache_from_source(str(source)))
        info = source.stat()
        try:
            header = compiled.read_bytes()[:16]  # magic, flags, source mtime, source size
        except OSError:
            header = b""
        if (len(header) < 16 or header[:4] != importlib.util.MAGIC_NUMBER
                or int.from_bytes(header[8:12], "little") != int(info.st_mtime) & 0xFFFFFFFF
                or int.from_bytes(header[12:16], "little") != info.st_size & 0xFFFFFFFF):
            missing.append(str(source.relative_to(ROOT)))
    return missing


def _time(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``command``."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             cwd=ROOT, env=env)
    _, _, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="rounds (default 15)")
    args = parser.parse_args()

    script = _script()
    commands = {
        "floor": [sys.executable, "-c", FLOOR],
        "check": [*script, "check", str(FIXTURE), "--as-of", "2023-01-15"],
        "--help": [*script, "--help"],
        "--version": [*script, "--version"],
    }
    no_cache = {**os.environ, "ELIGIBILITY_NO_CACHE": "1"}
    envs = {"check no cache": no_cache}
    commands["check no cache"] = commands["check"]
    for name, command in commands.items():  # warm the file cache (and the catalog's)
        _time(command, envs.get(name))
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            elapsed, used = _time(command, envs.get(name))
            wall[name].append(elapsed)
            cpu[name].append(used)

    floor, floor_cpu = statistics.median(wall["floor"]), statistics.median(cpu["floor"])
    print(f"cold commands, {args.runs} interleaved rounds, medians (min-max); "
          f"floor = python -c 'import yaml, click, pydantic; one model'")

    def line(name: str) -> str:
        median, used = statistics.median(wall[name]), statistics.median(cpu[name])
        ratio = f"{median / floor:4.2f}x the floor" if name != "floor" else " " * 15
        return (f"  {name:<15} {median * 1000:5.0f} ms ({min(wall[name]) * 1000:.0f}-"
                f"{max(wall[name]) * 1000:.0f})  {ratio}"
                f"  [cpu {used * 1000:4.0f} ms, {used / floor_cpu:4.2f}x]")

    print(line("floor"))
    missed = False
    for name, target in TARGETS.items():
        ok = statistics.median(wall[name]) / floor <= target
        missed |= not ok
        print(line(name) + ("  ok" if ok else f"  MISSED (target ≤ {target}x)"))
    print(line("check no cache") + "  (reported: a first run, the catalog read from YAML)")
    uncompiled = _uncompiled()
    if uncompiled:
        print(f"  note: {len(uncompiled)} modules without up-to-date bytecode (e.g. "
              f"{uncompiled[0]}): run `python -m compileall -q eligibility`")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
