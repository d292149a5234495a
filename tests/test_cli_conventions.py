"""The command behaves like the best click tools (issue 10, point 6): ``python -m``,
``-V``/``--version`` with the catalog's hash, shell completion of bricks, ``--quiet``,
``--help`` naming the exit codes, errors shown once by the group."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from eligibility.catalog.content_hash import content_hash
from eligibility.catalog.loading import load_catalog
from eligibility.catalog.model import shipped_rules_dir
from eligibility.cli.main import main
from eligibility.errors import EXIT_CODES, EligibilityError, InputError
from eligibility.reports.provenance import tool_version

ROOT = Path(__file__).resolve().parent.parent
POULX = str(ROOT / "fixtures" / "communes" / "30206-poulx.yaml")


def test_python_dash_m_is_the_command() -> None:
    out = subprocess.run([sys.executable, "-m", "eligibility", "--version"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    assert out.stdout.startswith("eligibility ")


def test_version_names_the_tool_and_the_catalog() -> None:
    for flag in ("-V", "--version"):
        result = CliRunner().invoke(main, [flag])
        assert result.exit_code == 0
        assert result.output.splitlines() == [
            f"eligibility {tool_version()}",
            f"catalog {load_catalog().content_hash}",
        ]


def test_help_names_every_exit_code() -> None:
    text = CliRunner().invoke(main, ["--help"]).output
    assert "Exit codes:" in text
    for code, _ in EXIT_CODES:
        assert f"\n    {code} " in text, code
    assert max(len(line) for line in text.splitlines()) <= 80


def _complete(words: str, cword: int) -> list[str]:
    env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": str(cword),
           "_ELIGIBILITY_COMPLETE": "bash_complete"}
    out = subprocess.run([sys.executable, "-m", "eligibility"], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=False)
    return [line.split(",", 1)[1] for line in out.stdout.splitlines()]


def test_completion_offers_brick_ids_and_aliases() -> None:
    catalog = load_catalog()
    assert _complete("eligibility check p.yaml --brick v", 4) == sorted(
        n for n in catalog.names if n.startswith("v"))
    every = _complete("eligibility explain p.yaml ''", 3)
    assert set(every) == set(catalog.names) and len(every) > len(catalog.bricks) - 1


def test_completion_script_is_documented() -> None:
    env = {**os.environ, "_ELIGIBILITY_COMPLETE": "bash_source"}
    script = subprocess.run([sys.executable, "-m", "eligibility"], env=env, cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    assert "_ELIGIBILITY_COMPLETE=bash_complete" in script
    assert "_ELIGIBILITY_COMPLETE=bash_source eligibility" in (ROOT / "README.md").read_text(
        encoding="utf-8")


def test_quiet_prints_nothing_the_exit_code_answers() -> None:
    loud = CliRunner().invoke(main, ["check", POULX, "--as-of", "2023-01-15"])
    quiet = CliRunner().invoke(main, ["-q", "check", POULX, "--as-of", "2023-01-15"])
    assert loud.stdout and quiet.stdout == ""
    assert quiet.exit_code == loud.exit_code == 1


def test_quiet_still_writes_the_report_asked_for(tmp_path: Path) -> None:
    report = tmp_path / "audit.md"
    result = CliRunner().invoke(main, ["--quiet", "audit", POULX, "--as-of", "2023-01-15",
                                       "--format", "markdown", "-o", str(report)])
    assert result.stdout == ""
    assert result.exit_code in (0, 1)
    assert report.read_text(encoding="utf-8").startswith("#")


def test_quiet_keeps_the_errors() -> None:
    result = CliRunner().invoke(main, ["-q", "check", "no-such-profile.yaml"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: no-such-profile.yaml")


def test_every_error_carries_its_exit_code() -> None:
    # One hierarchy: every class the library raises for the user derives from
    # EligibilityError and has an int exit code listed in --help.
    import eligibility.errors as errors

    codes = {code for code, _ in EXIT_CODES}
    classes = [c for c in vars(errors).values()
               if isinstance(c, type) and issubclass(c, Exception)]
    assert InputError in classes
    for cls in classes:
        assert issubclass(cls, EligibilityError), cls
        assert cls.exit_code in codes, cls


def test_the_catalog_hash_is_stable_and_sees_every_byte(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "rules"
    shutil.copytree(shipped_rules_dir(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert content_hash(copy) == content_hash(shipped_rules_dir())
    (copy / ".hidden").write_text("not the catalog")
    assert content_hash(copy) == content_hash(shipped_rules_dir())
    brick = sorted((copy / "bricks").glob("*.yaml"))[0]
    brick.write_bytes(brick.read_bytes() + b"# a comment\n")
    assert content_hash(copy) != content_hash(shipped_rules_dir())
