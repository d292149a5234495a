"""Cost sharing (issue 5): the single key, to the cent; art. 4.2.2; brick 9's costs to ADS."""

from __future__ import annotations

import csv
import io
import json
import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from eligibility.cli.main import main
from eligibility.costs.shares import (
    compute_costs,
    load_budget,
    parse_budget,
    share_cost,
)
from eligibility.errors import InputError
from eligibility.profile.loading import parse_profile
from eligibility.reports.costs import dumps

ROOT = Path(__file__).resolve().parent.parent
BUDGET_2023 = ROOT / "fixtures" / "budget-2023.yaml"
COMMUNES = ROOT / "fixtures" / "communes"


# --- helpers ---------------------------------------------------------------------------

def commune(insee: str, name: str, fonctionnement: float | None = None,
            investissement: float | None = None, subscriptions: list | None = None,
            year: int | None = 2022) -> dict:
    data: dict = {"commune": {"insee": insee, "name": name, "epci": "nimes-metropole"},
                  "subscriptions": subscriptions or []}
    if fonctionnement is not None or investissement is not None:
        data["finances"] = {"year": year, "fonctionnement": fonctionnement,
                            "investissement": investissement}
    return data


def write(folder: Path, name: str, data: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    text = (json.dumps(data, ensure_ascii=False) if path.suffix == ".json"
            else yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str):
    return CliRunner().invoke(main, ["costs", *args])


# Three communes with round comptes administratifs 2022 (fonctionnement + investissement):
#   30001 A: 600 000 + 400 000 = 1 000 000  (videoprotection, internet-collaboratif)
#   30002 B: 2 500 000 + 500 000 = 3 000 000 (videoprotection, internet-collaboratif)
#   30003 C: 900 000 + 100 000 = 1 000 000  (videoprotection only)
@pytest.fixture
def three(tmp_path: Path) -> Path:
    folder = tmp_path / "communes"
    write(folder, "a.yaml", commune("30001", "Alpha", 600000, 400000, [
        {"brick": "videoprotection", "since": "2020-05-01"}, {"brick": "internet-collaboratif"}]))
    write(folder, "b.yaml", commune("30002", "Bravo", 2500000, 500000, [
        {"brick": "3", "since": "2023-01-01"}, {"brick": "1", "since": "2019-01-01"}]))
    write(folder, "c.yml", commune("30003", "Charlie", 900000, 100000, [
        {"brick": "videoprotection", "since": "2022-12-31"},
        {"brick": "internet-collaboratif", "since": "2023-01-02"}]))  # not yet on 1 January
    return folder


@pytest.fixture
def budget(tmp_path: Path) -> Path:
    return write(tmp_path, "budget.yaml", {
        "year": 2023,
        "bricks": {
            "videoprotection": {"etp": 2.5, "cost_per_etp": 55000, "si": 120000},
            "internet-collaboratif": {"etp": 3, "cost_per_etp": 55000, "si": 200000},
        },
        "licence_upgrades": [{"insee": "30001", "brick": "internet-collaboratif",
                              "amount": 4200}],
    })


def json_costs(*args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --- the pure key ----------------------------------------------------------------------

def test_share_cost_by_hand():
    # 1 000,00 € = 100 000 cents for weights 1 and 2: quotas 33 333.33… and 66 666.66…;
    # floors 33 333 + 66 666 = 99 999, the cent left goes to the larger remainder (B).
    assert share_cost(100000, {"30001": 1, "30002": 2}) == {"30001": 33333, "30002": 66667}


def test_share_cost_ties_go_to_the_smaller_insee():
    # 1 000,00 € in three equal parts: 33 333 each, one cent left, equal remainders.
    assert share_cost(100000, {"30003": 5, "30001": 5, "30002": 5}) == {
        "30001": 33334, "30002": 33333, "30003": 33333}
    assert share_cost(2, {"30190": 1, "30189": 1, "30200": 1}) == {
        "30189": 1, "30190": 1, "30200": 0}


def test_share_cost_zero_weight_and_refusals():
    assert share_cost(1000, {"30001": 0, "30002": 3}) == {"30001": 0, "30002": 1000}
    assert share_cost(0, {}) == {}
    with pytest.raises(ValueError):
        share_cost(1000, {})
    with pytest.raises(ValueError):
        share_cost(1000, {"30001": 0})
    with pytest.raises(ValueError):
        share_cost(-1, {"30001": 1})


# --- the command, exact amounts --------------------------------------------------------

def test_exact_shares_keys_and_totals(three: Path, budget: Path):
    data = json_costs(str(three), "--budget", str(budget))
    assert data["year"] == 2023
    bricks = {b["id"]: b for b in data["bricks"]}
    # videoprotection: 2.5 × 55 000 + 120 000 = 257 500,00 €, held by A, B (since
    # 2023-01-01, on the day) and C; keys 1/5, 3/5, 1/5.
    assert bricks["videoprotection"] == {
        "id": "videoprotection", "cost": 257500.0, "etp": 2.5,
        "subscribers": ["30001", "30002", "30003"],
        "lines": [{"id": "videoprotection", "cost": 257500.0, "etp": 2.5}]}
    # internet-collaboratif: 3 × 55 000 + 200 000 = 365 000,00 €, held by A (undated) and
    # B; C subscribes on 2 January only. Keys 1/4 and 3/4.
    assert bricks["internet-collaboratif"]["cost"] == 365000.0
    assert bricks["internet-collaboratif"]["subscribers"] == ["30001", "30002"]
    communes = {c["insee"]: c for c in data["communes"]}
    assert communes["30001"] == {
        "insee": "30001", "name": "Alpha",
        "key": {"internet-collaboratif": 25.0, "videoprotection": 20.0},
        "charges": {"internet-collaboratif": 91250.0, "videoprotection": 51500.0},
        "licence_upgrades": [{"brick": "internet-collaboratif", "amount": 4200.0}],
        "total": 51500.0 + 91250.0 + 4200.0}
    assert communes["30002"]["charges"] == {"videoprotection": 154500.0,
                                            "internet-collaboratif": 273750.0}
    assert communes["30002"]["total"] == 428250.0
    assert communes["30003"]["charges"] == {"videoprotection": 51500.0}
    assert communes["30003"]["key"] == {"videoprotection": 20.0}
    # The grand total includes the licence upgrade (CONTRACT §4).
    assert data["total"] == 257500.0 + 365000.0 + 4200.0
    assert data["warnings"] == [] and data["notes"] == []


def test_json_amounts_have_two_decimals(three: Path, budget: Path):
    result = run(str(three), "--budget", str(budget), "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"cost": 257500.00,' in result.output
    assert '"videoprotection": 51500.00' in result.output
    assert '"total": 626700.00,' in result.output
    assert '"amount": 4200.00' in result.output
    assert '"videoprotection": 20.0000' in result.output     # key in percent, 4 decimals
    assert dumps({"a": Decimal("1234.50"), "b": [Decimal("0.00")], "c": "é"}) == (
        '{\n  "a": 1234.50,\n  "b": [\n    0.00\n  ],\n  "c": "é"\n}')


def test_remainder_cent_by_hand(tmp_path: Path):
    # 1 000,00 € of telecoms among three communes with equal accounts (1 000 000 each):
    # 333,33 € each and one cent left, given to the smallest INSEE code (30001).
    folder = tmp_path / "c"
    for insee in ("30003", "30001", "30002"):
        write(folder, f"{insee}.yaml",
              commune(insee, f"C{insee}", 700000, 300000, [{"brick": "telecoms"}]))
    budget = write(tmp_path, "b.yaml", {"year": 2023, "bricks": {"7": {"si": 1000}}})
    data = json_costs(str(folder), "--budget", str(budget))
    charges = {c["insee"]: c["charges"]["telecoms"] for c in data["communes"]}
    assert charges == {"30001": 333.34, "30002": 333.33, "30003": 333.33}
    keys = {c["insee"]: c["key"]["telecoms"] for c in data["communes"]}
    assert keys == {"30001": 33.3333, "30002": 33.3333, "30003": 33.3333}


def test_staff_cost_rounded_to_the_cent(catalog):
    # 0.333 ETP × 55 000,01 € = 18 315,00333 € -> 18 315,00 €; + SI 0,01 €.
    budget = parse_budget({"year": 2023, "bricks": {"vsi": {
        "etp": 0.333, "cost_per_etp": 55000.01, "si": 0.01}}}, catalog)
    assert budget.bricks["vsi"].cost_cents == 1831501


def test_si_urbanisme_carried_by_ads_after_avenant_6(tmp_path: Path, catalog):
    folder = tmp_path / "c"
    write(folder, "a.yaml", commune("30001", "Alpha", 1000000, 0, [{"brick": "ads"}]))
    write(folder, "b.yaml", commune("30002", "Bravo", 3000000, 0, [
        {"brick": "ads", "since": "2022-06-01"}]))
    write(folder, "c.yaml", commune("30003", "Charlie", 5000000, 0, [{"brick": "9"}]))
    budget = write(tmp_path, "b.yaml", {"year": 2023, "bricks": {
        "ads": {"etp": 2, "cost_per_etp": 55000, "si": 40000},     # 150 000,00 €
        "si-urbanisme": {"etp": 0.5, "cost_per_etp": 55000, "si": 25000}}})  # 52 500,00 €
    data = json_costs(str(folder), "--budget", str(budget))
    assert [b["id"] for b in data["bricks"]] == ["ads"]
    ads = data["bricks"][0]
    assert ads["cost"] == 202500.0 and ads["etp"] == 2.5
    assert ads["lines"] == [{"id": "ads", "cost": 150000.0, "etp": 2},
                            {"id": "si-urbanisme", "cost": 52500.0, "etp": 0.5}]
    charges = {c["insee"]: c["charges"] for c in data["communes"]}
    assert charges == {"30001": {"ads": 50625.0}, "30002": {"ads": 151875.0}, "30003": {}}
    citation = catalog.bricks["si-urbanisme"].replaced_by.citation
    [note] = data["notes"]
    assert note["brick"] == "si-urbanisme" and note["carried_by"] == "ads"
    assert note["version"] == "avenant-6" and note["citation"] == citation
    # The commune that still holds brick 9 but not ADS is warned; it pays nothing.
    assert [(w["kind"], w["insee"]) for w in data["warnings"]] == [("replaced-held", "30003")]
    text = run(str(folder), "--budget", str(budget)).output
    assert " ".join(citation.split()) in " ".join(text.split())  # wrapped at 80 columns
    assert "dont SI Urbanisme (brique 9)" in text


def test_si_urbanisme_kept_before_avenant_6(tmp_path: Path):
    # 1 January 2022 is before the adoption of avenant n°6 (2022-04-04): the line stays.
    folder = tmp_path / "c"
    write(folder, "c.yaml", commune("30003", "Charlie", 5000000, 0, [{"brick": "9"}],
                                    year=2021))
    budget = write(tmp_path, "b.yaml", {"year": 2022, "bricks": {"9": {"si": 25000}}})
    data = json_costs(str(folder), "--budget", str(budget))
    assert data["notes"] == []
    assert data["communes"][0]["charges"] == {"si-urbanisme": 25000.0}


def test_brick_nobody_holds_is_a_warning(three: Path, tmp_path: Path):
    budget = write(tmp_path, "b.yaml", {"year": 2023, "bricks": {
        "videoprotection": {"si": 1000}, "vsi": {"etp": 1, "cost_per_etp": 50000}}})
    result = run(str(three), "--budget", str(budget), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [(w["kind"], w["brick"], w["cost"]) for w in data["warnings"]] == [
        ("unheld", "vsi", 50000.0)]
    assert {b["id"]: b["subscribers"] for b in data["bricks"]}["vsi"] == []
    assert data["total"] == 1000.0 and data["unallocated"] == 50000.0
    text = run(str(three), "--budget", str(budget)).output
    assert "aucune commune ne détient" in text


def test_text_is_french_80_columns_and_english_on_request(three: Path, budget: Path):
    fr = run(str(three), "--budget", str(budget))
    assert fr.exit_code == 0, fr.output
    assert "Répartition des coûts" in fr.output and "51 500,00 €" in fr.output
    assert "Total réparti" in fr.output and "626 700,00 €" in fr.output
    en = run(str(three), "--budget", str(budget), "--lang", "en")
    assert "DN cost sharing" in en.output and "€626,700.00" in en.output
    for output in (fr.output, en.output):
        assert max(len(line) for line in output.splitlines()) <= 80


def test_csv_and_markdown(three: Path, budget: Path):
    result = run(str(three), "--budget", str(budget), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    costs = {r["brick"]: Decimal(r["amount"]) for r in rows if r["record"] == "brick"}
    for brick, cost in costs.items():
        assert sum(Decimal(r["amount"]) for r in rows
                   if r["record"] == "charge" and r["brick"] == brick) == cost
    assert [r["amount"] for r in rows if r["record"] == "total"] == ["626700.00"]
    assert [(r["insee"], r["amount"]) for r in rows if r["record"] == "licence_upgrade"] == [
        ("30001", "4200.00")]
    md = run(str(three), "--budget", str(budget), "--format", "markdown")
    assert md.exit_code == 0
    assert "| 30001 | Alpha |" in md.output and "**626 700,00 €**" in md.output


def test_output_file(three: Path, budget: Path, tmp_path: Path):
    target = tmp_path / "out.json"
    result = run(str(three), "--budget", str(budget), "--format", "json", "--output", str(target))
    assert result.exit_code == 0 and result.output == ""
    assert json.loads(target.read_text(encoding="utf-8"))["total"] == 626700.0


def test_files_and_folders_mixed(three: Path, budget: Path, tmp_path: Path):
    extra = write(tmp_path / "more", "d.json", commune("30004", "Delta", 1, 1))
    data = json_costs(str(three / "a.yaml"), str(extra.parent), "--budget", str(budget))
    assert [c["insee"] for c in data["communes"]] == ["30001", "30004"]
    # Only A holds the bricks now: it pays everything.
    assert data["communes"][0]["charges"] == {"videoprotection": 257500.0,
                                              "internet-collaboratif": 365000.0}


# --- bad input: exit 2, one message naming the file, the field, the commune -----------

def error_of(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_subscriber_without_finances(three: Path, budget: Path):
    write(three, "d.yaml", commune("30004", "Delta", subscriptions=[{"brick": "videoprotection"}]))
    message = error_of(str(three), "--budget", str(budget))
    assert "30004 Delta" in message and "d.yaml: finances:" in message
    assert "no compte administratif" in message


def test_subscriber_with_the_wrong_year(three: Path, budget: Path):
    write(three, "d.yaml", commune("30004", "Delta", 1, 1, [{"brick": "videoprotection"}],
                                   year=2021))
    message = error_of(str(three), "--budget", str(budget))
    assert "d.yaml: finances.year: commune 30004 Delta" in message
    assert "2021" in message and "2022" in message


@pytest.mark.parametrize("finances, field", [
    ({"year": 2022, "fonctionnement": 100}, "finances.investissement"),
    ({"year": 2022, "fonctionnement": 0, "investissement": 0}, "finances"),
])
def test_subscriber_with_an_unusable_account(three: Path, budget: Path, finances, field):
    data = commune("30004", "Delta", subscriptions=[{"brick": "videoprotection"}])
    data["finances"] = finances
    write(three, "d.yaml", data)
    assert f"d.yaml: {field}: commune 30004 Delta" in error_of(str(three), "--budget", str(budget))


def test_non_subscriber_needs_no_finances(three: Path, budget: Path):
    write(three, "d.yaml", commune("30004", "Delta", subscriptions=[{"brick": "vsi"}]))
    data = json_costs(str(three), "--budget", str(budget))
    assert {c["insee"]: c["total"] for c in data["communes"]}["30004"] == 0.0


@pytest.mark.parametrize("content, expected", [
    ({"year": 2023, "bricks": {"videoprotectoin": {"si": 1}}},
     "bricks.videoprotectoin: unknown brick 'videoprotectoin' — did you mean 'videoprotection'?"),
    ({"year": 2023, "bricks": {"3": {"etp": 1, "cost_per_etq": 1}}},
     "bricks.3.cost_per_etq: unknown field — did you mean 'cost_per_etp'?"),
    ({"year": 2023, "bricks": {"videoprotection": {"si": -5}}},
     "bricks.videoprotection.si: must be ≥ 0 (got -5)"),
    ({"year": 2023, "bricks": {"videoprotection": {"si": 1.005}}},
     "bricks.videoprotection.si: at most 2 decimals"),
    ({"year": 2023, "bricks": {"videoprotection": {"etp": 2}}},
     "bricks.videoprotection: give both etp and cost_per_etp"),
    ({"year": 2023, "bricks": {"videoprotection": {"si": True}}},
     "bricks.videoprotection.si: expected a number (got True)"),
    ({"year": 2023, "bricks": {"videoprotection": {"si": 1}, "3": {"si": 2}}},
     "bricks.3: same brick as 'videoprotection'"),
    ({"yaer": 2023, "bricks": {}}, "yaer: unknown field — did you mean 'year'?"),
    ({"bricks": {}}, "year: required field is missing"),
    ({"year": 2023, "licence_upgrades": [{"insee": "30001", "brick": "internet-colaboratif",
                                          "amount": 1}]},
     "licence_upgrades.0.brick: unknown brick 'internet-colaboratif' — did you mean "
     "'internet-collaboratif'?"),
    ({"year": 2023, "licence_upgrades": [{"insee": "30001", "brick": "1", "amount": -1}]},
     "licence_upgrades.0.amount: must be ≥ 0"),
    ({"year": 2023, "licence_upgrades": [{"insee": "3001", "brick": "1", "amount": 1}]},
     "licence_upgrades.0.insee: expected a 5-character INSEE code"),
    ({"year": 2023, "licence_upgrades": [{"insee": "39999", "brick": "1", "amount": 1}]},
     "licence_upgrades.0.insee: commune 39999 is not among the profiles given"),
    ({"year": 2023, "licence_upgrades": [{"insee": "30003", "brick": "1", "amount": 1}]},
     "licence_upgrades.0.brick: commune 30003 Charlie does not hold 'internet-collaboratif'"),
])
def test_bad_budget(three: Path, tmp_path: Path, content: dict, expected: str):
    budget = write(tmp_path, "bad.yaml", content)
    assert f"error: {budget}: {expected}" in error_of(str(three), "--budget", str(budget))


def test_budget_file_problems(three: Path, tmp_path: Path):
    twice = tmp_path / "twice.yaml"
    twice.write_text("year: 2023\nbricks:\n  vsi: {si: 1}\n  vsi: {si: 2}\n", encoding="utf-8")
    assert "key 'vsi' given twice" in error_of(str(three), "--budget", str(twice))
    missing = tmp_path / "nope.yaml"
    assert f"{missing}: no such file" in error_of(str(three), "--budget", str(missing))
    broken = tmp_path / "broken.yaml"
    broken.write_text("year: [2023\n", encoding="utf-8")
    assert "malformed YAML" in error_of(str(three), "--budget", str(broken))
    assert "Missing option '--budget'" in error_of(str(three))


def test_bad_profiles(three: Path, budget: Path, tmp_path: Path):
    write(three, "typo.yaml", {"commune": {"insee": "30009", "name": "X"}, "finance": {}})
    assert "typo.yaml: finance: unknown field — did you mean 'finances'?" in error_of(
        str(three), "--budget", str(budget))
    (three / "typo.yaml").unlink()
    write(three, "again.yaml", commune("30001", "Alpha bis"))
    assert "commune 30001 is also given by" in error_of(str(three), "--budget", str(budget))
    assert "no such file or folder" in error_of(str(tmp_path / "void"), "--budget", str(budget))
    (tmp_path / "empty").mkdir()
    assert "no profile" in error_of(str(tmp_path / "empty"), "--budget", str(budget))


# --- the shipped illustrative budget and the commune fixtures --------------------------

def test_illustrative_budget(catalog):
    budget = load_budget(BUDGET_2023, catalog)
    assert budget.year == 2023
    assert "si-urbanisme" in budget.bricks and len(budget.bricks) >= 3
    assert [(u.insee, u.brick) for u in budget.licence_upgrades] == [
        ("30082", "internet-collaboratif")]
    assert "ILLUSTRATIVE" in BUDGET_2023.read_text(encoding="utf-8")


def test_commune_fixtures_with_the_illustrative_budget():
    result = run(str(COMMUNES), "--budget", str(BUDGET_2023), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for brick in data["bricks"]:
        charged = sum(Decimal(str(c["charges"].get(brick["id"], 0))) for c in data["communes"])
        assert charged == Decimal(str(brick["cost"])) or not brick["subscribers"]
    assert any(n["brick"] == "si-urbanisme" and n["carried_by"] == "ads" for n in data["notes"])
    clarensac = next(c for c in data["communes"] if c["insee"] == "30082")
    assert clarensac["licence_upgrades"] == [{"brick": "internet-collaboratif", "amount": 4200.0,
                                          "reason": "Office 365 E3 instead of E1 (illustrative)"}]


# --- properties (issue 5, point 5) -----------------------------------------------------

INSEE = st.integers(30001, 30350).map(str)
cents = st.integers(0, 10**10)                       # up to 100 million euros
accounts = st.integers(1, 10**11)                    # a compte administratif, in cents
weights_st = st.dictionaries(INSEE, accounts, min_size=1, max_size=40)


def quota(cost: int, weights: dict[str, int], insee: str) -> Fraction:
    return Fraction(cost * weights[insee], sum(weights.values()))


@given(cost=cents, weights=weights_st)
def test_shares_add_up_to_the_cent(cost, weights):
    assert sum(share_cost(cost, weights).values()) == cost


@given(cost=cents, weights=weights_st)
def test_share_is_proportional_within_a_cent(cost, weights):
    for insee, share in share_cost(cost, weights).items():
        assert abs(share - quota(cost, weights, insee)) < 1


@given(cost=cents, weights=weights_st, factor=st.integers(1, 10**6),
       divisor=st.sampled_from([1, 3, 100, 7919]))
def test_scaling_every_account_changes_nothing(cost, weights, factor, divisor):
    scaled = {k: Fraction(w * factor, divisor) for k, w in weights.items()}
    assert share_cost(cost, scaled) == share_cost(cost, weights)


@given(cost=cents, weights=weights_st, newcomer=INSEE, account=accounts)
def test_new_subscriber_never_raises_another_commune_s_charge(cost, weights, newcomer, account):
    """The exact charge of every other commune falls; the charge rounded to the cent by the
    largest-remainder method (issue point 3) never rises by more than the one rounding cent.

    Largest remainder cannot promise more: it has the "new states paradox" (see
    test_new_subscriber_rounding_paradox); a rise of one cent can only come from rounding
    (the commune was rounded down before, up after, within the same euro cent).
    """
    assume(newcomer not in weights)
    before = share_cost(cost, weights)
    bigger = {**weights, newcomer: account}
    after = share_cost(cost, bigger)
    for insee in weights:
        assert quota(cost, bigger, insee) <= quota(cost, weights, insee)
        assert after[insee] <= before[insee] + 1
        if after[insee] > before[insee]:
            assert before[insee] == math.floor(quota(cost, weights, insee))
            assert after[insee] == math.ceil(quota(cost, bigger, insee))


def test_new_subscriber_rounding_paradox():
    # 0,22 € shared by six communes, then a seventh joins: the commune of weight 4 goes
    # from 0,00 € to 0,01 € (its exact share falls from 0,0069 € to 0,0065 €) because the
    # remainders' order changes. This is largest remainder's known "new states paradox".
    weights = {"30001": 16, "30002": 40, "30003": 34, "30004": 10, "30005": 4, "30006": 22}
    before = share_cost(22, weights)
    after = share_cost(22, {**weights, "30007": 8})
    assert before["30005"] == 0 and after["30005"] == 1
    assert sum(after.values()) == sum(before.values()) == 22


# Properties through the whole computation (profiles, holding dates, budget).

profile_st = st.fixed_dictionaries({
    "fonctionnement": st.integers(1, 10**9),
    "investissement": st.integers(0, 10**9),
    "holds": st.sets(st.sampled_from(["videoprotection", "telecoms", "ads"]), max_size=3),
})


def _profiles(catalog, specs: dict[str, dict], factor: int = 1):
    return [parse_profile(commune(insee, f"C{insee}", spec["fonctionnement"] * factor,
                                  spec["investissement"] * factor,
                                  [{"brick": b} for b in sorted(spec["holds"])]), catalog)
            for insee, spec in specs.items()]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.dictionaries(INSEE, profile_st, min_size=1, max_size=12),
       costs=st.tuples(cents, cents, cents), factor=st.integers(2, 1000))
def test_report_properties(catalog, specs, costs, factor):
    budget = parse_budget({"year": 2023, "bricks": {
        "videoprotection": {"si": Decimal(costs[0]) / 100},
        "telecoms": {"si": Decimal(costs[1]) / 100},
        "si-urbanisme": {"si": Decimal(costs[2]) / 100}}}, catalog)
    report = compute_costs(budget, _profiles(catalog, specs), catalog)
    scaled = compute_costs(budget, _profiles(catalog, specs, factor), catalog)
    assert [(c.insee, c.charges) for c in report.communes] == [
        (c.insee, c.charges) for c in scaled.communes]
    for brick in report.bricks:
        charged = [c.charges.get(brick.id, 0) for c in report.communes]
        if brick.subscribers:
            assert sum(charged) == brick.cost
    for c in report.communes:
        # A commune pays nothing for a brick it does not hold (brick 9's line is ADS's).
        assert set(c.charges) <= specs[c.insee]["holds"]
    assert report.total == sum(b.cost for b in report.bricks if b.subscribers)


def test_error_names_the_commune_in_the_api(catalog):
    budget = parse_budget({"year": 2023, "bricks": {"telecoms": {"si": 10}}}, catalog)
    profile = parse_profile(commune("30206", "Poulx", subscriptions=[{"brick": "7"}]), catalog)
    with pytest.raises(InputError, match="commune 30206 Poulx holds 'telecoms'"):
        compute_costs(budget, [("poulx.yaml", profile)], catalog)
