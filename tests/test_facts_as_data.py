"""Issue 10 point 2: facts are data. A fact declared in a copied catalog's facts.yaml, and a
brick with a rule on it, work through check, explain, audit (a profile and a CSV matrix),
rules lint, rules verify, schema profile and the web form: no code change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT

from eligibility.catalog.loading import load_catalog
from eligibility.catalog.model import read_catalog
from eligibility.cli.main import main
from eligibility.profile.model import model_for

NEW_FACT = """
  equipment.defibrillators:
    kind: count
    label: {fr: "défibrillateurs", en: "defibrillators"}
    question: {fr: "Combien de défibrillateurs la commune a-t-elle ?",
               en: "How many defibrillators does the commune have?"}
    unit: {fr: "appareils", en: "devices"}
"""

NEW_BRICK = """\
id: defibrillateurs
name: {fr: "Défibrillateurs connectés", en: "Connected defibrillators"}
availability:
  versions: [avenant-6]
  source: assumption
  citation: "Brique d'essai, hypothèse à confirmer par la DN"
  quote: "Ajout des prérequis pour chaque brique de mutualisation DN (hors Conseil et Assistance)"
requires:
  - {brick: conseil-assistance, source: assumption, citation: "Hypothèse : brique socle requise",
     quote: "brique socle « Conseil et Assistance »"}
conditions:
  - id: defibrillateurs.count
    label: {fr: "défibrillateurs", en: "defibrillators"}
    source: assumption
    citation: "Au moins deux défibrillateurs, à confirmer par la DN"
    quote: "Ajout des prérequis pour chaque brique de mutualisation DN (hors Conseil et Assistance)"
    message:
      fr: "la brique demande au moins deux défibrillateurs"
      en: "the brick needs at least two defibrillators"
    help:
      fr: "installer un deuxième défibrillateur"
      en: "install a second defibrillator"
    when: {fact: equipment.defibrillators, ge: 2}
"""

AS_OF = "2024-01-01"


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("facts-as-data") / "rules"
    shutil.copytree(ROOT / "rules", root)
    with (root / "facts.yaml").open("a", encoding="utf-8") as facts:
        facts.write(NEW_FACT)
    (root / "bricks" / "11-defibrillateurs.yaml").write_text(NEW_BRICK, encoding="utf-8")
    return root


def profile(folder: Path, name: str, defibrillators: object = None) -> Path:
    equipment = ("" if defibrillators is None
                 else f"equipment: {{defibrillators: {defibrillators}}}\n")
    path = folder / name
    path.write_text(
        'commune: {insee: "30206", name: Poulx, epci: nimes-metropole}\n'
        "convention: {version: avenant-6, signed_on: 2022-12-13}\n" + equipment +
        "subscriptions: [{brick: conseil-assistance, since: 2015-01-01},\n"
        "                {brick: defibrillateurs, since: 2023-01-01}]\n"
        "requests: [defibrillateurs]\n", encoding="utf-8")
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"NO_COLOR": "1", "COLUMNS": "100"})


def test_the_vocabulary_has_the_new_fact_and_the_shipped_one_does_not(rules: Path):
    fact = load_catalog(rules).facts["equipment.defibrillators"]
    assert (fact.kind, fact.actionable, fact.better) == ("count", True, "more")
    assert fact.label("fr") == "défibrillateurs" and fact.unit("en") == "devices"
    assert "equipment.defibrillators" not in load_catalog().facts
    fields = model_for(load_catalog(rules)).model_fields["equipment"].annotation.model_fields
    assert "defibrillators" in fields


def test_check_reads_the_new_fact_and_says_it_by_its_label(rules: Path, tmp_path: Path):
    result = run("check", str(profile(tmp_path, "p.yaml", 1)), "--rules", str(rules),
                 "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 1, result.output
    brick = json.loads(result.output)["bricks"][0]
    assert (brick["id"], brick["status"]) == ("defibrillateurs", "ineligible")
    failed = [r for r in brick["reasons"] if r["held"] is False]
    assert [r["rule"] for r in failed] == ["defibrillateurs.count"]
    text = " ".join(run("check", str(profile(tmp_path, "p.yaml", 1)), "--rules", str(rules),
                        "--as-of", AS_OF).output.split())
    # The plan raises the count (actionable, better: more), said with the fact's label.
    assert "défibrillateurs : 1 → 2" in text
    assert "equipment.defibrillators" not in text
    enough = run("check", str(profile(tmp_path, "ok.yaml", 2)), "--rules", str(rules),
                 "--as-of", AS_OF)
    assert enough.exit_code == 0, enough.output


def test_a_profile_leaving_the_fact_out_is_undetermined(rules: Path, tmp_path: Path):
    result = run("check", str(profile(tmp_path, "p.yaml")), "--rules", str(rules),
                 "--as-of", AS_OF, "--format", "json")
    brick = json.loads(result.output)["bricks"][0]
    assert brick["status"] == "undetermined"
    assert brick["missing"] == ["equipment.defibrillators"]


@pytest.mark.parametrize(("value", "expected"), [
    ("-1", "equipment.defibrillators: must be ≥ 0 (got -1)"),
    ("true", "equipment.defibrillators: expected a whole number (got True)"),
    ("'2'", "equipment.defibrillators: expected a whole number"),
])
def test_the_new_fact_is_typed_strictly_by_its_kind(rules: Path, tmp_path: Path, value: str,
                                                    expected: str):
    path = profile(tmp_path, "bad.yaml", value)
    result = run("check", str(path), "--rules", str(rules), "--as-of", AS_OF)
    assert result.exit_code == 2
    assert f"error: {path}: {expected}" in result.stderr


def test_a_typo_in_the_new_field_is_an_unknown_field_with_a_suggestion(rules: Path,
                                                                         tmp_path: Path):
    path = tmp_path / "typo.yaml"
    path.write_text('commune: {insee: "30206", name: Poulx}\n'
                    "equipment: {defibrilators: 2}\n", encoding="utf-8")
    result = run("check", str(path), "--rules", str(rules))
    assert result.exit_code == 2
    assert "equipment.defibrilators: unknown field — did you mean 'defibrillators'?" in \
        result.stderr


def test_explain_shows_the_fact_read_with_its_label(rules: Path, tmp_path: Path):
    result = run("explain", str(profile(tmp_path, "p.yaml", 1)), "defibrillateurs",
                 "--rules", str(rules), "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "✗ défibrillateurs : 1 ; attendu : au moins 2" in result.output
    english = run("explain", str(profile(tmp_path, "p.yaml", 1)), "defibrillateurs",
                  "--rules", str(rules), "--as-of", AS_OF, "--lang", "en")
    assert "defibrillators: 1; expected: at least 2" in english.output


def test_audit_of_a_profile_and_of_a_csv_column(rules: Path, tmp_path: Path):
    audited = run("audit", str(profile(tmp_path, "p.yaml", 1)), "--rules", str(rules),
                  "--as-of", AS_OF, "--format", "json")
    assert audited.exit_code == 1
    findings = json.loads(audited.output)["communes"][0]["findings"]
    errors = [f for f in findings if f["severity"] == "error"]
    assert [(f["brick"], f["rule"]) for f in errors] == [("defibrillateurs",
                                                          "defibrillateurs.count")]
    # A column by the dotted path, another commune's by the fact's French label.
    matrix = tmp_path / "m.csv"
    matrix.write_text(
        "insee;name;epci;convention;signed on;conseil-assistance;defibrillateurs;"
        "equipment.defibrillators\n"
        "30206;Poulx;nimes-metropole;avenant-6;2022-12-13;x;2023-01-01;1\n"
        "30211;Redessan;nimes-metropole;avenant-6;2022-12-13;x;x;3\n", encoding="utf-8")
    result = run("audit", str(matrix), "--rules", str(rules), "--as-of", AS_OF,
                 "--format", "json")
    communes = {c["insee"]: c for c in json.loads(result.output)["communes"]}
    assert communes["30206"]["bricks"]["defibrillateurs"]["status"] == "ineligible"
    assert communes["30211"]["bricks"]["defibrillateurs"]["status"] == "eligible"
    worded = tmp_path / "worded.csv"
    worded.write_text("insee;name;défibrillateurs\n30206;Poulx;deux\n", encoding="utf-8")
    bad = run("audit", str(worded), "--rules", str(rules), "--as-of", AS_OF)
    assert bad.exit_code == 2
    assert (f"error: {worded}:2: défibrillateurs (equipment.defibrillators): expected a whole "
            "number (got 'deux')") in bad.stderr


def test_lint_accepts_the_catalog_and_knows_the_new_fact(rules: Path):
    result = run("rules", "lint", "--rules", str(rules))
    assert result.exit_code == 0, result.output
    assert "11 bricks" in result.output
    catalog, problems = read_catalog(rules)
    assert catalog is not None and problems == []


def test_lint_applies_the_operators_of_the_new_kind(rules: Path, tmp_path: Path):
    broken = tmp_path / "rules"
    shutil.copytree(rules, broken)
    brick = broken / "bricks" / "11-defibrillateurs.yaml"
    brick.write_text(NEW_BRICK.replace("ge: 2}", "includes: [2]}"), encoding="utf-8")
    result = run("rules", "lint", "--rules", str(broken))
    assert result.exit_code == 1
    assert "operator 'includes' does not apply to equipment.defibrillators (count)" in \
        result.output


def test_verify_draws_the_new_fact(rules: Path):
    result = run("rules", "verify", "--rules", str(rules), "--examples", "15", "--seed", "3",
                 "--property", "agreement", "--property", "monotonicity",
                 "--property", "remediation")
    assert result.exit_code == 0, result.output
    from eligibility.verify.strategies import read_facts, rule_facts

    catalog = load_catalog(rules)
    assert "equipment.defibrillators" in read_facts(catalog)
    assert "equipment.defibrillators" in rule_facts(catalog)


def test_schema_profile_has_the_new_fact_labelled_and_the_new_brick(rules: Path):
    result = run("schema", "profile", "--rules", str(rules))
    assert result.exit_code == 0
    schema = json.loads(result.output)
    node = schema["$defs"]["Equipment"]["properties"]["defibrillators"]
    assert node["title"] == "défibrillateurs" and node["x-label-en"] == "defibrillators"
    assert node["x-unit"] == {"fr": "appareils", "en": "devices"}
    assert node["anyOf"][0] == {"minimum": 0, "type": "integer"}
    assert "defibrillateurs" in schema["properties"]["requests"]["items"]["enum"]
    assert "defibrillateurs" in schema["$defs"]["Subscription"]["properties"]["brick"]["enum"]
    bricks = {b["id"]: b for b in schema["x-catalog"]["bricks"]}
    assert bricks["defibrillateurs"]["versions"] == ["avenant-6"]
    fibre = schema["$defs"]["Network"]["properties"]["fibre"]["anyOf"][0]
    assert fibre["x-labels"]["ftto"] == {"fr": "FTTO", "en": "FTTO"}
    shipped = json.loads(run("schema", "profile").output)
    assert "defibrillators" not in shipped["$defs"]["Equipment"]["properties"]


def test_the_web_form_asks_the_new_question(rules: Path):
    from eligibility.web.form import sections

    questions = {q.name: q for s in sections(load_catalog(rules), "fr") for q in s.questions}
    asked = questions["equipment.defibrillators"]
    assert (asked.kind, asked.question, asked.unit) == (
        "count", "Combien de défibrillateurs la commune a-t-elle ?", "appareils")


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("    kind: count\n    label: {fr: \"défibrillateurs\"", "    kind: level\n    label: "
     "{fr: \"défibrillateurs\"", "error[bad-level]: fact equipment.defibrillators: a level "
     "lists its values"),
    ("  equipment.defibrillators:", "  commune.name:", "this part of the profile is not a fact"),
    ("  equipment.defibrillators:", "  Equipment.Defibrillators:", "a fact is named section.name"),
])
def test_a_wrong_declaration_is_a_lint_finding(rules: Path, tmp_path: Path, old: str, new: str,
                                               expected: str):
    broken = tmp_path / "rules"
    shutil.copytree(rules, broken)
    facts = broken / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    assert old in text
    facts.write_text(text.replace(old, new), encoding="utf-8")
    result = run("rules", "lint", "--rules", str(broken))
    assert result.exit_code == 1
    assert expected in result.output


def test_a_profile_of_a_derived_model_survives_pickling(rules: Path, tmp_path: Path):
    import pickle

    from eligibility.profile.loading import load_profile

    loaded = load_profile(profile(tmp_path, "p.yaml", 3), load_catalog(rules))
    again = pickle.loads(pickle.dumps(loaded))  # audit workers send results across processes
    assert again == loaded and type(again) is type(loaded)
    assert again.equipment.defibrillators == 3


def test_levels_in_catalog_yaml_are_refused_with_where_they_went(rules: Path, tmp_path: Path):
    broken = tmp_path / "rules"
    shutil.copytree(rules, broken)
    with (broken / "catalog.yaml").open("a", encoding="utf-8") as catalog:
        catalog.write("\nlevels:\n  network.fibre: [{id: none, label: {fr: a, en: a}}]\n")
    result = run("rules", "lint", "--rules", str(broken))
    assert result.exit_code == 1
    assert "levels: the order of a level is now the order of its values in facts.yaml" in \
        result.output
