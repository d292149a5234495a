"""``rules verify``: the shipped catalog passes; broken copies of it fail the property
that should catch them, with a counterexample that is a valid, reproducing profile.

Mutations that lint catches statically are in ``test_mutations.py``; the ones here
are catalogs lint accepts (at most with a warning) whose meaning is inconsistent,
which only running them shows.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT
from hypothesis import HealthCheck, given, settings

from eligibility import load_catalog, load_profile
from eligibility.cli import verify as cli_verify
from eligibility.cli.main import main
from eligibility.documents.yamlio import load_yaml
from eligibility.evaluation.check import check
from eligibility.evaluation.remediation import plan
from eligibility.profile.loading import parse_profile
from eligibility.verify import properties as verify
from eligibility.verify.properties import (
    PROPERTIES,
    Context,
    Counterexample,
    dump_profile,
    profile_document,
    run_property,
)
from eligibility.verify.strategies import Case, Improvement, cases

RULES = ROOT / "rules"
CATALOG = load_catalog(RULES)
SEED = 2022


def edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / "bricks" / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}: the shipped catalog changed, update the row"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def add_rule(root: Path, file: str, rule_id: str, when: str, upper_bound: bool = True) -> None:
    path = root / "bricks" / file
    cap = "    upper_bound: true\n" if upper_bound else ""
    path.write_text(path.read_text(encoding="utf-8") + f"""
  - id: {rule_id}
    source: assumption
    citation: "mutation de test"
    message: {{fr: "plafond de test", en: "test cap"}}
    help: {{fr: "revenir sous le plafond", en: "get back under the cap"}}
{cap}    when: {when}
""", encoding="utf-8")


def mutated(tmp_path: Path, mutate: Callable[[Path], None]) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    mutate(root)
    return root


# --- the mutations -----------------------------------------------------------------------

def inverted_fibre_threshold(root: Path) -> None:
    # "at least FTTE" written "at most FTTE", the rule not marked upper_bound.
    edit(root, "02-cloud-reseaux.yaml", "{fact: network.fibre, ge: ftte}",
         "{fact: network.fibre, le: ftte}")


def inverted_gecko_test(root: Path) -> None:
    # Gaining the Gecko connection loses cloud-reseaux for a commune below FTTE.
    # (Not telecoms any more: its third branch, mobile lines only, hides the flip from
    # most favourable profiles.)
    edit(root, "02-cloud-reseaux.yaml", "{fact: network.gecko, eq: true}",
         "{fact: network.gecko, eq: false}")


def undeclared_count_cap(root: Path) -> None:
    # "at least one workstation" become "at most 50", not marked upper_bound.
    edit(root, "05-bureautique.yaml", "{fact: equipment.workstations, ge: 1}",
         "{fact: equipment.workstations, le: 50}")


def cap_against_the_preferred_help(root: Path) -> None:
    # A declared cap at FTTE, while videoprotection.network's first alternative (the
    # one the help proposes) is FTTO: the help breaks the cap, though Gecko would do.
    add_rule(root, "03-videoprotection.yaml", "videoprotection.fibre-cap",
             "{fact: network.fibre, le: ftte}")


def cap_against_a_requirement_help(root: Path) -> None:
    # VSI capped at FTTH, while the help for the videoprotection it requires raises
    # the fibre to FTTO: VSI's help cannot be followed, though Gecko would do.
    add_rule(root, "03bis-vsi.yaml", "vsi.fibre-cap", "{fact: network.fibre, le: ftth}")


@dataclass(frozen=True)
class Row:
    mutate: Callable[[Path], None]
    property: str
    rules: frozenset[str]  # rules the counterexample must name


ROWS = [
    Row(inverted_fibre_threshold, "monotonicity", frozenset({"cloud-reseaux.network"})),
    Row(inverted_gecko_test, "monotonicity", frozenset({"cloud-reseaux.network"})),
    Row(undeclared_count_cap, "monotonicity", frozenset({"bureautique.workstations"})),
    Row(cap_against_the_preferred_help, "remediation",
        frozenset({"videoprotection.fibre-cap"})),
    Row(cap_against_a_requirement_help, "remediation", frozenset({"vsi.fibre-cap"})),
]


def _reproduces(counterexample: Counterexample, profile_path: Path, root: Path) -> bool:
    """Whether the saved file alone (its profile, date and requests) fails the property
    again. Monotonicity needs no drawn improvement: every single step is tried."""
    catalog = load_catalog(root)
    profile = load_profile(profile_path, catalog)
    case = Case(profile, counterexample.as_of)
    ctx = Context.of(catalog)
    prop = next(p for p in PROPERTIES if p.name == counterexample.property)
    example = (case, Improvement()) if prop.name == "monotonicity" else case
    return prop.check(ctx, example) is not None


@pytest.mark.slow
@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.mutate.__name__)
def test_verify_catches_the_mutation(row: Row, tmp_path: Path) -> None:
    root = mutated(tmp_path, row.mutate)
    catalog = load_catalog(root)  # lint accepts it: only running it shows the problem
    prop = next(p for p in PROPERTIES if p.name == row.property)
    result = run_property(prop, catalog, examples=300, seed=SEED)
    assert not result.passed and result.error is None
    example = result.counterexample
    assert example is not None
    assert row.rules <= set(example.rules), example.rules
    # The counterexample is a profile file ready for fixtures/: it loads, and it alone
    # (with the date and requests of its header) shows the failure again.
    path = tmp_path / f"{row.property}-1.yaml"
    path.write_text(example.to_yaml(), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    assert f"# property: {row.property}" in text and f"# as of: {example.as_of}" in text
    assert all(rule in text for rule in row.rules)
    assert _reproduces(example, path, root)


def declared_upper_bound(root: Path) -> None:
    # The inverted threshold again, declared a cap: monotonicity exempts it, and its
    # help (stay at FTTE or below, or Gecko) works.
    inverted_fibre_threshold(root)
    edit(root, "02-cloud-reseaux.yaml", "    when:\n      any:",
         "    upper_bound: true\n    when:\n      any:")


def required_use_case(root: Path) -> None:
    # VSI must declare crowd monitoring, beside no biometrics: the help must add one use
    # case and remove another (it used to intersect the two and lose the addition).
    add_rule(root, "03bis-vsi.yaml", "vsi.use-case",
             "{fact: vsi.use_cases, includes: [crowd]}", upper_bound=False)


def camera_count_not_zero(root: Path) -> None:
    # "ne 0" on a count: the help must find a count (it used to say impossible).
    edit(root, "03-videoprotection.yaml", "{fact: equipment.cameras, ge: 1}",
         "{fact: equipment.cameras, ne: 0}")


@pytest.mark.slow
@pytest.mark.parametrize("mutate", [declared_upper_bound, required_use_case,
                                    camera_count_not_zero], ids=lambda f: f.__name__)
def test_verify_accepts_consistent_variants(mutate: Callable[[Path], None],
                                            tmp_path: Path) -> None:
    catalog = load_catalog(mutated(tmp_path, mutate))
    report = verify.verify(catalog, examples=150, seed=SEED,
                           properties=["monotonicity", "remediation"])
    assert report.passed, [r.counterexample for r in report.failed]


def test_the_help_adds_a_required_use_case_and_removes_a_forbidden_one(tmp_path: Path) -> None:
    catalog = load_catalog(mutated(tmp_path, required_use_case))
    profile = load_profile(ROOT / "fixtures/communes/30206-poulx.yaml", catalog).with_changes(
        {"vsi.use_cases": ["facial_recognition", "traffic"]})
    ev = check(catalog, profile, dt.date(2023, 1, 15), ["vsi"], engine="reference")
    remedy = plan(ev, "vsi")
    (step,) = [s for s in remedy.steps if s.field == "vsi.use_cases"]
    assert step.value == ["crowd", "traffic"]


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(CATALOG))
def test_a_counterexample_file_gives_back_the_same_profile(case: Case) -> None:
    # What verify writes is read back as the very profile it failed on (dates, aliases
    # made ids, unknown fields left out), the requests included.
    text = dump_profile(profile_document(case.profile, case.requests))
    again = parse_profile(load_yaml(text), CATALOG)
    assert again == case.profile.model_copy(update={"requests": case.requests})


# --- the command -------------------------------------------------------------------------

def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["rules", "verify", *args])
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.slow
def test_the_default_verify_passes_on_the_shipped_catalog() -> None:
    # Its time is reported in benchmarks/ and the README, never asserted here.
    code, out, _ = invoke("--seed", str(SEED))
    assert code == 0, out
    lines = out.splitlines()
    assert [line[0] for line in lines[:len(PROPERTIES)]] == ["✓"] * len(PROPERTIES)
    assert f"{cli_verify.DEFAULT_EXAMPLES} examples" in lines[0]
    assert f"seed {SEED}" in lines[-1]


@pytest.mark.slow
def test_json_output() -> None:
    code, out, _ = invoke("--examples", "10", "--seed", "1", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["passed"] is True and data["seed"] == 1
    assert [p["property"] for p in data["properties"]] == list(verify.NAMES)
    assert all(p["examples"] == 10 and p["counterexample"] is None for p in data["properties"])


@pytest.mark.slow
def test_a_failure_exits_1_and_saves_the_counterexample(tmp_path: Path) -> None:
    root = mutated(tmp_path, inverted_fibre_threshold)
    saved = tmp_path / "contre-exemples"
    args = ("--rules", str(root), "--property", "monotonicity", "--examples", "300",
            "--seed", str(SEED), "--save-counterexamples", str(saved))
    code, out, _ = invoke(*args)
    assert code == 1
    assert out.startswith("✗ (b) monotonicity")
    assert "counterexample · monotonicity · rules: cloud-reseaux.network" in out
    first = saved / "monotonicity-1.yaml"
    assert f"saved: {first}" in out
    profile = load_profile(first, load_catalog(root))  # a valid profile, as a fixture is
    assert profile.commune.insee
    # A second run keeps the first file.
    assert invoke(*args)[0] == 1
    assert sorted(p.name for p in saved.iterdir()) == ["monotonicity-1.yaml",
                                                       "monotonicity-2.yaml"]
    code, out, _ = invoke(*args[:-2], "--format", "json")
    failed = json.loads(out)["properties"][0]
    assert code == 1 and failed["passed"] is False
    assert "cloud-reseaux.network" in failed["counterexample"]["rules"]


def test_bad_input_exits_2(tmp_path: Path) -> None:
    code, _, err = invoke("--rules", str(tmp_path / "nowhere"))
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err
    # A catalog with errors is refused, pointing to lint.
    broken = mutated(tmp_path, lambda root: edit(
        root, "03bis-vsi.yaml", "brick: videoprotection,", "brick: videoprotections,"))
    code, _, err = invoke("--rules", str(broken))
    assert code == 2 and "rules lint" in err
    # A folder for counterexamples that cannot be made.
    (tmp_path / "file").write_text("", encoding="utf-8")
    code, _, err = invoke("--examples", "1", "--save-counterexamples",
                          str(tmp_path / "file" / "sub"))
    assert code == 2 and "--save-counterexamples" in err


def test_a_catalog_the_engine_cannot_run_is_bad_input(tmp_path: Path) -> None:
    # A threshold beyond 2**53, which the durable-rules adapter cannot compile, is a
    # catalog error: verify refuses the catalog and points to lint.
    root = mutated(tmp_path, lambda root: edit(
        root, "03-videoprotection.yaml", "{fact: equipment.cameras, ge: 1}",
        "{fact: equipment.cameras, ge: 10000000000000001}"))
    code, _, err = invoke("--rules", str(root), "--examples", "1")
    assert code == 2 and "below 9,007,199,254,740,992" in err and "rules lint" in err


def test_the_command_repeats_the_library_defaults() -> None:
    # cli_verify repeats them so that other commands do not import hypothesis.
    assert cli_verify.DEFAULT_EXAMPLES == verify.DEFAULT_EXAMPLES
    assert cli_verify.PROPERTY_NAMES == verify.NAMES
