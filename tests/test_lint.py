"""`rules lint|list|show|graph`, and the satisfiability reasoning behind lint.

The mutation table (one broken catalog per row) is in test_mutations.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_mutations import RULES, contradictory_fibre_bounds, cycle, edit, redundant_rule

from eligibility import load_catalog
from eligibility.catalog.conditions import All, Any_, Condition, Leaf, Not
from eligibility.catalog.model import Catalog
from eligibility.catalog.satisfiability import (
    always,
    implies,
    satisfiable,
    unsat_core,
    upward_closed,
)
from eligibility.cli.main import main
from eligibility.lint.checks import CODES, describe, expression, lint_report

ALL_BRICKS = ["conseil-assistance", "internet-collaboratif", "cloud-reseaux", "videoprotection",
              "vsi", "ecoles-numeriques", "bureautique", "telecoms", "si-urbanisme", "ads"]


def invoke(*args: str):
    return CliRunner().invoke(main, [*args])


# --- lint: exit codes and output -------------------------------------------------------

def test_lint_of_the_shipped_catalog_is_clean():
    result = invoke("rules", "lint")
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output
    assert "10 bricks, 17 rules examined" in result.output


def test_lint_prints_rustc_style_findings_and_a_summary(rules_copy: Path):
    cycle(rules_copy)
    redundant_rule(rules_copy)
    result = invoke("rules", "lint", "--rules", str(rules_copy))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    head = lines.index("error[cycle]: dependency cycle: videoprotection -> vsi -> videoprotection")
    assert lines[head + 1] == (f"  --> {rules_copy}/bricks/03-videoprotection.yaml:1 · "
                               "videoprotection")
    assert lines[head + 2] == "  = help: remove one of these requirements"
    assert any(line.startswith("warning[redundant-rule]: implied by videoprotection.network")
               for line in lines)
    assert lines[-1].startswith("2 errors, 1 warning in ")


def test_lint_warnings_alone_exit_0(rules_copy: Path):
    redundant_rule(rules_copy)
    result = invoke("rules", "lint", "--rules", str(rules_copy))
    assert result.exit_code == 0
    assert "warning[redundant-rule]" in result.output
    assert "0 errors, 1 warning" in result.output


def test_lint_json(rules_copy: Path):
    contradictory_fibre_bounds(rules_copy)
    result = invoke("rules", "lint", "--rules", str(rules_copy), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["summary"] == {"errors": 2, "warnings": 1, "bricks": 10, "rules": 17}
    dead = next(f for f in data["findings"] if f["code"] == "dead-brick")
    assert dead["severity"] == "error"
    assert dead["file"] == str(rules_copy / "bricks/03-videoprotection.yaml")
    assert dead["rule"] == "videoprotection.network"
    assert dead["line"] == 36
    assert "network.fibre >= ftto and network.fibre <= ftth" in dead["message"]
    assert dead["hint"]
    assert {f["code"] for f in data["findings"]} == {"dead-brick", "dead-requirement",
                                                     "undeclared-upper-bound"}


def test_lint_exits_2_only_when_the_path_is_no_catalog(tmp_path: Path):
    missing = invoke("rules", "lint", "--rules", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2
    assert "error:" in missing.output and "not a catalog directory" in missing.output
    empty = invoke("rules", "lint", "--rules", str(tmp_path))
    assert empty.exit_code == 2
    assert "no catalog.yaml" in empty.output
    assert "Traceback" not in missing.output + empty.output


def test_a_malformed_catalog_yaml_is_a_finding_not_a_crash(rules_copy: Path):
    edit(rules_copy, "catalog.yaml", "versions:\n", "versions: [\n")
    result = invoke("rules", "lint", "--rules", str(rules_copy))
    assert result.exit_code == 1
    assert "error[malformed-yaml]: malformed YAML at line" in result.output
    assert f"--> {rules_copy}/catalog.yaml:" in result.output


def test_every_finding_has_a_known_code_a_hint_and_a_severity(rules_copy: Path):
    cycle(rules_copy)
    contradictory_fibre_bounds(rules_copy)
    edit(rules_copy, "bricks/10-ads.yaml", "  - id: ads.network", "  - id: ads.document")
    report = lint_report(rules_copy)
    assert report.errors >= 3
    for problem in report.problems:
        assert problem.code in CODES
        assert problem.severity == CODES[problem.code][0]
        assert problem.hint and problem.file


def test_findings_point_at_the_line_of_the_rule(rules_copy: Path):
    edit(rules_copy, "bricks/10-ads.yaml", "requires:\n",
         "requires:\n  - {brick: si-urbanisme, source: note, citation: c, quote: 'brique socle'}\n")
    [finding] = lint_report(rules_copy).problems
    lines = (rules_copy / "bricks/10-ads.yaml").read_text(encoding="utf-8").splitlines()
    assert "brick: si-urbanisme" in lines[finding.line - 1]


# --- other commands refuse a catalog with errors ---------------------------------------

@pytest.mark.parametrize("command", [["list"], ["show", "vsi"], ["graph"]])
def test_list_show_graph_refuse_a_catalog_with_errors(rules_copy: Path, command: list[str]):
    contradictory_fibre_bounds(rules_copy)  # an error only lint's reasoning finds
    result = invoke("rules", *command, "--rules", str(rules_copy))
    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    assert f"eligibility rules lint --rules {rules_copy}" in result.output
    assert "Traceback" not in result.output


def test_a_catalog_with_warnings_only_is_used(rules_copy: Path):
    redundant_rule(rules_copy)
    assert invoke("rules", "list", "--rules", str(rules_copy)).exit_code == 0


# --- list, show, graph -----------------------------------------------------------------

def test_list_text_is_a_table_of_the_bricks():
    result = invoke("rules", "list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert all(len(line) <= 80 for line in lines)
    at = next(i for i, line in enumerate(lines) if line.startswith("vsi "))
    assert re.match(r"vsi\s+brique 3BIS · Vidéo Surveillance Intelligente$", lines[at])
    details = " ".join(" ".join(lines[at + 1:at + 3]).split())
    assert details == ("existe sous : avenant n°6 · requiert : conseil-assistance, "
                       "videoprotection · conditions : 1")
    assert next(line for line in lines if line.startswith("si-urbanisme (†)"))
    assert "10 briques" in lines[-1]


def test_list_json():
    result = invoke("rules", "list", "--format", "json", "--lang", "en")
    bricks = {b["id"]: b for b in json.loads(result.output)["bricks"]}
    assert list(bricks) == ALL_BRICKS
    assert bricks["vsi"]["requires"] == ["conseil-assistance", "videoprotection"]
    assert bricks["vsi"]["versions"] == ["avenant-6"]
    assert bricks["videoprotection"]["conditions"] == 3
    assert bricks["si-urbanisme"]["withdrawn"] and bricks["si-urbanisme"]["replaced_by"] == "ads"
    assert bricks["ads"]["name"] == "Land-use permit processing (ADS)"


def test_show_vsi_names_the_law_and_marks_assumptions():
    result = invoke("rules", "show", "vsi")
    assert result.exit_code == 0
    assert all(len(line) <= 80 for line in result.output.splitlines())
    out = result.output
    flat = " ".join(out.split())  # wrapped lines joined
    assert out.startswith("vsi — Vidéo Surveillance Intelligente (brique 3BIS)\n")
    assert "= loi · Loi n° 2023-380 du 19 mai 2023, art. 10" in out
    assert "quand : vsi.use_cases excludes [biometric_identification, facial_recognition]" in flat
    assert "plafond" in out  # upper_bound
    assert "videoprotection — Vidéoprotection (brique 3)" in out
    assert "= note · Avenant n°6, brique 3BIS : s'appuie sur la brique 3" in out
    assert "existe sous : avenant n°6 (adoption : 2022-04-04)" in out
    assert "requise par : aucune" in out
    assert flat.endswith("hypothèses à confirmer par la DN : 0 dans la brique, 2 par les "
                                 "briques requises (videoprotection.cameras, "
                                 "videoprotection.network)")


def test_show_marks_each_assumption_and_what_requires_the_brick():
    out = invoke("rules", "show", "3").output  # an alias
    assert out.startswith("videoprotection — Vidéoprotection (brique 3)")
    assert "requise par : vsi" in out
    # availability before 2022, the base brick, cameras, network (avenant n°6 is silent)
    assert out.count("= hypothèse · ") == 4
    assert "= loi · Code de la sécurité intérieure, art. L.252-1" in out


def test_show_with_an_alias_is_the_same_brick():
    assert invoke("rules", "show", "3BIS").output == invoke("rules", "show", "vsi").output


def test_show_a_withdrawn_brick_and_its_replacement_in_english():
    brick9 = invoke("rules", "show", "9", "--lang", "en").output
    assert brick9.startswith("si-urbanisme — Planning information system (brick 9)")
    assert "withdrawn: replaced by 'ads' since amendment no. 6" in brick9
    assert "message: the planning information system needs a planning document" in brick9
    ads = invoke("rules", "show", "ads", "--lang", "en").output
    assert "replaces 'si-urbanisme' since amendment no. 6" in ads


def test_show_json():
    data = json.loads(invoke("rules", "show", "vsi", "--format", "json", "--lang", "en").output)
    [rule] = data["conditions"]
    assert rule["id"] == "vsi.no-biometrics" and rule["source"] == "law"
    assert "2023-380" in rule["citation"] and not rule["assumption"]
    assert rule["when"] == {"fact": "vsi.use_cases",
                            "excludes": ["biometric_identification", "facial_recognition"]}
    assert rule["message"].startswith("VSI use cases exclude")
    assert rule["upper_bound"] is True
    assert [r["brick"] for r in data["requires"]] == ["conseil-assistance", "videoprotection"]
    assert data["versions"] == [{"id": "avenant-6", "label": "amendment no. 6",
                                 "adopted": "2022-04-04"}]
    assert data["inherited_assumptions"] == ["videoprotection.cameras", "videoprotection.network"]
    brick9 = json.loads(invoke("rules", "show", "si-urbanisme", "--format", "json").output)
    assert brick9["replaced_by"]["brick"] == "ads" and brick9["withdrawn"]
    assert brick9["withdrawn_from"] == "avenant n°6"


def test_show_an_unknown_brick_exits_2_with_a_suggestion():
    result = invoke("rules", "show", "vsii")
    assert result.exit_code == 2
    assert "unknown brick 'vsii'" in result.output and "did you mean 'vsi'?" in result.output


def test_graph_mermaid():
    result = invoke("rules", "graph")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "graph TD"
    assert "  vsi --> videoprotection" in lines
    assert "  vsi --> conseil_assistance" in lines
    assert '  si_urbanisme -.->|"remplacée par · avenant-6"| ads' in lines
    assert "  class si_urbanisme withdrawn" in lines
    assert ('  vsi["3BIS · vsi<br/>Vidéo Surveillance Intelligente<br/>avenant-6"]' in lines)
    assert ('  si_urbanisme["9 · si-urbanisme<br/>SI Urbanisme<br/>convention-2014 · avenant-5"]'
            in lines)
    # Every line is a statement of the flowchart syntax (ids without '-').
    statement = re.compile(r'^  (%%.*|[a-z_]+\["[^"]*"\]|[a-z_]+ --> [a-z_]+|'
                           r'[a-z_]+ -\.->\|"[^"]*"\| [a-z_]+|classDef \w+ .+|class [a-z_,]+ \w+)$')
    assert all(statement.match(line) for line in lines[1:]), lines


def test_graph_dot():
    result = invoke("rules", "graph", "--format", "dot", "--lang", "en")
    assert result.exit_code == 0
    text = result.output
    assert text.startswith("digraph bricks {") and text.rstrip().endswith("}")
    assert '  "vsi" -> "videoprotection";' in text
    assert '"si-urbanisme" -> "ads" [style=dashed' in text and 'label="replaced by\\navenant-6"' \
        in text
    assert re.search(r'"si-urbanisme" \[label="9 · si-urbanisme\\nPlanning information system'
                     r'\\nconvention-2014 · avenant-5", style="rounded,dashed"', text)
    if shutil.which("dot"):  # Graphviz, when installed, must accept it
        drawn = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True,
                               check=False)
        assert drawn.returncode == 0, drawn.stderr
        assert "<svg" in drawn.stdout


def test_graph_follows_the_catalog(rules_copy: Path):
    edit(rules_copy, "bricks/07-telecoms.yaml", "requires:\n",
         "requires:\n  - {brick: bureautique, source: note, citation: c, quote: 'brique socle'}\n")
    assert "  telecoms --> bureautique" in invoke("rules", "graph", "--rules",
                                                  str(rules_copy)).output


# --- the reasoning ---------------------------------------------------------------------

def leaf(fact: str, op: str, value: object) -> Leaf:
    rank = None
    if fact == "network.fibre":
        rank = {level: i for i, level in enumerate(("none", "ftth", "ftte", "ftto"))}
    return Leaf(f"{fact}.{op}", fact, op, tuple(value) if isinstance(value, list) else value,
                rank)


def sat(catalog: Catalog, *conditions: Condition) -> bool:
    return satisfiable(conditions, catalog)


def test_levels_and_enums(catalog: Catalog):
    assert not sat(catalog, leaf("network.fibre", "ge", "ftto"),
                   leaf("network.fibre", "le", "ftth"))
    assert sat(catalog, leaf("network.fibre", "ge", "ftte"), leaf("network.fibre", "le", "ftto"))
    assert not sat(catalog, leaf("network.fibre", "gt", "ftto"))
    assert not sat(catalog, leaf("urbanisme.document", "in", ["plu", "plui"]),
                   leaf("urbanisme.document", "not_in", ["plu", "plui"]))
    assert not sat(catalog, leaf("convention.in_force", "eq", "avenant-5"),
                   leaf("convention.in_force", "eq", "avenant-6"))
    assert not sat(catalog, leaf("network.gecko", "eq", True), leaf("network.gecko", "ne", True))


def test_counts_are_whole_numbers_and_amounts_are_not(catalog: Catalog):
    between = (leaf("equipment.cameras", "gt", 1), leaf("equipment.cameras", "lt", 2))
    assert not sat(catalog, *between)
    assert sat(catalog, leaf("finances.investissement", "gt", 1),
               leaf("finances.investissement", "lt", 2))
    assert not sat(catalog, leaf("equipment.cameras", "ge", 1), leaf("equipment.cameras", "le", 2),
                   leaf("equipment.cameras", "ne", 1), leaf("equipment.cameras", "ne", 2))
    assert sat(catalog, leaf("equipment.cameras", "ge", 1), leaf("equipment.cameras", "le", 3),
               leaf("equipment.cameras", "ne", 1), leaf("equipment.cameras", "ne", 2))
    assert not sat(catalog, leaf("equipment.cameras", "lt", 0))
    assert not sat(catalog, leaf("finances.fonctionnement", "le", 5),
                   leaf("finances.fonctionnement", "ge", 5), leaf("finances.fonctionnement",
                                                                  "ne", 5))


def test_text_and_sets(catalog: Catalog):
    assert sat(catalog, leaf("commune.epci", "ne", "nimes-metropole"))
    assert not sat(catalog, leaf("commune.epci", "eq", "a"), leaf("commune.epci", "ne", "a"))
    uses = "vsi.use_cases"
    assert not sat(catalog, leaf(uses, "includes", ["crowd"]), leaf(uses, "excludes", ["crowd"]))
    # not (includes crowd and traffic) leaves room for crowd without traffic
    assert sat(catalog, Not("n", leaf(uses, "includes", ["crowd", "traffic"])),
               leaf(uses, "includes", ["crowd"]))
    assert not sat(catalog, Not("n", leaf(uses, "excludes", ["fire", "weapons"])),
                   leaf(uses, "excludes", ["fire"]), leaf(uses, "excludes", ["weapons"]))


def test_any_branches_and_not_flips(catalog: Catalog):
    fibre_or_gecko = Any_("a", (leaf("network.fibre", "ge", "ftto"),
                                leaf("network.gecko", "eq", True)))
    assert sat(catalog, fibre_or_gecko, leaf("network.fibre", "le", "ftth"))
    assert not sat(catalog, fibre_or_gecko, leaf("network.fibre", "le", "ftth"),
                   leaf("network.gecko", "eq", False))
    assert not sat(catalog, Not("n", leaf("equipment.schools", "ge", 0)))
    assert always(leaf("equipment.schools", "ge", 0), catalog)
    assert always(Any_("t", (leaf("network.gecko", "eq", True),
                             leaf("network.gecko", "eq", False))), catalog)


def test_implication_and_cores(catalog: Catalog):
    assert implies(leaf("network.fibre", "ge", "ftte"), leaf("network.fibre", "ge", "ftth"),
                   catalog)
    assert not implies(leaf("network.fibre", "ge", "ftth"), leaf("network.fibre", "ge", "ftte"),
                       catalog)
    assert implies(leaf("equipment.cameras", "ne", 0), leaf("equipment.cameras", "ge", 1),
                   catalog)
    parts = [leaf("network.gecko", "eq", True), leaf("equipment.cameras", "gt", 10),
             leaf("network.fibre", "ge", "ftth"), leaf("equipment.cameras", "lt", 5)]
    assert unsat_core(parts, catalog) == [1, 3]


def test_upward_closed_tests(catalog: Catalog):
    assert upward_closed(leaf("network.fibre", "ge", "ftte"), catalog)
    assert not upward_closed(leaf("network.fibre", "le", "ftte"), catalog)
    assert not upward_closed(leaf("network.fibre", "eq", "ftte"), catalog)
    assert not upward_closed(leaf("network.fibre", "lt", "ftte"), catalog, positive=True)
    assert upward_closed(leaf("network.fibre", "lt", "ftte"), catalog, positive=False)
    assert upward_closed(leaf("network.gecko", "eq", True), catalog)
    assert not upward_closed(leaf("authorisations.videoprotection_prefectorale", "eq", False),
                             catalog)
    assert upward_closed(leaf("equipment.cameras", "ne", 0), catalog)
    assert not upward_closed(leaf("equipment.cameras", "ne", 3), catalog)
    assert upward_closed(leaf("urbanisme.document", "eq", "plu"), catalog) is None


def test_describe_and_expression():
    condition = All("r", (leaf("network.fibre", "ge", "ftth"),
                          Not("n", leaf("vsi.use_cases", "includes", ["crowd", "fire"]))))
    assert describe(condition) == \
        "all(network.fibre >= ftth; not(vsi.use_cases includes [crowd, fire]))"
    assert expression(condition) == {"all": [
        {"fact": "network.fibre", "ge": "ftth"},
        {"not": {"fact": "vsi.use_cases", "includes": ["crowd", "fire"]}}]}


def test_the_shipped_catalog_has_no_dead_brick(catalog: Catalog):
    for brick in catalog.bricks.values():
        conditions = [r.condition for r in (*catalog.common, *brick.conditions)]
        assert satisfiable(conditions, catalog), brick.id


def test_load_catalog_still_loads_the_shipped_catalog():
    assert list(load_catalog(RULES).bricks) == ALL_BRICKS


# --- the authoring guide ---------------------------------------------------------------

AUTHORING = RULES.parent / "docs" / "authoring.md"


def test_the_guide_documents_every_lint_code_in_both_languages():
    text = AUTHORING.read_text(encoding="utf-8")
    assert "## Français" in text and "## English" in text
    for code in CODES:
        assert f"| `{code}` | {CODES[code][0]} |" in text, code


def test_the_guide_example_brick_lints_clean_and_shows(rules_copy: Path):
    text = AUTHORING.read_text(encoding="utf-8")
    examples = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
                if b.startswith("id: ")]
    assert len(examples) == 2  # one per language
    for example in examples:
        (rules_copy / "bricks/06-sauvegarde.yaml").write_text(example, encoding="utf-8")
        report = lint_report(rules_copy)
        assert report.problems == [] and report.bricks == 11
    result = invoke("rules", "show", "6", "--rules", str(rules_copy))
    assert result.output.startswith("sauvegarde — Sauvegarde externalisée (brique 6)")
    assert "quand : all(equipment.workstations >= 1; equipment.workstations <= 200)" in \
        result.output


def test_the_readme_shows_the_real_graph():
    readme = (RULES.parent / "README.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```mermaid\n(.*?)```", readme, re.DOTALL)
    assert block.rstrip("\n") == invoke("rules", "graph").output.rstrip("\n")
