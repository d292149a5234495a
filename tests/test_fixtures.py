"""The fixture profiles: one per member commune, valid, and covering every status and reason.

Only the name, INSEE code and population of a commune are real (shared/data); every
other value in fixtures/ is illustrative. The tests below pin what the other test
suites, `audit` and `costs` rely on: see fixtures/README.md for the coverage table.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from pathlib import Path

import pytest

from eligibility import Catalog, Evaluation, InputError, Profile, check, load_profile

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
COMMUNES = FIXTURES / "communes"
EXAMPLES = FIXTURES / "examples"
AS_OF = dt.date(2023, 1, 15)
CSV_NAME = "communes-nimes-metropole.csv"
PROFILE_FILES = sorted(COMMUNES.glob("*.yaml"))
DISCLAIMER_EN = "Illustrative profile: only the name, INSEE code and population are real"
DISCLAIMER_FR = "Profil illustratif : seuls le nom, le code INSEE et la population sont réels"


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


@pytest.fixture(scope="module")
def members() -> list[dict[str, str]]:
    # A copy of shared/data kept in the repository, so that a fresh clone tests it.
    with (FIXTURES / "reference" / CSV_NAME).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def profiles(catalog: Catalog) -> dict[str, Profile]:
    """INSEE code -> profile, for every commune fixture."""
    loaded = [load_profile(path, catalog) for path in PROFILE_FILES]
    return {p.commune.insee: p for p in loaded}


@pytest.fixture(scope="module")
def evaluations(catalog: Catalog, profiles: dict[str, Profile]) -> dict[str, Evaluation]:
    return {insee: check(catalog, p, AS_OF, None, engine="reference")
            for insee, p in profiles.items()}


# ---------------------------------------------------------------- one profile per member


def test_every_member_commune_has_exactly_one_profile(members, catalog):
    by_insee: dict[str, list[tuple[Path, Profile]]] = {}
    for path in PROFILE_FILES:
        profile = load_profile(path, catalog)
        by_insee.setdefault(profile.commune.insee, []).append((path, profile))
    assert len(members) == 39
    for row in members:
        found = by_insee.get(row["insee"], [])
        assert len(found) == 1, f"{row['insee']} {row['name']}: {len(found)} profiles"
        path, profile = found[0]
        assert profile.commune.name == row["name"]
        assert profile.commune.population == int(row["population"])
        assert profile.commune.epci == "nimes-metropole"
        assert path.name == f"{row['insee']}-{_slug(row['name'])}.yaml"
    extra = set(by_insee) - {row["insee"] for row in members}
    assert not extra, f"profiles of non-member communes: {sorted(extra)}"


@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.stem)
def test_profile_loads_and_says_it_is_illustrative(path, catalog):
    assert isinstance(load_profile(path, catalog), Profile)
    head = path.read_text(encoding="utf-8")[:600]
    assert DISCLAIMER_EN in head and DISCLAIMER_FR in head


@pytest.mark.parametrize("name", ["minimal.yaml", "30206-poulx.json"])
def test_good_examples_load(name, catalog):
    assert isinstance(load_profile(EXAMPLES / name, catalog), Profile)


# ---------------------------------------------------------------- statuses and reasons


def test_every_status_occurs_for_a_requested_brick(evaluations):
    seen = {v.status for e in evaluations.values() for v in e.shown()}
    assert seen == {"eligible", "ineligible", "undetermined", "unavailable"}


# (commune, brick, status, rule that failed for ineligible / missing fact for undetermined)
EXPECTED = [
    ("30189", "cloud-reseaux", "eligible", None),                      # Nîmes
    ("30180", "ads", "eligible", None),                                # carte communale
    ("30036", "vsi", "eligible", None),                                # Bernis
    ("30228", "vsi", "eligible", None),                                # VP requested with it
    ("30104", "si-urbanisme", "eligible", None),                       # convention 2014
    ("30206", "vsi", "ineligible", "vsi.requires.videoprotection"),    # Poulx
    ("30039", "vsi", "ineligible", "vsi.no-biometrics"),
    ("30047", "videoprotection", "ineligible", "videoprotection.authorisation"),
    ("30211", "videoprotection", "ineligible", "videoprotection.cameras"),
    ("30057", "telecoms", "ineligible", "telecoms.network"),           # fibre below FTTE
    ("30057", "cloud-reseaux", "ineligible", "cloud-reseaux.network"),
    ("30257", "cloud-reseaux", "ineligible", "cloud-reseaux.network"),
    ("30354", "internet-collaboratif", "ineligible", "internet-collaboratif.access"),
    ("30102", "ecoles-numeriques", "ineligible", "ecoles-numeriques.school"),
    ("30317", "ads", "ineligible", "ads.document"),                    # RNU
    ("30163", "ads", "ineligible", "ads.document"),
    ("30122", "conseil-assistance", "ineligible", "common.convention-signed"),
    ("30061", "ads", "undetermined", "urbanisme.document"),
    ("30224", "bureautique", "undetermined", "network.fibre"),
    ("30249", "ecoles-numeriques", "undetermined", "equipment.schools"),
    ("30313", "videoprotection", "undetermined", "authorisations.videoprotection_prefectorale"),
    ("30112", "vsi", "unavailable", "vsi.available"),                  # avenant-5
    ("30183", "vsi", "unavailable", "vsi.available"),                  # avenant-5 via history
    ("30104", "vsi", "unavailable", "vsi.available"),                  # convention 2014
    ("30075", "si-urbanisme", "unavailable", "si-urbanisme.available"),  # under avenant-6
]


@pytest.mark.parametrize(("insee", "brick", "status", "detail"), EXPECTED,
                         ids=[f"{i}-{b}-{s}" for i, b, s, _ in EXPECTED])
def test_fixture_verdict(evaluations, insee, brick, status, detail):
    evaluation = evaluations[insee]
    assert brick in evaluation.requested
    verdict = evaluation.verdicts[brick]
    assert verdict.status == status, verdict
    if status == "ineligible":
        assert detail in {r.rule for r in verdict.failed()}
    elif status == "undetermined":
        assert detail in verdict.missing
        assert not verdict.failed()
    elif status == "unavailable":
        assert detail in {r.rule for r in verdict.failed()}


def test_convention_in_force(evaluations):
    assert evaluations["30206"].convention == "avenant-6"
    assert evaluations["30112"].convention == "avenant-5"       # signed avenant-5 only
    assert evaluations["30183"].convention == "avenant-5"       # avenant-6 signed after the date
    assert evaluations["30104"].convention == "convention-2014"
    assert evaluations["30122"].convention == "none"


def test_minimal_profile_leaves_every_brick_undetermined(catalog):
    profile = load_profile(EXAMPLES / "minimal.yaml", catalog)
    evaluation = check(catalog, profile, AS_OF, None, engine="reference")
    assert {v.status for v in evaluation.shown()} == {"undetermined"}
    assert len(evaluation.shown()) == len(catalog.bricks)


# ---------------------------------------------------------------- audit and costs material


def _since(profile: Profile, brick: str) -> dt.date | None:
    return next(s.since for s in profile.subscriptions if s.brick == brick)


def test_subscriptions_for_the_audit(profiles, evaluations):
    held_base = [p for p in profiles.values() if "conseil-assistance" in p.held]
    assert len(held_base) >= 30
    # brick 9 still held under avenant-6 (withdrawn brick), taken before 2022
    withdrawn = [i for i, p in profiles.items() if "si-urbanisme" in p.held
                 and evaluations[i].convention == "avenant-6"]
    assert len(withdrawn) >= 2
    assert all(_since(profiles[i], "si-urbanisme") < dt.date(2022, 1, 1) for i in withdrawn)
    # vsi held without videoprotection
    assert any("vsi" in p.held and "videoprotection" not in p.held for p in profiles.values())
    # videoprotection held without the prefectoral authorisation
    assert any("videoprotection" in p.held
               and p.authorisations.videoprotection_prefectorale is False
               for p in profiles.values())
    # tools the convention replaced
    assert sum(p.tools.collaboration == "alfresco" for p in profiles.values()) >= 2
    assert sum(p.tools.sig == "geoagglo" for p in profiles.values()) >= 2
    # some communes hold ads, which carries brick 9's costs in 2023
    assert sum("ads" in p.held for p in profiles.values()) >= 2
    # a subscription dated before its brick existed (3BIS came with avenant-6)
    assert _since(profiles["30138"], "vsi") < dt.date(2022, 4, 4)


IN_ORDER = ["30189", "30206", "30036", "30082", "30155", "30156", "30180", "30356",
            "30245", "30255", "30258", "30281"]


@pytest.mark.parametrize("insee", IN_ORDER)
def test_communes_in_order_are_eligible_for_what_they_hold(catalog, profiles, insee):
    profile = profiles[insee]
    assert profile.held
    evaluation = check(catalog, profile, AS_OF, sorted(profile.held), engine="reference")
    assert {v.status for v in evaluation.shown()} == {"eligible"}
    assert profile.tools.collaboration in ("office365", "none")
    assert profile.tools.sig in ("mycarto", "none")
    if insee == "30206":
        return  # CONTRACT §2 example: `history` is optional, its 2014 signature is not given
    signatures = [profile.convention, *profile.convention.history]
    first = min(s.signed_on for s in signatures if s.signed_on)
    assert all(s.since >= first for s in profile.subscriptions)


def test_finances_for_cost_sharing(profiles):
    without = [p for p in profiles.values() if p.finances.year is None]
    assert 2 <= len(without) <= 3
    assert all(not p.subscriptions for p in without)
    for profile in profiles.values():
        if profile.finances.year is None:
            continue
        assert profile.finances.year == 2022  # compte administratif for budget year 2023
        assert profile.finances.fonctionnement > 0 and profile.finances.investissement > 0


def test_poulx_follows_the_contract_example(profiles):
    poulx = profiles["30206"]
    assert poulx.convention.version == "avenant-6"
    assert poulx.convention.signed_on == dt.date(2022, 12, 13)
    assert [(s.version, s.signed_on) for s in poulx.convention.history] == [
        ("avenant-5", dt.date(2021, 1, 15))]
    assert (poulx.network.gecko, poulx.network.fibre) == (False, "ftth")
    assert poulx.equipment.model_dump() == {"cameras": 0, "schools": 2, "workstations": 25,
                                            "mobile_lines": 6, "fixed_lines": None}
    assert poulx.authorisations.videoprotection_prefectorale is False
    assert poulx.urbanisme.document == "plu"
    assert (poulx.tools.collaboration, poulx.tools.sig) == ("office365", "mycarto")
    assert poulx.vsi.use_cases == ["crowd", "bulky_objects", "traffic"]
    assert poulx.finances.model_dump() == {"year": 2022, "fonctionnement": 3100000,
                                           "investissement": 850000}
    assert [(s.brick, s.since) for s in poulx.subscriptions] == [
        ("conseil-assistance", dt.date(2015, 1, 1))]
    assert poulx.requests == ["vsi"]


def test_json_poulx_equals_yaml_poulx(catalog):
    from_yaml = load_profile(COMMUNES / "30206-poulx.yaml", catalog)
    from_json = load_profile(EXAMPLES / "30206-poulx.json", catalog)
    assert from_json == from_yaml


# ---------------------------------------------------------------- bad inputs


BAD = [
    ("bad-negative-cameras.yaml", "equipment.cameras"),
    ("bad-unknown-field.yaml", "netwrok"),
    ("bad-unknown-brick.yaml", "requests.0"),
    ("bad-date.yaml", "convention.signed_on"),
    ("bad-malformed.yaml", "line 6"),  # no field can be named in broken YAML: the line is
    ("bad-signed-before-adoption.yaml", "convention.signed_on"),
]


@pytest.mark.parametrize(("name", "field"), BAD, ids=[n for n, _ in BAD])
def test_bad_example_is_an_input_error_naming_file_and_field(catalog, name, field):
    with pytest.raises(InputError) as raised:
        load_profile(EXAMPLES / name, catalog)
    message = str(raised.value)
    assert name in message
    assert field in message


def test_every_bad_example_is_tested():
    assert {p.name for p in EXAMPLES.glob("bad-*")} == {name for name, _ in BAD}
