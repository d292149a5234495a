"""Issue 8, point 1: dates are honoured everywhere.

One notion of "held on a date" (``facts.held_on``) serves check, explain, audit, costs
and verify; a convention's history is honoured, and refused when it cannot be. The
profiles are in ``fixtures/issue8/``, each with its hand derivation in a comment.
"""

from __future__ import annotations

import datetime as dt

import pytest
from builders import poulx
from click.testing import CliRunner
from helpers import COMMUNES, FIXTURES

from eligibility import InputError, check, load_profile, parse_profile
from eligibility.audit.batch import run_audit
from eligibility.audit.findings import AuditOptions
from eligibility.cli.main import main
from eligibility.costs.shares import held_on as costs_held_on
from eligibility.evaluation.remediation import REQUEST, SIGN, apply_plan, plan
from eligibility.profile.facts import convention_in_force, held_on

ISSUE8 = FIXTURES / "issue8"
ENGINES = ["reference", "durable"]
JAN, JULY = dt.date(2023, 1, 15), dt.date(2023, 7, 1)


def load(catalog, name):
    return load_profile(ISSUE8 / name, catalog)


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), env={"NO_COLOR": "1", "COLUMNS": "80"})


# --- one notion of "held on a date" ----------------------------------------------------

def test_held_on_counts_a_subscription_from_its_since(catalog):
    profile = load(catalog, "videoprotection-from-june-2023.yaml")
    assert held_on(profile, JAN) == {"conseil-assistance"}
    assert held_on(profile, dt.date(2023, 5, 31)) == {"conseil-assistance"}
    assert held_on(profile, dt.date(2023, 6, 1)) == {"conseil-assistance", "videoprotection"}
    undated = parse_profile(poulx(subscriptions=[{"brick": "bureautique"}]), catalog)
    assert held_on(undated, dt.date(1990, 1, 1)) == {"bureautique"}  # undated: always


@pytest.mark.parametrize("engine", ENGINES)
def test_a_subscription_after_the_date_does_not_carry_vsi(catalog, engine):
    profile = load(catalog, "videoprotection-from-june-2023.yaml")
    before = check(catalog, profile, JAN, engine=engine)
    assert before.held == {"conseil-assistance"}
    verdict = before.verdicts["vsi"]
    assert verdict.status == "ineligible"
    assert [r.rule for r in verdict.failed()] == ["vsi.requires.videoprotection"]
    remedy = plan(before, "vsi")
    assert remedy.feasible
    assert [(s.kind, s.brick) for s in remedy.steps] == [(REQUEST, "videoprotection")]
    after = check(catalog, profile, JULY, engine=engine)
    assert after.verdicts["vsi"].status == "eligible"


@pytest.mark.parametrize("engine", ENGINES)
def test_the_base_brick_subscribed_in_2024_does_not_carry_bureautique_in_2023(catalog, engine):
    profile = load(catalog, "socle-from-2024.yaml")
    verdict = check(catalog, profile, dt.date(2023, 6, 1), engine=engine).verdicts["bureautique"]
    assert verdict.status == "ineligible"
    assert [r.rule for r in verdict.failed()] == ["bureautique.requires.conseil-assistance"]
    later = check(catalog, profile, dt.date(2024, 2, 1), engine=engine)
    assert later.verdicts["bureautique"].status == "eligible"


def test_check_and_explain_say_the_commune_does_not_hold_it_yet():
    path = str(ISSUE8 / "videoprotection-from-june-2023.yaml")
    checked = invoke("check", path, "--as-of", "2023-01-15")
    assert checked.exit_code == 1
    assert "Vidéoville ne la détient pas et ne la demande pas" in checked.stdout
    explained = invoke("explain", path, "vsi", "--as-of", "2023-01-15")
    assert explained.exit_code == 1
    assert "ne la détient pas" in explained.stdout
    assert invoke("check", path, "--as-of", "2023-07-01").exit_code == 0


def test_audit_and_costs_read_the_same_holdings(catalog):
    profile = load(catalog, "videoprotection-from-june-2023.yaml")
    assert costs_held_on(profile, JAN) == held_on(profile, JAN)
    run = run_audit(catalog, [str(ISSUE8 / "videoprotection-from-june-2023.yaml")],
                    AuditOptions(JAN))
    [commune] = run.communes
    assert set(commune.held) == {"conseil-assistance"}
    assert not any(f.brick == "videoprotection" and f.severity == "error"
                   for f in commune.findings)


# --- the convention's history ----------------------------------------------------------

def test_redessan_under_avenant_5_in_june_2021_is_not_told_to_sign(catalog):
    for profile in (load_profile(COMMUNES / "30211-redessan.yaml", catalog),
                    load(catalog, "redessan-left-2023.yaml")):
        ev = check(catalog, profile, dt.date(2021, 6, 15), ["conseil-assistance"])
        assert ev.convention == "avenant-5"
        assert ev.verdicts["conseil-assistance"].status == "eligible"
        assert not any(s.kind == SIGN for s in plan(ev, "conseil-assistance").steps)


def test_a_none_with_its_date_takes_effect_on_that_date(catalog):
    profile = load(catalog, "redessan-left-2023.yaml")
    assert convention_in_force(profile, dt.date(2023, 2, 28), catalog) == "avenant-5"
    assert convention_in_force(profile, dt.date(2023, 3, 1), catalog) == "none"
    ev = check(catalog, profile, dt.date(2023, 6, 1))
    verdict = ev.verdicts["conseil-assistance"]
    assert [r.rule for r in verdict.failed()] == ["common.convention-signed"]
    remedy = plan(ev, "conseil-assistance")
    assert remedy.feasible and [(s.kind, s.value) for s in remedy.steps] == [
        (SIGN, "avenant-6")]


@pytest.mark.parametrize(("name", "field", "words"), [
    ("bad-none-without-date.yaml", "convention.signed_on",
     "version 'none' after earlier signatures needs the date it took effect"),
    ("bad-history-after-signature.yaml", "convention.history.1.signed_on",
     "avenant-6 signed on 2023-02-01 comes after the current signature"),
])
def test_a_history_that_cannot_be_honoured_is_an_error_naming_the_field(name, field, words):
    result = invoke("check", str(ISSUE8 / name))
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {ISSUE8 / name}: {field}: ")
    assert words in line
    assert "Traceback" not in result.stderr


def test_an_undated_history_entry_adopted_after_the_signature_names_its_version(catalog):
    data = poulx(convention={"version": "avenant-5", "signed_on": "2021-01-15",
                             "history": [{"version": "avenant-6"}]})
    with pytest.raises(InputError) as caught:
        parse_profile(data, catalog, "p.yaml")
    assert "convention.history.0.version" in str(caught.value)
    assert "adopted on 2022-04-04" in str(caught.value)


def test_signing_on_a_date_before_a_later_signature_keeps_a_valid_profile(catalog):
    # Moulézan signed avenant-6 only on 2023-02-06: on 2023-01-15 the plan for vsi is to
    # sign avenant-6 that day; the profile it leads to stays valid (no history after it).
    profile = load_profile(COMMUNES / "30183-moulezan.yaml", catalog)
    ev = check(catalog, profile, JAN, ["vsi"])
    remedy = plan(ev, "vsi")
    assert any(s.kind == SIGN for s in remedy.steps)
    changed = apply_plan(profile, remedy.steps, JAN)
    assert changed.convention is not None and changed.convention.signed_on == JAN
    assert all(s.signed_on is None or s.signed_on <= JAN for s in changed.convention.history)
    parse_profile(changed.model_dump(mode="json"), catalog)  # valid against the catalog
