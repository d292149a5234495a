"""Issue 9: random bytes and random YAML/JSON/CSV structures through every reader.

Whatever comes in, a command ends with exit 0, 1 or 2; with 2, stderr is ``error:``
lines only; never a traceback (``catch_exceptions=False``: an exception fails the
test). Bounded: every example runs under the normal limits.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "fixtures" / "communes" / "30036-bernis.yaml"
BUDGET = ROOT / "fixtures" / "budget-2023.yaml"
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers() | st.floats()
           | st.text(max_size=20) | st.sampled_from(
               ["30206", "2A004", "avenant-6", "ftth", "vsi", "socle", "2022-12-13",
                "2022-02-30", "nimes-metropole", "x", "oui", ""]))
keys = st.sampled_from(["commune", "insee", "name", "convention", "version", "signed_on",
                        "history", "network", "fibre", "gecko", "equipment", "cameras",
                        "finances", "year", "fonctionnement", "subscriptions", "brick",
                        "since", "requests", "vsi", "use_cases", "bricks", "etp", "si",
                        "cost_per_etp", "licence_upgrades", "amount"]) | st.text(max_size=8)
trees = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(keys, inner, max_size=5), max_leaves=25)
documents = trees | st.builds(lambda rest: {"commune": {"insee": "30206", "name": "P"},
                                            **(rest if isinstance(rest, dict) else {})},
                              trees)


def assert_clean(result) -> None:
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert lines and all(line.startswith("error: ") for line in lines), result.stderr


def run(*args: str, data: bytes | None = None):
    return CliRunner().invoke(main, list(args), input=data, catch_exceptions=False)


def _write(folder: Path, name: str, content: bytes) -> str:
    path = folder / name
    path.write_bytes(content)
    return str(path)


@FUZZ
@given(raw=st.binary(max_size=600), suffix=st.sampled_from([".yaml", ".json", ".csv", ".txt"]))
def test_random_bytes_through_every_reader(tmp_path, raw, suffix):
    path = _write(tmp_path, "input" + suffix, raw)
    if suffix in (".yaml", ".json"):
        assert_clean(run("check", path))
        assert_clean(run("costs", str(GOOD), "--budget", path))
    assert_clean(run("audit", path))
    assert_clean(run("audit", "-", data=raw))


@pytest.mark.slow
@FUZZ
@given(data=documents, as_json=st.booleans())
def test_random_structures_as_profiles_and_budgets(tmp_path, data, as_json):
    try:
        text = json.dumps(data) if as_json else yaml.safe_dump(data, allow_unicode=True)
    except (ValueError, yaml.YAMLError):
        return  # a float('nan') key and the like: nothing a user could write
    path = _write(tmp_path, "doc.json" if as_json else "doc.yaml", text.encode("utf-8"))
    assert_clean(run("check", path))
    assert_clean(run("audit", path))
    assert_clean(run("costs", str(GOOD), "--budget", path))
    assert_clean(run("costs", path, "--budget", str(BUDGET)))


cells = st.text(max_size=12) | st.sampled_from(
    ["x", "oui", "2022-02-30", "31/02/2023", "avenant-6", "ftth", '"', '""', "=1+1", "1,5"])
headers = st.sampled_from(["insee", "name", "vsi", "3bis", "socle", "fibre", "gecko",
                           "signed_on", "cameras", "fonctionnement", "history", ""])


@FUZZ
@given(header=st.lists(headers, min_size=1, max_size=6),
       rows=st.lists(st.lists(cells, max_size=7), max_size=5),
       delimiter=st.sampled_from([";", ",", "\t"]), raw_join=st.booleans())
def test_random_csv_matrices(tmp_path, header, rows, delimiter, raw_join):
    if raw_join:  # cells joined as they are: stray quotes and all
        text = "\n".join(delimiter.join(r) for r in [header, *rows]) + "\n"
    else:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter).writerows([header, *rows])
        text = buffer.getvalue()
    path = _write(tmp_path, "m.csv", text.encode("utf-8"))
    assert_clean(run("audit", path))
    assert_clean(run("audit", "--format", "csv", path))
