"""The mutation table: broken copies of the shipped catalog, each caught by lint.

Every row copies rules/ to a temporary folder, breaks it the way a maintainer might
(one small function per mutation), and asserts that ``rules lint`` reports it with
the expected code, in the expected file, on the expected rule. Property-based
checks (``rules verify``) have their own mutations in the verify tests.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from eligibility import CatalogError, load_catalog
from eligibility.cli.main import main
from eligibility.lint.checks import CODES, lint

RULES = Path(__file__).resolve().parent.parent / "rules"


def edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}: the shipped catalog changed, update the row"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


VIDEO = "bricks/03-videoprotection.yaml"
VSI = "bricks/03bis-vsi.yaml"
ADS = "bricks/10-ads.yaml"
BRICK9 = "bricks/09-si-urbanisme.yaml"
VIDEO_NETWORK = """    when:
      any:
        - {fact: network.fibre, ge: ftto}
        - {fact: network.gecko, eq: true}"""
ADS_NETWORK = """    when:
      any:
        - {fact: network.fibre, ge: ftth}
        - {fact: network.gecko, eq: true}"""


# --- the mutations ---------------------------------------------------------------------

def cycle(root: Path) -> None:
    edit(root, VIDEO, "requires:\n",
         "requires:\n  - {brick: vsi, source: note, citation: c, quote: 'brique socle'}\n")


def contradictory_fibre_bounds(root: Path) -> None:
    edit(root, VIDEO, VIDEO_NETWORK, """    when:
      all:
        - {fact: network.fibre, ge: ftto}
        - {fact: network.fibre, le: ftth}""")


def exclusive_enum_values(root: Path) -> None:
    edit(root, ADS, "when: {fact: urbanisme.document, in: [plu, plui, carte_communale]}",
         "when: {all: [{fact: urbanisme.document, eq: plu}, {fact: urbanisme.document, eq: rnu}]}")


def contradictory_counts(root: Path) -> None:
    edit(root, VIDEO, "when: {fact: equipment.cameras, ge: 1}",
         "when: {all: [{fact: equipment.cameras, gt: 10}, {fact: equipment.cameras, lt: 5}]}")


def not_of_a_tautology(root: Path) -> None:
    edit(root, "bricks/04-ecoles-numeriques.yaml", "when: {fact: equipment.schools, ge: 1}",
         "when: {not: {fact: equipment.schools, ge: 0}}")


def rules_contradicting_each_other(root: Path) -> None:
    edit(root, VIDEO, "when: {fact: authorisations.videoprotection_prefectorale, eq: true}",
         "when: {fact: network.fibre, le: ftth}\n    upper_bound: true")
    edit(root, VIDEO, VIDEO_NETWORK, "    when: {fact: network.fibre, ge: ftto}")


def empty_availability(root: Path) -> None:
    edit(root, "bricks/07-telecoms.yaml",
         "versions: [convention-2014, avenant-5, avenant-6]", "versions: []")


def requirement_file_removed(root: Path) -> None:
    (root / VIDEO).unlink()


def missing_citation(root: Path) -> None:
    edit(root, VIDEO, '    citation: "Prérequis d\'équipement de la brique 3 ; au moins une '
         'caméra, à confirmer par la DN"\n', "")


def blank_citation(root: Path) -> None:
    edit(root, ADS, 'citation: "Code de l\'urbanisme, art. L.422-1 (le maire délivre les '
         'autorisations', 'citation: "   " #')


def missing_english_message(root: Path) -> None:
    edit(root, VIDEO, '      en: "video protection needs at least one installed camera"\n', "")


def brick_before_its_requirement(root: Path) -> None:
    edit(root, VIDEO, "versions: [convention-2014, avenant-5, avenant-6]", "versions: [avenant-6]")
    edit(root, VSI, "versions: [avenant-6]", "versions: [avenant-5, avenant-6]")


def duplicate_alias(root: Path) -> None:
    edit(root, VSI, 'aliases: ["3bis"]', 'aliases: ["3"]')


def duplicate_rule_id(root: Path) -> None:
    edit(root, ADS, "  - id: ads.network", "  - id: ads.document")


def duplicate_brick_id(root: Path) -> None:
    shutil.copy(root / ADS, root / "bricks/11-ads-copy.yaml")


def unknown_fact(root: Path) -> None:
    edit(root, VIDEO, "fact: equipment.cameras", "fact: equipment.camera")


def unknown_key(root: Path) -> None:
    edit(root, VIDEO, "    help:", "    hepl:")


def unknown_operator(root: Path) -> None:
    edit(root, VIDEO, "cameras, ge: 1", "cameras, gte: 1")


def threshold_beyond_exact_numbers(root: Path) -> None:
    # The engine compares numbers exactly only below 2**53: such a threshold must not load.
    edit(root, VIDEO, "cameras, ge: 1", "cameras, ge: 9007199254740993")


def unknown_version(root: Path) -> None:
    edit(root, VSI, "versions: [avenant-6]", "versions: [avenant-7]")


def no_prerequisites(root: Path) -> None:
    path = root / "bricks/07-telecoms.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("requires:")] + "requires: []\nconditions: []\n",
                    encoding="utf-8")


def withdrawn_still_required(root: Path) -> None:
    edit(root, ADS, "requires:\n", "requires:\n  - {brick: si-urbanisme, source: note, "
         "citation: c}\n")


def replaced_by_unknown(root: Path) -> None:
    edit(root, BRICK9, "  brick: ads\n", "  brick: adss\n")


def still_available_after_replacement(root: Path) -> None:
    edit(root, BRICK9, "versions: [convention-2014, avenant-5]",
         "versions: [convention-2014, avenant-5, avenant-6]")


def malformed_yaml(root: Path) -> None:
    edit(root, VIDEO, 'aliases: ["3"]', 'aliases: ["3"\n  x: [')


def redundant_test_in_all(root: Path) -> None:
    edit(root, ADS, ADS_NETWORK, """    when:
      all:
        - {fact: network.fibre, ge: ftth}
        - {fact: network.fibre, ge: ftte}""")


def redundant_alternative(root: Path) -> None:
    edit(root, ADS, ADS_NETWORK, ADS_NETWORK + "\n        - {fact: network.fibre, ge: ftto}")


def redundant_rule(root: Path) -> None:
    edit(root, VIDEO, "when: {fact: equipment.cameras, ge: 1}",
         "when: {any: [{fact: network.fibre, ge: ftte}, {fact: network.gecko, eq: true}]}")


def inverted_fibre_threshold(root: Path) -> None:
    edit(root, VIDEO, "{fact: network.fibre, ge: ftto}", "{fact: network.fibre, le: ftth}")


def tautology(root: Path) -> None:
    edit(root, VIDEO, "{fact: network.fibre, ge: ftto}", "{fact: network.fibre, ge: none}")


@dataclass(frozen=True)
class Mutation:
    name: str
    mutate: Callable[[Path], None]
    code: str
    file: str  # relative to rules/
    rule: str | None
    says: str = ""  # a phrase the finding's message or hint must contain


MUTATIONS = [
    Mutation("a dependency cycle", cycle, "cycle", VIDEO, "videoprotection",
             "videoprotection -> vsi -> videoprotection"),
    Mutation("a dead brick: contradictory fibre bounds", contradictory_fibre_bounds,
             "dead-brick", VIDEO, "videoprotection.network",
             "network.fibre >= ftto and network.fibre <= ftth"),
    Mutation("an all of exclusive enum values", exclusive_enum_values, "dead-brick", ADS,
             "ads.document", "urbanisme.document == plu and urbanisme.document == rnu"),
    Mutation("count > 10 and count < 5", contradictory_counts, "dead-brick", VIDEO,
             "videoprotection.cameras", "equipment.cameras > 10 and equipment.cameras < 5"),
    Mutation("not of a tautology", not_of_a_tautology, "dead-brick",
             "bricks/04-ecoles-numeriques.yaml", "ecoles-numeriques.school",
             "not(equipment.schools >= 0)"),
    Mutation("two rules of a brick contradicting each other", rules_contradicting_each_other,
             "dead-brick", VIDEO, "videoprotection.network",
             "videoprotection.authorisation and videoprotection.network cannot hold together"),
    Mutation("a dead requirement makes the requiring brick dead", contradictory_fibre_bounds,
             "dead-requirement", VSI, "vsi.requires.videoprotection", "fix 'videoprotection'"),
    Mutation("availability under no version", empty_availability, "dead-brick",
             "bricks/07-telecoms.yaml", "telecoms", "availability.versions"),
    Mutation("vsi without the brick it requires", requirement_file_removed, "unknown-brick",
             VSI, "vsi.requires.videoprotection", "requires unknown brick 'videoprotection'"),
    Mutation("a missing citation", missing_citation, "missing-citation", VIDEO,
             "videoprotection.cameras", "citation"),
    Mutation("a blank citation", blank_citation, "missing-citation", ADS, "ads.document",
             "blank citation"),
    Mutation("a missing English message", missing_english_message, "missing-translation",
             VIDEO, "videoprotection.cameras", "message.en"),
    Mutation("a brick valid before the brick it requires", brick_before_its_requirement,
             "requirement-unavailable", VSI, "vsi.requires.videoprotection",
             "'vsi' exists under avenant-5 but requires 'videoprotection'"),
    Mutation("a duplicate alias", duplicate_alias, "duplicate-alias", VSI, "vsi",
             "alias '3' is already used by 'videoprotection'"),
    Mutation("a duplicate rule id", duplicate_rule_id, "duplicate-rule", ADS, "ads.document",
             "duplicate rule id"),
    Mutation("a duplicate brick id", duplicate_brick_id, "duplicate-brick",
             "bricks/11-ads-copy.yaml", "ads", "duplicate brick id 'ads'"),
    Mutation("an unknown fact, with did-you-mean", unknown_fact, "unknown-fact", VIDEO,
             "videoprotection.cameras", "did you mean 'equipment.cameras'?"),
    Mutation("an unknown key, with did-you-mean", unknown_key, "unknown-key", VIDEO,
             "videoprotection.authorisation", "did you mean 'help'?"),
    Mutation("an unknown operator", unknown_operator, "unknown-operator", VIDEO,
             "videoprotection.cameras", "did you mean 'ge'?"),
    Mutation("a threshold beyond 2**53", threshold_beyond_exact_numbers, "bad-value", VIDEO,
             "videoprotection.cameras", "below 9,007,199,254,740,992"),
    Mutation("an unknown version", unknown_version, "unknown-version", VSI, "vsi",
             "unknown version 'avenant-7'"),
    Mutation("a brick other than the base one without prerequisites", no_prerequisites,
             "no-prerequisites", "bricks/07-telecoms.yaml", "telecoms", "avenant n°6"),
    Mutation("a withdrawn brick still required", withdrawn_still_required,
             "withdrawn-required", ADS, "ads.requires.si-urbanisme",
             "require 'ads' instead"),
    Mutation("replaced by an unknown brick", replaced_by_unknown, "unknown-replacement",
             BRICK9, "si-urbanisme", "did you mean 'ads'?"),
    Mutation("still available after its replacement", still_available_after_replacement,
             "replacement-mismatch", BRICK9, "si-urbanisme", "still exists under avenant-6"),
    Mutation("malformed YAML", malformed_yaml, "malformed-yaml", VIDEO, None,
             "malformed YAML at line"),
    Mutation("a test implied by another in the same all", redundant_test_in_all,
             "redundant-condition", ADS, "ads.network",
             "network.fibre >= ftth is redundant in this all"),
    Mutation("an alternative that another already accepts", redundant_alternative,
             "redundant-condition", ADS, "ads.network",
             "network.fibre >= ftto is redundant in this any"),
    Mutation("a rule implied by another rule of the brick", redundant_rule, "redundant-rule",
             VIDEO, "videoprotection.cameras", "implied by videoprotection.network"),
    Mutation("an inverted fibre threshold", inverted_fibre_threshold, "undeclared-upper-bound",
             VIDEO, "videoprotection.network", "network.fibre <= ftth"),
    Mutation("a condition that always holds", tautology, "tautology", VIDEO,
             "videoprotection.network", "always holds"),
]


def test_the_shipped_catalog_is_clean():
    assert lint(RULES) == []


def test_the_table_has_the_rows_the_issue_asks_for():
    errors = {m.code for m in MUTATIONS if CODES[m.code][0] == "error"}
    assert len(MUTATIONS) >= 10 and len(errors) >= 10


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_lint_catches_the_mutation(rules_copy: Path, mutation: Mutation):
    mutation.mutate(rules_copy)
    problems = lint(rules_copy)
    file = str(rules_copy / mutation.file)
    caught = [p for p in problems if p.code == mutation.code and p.file == file
              and p.rule == mutation.rule]
    assert caught, "\n".join(f"{p.code} {p.file} {p.rule}: {p.message}" for p in problems)
    finding = caught[0]
    assert mutation.says in f"{finding.message} — {finding.hint}"
    assert finding.hint  # every finding says how to fix it
    assert finding.severity == CODES[mutation.code][0]
    if finding.severity == "error":
        with pytest.raises(CatalogError) as refused:
            load_catalog(rules_copy)
        assert "eligibility rules lint" in str(refused.value)
    else:
        assert not [p for p in problems if p.severity == "error"]
        load_catalog(rules_copy)  # a warning does not stop the catalog from being used


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_the_lint_command_exits_by_severity(rules_copy: Path, mutation: Mutation):
    mutation.mutate(rules_copy)
    result = CliRunner().invoke(main, ["rules", "lint", "--rules", str(rules_copy)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == (1 if CODES[mutation.code][0] == "error" else 0), result.output
    assert f"[{mutation.code}]:" in result.output


def test_lint_reports_every_finding_not_just_the_first(rules_copy: Path):
    for mutation in (cycle, missing_english_message, duplicate_rule_id,
                     withdrawn_still_required, redundant_alternative):
        mutation(rules_copy)
    edit(rules_copy, "bricks/07-telecoms.yaml", "fibre, ge: ftte", "fibre, gte: ftte")
    found = {(p.code, p.rule) for p in lint(rules_copy)}
    # The rule refused by the schema does not hide the rest of its file (the cycle).
    assert {("cycle", "videoprotection"), ("missing-translation", "videoprotection.cameras"),
            ("duplicate-rule", "ads.document"), ("unknown-operator", "telecoms.network"),
            ("withdrawn-required", "ads.requires.si-urbanisme"),
            ("redundant-condition", "ads.document")} <= found  # the renamed ads.network
