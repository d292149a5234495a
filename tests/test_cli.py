"""The command line: output formats, languages, exit codes, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from builders import poulx
from click.testing import CliRunner

from eligibility.cli.main import main

DAY = "2023-01-15"


@pytest.fixture()
def write(tmp_path: Path):
    def write(data, name="p.yaml") -> str:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, allow_unicode=True) if isinstance(data, dict)
                        else data, encoding="utf-8")
        return str(path)
    return write


def invoke(*args: str):
    return CliRunner().invoke(main, [*args], catch_exceptions=False)


def test_check_text_in_french_shows_verdict_because_help_and_citation(write):
    result = invoke("check", write(poulx()), "--as-of", DAY, "--engine", "reference")
    assert result.exit_code == 1
    out = result.output
    assert out.splitlines()[0] == "Poulx (30206) · sous l'avenant n°6 · au 2023-01-15"
    assert "✗ brique 3BIS « Vidéo Surveillance Intelligente » (vsi) : non éligible" in out
    assert "parce que la brique 3 « Vidéoprotection » est requise" in out
    assert "Poulx ne la détient pas et ne la demande pas" in out
    assert "pour y remédier :\n    - demander aussi la brique 3 « Vidéoprotection »" in out
    assert "(caméras : 0 → 1)" in out  # values by their labels, the change as an arrow
    assert "= hypothèse ·" in out  # assumptions are marked
    assert out.rstrip().endswith("hypothèses signalées : 2")


def test_check_in_english(write):
    result = invoke("check", write(poulx()), "--as-of", DAY, "--lang", "en")
    assert "✗ brick 3BIS 'Intelligent video surveillance' (vsi): ineligible" in result.output
    assert "help:\n    - also ask for brick 3 'Video protection' (videoprotection)" \
        in result.output


def test_check_json_follows_the_contract(write):
    result = invoke("check", write(poulx()), "--as-of", DAY, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["commune"] == {"insee": "30206", "name": "Poulx"}
    assert (data["as_of"], data["convention"]) == (DAY, "avenant-6")
    [brick] = data["bricks"]
    assert brick["id"] == "vsi" and brick["status"] == "ineligible"
    assert brick["requires"] == ["conseil-assistance", "videoprotection"]
    failed = [r for r in brick["reasons"] if r["held"] is False]
    assert failed[0]["rule"] == "vsi.requires.videoprotection"
    assert failed[0]["source"] == "note" and failed[0]["citation"].startswith("Avenant n°6")
    assert {"rule", "held", "message", "source", "citation"} <= set(failed[0])
    assert any("videoprotection" in step for step in brick["remediation"])


def test_undetermined_json_lists_missing_facts_and_null_reasons(write):
    data = poulx(requests=["ads"])
    del data["urbanisme"]
    out = json.loads(invoke("check", write(data), "--as-of", DAY, "--format", "json").output)
    [brick] = out["bricks"]
    assert brick["status"] == "undetermined"
    assert brick["missing"] == ["urbanisme.document"]
    assert next(r for r in brick["reasons"] if r["rule"] == "ads.document")["held"] is None


def test_exit_codes_for_eligible_and_for_all_bricks(write):
    ok = invoke("check", write(poulx(requests=["conseil-assistance"])), "--as-of", DAY)
    assert ok.exit_code == 0
    # none asked: unavailable bricks do not count, ineligible ones do
    everything = invoke("check", write(poulx(requests=[])), "--as-of", DAY)
    assert everything.exit_code == 1
    good = poulx(requests=[], network={"gecko": True, "fibre": "ftto"},
                 equipment={"cameras": 3, "schools": 1, "workstations": 4, "mobile_lines": 2},
                 authorisations={"videoprotection_prefectorale": True})
    assert invoke("check", write(good), "--as-of", DAY).exit_code == 0


def test_brick_option_takes_ids_and_aliases(write):
    result = invoke("check", write(poulx()), "--as-of", DAY, "--brick", "socle",
                    "--brick", "3", "--format", "json")
    assert [b["id"] for b in json.loads(result.output)["bricks"]] == [
        "conseil-assistance", "videoprotection"]


def test_markdown_has_a_table_and_the_assumptions(write):
    out = invoke("check", write(poulx()), "--as-of", DAY, "--format", "markdown").output
    assert "| brique 3BIS « Vidéo Surveillance Intelligente » (vsi) | ✗ non éligible |" in out
    assert "Hypothèses à confirmer par la DN" in out


def test_explain_prints_every_condition_with_the_fact_read(write):
    result = invoke("explain", write(poulx()), "videoprotection", "--as-of", DAY)
    assert result.exit_code == 1
    out = result.output
    assert "✗ la vidéoprotection demande une fibre FTTO ou le réseau Gecko" in out
    assert "✗ niveau de fibre : FTTH ; attendu : au moins FTTO" in out
    assert "serait remplie avec : FTTO" in out
    assert "✓ la commune doit être membre de Nîmes Métropole" in out
    assert "règle videoprotection.network" in out  # the rule id, after the citation
    assert "Code de la sécurité intérieure, art. L.252-1" in out


def test_schema_profile_carries_the_catalog_values():
    schema = json.loads(invoke("schema", "profile").output)
    assert schema["properties"]["commune"]["$ref"].endswith("Commune")
    network = schema["$defs"]["Network"]["properties"]["fibre"]["anyOf"][0]
    assert network["enum"] == ["none", "ftth", "ftte", "ftto"]
    assert "vsi" in schema["properties"]["requests"]["items"]["enum"]


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda d: d["equipment"].update(cameras=-3), "equipment.cameras: must be ≥ 0 (got -3)"),
    (lambda d: d.update(netwrok={"gecko": True}),
     "netwrok: unknown field — did you mean 'network'?"),
    (lambda d: d.update(requests=["vsii"]),
     "requests.0: unknown brick 'vsii' — did you mean 'vsi'?"),
    (lambda d: d["convention"].update(signed_on="2022-13-45"),
     "convention.signed_on: expected a date YYYY-MM-DD"),
    (lambda d: d["network"].update(fibre="ftt0"), "network.fibre: unknown fibre level 'ftt0'"),
    (lambda d: d["commune"].pop("name"), "commune.name: required field is missing"),
])
def test_bad_profiles_get_one_line_naming_file_and_field_and_exit_2(write, mutate, expected):
    data = poulx()
    mutate(data)
    path = write(data)
    result = CliRunner().invoke(main, ["check", path, "--as-of", DAY])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}: ")
    assert expected in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_malformed_yaml_missing_file_bad_date_unknown_brick_option(write):
    bad = write("commune: {insee: '30206', name: Poulx\nnetwork: [", "bad.yaml")
    result = CliRunner().invoke(main, ["check", bad])
    assert result.exit_code == 2 and "malformed YAML at line" in result.stderr
    result = CliRunner().invoke(main, ["check", "nowhere.yaml"])
    assert result.exit_code == 2 and "nowhere.yaml: no such file" in result.stderr
    good = write(poulx())
    result = CliRunner().invoke(main, ["check", good, "--as-of", "2023-02-30"])
    assert result.exit_code == 2 and "--as-of: expected a date" in result.stderr
    result = CliRunner().invoke(main, ["check", good, "--brick", "vsii"])
    assert result.exit_code == 2
    assert result.stderr == "error: --brick: unknown brick 'vsii' — did you mean 'vsi'?\n"


def test_a_broken_catalog_is_refused_with_a_pointer_to_lint(write, tmp_path):
    rules = tmp_path / "rules"
    (rules / "bricks").mkdir(parents=True)
    root = Path(__file__).resolve().parent.parent / "rules"
    (rules / "catalog.yaml").write_text((root / "catalog.yaml").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    (rules / "bricks" / "x.yaml").write_text(
        "id: x\nname: {fr: X, en: X}\navailability: {versions: [avenant-6], source: note, "
        "citation: c}\n"
        "requires: [{brick: nowhere, source: note, citation: c, quote: 'brique socle'}]\n",
        encoding="utf-8")
    result = CliRunner().invoke(main, ["check", write(poulx(requests=[])), "--rules", str(rules)])
    assert result.exit_code == 2
    assert "requires unknown brick 'nowhere'" in result.stderr
    assert "eligibility rules lint" in result.stderr


def test_python_cli_py_runs_from_the_checkout():
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, str(root / "cli.py"), "schema", "profile"],
                          capture_output=True, text=True, cwd="/")
    assert done.returncode == 0 and '"Profile"' in done.stdout
