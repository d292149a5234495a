"""Issue 8, point 4: plans are sound.

A plan shown as feasible, applied, makes the brick eligible, or ends with a step naming
each fact still to find out; a fact the commune cannot change by itself is never a
step, the plan then says the brick is out of reach; unknown conditions are never
printed as causes, and the missing facts of an ineligible brick are listed. The
property is held on random profiles here and by ``rules verify`` (d)."""

from __future__ import annotations

import datetime as dt

import pytest
from builders import poulx
from click.testing import CliRunner
from helpers import FIXTURES, ROOT
from hypothesis import HealthCheck, given, settings

from eligibility import check, load_catalog, load_profile, parse_profile
from eligibility.cli.main import main
from eligibility.evaluation.remediation import FIND_OUT, SET, apply_plan, plan
from eligibility.verify.properties import PROPERTIES, Context, check_remediation, run_property
from eligibility.verify.strategies import Case, cases

ISSUE8 = FIXTURES / "issue8"
DAY = dt.date(2023, 1, 15)
CATALOG = load_catalog(ROOT / "rules")
FIELDS = CATALOG.facts  # the vocabulary: rules/facts.yaml


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), env={"NO_COLOR": "1", "COLUMNS": "80"})


def test_the_facts_a_commune_cannot_change_are_not_actionable():
    assert not FIELDS["commune.epci"].actionable
    assert not FIELDS["equipment.schools"].actionable
    assert not FIELDS["commune.population"].actionable
    assert not FIELDS["finances.fonctionnement"].actionable
    for fact in ("network.fibre", "network.gecko", "equipment.cameras",
                 "authorisations.videoprotection_prefectorale", "vsi.use_cases"):
        assert FIELDS[fact].actionable, fact


# --- what to find out ------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["reference", "durable"])
def test_a_plan_that_leaves_a_fact_unknown_says_to_find_it_out(catalog, engine):
    profile = load_profile(ISSUE8 / "plan-find-out-cameras.yaml", catalog)
    ev = check(catalog, profile, DAY, engine=engine)
    verdict = ev.verdicts["videoprotection"]
    assert verdict.status == "ineligible"
    assert [r.rule for r in verdict.failed()] == ["videoprotection.authorisation"]
    assert verdict.missing == ("equipment.cameras",)
    remedy = plan(ev, "videoprotection")
    assert remedy.feasible
    assert [(s.kind, s.field) for s in remedy.steps] == [
        (SET, "authorisations.videoprotection_prefectorale"),
        (FIND_OUT, "equipment.cameras")]
    assert remedy.find_out == ("equipment.cameras",)
    after = check(catalog, apply_plan(profile, remedy.steps, DAY), DAY, engine=engine)
    assert after.verdicts["videoprotection"].status == "undetermined"  # not promised


def test_text_and_markdown_list_the_missing_facts_and_no_unknown_cause():
    path = str(ISSUE8 / "plan-find-out-cameras.yaml")
    text = invoke("check", path, "--as-of", "2023-01-15").stdout
    assert "autorisation préfectorale" in text
    assert "au moins une caméra" not in text  # the unknown condition is not a cause
    assert "il manque : caméras (equipment.cameras)" in text
    assert "se renseigner : caméras (equipment.cameras)" in text
    markdown = invoke("check", path, "--as-of", "2023-01-15", "--format", "markdown").stdout
    row = next(line for line in markdown.splitlines() if "videoprotection" in line
               and line.startswith("|"))
    assert "il manque : caméras (equipment.cameras)" in row
    assert "au moins une caméra" not in row


def test_a_nested_unknown_condition_is_not_a_cause(catalog):
    # vsi rests on a requested videoprotection that fails its authorisation and whose
    # cameras are unknown: only the authorisation is said, the cameras are missing.
    data = poulx(requests=["vsi", "videoprotection"], network__fibre="ftto",
                 equipment={"schools": 2})
    result = CliRunner().invoke(main, ["check", "-", "--as-of", "2023-01-15", "--brick", "vsi"],
                                input=__import__("json").dumps(data),
                                env={"NO_COLOR": "1", "COLUMNS": "80"})
    text = result.stdout
    assert "autorisation préfectorale" in text
    assert "au moins une caméra" not in text
    assert "equipment.cameras" in text  # listed as missing
    ev = check(CATALOG, parse_profile(data, CATALOG), DAY)
    assert ev.verdicts["vsi"].status == "ineligible"


# --- out of the commune's reach -------------------------------------------------------

@pytest.mark.parametrize(("name", "brick", "fact", "label"), [
    ("not-a-member.yaml", "bureautique", "commune.epci", "intercommunalité"),
    ("no-school.yaml", "ecoles-numeriques", "equipment.schools", "écoles"),
])
def test_a_fact_out_of_reach_is_no_step_and_the_plan_says_why(catalog, name, brick, fact,
                                                              label):
    profile = load_profile(ISSUE8 / name, catalog)
    ev = check(catalog, profile, DAY)
    assert ev.verdicts[brick].status == "ineligible"
    remedy = plan(ev, brick)
    assert not remedy.feasible and remedy.steps == ()
    assert remedy.out_of_reach == (fact,)
    result = invoke("check", str(ISSUE8 / name), "--as-of", "2023-01-15")
    assert result.exit_code == 1
    assert "hors de portée de la commune" in result.stdout and label in result.stdout
    english = invoke("check", str(ISSUE8 / name), "--as-of", "2023-01-15", "--lang", "en")
    assert "out of the commune's reach" in english.stdout


def test_an_alternative_within_reach_is_taken(catalog):
    # videoprotection.network is "FTTO or Gecko": both actionable, the cheapest is taken;
    # a plan never sets a fact that is not actionable.
    ev = check(catalog, parse_profile(poulx(requests=["videoprotection"]), catalog), DAY)
    remedy = plan(ev, "videoprotection")
    assert remedy.feasible
    assert all(FIELDS[s.field].actionable for s in remedy.steps if s.kind == SET)


# --- the property, on random profiles --------------------------------------------------

@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck),
          database=None)
@given(cases(CATALOG))
def test_plans_are_sound_on_random_profiles(case: Case) -> None:
    failure = check_remediation(Context.of(CATALOG, "reference"), case)
    assert failure is None, "\n".join(failure.detail)


def test_rules_verify_holds_plans_to_it():
    prop = next(p for p in PROPERTIES if p.name == "remediation")
    assert "find out" in prop.title
    result = run_property(prop, CATALOG, examples=60, seed=8)
    assert result.passed, result.counterexample and result.counterexample.detail


def test_the_property_catches_an_unsound_plan(monkeypatch):
    # A planner that forgets the questions: the property reports it.
    from eligibility.evaluation import remediation

    real = remediation._find_out_steps
    monkeypatch.setattr(remediation, "_find_out_steps", lambda verdict: [])
    profile = load_profile(ISSUE8 / "plan-find-out-cameras.yaml", CATALOG)
    failure = check_remediation(Context.of(CATALOG, "reference"), Case(profile, DAY))
    assert failure is not None
    assert any("does not say to find out" in line for line in failure.detail)
    monkeypatch.setattr(remediation, "_find_out_steps", real)


def test_the_json_plan_names_what_to_find_out_and_what_is_out_of_reach():
    import json

    found = json.loads(invoke("check", str(ISSUE8 / "plan-find-out-cameras.yaml"),
                              "--as-of", "2023-01-15", "--format", "json").stdout)
    [brick] = found["bricks"]
    assert brick["plan"]["feasible"] is True
    assert brick["plan"]["find_out"] == ["equipment.cameras"]
    assert [s["kind"] for s in brick["plan"]["steps"]] == ["set", "find_out"]
    outside = json.loads(invoke("check", str(ISSUE8 / "not-a-member.yaml"),
                                "--as-of", "2023-01-15", "--format", "json").stdout)
    assert outside["bricks"][0]["plan"] == {"feasible": False, "steps": [], "find_out": [],
                                            "out_of_reach": ["commune.epci"]}
