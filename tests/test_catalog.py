"""Loading the catalog: the shipped rules, and refusals that name the file and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import replace_in as edit

from eligibility import CatalogError, load_catalog, read_catalog
from eligibility.catalog.conditions import Any_, Leaf

RULES = Path(__file__).resolve().parent.parent / "rules"


def test_the_shipped_catalog_has_the_ten_bricks_of_the_contract(catalog):
    assert list(catalog.bricks) == [
        "conseil-assistance", "internet-collaboratif", "cloud-reseaux", "videoprotection",
        "vsi", "ecoles-numeriques", "bureautique", "telecoms", "si-urbanisme", "ads"]
    assert catalog.aliases == {"socle": "conseil-assistance", "1": "internet-collaboratif",
                               "3": "videoprotection", "3bis": "vsi", "5": "bureautique",
                               "7": "telecoms", "9": "si-urbanisme"}
    assert catalog.version_ids == ["convention-2014", "avenant-5", "avenant-6"]
    assert catalog.levels["network.fibre"] == ("none", "ftth", "ftte", "ftto")


def test_every_rule_is_cited_and_every_brick_but_the_base_has_prerequisites(catalog):
    for rule in catalog.rules():
        assert rule.source in ("note", "law", "assumption") and rule.citation
        assert rule.message.fr and rule.message.en and rule.help.fr and rule.help.en
    for brick in catalog.bricks.values():
        if brick.id == "conseil-assistance":
            assert not brick.conditions and not brick.requires
        else:
            assert brick.conditions, brick.id
            assert "conseil-assistance" in [r.brick for r in brick.requires]


def test_the_rules_the_note_and_the_law_give(catalog):
    vsi = catalog.bricks["vsi"]
    assert [r.brick for r in vsi.requires] == ["conseil-assistance", "videoprotection"]
    assert vsi.versions == ("avenant-6",)
    assert {r.id: r.source for r in vsi.conditions} == {"vsi.no-biometrics": "law"}
    brick9 = catalog.bricks["si-urbanisme"]
    assert brick9.replaced_by is not None and brick9.replaced_by.brick == "ads"
    assert "avenant-6" not in brick9.versions
    rules = {r.id: r for r in catalog.rules()}
    assert "L.252-1" in rules["videoprotection.authorisation"].citation
    access = rules["internet-collaboratif.access"]
    assert access.source == "assumption" and isinstance(access.condition, Any_)
    fibre = next(c for c in access.condition.children if isinstance(c, Leaf)
                 and c.fact == "network.fibre")
    assert (fibre.op, fibre.value) == ("ge", "ftth")


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("bricks/03bis-vsi.yaml", "{brick: videoprotection,", "{brick: videoprotectoin,",
     "requires unknown brick 'videoprotectoin' — did you mean 'videoprotection'?"),
    ("bricks/03-videoprotection.yaml", "fact: equipment.cameras", "fact: equipment.camera",
     "unknown fact 'equipment.camera' — did you mean 'equipment.cameras'?"),
    ("bricks/03-videoprotection.yaml", "cameras, ge: 1", "cameras, gte: 1",
     "unknown operator 'gte' — did you mean 'ge'?"),
    ("bricks/03-videoprotection.yaml", "fibre, ge: ftto", "fibre, ge: fto",
     "expected one of: none, ftth, ftte, ftto"),
    ("bricks/03-videoprotection.yaml", "source: law", "source: lawyer", "source"),
    ("bricks/03-videoprotection.yaml", "    help:", "    hepl:", "unknown field 'hepl'"),
    ("bricks/03bis-vsi.yaml", "versions: [avenant-6]", "versions: [avenant-7]",
     "unknown version 'avenant-7'"),
    ("bricks/03bis-vsi.yaml", 'aliases: ["3bis"]', 'aliases: ["3"]', "alias '3' is already"),
    ("facts.yaml", "  network.fibre:", "  network.fiber:", "unknown fact 'network.fibre'"),
    ("facts.yaml", "      - id: ftte\n", "      - id: ftth\n", "network.fibre lists a value twice"),
    ("bricks/03-videoprotection.yaml", "id: videoprotection\n", "id: videoprotection\n  x: [\n",
     "malformed YAML at line"),
])
def test_a_broken_catalog_does_not_load_and_says_where(rules_copy, file, old, new, expected):
    edit(rules_copy / file, old, new)
    with pytest.raises(CatalogError) as caught:
        load_catalog(rules_copy)
    message = str(caught.value)
    assert expected in message
    assert str(rules_copy) in message
    assert "eligibility rules lint" in message


def test_read_catalog_collects_every_problem(rules_copy):
    edit(rules_copy / "bricks/03bis-vsi.yaml", "{brick: videoprotection,", "{brick: nowhere,")
    edit(rules_copy / "bricks/03-videoprotection.yaml", "fact: equipment.cameras",
         "fact: equipment.camera")
    catalog, problems = read_catalog(rules_copy)
    assert catalog is None
    messages = " | ".join(str(p) for p in problems)
    assert "nowhere" in messages and "equipment.camera" in messages


def test_a_requirement_cycle_is_refused_with_the_cycle(rules_copy):
    edit(rules_copy / "bricks/03-videoprotection.yaml",
         "requires:\n",
         "requires:\n  - {brick: vsi, source: note, citation: c, quote: 'brique socle'}\n")
    with pytest.raises(CatalogError) as caught:
        load_catalog(rules_copy)
    assert "videoprotection -> vsi -> videoprotection" in str(caught.value)
