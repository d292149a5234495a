"""The check: statuses, three-valued logic, requirements, availability, remediation."""

from __future__ import annotations

import datetime as dt

import pytest
from builders import DROP as _DROP
from builders import poulx

from eligibility import InputError, check, parse_profile
from eligibility.evaluation.remediation import REQUEST, SET, SIGN, apply_plan, plan
from eligibility.profile.facts import convention_in_force

DAY = dt.date(2023, 1, 15)
ENGINES = ["reference", "durable"]




def run(catalog, data, requested=None, day=DAY, engine="reference"):
    return check(catalog, parse_profile(data, catalog), day, requested, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_vsi_without_videoprotection_is_ineligible_with_the_requirement_failed(catalog, engine):
    ev = run(catalog, poulx(), engine=engine)
    verdict = ev.verdicts["vsi"]
    assert [v.brick for v in ev.shown()] == ["vsi"]
    assert verdict.status == "ineligible"
    failed = {r.rule for r in verdict.failed()}
    assert failed == {"vsi.requires.videoprotection"}
    assert verdict.requires == ("conseil-assistance", "videoprotection")


def test_requesting_the_required_brick_makes_the_requirement_follow_its_verdict(catalog):
    good = poulx(network__fibre="ftto", equipment__cameras=4,
                 authorisations__videoprotection_prefectorale=True,
                 requests=["vsi", "videoprotection"])
    ev = run(catalog, good)
    assert ev.verdicts["videoprotection"].status == "eligible"
    assert ev.verdicts["vsi"].status == "eligible"
    bad = poulx(requests=["vsi", "videoprotection"])
    reason = next(r for r in run(catalog, bad).verdicts["vsi"].reasons
                  if r.rule == "vsi.requires.videoprotection")
    assert reason.held is False


def test_a_held_required_brick_satisfies_the_requirement_when_it_is_valid(catalog):
    data = poulx(subscriptions=[{"brick": "conseil-assistance"}, {"brick": "3"}],
                 network__fibre="ftto", equipment__cameras=4,
                 authorisations__videoprotection_prefectorale=True)
    assert run(catalog, data).verdicts["vsi"].status == "eligible"
    # Held but failing its own conditions, it carries nothing (issue 8, point 3).
    invalid = poulx(subscriptions=[{"brick": "conseil-assistance"}, {"brick": "3"}])
    assert run(catalog, invalid).verdicts["vsi"].status == "ineligible"


def test_no_request_means_every_brick_and_requirements_follow_their_own_conditions(catalog):
    ev = run(catalog, poulx(requests=[], subscriptions=[]))
    assert ev.everything_requested and len(ev.shown()) == len(catalog.bricks)
    assert ev.verdicts["conseil-assistance"].status == "eligible"
    # nothing held: the base brick counts as requested and is eligible, so the others follow it
    assert ev.verdicts["bureautique"].status == "eligible"
    assert ev.verdicts["vsi"].status == "ineligible"  # videoprotection's own conditions fail


@pytest.mark.parametrize("engine", ENGINES)
def test_a_fact_left_out_is_unknown_and_makes_the_brick_undetermined(catalog, engine):
    ev = run(catalog, poulx(urbanisme__document=_DROP, requests=["ads"]), engine=engine)
    verdict = ev.verdicts["ads"]
    assert verdict.status == "undetermined"
    assert verdict.missing == ("urbanisme.document",)
    reason = next(r for r in verdict.reasons if r.rule == "ads.document")
    assert reason.held is None


def test_a_failed_condition_wins_over_unknown_facts(catalog):
    data = poulx(network__fibre=_DROP, network__gecko=_DROP,
                 authorisations__videoprotection_prefectorale=False, requests=["videoprotection"])
    verdict = run(catalog, data).verdicts["videoprotection"]
    assert verdict.status == "ineligible"
    held = {r.rule: r.held for r in verdict.reasons}
    assert held["videoprotection.network"] is None
    assert held["videoprotection.authorisation"] is False


def test_any_holds_when_one_branch_holds_even_if_the_other_is_unknown(catalog):
    data = poulx(network__fibre=_DROP, network__gecko=True, requests=["telecoms"])
    assert run(catalog, data).verdicts["telecoms"].status == "eligible"


def test_minimal_profile_is_undetermined_everywhere_with_the_missing_facts(catalog):
    data = {"commune": {"insee": "30206", "name": "Poulx"}}
    ev = run(catalog, data)
    statuses = {v.status for v in ev.shown()}
    assert statuses == {"undetermined"}
    assert set(ev.verdicts["conseil-assistance"].missing) == {
        "commune.epci", "convention.version", "convention.signed_on"}


def test_not_a_member_is_ineligible_everywhere(catalog):
    ev = run(catalog, poulx(commune__epci="ales-agglomeration", requests=[]))
    assert all(v.status in ("ineligible", "unavailable") for v in ev.shown())
    assert all("common.membership" in {r.rule for r in v.failed()}
               for v in ev.shown() if v.status == "ineligible")


def test_vsi_is_unavailable_under_avenant_5_and_brick_9_under_avenant_6(catalog):
    old = poulx(convention={"version": "avenant-5", "signed_on": "2021-01-15"},
                requests=["vsi", "si-urbanisme"])
    ev = run(catalog, old)
    assert ev.verdicts["vsi"].status == "unavailable"
    assert ev.verdicts["si-urbanisme"].status == "eligible"
    ev = run(catalog, poulx(requests=["si-urbanisme", "ads"]))
    assert ev.verdicts["si-urbanisme"].status == "unavailable"
    assert ev.verdicts["ads"].status == "eligible"


def test_before_the_new_signature_the_older_version_applies(catalog):
    ev = run(catalog, poulx(requests=["vsi", "si-urbanisme"]), day=dt.date(2022, 6, 1))
    assert ev.convention == "avenant-5"
    assert ev.verdicts["vsi"].status == "unavailable"
    assert ev.verdicts["si-urbanisme"].status == "eligible"


def test_before_any_convention_every_brick_is_unavailable(catalog):
    ev = run(catalog, poulx(requests=[]), day=dt.date(2010, 1, 1))
    assert {v.status for v in ev.shown()} == {"unavailable"}


def test_unknown_convention_leaves_availability_undetermined(catalog):
    ev = run(catalog, poulx(convention=_DROP, requests=["si-urbanisme"]))
    verdict = ev.verdicts["si-urbanisme"]
    assert verdict.status == "undetermined"
    assert "convention.version" in verdict.missing


def test_no_convention_is_ineligible_and_the_help_is_to_sign(catalog):
    ev = run(catalog, poulx(convention={"version": "none"}, requests=["conseil-assistance"]))
    verdict = ev.verdicts["conseil-assistance"]
    assert verdict.status == "ineligible"
    assert {r.rule for r in verdict.failed()} == {"common.convention-signed"}
    remedy = plan(ev, "conseil-assistance")
    assert remedy.feasible
    assert [(s.kind, s.value) for s in remedy.steps] == [(SIGN, "avenant-6")]


def test_convention_in_force_follows_signatures_and_undated_versions(catalog):
    profile = parse_profile(poulx(), catalog)
    assert convention_in_force(profile, dt.date(2021, 1, 14), catalog) == "none"
    assert convention_in_force(profile, dt.date(2021, 1, 15), catalog) == "avenant-5"
    assert convention_in_force(profile, dt.date(2022, 12, 13), catalog) == "avenant-6"
    undated = parse_profile(poulx(convention={"version": "avenant-6"}), catalog)
    assert convention_in_force(undated, dt.date(2022, 4, 3), catalog) == "none"
    assert convention_in_force(undated, dt.date(2022, 4, 4), catalog) == "avenant-6"


def test_a_signature_before_its_version_was_adopted_is_an_error(catalog):
    with pytest.raises(InputError) as caught:
        parse_profile(poulx(convention={"version": "avenant-6", "signed_on": "2021-01-01"}),
                      catalog, "p.yaml")
    assert "p.yaml" in str(caught.value) and "convention.signed_on" in str(caught.value)


def test_vsi_biometric_use_case_fails_under_the_law(catalog):
    data = poulx(vsi={"use_cases": ["crowd", "facial_recognition"]},
                 subscriptions=[{"brick": "conseil-assistance"}, {"brick": "videoprotection"}],
                 network__fibre="ftto", equipment__cameras=4,  # a valid videoprotection
                 authorisations__videoprotection_prefectorale=True)
    verdict = run(catalog, data).verdicts["vsi"]
    assert verdict.status == "ineligible"
    [reason] = verdict.failed()
    assert (reason.rule, reason.source) == ("vsi.no-biometrics", "law")


def test_the_plan_asks_for_the_required_brick_and_raises_the_fibre(catalog):
    ev = run(catalog, poulx())
    remedy = plan(ev, "vsi")
    assert remedy.feasible
    kinds = {(s.kind, s.brick or s.field, s.value) for s in remedy.steps}
    assert (REQUEST, "videoprotection", None) in kinds
    assert (SET, "network.fibre", "ftto") in kinds
    assert (SET, "authorisations.videoprotection_prefectorale", True) in kinds
    assert (SET, "equipment.cameras", 1) in kinds
    fixed = apply_plan(ev.profile, remedy.steps, DAY)
    again = check(catalog, fixed, DAY, None, engine="reference")
    assert again.verdicts["vsi"].status == "eligible"


def test_a_withdrawn_brick_has_no_plan_but_its_replacement(catalog):
    ev = run(catalog, poulx(requests=["si-urbanisme"]))
    remedy = plan(ev, "si-urbanisme")
    assert not remedy.feasible and remedy.replaced_by == "ads"


def test_the_cheapest_alternative_is_chosen_and_merged_steps_take_the_stronger(catalog):
    data = poulx(network__fibre="none", requests=["videoprotection", "cloud-reseaux"],
                 equipment__cameras=2, authorisations__videoprotection_prefectorale=True)
    ev = run(catalog, data)
    remedy = plan(ev, "videoprotection")
    assert [(s.field, s.value) for s in remedy.steps] == [("network.fibre", "ftto")]


def test_aliases_are_accepted_in_requests_and_subscriptions(catalog):
    data = poulx(requests=["3bis", "SOCLE"], subscriptions=[{"brick": "3"}])
    profile = parse_profile(data, catalog)
    assert profile.requests == ["vsi", "conseil-assistance"]
    assert profile.held == {"videoprotection"}
