"""A cold `eligibility check PROFILE` against the floor of its own stack, in the same run.

    python benchmarks/cold_bench.py [--runs N]

The floor is generated here: a fresh ``python -c`` that imports yaml, click and pydantic
and builds (and uses) one model, the least any command of this stack can cost. Each
round runs, one after the other, the floor, ``eligibility check`` on a fixture commune,
``eligibility --help`` and ``eligibility --version`` (A B C D A B C D ...: a machine
shared with other work slows every kind alike), each in a new interpreter as a user
would, through the installed ``eligibility`` script next to this Python. Medians, with
the spread (min-max) printed.

Targets (issue 12, point 3): check ≤ 1.3x the floor; --help and --version ≤ 1.0x the
floor. Exits 1 when one is missed.

Bytecode: the package's modules must be compiled (``python -m compileall -q
eligibility``, as .ci/run and the README's install do; a wheel install compiles them
itself) - otherwise every cold command compiles them again. This script says so when
some are missing.
"""

from __future__ import annotations

import argparse
import importlib.util
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


def _time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False, cwd=ROOT)
    return time.perf_counter() - start


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
    for command in commands.values():  # warm the file cache; not measured
        _time(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            times[name].append(_time(command))

    floor = statistics.median(times["floor"])
    print(f"cold commands, {args.runs} interleaved rounds, medians (min-max); "
          f"floor = python -c 'import yaml, click, pydantic; one model'")
    print(f"  {'floor':<12} {floor * 1000:7.0f} ms  "
          f"({min(times['floor']) * 1000:.0f}-{max(times['floor']) * 1000:.0f})")
    missed = False
    for name, target in TARGETS.items():
        median = statistics.median(times[name])
        ratio = median / floor
        ok = ratio <= target
        missed |= not ok
        print(f"  {name:<12} {median * 1000:7.0f} ms  ({min(times[name]) * 1000:.0f}-"
              f"{max(times[name]) * 1000:.0f})  {ratio:4.2f}x the floor  "
              + ("ok" if ok else f"MISSED (target ≤ {target}x)"))
    uncompiled = _uncompiled()
    if uncompiled:
        print(f"  note: {len(uncompiled)} modules without up-to-date bytecode (e.g. "
              f"{uncompiled[0]}): run `python -m compileall -q eligibility`")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
