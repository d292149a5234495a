"""The README's worked examples are real: each ``console`` block is run and compared.

A block starting ``$ eligibility ARGS`` (run from the repository root, the output
following, then ``[exit N]`` when not 0) is executed through the CLI; a README that
drifts from the program fails here rather than misleading a reader.
"""

from __future__ import annotations

import os
import re
import shlex

import pytest
from click.testing import CliRunner
from helpers import ROOT

from eligibility.cli.main import main

README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def _examples() -> list[tuple[str, str, int]]:
    examples = []
    for block in BLOCK.findall(README.read_text(encoding="utf-8")):
        command, _, output = block.partition("\n")
        assert command.startswith("$ eligibility "), f"a console block runs eligibility: {command}"
        code = 0
        tail = re.search(r"\n?\[exit (\d+)\]\n$", output)
        if tail:
            code, output = int(tail.group(1)), output[:tail.start()] + "\n"
        examples.append((command.removeprefix("$ eligibility "), output, code))
    return examples


EXAMPLES = _examples()


def test_the_readme_has_worked_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize(("args", "expected", "code"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_readme_example_is_the_real_output(args, expected, code, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(main, shlex.split(args), catch_exceptions=False,
                                env={**os.environ, "NO_COLOR": "1"})
    assert result.stdout.rstrip("\n") == expected.rstrip("\n")
    assert result.exit_code == code
