"""Issue 8, points 5 and 6: honest sources, checked against the note's text.

Every ``source: note`` quotes the note word for word, lint fails when a quote is not
in the shipped text, what goes beyond the words is an assumption (and the output
says so), a temporary law's basis changes with the date, and brick 7's mobile part
is not refused for want of business fibre.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import replace_in

from eligibility import check, load_profile
from eligibility.catalog.model import (
    NOTE_FILE,
    Catalog,
    normalise_space,
    note_path,
    shipped_rules_dir,
)
from eligibility.catalog.validation import _quoted
from eligibility.cli.main import main
from eligibility.costs.shares import (
    KEY_QUOTE,
    POOL_QUOTE,
    POOL_SOURCE,
    UPGRADE_QUOTE,
    UPGRADE_SOURCE,
)
from eligibility.lint.checks import lint_report

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
SHARED_NOTE = ROOT.parent / "shared" / "sources" / NOTE_FILE
FIXTURES = ROOT / "fixtures" / "sources"
NOTE_TEXT = normalise_space((RULES / "sources" / NOTE_FILE).read_text(encoding="utf-8"))


def invoke(*args: str):
    return CliRunner().invoke(main, [*args])


# --- the shipped text and the quotes ----------------------------------------------------

def test_the_shipped_note_is_the_shared_text_with_its_attribution():
    if SHARED_NOTE.is_file():  # the team's copy, when the checkout sits beside it
        assert (RULES / "sources" / NOTE_FILE).read_bytes() == SHARED_NOTE.read_bytes()
    readme = (RULES / "sources" / "README.md").read_text(encoding="utf-8")
    assert "Poulx" in readme and "note de synthèse n°3" in readme
    assert note_path() == shipped_rules_dir() / "sources" / NOTE_FILE


def test_every_note_quote_is_in_the_text_and_every_note_item_has_one(catalog: Catalog):
    items = list(_quoted(catalog))
    notes = [i for i in items if i.source == "note"]
    assert len(notes) >= 7  # versions, a common rule, tools, 3BIS and its requirement
    for item in notes:
        assert item.quote, f"{item.file}: {item.rule} ({item.what}) has no quote"
    for item in items:
        if item.quote:
            assert normalise_space(item.quote) in NOTE_TEXT, (item.rule, item.quote)


def test_every_assumption_names_the_words_it_builds_on(catalog: Catalog):
    assumptions = [i for i in _quoted(catalog) if i.source == "assumption"]
    assert assumptions and all(i.quote for i in assumptions)


def test_the_note_typos_are_quoted_as_they_are(catalog: Catalog):
    cloud = catalog.bricks["cloud-reseaux"].availability
    assert cloud.quote == "- Hébergement dans e Clouds et réseaux ;"
    assert "«3BIS" in catalog.bricks["vsi"].availability.quote  # no space after «, as written


def test_lint_of_the_shipped_catalog_checks_the_quotes_and_is_clean():
    report = lint_report(RULES)
    assert report.problems == []


# --- lint refuses what is not in the text ------------------------------------------------

def test_a_mutated_quote_fails_lint_with_file_line_rule_and_fix(rules_copy: Path):
    brick = rules_copy / "bricks" / "02-cloud-reseaux.yaml"
    replace_in(brick, 'quote: "- Hébergement dans e Clouds et réseaux ;"',
               'quote: "- Hébergement dans le Cloud et réseaux ;"')  # "corrected" typo
    result = invoke("rules", "lint", "--rules", str(rules_copy), "--format", "json")
    assert result.exit_code == 1
    [finding] = json.loads(result.output)["findings"]
    assert finding["code"] == "quote-not-in-note" and finding["severity"] == "error"
    assert finding["file"] == str(brick) and finding["rule"] == "cloud-reseaux"
    assert "Hébergement dans le Cloud" in finding["message"]
    lines = brick.read_text(encoding="utf-8").splitlines()
    assert "quote: \"- Hébergement dans le Cloud" in lines[finding["line"] - 1]
    assert "« - Hébergement dans »" in finding["hint"]  # where the text stops matching
    text = invoke("rules", "lint", "--rules", str(rules_copy))
    assert text.exit_code == 1 and "error[quote-not-in-note]" in text.output


def test_straight_quotes_for_the_note_guillemets_fail(rules_copy: Path):
    brick = rules_copy / "bricks" / "03bis-vsi.yaml"
    replace_in(brick, "qui s'appuie sur la brique 3 « Vidéoprotection »",
               "qui s'appuie sur la brique 3 'Vidéoprotection'")
    codes = [p.code for p in lint_report(rules_copy).problems]
    assert codes == ["quote-not-in-note"]


def test_only_whitespace_is_normalised(rules_copy: Path):
    brick = rules_copy / "bricks" / "07-telecoms.yaml"
    # A line break and double spaces inside the quote: still the note's words.
    replace_in(brick, 'quote: "Précisions sur l\'accès à la brique 7 « Télécoms », en particulier',
               'quote: "Précisions  sur l\'accès à la brique 7 « Télécoms »,\n      en particulier')
    assert lint_report(rules_copy).problems == []
    replace_in(brick, "Précisions  sur", "précisions sur")  # case is not whitespace
    assert [p.code for p in lint_report(rules_copy).problems] == ["quote-not-in-note"]


def test_a_note_source_without_quote_is_an_error(rules_copy: Path):
    replace_in(rules_copy / "catalog.yaml",
               '    quote: "choisissent les parties de la DN mises en commun et signent la '
               'convention cadre selon les modalités décrites en son article 7.2"\n', "")
    [problem] = lint_report(rules_copy).problems
    assert (problem.code, problem.rule, problem.severity) == (
        "missing-quote", "common.convention-signed", "error")
    assert "source: assumption" in problem.hint


def test_an_assumption_without_basis_is_a_warning(rules_copy: Path):
    replace_in(rules_copy / "bricks" / "05-bureautique.yaml", '  quote: "- Bureautique ;"\n', "")
    [problem] = lint_report(rules_copy).problems
    assert (problem.code, problem.severity) == ("assumption-without-basis", "warning")


def test_a_catalog_without_the_note_cannot_be_checked_from_elsewhere(tmp_path: Path,
                                                                      rules_copy: Path,
                                                                      monkeypatch):
    # No sources/ beside the catalog and none shipped: quotes cannot be checked.
    shutil.rmtree(rules_copy / "sources")
    monkeypatch.setattr("eligibility.catalog.validation.note_path",
                        lambda root: tmp_path / "none.txt")
    codes = {p.code for p in lint_report(rules_copy).problems}
    assert codes == {"no-note-text"}


def test_a_catalog_checks_its_quotes_against_its_own_sources(rules_copy: Path):
    note = rules_copy / "sources" / NOTE_FILE
    note.write_text(note.read_text(encoding="utf-8").replace("- Télécoms.", "- Téléphonie."),
                    encoding="utf-8")
    problems = lint_report(rules_copy).problems
    assert [(p.code, p.rule) for p in problems] == [("quote-not-in-note", "telecoms")]


# --- dated bases: a temporary law ----------------------------------------------------------

def test_lint_checks_the_dates_of_a_basis(rules_copy: Path):
    vsi = rules_copy / "bricks" / "03bis-vsi.yaml"
    replace_in(vsi, "      - from: 2025-04-01\n", "      - from: 2025-03-01\n")
    [problem] = lint_report(rules_copy).problems
    assert problem.code == "bad-period" and problem.rule == "vsi.no-biometrics"
    assert "2025-03-01" in problem.message


def test_a_malformed_basis_date_is_a_schema_error(rules_copy: Path):
    vsi = rules_copy / "bricks" / "03bis-vsi.yaml"
    replace_in(vsi, "        until: 2025-03-31\n", "        until: 2025-02-30\n")
    problems = lint_report(rules_copy).problems
    assert problems and problems[0].code == "schema"
    assert "basis" in problems[0].message and "until" in problems[0].message


def test_a_basis_ending_before_it_starts_is_refused(rules_copy: Path):
    vsi = rules_copy / "bricks" / "03bis-vsi.yaml"
    replace_in(vsi, "      - from: 2023-05-21\n", "      - from: 2025-05-21\n")
    messages = [p.message for p in lint_report(rules_copy).problems if p.code == "bad-period"]
    assert any("starts after it ends" in m for m in messages)


VSI_PROFILE = FIXTURES / "vsi-facial-recognition.yaml"


@pytest.mark.parametrize(("day", "expected", "absent"), [
    ("2023-01-15", "RGPD", "2023-380, art. 10, III (expérimentation"),
    ("2023-05-20", "n'est pas encore en vigueur", "2023-380, art. 10, III (expérimentation"),
    ("2023-05-21", "Loi n° 2023-380 du 19 mai 2023, art. 10, III", "RGPD"),
    ("2025-03-31", "Loi n° 2023-380 du 19 mai 2023, art. 10, III", "RGPD"),
    ("2025-04-01", "a pris fin le 31 mars 2025", "art. 10, III"),
    ("2026-12-01", "aucune loi ne prévoit plus", "art. 10, III"),
])
def test_the_vsi_biometrics_basis_follows_the_date(catalog: Catalog, day: str, expected: str,
                                                    absent: str):
    profile = load_profile(VSI_PROFILE, catalog)
    verdict = check(catalog, profile, dt.date.fromisoformat(day)).verdicts["vsi"]
    assert verdict.status == "ineligible"  # the prohibition holds on every date
    [failed] = verdict.failed()
    assert failed.rule == "vsi.no-biometrics" and failed.source == "law"
    assert expected in failed.citation and absent not in failed.citation


def test_the_json_reason_carries_the_basis_in_force(catalog: Catalog):
    def reason(day: str) -> dict:
        result = invoke("check", str(VSI_PROFILE), "--as-of", day, "--format", "json")
        assert result.exit_code == 1, result.output
        [brick] = json.loads(result.output)["bricks"]
        return next(r for r in brick["reasons"] if r["rule"] == "vsi.no-biometrics")

    during, after = reason("2025-03-31"), reason("2025-04-01")
    assert during["basis"]["from"] == "2023-05-21" and during["basis"]["until"] == "2025-03-31"
    assert after["basis"] == {"from": "2025-04-01", "until": None, "source": "law",
                              "citation": after["citation"]}
    assert "RGPD" in after["citation"] and "RGPD" not in during["citation"]


def test_explain_and_audit_cite_the_basis_of_the_date(tmp_path: Path):
    explained = invoke("explain", str(VSI_PROFILE), "vsi", "--as-of", "2025-04-01")
    assert "RGPD" in " ".join(explained.output.split())
    held = tmp_path / "holds-vsi.yaml"  # audit examines what the commune holds
    held.write_text(VSI_PROFILE.read_text(encoding="utf-8").replace(
        "  - {brick: videoprotection, since: 2019-01-01}\n",
        "  - {brick: videoprotection, since: 2019-01-01}\n  - {brick: vsi, since: 2023-06-01}\n"),
        encoding="utf-8")

    def citation(day: str) -> str:
        result = invoke("audit", str(held), "--as-of", day, "--format", "json")
        found = [f for c in json.loads(result.output)["communes"] for f in c["findings"]
                 if f["rule"] == "vsi.no-biometrics"]
        assert found, result.output
        return found[0]["citation"]

    assert "Loi n° 2023-380 du 19 mai 2023, art. 10, III" in citation("2024-06-01")
    assert "a pris fin le 31 mars 2025" in citation("2025-06-01")


# --- what the output says is an assumption -------------------------------------------------

def test_the_base_brick_requirement_is_an_assumption_with_its_basis(catalog: Catalog):
    for brick in catalog.bricks.values():
        for req in brick.requires:
            if req.brick == "conseil-assistance":
                assert req.source == "assumption"
                assert req.quote == "brique socle « Conseil et Assistance »"
    result = invoke("check", str(FIXTURES / "telecoms-mobile-only.yaml"),
                    "--as-of", "2023-01-15", "--format", "json")
    [brick] = json.loads(result.output)["bricks"]
    base = next(r for r in brick["reasons"] if r["kind"] == "requirement")
    assert base["assumption"] is True and base["quote"] == "brique socle « Conseil et Assistance »"


def test_which_bricks_existed_in_2014_is_an_assumption(catalog: Catalog):
    for brick in catalog.bricks.values():
        if "convention-2014" in brick.versions:
            assert brick.availability.source == "assumption", brick.id
    assert catalog.bricks["vsi"].availability.source == "note"  # "Création d'une brique"


def test_rules_show_prints_the_quote_and_the_periods():
    out = " ".join(invoke("rules", "show", "vsi").output.split())
    assert "la note : “qui s'appuie sur la brique 3 « Vidéoprotection »”" in out
    assert "jusqu'au 2023-05-20 = loi" in out
    assert "du 2023-05-21 au 2025-03-31 = loi · Loi n° 2023-380" in out
    assert "à partir du 2025-04-01 = loi" in out
    data = json.loads(invoke("rules", "show", "vsi", "--format", "json").output)
    rule = data["conditions"][0]
    assert [p["from"] for p in rule["basis"]] == [None, "2023-05-21", "2025-04-01"]


def test_costs_say_the_pool_and_the_upgrade_payer_are_assumptions():
    assert normalise_space(KEY_QUOTE) in NOTE_TEXT
    assert normalise_space(POOL_QUOTE) in NOTE_TEXT
    assert normalise_space(UPGRADE_QUOTE) in NOTE_TEXT
    assert (POOL_SOURCE, UPGRADE_SOURCE) == ("assumption", "assumption")
    profiles = [str(ROOT / "fixtures" / "communes" / name) for name in (
        "30189-nimes.yaml", "30155-manduel.yaml", "30156-marguerittes.yaml",
        "30258-saint-gilles.yaml")]
    budget = str(ROOT / "fixtures" / "examples" / "budget-ads-2023.yaml")
    result = invoke("costs", *profiles, "--budget", budget, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["pool"]["assumption"] is True and data["pool"]["source"] == "assumption"
    assert data["licence_upgrade_rule"]["source"] == "assumption"
    assert data["key"]["source"] == "note" and data["key"]["quote"] == KEY_QUOTE
    text = " ".join(invoke("costs", *profiles, "--budget", budget).output.split())
    assert "[hypothèse] chaque brique coûte ETP × coût d'un ETP + coûts SI" in text


def test_the_ads_citation_glosses_the_articles_rightly(catalog: Catalog):
    citation = next(r for r in catalog.rules() if r.id == "ads.document").citation
    assert "R.423-15" in citation and "groupement de collectivités" in citation
    assert "instruction confiée à l'EPCI" not in citation  # not what L.422-8 says
    assert "L.422-8" in citation and "10 000 habitants" in citation


def test_cgct_and_article_7_2_are_cited_where_they_bear(catalog: Catalog):
    common = {r.id: r for r in catalog.common}
    assert "L.5211-4-3" in common["common.membership"].citation
    assert "art. 7.2" in common["common.convention-signed"].citation


# --- brick 7: the mobile part --------------------------------------------------------------

def test_a_mobile_only_commune_is_not_refused_for_want_of_business_fibre(catalog: Catalog):
    day = dt.date(2023, 1, 15)
    mobile = check(catalog, load_profile(FIXTURES / "telecoms-mobile-only.yaml", catalog),
                   day).verdicts
    assert mobile["telecoms"].status == "eligible"
    network = next(r for r in mobile["telecoms"].reasons if r.rule == "telecoms.network")
    assert network.held is True and network.is_assumption
    fixed = check(catalog, load_profile(FIXTURES / "telecoms-fixed-on-ftth.yaml", catalog),
                  day).verdicts
    assert fixed["telecoms"].status == "ineligible"
    assert [r.rule for r in fixed["telecoms"].failed()] == ["telecoms.network"]


def test_without_the_fixed_lines_telecoms_on_ftth_is_undetermined(catalog: Catalog, tmp_path):
    text = (FIXTURES / "telecoms-mobile-only.yaml").read_text(encoding="utf-8")
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(text.replace(", fixed_lines: 0", ""), encoding="utf-8")
    profile = load_profile(unknown, catalog)
    verdict = check(catalog, profile, dt.date(2023, 1, 15)).verdicts["telecoms"]
    assert verdict.status == "undetermined"
    assert verdict.missing == ("equipment.fixed_lines",)


def test_fixed_lines_on_business_fibre_or_gecko_pass(catalog: Catalog, tmp_path):
    text = (FIXTURES / "telecoms-fixed-on-ftth.yaml").read_text(encoding="utf-8")
    for network in ("{gecko: false, fibre: ftte}", "{gecko: true, fibre: none}"):
        path = tmp_path / "p.yaml"
        path.write_text(text.replace("{gecko: false, fibre: ftth}", network), encoding="utf-8")
        ev = check(catalog, load_profile(path, catalog), dt.date(2023, 1, 15))
        assert ev.verdicts["telecoms"].status == "eligible", network


# --- the installed package finds the shipped text ------------------------------------------

def test_the_package_ships_the_note_and_lint_runs_from_the_installed_copy(tmp_path: Path):
    """Build the package as setuptools installs it (pyproject's package data), away from
    the checkout, and lint the shipped catalog from there. (A fresh `pip install` into a
    new virtualenv gives the same tree; see the report of issue 8.)"""
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("eligibility", "rules"):
        shutil.copytree(ROOT / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    build = subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
         "--build-lib", str(tmp_path / "site")],
        cwd=source, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    shipped = tmp_path / "site" / "eligibility" / "rules" / "sources"
    assert (shipped / NOTE_FILE).read_bytes() == (RULES / "sources" / NOTE_FILE).read_bytes()
    assert (shipped / "README.md").is_file()
    # The checkout's editable finder comes after sys.path: the built copy wins.
    script = (f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r}); "
              "from eligibility.catalog.model import note_path; "
              "from eligibility.lint.checks import lint_report; "
              "print(note_path()); print(len(lint_report().problems))")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    path, count = run.stdout.split()
    assert path == str(shipped / NOTE_FILE)
    assert count == "0"


def test_fewer_fixed_lines_is_the_better_direction(rules_copy: Path):
    # fixed_lines == 0 holds for every better (smaller) value: no upper bound to declare;
    # "at least one fixed line" would be a cap, and lint says so.
    assert lint_report(rules_copy).problems == []
    replace_in(rules_copy / "bricks" / "07-telecoms.yaml", "{fact: equipment.fixed_lines, eq: 0}",
               "{fact: equipment.fixed_lines, ge: 1}")
    codes = [p.code for p in lint_report(rules_copy).problems]
    assert "undeclared-upper-bound" in codes
