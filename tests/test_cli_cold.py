"""Issue 12, point 3: a cold command loads what it needs, and nothing else.

Each test starts a fresh interpreter running the program as the console script does
(``main()`` reading its own arguments) and looks at the modules it loaded. No time is
asserted here: ``benchmarks/cold_bench.py`` measures the times against their floor.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from eligibility.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "communes" / "30206-poulx.yaml"

# Run as the program, then report which modules it loaded (and the collector's state).
_PROGRAM = """\
import atexit, gc, json, sys
def _report():
    sys.__stderr__.write("\\nLOADED " + json.dumps({
        "modules": sorted(sys.modules), "gc_enabled": gc.isenabled(),
        "frozen": gc.get_freeze_count()}) + "\\n")
atexit.register(_report)
sys.argv = ["eligibility", *sys.argv[1:]]
from eligibility.cli import main
main()
"""


def _run(*args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    done = subprocess.run([sys.executable, "-c", _PROGRAM, *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    line = done.stderr.rsplit("LOADED ", 1)[-1]
    return done, json.loads(line)


def _loaded(report: dict[str, object], *tops: str) -> list[str]:
    modules = report["modules"]
    assert isinstance(modules, list)
    return [m for m in modules if m.split(".")[0] in tops or m in tops]


def test_help_and_version_load_no_model_no_yaml_no_catalog() -> None:
    for flag in ("--help", "--version"):
        done, report = _run(flag)
        assert done.returncode == 0, done.stderr
        assert _loaded(report, "pydantic", "pydantic_core", "yaml", "durable_rules_engine") == []
        assert _loaded(report, "eligibility.catalog.model", "eligibility.profile",
                       "eligibility.evaluation") == []


def test_version_names_the_catalog_it_would_load() -> None:
    from eligibility.catalog.loading import load_catalog

    done, _ = _run("--version")
    assert done.stdout.splitlines()[1] == f"catalog {load_catalog().content_hash}"


def test_check_loads_no_other_capability() -> None:
    done, report = _run("check", str(FIXTURE), "--as-of", "2023-01-15")
    assert done.returncode == 1, done.stderr  # vsi is not eligible for Poulx
    assert "non éligible" in done.stdout
    assert _loaded(report, "hypothesis", "flask", "openpyxl", "eligibility.audit",
                   "eligibility.costs", "eligibility.lint", "eligibility.verify",
                   "eligibility.web", "eligibility.cli.audit", "eligibility.cli.costs",
                   "eligibility.cli.rules", "eligibility.cli.serve",
                   "eligibility.cli.schema") == []


def test_the_program_runs_its_command_with_the_collector_on() -> None:
    # Off while the command's modules are imported, then on (those objects frozen).
    done, report = _run("check", str(FIXTURE), "--as-of", "2023-01-15")
    assert done.returncode == 1, done.stderr
    assert report["gc_enabled"] is True
    assert isinstance(report["frozen"], int) and report["frozen"] > 0


def test_called_with_arguments_the_collector_is_left_alone() -> None:
    frozen = gc.get_freeze_count()
    result = CliRunner().invoke(main, ["check", str(FIXTURE), "--as-of", "2023-01-15"])
    assert result.exit_code == 1, result.output
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
